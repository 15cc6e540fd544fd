"""Score responses: per respondent, dimension, item, group and overall, mapped to maturity stages.

Pure, vectorised functions over a respondents x items matrix. The scoring contract:

- reverse items are scored ``min + max - value``; missing answers are skipped, never zero;
- a respondent's dimension score is the item-weighted mean of the answered items of that
  dimension, missing when fewer than half of the dimension's items are answered;
- a dimension score is the mean of respondent dimension scores (``n`` of them, ``sd`` sample);
- the overall score is the dimension-weighted mean of the dimension scores that are not missing;
- ``index = (score - min) / (max - min) * 100``; stage = highest stage with ``min_score <= score``;
- groups smaller than ``min_group_size`` are suppressed, never shown;
- Cronbach's alpha on complete cases, ``rwg = 1 - sd^2 / ((A^2 - 1) / 12)`` clamped to 0..1, and a
  low-consensus flag when ``sd >= 1``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from cxassess.errors import CxError
from cxassess.io.responses import Responses
from cxassess.questionnaire.model import Questionnaire
from cxassess.scoring import MIN_GROUP_SIZE
from cxassess.scoring.suppression import suppressed_groups

LOW_CONSENSUS_SD = 1.0


@dataclass
class Scores:
    """Everything the report, the workshop and the CLI show, computed once.

    DataFrames: ``dimensions`` (index: dimension id), ``items`` (index: item id),
    ``respondent_scores`` (respondents x dimensions), ``groups`` (column -> frame indexed by group
    value with ``respondents``, ``suppressed``, ``overall`` and one column per dimension).
    """

    questionnaire: Questionnaire
    respondents: int
    overall: dict[str, Any]
    dimensions: pd.DataFrame
    items: pd.DataFrame
    groups: dict[str, pd.DataFrame]
    respondent_scores: pd.DataFrame
    coverage: dict[str, Any] = field(default_factory=dict)
    min_group_size: int = MIN_GROUP_SIZE

    # --- views ----------------------------------------------------------------------------
    def ranked(self) -> pd.DataFrame:
        """Dimensions with a score, strongest first."""
        return self.dimensions.dropna(subset=["score"]).sort_values("score", ascending=False)

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON structure; missing numbers are None."""
        dims = {
            d: {k: json_value(row[k]) for k in ("name", "score", "index", "stage", "stage_name", "n", "sd", "alpha",
                                              "rwg", "low_consensus", "target", "gap")}
            for d, row in self.dimensions.iterrows()
        }
        groups: dict[str, dict[str, Any]] = {}
        for col, frame in self.groups.items():
            out: dict[str, Any] = {}
            for value, row in frame.iterrows():
                if row["suppressed"]:
                    out[str(value)] = {"respondents": int(row["respondents"]), "suppressed": True}
                else:
                    out[str(value)] = {
                        "respondents": int(row["respondents"]),
                        "overall": json_value(row["overall"]),
                        "dimensions": {d: json_value(row[d]) for d in self.questionnaire.dimension_ids},
                    }
            groups[col] = out
        items = {i: {k: json_value(row[k]) for k in ("mean", "n", "sd")} for i, row in self.items.iterrows()}
        return {
            "questionnaire": {"id": self.questionnaire.id, "version": self.questionnaire.version},
            "respondents": self.respondents,
            "overall": {k: json_value(v) for k, v in self.overall.items()},
            "dimensions": dims,
            "groups": groups,
            "items": items,
            "coverage": {k: json_value(v) for k, v in self.coverage.items()},
            "min_group_size": self.min_group_size,
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per dimension plus an 'overall' row: the table the CLI prints and writes as CSV."""
        cols = ["name", "score", "index", "stage", "stage_name", "n", "sd", "alpha", "rwg", "low_consensus", "target", "gap"]
        frame = self.dimensions[cols].copy()
        overall = pd.DataFrame([{"name": "Overall", **{k: self.overall.get(k) for k in ("score", "index", "stage", "stage_name")},
                                 "n": self.respondents}], index=["overall"])
        return pd.concat([frame, overall.reindex(columns=cols)])

    def groups_frame(self) -> pd.DataFrame:
        """Tidy group scores: one row per grouping, group and dimension (plus 'overall').

        Suppressed groups have a row with ``suppressed`` True and no score.
        """
        rows = []
        for col, frame in self.groups.items():
            for value, row in frame.iterrows():
                for dim in ["overall", *self.questionnaire.dimension_ids]:
                    rows.append({"group_by": col, "group": value, "respondents": int(row["respondents"]),
                                 "suppressed": bool(row["suppressed"]), "dimension": dim,
                                 "score": None if row["suppressed"] else row[dim]})
        return pd.DataFrame(rows, columns=["group_by", "group", "respondents", "suppressed", "dimension", "score"])


def json_value(v: Any) -> Any:
    """numpy/pandas scalars -> plain Python; NaN, inf and NA -> None (so JSON says null).

    Floats are rounded to 6 decimals. Shared by every ``to_dict()`` (scores, customer metrics).
    """
    if v is None:
        return None
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return round(float(v), 6) if math.isfinite(v) else None
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return v


# --------------------------------------------------------------------------------------
# the matrix
# --------------------------------------------------------------------------------------
def answer_matrix(answers: pd.DataFrame, q: Questionnaire) -> tuple[pd.Index, np.ndarray]:
    """Respondents x items matrix of scored values (reverse items already reversed; NaN = missing).

    Rows are respondents in order of first appearance; columns follow ``q.items``. When an item
    was answered more than once (a workshop changing its mind), the last answer wins.
    """
    item_ids = answers["item_id"]
    if isinstance(item_ids.dtype, pd.CategoricalDtype):  # fast path: codes into the categories
        item_pos = pd.Index(q.item_ids).get_indexer(item_ids.cat.categories)[item_ids.cat.codes.to_numpy()]
        item_pos[item_ids.cat.codes.to_numpy() < 0] = -1
    else:
        item_pos = pd.Index(q.item_ids).get_indexer(item_ids)
    known = item_pos >= 0
    ans = answers.loc[known]
    item_pos = item_pos[known]
    codes, respondents = pd.factorize(ans["respondent_id"], sort=False)
    matrix = np.full((len(respondents), len(q.item_ids)), np.nan)
    matrix[codes, item_pos] = ans["value"].to_numpy(dtype=float)
    reverse = np.array([i.reverse for i in q.items])
    lo_hi = q.scale.min + q.scale.max
    matrix[:, reverse] = lo_hi - matrix[:, reverse]
    return pd.Index(respondents, name="respondent_id"), matrix


def respondent_dimension_scores(matrix: np.ndarray, q: Questionnaire) -> np.ndarray:
    """Respondents x dimensions: weighted mean of answered items, NaN below half coverage."""
    out = np.full((matrix.shape[0], len(q.dimensions)), np.nan)
    item_dims = np.array([i.dimension for i in q.items])
    weights = np.array([i.weight for i in q.items])
    for j, d in enumerate(q.dimension_ids):
        cols = np.flatnonzero(item_dims == d)
        x = matrix[:, cols]
        w = weights[cols]
        answered = ~np.isnan(x)
        count = answered.sum(axis=1)
        wsum = np.where(answered, x, 0.0) @ w
        wden = answered @ w
        enough = count * 2 >= len(cols)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[:, j] = np.where(enough & (wden > 0), wsum / wden, np.nan)
    return out


def _mean_n_sd(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Column-wise mean, count and sample sd ignoring NaN (sd NaN when n < 2)."""
    mask = ~np.isnan(x)
    n = mask.sum(axis=0)
    filled = np.where(mask, x, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = filled.sum(axis=0) / n
        dev = np.where(mask, x - mean, 0.0)
        var = (dev**2).sum(axis=0) / (n - 1)
    mean = np.where(n > 0, mean, np.nan)
    sd = np.where(n >= 2, np.sqrt(var), np.nan)
    return mean, n, sd


def cronbach_alpha(x: np.ndarray) -> float:
    """Alpha on respondents who answered every item (rows of ``x``); NaN when it is not defined."""
    k = x.shape[1]
    complete = x[~np.isnan(x).any(axis=1)]
    if k < 2 or complete.shape[0] < 3:
        return float("nan")
    total_var = complete.sum(axis=1).var(ddof=1)
    if total_var <= 0:
        return float("nan")
    return float(k / (k - 1) * (1 - complete.var(axis=0, ddof=1).sum() / total_var))


def rwg(sd: np.ndarray | float, points: int) -> np.ndarray:
    """Within-group agreement ``1 - sd^2 / ((A^2 - 1) / 12)``, clamped to 0..1 (NaN when sd is)."""
    expected = (points**2 - 1) / 12
    return np.clip(1 - np.asarray(sd, dtype=float) ** 2 / expected, 0.0, 1.0)


def _overall(dim_scores: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Dimension-weighted mean of the non-missing dimension scores, per row of ``dim_scores``."""
    ok = ~np.isnan(dim_scores)
    wden = ok @ weights
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(wden > 0, np.where(ok, dim_scores, 0.0) @ weights / wden, np.nan)


def _index(score: np.ndarray | float, q: Questionnaire) -> np.ndarray:
    return (np.asarray(score, dtype=float) - q.scale.min) / (q.scale.max - q.scale.min) * 100


def _stages(scores: np.ndarray, q: Questionnaire) -> tuple[list[Any], list[Any]]:
    found = [q.stage_for(float(s)) for s in np.atleast_1d(scores)]
    return [s.id if s else None for s in found], [s.name if s else None for s in found]


# --------------------------------------------------------------------------------------
# targets
# --------------------------------------------------------------------------------------
def resolve_targets(targets: Mapping[str, Any] | str | Path | None, q: Questionnaire) -> dict[str, float]:
    """Target score per dimension from a mapping or a YAML/JSON/CSV file.

    A number is a target score; ``{"stage": 4}``, ``"stage 4"`` or a stage name ("Embedded") is
    that stage's ``min_score``. The key ``default`` applies to every dimension not named.
    CSV files have columns ``dimension,target``.
    """
    if targets is None:
        return {}
    source = "targets"
    if isinstance(targets, (str, Path)):
        source = str(targets)
        targets = _read_targets_file(Path(targets))
    if not isinstance(targets, Mapping):
        raise CxError(f"{source}: targets must map dimension ids to a score or a stage")
    resolved: dict[str, float] = {}
    default = targets.get("default")
    for key, raw in targets.items():
        if key != "default" and key not in q.dimension_ids:
            raise CxError(f"{source}: '{key}' is not a dimension id (expected one of {', '.join(q.dimension_ids)} or 'default')")
    for d in q.dimension_ids:
        raw = targets.get(d, default)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        resolved[d] = _target_value(raw, q, f"{source}: {d}")
    return resolved


def _target_value(raw: Any, q: Questionnaire, where: str) -> float:
    stage = None
    if isinstance(raw, Mapping) and set(raw) == {"stage"}:
        stage = raw["stage"]
    elif isinstance(raw, str):
        text = raw.strip()
        low = text.lower()
        if low.startswith("stage"):
            stage = text[5:].strip()
        elif any(s.name.lower() == low for s in q.stages):
            return next(s.min_score for s in q.stages if s.name.lower() == low)
        else:
            try:
                raw = float(text)
            except ValueError:
                raise CxError(f"{where}: '{raw}' is not a score, 'stage N' or a stage name "
                              f"({', '.join(s.name for s in q.stages)})") from None
    if stage is not None:
        try:
            level = int(str(stage))
        except ValueError:
            raise CxError(f"{where}: stage '{stage}' is not a level 1..{len(q.stages)}") from None
        if not 1 <= level <= len(q.stages):
            raise CxError(f"{where}: stage {level} does not exist (levels 1..{len(q.stages)})")
        return q.stages[level - 1].min_score
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise CxError(f"{where}: {raw!r} is not a score or a stage")
    if not q.scale.min <= float(raw) <= q.scale.max:
        raise CxError(f"{where}: target {raw} is outside the scale {q.scale.min}..{q.scale.max}")
    return float(raw)


def _read_targets_file(path: Path) -> Mapping[str, Any]:
    from cxassess._util.yamlfile import load_yaml_text
    from cxassess.io.layouts import decode_text
    from cxassess.io.responses import read_table

    if not path.exists():
        raise CxError(f"{path}: targets file not found")
    if path.suffix.lower() == ".csv":
        frame, _ = read_table(path)
        cols = {c.strip().lower(): c for c in frame.columns}
        if "dimension" not in cols or "target" not in cols:
            raise CxError(f"{path}: a targets CSV needs columns 'dimension' and 'target'")
        out: dict[str, Any] = {}
        for n, (dim, target) in enumerate(zip(frame[cols["dimension"]], frame[cols["target"]]), start=2):
            dim = str(dim).strip()
            if dim in out:
                raise CxError(f"{path}, row {n}: dimension '{dim}' is given a target twice")
            out[dim] = target
        return out
    if path.is_dir():
        raise CxError(f"{path}: is a folder, expected a targets file (.yaml, .json or .csv)")
    data = load_yaml_text(decode_text(path.read_bytes()), str(path),
                          lambda source, problems: CxError(f"{source}: {problems[0]}"))
    if isinstance(data, Mapping) and isinstance(data.get("targets"), Mapping):
        data = data["targets"]
    return data if data is not None else {}


# --------------------------------------------------------------------------------------
# the whole result
# --------------------------------------------------------------------------------------
def score(
    responses: Responses,
    questionnaire: Questionnaire,
    group_by: Iterable[str] = (),
    targets: Mapping[str, Any] | str | Path | None = None,
    min_group_size: int = MIN_GROUP_SIZE,
) -> Scores:
    """Score validated responses; see the module docstring for the exact rules."""
    q = questionnaire
    group_by = list(group_by)
    if min_group_size < 1:
        raise CxError(f"min_group_size must be at least 1, got {min_group_size}")
    missing_cols = [c for c in group_by if c not in responses.attributes.columns]
    if missing_cols:
        have = ", ".join(responses.attributes.columns) or "none"
        raise CxError(f"{responses.source}: cannot group by {', '.join(map(repr, missing_cols))}: "
                      f"no such respondent attribute column (attributes in the file: {have})")
    target_scores = resolve_targets(targets, q)

    respondents, matrix = answer_matrix(responses.answers, q)
    answered_any = ~np.isnan(matrix).all(axis=1)
    respondents, matrix = respondents[answered_any], matrix[answered_any]
    rscores = respondent_dimension_scores(matrix, q)
    dim_weights = np.array([d.weight for d in q.dimensions])

    mean, n, sd = _mean_n_sd(rscores)
    item_dims = np.array([i.dimension for i in q.items])
    alphas = [cronbach_alpha(matrix[:, item_dims == d]) for d in q.dimension_ids]
    stage_ids, stage_names = _stages(mean, q)
    target = np.array([target_scores.get(d, np.nan) for d in q.dimension_ids])
    dimensions = pd.DataFrame(
        {
            "name": [d.name for d in q.dimensions],
            "label": [d.label for d in q.dimensions],
            "weight": dim_weights,
            "score": mean,
            "index": _index(mean, q),
            "stage": pd.array(stage_ids, dtype="Int64"),
            "stage_name": stage_names,
            "n": n,
            "sd": sd,
            "alpha": alphas,
            "rwg": rwg(sd, q.scale.points),
            "low_consensus": np.nan_to_num(sd, nan=0.0) >= LOW_CONSENSUS_SD,
            "target": target,
            "gap": target - mean,
        },
        index=pd.Index(q.dimension_ids, name="dimension"),
    )

    overall_score = float(_overall(mean[None, :], dim_weights)[0])
    stage = q.stage_for(overall_score)
    overall = {
        "score": overall_score,
        "index": float(_index(overall_score, q)),
        "stage": stage.id if stage else None,
        "stage_name": stage.name if stage else None,
    }

    imean, icount, isd = _mean_n_sd(matrix)
    items = pd.DataFrame(
        {
            "dimension": item_dims,
            "text": [i.text for i in q.items],
            "reverse": [i.reverse for i in q.items],
            "mean": imean,
            "n": icount,
            "sd": isd,
        },
        index=pd.Index(q.item_ids, name="item"),
    )

    rs = pd.DataFrame(rscores, index=respondents, columns=q.dimension_ids)
    attrs = responses.attributes.reindex(respondents)
    groups = {col: _group_table(rs, attrs[col], dim_weights, min_group_size) for col in group_by}

    ans = responses.answers
    counted = ans["respondent_id"].isin(respondents).to_numpy()
    dont_know = int(((ans["status"] == "dont_know").to_numpy() & counted).sum())
    all_ids = ans["respondent_id"].nunique()
    total = len(respondents) * len(q.item_ids)
    answered = int(np.count_nonzero(~np.isnan(matrix)))
    coverage = {
        "answers": answered,
        "possible_answers": total,
        "answered_share": answered / total if total else np.nan,
        "dont_know": dont_know,
        "dont_know_share": dont_know / total if total else np.nan,
        "dropped_errors": len(responses.errors),
        "respondents_without_answers": int(all_ids - len(respondents)),
    }
    return Scores(q, int(len(respondents)), overall, dimensions, items, groups, rs, coverage, min_group_size)


def _group_table(rs: pd.DataFrame, labels: pd.Series, dim_weights: np.ndarray, min_size: int) -> pd.DataFrame:
    """Per group value: respondents, suppressed flag, overall and dimension scores (NaN when suppressed)."""
    labels = labels.astype("object").where(labels.notna(), "(not given)").astype(str)
    grouped = rs.groupby(labels.to_numpy(), sort=True)
    means = grouped.mean()
    counts = grouped.size()
    table = means.copy()
    table.insert(0, "overall", _overall(means.to_numpy(), dim_weights))
    table.insert(0, "suppressed", suppressed_groups(counts, min_size))
    table.insert(0, "respondents", counts)
    table.loc[table["suppressed"], ["overall", *rs.columns]] = np.nan
    table.index.name = labels.name
    return table


def score_file(
    path: str | Path,
    questionnaire: Questionnaire | str | Path | None = None,
    group_by: Iterable[str] = (),
    targets: Mapping[str, Any] | str | Path | None = None,
    min_group_size: int = MIN_GROUP_SIZE,
    on_error: str = "raise",
) -> Scores:
    """Read, validate and score a responses file in one call (what notebooks use)."""
    from cxassess.io.responses import read_responses
    from cxassess.questionnaire.model import as_questionnaire

    q = as_questionnaire(questionnaire)
    return score(read_responses(path, q, on_error=on_error), q, group_by, targets, min_group_size)
