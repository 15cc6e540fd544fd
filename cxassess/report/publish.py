"""A finished report's output: its formats and file names, its result, and the atomic folder publish.

For a client the output folder ``DIR/<slug>/`` holds ``report.html`` (no code, no prompts, figures
embedded: one self-contained file), ``report.pdf`` (WeasyPrint, from that HTML), the executed
``report.ipynb`` and ``scores.json`` (for audit), and the derived ``report.pptx`` / ``report.xlsx`` when
asked for (:mod:`cxassess.report.formats`). The folder is assembled under a temporary name
and renamed into place only when complete (:func:`publish`), so an interrupted run never leaves a
half-written report that looks whole.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from cxassess.report.formats import DEFAULT_FORMATS
from cxassess.report.formats import output_names as output_names  # re-exported: the registry's
from cxassess.report.formats import parse_formats as parse_formats

#: The formats a report makes by default; every known format is in :data:`cxassess.report.formats.REGISTRY`.
FORMATS = DEFAULT_FORMATS


@dataclass
class ReportResult:
    client: str
    slug: str
    folder: Path
    status: str = "ok"  # ok | failed | skipped
    error: str = ""
    files: dict[str, Path] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "skipped")


def temporary_folder(out: Path, slug: str) -> Path:
    """A new, empty folder beside the final one to assemble a report in (hidden, random name)."""
    tmp = out / f".{slug}.tmp-{secrets.token_hex(4)}"
    tmp.mkdir()
    return tmp


def publish(tmp: Path, final: Path) -> None:
    """Move a finished folder into place; an older report there is replaced as a whole."""
    if final.exists():
        old = final.with_name(f".{final.name}.old-{secrets.token_hex(4)}")
        os.rename(final, old)
        os.rename(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(tmp, final)


def one_line(text: str, limit: int = 300) -> str:
    """An error message as one terminal-safe line (no colour codes), at most ``limit`` characters."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(text))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
