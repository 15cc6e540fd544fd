"""Safety of rendering: escaping, safe folder names, whitelisted parameters, one fresh kernel per client."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from probe import probe_state

from cxassess._util.paths import DEMO_DIR, NOTEBOOKS_DIR, PROJECT_DIR
from cxassess._util.safe import slugify
from cxassess.errors import CxError
from cxassess.report.publish import ReportResult
from cxassess.report.request import PARAMETER_NAMES, ReportRequest, build_parameters
from cxassess.run.batch import BatchItem, batch, run_batch, write_index
from cxassess.run.kernels import _process_alive
from cxassess.run.renderer import render_report

DATA = Path(__file__).parent / "data"
PROBE = DATA / "probe_report.ipynb"
MINI_Q = DATA / "mini.yaml"
MINI = DATA / "mini_wide.csv"
CLEAN = {"global": None, "sys": None, "module": None, "env": None, "pandas": 60, "rcparam": 1.5}


def probe_items(names) -> list[BatchItem]:
    return [BatchItem(n, ReportRequest(client=n, responses=MINI, questionnaire=MINI_Q)) for n in names]


def run(items, out, **kw):
    import asyncio

    kw.setdefault("formats", ["html"])
    kw.setdefault("notebook", PROBE)
    kw.setdefault("progress", False)
    return asyncio.run(run_batch(items, out, **kw))


# --------------------------------------------------------------------------------------
# escaping
# --------------------------------------------------------------------------------------
def test_script_in_client_department_and_consultant_shows_as_text(tmp_path):
    """The real report notebook, with hostile strings wherever a user can type one."""
    frame = pd.read_csv(DEMO_DIR / "acme-utilities.csv", dtype=str, keep_default_na=False)
    first = frame["department"].iloc[0]
    frame.loc[frame["department"] == first, "department"] = "<img src=x onerror=alert(2)>"
    responses = tmp_path / "evil.csv"
    frame.to_csv(responses, index=False)
    req = ReportRequest(client="<script>alert(1)</script>", responses=responses, group_by=["role", "department"],
                        consultant='"><svg onload=alert(3)>', targets=DEMO_DIR / "targets.yaml")
    result = render_report(req, tmp_path / "out", formats=["html"], notebook=NOTEBOOKS_DIR / "report.ipynb")
    html = (result.folder / "report.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    lowered = html.lower()
    assert "<script" not in lowered and "<img src=x" not in lowered and "<svg onload" not in lowered
    assert "onerror=alert" not in lowered.replace("&lt;img src=x onerror=alert(2)&gt;", "")
    # the folder name is a safe slug inside --out
    assert result.folder.parent == tmp_path / "out" and result.folder.name == slugify(req.client)
    assert result.folder.name.startswith("script-alert-1-script-")
    # the index escapes it too
    index = write_index(tmp_path / "out", [ReportResult(req.client, req.slug, result.folder, "ok")])
    text = index.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "<script" not in text.lower()


# --------------------------------------------------------------------------------------
# folder names
# --------------------------------------------------------------------------------------
def test_hostile_and_twin_names_get_their_own_folders_inside_out(tmp_path):
    names = ["../x", "a/b", "CON", "con", "Café", "Cafe", "CAFE", "..", "/etc/passwd", "C:\\temp\\x"]
    out = tmp_path / "out"
    result = run(probe_items(names), out, workers=2)
    assert [r.status for r in result.results] == ["ok"] * len(names), [r.error for r in result.results]
    folders = [r.folder for r in result.results]
    assert len({f.name for f in folders}) == len(names)  # nobody overwrites anybody
    for name, folder in zip(names, folders, strict=True):
        assert folder.parent == out and folder.is_dir()
        assert folder.name not in (".", "..", "con", "CON") and "/" not in folder.name and "\\" not in folder.name
        assert probe_state(folder)["client"] == name  # each folder holds its own client's report
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # nothing escaped --out


# --------------------------------------------------------------------------------------
# parameters
# --------------------------------------------------------------------------------------
def test_only_whitelisted_names_reach_papermill(tmp_path, monkeypatch):
    import papermill.parameterize as pm

    seen: list[set[str]] = []
    original = pm.parameterize_notebook

    def spy(nb, parameters, *args, **kw):
        seen.append(set(parameters))
        return original(nb, parameters, *args, **kw)

    monkeypatch.setattr(pm, "parameterize_notebook", spy)
    render_report(ReportRequest(client="Spy", responses=MINI, questionnaire=MINI_Q), tmp_path, formats=["html"],
                  notebook=PROBE)
    assert seen == [set(PARAMETER_NAMES)]
    # names from a manifest never become parameters: unknown columns are refused outright
    manifest = tmp_path / "m.yaml"
    manifest.write_text("- client: A\n  responses: x.csv\n  \"__import__('os').system('touch PWNED')\": 1\n",
                        encoding="utf-8")
    with pytest.raises(CxError, match="unknown column"):
        batch(manifest, tmp_path / "out", notebook=PROBE, progress=False)
    with pytest.raises(CxError, match="unknown report parameter"):
        build_parameters({"client_name = 1; import os; x": "y"})
    assert not (PROJECT_DIR / "PWNED").exists() and not (tmp_path / "PWNED").exists()


def test_values_are_data_never_code(tmp_path):
    evil = '"; import pathlib; pathlib.Path("PWNED").touch(); x = "'
    result = render_report(ReportRequest(client=evil, responses=MINI, questionnaire=MINI_Q, consultant="\\\"'\n"),
                           tmp_path, formats=["html"], notebook=PROBE)
    state = probe_state(result.folder)
    assert state["client"] == evil and state["consultant"] == "\\\"'\n"
    assert not (NOTEBOOKS_DIR / "PWNED").exists() and not (DATA / "PWNED").exists()


# --------------------------------------------------------------------------------------
# isolation: a fresh kernel per client
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("executor", ["fork", "launch"])
def test_state_set_by_one_report_is_invisible_in_the_next(tmp_path, executor):
    names = ["First client", "Second client", "Third client"]
    result = run(probe_items(names), tmp_path, workers=1, executor=executor)
    assert result.executor == executor
    states = [probe_state(r.folder) for r in result.results]
    for name, state in zip(names, states, strict=True):
        # every report found a pristine kernel: no global, sys attribute, module attribute,
        # environment variable, pandas option or matplotlib rcParam from the report before it
        assert {k: state[k] for k in CLEAN} == CLEAN, state
        assert state["client"] == name
    assert len({s["pid"] for s in states}) == len(names)  # one kernel process per report
    assert len({s["random"] for s in states}) == len(names)  # random generators reseeded
    assert len({s["np_random"] for s in states}) == len(names)
    for r in result.results:  # no client's name in another client's report
        text = ((r.folder / "report.html").read_text(encoding="utf-8")
                + (r.folder / "report.ipynb").read_text(encoding="utf-8"))
        assert [n for n in names if n in text] == [r.client]
    # and every kernel is gone once the batch is over
    deadline = time.time() + 5
    while time.time() < deadline and any(_process_alive(s["pid"]) for s in states):
        time.sleep(0.1)
    assert not any(_process_alive(s["pid"]) for s in states)


def test_fork_server_refuses_to_fork_a_threaded_process(tmp_path):
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "2"}  # OpenBLAS then starts a worker thread at import
    proc = subprocess.run([sys.executable, "-m", "cxassess.run.forkserver", "--runtime-dir", str(tmp_path)],
                          input="", capture_output=True, text=True, env=env, timeout=120)
    hello = json.loads(proc.stdout.splitlines()[0])
    assert hello["ok"] is False and "threads" in hello["error"] and proc.returncode == 1


DRIVER = """
import asyncio, os, sys, time
from cxassess.run.kernels import ForkedKernels

