"""The batch on Dask: a LocalCluster of 2 worker processes on 127.0.0.1, each with its own fork server.

Same scores.json as the local executor for the demo manifest, a fresh kernel per client on every
worker, a failing client that stops nothing, and a worker killed mid-report (retried once on another
worker, then named as failed).
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from probe import probe_state

from cxassess._util.paths import DEMO_DIR, NOTEBOOKS_DIR
from cxassess._util.safe import escape_html, slugify
from cxassess.report.request import ReportRequest
from cxassess.run.batch import BatchItem, batch, summary_table
from cxassess.run.dask import run_dask_batch

DATA = Path(__file__).parent / "data"
PROBE = DATA / "probe_report.ipynb"
MINI, MINI_Q = DATA / "mini_wide.csv", DATA / "mini.yaml"
CLEAN = {"global": None, "sys": None, "module": None, "env": None, "pandas": 60, "rcparam": 1.5}


@pytest.fixture(scope="module")
def cluster():
    import dask
    from distributed import Client, LocalCluster

    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=None, silence_logs=40)
    client = Client(cluster)  # the test's own view of the cluster (who runs what, worker pids)
    try:
        yield cluster, client
    finally:
        client.close()
        cluster.close()


def probe_items(names, responses=MINI) -> list[BatchItem]:
    return [BatchItem(n, ReportRequest(client=n, responses=responses, questionnaire=MINI_Q)) for n in names]


def run_on(cluster, items, out, **kw):
    kw.setdefault("formats", ["html"])
    kw.setdefault("notebook", PROBE)
    return run_dask_batch(items, out, scheduler=cluster[0].scheduler_address, progress=False, **kw)


def test_demo_manifest_gives_the_same_scores_as_the_local_executor(cluster, tmp_path):
    local = batch(DEMO_DIR / "manifest.csv", tmp_path / "local", formats=["html"], workers=2,
                  notebook=NOTEBOOKS_DIR / "report.ipynb", progress=False, executor="local")
    remote = batch(DEMO_DIR / "manifest.csv", tmp_path / "dask", formats=["html"], workers=2,
                   notebook=NOTEBOOKS_DIR / "report.ipynb", progress=False, executor="dask",
                   scheduler=cluster[0].scheduler_address)
    assert [r.status for r in remote.results] == ["ok", "ok", "ok"], summary_table(remote)
    assert remote.executor == "dask" and local.ok
    for r in local.results:
        here = (tmp_path / "local" / r.slug / "scores.json").read_bytes()
        there = (tmp_path / "dask" / r.slug / "scores.json").read_bytes()
        assert here == there, r.client  # the client's paths and input digests, not the worker's
        assert json.loads(there)["report"]["parameters"]["responses"] == str((DEMO_DIR / json.loads(there)[
            "report"]["parameters"]["responses"]).resolve())
        html = (tmp_path / "dask" / r.slug / "report.html").read_text(encoding="utf-8")
        assert r.client in html and "cxassess-dask-" not in html
        assert "cxassess-dask-" not in (tmp_path / "dask" / r.slug / "report.ipynb").read_text(encoding="utf-8")
    assert (tmp_path / "dask" / "index.html").is_file()
    # --resume trusts what the workers sent back: nothing to redo
    again = batch(DEMO_DIR / "manifest.csv", tmp_path / "dask", formats=["html"],
                  notebook=NOTEBOOKS_DIR / "report.ipynb",
                  progress=False, executor="dask", scheduler=cluster[0].scheduler_address, resume=True)
    assert [r.status for r in again.results] == ["skipped"] * 3


def test_every_client_gets_a_fresh_kernel_on_every_worker(cluster, tmp_path):
    names = [f"Client {i}" for i in range(6)]
    result = run_on(cluster, probe_items(names), tmp_path)
    assert [r.status for r in result.results] == ["ok"] * 6, summary_table(result)
    states = [probe_state(r.folder) for r in result.results]
    for name, state in zip(names, states, strict=True):
        assert {k: state[k] for k in CLEAN} == CLEAN, state
        assert state["client"] == name and state["respondents"] == 4
    assert len({s["pid"] for s in states}) == len(names)  # one kernel process per report
    assert len({s["random"] for s in states}) == len(names)
    for r in result.results:
        text = (r.folder / "report.html").read_text(encoding="utf-8") + (r.folder / "report.ipynb").read_text("utf-8")
        assert [n for n in names if f'"{n}"' in text or f">{n}<" in text] == [r.client]


def test_a_failing_client_never_stops_the_others(cluster, tmp_path):
    items = probe_items(["Alpha", "FAIL <b>bold</b>", "Beta"])
    items.insert(1, BatchItem("Missing", ReportRequest(client="Missing", responses=tmp_path / "nowhere.csv",
                                                       questionnaire=MINI_Q)))
    result = run_on(cluster, items, tmp_path / "out")
    status = {r.client: (r.status, r.error) for r in result.results}
    assert status["Alpha"] == ("ok", "") and status["Beta"] == ("ok", "")
    assert status["Missing"][0] == "failed" and "file not found" in status["Missing"][1]
    assert status["FAIL <b>bold</b>"] == (
        "failed",
        "FAIL <b>bold</b>: the report notebook failed: ValueError: probe failure requested by FAIL <b>bold</b>")
    assert not result.ok
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == sorted([slugify("Alpha"), slugify("Beta"), "index.html"])


def _slow_probe(tmp_path: Path, seconds: float) -> Path:
    """The probe notebook with a last cell that sleeps for clients called SLOW...: time to kill its worker."""
    nb = json.loads(PROBE.read_text(encoding="utf-8"))
    nb["cells"].append({"cell_type": "code", "id": "slow-down", "metadata": {}, "outputs": [], "execution_count": None,
                        "source": f"import time\nif client_name.startswith('SLOW'):\n    time.sleep({seconds})\n"})
    path = tmp_path / "slow_probe.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def _kill_worker_running(client, slug: str, deadline: float) -> int:
    """SIGKILL the worker process whose task renders ``slug`` as soon as one does; returns its pid."""
    while time.time() < deadline:
        for address, keys in client.processing().items():
            if any(f"-{slug}-" in str(k) for k in keys):
                pids = client.run(os.getpid, workers=[address])
                pid = pids[address]
                os.kill(pid, signal.SIGKILL)
                return int(pid)
        time.sleep(0.05)
    raise AssertionError(f"no worker started {slug}")


@pytest.mark.parametrize("kills", [1, 2])
def test_a_worker_killed_mid_report(cluster, tmp_path, kills):
    notebook = _slow_probe(tmp_path, 6)
    items = probe_items(["SLOW client", "Other 1", "Other 2"])
    found: dict[str, object] = {}

    def run() -> None:
        found["result"] = run_on(cluster, items, tmp_path / "out", notebook=notebook)

    thread = threading.Thread(target=run)
    thread.start()
    killed = []
    try:
        for _ in range(kills):
            # wait for the report to be running on a worker (after its kernel started), then kill that worker
            time.sleep(3)
            killed.append(_kill_worker_running(cluster[1], slugify("SLOW client"), time.time() + 120))
    finally:
        thread.join(timeout=300)
    result = found["result"]
    status = {r.client: (r.status, r.error) for r in result.results}
    assert status["Other 1"][0] == "ok" and status["Other 2"][0] == "ok"
    slow = tmp_path / "out" / slugify("SLOW client")
    if kills == 1:  # retried once on another worker: whole, from a kernel of a live worker
        assert status["SLOW client"] == ("ok", ""), summary_table(result)
        assert probe_state(slow)["client"] == "SLOW client"
    else:  # its second worker died too: named as failed, nothing half-written
        assert status["SLOW client"][0] == "failed" and "died" in status["SLOW client"][1]
        assert not slow.exists()
    assert not any(p.name.startswith(".") for p in (tmp_path / "out").iterdir())
    assert len(set(killed)) == kills  # a different worker process each time


def test_cli_embedded_cluster_exit_code_and_summary(tmp_path, cli):
    manifest = tmp_path / "m.csv"
    manifest.write_text("client,responses,questionnaire\n"
                        f"Alpha,{MINI},{MINI_Q}\nGone,gone.csv,{MINI_Q}\n", encoding="utf-8")
    res = cli("batch", manifest, "--out", tmp_path / "out", "--format", "html", "--notebook", PROBE,
              "--executor", "dask", "--workers", "1", "--no-progress", "--allow-outside", DATA)
    assert res.returncode == 1, res.stderr
    assert "1 rendered, 0 up to date (skipped), 1 failed" in res.stdout and "file not found" in res.stdout
    assert "Traceback" not in res.stderr
    assert probe_state(tmp_path / "out" / slugify("Alpha"))["client"] == "Alpha"


def test_ctrl_c_cancels_what_has_not_started_and_leaves_only_whole_reports(tmp_path):
    import subprocess
    import sys

    rows = "".join(f"Client {i},{MINI},{MINI_Q}\n" for i in range(12))
    manifest = tmp_path / "m.csv"
    manifest.write_text("client,responses,questionnaire\n" + rows, encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "cxassess", "batch", str(manifest), "--out", str(out),
                             "--format", "html", "--notebook", str(PROBE), "--executor", "dask", "--workers", "1",
                             "--no-progress", "--allow-outside", str(DATA)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 240
    while time.time() < deadline and not (out.is_dir() and any(not p.name.startswith(".") for p in out.iterdir())):
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err, err[-2000:]
    folders = sorted(out.iterdir())
    assert 1 <= len(folders) < 12  # stopped part-way: the later clients never ran
    for folder in folders:  # every folder left is a whole report, no temporary ones
        assert not folder.name.startswith(".")
        assert sorted(p.name for p in folder.iterdir()) == ["report.html", "report.ipynb", "scores.json"]


def test_kernel_lanes_are_the_workers_threads():
    from cxassess.run.dask import kernel_lanes

    assert [kernel_lanes(n) for n in (1, 2, 3, 4, 8)] == [1, 2, 3, 4, 8]
    assert kernel_lanes(None) == 1 and kernel_lanes("x") == 1 and kernel_lanes(0) == 1


def test_a_slow_report_holds_no_other_report_behind_it(tmp_path):
    """Sites differ in size: while one worker renders a long report, the other renders all the short ones.
    A task leaves its worker's thread pool once its kernel is done, so a worker is sent a report only when
    its kernel is free; before, a worker took three and one waited behind the long report's kernel."""
    notebook = _slow_probe(tmp_path, 12)
    items = probe_items(["SLOW client", *(f"Fast {i}" for i in range(5))])
    result = run_dask_batch(items, tmp_path / "out", workers=2, formats=["html"], notebook=notebook, progress=False)
    assert [r.status for r in result.results] == ["ok"] * 6, summary_table(result)
    published = {r.client: (r.folder / "scores.json").stat().st_mtime for r in result.results}
    slow = published.pop("SLOW client")
    assert max(published.values()) < slow - 3, {k: round(slow - v, 2) for k, v in published.items()}


