"""Score validated responses: per respondent, dimension, item, group and overall, mapped to maturity stages.

Pure, vectorised functions over a respondents x items matrix; no file is read here. The scoring contract:

- reverse items are scored ``min + max - value``; missing answers are skipped, never zero;
- a respondent's dimension score is the item-weighted mean of the answered items of that
  dimension, missing when fewer than half of the dimension's items are answered;
- a dimension score is the mean of respondent dimension scores (``n`` of them, ``sd`` sample);
- the overall score is the dimension-weighted mean of the dimension scores that are not missing;
- ``index = (score - min) / (max - min) * 100``; stage = highest stage with ``min_score <= score``;
- no figure is shown on fewer than ``min_group_size`` contributors, and no group that differs from
  another shown group (of any grouping) or from the whole by fewer than that many people: see
  :mod:`cxassess.scoring.suppression` for the rule and its reasons (``Scores.suppression``);
- Cronbach's alpha on complete cases, ``rwg = 1 - sd^2 / ((A^2 - 1) / 12)`` clamped to 0..1, and a
  low-consensus flag when ``sd >= 1``;
- responses are scored only against the questionnaire they were read with.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from cxassess.errors import CxError
from cxassess.io.responses import Responses
from cxassess.questionnaire.model import Questionnaire
from cxassess.scoring import MIN_GROUP_SIZE
from cxassess.scoring.matrix import (
    answer_matrix,
    mean_n_sd,
    respondent_dimension_scores,
    stage_columns,
    to_index,
    weighted_overall,
)
from cxassess.scoring.reliability import LOW_CONSENSUS_SD, cronbach_alpha, rwg
from cxassess.scoring.result import Scores
from cxassess.scoring.statistics import dimension_diagnostics, statistics
from cxassess.scoring.suppression import Suppression, hide_in_statistics, plan_suppression
from cxassess.scoring.targets import resolve_targets

__all__ = ["check_questionnaire", "check_request", "compute_scores"]


def check_questionnaire(responses: Responses, q: Questionnaire) -> None:
    """Refuse responses that were read with another questionnaire than ``q``.

    Compared by id, version and item ids when the responses say which questionnaire they were read
    with (``responses.questionnaire``); otherwise by their item ids, which must all be items of ``q``.
    """
    fix = (f"Read the responses again with questionnaire '{q.id}', or score them against the questionnaire "
           "they were read with.")
    # every reader sets Responses.questionnaire; None (not known) falls back to the answers' item ids
    read_with: Questionnaire | None = getattr(responses, "questionnaire", None)
    if read_with is q:
        return
    if read_with is not None:
        if (read_with.id, read_with.version) != (q.id, q.version):
            raise CxError(f"{responses.source}: the responses were read with questionnaire '{read_with.id}' "
                          f"version {read_with.version}, not with questionnaire '{q.id}' version {q.version} "
                          f"they are being scored against. {fix}")
        theirs, ours = read_with.item_ids, q.item_ids
        if set(theirs) != set(ours):
            only_theirs = [i for i in theirs if i not in set(ours)]
            only_ours = [i for i in ours if i not in set(theirs)]
            detail = "; ".join(part for part in (
                f"only in the one they were read with: {_some(only_theirs)}" if only_theirs else "",
                f"only in the one they are scored against: {_some(only_ours)}" if only_ours else "",
            ) if part)
            raise CxError(f"{responses.source}: the responses were read with a questionnaire '{read_with.id}' "
                          f"version {read_with.version} whose items differ from those of questionnaire '{q.id}' "
                          f"version {q.version} they are being scored against ({detail}). {fix}")
        return
    known = set(q.item_ids)
    unknown = [str(i) for i in responses.answers["item_id"].unique() if i not in known]
    if unknown:
        raise CxError(f"{responses.source}: the responses answer items that questionnaire '{q.id}' version "
                      f"{q.version} does not have ({_some(unknown)}): they were read with another questionnaire. "
                      f"{fix}")


def _some(ids: list[str], shown: int = 5) -> str:
    more = f" and {len(ids) - shown} more" if len(ids) > shown else ""
    return ", ".join(ids[:shown]) + more


def check_request(responses: Responses, q: Questionnaire, group_by: list[str], min_group_size: int) -> None:
    """The checks :func:`compute_scores` makes before scoring: group size, questionnaire, group columns."""
    if min_group_size < 1:
        raise CxError(f"min_group_size must be at least 1, got {min_group_size}")
    check_questionnaire(responses, q)
    missing_cols = [c for c in group_by if c not in responses.attributes.columns]
    if missing_cols:
        have = ", ".join(responses.attributes.columns) or "none"
        raise CxError(f"{responses.source}: cannot group by {', '.join(map(repr, missing_cols))}: "
                      f"no such respondent attribute column (attributes in the file: {have})")


def compute_scores(
    responses: Responses,
    questionnaire: Questionnaire,
    group_by: Iterable[str] = (),
    targets: Mapping[str, Any] | None = None,
    min_group_size: int = MIN_GROUP_SIZE,
) -> Scores:
    """Score validated responses against parsed targets; see the module docstring for the exact rules."""
    q = questionnaire
    group_by = list(group_by)
    check_request(responses, q, group_by, min_group_size)
    target_scores = resolve_targets(targets, q)

    respondents, matrix = answer_matrix(responses.answers, q)
    answered_any = ~np.isnan(matrix).all(axis=1)
    respondents, matrix = respondents[answered_any], matrix[answered_any]
    matrix.setflags(write=False)  # read by every statistic below; the tallies of its answers are reused
    rscores = respondent_dimension_scores(matrix, q)
    dim_weights = np.array([d.weight for d in q.dimensions])
    rs = pd.DataFrame(rscores, index=respondents, columns=q.dimension_ids)
    attrs = responses.attributes.reindex(respondents)
    labels = {col: _labels(attrs[col]) for col in group_by}
    answers_per_item = (~np.isnan(matrix)).sum(axis=0).tolist()
    answered = pd.DataFrame(~np.isnan(matrix), index=respondents, columns=q.item_ids)
    plan = plan_suppression(labels, rs.notna(), min_group_size, dict(zip(q.item_ids, answers_per_item, strict=True)),
                            answered)

    mean, n, sd = mean_n_sd(rscores)
    item_dims = np.array([i.dimension for i in q.items])
    alphas = [cronbach_alpha(matrix[:, item_dims == d]) for d in q.dimension_ids]
    hidden_dims = np.array([d in plan.dimensions for d in q.dimension_ids], dtype=bool)
    mean, sd = np.where(hidden_dims, np.nan, mean), np.where(hidden_dims, np.nan, sd)
    alphas = [np.nan if h else a for a, h in zip(alphas, hidden_dims, strict=True)]
    stage_ids, stage_names = stage_columns(mean, q)
    target = np.array([target_scores.get(d, np.nan) for d in q.dimension_ids])
    dimensions = pd.DataFrame(
        {
            "name": [d.name for d in q.dimensions],
            "label": [d.label for d in q.dimensions],
            "weight": dim_weights,
            "score": mean,
            "index": to_index(mean, q),
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
    ).join(dimension_diagnostics(matrix, q))

    overall_score = float(weighted_overall(mean[None, :], dim_weights)[0])
    stage = q.stage_for(overall_score)
    overall = {
        "score": overall_score,
        "index": float(to_index(overall_score, q)),
        "stage": stage.id if stage else None,
        "stage_name": stage.name if stage else None,
    }

    scored = np.array([not i.outcome for i in q.items])  # outcome statements: Scores.outcomes
    imean, icount, isd = mean_n_sd(matrix[:, scored])
    hidden_items = np.array([i.id in plan.items for i in q.items if not i.outcome], dtype=bool)
    imean, isd = np.where(hidden_items, np.nan, imean), np.where(hidden_items, np.nan, isd)
    items = pd.DataFrame(
        {
            "dimension": item_dims[scored],
            "text": [i.text for i in q.items if not i.outcome],
            "reverse": [i.reverse for i in q.items if not i.outcome],
            "mean": imean,
            "n": icount,
            "sd": isd,
        },
        index=pd.Index([i.id for i in q.items if not i.outcome], name="item"),
    )

    groups = {col: _group_table(rs, labels[col], dim_weights, col, plan) for col in group_by}
    coverage = _coverage(responses, respondents, matrix[:, scored], [i.id for i in q.items if not i.outcome])
    extra = hide_in_statistics(statistics(matrix, rs, attrs, groups, q, mean, min_group_size), plan)
    return Scores(q, int(len(respondents)), overall, dimensions, items, groups, rs, coverage, min_group_size,
                  suppression=plan, **extra)


def _coverage(responses: Responses, respondents: pd.Index, matrix: np.ndarray, item_ids: list[str]) -> dict[str, Any]:
    """How much of the questionnaire's scored statements (outcome statements aside) the counted
    respondents answered, and who was not counted."""
    ans = responses.answers
    n_items = len(item_ids)
    counted = (ans["respondent_id"].isin(respondents) & ans["item_id"].isin(item_ids)).to_numpy()
    dont_know = int(((ans["status"] == "dont_know").to_numpy() & counted).sum())
    all_ids = ans["respondent_id"].nunique()
    total = len(respondents) * n_items
    answered = int(np.count_nonzero(~np.isnan(matrix)))
    return {
        "answers": answered,
        "possible_answers": total,
        "answered_share": answered / total if total else np.nan,
        "dont_know": dont_know,
        "dont_know_share": dont_know / total if total else np.nan,
        "dropped_errors": len(responses.errors),
        "respondents_without_answers": int(all_ids - len(respondents)),
    }


def _labels(values: pd.Series) -> pd.Series:
    """Each respondent's group value as text; a missing value is the group "(not given)"."""
    return values.astype("object").where(values.notna(), "(not given)").astype(str)


