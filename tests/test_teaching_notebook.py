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
from cxassess.teach.session import load_session

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
    for name in ("survey_file", "demo_organisation", "learner", "self_assessment_file", "class_session"):
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
    plan_feedback = str(next(c for c in nb.cells if c.get("id") == "ex3-plan").outputs)
    assert "0 action(s)" in plan_feedback and "Nothing addresses" not in plan_feedback  # Exercise 2 not given away
    # the package's numbers on the sample survey are shown
    expected = summarise_file(SAMPLE_SURVEY, nps="nps")
    assert f"NPS {expected.nps.score:8.1f}".replace(" ", "") in text.replace(" ", "")
    assert _images(nb) >= 3  # the NPS distribution, the dimension bars, the heatmap
    assessment = next(c for c in _code_cells(nb) if "self_assessment(session_file" in c.source)
    assert "application/vnd.jupyter.widget-view+json" in str(assessment.outputs)  # the self-assessment
    assert list((home / ".cxassess").glob("teaching-self-assessment-me-*.sqlite"))


def test_papermill_with_solutions(home):
    nb = _run(home, show_solutions=True, learner="ana")
    text = _texts(nb)
    assert "The solution is hidden" not in text
    assert "def solution_" not in text  # worked answers as a learner types them, not the package's functions
    for line in ('answered = survey["nps"].dropna()', "my_csat = 100 * (answered >= 4).mean()",
                 'my_weakest = culture.dimensions["score"].idxmin()', "my_plan = pd.DataFrame(["):
        assert line in text
    assert f"my_nps = {solution_nps(load_sample_survey()):.2f}" in text
    assert list((home / ".cxassess").glob("teaching-self-assessment-ana-*.sqlite"))


def test_the_agenda_adds_up_and_follows_the_session_plan():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    session = load_session()
    first = nb.cells[0].source
    assert session.agenda_markdown() in first and session.duration_text() in first
    assert 110 <= session.minutes <= 120  # six discussion prompts and three exercises do not fit in 85
    headings = [line for c in nb.cells if c.cell_type == "markdown" for line in c.source.splitlines()
                if line.startswith("## ")]
    wanted = [f"## {p.title} ({p.minutes} min)" for p in session.parts]
    assert [h for h in headings if h in wanted] == wanted  # every part, in order, with its minutes
    assert "## Break (10 min)" in headings


def test_slides_metadata_makes_one_slide_per_idea():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    kinds = [c.metadata.get("slideshow", {}).get("slide_type") for c in nb.cells]
    assert None not in kinds, "every cell says how it appears in the slideshow"
    assert kinds.count("slide") >= 12 and kinds.count("subslide") >= 15
    setup = [c for c in nb.cells if c.cell_type == "code"][:2]
    assert all(c.metadata["slideshow"]["slide_type"] == "skip" for c in setup)  # parameters and imports
    # nbconvert's slides follow the same metadata: one section per slide or sub-slide, not one for all
    from nbconvert import SlidesExporter

    html, _ = SlidesExporter().from_notebook_node(nb)
    assert html.count("<section") >= kinds.count("slide") + kinds.count("subslide")


def test_runs_under_nbval(home):
    shutil.copy(NOTEBOOK, home / "teaching.ipynb")
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "--nbval-lax", "-p", "no:cacheprovider",
                        "teaching.ipynb"], cwd=home, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    n_code = len(_code_cells(nbformat.read(NOTEBOOK, as_version=4)))
    assert f"{n_code} passed" in r.stdout


def _class_session(path: Path, learners: int) -> Path:
    """A class session as the learners' self-assessments leave it: each answers every item and submits."""
    from cxassess.workshop.store import SessionStore

    with SessionStore(path) as store:
        for k in range(learners):
            code = f"learner{k}"
            store.start_participant(code)
            store.record_answers(code, {item.id: 1 + (k + i) % 5 for i, item in enumerate(store.questionnaire.items)})
            store.submit(code)
    return path


def test_a_class_session_pools_the_learners_and_shows_the_spread(home):
    shared = _class_session(home / "class.sqlite", learners=4)
    nb = _run(home, class_session=str(shared), learner="ana")
    results = next(c for c in _code_cells(nb) if "ex.class_results(" in c.source)
    html = "".join(o.get("data", {}).get("text/html", "") for o in results.outputs)
    assert "Results from 4 submitted participant(s)" in html and "Learners per stage" in html
    assert "<svg" in html  # the class's dimension bars
    # the learner joined the class's session instead of a file of their own
    assert not list((home / ".cxassess").glob("*.sqlite"))
    from cxassess.workshop.store import open_session

    with open_session(shared) as store:
        assert store.participant("ana") is not None and store.counts()["started"] == 5


def test_a_class_of_two_shows_nothing_yet(home):
    shared = _class_session(home / "class.sqlite", learners=2)
    nb = _run(home, class_session=str(shared), learner="bo")
    results = next(c for c in _code_cells(nb) if "ex.class_results(" in c.source)
    html = "".join(o.get("data", {}).get("text/html", "") for o in results.outputs)
    assert "Learners per stage" not in html and "<svg" not in html
    assert "Results appear once 3 participants have submitted (so far 2)" in html
