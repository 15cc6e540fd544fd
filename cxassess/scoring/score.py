"""Scoring's public entry points, and the one place in scoring where files come in.

:func:`score` scores validated responses; :func:`score_file` reads a responses file first. Both may
be given a targets *file*, which :func:`cxassess.io.targets.read_targets` reads. Every other module
of :mod:`cxassess.scoring` is pure and never touches a file: the computation is
:func:`cxassess.scoring.compute.compute_scores`, which takes targets already read.

The names the rest of the package imports from here (``Scores``, ``json_value``, ``LOW_CONSENSUS_SD``,
``cronbach_alpha``, ``rwg``) are defined in :mod:`~cxassess.scoring.result` and
:mod:`~cxassess.scoring.reliability`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from cxassess.errors import OnError
from cxassess.io.responses import Responses
from cxassess.io.targets import read_targets
from cxassess.questionnaire.model import Questionnaire
from cxassess.scoring import MIN_GROUP_SIZE
from cxassess.scoring.compute import check_request, compute_scores
from cxassess.scoring.reliability import LOW_CONSENSUS_SD, cronbach_alpha, rwg
from cxassess.scoring.result import Scores, json_value

__all__ = ["LOW_CONSENSUS_SD", "Scores", "cronbach_alpha", "json_value", "rwg", "score", "score_file"]


def score(
    responses: Responses,
    questionnaire: Questionnaire,
    group_by: Iterable[str] = (),
    targets: Mapping[str, Any] | str | Path | None = None,
    min_group_size: int = MIN_GROUP_SIZE,
) -> Scores:
    """Score validated responses; ``targets`` is a mapping or a YAML/JSON/CSV targets file.

    See :mod:`cxassess.scoring.compute` for the rules and :mod:`cxassess.scoring.targets` for what a
    target may be.
    """
    group_by = list(group_by)
    if isinstance(targets, (str, Path)):
        check_request(responses, questionnaire, group_by, min_group_size)  # before the file, as always
        targets = read_targets(targets)
    return compute_scores(responses, questionnaire, group_by, targets, min_group_size)


def score_file(
    path: str | Path,
    questionnaire: Questionnaire | str | Path | None = None,
    group_by: Iterable[str] = (),
    targets: Mapping[str, Any] | str | Path | None = None,
    min_group_size: int = MIN_GROUP_SIZE,
    on_error: OnError = "raise",
) -> Scores:
    """Read, validate and score a responses file in one call (what notebooks use)."""
    from cxassess.io.read import read_responses

    responses = read_responses(path, questionnaire, on_error=on_error)  # a session file brings its own
    return score(responses, responses.questionnaire, group_by, targets, min_group_size)
