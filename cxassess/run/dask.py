"""A batch on a Dask cluster: each worker renders reports with its own fork server; no shared files.

The client (this process) reads the manifest, decides what to render (``--resume`` as locally) and
sends each client's inputs as bytes with its task: responses, questionnaire, targets, customer
metrics, the invited-counts file and the notebook template. A worker writes them to a temporary
folder, renders with a :class:`~cxassess.run.renderer.Renderer` whose fork server the
:class:`ForkServerPlugin` started once for that worker (so each client still gets a fresh kernel),
and sends the report's files back as bytes, with the client's own paths and input digests restored
in ``scores.json`` and the executed notebook. The client publishes each report atomically under
``DIR`` as a local batch does.

A worker that dies mid-report: the scheduler gives its task to another worker once (the embedded
cluster runs with ``allowed-failures`` 1; set ``DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES=1`` on
a real scheduler), then the client names that client as failed (:class:`distributed.KilledWorker`).
Ctrl-C cancels what has not started; only whole reports are left.

Start-up, which a batch of a few dozen reports feels: the process the embedded cluster's workers are
forked from starts before the manifest is read (:mod:`cxassess.run.dask_forkserver`) and imports, once for all of them,
the workers' modules and the kernels' libraries (:mod:`cxassess.run.dask_preload`); the cluster itself
(:class:`Connection`) starts in a background thread while the client hashes the inputs. Each worker forks
its fork server at its birth, ready at once, and its plugin adopts it (the plugin is given at creation;
on a real scheduler, registered, and the fork server started the usual way).
A worker thread is a kernel lane (:func:`kernel_lanes`): a task leaves the thread pool once its kernel is
done (:func:`render_task`), so the report exports and travels back while the next one's kernel runs, as
the local executor's lanes do, and no report waits behind another's kernel while a worker is free.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from distributed import WorkerPlugin

from cxassess._util.safe import escape_html
from cxassess.errors import CxError
from cxassess.report.publish import FORMATS, ReportResult, one_line, parse_formats, publish, temporary_folder
from cxassess.report.request import ReportRequest
from cxassess.run.dask_forkserver import ensure_forkserver, stop_forkserver
from cxassess.run.renderer import CELL_TIMEOUT, Renderer

PLUGIN_NAME = "cxassess-forkserver"
#: Request fields that name input files (sent as bytes, renamed back in the outputs).
FILE_FIELDS = ("responses", "questionnaire", "targets", "customer_metrics", "invited")
#: What travels with a request unchanged.
PLAIN_FIELDS = ("group_by", "assessment_date", "consultant", "min_group_size", "store")


# --------------------------------------------------------------------------------------
# on the workers
# --------------------------------------------------------------------------------------
class ForkServerPlugin(WorkerPlugin):
    """A Dask worker plugin: one event loop thread and one fork server per worker, for its whole life.

    ``setup`` starts the renderer (and so the fork server) for the batch's notebook and formats;
    ``teardown`` closes it with the worker. Registered by the client with ``Client.register_plugin``:
    nothing to install on workers beyond the package.
    """

    name = PLUGIN_NAME
    idempotent = False

    def __init__(self, notebook: bytes, formats: Iterable[str], timeout: int = CELL_TIMEOUT) -> None:
        self.notebook = notebook
        self.formats = parse_formats(formats)
        self.timeout = timeout
        self.lanes = 1
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread: threading.Thread | None = None
        self.workdir = ""
        self.renderers: dict[tuple[str, tuple[str, ...], int], Renderer] = {}
        self.lock: threading.Lock | None = None  # made on the worker: the plugin travels pickled
        self.exporting: threading.Semaphore | None = None  # reports exporting outside the thread pool

    async def setup(self, worker: Any) -> None:
        """Start the fork server without blocking the worker's event loop (its heartbeats go on)."""
        self.lanes = kernel_lanes(getattr(getattr(worker, "state", None), "nthreads", 1))
        # inside the worker's own directory: Dask removes it with the worker, and a dead worker's at the next start
        local = getattr(worker, "local_directory", None)
        self.workdir = tempfile.mkdtemp(prefix="cxassess-dask-", dir=local if local and os.path.isdir(local) else None)
        self.lock = threading.Lock()
        self.exporting = threading.Semaphore(self.lanes)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="cxassess-renderer", daemon=True)
        self.thread.start()
        try:  # the fork server starts now, once
            await asyncio.to_thread(self.renderer, self.notebook, self.formats, self.timeout)
        except Exception:  # noqa: BLE001 - the worker stays up: each task tries again and names the error
            pass

    def teardown(self, worker: Any) -> None:
        loop, self.loop = self.loop, None
        if loop is not None:
            for renderer in self.renderers.values():
                try:
                    asyncio.run_coroutine_threadsafe(renderer.__aexit__(None, None, None), loop).result(timeout=30)
                except Exception:  # noqa: BLE001 - the worker is going anyway; its children die with it
                    pass
            loop.call_soon_threadsafe(loop.stop)
            if self.thread is not None:
                self.thread.join(timeout=10)
        self.renderers.clear()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def renderer(self, notebook: bytes, formats: tuple[str, ...], timeout: int) -> Renderer:
        """The started renderer for this notebook and these formats (one fork server each)."""
        key = (hashlib.sha256(notebook).hexdigest(), tuple(formats), int(timeout))
        assert self.lock is not None, "the plugin is not set up"
        with self.lock:
            if key not in self.renderers:
                assert self.loop is not None, "the plugin is not set up"
                folder = Path(self.workdir, f"notebook-{key[0][:16]}")
                folder.mkdir(exist_ok=True)
                (folder / "report.ipynb").write_bytes(notebook)
                renderer = Renderer(notebook=folder / "report.ipynb", formats=formats, lanes=self.lanes,
                                    timeout=timeout)
                asyncio.run_coroutine_threadsafe(renderer.__aenter__(), self.loop).result()
                self.renderers[key] = renderer
            return self.renderers[key]

    def render(self, task: dict[str, Any], executed: Callable[[], None] | None = None) -> dict[str, Any]:
        """Render one task (see :func:`make_task`): ``{"status", "error", "files", "seconds", "worker_pid"}``.

        ``executed``: called in this thread once the report's kernel is done (:func:`render_task` secedes there).
        """
        assert self.loop is not None, "the plugin is not set up"
        work = Path(tempfile.mkdtemp(dir=self.workdir, prefix="report-"))
        try:
            fields: dict[str, Any] = dict(task["plain"])
            renames: list[tuple[str, str]] = []  # (path on this worker, path on the client)
            for role, entry in task["files"].items():
                folder = work / "in" / role
                folder.mkdir(parents=True)
                for name, data in entry["files"]:
                    (folder / name).write_bytes(data)
                here = str((folder / entry["files"][0][0]).resolve())
                fields[role] = here
                renames.append((here, entry["original"]))
            for role, value in task["values"].items():
                fields[role] = value
            req = ReportRequest(client=task["client"], **fields)
            renderer = self.renderer(task["notebook"], tuple(task["formats"]), int(task["timeout"]))
            renames.append((str(renderer.notebook_path), task["notebook_path"]))
            kernel_done = threading.Event()
            running = asyncio.run_coroutine_threadsafe(
                renderer.render(req, work / "out", executed=kernel_done.set), self.loop)
            running.add_done_callback(lambda _: kernel_done.set())
            try:
                result = self.result_of(running, kernel_done, executed)
            except CxError as exc:
                return {"status": "failed", "error": one_line(str(exc)), "worker_pid": os.getpid()}
            except Exception as exc:  # noqa: BLE001 - named as this client's failure; the others go on
                return {"status": "failed", "error": one_line(f"{type(exc).__name__}: {exc}"),
                        "worker_pid": os.getpid()}
            files = {p.name: p.read_bytes() for p in sorted(result.folder.iterdir()) if p.is_file()}
            return {"status": "ok", "error": "", "files": restore_client_paths(files, renames, task),
                    "seconds": result.seconds, "worker_pid": os.getpid()}
        finally:
            shutil.rmtree(work, ignore_errors=True)


    def result_of(self, running: concurrent.futures.Future[Any], kernel_done: threading.Event,
                  executed: Callable[[], None] | None) -> Any:
        """The render's result; ``executed`` is called once its kernel is done, but only while fewer than
        ``lanes`` of this worker's reports are exporting: a worker slower to export than to run kernels (PDFs)
        takes no more reports than it exports, as the local executor's lanes."""
        kernel_done.wait()
        if executed is None or running.done():
            return running.result()
        assert self.exporting is not None, "the plugin is not set up"
        with self.exporting:
            executed()
            return running.result()