def _group_table(rs: pd.DataFrame, labels: pd.Series, dim_weights: np.ndarray, col: str,
                 plan: Suppression) -> pd.DataFrame:
    """Per group value: respondents, suppressed flag, overall and dimension scores (NaN where hidden)."""
    grouped = rs.groupby(labels.to_numpy(), sort=True)
    means = grouped.mean()
    counts = grouped.size()
    # hidden figures set in arrays (a survey report scores every few seconds: no .loc per cell)
    row = {str(v): r for r, v in enumerate(means.index)}
    dim_col = {str(d): j for j, d in enumerate(means.columns)}
    values = means.to_numpy(dtype=float, copy=True)
    for c, value, dim in plan.cells:  # a dimension figure on too few, or too close to another figure
        if c == col:
            values[row[value], dim_col[dim]] = np.nan
    overall = weighted_overall(values, dim_weights)
    overall[[row[v] for c, v in plan.overall if c == col]] = np.nan
    suppressed = np.array([(col, str(v)) in plan.groups for v in means.index], dtype=bool)
    values[suppressed], overall[suppressed] = np.nan, np.nan
    table = pd.DataFrame({"respondents": counts, "suppressed": suppressed, "overall": overall,
                          **{c: values[:, j] for j, c in enumerate(means.columns)}}, index=means.index)
    table.index.name = labels.name
    return table
