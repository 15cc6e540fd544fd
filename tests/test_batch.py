"""Batch rendering: manifests (CSV, YAML, split by client), failures that stop nothing, resume, index."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from probe import probe_state

from cxassess._util.paths import DEMO_DIR, NOTEBOOKS_DIR
from cxassess._util.safe import slugify
from cxassess.errors import CxError
from cxassess.run.batch import batch, read_manifest, summary_table

DATA = Path(__file__).parent / "data"
PROBE = DATA / "probe_report.ipynb"


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A manifest folder with the mini questionnaire and two responses files."""
    d = tmp_path / "in"
    (d / "sub").mkdir(parents=True)
    shutil.copy(DATA / "mini.yaml", d / "mini.yaml")
    shutil.copy(DATA / "mini_wide.csv", d / "sub" / "alpha.csv")
    rows = (DATA / "mini_wide.csv").read_text(encoding="utf-8").splitlines()
    (d / "beta.csv").write_text("\n".join(rows[:3]) + "\n", encoding="utf-8")  # header + 2 respondents
    return d


def write_manifest(d: Path, text: str, name: str = "manifest.csv") -> Path:
    path = d / name
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------
# reading manifests
# --------------------------------------------------------------------------------------
def test_csv_manifest_resolves_paths_against_its_folder_and_splits_group_by(workdir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # not the manifest's folder
    path = write_manifest(workdir, "client,responses,group_by,consultant,assessment_date,questionnaire\n"
                                   "Alpha,sub/alpha.csv,role; department ,Jo,2026-01-31,mini.yaml\n"
                                   "Beta,beta.csv,,,,mini.yaml\n")
    items = read_manifest(path, out_dir=tmp_path / "out", defaults={"consultant": "Default Co", "group_by": ["site"]})
    assert [i.client for i in items] == ["Alpha", "Beta"] and not any(i.error for i in items)
    a, b = (i.request for i in items)
    assert Path(a.responses) == workdir / "sub" / "alpha.csv" and Path(a.questionnaire) == workdir / "mini.yaml"
    assert a.group_by == ["role", "department"] and a.consultant == "Jo" and a.assessment_date == "2026-01-31"
    assert b.group_by == ["site"] and b.consultant == "Default Co" and b.assessment_date is None  # defaults fill blanks


def test_yaml_manifest(workdir, tmp_path):
    path = write_manifest(workdir, "- client: Alpha\n  responses: sub/alpha.csv\n  group_by: [role]\n"
                                   "  assessment_date: 2026-05-06\n  questionnaire: mini.yaml\n"
                                   "- {client: Beta, responses: beta.csv, min_group_size: 2}\n", "clients.yaml")
    items = read_manifest(path, out_dir=tmp_path)
    assert items[0].request.group_by == ["role"] and items[0].request.assessment_date == "2026-05-06"
    assert items[1].request.min_group_size == 2 and Path(items[1].request.responses) == workdir / "beta.csv"


def test_manifest_problems(workdir, tmp_path):
    with pytest.raises(CxError, match="manifest not found"):
        read_manifest(workdir / "nope.csv", out_dir=tmp_path)
    with pytest.raises(CxError, match=r"unknown column\(s\) 'group-by'"):
        read_manifest(write_manifest(workdir, "client,responses,group-by\nA,beta.csv,role\n"), out_dir=tmp_path)
    with pytest.raises(CxError, match="no 'client' column"):
        read_manifest(write_manifest(workdir, "name,responses\nA,beta.csv\n"), out_dir=tmp_path)
    with pytest.raises(CxError, match="list of clients"):
        read_manifest(write_manifest(workdir, "client: A\n", "m.yaml"), out_dir=tmp_path)
    # bad rows become failed items; the good ones stay
    items = read_manifest(write_manifest(workdir, "client,responses,assessment_date\n"
                                                  "A,beta.csv,\n,beta.csv,\nB,,\nC,beta.csv,31/12/2026\nA,beta.csv,\n"),
                          out_dir=tmp_path)
    assert [(i.client, bool(i.request)) for i in items] == [
        ("A", True), ("(manifest.csv row 3)", False), ("B", False), ("C", False), ("A", False)]
    assert items[1].error == "manifest.csv row 3: no client name"
    assert items[2].error == "manifest.csv row 4: no responses file"
    assert "row 5" in items[3].error and "YYYY-MM-DD" in items[3].error
    assert items[4].error == "manifest.csv row 6: client 'A' is listed twice (first at manifest.csv row 2)"


def test_responses_file_with_client_column_is_split(tmp_path):
    src = tmp_path / "all.csv"
    src.write_text("client,respondent_id,role,A1,A2,A3,B1,B2\n"
                   "Alpha,r1,lead,5,1,4,4,5\nBeta,r2,lead,4,2,3,3,4\nAlpha,r3,front,2,4,3,2,2\n"
                   ",r4,front,3,3,3,1,1\n", encoding="utf-8")
    out = tmp_path / "out"
    items = read_manifest(src, out_dir=out, defaults={"questionnaire": str(DATA / "mini.yaml"), "group_by": ["role"]})
    assert [i.client for i in items] == ["(no client)", "Alpha", "Beta"]
    assert items[0].error == "all.csv: 1 row(s) have no client name (rows 5); they were not reported"
    alpha = Path(items[1].request.responses)
    assert alpha == out / "_inputs" / f"{slugify('Alpha')}.csv"
    assert alpha.read_text(encoding="utf-8").splitlines() == [
        "respondent_id,role,A1,A2,A3,B1,B2", "r1,lead,5,1,4,4,5", "r3,front,2,4,3,2,2"]
    assert items[1].request.group_by == ["role"]
    # unchanged content is not rewritten (so --resume can trust the mtime)
    before = alpha.stat().st_mtime_ns
    time.sleep(0.01)
    read_manifest(src, out_dir=out, defaults={"questionnaire": str(DATA / "mini.yaml")})
    assert alpha.stat().st_mtime_ns == before


# --------------------------------------------------------------------------------------
# running
# --------------------------------------------------------------------------------------
def test_one_failing_client_never_stops_the_others(workdir, tmp_path):
    manifest = write_manifest(workdir, "client,responses,questionnaire\n"
                                       "Alpha,sub/alpha.csv,mini.yaml\n"
                                       "Missing,nowhere.csv,mini.yaml\n"
                                       "FAIL <b>bold</b>,beta.csv,mini.yaml\n"
                                       "Beta,beta.csv,mini.yaml\n")
    out = tmp_path / "out"
    result = batch(manifest, out, formats=["html"], workers=2, notebook=PROBE, progress=False)
    status = {r.client: (r.status, r.error) for r in result.results}
    assert status["Alpha"] == ("ok", "") and status["Beta"] == ("ok", "")
    assert status["Missing"][0] == "failed" and "file not found" in status["Missing"][1]
    assert status["FAIL <b>bold</b>"] == (
        "failed",
        "FAIL <b>bold</b>: the report notebook failed: ValueError: probe failure requested by FAIL <b>bold</b>")
    assert not result.ok
    assert probe_state(out / slugify("Alpha"))["respondents"] == 4
    assert probe_state(out / slugify("Beta"))["respondents"] == 2
    # the output folder holds the reports, the index and nothing half-written
    assert sorted(p.name for p in out.iterdir()) == sorted([slugify("Alpha"), slugify("Beta"), "index.html"])
    index = (out / "index.html").read_text(encoding="utf-8")
    assert f'href="{slugify("Alpha")}/report.html"' in index and f'href="{slugify("Beta")}/report.html"' in index
    assert "FAIL &lt;b&gt;bold&lt;/b&gt;" in index and "<b>bold" not in index
    table = summary_table(result)
    assert "2 rendered, 0 up to date (skipped), 2 failed" in table


def test_resume_skips_current_reports_and_redoes_changed_ones(workdir, tmp_path):
    manifest = write_manifest(workdir, "client,responses,questionnaire\n"
                                       "Alpha,sub/alpha.csv,mini.yaml\nBeta,beta.csv,mini.yaml\n")
    out = tmp_path / "out"
    first = batch(manifest, out, formats=["html"], workers=2, notebook=PROBE, progress=False)
    assert [r.status for r in first.results] == ["ok", "ok"]
    pids = {r.client: probe_state(r.folder)["pid"] for r in first.results}

    again = batch(manifest, out, formats=["html"], workers=2, notebook=PROBE, resume=True, progress=False)
    assert [r.status for r in again.results] == ["skipped", "skipped"]
    assert {r.client: probe_state(r.folder)["pid"] for r in again.results} == pids

    # a changed parameter re-renders; an input touched but unchanged does not
    later = time.time() + 5
    os.utime(workdir / "beta.csv", (later, later))
    manifest.write_text("client,responses,questionnaire,group_by\nAlpha,sub/alpha.csv,mini.yaml,role\n"
                        "Beta,beta.csv,mini.yaml,\n", encoding="utf-8")
    third = batch(manifest, out, formats=["html"], workers=1, notebook=PROBE, resume=True, progress=False)
    assert [r.status for r in third.results] == ["ok", "skipped"]
    # new content re-renders even when the file keeps an old date (as `cp -p`, unzip or rsync leave it)
    beta = workdir / "beta.csv"
    rows = (DATA / "mini_wide.csv").read_text(encoding="utf-8").splitlines()
    beta.write_text("\n".join(rows[:4]) + "\n", encoding="utf-8")  # one more respondent
    os.utime(beta, (0, 0))
    third = batch(manifest, out, formats=["html"], workers=1, notebook=PROBE, resume=True, progress=False)
    assert [r.status for r in third.results] == ["skipped", "ok"]
    assert probe_state(third.results[1].folder)["respondents"] == 3
    fourth = batch(manifest, out, formats=["html", "pdf"], workers=1, notebook=PROBE, resume=True, progress=False)
    assert [r.status for r in fourth.results] == ["ok", "ok"]  # the PDF was missing
    fifth = batch(manifest, out, formats=["html", "pdf"], workers=1, notebook=PROBE, resume=True, progress=False)
    assert [r.status for r in fifth.results] == ["skipped", "skipped"]


def test_cli_batch_exit_codes_summary_and_index(workdir, tmp_path, cli):
    good = write_manifest(workdir, "client,responses,questionnaire\nAlpha,sub/alpha.csv,mini.yaml\n")
    res = cli("batch", good, "--out", tmp_path / "ok", "--format", "html", "--notebook", PROBE, "--workers", "1")
    assert res.returncode == 0, res.stderr
    assert "1 rendered, 0 up to date (skipped), 0 failed" in res.stdout
    assert f"index: {tmp_path / 'ok' / 'index.html'}" in res.stdout

    bad = write_manifest(workdir, "client,responses,questionnaire\n"
                                  "Alpha,sub/alpha.csv,mini.yaml\nGone,gone.csv,mini.yaml\n",
                         "bad.csv")
    res = cli("batch", bad, "--out", tmp_path / "bad", "--format", "html", "--notebook", PROBE)
    assert res.returncode == 1
    assert "Gone" in res.stdout and "failed" in res.stdout and "file not found" in res.stdout
    assert "Traceback" not in res.stderr

    res = cli("batch", workdir / "none.csv", "--out", tmp_path / "x")
    assert res.returncode == 1 and "error: manifest not found" in res.stderr


def test_demo_manifest_with_the_real_notebook(tmp_path):
    result = batch(DEMO_DIR / "manifest.csv", tmp_path, formats=["html"], workers=2,
                   notebook=NOTEBOOKS_DIR / "report.ipynb", progress=False)
    assert [r.status for r in result.results] == ["ok", "ok", "ok"], summary_table(result)
    for r in result.results:
        html = (r.folder / "report.html").read_text(encoding="utf-8")
        assert r.client in html and "Demo Consulting" in html
        others = [o.client for o in result.results if o.client != r.client]
        assert not any(f'<h1 class="cx-client">{o}' in html for o in others)


def test_ctrl_c_stops_the_batch_and_leaves_only_whole_reports(workdir, tmp_path):
    import signal
    import subprocess
    import sys

    rows = "".join(f"Client {i},sub/alpha.csv,mini.yaml\n" for i in range(30))
    manifest = write_manifest(workdir, "client,responses,questionnaire\n" + rows)
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "cxassess", "batch", str(manifest), "--out", str(out),
                             "--format", "html", "--notebook", str(PROBE), "--workers", "1", "--no-progress"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            # a shell starting the test run in the background (`make test &`) hands its
                            # children SIGINT ignored; give the batch the disposition a terminal gives it
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 120
    while time.time() < deadline and not (out.is_dir() and any(not p.name.startswith(".") for p in out.iterdir())):
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err
    folders = sorted(out.iterdir())
    assert 1 <= len(folders) < 30  # stopped part-way: the later clients never ran
    for folder in folders:  # every folder left is a whole report, no temporary ones
        assert not folder.name.startswith(".")
        assert sorted(p.name for p in folder.iterdir()) == ["report.html", "report.ipynb", "scores.json"]


def test_yaml_manifest_values_are_the_text_written(tmp_path):
    (tmp_path / "a.csv").write_text("respondent_id,LEAD1\nR1,4\n", encoding="utf-8")
    manifest = tmp_path / "m.yaml"
    manifest.write_text("- {client: NO, responses: a.csv}\n- {client: 0012, responses: a.csv}\n"
                        "- {client: Half, responses: a.csv, min_group_size: 1.9}\n"
                        "- {client: Both, responses: a.csv, group_by: [role, site]}\n"
                        "- {client: [a, b], responses: a.csv}\n", encoding="utf-8")
    items = read_manifest(manifest)
    # YAML 1.1 would read NO as False and 0012 as the octal 10
    assert [i.client for i in items[:2]] == ["NO", "0012"] and not items[0].error and not items[1].error
    assert "min_group_size must be a whole number, got '1.9'" in items[2].error  # never rounded down to 1
    assert items[3].request.group_by == ["role", "site"]
    assert items[4].error == "m.yaml entry 5: client is a list; expected a single value"


def test_yaml_manifest_key_given_twice(tmp_path):
    manifest = tmp_path / "m.yaml"
    manifest.write_text("- client: A\n  responses: a.csv\n  client: B\n", encoding="utf-8")
    with pytest.raises(CxError, match="line 3, column 3: the key 'client' is given twice"):
        read_manifest(manifest)


def test_yaml_manifest_nulls_and_merge_keys(tmp_path):
    (tmp_path / "a.csv").write_text("respondent_id,LEAD1\nR1,4\n", encoding="utf-8")
    manifest = tmp_path / "m.yaml"
    # what yaml.safe_dump writes for None, and a shared block merged into an entry
    manifest.write_text("- {client: A, responses: a.csv, targets: null, consultant: ~}\n"
                        "- {client: 'null', responses: a.csv}\n", encoding="utf-8")
    first, second = read_manifest(manifest)
    assert first.error == "" and first.request.targets is None and first.request.consultant == ""
    assert second.client == "null"  # quoted: the text itself


def test_a_kernel_start_cancelled_at_once_leaves_no_channel_thread(tmp_path, monkeypatch):
    """Ctrl-C just after a kernel's channels start: the start-up stops them at once. jupyter_client's
    heartbeat thread, stopped before it ran, spun reopening sockets until 'ZMQError: Too many open
    files' (the flaky Ctrl-C test). Our clients start no thread at all, so nothing can outlive the start."""
    import asyncio
    import threading

    import cxassess.run.kernels as kernels

    before = set(threading.enumerate())
    started_with_channels: list[list[str]] = []
    running: set[threading.Thread] = set()  # once the fork server runs (asyncio watches it with a thread)

    async def cancelled_at_once(kc, is_alive, timeout=0.0):
        started_with_channels.append([t.name for t in set(threading.enumerate()) - running])
        raise asyncio.CancelledError  # what the interrupt delivers to the awaiting start-up

    errors: list[BaseException] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: errors.append(args.exc_value))
    monkeypatch.setattr(kernels, "_ready", cancelled_at_once)

    async def main() -> None:
        source = kernels.ForkedKernels(ahead=0, cwd=str(tmp_path))
        await source.start()
        running.update(threading.enumerate())
        try:
            for _ in range(3):
                with pytest.raises(asyncio.CancelledError):
                    await source.acquire(str(tmp_path))
        finally:
            await source.close()

    asyncio.run(main())
    time.sleep(0.5)  # a spinning heartbeat thread would fail within this
    assert started_with_channels == [[], [], []]  # no channel thread (the heartbeat was one)
    assert errors == []
    assert [t.name for t in set(threading.enumerate()) - before if t.is_alive()] == []


