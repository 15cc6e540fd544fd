"""HTML report -> PDF with WeasyPrint, offline: no LaTeX, no browser, and nothing fetched from the network.

A report's HTML is self-contained (figures are ``data:`` URIs), so the URL fetcher refuses every
other address: a user string that sneaks an ``<img src="http://...">`` into a report can never make
PDF rendering reach out to the network or read local files.
"""

from __future__ import annotations

import os
from pathlib import Path

from cxassess._util.files import write_bytes
from cxassess.errors import CxError


def html_to_pdf_bytes(html: str) -> bytes:
    """Render an HTML string to PDF bytes."""
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher
    except (ImportError, OSError) as exc:  # OSError: Pango missing
        raise CxError(
            "PDF output needs WeasyPrint and Debian's Pango (libpango-1.0-0, libpangoft2-1.0-0); "
            f"they could not be loaded ({exc}). Use --format html, or run `make venv` as root to install them."
        ) from exc
    offline = URLFetcher(allowed_protocols={"data"}, timeout=1, allow_redirects=False)
    return HTML(string=html, base_url=None, url_fetcher=offline).write_pdf()


def html_file_to_pdf(html_path: str | os.PathLike[str], pdf_path: str | os.PathLike[str]) -> Path:
    """Render ``html_path`` to ``pdf_path`` (written whole, via a temporary name)."""
    data = html_to_pdf_bytes(Path(html_path).read_text(encoding="utf-8"))
    return write_bytes(pdf_path, data)
