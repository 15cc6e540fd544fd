"""notebooks/workshop.ipynb runs headless under nbval (--nbval-lax) and under papermill, and reloads a session."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import papermill as pm
import pytest

from cxassess.workshop.store import SessionStore

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "workshop.ipynb"
MINI = Path(__file__).parent / "data" / "mini.yaml"


def _outputs(nb) -> str:
    text = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                raise AssertionError(f"cell failed: {out['ename']}: {out['evalue']}")
            text.append(out.get("text", ""))
    return "".join(text)


def test_committed_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    params = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    for name in ("client_name", "questionnaire", "session_file", "attributes", "min_group_size"):
        assert f"{name} = " in params[0].source


def test_runs_under_nbval(tmp_path):
    # a copy, so the default session file lands in tmp_path/sessions, not in the repository
    shutil.copy(NOTEBOOK, tmp_path / "workshop.ipynb")
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "--nbval-lax", "-p", "no:cacheprovider",
                        "workshop.ipynb"], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "4 passed" in r.stdout
    created = list((tmp_path / "sessions").glob("demo-client-*.sqlite"))
    assert len(created) == 1
    with SessionStore(created[0]) as store:
        assert store.client_name == "Demo client"
        assert store.counts()["started"] == 0


def test_papermill_reloads_an_existing_session(tmp_path):
    session = tmp_path / "acme.sqlite"
    with SessionStore(session, MINI, client_name="Acme", attributes={"role": ["Manager", "Staff"]}) as store:
        # three staff submit the same answers; one manager is still answering
        for code in ("S1", "S2", "S3"):
            store.start_participant(code, {"role": "Staff"})
            store.record_answers(code, {"A1": 4, "A2": 2, "A3": 4, "B1": 3, "B2": 2})
            store.submit(code)
        store.start_participant("M1", {"role": "Manager"})
        store.record_answer("M1", "A1", 1)
    out = tmp_path / "out.ipynb"
    pm.execute_notebook(str(NOTEBOOK), str(out), cwd=str(tmp_path), kernel_name="python3", progress_bar=False,
                        parameters={"client_name": "Acme", "questionnaire": str(MINI), "session_file": str(session),
                                    "attributes": {"role": ["Manager", "Staff"]}, "min_group_size": 3})
    text = _outputs(nbformat.read(out, as_version=4))
    assert f"Session file: {session}" in text
    # A = (4 + (6 - 2) + 2 * 4) / 4 = 4.0; B = (3 + 2) / 2 = 2.5; overall (4 + 2 * 2.5) / 3 = 3.0 -> stage "Three"
    assert ("Acme: 4 participant(s) started, 3 submitted, 1 still answering, 16 answers stored; "
            "overall 3.00 (Three)") in text


def test_papermill_holds_results_back_with_one_submitted_participant(tmp_path):
    session = tmp_path / "solo.sqlite"
    with SessionStore(session, MINI, client_name="Solo", attributes={"role": ["Manager", "Staff"]}) as store:
        store.start_participant("S1", {"role": "Staff"})
        store.record_answers("S1", {"A1": 4, "A2": 2, "A3": 4, "B1": 3, "B2": 2})
        store.submit("S1")
    out = tmp_path / "out.ipynb"
    pm.execute_notebook(str(NOTEBOOK), str(out), cwd=str(tmp_path), kernel_name="python3", progress_bar=False,
                        parameters={"client_name": "Solo", "questionnaire": str(MINI), "session_file": str(session),
                                    "attributes": {"role": ["Manager", "Staff"]}, "min_group_size": 3})
    text = _outputs(nbformat.read(out, as_version=4))
    # one person's answers would be their own radar and score: nothing but the counts is shown
    assert ("Solo: 1 participant(s) started, 1 submitted, 0 still answering, 5 answers stored; "
            "Results appear once 3 participants have submitted (so far 1)") in text
    assert "overall" not in text


def test_papermill_self_assessment_mode(tmp_path):
    out = tmp_path / "out.ipynb"
    pm.execute_notebook(str(NOTEBOOK), str(out), cwd=str(tmp_path), kernel_name="python3", progress_bar=False,
                        parameters={"mode": "self-assessment", "participant": "Dana", "questionnaire": str(MINI),
                                    "session_file": str(tmp_path / "me.sqlite")})
    text = _outputs(nbformat.read(out, as_version=4))
    assert "Workshop: 1 participant(s) started, 0 submitted, 1 still answering, 0 answers stored" in text
    with SessionStore(tmp_path / "me.sqlite") as store:
        assert store.participant_codes() == ["Dana"]


def test_unknown_mode_is_a_clear_error(tmp_path):
    out = tmp_path / "out.ipynb"
    with pytest.raises(pm.PapermillExecutionError, match="mode must be one of workshop, self-assessment"):
        pm.execute_notebook(str(NOTEBOOK), str(out), cwd=str(tmp_path), kernel_name="python3", progress_bar=False,
                            parameters={"mode": "party"})
