"""One client's report request: its fields, the notebook parameters it becomes, and the checks before a run.

Safety: only the names in :data:`PARAMETER_NAMES` ever reach papermill (it pastes names into
code), and their values must be plain (None, bool, int, float, str or a list of str).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cxassess._util.paths import DEFAULT_QUESTIONNAIRE
from cxassess._util.safe import slugify
from cxassess.errors import CxError
from cxassess.scoring import MIN_GROUP_SIZE

#: The only parameter names that may reach the notebook (papermill writes them as code).
PARAMETER_NAMES = (
    "client_name", "responses", "questionnaire", "group_by", "targets", "customer_metrics",
    "assessment_date", "consultant", "min_group_size", "invited",
    "store", "same_sector",
)
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class ReportRequest:
    """Everything one client's report needs. Paths may be relative to the current folder."""

    client: str
    responses: Path | str
    questionnaire: Path | str | None = None
    group_by: Sequence[str] = ()
    targets: Path | str | None = None
    customer_metrics: Path | str | None = None
    assessment_date: str | None = None
    consultant: str = ""
    #: the assessment history store (an SQLite file or a database URL): trend and benchmark; None: no history
    store: Path | str | None = None
    #: the benchmark among the other clients of the client's own sector (as the store has it) only
    same_sector: bool = False
    min_group_size: int = MIN_GROUP_SIZE
    #: how many people were asked to answer: a number, or a YAML file with ``total`` and counts per group
    invited: Path | str | int | None = None

    def __post_init__(self) -> None:
        self.client = str(self.client or "").strip()
        if not self.client:
            raise CxError("a report needs a client name (--client NAME)")
        if isinstance(self.group_by, str):
            self.group_by = [g.strip() for g in self.group_by.split(";") if g.strip()]
        self.group_by = [str(g) for g in self.group_by]
        self.consultant = "" if self.consultant is None else str(self.consultant)
        try:
            self.min_group_size = int(self.min_group_size)
        except (TypeError, ValueError) as exc:
            raise CxError(f"min_group_size must be a whole number, got {self.min_group_size!r}") from exc
        if self.min_group_size < 1:
            raise CxError(f"min_group_size must be at least 1, got {self.min_group_size}")
        if self.assessment_date is not None and str(self.assessment_date).strip():
            self.assessment_date = _check_date(str(self.assessment_date).strip())
        else:
            self.assessment_date = None

    @property
    def slug(self) -> str:
        return slugify(self.client)

    def input_files(self) -> list[Path]:
        """The files this report reads (for validation and ``--resume``)."""
        files = [Path(self.responses), Path(self.questionnaire or DEFAULT_QUESTIONNAIRE)]
        files += [Path(p) for p in (self.targets, self.customer_metrics) if p]
        if self.invited is not None and not str(self.invited).strip().isdigit():
            files.append(Path(str(self.invited)))
        return files

    def parameters(self) -> dict[str, Any]:
        """The notebook parameters: absolute paths, plain Python values, whitelisted names."""
        return build_parameters({
            "client_name": self.client,
            "responses": _abs(self.responses),
            # none given: the notebook's default (the bundled one, or a session file's own)
            "questionnaire": _abs(self.questionnaire) if self.questionnaire else None,
            "group_by": list(self.group_by),
            "targets": _abs(self.targets) if self.targets else None,
            "customer_metrics": _abs(self.customer_metrics) if self.customer_metrics else None,
            "assessment_date": self.assessment_date,  # never the render date: the report says which it shows
            "consultant": self.consultant,
            "store": store_parameter(self.store),
            "same_sector": True if self.same_sector else None,  # None: the notebook's default (all sectors)
            "min_group_size": self.min_group_size,
            "invited": (None if self.invited is None or not str(self.invited).strip()
                        else int(str(self.invited).strip()) if str(self.invited).strip().isdigit()
                        else _abs(str(self.invited))),
        })