def test_a_report_leaves_the_thread_pool_only_while_an_export_slot_is_free():
    """A worker slower to export than to run kernels (PDFs) takes no more reports than it exports: a report
    whose kernel is done keeps its thread (so the scheduler sends nothing new) until an export slot is free."""
    import concurrent.futures

    from cxassess.errors import CxError
    from cxassess.run.dask import ForkServerPlugin

    plugin = ForkServerPlugin(b"{}", ["html"])
    plugin.exporting = threading.Semaphore(1)  # one lane, as set up on a worker with one thread
    left: list[str] = []
    renders = {name: (concurrent.futures.Future(), threading.Event()) for name in ("first", "second")}
    results: dict[str, object] = {}

    def task(name: str) -> None:
        running, kernel_done = renders[name]
        results[name] = plugin.result_of(running, kernel_done, lambda: left.append(name))

    def until(condition) -> bool:
        deadline = time.time() + 10
        while not condition() and time.time() < deadline:
            time.sleep(0.01)
        return condition()

    threads = [threading.Thread(target=task, args=(name,)) for name in renders]
    for thread in threads:
        thread.start()
    time.sleep(0.2)
    assert left == []  # both kernels running: both hold their threads
    renders["first"][1].set()
    assert until(lambda: left == ["first"])
    renders["second"][1].set()
    time.sleep(0.3)
    assert left == ["first"]  # the first is still exporting: the second keeps its thread
    renders["first"][0].set_result("first's files")
    assert until(lambda: left == ["first", "second"])
    renders["second"][0].set_result("second's files")
    for thread in threads:
        thread.join(timeout=10)
    assert results == {"first": "first's files", "second": "second's files"}
    failed, done = concurrent.futures.Future(), threading.Event()
    failed.set_exception(CxError("bad input"))
    done.set()  # it failed before its kernel finished: nothing to leave, its error is the result
    with pytest.raises(CxError, match="bad input"):
        plugin.result_of(failed, done, lambda: left.append("failed"))
    assert left == ["first", "second"]


