"""Customer metrics from a survey table: NPS, CSAT and Customer Effort Score, each with a 95% interval.

Why these three: NPS (would you recommend us?) tracks loyalty, CSAT (how satisfied were you?)
tracks how well a moment met a need, and CES (how easy was it?) flags friction that predicts churn.
They complement the culture scores of :mod:`cxassess.scoring.score`: culture is the cause side, these
are what customers feel.

The statistics are :mod:`cxassess.metrics.stats`, the reading of cells
:mod:`cxassess.metrics.cells`, the results and their text :mod:`cxassess.metrics.results`.

Breakdowns (``by=COL``) give one row per segment; a segment with fewer than ``min_group_size``
respondents is suppressed (its measures are never shown), and a measure answered by fewer than
``min_group_size`` people in a segment is left empty, as the culture scores do. Suppression is
*complementary* (:mod:`cxassess.scoring.suppression`): the overall figures are always shown, so while the
hidden segments (or, per measure, the hidden cells) together hold fewer than ``min_group_size``
people, the next-smallest shown one is hidden too; otherwise a small group's answers could be
worked out by subtracting the shown segments from the overall.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cxassess.errors import CxError, MetricsError, OnError, check_on_error
from cxassess.io.tables import read_table
from cxassess.metrics.cells import SCALES, as_text, find_column, parse_answers, refuse_repeated_names, repeated_rows
from cxassess.metrics.results import MetricsSummary, metrics_table
from cxassess.metrics.stats import COMPUTE, HEADLINE
from cxassess.scoring import MIN_GROUP_SIZE
from cxassess.scoring.suppression import suppressed_groups

__all__ = ["NOT_GIVEN", "MetricsSummary", "metrics_table", "summarise", "summarise_file"]

NOT_GIVEN = "(not given)"


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
    refuse_repeated_names(list(frame.columns), source)
    wanted = {m: c for m, c in (("nps", nps), ("csat", csat), ("ces", ces)) if c}
    if not wanted:  # no column named: use the columns called nps, csat and ces, if there are any
        present = {str(c).lower() for c in frame.columns}
        wanted = {m: m for m in SCALES if m in present}
    if not wanted:
        raise CxError(f"{source}: name at least one customer-metric column (nps=..., csat=... or ces=...); "
                      "no column is called nps, csat or ces "
                      f"(columns: {', '.join(c for c in frame.columns if c) or '(none)'})")
    columns = {m: find_column(frame, c, f"the {SCALES[m].name} answers", source) for m, c in wanted.items()}
    by_col = find_column(frame, by, "the breakdown", source) if by else None

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

    repeated, problems = repeated_rows(frame, rows, source)
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

    results = {m: COMPUTE[m](values[m].dropna().to_numpy(), int(unanswered[m].sum())) for m in columns}
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


def _breakdown(segment: pd.Series, values: dict[str, pd.Series], answered_any: pd.Series,
               min_size: int) -> pd.DataFrame:
    segments = sorted(segment.unique(), key=lambda s: (s == NOT_GIVEN, s.lower()))
    masks = {seg: (segment == seg).to_numpy() for seg in segments}
    sizes = pd.Series({seg: int(answered_any[m].sum()) for seg, m in masks.items()}, dtype=int)
    suppressed = _hidden(sizes, min_size)
    records = []
    for seg in segments:
        records.append({"segment": seg, "n": int(sizes[seg]), "suppressed": bool(suppressed[seg]),
                        "nps": np.nan, "csat": np.nan, "ces": np.nan})
    columns = ["segment", "n", "suppressed", "nps", "csat", "ces"]
    out = pd.DataFrame.from_records(records, columns=columns).set_index("segment")
    for metric, vals in values.items():
        own = {seg: vals[m].dropna().to_numpy() for seg, m in masks.items()}
        counts = pd.Series({seg: len(v) for seg, v in own.items()}, dtype=int)
        hidden = _hidden(counts, min_size, already=suppressed)
        for seg in segments:
            if not hidden[seg]:
                out.loc[seg, metric] = getattr(COMPUTE[metric](own[seg]), HEADLINE[metric])
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
    frame, first_row = read_table(path)
    return summarise(frame, nps=nps, csat=csat, ces=ces, by=by, min_group_size=min_group_size,
                     source=source or str(path), on_error=on_error, first_row=first_row)
