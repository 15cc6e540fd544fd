"""notebooks/teaching.ipynb: committed clean, runs headless under nbval and papermill, solutions only on request."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import papermill as pm
import pytest

from cxassess.demo.customers import SAMPLE_SURVEY
from cxassess.metrics.summary import summarise_file
from cxassess.teach.exercises import load_sample_survey, solution_nps

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "teaching.ipynb"


def _code_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code"]


def _texts(nb) -> str:
    """All text and Markdown outputs; fails on any error output."""
    parts = []
    for cell in _code_cells(nb):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                raise AssertionError(f"cell failed: {out['ename']}: {out['evalue']}")
            parts.append(out.get("text", ""))
            data = out.get("data", {})
            parts.append(data.get("text/markdown", "") + data.get("text/plain", ""))
    return "\n".join(parts)


def _images(nb) -> int:
    """Pictures shown: the package's charts display as SVG, other matplotlib figures as PNG."""
    return sum(bool({"image/png", "image/svg+xml"} & set(out.get("data", {})))
               for c in _code_cells(nb) for out in c.get("outputs", []))


def test_committed_without_outputs_and_with_parameters():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = _code_cells(nb)
    assert all(not c.outputs and c.execution_count is None for c in code)
    params = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    assert "show_solutions = False" in params[0].source
    for name in ("survey_file", "demo_organisation", "learner", "self_assessment_file"):
        assert f"{name} = " in params[0].source


def test_cells_stay_thin_and_every_exercise_is_checked():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert max(len(c.source.splitlines()) for c in _code_cells(nb)) <= 15
    source = "\n".join(c.source for c in _code_cells(nb))
    for check in ("check_nps_groups", "check_nps(", "check_csat", "check_weakest_dimension", "check_widest_gap",
                  "check_action_plan", "group_heatmap", "self_assessment(", "summarise("):
        assert check in source


@pytest.fixture
def home(tmp_path, monkeypatch):
    """The kernel inherits HOME, so the self-assessment file lands here, not in the user's home."""
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def _run(home: Path, **parameters) -> nbformat.NotebookNode:
    out = home / "out.ipynb"
    pm.execute_notebook(str(NOTEBOOK), str(out), parameters=parameters, cwd=str(home), progress_bar=False,
                        kernel_name="python3")
    return nbformat.read(out, as_version=4)


def test_papermill_without_solutions(home):
    nb = _run(home)
    text = _texts(nb)
    assert text.count("The solution is hidden") == 4  # nps, csat (one cell), heatmap, action plan
    assert "def solution_nps" not in text
    # the learner's empty answers get a helpful "not yet", never an exception
    assert "no answer yet: set `my_nps` to a number" in text
    assert "The plan has 0 action(s)" in text
    # the package's numbers on the sample survey are shown
    expected = summarise_file(SAMPLE_SURVEY, nps="nps")
    assert f"NPS {expected.nps.score:8.1f}".replace(" ", "") in text.replace(" ", "")
    assert _images(nb) >= 3  # the NPS distribution, the dimension bars, the heatmap
    assert "application/vnd.jupyter.widget-view+json" in str(nb.cells[-1].outputs)  # the self-assessment
    assert list((home / ".cxassess").glob("teaching-self-assessment-me-*.sqlite"))


def test_papermill_with_solutions(home):
    nb = _run(home, show_solutions=True, learner="ana")
    text = _texts(nb)
    assert "The solution is hidden" not in text
    for name in ("solution_nps_groups", "solution_nps", "solution_csat", "solution_gaps", "solution_action_plan"):
        assert f"def {name}(" in text
    assert f"{round(solution_nps(load_sample_survey()), 2)}" in text
    assert list((home / ".cxassess").glob("teaching-self-assessment-ana-*.sqlite"))


def test_runs_under_nbval(home):
    shutil.copy(NOTEBOOK, home / "teaching.ipynb")
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "--nbval-lax", "-p", "no:cacheprovider",
                        "teaching.ipynb"], cwd=home, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    n_code = len(_code_cells(nbformat.read(NOTEBOOK, as_version=4)))
    assert f"{n_code} passed" in r.stdout
