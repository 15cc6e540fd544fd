"""Targets applied to a questionnaire: the target score per dimension, from targets as written.

A number is a target score; ``{"stage": 4}``, ``"stage 4"`` or a stage name ("Embedded") is that
stage's ``min_score``. The key ``default`` applies to every dimension not named. Reading a targets
file is :func:`cxassess.io.targets.read_targets`; this module only interprets what was read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cxassess._util.yamlfile import describe
from cxassess.errors import CxError
from cxassess.questionnaire.model import Questionnaire

__all__ = ["resolve_targets"]


def resolve_targets(targets: Mapping[str, Any] | None, q: Questionnaire) -> dict[str, float]:
    """Target score per dimension id; dimensions without a target are left out.

    Messages name ``targets.source`` when the targets carry one (what
    :func:`~cxassess.io.targets.read_targets` returns), else "targets".
    """
    if targets is None:
        return {}
    source = str(getattr(targets, "source", "targets"))
    if not isinstance(targets, Mapping):
        raise CxError(f"{source}: targets must map dimension ids to a score or a stage")
    resolved: dict[str, float] = {}
    default = targets.get("default")
    for key in targets:
        if key != "default" and key not in q.dimension_ids:
            raise CxError(f"{source}: '{key}' is not a dimension id "
                          f"(expected one of {', '.join(q.dimension_ids)} or 'default')")
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
        raise CxError(f"{where}: {describe(raw)} is not a score or a stage")
    if not q.scale.min <= float(raw) <= q.scale.max:
        raise CxError(f"{where}: target {raw} is outside the scale {q.scale.min}..{q.scale.max}")
    return float(raw)
