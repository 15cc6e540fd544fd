"""Report parameters as they arrive from papermill, the CLI or a person in JupyterLab."""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable
from typing import Any


def as_group_by(value: str | Iterable[str] | None) -> list[str]:
    """``["role", "department"]`` from a list, ``"role;department"``, ``"role, department"`` or None."""
    if value is None:
        return []
    if isinstance(value, str):
        return [p.strip() for p in re.split(r"[;,]", value) if p.strip()]
    return [str(v).strip() for v in value if str(v).strip()]


def as_optional(value: Any) -> Any:
    """None for a parameter left empty ("" or None), the value otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value


def report_date(value: str | _dt.date | None, today: _dt.date | None = None) -> str:
    """The assessment date as people write it ("23 November 2026"); empty means today.

    An ISO date (2026-11-23) is reformatted; any other text is kept as given (it is escaped when
    shown).
    """
    if isinstance(value, _dt.date):
        day = value
    elif value is None or not str(value).strip():
        day = today or _dt.date.today()
    else:
        try:
            day = _dt.date.fromisoformat(str(value).strip()[:10])
        except ValueError:
            return str(value).strip()
    return f"{day.day} {day.strftime('%B %Y')}"
