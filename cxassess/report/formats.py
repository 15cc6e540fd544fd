"""The registry of output formats: what each one is called, which file it writes, and who writes it.

Two kinds. *Rendered* formats come out of the report notebook's run (``html`` is its export,
``pdf`` is printed from that HTML by the renderer). *Derived* formats (``pptx``, ``xlsx``) are
written afterwards by a writer function from the same scores document, narrative and action plan
as the HTML (:func:`write_derived`), so they can never tell a different story. A writer is named
as ``"module:function"`` and imported only when its format is asked for: an HTML-only run never
imports python-pptx or openpyxl.

:mod:`cxassess.report.publish` takes its format names and file names from here.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cxassess.errors import CxError


@dataclass(frozen=True)
class OutputFormat:
    """One output format: its name on the command line, its file in the report folder, its writer."""

    name: str
    file_name: str
    label: str  # as the batch index shows it
    description: str
    writer: str | None = None  # "module:function" for derived formats; None when the renderer makes it

    @property
    def derived(self) -> bool:
        return self.writer is not None

    def write(self, content: Any, path: Path, options: DeliverableOptions) -> None:
        """Write this format's file at ``path`` (derived formats only)."""
        if self.writer is None:
            raise CxError(f"the {self.name} format is made by the renderer, not written from the scores")
        module, _, function = self.writer.partition(":")
        getattr(importlib.import_module(module), function)(content, path, options)


REGISTRY: dict[str, OutputFormat] = {f.name: f for f in (
    OutputFormat("html", "report.html", "HTML", "the report as one self-contained web page"),
    OutputFormat("pdf", "report.pdf", "PDF", "the report printed from its HTML"),
    OutputFormat("pptx", "report.pptx", "PowerPoint", "an editable deck with native charts",
                 "cxassess.report.deck:write_deck"),
    OutputFormat("xlsx", "report.xlsx", "Excel", "a workbook of every figure, for analysts",
                 "cxassess.report.workbook:write_workbook"),
)}
#: What a report makes when no format is asked for.
DEFAULT_FORMATS = ("html", "pdf")
#: Always written beside the chosen formats (for audit).
ALWAYS = ("report.ipynb", "scores.json")


@dataclass(frozen=True)
class DeliverableOptions:
    """Options of the derived formats: a firm's PowerPoint template, and whether the workbook holds
    every respondent's answers (off by default: the workbook then shows aggregates only)."""

    pptx_template: Path | None = None
    include_responses: bool = False

    def __post_init__(self) -> None:
        if self.pptx_template is not None:
            path = Path(self.pptx_template).expanduser()
            if not path.is_file():
                raise CxError(f"PowerPoint template not found: {path}")
            if path.suffix.lower() != ".pptx":
                raise CxError(f"PowerPoint template {path}: expected a .pptx file (save a .potx as .pptx first)")
            object.__setattr__(self, "pptx_template", path.resolve())

    def input_files(self) -> list[Path]:
        """Files the derived outputs depend on (for ``--resume``)."""
        return [self.pptx_template] if self.pptx_template is not None else []


def parse_formats(text: str | Iterable[str]) -> tuple[str, ...]:
    """``"html, pptx"`` -> ``("html", "pptx")``: known names only, each once, in the order given."""
    items = [t.strip().lower() for t in (text.split(",") if isinstance(text, str) else text) if t.strip()]
    bad = [t for t in items if t not in REGISTRY]
    if bad or not items:
        raise CxError(f"unknown format {', '.join(bad) or '(none)'}: choose from {', '.join(REGISTRY)}")
    return tuple(dict.fromkeys(items))


def output_names(formats: Iterable[str]) -> list[str]:
    """The files a report folder holds for ``formats``, in registry order, then the audit files."""
    chosen = set(formats)
    return [f.file_name for f in REGISTRY.values() if f.name in chosen] + list(ALWAYS)


def derived(formats: Iterable[str]) -> list[OutputFormat]:
    """The derived formats among ``formats``."""
    return [REGISTRY[f] for f in formats if REGISTRY[f].derived]


def write_derived(formats: Iterable[str], doc: Mapping[str, Any], folder: Path, *, request: Any,
                  scores: Any = None, options: DeliverableOptions | None = None,
                  objects: str | None = None) -> list[Path]:
    """Write every derived format of ``formats`` into ``folder`` from the scores document ``doc``
    (what ``scores.json`` holds) and the request it was rendered for; returns the files written.

    ``objects``: the report notebook's own scores, plan and narrative inputs, as its kernel handed
    them over (:func:`cxassess.report.content.kernel_objects`); else ``scores``, the
    :class:`~cxassess.scoring.result.Scores` behind ``doc`` when the caller has it; else the
    request's responses are scored again with the same function. Either way the figures are checked
    against ``doc`` before anything is written.
    """
    chosen = derived(formats)
    if not chosen:
        return []
    from cxassess.report.content import report_content

    content = report_content(doc, request, scores, objects)
    options = options or DeliverableOptions()
    written = []
    for fmt in chosen:
        path = Path(folder) / fmt.file_name
        fmt.write(content, path, options)
        written.append(path)
    return written


def warm_derived(formats: Iterable[str]) -> None:
    """Import the writers of the derived formats in ``formats`` (and their fonts) before the first report."""
    for name in formats:
        fmt = REGISTRY[name]
        if fmt.writer is not None:
            module = importlib.import_module(fmt.writer.partition(":")[0])
            warm = getattr(module, "warm_up", None)
            if warm is not None:
                warm()


__all__ = ["OutputFormat", "REGISTRY", "DEFAULT_FORMATS", "ALWAYS", "DeliverableOptions", "parse_formats",
           "output_names", "derived", "write_derived", "warm_derived"]
