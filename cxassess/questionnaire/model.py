"""Load and validate a questionnaire (dimensions, items, scale, maturity stages) from YAML.

The questionnaire is data (``templates/questionnaires/*.yaml``); this module turns it into
typed, validated objects and reports every problem with its location, e.g.
``items[12].dimension: 'silo' is not a dimension id``.
"""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from cxassess._util.paths import DEFAULT_QUESTIONNAIRE
from cxassess._util.yamlfile import read_yaml
from cxassess.errors import QuestionnaireError

__all__ = ["DONT_KNOW_DEFAULT", "OUTCOME_SECTION", "Dimension", "Item", "OpenQuestion", "Questionnaire", "Scale",
           "Stage", "as_questionnaire", "load_questionnaire", "questionnaire_from_dict"]

DONT_KNOW_DEFAULT = "Don't know / not applicable"
OUTCOME_SECTION = "Overall views"
"""The heading under which outcome statements are asked (printed forms, the workshop)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _label_key(label: str) -> str:
    """A label as compared with others: case and spacing ignored."""
    return " ".join(label.split()).casefold()


class Scale(_Strict):
    """The agreement scale: integers ``min..max`` with a text label for each point."""

    min: int = 1
    max: int = 5
    labels: dict[int, str]
    dont_know: str = DONT_KNOW_DEFAULT
    #: numbers a survey tool writes for "don't know / no basis to judge" (e.g. -1, or 6 on a 1-5 scale):
    #: read as the don't-know answer, never as a score
    dont_know_codes: list[int] = Field(default_factory=list)

    @field_validator("labels")
    @classmethod
    def _distinct_labels(cls, labels: dict[int, str]) -> dict[int, str]:
        """Two points with one label would make the label mean only the last of them."""
        points: dict[str, list[int]] = {}
        for point, label in sorted(labels.items()):
            points.setdefault(_label_key(label), []).append(point)
        repeats = [f"'{labels[p[0]].strip()}' is the label of {'both ' if len(p) == 2 else ''}"
                   f"{', '.join(map(str, p[:-1]))} and {p[-1]}" for p in points.values() if len(p) > 1]
        if repeats:
            raise ValueError("; ".join(repeats) + " (each point needs its own label)")
        return labels

    @field_validator("dont_know")
    @classmethod
    def _dont_know_is_no_point(cls, dont_know: str, info: ValidationInfo) -> str:
        """The "don't know" answer must not read as one of the points."""
        labels = info.data.get("labels") or {}
        same = [p for p, label in sorted(labels.items()) if _label_key(label) == _label_key(dont_know)]
        if same:
            raise ValueError(f"'{dont_know.strip()}' is also the label of point {same[0]}; "
                             "the don't-know answer needs a text of its own")
        return dont_know

    @model_validator(mode="after")
    def _check(self) -> Scale:
        if self.max <= self.min:
            raise ValueError(f"max ({self.max}) must be greater than min ({self.min})")
        expected = set(range(self.min, self.max + 1))
        on_scale = sorted(set(self.dont_know_codes) & expected)
        if on_scale:
            raise ValueError(f"dont_know_codes: {', '.join(map(str, on_scale))} is a point of the scale "
                             f"{self.min}..{self.max}; a don't-know code must lie outside it")
        if set(self.labels) != expected:
            raise ValueError(
                f"labels must give exactly one label for each point {self.min}..{self.max}, "
                f"got {sorted(self.labels)}"
            )
        return self

    @property
    def points(self) -> int:
        """Number of answer points (A in the rwg formula)."""
        return self.max - self.min + 1


class Stage(_Strict):
    id: int = Field(ge=1)
    name: str = Field(min_length=1)
    description: str = ""
    min_score: float = Field(allow_inf_nan=False)


class Dimension(_Strict):
    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    #: a word or two for narrow places (table headers); the name is used when it is empty
    short_name: str = Field(default="", max_length=20)
    description: str = ""
    weight: float = Field(default=1.0, gt=0, le=1000, allow_inf_nan=False)

    @property
    def label(self) -> str:
        """The short name, or the name when no short name is given."""
        return self.short_name.strip() or self.name


class Item(_Strict):
    id: str = Field(min_length=1)
    #: the dimension the statement scores; empty for an outcome statement
    dimension: str = ""
    text: str = Field(min_length=1)
    reverse: bool = False
    weight: float = Field(default=1.0, gt=0, le=1000, allow_inf_nan=False)
    #: an outcome statement ("I would recommend working here"): answered on the same scale, part of
    #: no dimension's score; what the key-driver analysis explains with the dimensions
    outcome: bool = False

    @field_validator("id")
    @classmethod
    def _id_chars(cls, v: str) -> str:
        if v.strip() != v or not v:
            raise ValueError("item ids must not start or end with spaces")
        return v


class OpenQuestion(_Strict):
    """An open-text question ("What is one thing we should change for customers?"): answered in words,
    never scored; the report shows the answers grouped by theme, for large enough groups only."""

    id: str = Field(min_length=1)
    text: str = Field(min_length=1)


def _duplicates(values: list[str]) -> list[str]:
    seen: set[str] = set()
    return sorted({v for v in values if v in seen or seen.add(v)})  # type: ignore[func-returns-value]


class Questionnaire(_Strict):
    """A validated questionnaire. Build it with :func:`load_questionnaire`."""

    id: str = Field(min_length=1)
    version: str = "1"
    title: str = ""
    scale: Scale
    stages: list[Stage] = Field(min_length=1)
    dimensions: list[Dimension] = Field(min_length=1)
    items: list[Item] = Field(min_length=1)
    #: open-text questions, answered in words and never scored (often none)
    open_questions: list[OpenQuestion] = Field(default_factory=list)

    @field_validator("version", mode="before")
    @classmethod
    def _version_str(cls, v: Any) -> Any:
        return str(v) if isinstance(v, (int, float)) else v

    @model_validator(mode="after")
    def _cross_check(self) -> Questionnaire:
        problems: list[str] = []
        for kind, ids in (
            ("dimensions", [d.id for d in self.dimensions]),
            ("items", [i.id for i in self.items] + [o.id for o in self.open_questions]),
            ("stages", [str(s.id) for s in self.stages]),
        ):
            for dup in _duplicates(ids):
                problems.append(f"{kind}: duplicate id '{dup}'")
        dim_ids = {d.id for d in self.dimensions}
        for n, item in enumerate(self.items):
            if item.outcome and item.dimension:
                problems.append(f"items[{n}].dimension: an outcome statement belongs to no dimension "
                                f"(remove 'dimension: {item.dimension}' or 'outcome: true')")
            elif not item.outcome and not item.dimension:
                problems.append(f"items[{n}].dimension: missing (or mark the item 'outcome: true')")
            elif not item.outcome and item.dimension not in dim_ids:
                problems.append(f"items[{n}].dimension: '{item.dimension}' is not a dimension id")
        for d in self.dimensions:
            if not any(i.dimension == d.id for i in self.items):
                problems.append(f"dimensions: '{d.id}' has no items")
        levels = [s.id for s in self.stages]
        if levels != list(range(1, len(levels) + 1)):
            problems.append(f"stages: ids must be the levels 1..{len(levels)} in order, got {levels}")
        for n, s in enumerate(self.stages):
            if not self.scale.min <= s.min_score <= self.scale.max:
                problems.append(
                    f"stages[{n}].min_score: {s.min_score} is outside the scale "
                    f"{self.scale.min}..{self.scale.max}"
                )
            if n and s.min_score <= self.stages[n - 1].min_score:
                problems.append(
                    f"stages[{n}].min_score: {s.min_score} must be greater than the previous "
                    f"stage's {self.stages[n - 1].min_score}"
                )
        if self.stages[0].min_score != self.scale.min:
            problems.append(
                f"stages[0].min_score: the first stage must start at the scale minimum "
                f"{self.scale.min}, got {self.stages[0].min_score}"
            )
        if problems:
            raise ValueError("\n".join(problems))
        return self

    # --- convenient views --------------------------------------------------------------
    @cached_property
    def item_ids(self) -> list[str]:
        return [i.id for i in self.items]

    @cached_property
    def outcome_ids(self) -> list[str]:
        """Ids of the outcome statements (``outcome: true``), in questionnaire order; often none."""
        return [i.id for i in self.items if i.outcome]

    @cached_property
    def open_question_ids(self) -> list[str]:
        """Ids of the open-text questions, in questionnaire order; often none."""
        return [o.id for o in self.open_questions]

    @cached_property
    def dimension_ids(self) -> list[str]:
        return [d.id for d in self.dimensions]

    def dimension(self, dim_id: str) -> Dimension:
        return next(d for d in self.dimensions if d.id == dim_id)

    def items_of(self, dim_id: str) -> list[Item]:
        return [i for i in self.items if i.dimension == dim_id]

    def stage_for(self, score: float | None) -> Stage | None:
        """The highest stage whose ``min_score`` is at most ``score`` (None for a missing score)."""
        if score is None or score != score:
            return None
        found = None
        for s in self.stages:
            if s.min_score <= score + 1e-9:
                found = s
        return found

    def to_dict(self) -> dict[str, Any]:
        """Plain data with the documented keys; :func:`load_questionnaire` reads it back."""
        return {
            "id": self.id,
            "version": self.version,
            "title": self.title,
            "scale": {
                "min": self.scale.min,
                "max": self.scale.max,
                "labels": {int(k): v for k, v in self.scale.labels.items()},
                "dont_know": self.scale.dont_know,
                **({"dont_know_codes": list(self.scale.dont_know_codes)} if self.scale.dont_know_codes else {}),
            },
            "dimensions": [d.model_dump() for d in self.dimensions],
            "items": [i.model_dump() for i in self.items],
            "stages": [s.model_dump() for s in self.stages],
            **({"open_questions": [o.model_dump() for o in self.open_questions]} if self.open_questions else {}),
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_yaml(self) -> str:
        return str(yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True, width=100))




def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _format_errors(err: ValidationError) -> list[str]:
    problems = []
    for e in err.errors():
        loc = _loc(tuple(p for p in e["loc"] if p not in ("function-after",)))
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown key"
        elif msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        if "\n" in msg:  # several cross-check problems in one error
            problems.extend(msg.split("\n"))
        else:
            problems.append(f"{loc}: {msg}" if loc else msg)
    return problems


def questionnaire_from_dict(data: Any, source: str = "<questionnaire>") -> Questionnaire:
    """Validate plain data (as read from YAML/JSON) into a :class:`Questionnaire`."""
    if not isinstance(data, dict):
        raise QuestionnaireError(source, ["the file must hold a mapping with id, scale, stages, dimensions, items"])
    try:
        return Questionnaire.model_validate(data)
    except ValidationError as err:
        raise QuestionnaireError(source, _format_errors(err)) from None


def load_questionnaire(path: str | Path | None = None) -> Questionnaire:
    """Read a questionnaire from YAML or JSON (safe loading only); the bundled one by default."""
    path = Path(path) if path else DEFAULT_QUESTIONNAIRE
    data = read_yaml(path, "questionnaire", QuestionnaireError)  # JSON is valid YAML
    return questionnaire_from_dict(data, str(path))


def as_questionnaire(q: Questionnaire | str | Path | None) -> Questionnaire:
    """Accept a loaded questionnaire, a path, or None (the bundled default)."""
    return q if isinstance(q, Questionnaire) else load_questionnaire(q)
