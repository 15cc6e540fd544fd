"""The trainer's documents: the facilitator guide and the learner handout, as real PDFs read back with
poppler's pdftotext (the same route a printer takes)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cxassess.demo.customers import SAMPLE_SURVEY
from cxassess.metrics.summary import summarise_file
from cxassess.teach.session import load_session


def _pdf_text(path: Path) -> str:
    if not shutil.which("pdftotext"):
        message = "pdftotext not found: install Debian's poppler-utils (make sysdeps)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(out.stdout.split())  # one line: a sentence may wrap anywhere


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cxassess", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env={**os.environ, "HOME": str(cwd)})


def test_facilitator_guide_has_every_part_its_timing_and_the_expected_answers(tmp_path):
    r = _cli("teach", "guide", "--out", "guide.pdf", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    text = _pdf_text(tmp_path / "guide.pdf")
    session = load_session()
    assert session.duration_text() in text
    for part in session.parts:
        assert f"{part.title} ({part.minutes} min)" in text
        for objective in part.objectives:
            assert " ".join(objective.split()) in text
        if part.discussion:
            assert part.discussion.prompt[:60] in text
            assert part.discussion.listen_for[0][:50] in text
    nps = summarise_file(SAMPLE_SURVEY, nps="nps", csat="csat").nps
    assert f"{nps.promoters}, {nps.passives}, {nps.detractors}" in text
    assert f"NPS: {nps.score:.1f} points" in text


def test_learner_handout_is_the_notebook_without_solutions_or_facilitator_notes(tmp_path):
    r = _cli("teach", "handout", "--out", "handout.pdf", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    text = _pdf_text(tmp_path / "handout.pdf")
    for part in load_session().parts:
        assert part.title in text
    assert "my_promoters = None" in text  # the exercise cells, as learners will fill them
    assert "The solution is hidden" in text and "my_promoters = (answered >= 9)" not in text
    assert "Facilitator:" not in text  # speaker notes stay with the trainer
    assert "An interactive form appears here" in text
    assert not list(tmp_path.glob(".cxassess/*"))  # making a handout wrote nothing into the home folder
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(tmp_path / "handout.pdf")],
                                                             capture_output=True, text=True).stdout).group(1))
    assert pages >= 8


def test_a_document_needs_pdf_or_html(tmp_path):
    r = _cli("teach", "guide", "--out", "guide.docx", cwd=tmp_path)
    assert r.returncode == 1 and "write the document as .pdf or .html" in r.stderr and "Traceback" not in r.stderr


def test_nbgrader_assignment_round_trip_grades_a_right_and_a_blank_submission(tmp_path):
    """The instructor's version -> nbgrader generate_assignment -> two learners' submissions -> autograde."""
    import nbformat
    from nbgrader.api import Gradebook

    course = tmp_path / "course"
    r = _cli("teach", "nbgrader", "--course", str(course), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    venv_bin = Path(sys.executable).parent  # nbgrader runs `alembic` from PATH
    env = {**os.environ, "HOME": str(tmp_path), "PATH": f"{venv_bin}{os.pathsep}{os.environ['PATH']}"}

    def nbgrader(*args: str) -> None:
        done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env, capture_output=True,
                              text=True, timeout=600)
        assert done.returncode == 0 and "ERROR" not in done.stderr, done.stderr[-3000:]

    nbgrader("generate_assignment", "teaching")
    release = (course / "release" / "teaching" / "teaching.ipynb").read_text(encoding="utf-8")
    source = (course / "source" / "teaching" / "teaching.ipynb").read_text(encoding="utf-8")
    assert "BEGIN SOLUTION" in source and 'culture.dimensions[\\"score\\"].idxmin()' in source
    # the learners' copy: no worked answer, no hidden test, no way to switch solutions on
    for leak in ("BEGIN SOLUTION", "idxmin()", "assert ex.check", "show_solution", "dropna()"):
        assert leak not in release, leak
    nb = nbformat.reads(release, as_version=4)
    assert "my_promoters = None" in next(c.source for c in nb.cells if c.get("id") == "ex1-nps-groups")

    for student, notebook in (("right", course / "source"), ("blank", course / "release")):
        folder = course / "submitted" / student / "teaching"
        folder.mkdir(parents=True)
        shutil.copy(notebook / "teaching" / "teaching.ipynb", folder / "teaching.ipynb")
    nbgrader("autograde", "teaching", "--create")
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        right, blank = (gb.find_submission("teaching", s) for s in ("right", "blank"))
        assert right.max_score == 10 and right.score == 10
        assert blank.score == 0
