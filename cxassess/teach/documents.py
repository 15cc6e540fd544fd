"""What a trainer hands out around the teaching notebook: the facilitator guide and the learner handout.

Both go through the reports' offline PDF route (:mod:`cxassess.report.pdf`: WeasyPrint, nothing
fetched from the network), so they print in a room without internet. The guide is made from the
session plan (``templates/teach/session.yaml``) and the exercises' right answers on the bundled
data; the handout is the notebook itself, run without solutions, as learners will see it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from cxassess._util.files import write_bytes, write_text
from cxassess._util.paths import NOTEBOOKS_DIR
from cxassess._util.safe import escape_html
from cxassess.errors import CxError
from cxassess.teach.session import Session, facilitator_guide_html, load_session

TEACHING_NOTEBOOK = NOTEBOOKS_DIR / "teaching.ipynb"
FORMATS = ("pdf", "html")

_PRINT_CSS = """
@page { size: A4; margin: 18mm 16mm; @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; } }
body { font-family: "DejaVu Sans", sans-serif; font-size: 9.5pt; line-height: 1.4; color: #1d2733; }
h1 { font-size: 18pt; } h2 { font-size: 13pt; margin-top: 1.4em; break-after: avoid; }
h3 { font-size: 11pt; break-after: avoid; }
table { border-collapse: collapse; margin: .6em 0; break-inside: avoid; font-size: 8.5pt; }
th, td { border-bottom: 1px solid #d5dbe3; padding: 3px 6px; text-align: left; vertical-align: top; }
pre, code { font-family: "DejaVu Sans Mono", monospace; font-size: 8pt; }
pre { background: #f4f6f9; padding: 6px 8px; white-space: pre-wrap; break-inside: avoid; }
img, svg { max-width: 100%; height: auto; break-inside: avoid; }
ul { margin: .3em 0 .6em 1.2em; padding: 0; }
"""


def _page(title: str, body: str) -> str:
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{escape_html(title)}</title>"
            f"<style>{_PRINT_CSS}</style></head><body>{body}</body></html>")


def expected_answers() -> dict[str, dict[str, str]]:
    """The exercises' right answers on the bundled survey and demo organisation, by session part."""
    from cxassess.teach import exercises as ex

    survey = ex.load_sample_survey()
    culture = ex.demo_culture_scores()
    promoters, passives, detractors = ex.solution_nps_groups(survey)
    q = culture.questionnaire
    gaps = ex.solution_gaps(culture)
    weakest = ex.solution_weakest_dimension(culture)
    return {
        "exercise-1": {
            "promoters, passives, detractors": f"{promoters}, {passives}, {detractors}",
            "NPS": f"{ex.solution_nps(survey):.1f} points",
            "CSAT top-2-box": f"{ex.solution_csat(survey):.1f}%",
        },
        "exercise-2": {
            "weakest dimension": f"{q.dimension(weakest).name} ({culture.dimensions.loc[weakest, 'score']:.2f})",
            "widest leadership - front line gap": f"{q.dimension(gaps.index[0]).name} ({gaps.iloc[0]:.2f} points)",
        },
    }


def facilitator_guide(out: str | Path, *, session: Session | None = None) -> Path:
    """Write the facilitator guide (``.pdf`` or ``.html`` by the file name)."""
    html = _page("Facilitator guide", facilitator_guide_html(session or load_session(), expected=expected_answers()))
    return _write(out, html)


def learner_handout(out: str | Path, *, notebook: str | Path = TEACHING_NOTEBOOK, timeout: int = 600) -> Path:
    """Run the teaching notebook without solutions and write it as the learners' handout (PDF or HTML).

    The run uses a temporary folder for the self-assessment's session file, so making a handout never
    writes into anybody's home folder.
    """
    import nbformat
    import papermill as pm

    with tempfile.TemporaryDirectory(prefix="cxassess-handout-") as tmp:
        executed = Path(tmp) / "handout.ipynb"
        try:
            pm.execute_notebook(str(notebook), str(executed), cwd=tmp, progress_bar=False, kernel_name="python3",
                                parameters={"show_solutions": False,
                                            "self_assessment_file": str(Path(tmp) / "self-assessment.sqlite")},
                                execution_timeout=timeout)
        except pm.PapermillExecutionError as exc:
            raise CxError(f"{notebook}: the teaching notebook failed while making the handout: "
                          f"{exc.ename}: {exc.evalue}") from None
        nb = nbformat.read(executed, as_version=4)
    return _write(out, _page(load_session().title, _notebook_body(nb)))


def _notebook_body(nb: Any) -> str:
    """The notebook as printable HTML: Markdown, the code learners type, and outputs a page can show.

    Facilitator notes, skipped cells (parameters, imports) and interactive widgets stay out.
    """
    parts = []
    for cell in nb.cells:
        kind = cell.metadata.get("slideshow", {}).get("slide_type")
        if kind in ("notes", "skip"):
            continue
        if cell.cell_type == "markdown":
            parts.append(_markdown(cell.source))
        elif cell.cell_type == "code":
            parts.append(f"<pre><code>{escape_html(cell.source)}</code></pre>")
            parts.extend(_output_html(o) for o in cell.get("outputs", []))
    return "\n".join(p for p in parts if p)


def _markdown(text: str) -> str:
    """Markdown to HTML with tables; raw HTML in it is escaped (mistune's default), not passed through."""
    import mistune

    return str(mistune.create_markdown(plugins=["table"])(text))


def _output_html(output: Any) -> str:
    data = output.get("data", {})
    if output.get("output_type") == "stream":
        return f"<pre>{escape_html(output.get('text', ''))}</pre>"
    if "application/vnd.jupyter.widget-view+json" in data:
        return "<p><em>(An interactive form appears here in the notebook.)</em></p>"
    if "image/svg+xml" in data:
        return str(data["image/svg+xml"])  # our own charts' SVG
    if "image/png" in data:
        return f'<img alt="chart" src="data:image/png;base64,{data["image/png"]}">'
    if "text/html" in data:
        return str(data["text/html"])  # pandas tables and the package's own HTML, escaped at the source
    if "text/markdown" in data:
        return _markdown(data["text/markdown"])
    if "text/plain" in data:
        return f"<pre>{escape_html(data['text/plain'])}</pre>"
    return ""


def _write(out: str | Path, html: str) -> Path:
    path = Path(out)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise CxError(f"{path}: write the document as .pdf or .html")
    if fmt == "html":
        return write_text(path, html)
    from cxassess.report.pdf import html_to_pdf_bytes

    return write_bytes(path, html_to_pdf_bytes(html))


__all__ = ["expected_answers", "facilitator_guide", "learner_handout", "TEACHING_NOTEBOOK"]