def render_task(task: dict[str, Any]) -> dict[str, Any]:
    """The function each Dask task runs: render with this worker's plugin.

    Once the report's kernel is done, the task leaves the worker's thread pool (:func:`distributed.secede`):
    its thread is the worker's kernel lane, and the scheduler, which counts a worker's free threads, sends it
    the next report while this one exports and travels back. So a report waits in the scheduler's queue or in
    a worker's (one at most, which Dask's work stealing can move to a free worker), never in a thread behind
    a running kernel."""
    from distributed import get_worker, secede

    plugin = get_worker().plugins.get(PLUGIN_NAME)
    if not isinstance(plugin, ForkServerPlugin):
        raise CxError("this Dask worker has no cxassess fork server plugin (register it with the client)")
    return plugin.render(task, executed=secede)


def kernel_lanes(threads: Any) -> int:
    """Kernels a worker runs at once: one per thread (at least one); a report exports outside the thread
    pool (:func:`render_task`)."""
    try:
        return max(1, int(threads))
    except (TypeError, ValueError):
        return 1


def _json_forms(path: str) -> tuple[str, ...]:
    """How a path appears inside a JSON string: escaped as written with and without ``ensure_ascii``, and
    as HTML inside JSON (a notebook's HTML outputs)."""
    return (json.dumps(path, ensure_ascii=False)[1:-1], json.dumps(path)[1:-1],
            json.dumps(escape_html(path), ensure_ascii=False)[1:-1])


