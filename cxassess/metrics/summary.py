"""Customer metrics from a survey table: NPS, CSAT and Customer Effort Score, each with a 95% interval.

Why these three: NPS (would you recommend us?) tracks loyalty, CSAT (how satisfied were you?)
tracks how well a moment met a need, and CES (how easy was it?) flags friction that predicts churn.
They complement the culture scores of :mod:`cxassess.scoring.score`: culture is the cause side, these
are what customers feel.

Definitions and interval methods (all intervals at 95%, ``z = 1.959964``):

- **NPS**, answers 0..10: promoters answer 9-10, passives 7-8, detractors 0-6;
  ``NPS = 100 * (P - D) / n`` (-100..100, percent points). Interval: the *adjusted Wald* interval
  for a difference of two multinomial proportions (Rocks 2016, "Interval estimation for the Net
  Promoter Score")::

      n' = n + 3,  p' = (P + 3/4) / n',  d' = (D + 3/4) / n'
      var = (p' + d' - (p' - d')^2) / n'            # Var(p - d) of one multinomial draw
      CI  = 100 * ((p' - d') -/+ z * sqrt(var)), clipped to [-100, 100]

  The 3 pseudo-answers keep the interval honest for small groups and for groups of all promoters,
  where the plain Wald interval would have zero width. Because the interval is centred on the
  adjusted estimate, it is widened to take in the observed score when it would not (only at n = 1).
- **CSAT**, answers 1..5: the top-2-box share, % answering 4 or 5, with the *Wilson score*
  interval (good coverage for small n and shares near 0 or 100%)::

      p = k / n,  centre = (p + z^2 / 2n) / (1 + z^2 / n)
      half = z / (1 + z^2 / n) * sqrt(p (1 - p) / n + z^2 / 4n^2)

  plus the mean of the 1..5 answers.
- **CES**, answers 1..7 (7 = very easy to handle): the mean with a *Student t* interval
  ``mean -/+ t(0.975, n - 1) * s / sqrt(n)`` (``s`` the sample standard deviation), and the share
  answering 5-7 ("easy").

Input rules: a blank cell (or NaN, "n/a", "don't know", "no answer": any cell that
:func:`cxassess.io.values.no_answer_kind` reads as no answer) is *unanswered* and counted as such. A value
off the scale, a fraction or a non-number is an *error* named by row and column: with
``on_error="raise"`` (default) :class:`MetricsError` lists every one and nothing is summarised; with
``"skip"`` the bad cells are dropped, listed in ``MetricsSummary.dropped`` and counted in neither
``n`` nor ``unanswered``. A respondent id (a column named like
:data:`cxassess.io.responses.RESPONDENT_ID_ALIASES`, e.g. ``response_id``) found in more than one row
is an error for each of its rows, so nobody is counted twice: ``"raise"`` stops, ``"skip"`` leaves
out every row of that id and lists them in ``dropped``. Row numbers follow the spreadsheet
convention (header = row 1).
With ``n = 0`` a measure's numbers are None; with ``n = 1`` the CES interval is None.

Breakdowns (``by=COL``) give one row per segment; a segment with fewer than ``min_group_size``
respondents is suppressed (its measures are never shown), and a measure answered by fewer than
``min_group_size`` people in a segment is left empty, as the culture scores do. Suppression is
*complementary* (:mod:`cxassess.scoring.suppression`): the overall figures are always shown, so while the
hidden segments (or, per measure, the hidden cells) together hold fewer than ``min_group_size``
people, the next-smallest shown one is hidden too; otherwise a small group's answers could be
worked out by subtracting the shown segments from the overall.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cxassess.errors import CxError, MetricsError, OnError, Problem, check_on_error
from cxassess.io.layouts import column_letter
from cxassess.io.responses import respondent_column
from cxassess.io.values import no_answer_kind
from cxassess.scoring import MIN_GROUP_SIZE
from cxassess.scoring.score import json_value
from cxassess.scoring.suppression import suppressed_groups

Z95 = 1.959963984540054  # the 97.5th percentile of the standard normal distribution
NOT_GIVEN = "(not given)"


@dataclass(frozen=True)
class Scale:
    """The answer scale of one measure."""

    name: str
    low: int
    high: int


SCALES = {"nps": Scale("NPS", 0, 10), "csat": Scale("CSAT", 1, 5), "ces": Scale("CES", 1, 7)}


# --------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NPSResult:
    """Net Promoter Score in percent points (-100..100) with counts and the adjusted-Wald 95% interval."""

    score: float | None
    promoters: int
    passives: int
    detractors: int
    promoters_pct: float | None
    passives_pct: float | None
    detractors_pct: float | None
    n: int
    unanswered: int
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True)
class CSATResult:
    """CSAT top-2-box share in % (answers 4-5 of 1..5) with its Wilson 95% interval, and the mean answer."""

    top2_pct: float | None
    mean: float | None
    n: int
    unanswered: int
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True)
class CESResult:
    """Customer Effort Score: mean of 1..7 answers with its t 95% interval, and the % answering 5-7."""

    mean: float | None
    easy_pct: float | None
    n: int
    unanswered: int
    ci_low: float | None
    ci_high: float | None


@dataclass
class MetricsSummary:
    """The three measures (None when not asked for), an optional breakdown and what was dropped.

    ``breakdown``: DataFrame indexed by segment with ``n`` (respondents with at least one valid
    answer), ``suppressed`` (n < min_group_size, or hidden so that a small segment cannot be
    worked out by subtraction), ``nps`` (score), ``csat`` (top-2-box %) and ``ces`` (mean); NaN
    where suppressed, not asked for, or answered by too few in that segment (or hidden with them).
    """

    nps: NPSResult | None
    csat: CSATResult | None
    ces: CESResult | None
    breakdown: pd.DataFrame | None = None
    dropped: list[Problem] = field(default_factory=list)
    source: str = "<table>"
    columns: dict[str, str] = field(default_factory=dict)
    by: str | None = None
    min_group_size: int = MIN_GROUP_SIZE
    respondents: int = 0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: numbers rounded to 6 places, missing numbers as None."""
        breakdown = None
        if self.breakdown is not None:
            segments = []
            for seg, row in self.breakdown.iterrows():
                entry: dict[str, Any] = {"segment": str(seg), "n": int(row["n"]), "suppressed": bool(row["suppressed"])}
                if not row["suppressed"]:
                    entry.update({k: json_value(row[k]) for k in ("nps", "csat", "ces")})
                segments.append(entry)
            breakdown = {"by": self.by, "min_group_size": self.min_group_size, "segments": segments}
        return {
            "source": self.source,
            "respondents": self.respondents,
            "columns": dict(self.columns),
            "nps": _result_dict(self.nps),
            "csat": _result_dict(self.csat),
            "ces": _result_dict(self.ces),
            "breakdown": breakdown,
            "dropped": [asdict(p) for p in self.dropped],
            "methods": {
                "nps": "adjusted Wald interval for the promoter-detractor difference (multinomial, n+3, +3/4 each)",
                "csat": "Wilson score interval for the top-2-box share",
                "ces": "Student t interval for the mean",
            },
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_table(self) -> str:
        """Aligned plain text for the terminal."""
        return metrics_table(self)




# --------------------------------------------------------------------------------------
# the statistics (pure functions on counts, so they can be checked by hand)
# --------------------------------------------------------------------------------------
def nps_from_counts(promoters: int, passives: int, detractors: int, unanswered: int = 0) -> NPSResult:
    """NPS, shares and the adjusted-Wald interval from the three counts (see the module docstring)."""
    n = promoters + passives + detractors
    if n == 0:
        return NPSResult(None, 0, 0, 0, None, None, None, 0, unanswered, None, None)
    p, d = promoters / n, detractors / n
    n_adj = n + 3
    p_adj, d_adj = (promoters + 0.75) / n_adj, (detractors + 0.75) / n_adj
    centre = p_adj - d_adj
    half = Z95 * math.sqrt((p_adj + d_adj - centre**2) / n_adj)
    return NPSResult(
        score=100 * (p - d), promoters=promoters, passives=passives, detractors=detractors,
        promoters_pct=100 * p, passives_pct=100 * passives / n, detractors_pct=100 * d,
        n=n, unanswered=unanswered,
        ci_low=max(-100.0, min(100 * (p - d), 100 * (centre - half))),
        ci_high=min(100.0, max(100 * (p - d), 100 * (centre + half))),
    )


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion, as fractions 0..1."""
    if n <= 0:
        raise ValueError("the Wilson interval needs n >= 1")
    p = successes / n
    denom = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return max(0.0, centre - half), min(1.0, centre + half)


def t_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float] | tuple[None, None]:
    """Student t interval for the mean of ``values``; (None, None) with fewer than two values."""
    from scipy.special import stdtrit  # the t quantile; lighter to import than scipy.stats

    n = len(values)
    if n < 2:
        return None, None
    mean = float(np.mean(values))
    half = float(stdtrit(n - 1, 0.5 + level / 2)) * float(np.std(values, ddof=1)) / math.sqrt(n)
    return mean - half, mean + half


def csat_from_values(values: np.ndarray, unanswered: int = 0) -> CSATResult:
    """CSAT from valid 1..5 answers."""
    n = len(values)
    if n == 0:
        return CSATResult(None, None, 0, unanswered, None, None)
    top2 = int(np.sum(values >= 4))
    low, high = wilson_interval(top2, n)
    return CSATResult(100 * top2 / n, float(np.mean(values)), n, unanswered, 100 * low, 100 * high)


def ces_from_values(values: np.ndarray, unanswered: int = 0) -> CESResult:
    """CES from valid 1..7 answers."""
    n = len(values)
    if n == 0:
        return CESResult(None, None, 0, unanswered, None, None)
    low, high = t_interval(values)
    return CESResult(float(np.mean(values)), 100 * int(np.sum(values >= 5)) / n, n, unanswered, low, high)


def nps_from_values(values: np.ndarray, unanswered: int = 0) -> NPSResult:
    """NPS from valid 0..10 answers."""
    return nps_from_counts(int(np.sum(values >= 9)), int(np.sum((values >= 7) & (values <= 8))),
                           int(np.sum(values <= 6)), unanswered)


_COMPUTE = {"nps": nps_from_values, "csat": csat_from_values, "ces": ces_from_values}
_HEADLINE = {"nps": "score", "csat": "top2_pct", "ces": "mean"}


# --------------------------------------------------------------------------------------
# reading and validating cells
# --------------------------------------------------------------------------------------
def parse_answers(cells: pd.Series, metric: str, column: str, rows: np.ndarray, source: str) -> tuple[pd.Series, pd.Series, list[Problem]]:
    """Text or number cells -> (value as float, NaN unless valid; unanswered mask; problems).

    Each distinct cell value is parsed once (a survey column holds a dozen distinct values at most),
    then the results are spread back over the rows.
    """
    scale = SCALES[metric]
    codes, uniques = _factorize(cells)
    text_u = as_text(pd.Series(uniques, dtype=object))
    # the culture survey's vocabulary for "no answer", so a word means the same everywhere
    unanswered_u = np.array([no_answer_kind(t) is not None for t in text_u], dtype=bool)
    number_u = np.array([_number(t) for t in text_u], dtype=float)
    with np.errstate(invalid="ignore"):
        valid_u = ~unanswered_u & (number_u >= scale.low) & (number_u <= scale.high) & (number_u == np.round(number_u))
    unanswered, valid, number = unanswered_u[codes], valid_u[codes], number_u[codes]
    bad = ~unanswered & ~valid
    problems = [
        Problem(source, int(r), column, _cell_message(text_u.iloc[c], number_u[c], scale))
        for r, c in zip(rows[bad], codes[bad])
    ]
    index = cells.index
    return pd.Series(np.where(valid, number, np.nan), index=index), pd.Series(unanswered, index=index), problems


def _factorize(cells: pd.Series) -> tuple[np.ndarray, list[Any]]:
    """Codes into the distinct values; missing cells (None, NaN) point at a trailing None entry."""
    codes, uniques = pd.factorize(cells.astype(object), use_na_sentinel=True)
    values = list(uniques) + [None]
    return np.where(codes < 0, len(values) - 1, codes), values


def as_text(cells: pd.Series) -> pd.Series:
    """Cells of any type as stripped text; None and NaN become "" (each distinct value converted once)."""
    codes, uniques = pd.factorize(cells.astype(object), use_na_sentinel=True)
    text = [("" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v).strip()) for v in uniques] + [""]
    return pd.Series(np.asarray(text, dtype=object)[codes], index=cells.index, dtype=object)


def _number(text: str) -> float:
    """The cell as a number, as the culture reader reads it: a decimal comma allowed, digits of any
    script ("٤", "５") accepted; NaN for anything else."""
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return math.nan


def _cell_message(cell: str, number: float, scale: Scale) -> str:
    expected = f"{scale.name} expects a whole number from {scale.low} to {scale.high}, or blank for no answer"
    if math.isnan(number):
        return f"'{cell}' is not a number ({expected})"
    if number != round(number):
        return f"{cell} is not a whole number ({expected})"
    return f"{cell} is off the {scale.name} scale ({expected})"


def _refuse_repeated_names(names: list[str], source: str) -> None:
    """A header naming two columns alike is an error: which one holds the answers? (Blank names
    are left alone: spreadsheets often carry empty columns at the edge.) File readers must pass the
    header as written; pandas' own reader would rename a second ``nps`` to ``nps.1`` and hide it."""
    positions: dict[str, list[int]] = {}
    for number, name in enumerate(names, start=1):
        if name:
            positions.setdefault(name, []).append(number)
    twice = {name: where for name, where in positions.items() if len(where) > 1}
    if twice:
        listed = "; ".join(f"'{name}' in columns {' and '.join(f'{n} ({column_letter(n - 1)})' for n in where)}"
                           for name, where in twice.items())
        raise CxError(f"{source}: the header names more than one column alike: {listed}. Rename or remove "
                      "the repeats so each column has its own name; nothing was summarised.")


def repeated_respondents(frame: pd.DataFrame, rows: np.ndarray, source: str) -> tuple[np.ndarray, list[Problem]]:
    """Rows whose non-blank respondent id appears in more than one row: (mask, one problem per row).

    One person answering twice would be counted twice (n up, NPS moved), so each such row is a
    problem naming the other rows of that id. Without an id column nothing is repeated.
    """
    column = respondent_column([str(c) for c in frame.columns])
    if column is None:
        return np.zeros(len(frame), dtype=bool), []
    ids = as_text(frame[column])
    repeated = (ids.duplicated(keep=False) & (ids != "")).to_numpy()
    problems = []
    for rid, where in pd.Series(rows[repeated]).groupby(ids[repeated].to_numpy(), sort=False):
        listed = [str(int(r)) for r in where[:6]]
        rows_text = ", ".join(listed) + (f" and {len(where) - 6} more" if len(where) > 6 else "")
        message = (f"respondent '{rid}' appears in {len(where)} rows ({rows_text}); each respondent may be "
                   "counted once")  # one text per id: an id repeated 20,000 times stays cheap
        problems.extend(Problem(source, int(row), column, message) for row in where)
    problems.sort(key=lambda p: p.row)
    return repeated, problems


def _find_column(frame: pd.DataFrame, wanted: str, what: str, source: str) -> str:
    columns = [str(c) for c in frame.columns if str(c)]
    if wanted in columns:
        return wanted
    folded = {c.strip().lower(): c for c in columns}
    if wanted.strip().lower() in folded:
        return folded[wanted.strip().lower()]
    raise CxError(f"{source}: no column '{wanted}' for {what}; the columns are: {', '.join(columns) or '(none)'}")


# --------------------------------------------------------------------------------------
# the public API
# --------------------------------------------------------------------------------------
def summarise(
    frame: pd.DataFrame,
    *,
    nps: str | None = None,
    csat: str | None = None,
    ces: str | None = None,
    by: str | None = None,
    min_group_size: int = MIN_GROUP_SIZE,
    source: str = "<table>",
    on_error: OnError = "raise",
    first_row: int = 2,
) -> MetricsSummary:
    """Summarise the NPS, CSAT and/or CES columns of a survey table, optionally by segment.

    ``nps``/``csat``/``ces`` name the columns; when none is named, the columns called ``nps``,
    ``csat`` and ``ces`` (any case) are used, whichever exist. ``first_row`` is the spreadsheet row of
    the frame's first data row (2 when row 1 holds the headers), used in error messages.
    """
    check_on_error(on_error)
    if not isinstance(min_group_size, (int, np.integer)) or isinstance(min_group_size, bool) or min_group_size < 1:
        raise CxError(f"min_group_size must be a whole number of at least 1, got {min_group_size!r}")
    frame = frame.copy()
    frame.columns = [str(c).strip() for c in frame.columns]
    _refuse_repeated_names(list(frame.columns), source)
    wanted = {m: c for m, c in (("nps", nps), ("csat", csat), ("ces", ces)) if c}
    if not wanted:  # no column named: use the columns called nps, csat and ces, if there are any
        present = {str(c).lower() for c in frame.columns}
        wanted = {m: m for m in SCALES if m in present}
    if not wanted:
        raise CxError(f"{source}: name at least one customer-metric column (nps=..., csat=... or ces=...); "
                      f"no column is called nps, csat or ces (columns: {', '.join(c for c in frame.columns if c) or '(none)'})")
    columns = {m: _find_column(frame, c, f"the {SCALES[m].name} answers", source) for m, c in wanted.items()}
    by_col = _find_column(frame, by, "the breakdown", source) if by else None

    rows = np.arange(len(frame)) + first_row
    # entirely empty rows (spreadsheet leftovers) are not respondents; look at the measures first,
    # then at the other columns only for the rows still empty
    order = [frame.columns.get_loc(c) for c in dict.fromkeys([*columns.values(), *([by_col] if by_col else [])])]
    order += [i for i in range(frame.shape[1]) if i not in order]
    keep = np.zeros(len(frame), dtype=bool)
    for col in order:
        empty = np.flatnonzero(~keep)
        if not len(empty):
            break
        keep[empty] = (as_text(frame.iloc[empty, col]) != "").to_numpy()
    frame, rows = frame.loc[keep].reset_index(drop=True), rows[keep]
    if frame.empty:
        raise CxError(f"{source}: the survey table has no rows")

    repeated, problems = repeated_respondents(frame, rows, source)
    if on_error == "skip" and repeated.any():  # every row of a repeated id is left out, and listed
        frame, rows = frame.loc[~repeated].reset_index(drop=True), rows[~repeated]
        if frame.empty:
            raise CxError(f"{source}: every row repeats another row's respondent id; nothing was summarised")

    values: dict[str, pd.Series] = {}
    unanswered: dict[str, pd.Series] = {}
    for metric, col in columns.items():
        values[metric], unanswered[metric], found = parse_answers(frame[col], metric, col, rows, source)
        problems.extend(found)
    order_of = list(columns.values())  # by row, then measures in order, the id column last
    problems.sort(key=lambda p: (p.row or 0, order_of.index(p.column) if p.column in order_of else len(order_of)))
    if problems and on_error == "raise":
        raise MetricsError(source, problems)

    results = {m: _COMPUTE[m](values[m].dropna().to_numpy(), int(unanswered[m].sum())) for m in columns}
    answered_any = pd.concat([v.notna() for v in values.values()], axis=1).any(axis=1)
    breakdown = None
    if by_col:
        segment = as_text(frame[by_col]).replace("", NOT_GIVEN)
        breakdown = _breakdown(segment, values, answered_any, min_group_size)
    return MetricsSummary(
        nps=results.get("nps"), csat=results.get("csat"), ces=results.get("ces"), breakdown=breakdown,
        dropped=problems, source=source, columns=columns, by=by_col, min_group_size=int(min_group_size),
        respondents=int(answered_any.sum()),
    )


def _breakdown(segment: pd.Series, values: dict[str, pd.Series], answered_any: pd.Series, min_size: int) -> pd.DataFrame:
    segments = sorted(segment.unique(), key=lambda s: (s == NOT_GIVEN, s.lower()))
    masks = {seg: (segment == seg).to_numpy() for seg in segments}
    sizes = pd.Series({seg: int(answered_any[m].sum()) for seg, m in masks.items()}, dtype=int)
    suppressed = _hidden(sizes, min_size)
    records = []
    for seg in segments:
        records.append({"segment": seg, "n": int(sizes[seg]), "suppressed": bool(suppressed[seg]),
                        "nps": np.nan, "csat": np.nan, "ces": np.nan})
    out = pd.DataFrame.from_records(records, columns=["segment", "n", "suppressed", "nps", "csat", "ces"]).set_index("segment")
    for metric, vals in values.items():
        own = {seg: vals[m].dropna().to_numpy() for seg, m in masks.items()}
        counts = pd.Series({seg: len(v) for seg, v in own.items()}, dtype=int)
        hidden = _hidden(counts, min_size, already=suppressed)
        for seg in segments:
            if not hidden[seg]:
                out.loc[seg, metric] = getattr(_COMPUTE[metric](own[seg]), _HEADLINE[metric])
    out["n"] = out["n"].astype(int)
    out["suppressed"] = out["suppressed"].astype(bool)
    return out


_POOL = "\0already hidden"  # stands for the cells hidden before; no real segment has this name


def _hidden(sizes: pd.Series, min_size: int, already: pd.Series | None = None) -> pd.Series:
    """Which segments to hide, by :func:`cxassess.scoring.suppression.suppressed_groups` (complementary).

    ``sizes``: people per segment behind the figure. A segment of nobody shows nothing and reveals
    nothing, so it neither counts towards nor triggers suppression. ``already``: segments hidden in
    any case (a suppressed segment's measures); they join the rule as one pooled hidden group, so a
    measure left empty in one segment is covered by what is already hidden before anything more is.
    """
    already = pd.Series(False, index=sizes.index) if already is None else already.reindex(sizes.index, fill_value=False)
    hidden = already | (sizes == 0)
    rest = sizes[~hidden]
    pool = int(sizes[already].sum())
    if rest.empty:
        return hidden
    if pool >= min_size:  # what is hidden already covers any small cell
        decided = rest < min_size
    else:
        if pool:
            rest = pd.concat([rest, pd.Series({_POOL: pool}, dtype=int)])
        decided = suppressed_groups(rest, min_size).drop(_POOL, errors="ignore")
    hidden.loc[decided.index] = decided.to_numpy()
    return hidden


def summarise_file(
    path: str | Path,
    *,
    nps: str | None = None,
    csat: str | None = None,
    ces: str | None = None,
    by: str | None = None,
    min_group_size: int = MIN_GROUP_SIZE,
    source: str | None = None,
    on_error: OnError = "raise",
) -> MetricsSummary:
    """Read a survey file (CSV, Excel .xlsx or JSON records) and :func:`summarise` it."""
    from cxassess.io.responses import read_table

    frame, first_row = read_table(path)
    return summarise(frame, nps=nps, csat=csat, ces=ces, by=by, min_group_size=min_group_size,
                     source=source or str(path), on_error=on_error, first_row=first_row)


# --------------------------------------------------------------------------------------
# output helpers
# --------------------------------------------------------------------------------------
def _result_dict(result: Any) -> dict[str, Any] | None:
    return None if result is None else {k: json_value(v) for k, v in asdict(result).items()}


def _num(v: Any, digits: int = 1) -> str:
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.{digits}f}"


