"""Fresh, isolated Jupyter kernels for reports, fast: a fork server, or plain kernel launches.

Every report runs in a kernel process of its own that has never run anything else and is killed
when the report is done; one kernel never serves two clients. Two ways to get such a kernel:

- :class:`ForkedKernels` (Linux, the default): a fork server (:mod:`cxassess.run.forkserver`) imports
  ipykernel, pandas, numpy and matplotlib once and forks a new kernel per report, one or more
  forked ahead; starting one costs milliseconds instead of about a second.
- :class:`LaunchedKernels`: ``jupyter_client`` launches ``python -m ipykernel_launcher`` per
  report, the classic way; used where fork is unavailable or refused.

Both also render PDFs (:meth:`pdf`): the fork server in a forked child that already imported
WeasyPrint, the launcher in a worker thread.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cxassess.errors import CxError, KernelStartError

if TYPE_CHECKING:
    from jupyter_client.connect import KernelConnectionInfo

STARTUP_TIMEOUT = 60.0

# Kernel clients start no heartbeat channel (hb=False). Our managers know whether their kernel lives (its
# pid for a forked kernel, the process for a launched one) and clients ask them, so the heartbeat
# thread only costs a thread, a socket and an event loop per report. Worse, jupyter_client's
# HBChannel sets ``_running = True`` when its thread starts running: a ``stop()`` that comes
# before that (Ctrl-C just after ``start_channels``: the cancelled start-up stops the channels at
# once) leaves the thread spinning with its exit event set, reopening a lingering REQ socket each
# turn, until the zmq context's 1023 sockets are used up: ``ZMQError: Too many open files`` from
# the thread (a traceback after "interrupted"; more likely on a loaded machine).


def fork_available() -> bool:
    return sys.platform.startswith("linux") and hasattr(os, "fork") and os.path.isdir("/proc/self/task")


# --------------------------------------------------------------------------------------
# kernel managers nbclient can drive
# --------------------------------------------------------------------------------------
def _process_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            state = fh.read().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except (OSError, IndexError):
        return False


def _forked_manager_class() -> type:
    from jupyter_client.manager import AsyncKernelManager

    class ForkedKernelManager(AsyncKernelManager):
        """A kernel manager for a kernel the fork server started: nbclient drives it like any other.

        Being a KernelManager matters: clients then ask it whether the kernel is alive instead of
        polling heartbeats with 0.2 s sleeps.
        """

        def setup(self, pid: int, connection: KernelConnectionInfo, kill: Any) -> None:
            self._forked_pid: int | None = pid
            self._kill = kill
            self.load_connection_info(connection)

        @property
        def has_kernel(self) -> bool:
            return getattr(self, "_forked_pid", None) is not None

        async def _async_is_alive(self) -> bool:
            pid = getattr(self, "_forked_pid", None)
            return pid is not None and _process_alive(pid)

        is_alive = _async_is_alive

        async def _async_interrupt_kernel(self) -> None:
            pid = getattr(self, "_forked_pid", None)
            if pid is not None and _process_alive(pid):
                os.kill(pid, signal.SIGINT)

        interrupt_kernel = _async_interrupt_kernel

        async def _async_shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
            pid = getattr(self, "_forked_pid", None)
            if pid is not None:
                self._forked_pid = None
                self._kill(pid)

        shutdown_kernel = _async_shutdown_kernel

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            return None

        cleanup_resources = _async_cleanup_resources

    return ForkedKernelManager


@dataclass
class Kernel:
    """A started, ready kernel leased for exactly one report."""

    km: Any
    kc: Any
    source: KernelSource

    async def release(self) -> None:
        """Stop the channels and kill the kernel at once (graceful shutdown only wastes time here)."""
        try:
            self.kc.stop_channels()
        finally:
            await self.source._kill(self)


class KernelSource:
    """Where reports get their kernels (and PDFs) from: ``start()``, ``acquire()``..., ``close()``."""

    kind = "base"

    async def start(self) -> None:
        """Prepare (nothing to do unless a subclass keeps a server)."""

    async def close(self) -> None:
        """Release what ``start`` prepared."""

    async def acquire(self, cwd: str) -> Kernel:  # pragma: no cover - interface
        raise NotImplementedError

    async def pdf(self, html_path: Path, pdf_path: Path) -> None:
        from cxassess.report.pdf import html_file_to_pdf

        await asyncio.to_thread(html_file_to_pdf, html_path, pdf_path)

    async def _kill(self, kernel: Kernel) -> None:
        await kernel.km.shutdown_kernel(now=True)


async def _ready(kc: Any, is_alive: Any, timeout: float = STARTUP_TIMEOUT) -> None:
    """Wait until the kernel answers on shell and its IOPub stream reaches us."""
    from queue import Empty

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        msg_id = kc.kernel_info()
        if inspect.isawaitable(msg_id):
            msg_id = await msg_id
        got_reply = False
        while loop.time() < deadline:
            try:
                msg = await kc.shell_channel.get_msg(timeout=0.5)
            except Empty:
                if not await is_alive():
                    raise KernelStartError("the report kernel died while starting") from None
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                got_reply = True
                break
        if got_reply:
            try:
                await kc.iopub_channel.get_msg(timeout=0.2)
            except Empty:
                continue  # IOPub not connected yet (slow joiner): ask again
            return
        if loop.time() >= deadline:
            raise CxError(f"the report kernel did not answer within {timeout:.0f} s")


class LaunchedKernels(KernelSource):
    """A new ``ipykernel`` process per report, launched by jupyter_client (portable, slower)."""

    kind = "launch"

    async def acquire(self, cwd: str) -> Kernel:
        from jupyter_client.manager import AsyncKernelManager

        from cxassess.run.forkserver import KERNEL_OPTIONS

        km = AsyncKernelManager(kernel_name="python3")
        await km.start_kernel(cwd=cwd, extra_arguments=[*KERNEL_OPTIONS, "--matplotlib=inline"])
        kc = km.client()
        kc.start_channels(hb=False)  # no heartbeat thread: see the note at the top
        try:
            await kc.wait_for_ready(timeout=STARTUP_TIMEOUT)
        except RuntimeError as exc:
            kc.stop_channels()
            await km.shutdown_kernel(now=True)
            raise CxError(f"the report kernel did not start: {exc}") from exc
        return Kernel(km, kc, self)


class ForkedServerProcess:
    """A fork server this process forked (:func:`fork_waiting`), with the parts of :class:`subprocess.Popen`
    the driver uses: ``pid``, ``stdin``, ``stdout``, ``poll()``, ``wait()``, ``kill()``."""

    def __init__(self, pid: int, to_server: int, from_server: int) -> None:
        self.pid = pid
        self.stdin = os.fdopen(to_server, "wb")
        self.stdout = os.fdopen(from_server, "rb")
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # already reaped: it has ended
                self.returncode = -1
            else:
                if pid:
                    self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"fork server {self.pid}", timeout or 0)
            time.sleep(0.005)
        assert self.returncode is not None
        return self.returncode

    def kill(self) -> None:
        if self.poll() is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


#: A fork server forked by :func:`fork_waiting`, waiting for the first :class:`ForkedKernels` to adopt it.
_WAITING: ForkedServerProcess | None = None


def fork_waiting() -> None:
    """Fork a fork server now that waits for its options: the next :class:`ForkedKernels` to start adopts it
    instead of starting ``python -m cxassess.run.forkserver`` (a second of imports).

    For a process that has imported and warmed the kernels' libraries and has no thread yet: a Dask worker
    at its birth (:mod:`cxassess.run.dask_preload`). Nothing happens where forking is unavailable or unsafe.
    """
    global _WAITING
    from cxassess.run.forkserver import fork_waiting_server

    if _WAITING is None and fork_available():
        try:
            _WAITING = ForkedServerProcess(*fork_waiting_server())
        except (OSError, RuntimeError):  # threads already, or no fork: servers start the usual way
            _WAITING = None


def _take_waiting() -> ForkedServerProcess | None:
    global _WAITING
    waiting, _WAITING = _WAITING, None
    return waiting if waiting is not None and waiting.poll() is None else None


class ForkedKernels(KernelSource):
    """Kernels forked from a warm fork server (see :mod:`cxassess.run.forkserver`)."""

    kind = "fork"

    def __init__(self, preload: Iterable[str] = (), ahead: int = 1, cwd: str | None = None,
                 warm: Iterable[str] = ()) -> None:
        self.preload = [m for m in preload if m.replace(".", "").replace("_", "").isalnum()]
        self.warm = [w for w in warm if w.replace(".", "").replace("_", "").replace(":", "").isalnum()]
        self.ahead = max(0, ahead)
        self.cwd = cwd
        self.proc: subprocess.Popen[bytes] | ForkedServerProcess | None = None
        self.runtime_dir = ""
        self._replies: asyncio.StreamReader | None = None
        self._reply_pipe: asyncio.BaseTransport | None = None
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._reader: asyncio.Task[None] | None = None
        self._manager_class: type | None = None
        self.hello: dict[str, Any] = {}

    def arguments(self) -> tuple[str, ...]:
        """The fork server's options (what it preloads, warms, forks ahead and where): also the key under
        which :func:`spawn_ahead` keeps a server for the source that will adopt it."""
        args = ("--preload", ",".join(self.preload), "--ahead", str(self.ahead), "--warm", ",".join(self.warm))
        return (*args, "--cwd", self.cwd) if self.cwd else args

    def spawn(self) -> None:
        """Start the fork server process now, without waiting for it (no event loop needed); :meth:`start`
        then waits for its hello. Its imports take a second or more, so starting it first saves that much.
        A server :func:`fork_waiting` forked is adopted instead: it has imported everything already."""
        if self.proc is not None:
            return
        from cxassess.run.forkserver import FORK_SAFE_ENV

        self.runtime_dir = tempfile.mkdtemp(prefix="cxassess-kernels-")
        waiting = _take_waiting()
        if waiting is not None:
            try:
                options = ["--runtime-dir", self.runtime_dir, *self.arguments()]
                waiting.stdin.write((json.dumps(options) + "\n").encode())
                waiting.stdin.flush()
                self.proc = waiting
                return
            except OSError:  # it has ended: start one the usual way
                _end_server(waiting)
        env = {**os.environ, **FORK_SAFE_ENV}
        with open(os.path.join(self.runtime_dir, "forkserver.log"), "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "cxassess.run.forkserver", "--runtime-dir", self.runtime_dir, *self.arguments()],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env=env)

    async def start(self) -> None:
        if self.proc is None:
            early = _SPAWNED.pop(self.arguments(), None)
            if early is not None and early.proc is not None and early.proc.poll() is None:
                self.proc, self.runtime_dir = early.proc, early.runtime_dir  # adopt the server spawned ahead
                early.proc, early.runtime_dir = None, ""
            elif early is not None:
                early.discard()
        self.spawn()
        assert self.proc is not None and self.proc.stdout is not None
        loop = asyncio.get_running_loop()
        self._replies = asyncio.StreamReader(limit=2**20)
        self._reply_pipe, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(self._replies), self.proc.stdout)  # type: ignore[arg-type]
        line = await self._replies.readline()
        self.hello = json.loads(line) if line.strip() else {"ok": False, "error": "the fork server did not start"}
        if not self.hello.get("ok"):
            error = self.hello.get("error") or self._log_tail()
            await self.close()
            raise CxError(f"fork server unavailable: {error}")
        self._reader = asyncio.create_task(self._read_replies())
        self._manager_class = _forked_manager_class()

    def discard(self) -> None:
        """Stop a server that was spawned but never started (blocking; a few milliseconds)."""
        proc, self.proc = self.proc, None
        if proc is not None:
            _end_server(proc)
        if self.runtime_dir:
            shutil.rmtree(self.runtime_dir, ignore_errors=True)
            self.runtime_dir = ""

    def _log_tail(self) -> str:
        try:
            text = Path(self.runtime_dir, "forkserver.log").read_text(encoding="utf-8", errors="replace")
            return text.strip().splitlines()[-1] if text.strip() else "no output"
        except OSError:
            return "no output"

    async def _read_replies(self) -> None:
        assert self._replies is not None
        while True:
            line = await self._replies.readline()
            if not line:
                break
            reply = json.loads(line)
            fut = self._waiting.pop(reply.get("id"), None)
            if fut is not None and not fut.done():
                fut.set_result(reply)
        error = CxError(f"the fork server stopped unexpectedly ({self._log_tail()})")
        for fut in self._waiting.values():
            if not fut.done():
                fut.set_exception(error)
        self._waiting.clear()

    def _send(self, obj: dict[str, Any]) -> None:
        if self.proc is None or self.proc.stdin is None or self.proc.poll() is not None:
            raise CxError("the fork server is not running")
        try:  # a short line into a pipe the server always reads: never blocks for long
            self.proc.stdin.write((json.dumps(obj) + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError):
            raise CxError("the fork server is not running") from None

    async def _request(self, obj: dict[str, Any]) -> dict[str, Any]:
        if self._reader is not None and self._reader.done():
            raise CxError(f"the fork server stopped unexpectedly ({self._log_tail()})")
        request_id = next(self._ids)
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[request_id] = fut
        self._send({**obj, "id": request_id})
        return await fut

    async def acquire(self, cwd: str, attempts: int = 3) -> Kernel:
        """A ready kernel; one that dies while starting is replaced (up to ``attempts`` tries)."""
        for attempt in range(1, attempts + 1):
            try:
                return await self._acquire_once(cwd)
            except KernelStartError:
                if attempt == attempts:
                    raise
        raise AssertionError("unreachable")

    async def _acquire_once(self, cwd: str) -> Kernel:
        reply = await self._request({"op": "kernel", "cwd": cwd, "ahead": self.ahead})
        if "pid" not in reply:
            raise CxError(f"the fork server could not start a kernel: {reply.get('error')}")
        assert self._manager_class is not None
        km = self._manager_class(kernel_name="python3")
        km.setup(reply["pid"], reply["connection"], self._send_kill)
        kc = km.client()
        kc.start_channels(hb=False)  # no heartbeat thread: see the note at the top
        try:
            await _ready(kc, km.is_alive)
        except BaseException:
            kc.stop_channels()
            await km.shutdown_kernel(now=True)
            raise
        return Kernel(km, kc, self)

    def _send_kill(self, pid: int) -> None:
        try:
            self._send({"op": "kill", "pid": pid})
        except CxError:
            pass

    async def pdf(self, html_path: Path, pdf_path: Path) -> None:
        reply = await self._request({"op": "pdf", "html": str(html_path), "pdf": str(pdf_path)})
        if not reply.get("ok"):
            raise CxError(f"PDF rendering failed: {reply.get('error') or 'unknown error'}")

    async def close(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            await asyncio.to_thread(_end_server, proc)
        if self._reader is not None:
            self._reader.cancel()
            try:
                await self._reader
            except (asyncio.CancelledError, Exception):  # noqa: BLE001
                pass
            self._reader = None
        if self._reply_pipe is not None:
            self._reply_pipe.close()
            self._reply_pipe = None
        if self.runtime_dir:
            shutil.rmtree(self.runtime_dir, ignore_errors=True)
            self.runtime_dir = ""


def _end_server(proc: subprocess.Popen[bytes] | ForkedServerProcess) -> None:
    """End of input: the fork server kills its children and exits (killed after 5 s if it does not)."""
    try:
        if proc.stdin is not None:
            proc.stdin.close()
    except OSError:
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


#: Fork servers started by :func:`spawn_ahead`, by their options, until a source with the same options adopts one.
_SPAWNED: dict[tuple[str, ...], ForkedKernels] = {}


def spawn_ahead(*, preload: Iterable[str] = (), ahead: int = 1, cwd: str | None = None,
                warm: Iterable[str] = ()) -> ForkedKernels | None:
    """Start a fork server now, for the :class:`ForkedKernels` with the same options that starts later
    (it adopts this one instead of starting its own); None where forking is unavailable.

    A batch calls this before reading its manifest, so the server's imports overlap the driver's.
    Call :func:`discard_spawned` afterwards: it stops the server if nothing adopted it.
    """
    if not fork_available():
        return None
    source = ForkedKernels(preload=preload, ahead=ahead, cwd=cwd, warm=warm)
    discard_spawned(_SPAWNED.pop(source.arguments(), None))
    source.spawn()
    _SPAWNED[source.arguments()] = source
    return source


def discard_spawned(source: ForkedKernels | None) -> None:
    """Stop a server from :func:`spawn_ahead` that no source adopted (nothing to do when one did)."""
    if source is None:
        return
    if _SPAWNED.get(source.arguments()) is source:
        del _SPAWNED[source.arguments()]
    source.discard()


async def open_kernel_source(executor: str = "auto", *, preload: Iterable[str] = (), ahead: int = 1,
                             cwd: str | None = None, warm: Iterable[str] = ()) -> KernelSource:
    """A started kernel source: ``fork`` (fork server), ``launch`` (plain kernels) or ``auto``.

    ``auto`` uses the fork server where the OS allows it and falls back to launched kernels,
    with a warning, when the server cannot start safely.
    """
    if executor not in ("auto", "fork", "launch"):
        raise CxError(f"unknown executor {executor!r}: expected auto, fork or launch")
    if executor in ("auto", "fork") and fork_available():
        source: KernelSource = ForkedKernels(preload=preload, ahead=ahead, cwd=cwd, warm=warm)
        try:
            await source.start()
            return source
        except CxError as exc:
            if executor == "fork":
                raise
            warnings.warn(f"{exc}; launching a plain kernel per report instead", RuntimeWarning, stacklevel=2)
    elif executor == "fork":
        raise CxError("the fork executor needs Linux; use --executor launch")
    source = LaunchedKernels()
    await source.start()
    return source