# --------------------------------------------------------------------------------------
# the fork server started ahead (while the manifest is read)
# --------------------------------------------------------------------------------------
def _fork_servers() -> list[int]:
    """Our own fork server processes still running (children of this test process)."""
    import psutil

    return [p.pid for p in psutil.Process().children(recursive=True)
            if p.status() != psutil.STATUS_ZOMBIE and "cxassess.run.forkserver" in " ".join(p.cmdline())]


@pytest.mark.skipif(not __import__("cxassess.run.kernels", fromlist=["x"]).fork_available(), reason="needs fork")
def test_a_fork_server_spawned_ahead_is_adopted_or_stopped(tmp_path):
    import asyncio

    from cxassess.run.kernels import ForkedKernels, discard_spawned, spawn_ahead

    early = spawn_ahead(ahead=0, cwd=str(tmp_path))
    assert early is not None and early.proc is not None
    pid, runtime = early.proc.pid, Path(early.runtime_dir)

    async def adopt() -> tuple[int, int]:
        source = ForkedKernels(ahead=0, cwd=str(tmp_path))  # the same options: it takes the running server
        await source.start()
        try:
            kernel = await source.acquire(str(tmp_path))
            await kernel.release()
            return source.hello["pid"], source.proc.pid
        finally:
            await source.close()

    assert asyncio.run(adopt()) == (pid, pid)
    discard_spawned(early)  # adopted: nothing left to stop
    assert not runtime.exists() and _fork_servers() == []

    unused = spawn_ahead(ahead=0, cwd=str(tmp_path / "elsewhere"))
    assert unused is not None and unused.proc is not None
    proc, runtime = unused.proc, Path(unused.runtime_dir)
    discard_spawned(unused)
    assert proc.poll() is not None and not runtime.exists() and _fork_servers() == []


