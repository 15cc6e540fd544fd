"""LibreOffice and poppler for the deck and workbook tests: open a file as a real client would.

``soffice --headless --convert-to pdf`` runs with a private profile (``-env:UserInstallation``) per
call, so parallel test runs never share LibreOffice's lock files; ``pdftoppm`` turns the PDF's pages
into PNGs under ``out/test-artifacts/`` (ignored by git) for a person to look at. A missing tool
FAILS the test when ``CI`` is set (a missing install step, never a quiet skip) and skips it otherwise.

Also: one real demo report (the kernel, the notebook, the renderer's hook) shared by the deck and
workbook tests, rendered once per session.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "out" / "test-artifacts"
DEMO = ROOT / "data" / "demo"
CONVERT_TIMEOUT = 300


def need_tool(name: str) -> str:
    """The tool's path; fail under CI, skip locally, when it is missing."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} not found: install LibreOffice (libreoffice-impress, libreoffice-calc) and poppler-utils " \
                  "(make sysdeps)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def to_pdf(source: Path, out_dir: Path) -> Path:
    """Convert ``source`` with LibreOffice headless (its own profile); the PDF, or a failed test."""
    soffice = need_tool("soffice")
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = out_dir / f".lo-profile-{source.stem}"
    cmd = [soffice, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--norestore",
           "--convert-to", "pdf", "--outdir", str(out_dir), str(source)]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=CONVERT_TIMEOUT)
    pdf = out_dir / f"{source.stem}.pdf"
    assert res.returncode == 0, f"soffice failed ({res.returncode}): {res.stdout[-1500:]} {res.stderr[-1500:]}"
    assert pdf.is_file() and pdf.stat().st_size > 1000, f"soffice wrote no PDF: {res.stdout} {res.stderr}"
    shutil.rmtree(profile, ignore_errors=True)
    return pdf


def pdf_pages(pdf: Path) -> int:
    res = subprocess.run([need_tool("pdfinfo"), str(pdf)], capture_output=True, text=True, check=True)
    return int(next(line.split()[-1] for line in res.stdout.splitlines() if line.startswith("Pages:")))


def to_pngs(pdf: Path, folder: Path, resolution: int = 60) -> list[Path]:
    """Every page of ``pdf`` as ``folder/page-NN.png`` (the folder is emptied first)."""
    pdftoppm = need_tool("pdftoppm")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    subprocess.run([pdftoppm, "-r", str(resolution), "-png", str(pdf), str(folder / "page")], check=True,
                   capture_output=True, timeout=CONVERT_TIMEOUT)
    return sorted(folder.glob("page-*.png"))


_REPORTS: dict[str, dict[str, Any]] = {}


def demo_report(tmp_root: Path) -> dict[str, Any]:
    """A real report for the Acme Utilities demo client in html, pptx and xlsx, rendered once per
    session through :func:`cxassess.render_report` (the kernel runs the report notebook); with a
    minimum group size of 6, so that groups are suppressed. Returns the folder and scores.json."""
    key = str(tmp_root)
    if key not in _REPORTS:
        from cxassess.report.request import ReportRequest
        from cxassess.run.renderer import render_report

        req = ReportRequest(client="Acme Utilities", responses=DEMO / "acme-utilities.csv",
                            targets=DEMO / "targets.yaml", group_by=["role", "department"],
                            consultant="Demo Consulting", assessment_date="2026-11-30", min_group_size=6)
        result = render_report(req, tmp_root, formats=("html", "pptx", "xlsx"))
        doc = json.loads((result.folder / "scores.json").read_text(encoding="utf-8"))
        _REPORTS[key] = {"folder": result.folder, "doc": doc, "request": req, "result": result}
    return _REPORTS[key]


__all__ = ["ARTIFACTS", "DEMO", "need_tool", "to_pdf", "pdf_pages", "to_pngs", "demo_report"]