def store_parameter(store: Path | str | None) -> str | None:
    """The store as the notebook gets it: a file as an absolute path, a URL as given but never with a password
    (the parameters are written into the executed notebook and scores.json)."""
    if store is None or not str(store).strip():
        return None
    text = str(store).strip()
    if "://" not in text:
        return _abs(text)
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        has_password = make_url(text).password is not None
    except ArgumentError:
        raise CxError("the store is neither a file nor a database URL (e.g. postgresql+psycopg://user@host/db)") \
            from None
    if has_password:
        raise CxError("the store's URL holds a password, which would be written into the report's notebook and "
                      "scores.json: leave it out of the URL and give it in PGPASSWORD or ~/.pgpass")
    return text


def _abs(path: Path | str | None) -> str | None:
    return None if path is None else str(Path(path).expanduser().resolve())


def _check_date(text: str) -> str:
    try:
        return dt.date.fromisoformat(text[:10] if len(text) >= 10 else text).isoformat()
    except ValueError as exc:
        raise CxError(f"assessment date {text!r} is not a date in the form YYYY-MM-DD") from exc


def build_parameters(values: Mapping[str, Any]) -> dict[str, Any]:
    """Check names against :data:`PARAMETER_NAMES` and values against plain types.

    Papermill writes ``name = value`` lines into the notebook, so an unknown name is refused
    outright (it could be code); values must be None, bool, int, float, str or a list of str.
    """
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name not in PARAMETER_NAMES or not _IDENTIFIER.match(str(name)):
            raise CxError(f"unknown report parameter {str(name)[:60]!r}; allowed: {', '.join(PARAMETER_NAMES)}")
        if isinstance(value, (list, tuple)):
            if not all(isinstance(v, str) for v in value):
                raise CxError(f"report parameter {name!r} must be a list of text values")
            value = list(value)
        elif isinstance(value, Path):
            value = str(value)
        elif value is not None and not isinstance(value, (bool, int, float, str)):
            raise CxError(f"report parameter {name!r} has an unsupported type {type(value).__name__}")
        out[name] = value
    return out


def validate_request(req: ReportRequest) -> Any:
    """Fail early and clearly on bad input (before any kernel starts); returns the scores.

    Reads and scores the responses exactly as the notebook will; the result is also what
    ``scores.json`` holds.
    """
    check_inputs(req)
    from cxassess.report.findings import ensure_reportable
    from cxassess.scoring.score import score_file

    scores = score_file(req.responses, req.questionnaire, group_by=req.group_by, targets=req.targets,
                        min_group_size=req.min_group_size)
    ensure_reportable(scores, req.responses)
    return scores


def check_inputs(req: ReportRequest) -> None:
    """Every input file exists (the cheap part of :func:`validate_request`)."""
    for path in req.input_files():
        if not path.is_file():
            raise CxError(f"{req.client}: file not found: {path}")


def scores_document(req: ReportRequest, scores: Any, parameters: Mapping[str, Any]) -> dict[str, Any]:
    """``scores.json``: the scores (a Scores or its dict) plus the parameters the report was rendered with."""
    doc: dict[str, Any] = {"client": req.client}
    doc.update(scores if isinstance(scores, dict) else scores.to_dict())
    if not isinstance(scores, dict):  # the kernel hands its comment summary over with its scores
        from cxassess.io.read import read_responses
        from cxassess.report.comments import summarise_comments

        doc["comments"] = summarise_comments(read_responses(req.responses, scores.questionnaire), scores).to_dict()
    if req.customer_metrics:  # the same summary the report's panel shows (breakdown, suppression)
        from cxassess.report.customer_metrics import load_customer_metrics

        doc["customer_metrics"] = load_customer_metrics(req.customer_metrics, req.min_group_size).to_dict()
    if req.store and "history" not in doc:  # the trend and benchmark the report showed (the kernel's, or again)
        from cxassess.report.history import history_document
        from cxassess.scoring.score import score_file

        scored = score_file(req.responses, req.questionnaire, min_group_size=req.min_group_size)
        doc["history"] = history_document(store_parameter(req.store), req.client, scored, req.responses,
                                          same_sector=bool(req.same_sector))
    doc["report"] = {"parameters": dict(parameters), "assessment_date_given": req.assessment_date is not None}
    return doc
