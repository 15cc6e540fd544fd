"""The executed notebook as one self-contained HTML page: outputs only, header from our template.

nbconvert's HTML exporter with the ``templates/report`` template, built once per process
(compiling the template is the slow part) and shared: it is not thread-safe. It validates the
notebook once, after all its preprocessors (``optimistic_validation``), not after each of its 11.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cxassess._util.paths import TEMPLATES_DIR

REPORT_TEMPLATE = "report"
REPORT_TEMPLATE_DIR = TEMPLATES_DIR / REPORT_TEMPLATE
REPORT_TITLE = "Customer-experience maturity report"

_EXPORTER: Any = None


def _exporter() -> Any:
    global _EXPORTER
    if _EXPORTER is None:
        from nbconvert import HTMLExporter
        from nbconvert.exporters.templateexporter import TemplateExporter
        from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

        class ReportExporter(HTMLExporter):
            """HTMLExporter without its BeautifulSoup pass (about 3x the template's own time).

            That pass only adds alt text to images (our template writes it) and focus attributes
            to JupyterLab's input/output areas (our reports have none).
            """

            def from_notebook_node(self, nb: Any, resources: Any = None, **kw: Any) -> Any:
                resources = self._init_resources(resources)
                self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                    notebook_metadata=self._nb_metadata, parent=self, resources=resources))
                return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

        _EXPORTER = ReportExporter(
            template_name=REPORT_TEMPLATE, extra_template_basedirs=[str(TEMPLATES_DIR)],
            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True, exclude_anchor_links=True,
            optimistic_validation=True,
        )
    return _EXPORTER


def export_html(nb: Any, *, client: str, assessment_date: str | None = None, consultant: str = "",
                title: str = REPORT_TITLE) -> str:
    """The executed notebook as one self-contained HTML page (outputs only; header from our template).

    The header fields go through :func:`cxassess._util.safe.visible` (a bidi override or control
    character in a client's name is shown as its escape); the template escapes them for HTML."""
    from cxassess._util.safe import visible

    meta = {"client": client, "assessment_date": assessment_date or "", "consultant": consultant or "",
            "title": title, "generated": dt.datetime.now().strftime("%Y-%m-%d %H:%M")}
    meta = {k: visible(v) for k, v in meta.items()}
    html, _ = _exporter().from_notebook_node(nb, resources={"cxassess": meta})
    return str(html)