def test_a_request_without_a_questionnaire_leaves_it_unset_on_the_worker(tmp_path):
    from cxassess.run.dask import make_task
    from cxassess.run.renderer import Renderer

    renderer = Renderer(notebook=PROBE, formats=["html"])
    renderer.load()
    unset = make_task(ReportRequest(client="A", responses=MINI), renderer, PROBE.read_bytes(), 60)
    # as a local render: the notebook's default (or a session file's own), not the bundled file named
    assert "questionnaire" not in unset["files"] and unset["values"]["questionnaire"] is None
    assert unset["parameters"]["questionnaire"] is None
    assert list(unset["files"]) == ["responses"] and unset["files"]["responses"]["files"][0][0] == MINI.name
    given = make_task(ReportRequest(client="A", responses=MINI, questionnaire=MINI_Q), renderer, PROBE.read_bytes(), 60)
    assert given["files"]["questionnaire"] == {"files": [(MINI_Q.name, MINI_Q.read_bytes())],
                                               "original": str(MINI_Q.resolve())}
    assert "questionnaire" not in given["values"] and given["parameters"]["questionnaire"] == str(MINI_Q.resolve())


def test_restored_paths_keep_the_workers_scores_json_when_it_matches_and_rewrite_it_when_not():
    from cxassess.run.dask import restore_client_paths

    here, there = "/tmp/cxassess-dask-x/report-1/in/responses/a&b.csv", "/home/Zoë \"q\"/a&b.csv"
    nb_here, nb_there = "/tmp/cxassess-dask-x/notebook-1/report.ipynb", "/srv/report.ipynb"

    def scores(responses: str, notebook: str, digest: str) -> bytes:
        doc = {"client": "A", "report": {"parameters": {"responses": responses, "group_by": ["role"]},
                                         "inputs": {responses: "d1", notebook: digest}}}
        return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")

    task = {"parameters": {"responses": there, "group_by": ["role"]}, "digests": {there: "d1", nb_there: "d2"}}
    renames = [(here, there), (nb_here, nb_there)]
    files = {"scores.json": scores(here, nb_here, "d2"), "report.html": f"<p>{here}</p>".encode()}
    out = restore_client_paths(files, renames, task)
    assert out["scores.json"] == scores(there, nb_there, "d2")  # the text, as the local executor writes it
    assert out["report.html"] == f"<p>{there}</p>".encode()  # no JSON escapes in HTML
    html = f"<p>{escape_html(here)}</p>".encode()
    assert restore_client_paths({"report.html": html}, renames, task)["report.html"] == (
        f"<p>{escape_html(there)}</p>".encode())
    # another install's templates: the digest differs, so the client's own digests are written
    out = restore_client_paths({"scores.json": scores(here, nb_here, "other")}, renames, task)
    assert json.loads(out["scores.json"])["report"]["inputs"] == {there: "d1", nb_there: "d2"}
    assert out["scores.json"] == scores(there, nb_there, "d2")


