"""HTML report -> PDF with WeasyPrint, offline: no LaTeX, no browser, and nothing fetched from the network.

A report's HTML is self-contained (figures are ``data:`` URIs), so the URL fetcher refuses every
other address: a user string that sneaks an ``<img src="http://...">`` into a report can never make
PDF rendering reach out to the network or read local files.

A cxassess report (its ``<meta name="generator" content="cxassess">``) has its tables' columns
estimated beforehand (:mod:`cxassess.report.pdf_tables`), so WeasyPrint lays them out once with fixed
widths instead of measuring every cell for its automatic layout first.
"""

from __future__ import annotations

import os
from pathlib import Path

from cxassess._util.files import write_bytes
from cxassess.errors import CxError
from cxassess.report.pdf_svg import install as install_svg_text
from cxassess.report.pdf_tables import fix_table_columns

REPORT_MARK = '<meta name="generator" content="cxassess">'


def html_to_pdf_bytes(html: str, *, fit_tables: bool | None = None) -> bytes:
    """Render an HTML string to PDF bytes; ``fit_tables`` (default: when ``html`` is a cxassess report)
    fixes its tables' columns first."""
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher
    except (ImportError, OSError) as exc:  # OSError: Pango missing
        raise CxError(
            "PDF output needs WeasyPrint and Debian's Pango (libpango-1.0-0, libpangoft2-1.0-0); "
            f"they could not be loaded ({exc}). Use --format html, or run `make venv` as root to install them."
        ) from exc
    if fit_tables is None:
        fit_tables = REPORT_MARK in html[:2000]
    if fit_tables:
        html = fix_table_columns(html)
    install_svg_text()
    offline = URLFetcher(allowed_protocols={"data"}, timeout=1, allow_redirects=False)
    return HTML(string=html, base_url=None, url_fetcher=offline).write_pdf()


def html_file_to_pdf(html_path: str | os.PathLike[str], pdf_path: str | os.PathLike[str]) -> Path:
    """Render ``html_path`` to ``pdf_path`` (written whole, via a temporary name)."""
    data = html_to_pdf_bytes(Path(html_path).read_text(encoding="utf-8"))
    return write_bytes(pdf_path, data)