WAITING_DRIVER = """
import asyncio, json, os, threading, time
from cxassess.run import kernels

def parent_of(pid):
    with open(f"/proc/{pid}/stat") as fh:
        return int(fh.read().rsplit(")", 1)[1].split()[1])

kernels.fork_waiting()  # no thread yet: forks a server that waits for its options
waiting = kernels._WAITING

async def main():
    source = kernels.ForkedKernels(ahead=0, cwd=os.getcwd())
    await source.start()
    kernel = await source.acquire(os.getcwd())
    msg_id, said = kernel.kc.execute("import os; print(os.getppid())"), ""
    while True:
        msg = await kernel.kc.get_iopub_msg(timeout=60)
        if msg["parent_header"].get("msg_id") == msg_id:
            said += msg["content"].get("text", "") if msg["msg_type"] == "stream" else ""
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
    server, kernel_pid = source.proc, kernel.km._forked_pid
    facts = {"adopted": server is waiting, "hello": source.hello["pid"], "server": server.pid, "me": os.getpid(),
             "server's parent": parent_of(server.pid), "kernel's parent": parent_of(kernel_pid),
             "the kernel says its parent is": int(said), "runtime": source.runtime_dir}
    await kernel.release()
    await source.close()
    facts["server ended"] = server.poll() is not None
    second = kernels.ForkedKernels(ahead=0, cwd=os.getcwd())  # the waiting server is taken: a new one starts
    second.spawn()
    facts["second"] = type(second.proc).__name__
    second.discard()
    threading.Thread(target=time.sleep, args=(1,)).start()
    kernels.fork_waiting()  # a thread now: forking is unsafe, so nothing is forked
    facts["forked with a thread"] = kernels._WAITING is not None
    print(json.dumps(facts))

asyncio.run(main())
"""