@pytest.mark.parametrize("told", [True, False], ids=["kernels named", "kernels not named"])
def test_embedded_cluster_forks_preloaded_workers_that_start_their_fork_server_as_they_start(tmp_path, told):
    """Told the kernels' modules (as a batch does), the preloaded process imports them too and each worker forks
    its fork server at its birth (its own child, adopted by its plugin); otherwise the plugin starts one."""
    import sys
    from multiprocessing import forkserver

    import psutil
    from distributed import Client

    from cxassess.run.dask import PLUGIN_NAME, THREADS_PER_WORKER, ForkServerPlugin, start_cluster
    from cxassess.run.dask_forkserver import stop_forkserver
    from cxassess.run.renderer import Renderer

    plugin = ForkServerPlugin(PROBE.read_bytes(), ["html"])
    cluster = start_cluster(2, plugin, Renderer(notebook=PROBE, formats=["html"]).kernel_options() if told else None)
    try:
        with Client(cluster) as client:
            def state(dask_worker):
                mine = dask_worker.plugins[PLUGIN_NAME]
                servers = [r.source.proc for r in mine.renderers.values()]
                return {"preloaded": "cxassess.run.dask_preload" in sys.modules, "threads": dask_worker.state.nthreads,
                        "lanes": mine.lanes, "fork servers": [r.kind for r in mine.renderers.values()],
                        "parent": os.getppid(), "me": os.getpid(), "pandas": "pandas" in sys.modules,
                        "server": [type(p).__name__ for p in servers],
                        "server's parent": [psutil.Process(p.pid).ppid() for p in servers],
                        "server's program": [" ".join(psutil.Process(p.pid).cmdline()) for p in servers]}

            states = list(client.run(state).values())
    finally:
        cluster.close()
        stop_forkserver()
    assert len(states) == 2
    for s in states:  # set up before the worker joined: nothing was registered by a client
        assert {k: s[k] for k in ("preloaded", "threads", "lanes", "fork servers")} == {
            "preloaded": True, "threads": THREADS_PER_WORKER, "lanes": 1, "fork servers": ["fork"]}
        assert s["server's parent"] == [s["me"]]
        if told:  # forked from the worker as it was born: the kernels' libraries came with it
            assert s["server"] == ["ForkedServerProcess"] and s["pandas"] is True
            assert "cxassess.run.forkserver" not in s["server's program"][0]
        else:
            assert s["server"] == ["Popen"] and "-m cxassess.run.forkserver" in s["server's program"][0]
    assert states[0]["parent"] == states[1]["parent"] != os.getpid()  # both forked from the one preloaded process
    assert getattr(forkserver._forkserver, "_forkserver_pid", None) is None  # stopped and waited for


def test_a_dask_batch_with_nothing_to_render_stops_what_it_started_ahead(tmp_path):
    """The embedded cluster's preloaded process starts before the manifest is read; with nothing to render (every
    report up to date), no cluster starts and that process is stopped."""
    from multiprocessing import forkserver

    manifest = tmp_path / "m.csv"
    manifest.write_text(f"client,responses,questionnaire\nAlpha,{MINI},{MINI_Q}\n", encoding="utf-8")
    first = batch(manifest, tmp_path / "out", formats=["html"], notebook=PROBE, executor="dask", workers=1,
                  progress=False, allow_outside=[DATA])
    assert [r.status for r in first.results] == ["ok"]
    assert getattr(forkserver._forkserver, "_forkserver_pid", None) is None
    again = batch(manifest, tmp_path / "out", formats=["html"], notebook=PROBE, executor="dask", workers=1,
                  resume=True, progress=False, allow_outside=[DATA])
    assert [r.status for r in again.results] == ["skipped"]
    assert getattr(forkserver._forkserver, "_forkserver_pid", None) is None