async def main():
    source = ForkedKernels(ahead=1, cwd=os.getcwd())
    await source.start()
    kernel = await source.acquire(os.getcwd())
    print(source.proc.pid, kernel.km._forked_pid, flush=True)
    time.sleep(600)

asyncio.run(main())
"""


def test_forked_kernels_die_with_the_driver(tmp_path):
    driver = subprocess.Popen([sys.executable, "-c", DRIVER], stdout=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        line = driver.stdout.readline()
        server_pid, kernel_pid = map(int, line.split())
        assert _process_alive(server_pid) and _process_alive(kernel_pid)
    finally:
        driver.send_signal(signal.SIGKILL)
        driver.wait(timeout=10)
    deadline = time.time() + 10
    while time.time() < deadline and (_process_alive(server_pid) or _process_alive(kernel_pid)):
        time.sleep(0.1)
    assert not _process_alive(server_pid) and not _process_alive(kernel_pid)


# --------------------------------------------------------------------------------------
# containment: a manifest's files stay in its folder (issue 18, item 12)
# --------------------------------------------------------------------------------------
SECRET = "TOPSECRET-LINE-1 hunter2"


@pytest.fixture
def hostile_manifest(tmp_path):
    """A manifest folder whose rows point out of it by ../, an absolute path and a symlink, and one good row."""
    folder, outside = tmp_path / "m", tmp_path / "outside"
    (folder / "sub").mkdir(parents=True)
    outside.mkdir()
    (folder / "mini.yaml").write_bytes(MINI_Q.read_bytes())
    (folder / "sub" / "ok.csv").write_bytes(MINI.read_bytes())
    secret = outside / "secret.csv"
    secret.write_text(f"{SECRET}\nsecond line\n", encoding="utf-8")
    (folder / "link.csv").symlink_to(Path("..") / "outside" / "secret.csv")
    manifest = folder / "manifest.csv"
    manifest.write_text("client,responses,questionnaire\n"
                        "Up,../outside/secret.csv,mini.yaml\n"
                        f"Absolute,{secret},mini.yaml\n"
                        "Link,link.csv,mini.yaml\n"
                        "Good,sub/ok.csv,mini.yaml\n", encoding="utf-8")
    return manifest, outside


def test_manifest_paths_outside_its_folder_are_refused(hostile_manifest):
    from cxassess.run.batch import read_manifest

    manifest, outside = hostile_manifest
    items = read_manifest(manifest, out_dir=manifest.parent / "out")
    assert [(i.client, i.request is None) for i in items] == [
        ("Up", True), ("Absolute", True), ("Link", True), ("Good", False)]
    for item, given in zip(items[:3], ["../outside/secret.csv", str(outside / "secret.csv"), "link.csv"], strict=True):
        assert f"responses {given!r} is outside the manifest's folder {manifest.parent}" in item.error
        assert "--allow-outside PATH" in item.error
    # a folder the user allows may be used, the symlink resolved to the file it points to
    allowed = read_manifest(manifest, out_dir=manifest.parent / "out", allow_outside=[outside])
    assert all(i.request is not None for i in allowed)
    assert {str(i.request.responses) for i in allowed[:3]} == {str((outside / "secret.csv").resolve())}


def test_a_file_that_is_not_responses_is_never_quoted(hostile_manifest, cli, tmp_path):
    manifest, outside = hostile_manifest
    out = tmp_path / "out"
    r = cli("batch", manifest, "--out", out, "--notebook", PROBE, "--format", "html", "--no-progress")
    assert r.returncode == 1 and r.stdout.count("is outside the manifest's folder") == 3, r.stdout + r.stderr
    assert SECRET not in r.stdout + r.stderr and SECRET not in (out / "index.html").read_text(encoding="utf-8")
    # allowed, the file is read and is not responses: the error says so without copying its first line
    r = cli("batch", manifest, "--out", out, "--notebook", PROBE, "--format", "html", "--no-progress",
            "--allow-outside", outside)
    assert r.returncode == 1 and "cannot tell the layout of the responses" in r.stdout, r.stdout + r.stderr
    index = (out / "index.html").read_text(encoding="utf-8")
    assert SECRET not in r.stdout + r.stderr and SECRET not in index and "hunter2" not in index


# --------------------------------------------------------------------------------------
# terminal escapes and bidi overrides are shown, never obeyed (issue 18, item 14)
# --------------------------------------------------------------------------------------
ESC = "\x1b]0;pwned\x07\x1b[2J"
RLO = "\u202e"


def test_validate_and_score_print_escape_sequences_escaped(cli, tmp_path):
    src = tmp_path / "r.csv"
    src.write_text("respondent_id,role,A1,A2,A3,B1,B2\n"
                   f"r1,lead{ESC},5,1,4,4,5\nr2,lead{ESC},4,2,3,3,4\nr3,lead{ESC},2,4,3,2,2\n"
                   f"r4,front,3,x{ESC}{RLO},3,1,3\n", encoding="utf-8")
    r = cli("validate", src, "--questionnaire", MINI_Q)
    shown = r.stdout + r.stderr
    assert "\x1b" not in shown and "\x07" not in shown and RLO not in shown
    assert "\\x1b]0;pwned\\x07\\x1b[2J\\u202e" in shown  # the bad cell, quoted as it is, escaped
    r = cli("score", src, "--questionnaire", MINI_Q, "--group-by", "role", "--on-error", "skip")
    shown = r.stdout + r.stderr
    assert r.returncode == 0, shown
    assert "\x1b" not in shown and RLO not in shown and "lead\\x1b]0;pwned" in shown


def test_bidi_override_in_a_client_name_is_visible_in_report_and_index(tmp_path):
    name = f"Acme {RLO}gnp.exe"
    result = run(probe_items([name]), tmp_path / "out")
    assert result.results[0].status == "ok", result.results[0].error
    report = (result.results[0].folder / "report.html").read_text(encoding="utf-8")
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    for page in (report, index):
        assert RLO not in page and "Acme \\u202egnp.exe" in page
    assert "<title>" in report and "Acme \\u202egnp.exe</title>" in report


def test_chart_labels_show_a_bidi_override_escaped(tmp_path):
    from cxassess.io.read import read_responses
    from cxassess.questionnaire.model import load_questionnaire
    from cxassess.report.charts import group_heatmap
    from cxassess.scoring.score import score

    src = tmp_path / "r.csv"
    src.write_text(MINI.read_text(encoding="utf-8").replace(",lead,", f",lead{RLO}x,"), encoding="utf-8")
    q = load_questionnaire(MINI_Q)
    fig = group_heatmap(score(read_responses(src, q), q, ["role"], min_group_size=1), "role")
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert any(t.startswith("lead\\u202ex (n=") for t in texts) and not any(RLO in t for t in texts)