@pytest.mark.skipif(not __import__("cxassess.run.kernels", fromlist=["x"]).fork_available(), reason="needs fork")
def test_a_fork_server_forked_waiting_is_adopted_runs_kernels_and_ends_with_its_input(tmp_path):
    """A Dask worker forks its fork server at its birth (:func:`fork_waiting`): the first kernel source adopts it,
    sends it its options, and its kernels are its own children; closing the source ends it."""
    import json
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", WAITING_DRIVER], capture_output=True, text=True, cwd=tmp_path,
                          timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    facts = json.loads(proc.stdout.splitlines()[-1])
    assert facts["adopted"] is True
    assert facts["hello"] == facts["server"] != facts["me"]
    assert facts["server's parent"] == facts["me"]  # forked by the driver, not started as a new program
    assert facts["kernel's parent"] == facts["the kernel says its parent is"] == facts["server"]
    assert facts["server ended"] is True and not Path(facts["runtime"]).exists()
    assert facts["second"] == "Popen"
    assert facts["forked with a thread"] is False


KILLED_DRIVER = """
import asyncio, json, os, sys, time
from cxassess.run import kernels

if sys.argv[1] == "forked waiting":
    kernels.fork_waiting()

async def main():
    source = kernels.ForkedKernels(ahead=1, cwd=os.getcwd())
    await source.start()
    kernel = await source.acquire(os.getcwd())
    print(json.dumps({"server": source.proc.pid, "kernel": kernel.km._forked_pid, "runtime": source.runtime_dir,
                      "files": sorted(os.listdir(source.runtime_dir))}), flush=True)
    time.sleep(600)  # killed meanwhile, with no chance to close anything

asyncio.run(main())
"""


