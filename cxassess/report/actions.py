"""Turn a client's scores into a prioritised action plan, from ``templates/recommendations.yaml``.

The recommendations file is data: for every dimension and every maturity stage, 2-4 concrete next
actions that move a dimension from that stage to the next one. :func:`load_recommendations`
validates it against the questionnaire (every dimension, every stage, nothing unknown) and reports
each problem with its location, e.g. ``dimensions.silos.3: expected 2-4 actions, got 1``.

:func:`action_plan` orders the client's dimensions (shortfalls against targets first, then by a 0..100
priority; see its docstring) and attaches the actions for each dimension's *current* stage, so two
clients with different profiles get different plans.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from cxassess._util.paths import TEMPLATES_DIR
from cxassess._util.yamlfile import read_yaml
from cxassess.errors import CxError, RecommendationsError
from cxassess.questionnaire.model import Questionnaire
from cxassess.scoring.score import Scores

DEFAULT_RECOMMENDATIONS = TEMPLATES_DIR / "recommendations.yaml"
MIN_ACTIONS, MAX_ACTIONS = 2, 4


@dataclass(frozen=True)
class Recommendations:
    """Validated next actions: ``actions[dimension_id][stage_level]`` is a tuple of strings."""

    actions: dict[str, dict[int, tuple[str, ...]]]
    source: str = "<recommendations>"
    questionnaire: str | None = None  # the questionnaire id the file says it was written for

    def for_stage(self, dimension: str, stage: int) -> tuple[str, ...]:
        """The actions for ``dimension`` at maturity ``stage``."""
        return self.actions[dimension][stage]


def recommendations_from_dict(data: Any, questionnaire: Questionnaire,
                              source: str = "<recommendations>") -> Recommendations:
    """Validate plain data (as read from YAML) against ``questionnaire``; every problem is collected."""
    if not isinstance(data, dict) or not isinstance(data.get("dimensions"), dict):
        raise RecommendationsError(source, ["the file must hold a mapping with a 'dimensions' mapping "
                                            "(dimension id -> stage level -> list of actions)"])
    problems: list[str] = []
    unknown_top = sorted(set(data) - {"dimensions", "questionnaire", "version"})
    problems += [f"{key}: unknown key" for key in unknown_top]
    dims = data["dimensions"]
    levels = [s.id for s in questionnaire.stages]
    for key in dims:
        if key not in questionnaire.dimension_ids:
            problems.append(f"dimensions.{key}: not a dimension id of questionnaire '{questionnaire.id}' "
                            f"(expected one of {', '.join(questionnaire.dimension_ids)})")
    actions: dict[str, dict[int, tuple[str, ...]]] = {}
    for dim in questionnaire.dimension_ids:
        where = f"dimensions.{dim}"
        stages = dims.get(dim)
        if stages is None:
            problems.append(f"{where}: missing (every dimension needs actions for stages {levels[0]}..{levels[-1]})")
            continue
        if not isinstance(stages, dict):
            problems.append(f"{where}: expected a mapping of stage level -> list of actions")
            continue
        by_level: dict[int, tuple[str, ...]] = {}
        for raw_level, items in stages.items():
            try:
                level = int(str(raw_level))
            except ValueError:
                problems.append(f"{where}.{raw_level}: not a stage level (expected {levels[0]}..{levels[-1]})")
                continue
            if level not in levels:
                problems.append(f"{where}.{raw_level}: stage {level} does not exist (levels {levels[0]}..{levels[-1]})")
                continue
            if not isinstance(items, list):
                problems.append(f"{where}.{level}: expected a list of actions")
                continue
            if not MIN_ACTIONS <= len(items) <= MAX_ACTIONS:
                problems.append(f"{where}.{level}: expected {MIN_ACTIONS}-{MAX_ACTIONS} actions, got {len(items)}")
            texts = []
            for n, item in enumerate(items):
                if not isinstance(item, str) or not item.strip():
                    problems.append(f"{where}.{level}[{n}]: an action must be non-empty text")
                else:
                    texts.append(" ".join(item.split()))
            by_level[level] = tuple(texts)
        for level in levels:
            if level not in by_level and not any(p.startswith(f"{where}.{level}") for p in problems):
                problems.append(f"{where}.{level}: missing (no actions for stage {level})")
        actions[dim] = by_level
    if data.get("questionnaire") is not None and str(data["questionnaire"]) != questionnaire.id:
        problems.insert(0, f"questionnaire: written for questionnaire '{data['questionnaire']}', "
                           f"not '{questionnaire.id}'")
    if problems:
        raise RecommendationsError(source, problems)
    return Recommendations(actions, source, questionnaire.id)


def load_recommendations(path: str | Path | None = None,
                         questionnaire: Questionnaire | str | Path | None = None) -> Recommendations:
    """Read and validate a recommendations YAML file (the bundled one by default)."""
    from cxassess.questionnaire.model import as_questionnaire

    q = as_questionnaire(questionnaire)
    path = Path(path) if path else DEFAULT_RECOMMENDATIONS
    data = read_yaml(path, "recommendations", RecommendationsError)
    return recommendations_from_dict(data, q, str(path))


def default_recommendations(questionnaire: Questionnaire) -> Recommendations:
    """The bundled recommendations when they were written for ``questionnaire`` (by id); for any other
    questionnaire an empty set, so the plan still ranks the dimensions but lists no actions
    (``Recommendations.questionnaire`` is None then)."""
    data = read_yaml(DEFAULT_RECOMMENDATIONS, "recommendations", RecommendationsError)  # read once
    if isinstance(data, dict) and str(data.get("questionnaire")) == questionnaire.id:
        return recommendations_from_dict(data, questionnaire, str(DEFAULT_RECOMMENDATIONS))
    empty: dict[str, dict[int, tuple[str, ...]]] = {d: {s.id: () for s in questionnaire.stages}
                                                    for d in questionnaire.dimension_ids}
    return Recommendations(empty, f"{DEFAULT_RECOMMENDATIONS} (not written for '{questionnaire.id}')", None)


# --------------------------------------------------------------------------------------
# the plan
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PlanEntry:
    """One dimension in the plan: where it stands, why it ranks where it does, what to do next."""

    dimension: str
    name: str
    score: float
    stage: int
    stage_name: str
    target: float  # NaN when no target was set
    gap: float  # target - score, NaN without a target
    weight: float
    priority: float  # 0..100, see :func:`priority`
    actions: tuple[str, ...]
    impact: float = math.nan  # relative importance for the outcome (key drivers), NaN when not known

    @property
    def below_target(self) -> bool:
        """True when a target was set and the score falls short of it."""
        return not math.isnan(self.gap) and self.gap > 1e-9


@dataclass
class ActionPlan:
    """Dimensions in plan order (see :func:`action_plan`); ``unscored`` lists dimensions without a score.

    ``uses_impact``: the priority weighed each dimension's impact on the outcome (key drivers).
    """

    entries: list[PlanEntry]
    unscored: list[str] = field(default_factory=list)
    uses_impact: bool = False

    def focus(self, n: int = 3) -> list[PlanEntry]:
        """The first ``n`` dimensions of the plan: where to start."""
        return self.entries[:n]

    @property
    def order(self) -> list[str]:
        """Dimension ids in plan order."""
        return [e.dimension for e in self.entries]

    @property
    def below_target(self) -> list[PlanEntry]:
        """The dimensions short of their target (they lead the plan), largest shortfall first."""
        return [e for e in self.entries if e.below_target]

    def to_frame(self) -> pd.DataFrame:
        """One row per dimension (index: dimension id) with score, stage, gap, priority and actions."""
        rows = [{"name": e.name, "score": e.score, "stage": e.stage, "stage_name": e.stage_name,
                 "target": e.target, "gap": e.gap, "weight": e.weight, "impact": e.impact, "priority": e.priority,
                 "actions": list(e.actions)} for e in self.entries]
        return pd.DataFrame(rows, index=pd.Index(self.order, name="dimension"))


def priority(score: float, weight: float, scale_min: float, scale_max: float, *, max_weight: float = 1.0,
             impact: float = math.nan, max_impact: float = math.nan) -> float:
    """Priority on a 0..100 scale: ``100 * weakness * weight / max_weight * impact / max_impact``.

    ``weakness = (scale_max - score) / (scale_max - scale_min)`` (0 at the top of the scale, 1 at the
    bottom); the weight and impact factors are 1 for the heaviest / most important dimension. Without
    a known impact (no key-driver analysis) its factor is 1. So 100 means: the weakest possible score
    on the dimension that counts most and matters most for the outcome.
    """
    span = scale_max - scale_min
    weakness = min(max((scale_max - score) / span, 0.0), 1.0)
    weight_factor = weight / max_weight if max_weight > 0 else 1.0
    impact_factor = (impact / max_impact if not math.isnan(impact) and not math.isnan(max_impact) and max_impact > 0
                     else 1.0)
    return 100.0 * weakness * weight_factor * max(impact_factor, 0.0)


def action_plan(scores: Scores, recommendations: Recommendations | None = None,
                impact: Mapping[str, float] | None = None) -> ActionPlan:
    """Order the client's dimensions and attach next actions for each one's current stage.

    Plan order:

    1. every dimension below its target comes first, the largest shortfall first (a target is the
       client's own statement of what matters, so missing one leads the plan);
    2. then the others, by :func:`priority` (0..100): weakness x dimension weight x impact on the
       outcome, each relative to the largest.

    ``impact``: relative importance of each dimension for the outcome (Johnson's relative weights
    from the key-driver analysis); by default it is taken from ``scores`` when the scoring computed
    it (:func:`cxassess.report.findings.key_driver_impact`), else the plan runs without it.

    Without ``recommendations`` the bundled file is used when it was written for this questionnaire;
    for another questionnaire the plan still orders the dimensions, with no actions attached.
    Ties keep questionnaire order. Dimensions without a score (too few answers) cannot be ranked
    and are listed in ``unscored``.
    """
    from cxassess.report.findings import key_driver_impact

    q = scores.questionnaire
    if recommendations is None:
        recommendations = default_recommendations(q)
    recs = recommendations
    missing = [d for d in q.dimension_ids if d not in recs.actions]
    if missing:
        raise CxError(f"{recs.source}: no actions for dimension(s) {', '.join(missing)} of questionnaire '{q.id}'")
    if impact is None:
        impact = key_driver_impact(scores)
    impacts = {str(k): float(v) for k, v in (impact or {}).items() if v is not None and not math.isnan(float(v))}
    max_impact = max(impacts.values(), default=math.nan)
    max_weight = float(scores.dimensions["weight"].max())
    entries: list[tuple[tuple[float, float], int, PlanEntry]] = []
    unscored: list[str] = []
    for pos, (dim, row) in enumerate(scores.dimensions.iterrows()):
        value = float(row["score"])
        if math.isnan(value):
            unscored.append(str(dim))
            continue
        stage = int(row["stage"])  # scoring already mapped the score to its stage and gap
        dim_impact = impacts.get(str(dim), math.nan)
        prio = priority(value, float(row["weight"]), q.scale.min, q.scale.max, max_weight=max_weight,
                        impact=dim_impact, max_impact=max_impact)
        gap = float(row["gap"])
        entry = PlanEntry(str(dim), str(row["name"]), value, stage, str(row["stage_name"]), float(row["target"]),
                          gap, float(row["weight"]), prio, recs.for_stage(str(dim), stage), dim_impact)
        key = (0.0, round(-gap, 9)) if entry.below_target else (1.0, round(-prio, 9))
        entries.append((key, pos, entry))
    entries.sort(key=lambda t: (t[0], t[1]))
    return ActionPlan([e for _, _, e in entries], unscored, uses_impact=bool(impacts))