def _html_forms(path: str) -> tuple[str, ...]:
    """How a path appears in HTML: escaped, or as it is (a script's text)."""
    return escape_html(path), path


def restore_client_paths(files: dict[str, bytes], renames: Sequence[tuple[str, str]],
                         task: dict[str, Any]) -> dict[str, bytes]:
    """The outputs as the client would have made them: its paths in the parameters and the notebook,
    its input digests in ``scores.json`` (what ``--resume`` compares).

    The paths are replaced in the text; ``scores.json`` is written again only when its parameters or
    digests still differ from the client's (another install's templates): dumping it costs ~15 ms."""
    out = dict(files)
    for name, forms in (("report.ipynb", _json_forms), ("report.html", _html_forms), ("scores.json", _json_forms)):
        if name in out:
            text = out[name].decode("utf-8")
            for here, original in renames:
                for old, new in zip(forms(here), forms(original), strict=True):
                    text = text.replace(old, new)
            out[name] = text.encode("utf-8")
    if "scores.json" in out:
        doc = json.loads(out["scores.json"])
        if doc["report"].get("parameters") != task["parameters"] or doc["report"].get("inputs") != task["digests"]:
            doc["report"]["parameters"] = task["parameters"]
            doc["report"]["inputs"] = task["digests"]
            out["scores.json"] = (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    return out


# --------------------------------------------------------------------------------------
# on the client
# --------------------------------------------------------------------------------------
def make_task(req: ReportRequest, renderer: Renderer, notebook: bytes, timeout: int) -> dict[str, Any]:
    """Everything a worker needs for one report, as bytes and plain values (no path is shared)."""
    parameters = renderer._parameters(req)  # the names the notebook takes, checked here first
    files: dict[str, Any] = {}
    values: dict[str, Any] = {}
    originals = dict(zip(("responses", "questionnaire"), req.input_files()[:2], strict=True))
    for role in FILE_FIELDS:
        value = getattr(req, role)
        path = originals.get(role) or (Path(str(value)) if value not in (None, "") else None)
        if role == "invited" and (value is None or str(value).strip().isdigit() or not str(value).strip()):
            values[role] = value
            continue
        if role == "questionnaire" and not value:
            # none given: the worker leaves it unset too, as a local render does (the notebook's default, or a
            # session file's own questionnaire); shipping the default would name it in the parameters, so each
            # scores.json was parsed and dumped again (restore_client_paths) and a session on its own
            # questionnaire was checked against the bundled one
            values[role] = None
            continue
        if path is None:
            continue
        if not path.is_file():
            raise CxError(f"{req.client}: file not found: {path}")
        shipped = [(path.name, path.read_bytes())]
        wal = Path(f"{path}-wal")  # a workshop session's newest answers may still be in its write-ahead log
        if wal.is_file():
            shipped.append((wal.name, wal.read_bytes()))
        files[role] = {"files": shipped, "original": str(path.expanduser().resolve())}
    return {"client": req.client, "plain": {f: getattr(req, f) for f in PLAIN_FIELDS}, "files": files,
            "values": values, "notebook": notebook, "notebook_path": str(renderer.notebook_path),
            "formats": list(renderer.formats), "timeout": timeout,
            "parameters": parameters, "digests": renderer.input_digests(req)}


def publish_files(out: Path, slug: str, files: dict[str, bytes]) -> Path:
    """Write a report's files beside ``DIR/<slug>`` and rename the whole folder into place."""
    final = out / slug
    if final.resolve().parent != out.resolve():
        raise CxError(f"unsafe output folder name {slug!r}")
    tmp = temporary_folder(out, slug)
    try:
        for name, data in files.items():
            if Path(name).name != name or name.startswith("."):
                raise CxError(f"{slug}: a worker sent an unsafe file name {name!r}")
            (tmp / name).write_bytes(data)
        publish(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


#: Threads of each embedded worker: one kernel at a time (:func:`kernel_lanes`); exports run beside it.
THREADS_PER_WORKER = 1
#: Dask settings of the embedded cluster (its workers get them from their nannies, restarted ones too):
#: a task is retried once; workers forked (see :func:`start_cluster`); no statistical profiler (it samples
#: every thread every 10 ms for a dashboard that is off) and the event-loop check every second, not
#: every 20 ms: together they halve an idle cluster's CPU (0.086 to 0.041 CPU-s a second, 2 workers).
EMBEDDED_CONFIG: dict[str, Any] = {
    "distributed.scheduler.allowed-failures": 1,
    "distributed.worker.multiprocessing-method": "forkserver",
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
}


def start_cluster(workers: int, plugin: ForkServerPlugin, kernels: dict[str, Any] | None = None) -> Any:
    """An embedded LocalCluster of ``workers`` processes on 127.0.0.1 (dashboard off), each starting its
    fork server as it starts (``plugin``); the workers are forked from one process that imported
    :mod:`cxassess.run.dask_preload` (multiprocessing's ``forkserver`` method; :func:`ensure_forkserver`), not each
    started from scratch."""
    import dask
    from distributed import LocalCluster

    with dask.config.set(EMBEDDED_CONFIG):
        ensure_forkserver(kernels)
        return LocalCluster(n_workers=workers, threads_per_worker=THREADS_PER_WORKER, processes=True,
                            host="127.0.0.1", dashboard_address=None, silence_logs=40, plugins=(plugin,))


class Connection:
    """The batch's Dask client: on the cluster at ``scheduler`` (the plugin registered there), or on an
    embedded cluster (:func:`start_cluster`) that :meth:`start` begins in a background thread, so its
    workers and fork servers start while this process reads and hashes the inputs."""

    def __init__(self, scheduler: str | None, workers: int, plugin: ForkServerPlugin,
                 kernels: dict[str, Any] | None = None) -> None:
        self.scheduler = scheduler
        self.workers = max(1, int(workers))
        self.plugin = plugin
        self.kernels = kernels
        self.client: Any = None
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._cluster: concurrent.futures.Future[Any] | None = None

    def start(self) -> None:
        """Begin starting the embedded cluster (nothing to do with a scheduler address)."""
        if not self.scheduler and self._cluster is None:
            self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="cxassess-cluster")
            self._cluster = self._pool.submit(start_cluster, self.workers, self.plugin, self.kernels)

    def open(self) -> Any:
        """The connected client (waits for the embedded cluster)."""
        from distributed import Client

        if self.scheduler:
            try:
                self.client = Client(self.scheduler, timeout="30s")
            except OSError as exc:
                raise CxError(f"cannot reach the Dask scheduler at {self.scheduler}: {exc}") from None
            self.client.register_plugin(self.plugin, name=PLUGIN_NAME)
        else:
            self.start()
            assert self._cluster is not None
            self.client = Client(self._cluster.result())
        return self.client

    def close(self) -> None:
        """Close the client and the embedded cluster (after its start, if that is still going on)."""
        client, self.client = self.client, None
        if client is not None:
            client.close()
        started, self._cluster = self._cluster, None
        if started is not None:
            try:
                cluster = started.result()
            except Exception:  # noqa: BLE001 - it never started: nothing to close
                cluster = None
            if cluster is not None:
                cluster.close()
                stop_forkserver()
        if self._pool is not None:
            self._pool.shutdown(wait=False)
            self._pool = None


def run_dask_batch(items: Sequence[Any], out_dir: Path | str, *, formats: Iterable[str] = FORMATS,
                   workers: int = 2, resume: bool = False, notebook: Path | str | None = None,
                   timeout: int = CELL_TIMEOUT, progress: bool | None = None, scheduler: str | None = None,
                   options: Any = None) -> Any:
    """Render every item on Dask (see the module docstring); returns a :class:`~cxassess.run.batch.BatchResult`."""
    from distributed import as_completed

    from cxassess.run.batch import BatchResult, progress_bar, settle, write_index

    if options is not None and getattr(options, "pptx_template", None) is not None:
        raise CxError("a PowerPoint template is not sent to Dask workers yet; use the local executor for it")
    started = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    renderer = Renderer(notebook=notebook, formats=formats, timeout=timeout)
    renderer.load()
    notebook_bytes = renderer.notebook_path.read_bytes()
    connection = Connection(scheduler, workers, ForkServerPlugin(notebook_bytes, renderer.formats, timeout),
                            kernels=renderer.fork_options())
    if not resume and any(item.request is not None for item in items):
        connection.start()  # with --resume, only once something is left to render
    bar: Any = None
    futures: dict[Any, int] = {}
    try:
        results, todo = settle(items, renderer, out, resume)
        tasks: dict[int, dict[str, Any]] = {}
        for i in todo:
            item = items[i]
            assert item.request is not None  # settle() leaves only items with a request to do
            try:
                tasks[i] = make_task(item.request, renderer, notebook_bytes, timeout)
            except CxError as exc:
                results[i] = ReportResult(item.client, item.slug, out / item.slug, "failed", one_line(str(exc)))
        bar = progress_bar(len(items), progress)
        bar.update(len(items) - len(tasks))
        if tasks:
            client = connection.open()
            submitted = time.perf_counter()
            for i, task in tasks.items():
                key = f"cxassess-report-{i}-{items[i].slug}-{os.urandom(4).hex()}"
                futures[client.submit(render_task, task, key=key, retries=1, pure=False)] = i
            for future in as_completed(list(futures)):
                i = futures[future]
                results[i] = collect(items[i], future, out, time.perf_counter() - submitted)
                bar.update(1)
    except BaseException:
        if connection.client is not None:  # what has not started never will
            connection.client.cancel([f for f in futures if not f.done()], force=True)
        raise
    finally:
        if bar is not None:
            bar.close()
        connection.close()
    final = [r for r in results if r is not None]
    batch = BatchResult(final, time.perf_counter() - started, "dask")
    batch.index = write_index(out, final)
    return batch


def collect(item: Any, future: Any, out: Path, seconds: float) -> ReportResult:
    """A finished task's report, published under ``out``, or its failure (a worker that died twice: named so)."""
    from distributed import KilledWorker

    try:
        payload = future.result()
    except KilledWorker:
        payload = {"status": "failed", "error": "the Dask worker rendering it died, and again on another worker: "
                                                "not rendered"}
    except Exception as exc:  # noqa: BLE001 - one client's failure never stops the others
        payload = {"status": "failed", "error": one_line(f"{type(exc).__name__}: {exc}")}
    if payload["status"] != "ok":
        return ReportResult(item.client, item.slug, out / item.slug, "failed", payload["error"], seconds=seconds)
    folder = publish_files(out, item.slug, payload["files"])
    return ReportResult(item.client, item.slug, folder, "ok", files={n: folder / n for n in payload["files"]},
                        seconds=float(payload.get("seconds", seconds)))