def metrics_table(s: MetricsSummary, list_dropped: bool = True) -> str:
    """The summary as aligned text: one line per measure, the breakdown, then what was dropped."""
    lines = [f"Customer metrics from {s.source} ({s.respondents} respondents with an answer)", ""]
    if s.nps:
        r = s.nps
        lines.append(
            f"NPS   {_num(r.score):>6}   95% CI {_num(r.ci_low)} to {_num(r.ci_high)}   n={r.n}, unanswered={r.unanswered}   "
            f"promoters {r.promoters} ({_num(r.promoters_pct)}%), passives {r.passives} ({_num(r.passives_pct)}%), "
            f"detractors {r.detractors} ({_num(r.detractors_pct)}%)"
        )
    if s.csat:
        r = s.csat
        lines.append(
            f"CSAT  {_num(r.top2_pct):>6}%  95% CI {_num(r.ci_low)} to {_num(r.ci_high)}   n={r.n}, unanswered={r.unanswered}   "
            f"top-2-box (4-5 of 5); mean {_num(r.mean, 2)}"
        )
    if s.ces:
        r = s.ces
        lines.append(
            f"CES   {_num(r.mean, 2):>6}   95% CI {_num(r.ci_low, 2)} to {_num(r.ci_high, 2)}   n={r.n}, unanswered={r.unanswered}   "
            f"mean of 1-7 (7 = very easy); easy (5-7) {_num(r.easy_pct)}%"
        )
    if s.breakdown is not None:
        lines += ["", f"By {s.by} (segments under {s.min_group_size} respondents are suppressed, and the next-smallest "
                      "where needed so none can be worked out from the totals; '-': too few answers):"]
        show = pd.DataFrame(index=s.breakdown.index)
        show["n"] = s.breakdown["n"].astype(str)
        for metric, digits in (("nps", 1), ("csat", 1), ("ces", 2)):
            if metric in s.columns:
                show[metric] = [("suppressed" if sup else _num(v, digits))
                                for v, sup in zip(s.breakdown[metric], s.breakdown["suppressed"])]
        show.index.name = s.by
        lines.append(show.to_string())
    if s.dropped:
        lines += ["", f"Dropped {len(s.dropped)} invalid answer(s) or repeated respondent row(s)"
                  + (":" if list_dropped else " (listed above).")]
        lines += [f"  - {p}" for p in s.dropped] if list_dropped else []
    return "\n".join(lines)
