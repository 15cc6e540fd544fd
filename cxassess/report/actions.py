"""Turn a client's scores into a prioritised action plan, from ``templates/recommendations.yaml``.

The recommendations file is data: for every dimension and every maturity stage, 2-4 concrete next
actions that move a dimension from that stage to the next one. :func:`load_recommendations`
validates it against the questionnaire (every dimension, every stage, nothing unknown) and reports
each problem with its location, e.g. ``dimensions.silos.3: expected 2-4 actions, got 1``.

:func:`action_plan` ranks the client's dimensions (see its docstring for the formula) and attaches
the actions for each dimension's *current* stage, so two clients with different profiles get
different plans.
"""

from __future__ import annotations

import math
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
    priority: float
    actions: tuple[str, ...]


@dataclass
class ActionPlan:
    """Dimensions ordered by priority (highest first); ``unscored`` lists dimensions without a score."""

    entries: list[PlanEntry]
    unscored: list[str] = field(default_factory=list)

    def focus(self, n: int = 3) -> list[PlanEntry]:
        """The ``n`` highest-priority dimensions: where to start."""
        return self.entries[:n]

    @property
    def order(self) -> list[str]:
        """Dimension ids, highest priority first."""
        return [e.dimension for e in self.entries]

    def to_frame(self) -> pd.DataFrame:
        """One row per dimension (index: dimension id) with score, stage, gap, priority and actions."""
        rows = [{"name": e.name, "score": e.score, "stage": e.stage, "stage_name": e.stage_name,
                 "target": e.target, "gap": e.gap, "weight": e.weight, "priority": e.priority,
                 "actions": list(e.actions)} for e in self.entries]
        return pd.DataFrame(rows, index=pd.Index(self.order, name="dimension"))


def priority(score: float, target: float, weight: float, scale_min: float, scale_max: float) -> float:
    """``weight * (weakness + shortfall)``; see :func:`action_plan`."""
    span = scale_max - scale_min
    weakness = (scale_max - score) / span
    shortfall = 0.0 if target is None or math.isnan(target) else max(target - score, 0.0) / span
    return weight * (weakness + shortfall)


def action_plan(scores: Scores, recommendations: Recommendations | None = None) -> ActionPlan:
    """Rank the client's dimensions and attach next actions for each one's current stage.

    Priority formula (both parts on the 0..1 scale of the questionnaire, so they add up fairly)::

        weakness  = (scale_max - score) / (scale_max - scale_min)     # how far from the top
        shortfall = max(target - score, 0) / (scale_max - scale_min)  # 0 without a target or
                                                                      # once the target is met
        priority  = dimension weight * (weakness + shortfall)

    Without ``recommendations`` the bundled file is used when it was written for this questionnaire;
    for another questionnaire the plan still ranks the dimensions, with no actions attached.

    Higher priority comes first; ties keep questionnaire order. A weak dimension far below its
    target leads the plan; a dimension already at target still appears, lower down. Dimensions
    without a score (too few answers) cannot be ranked and are listed in ``unscored``.
    """
    q = scores.questionnaire
    if recommendations is None:
        recommendations = default_recommendations(q)
    recs = recommendations
    missing = [d for d in q.dimension_ids if d not in recs.actions]
    if missing:
        raise CxError(f"{recs.source}: no actions for dimension(s) {', '.join(missing)} of questionnaire '{q.id}'")
    entries: list[tuple[float, int, PlanEntry]] = []
    unscored: list[str] = []
    for pos, (dim, row) in enumerate(scores.dimensions.iterrows()):
        value = float(row["score"])
        if math.isnan(value):
            unscored.append(str(dim))
            continue
        stage = int(row["stage"])  # scoring already mapped the score to its stage and gap
        target = float(row["target"])
        prio = priority(value, target, float(row["weight"]), q.scale.min, q.scale.max)
        entry = PlanEntry(str(dim), str(row["name"]), value, stage, str(row["stage_name"]), target,
                          float(row["gap"]), float(row["weight"]), prio, recs.for_stage(str(dim), stage))
        entries.append((round(-prio, 9), pos, entry))
    entries.sort(key=lambda t: (t[0], t[1]))
    return ActionPlan([e for _, _, e in entries], unscored)
