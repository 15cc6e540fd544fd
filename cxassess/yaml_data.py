"""Read the project's YAML data files (questionnaires, recommendations): safe loading only."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import yaml

from cxassess.errors import CxError

# the C loader when libyaml is present: about 10x faster, same safe rules
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path, what: str, invalid: Callable[[str, list[str]], Exception]) -> Any:
    """Safe-load a YAML (or JSON) file.

    A missing or unreadable file is a :class:`CxError` naming ``what`` it should have been; bad
    syntax raises ``invalid(source, [problem])`` with the line and column.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CxError(f"{path}: {what} file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CxError(f"{path}: cannot read {what} ({exc})") from None
    try:
        return yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise invalid(str(path), [f"not valid YAML{where}: {getattr(exc, 'problem', exc)}"]) from None