@pytest.mark.skipif(not __import__("cxassess.run.kernels", fromlist=["x"]).fork_available(), reason="needs fork")
@pytest.mark.parametrize("how", ["started", "forked waiting"])
def test_a_fork_server_whose_driver_is_killed_ends_its_kernels_and_removes_its_folder(tmp_path, how):
    """A Dask worker killed mid-report closes nothing: its fork server still kills its kernels and removes its
    runtime folder (the kernels' sockets, its log), which /tmp otherwise keeps, one per killed worker."""
    import json
    import signal
    import subprocess
    import sys

    import psutil

    def alive(pid: int) -> bool:
        try:
            return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    proc = subprocess.Popen([sys.executable, "-c", KILLED_DRIVER, how], stdout=subprocess.PIPE, text=True,
                            cwd=tmp_path)
    try:
        facts = json.loads(proc.stdout.readline())
        assert alive(facts["server"]) and alive(facts["kernel"]) and "forkserver.log" in facts["files"]
        assert len(facts["files"]) > 2  # the kernels' sockets (or connection files) too
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        deadline = time.time() + 30
        while time.time() < deadline and (Path(facts["runtime"]).exists() or alive(facts["server"])):
            time.sleep(0.05)
        assert not Path(facts["runtime"]).exists()
        assert not alive(facts["server"]) and not alive(facts["kernel"])
    finally:
        proc.kill()
        proc.wait()


def test_a_batch_with_nothing_to_render_leaves_no_fork_server(workdir, tmp_path):
    manifest = write_manifest(workdir, "client,responses\nGhost,missing.csv\n")
    result = batch(manifest, tmp_path / "out", notebook=PROBE, progress=False)
    assert [r.status for r in result.results] == ["failed"]
    assert _fork_servers() == []
