"""A fork server: one process that imports the heavy libraries once and forks a fresh kernel per report.

Starting a Python kernel and importing pandas/matplotlib in it costs about a second of CPU per
report. This process pays that once: it imports ipykernel, IPython, numpy, pandas, matplotlib (and
whatever else the driver asks it to preload) and warms their caches (:mod:`cxassess.run.warmup`),
then forks a brand-new IPython kernel for every report. Each fork is a separate process that has
never run any client's code, so isolation is the same as with a freshly launched kernel; the parent
itself never executes client code.

It also forks short-lived children that turn a report's HTML into PDF with WeasyPrint (imported
once here), so PDF work runs in parallel with the kernels.

Protocol: one JSON object per line. The driver (:mod:`cxassess.run.kernels`) writes requests to the
server's input (its stdin, or a pipe) and reads replies from its output (stdout, or a pipe):

- ``{"op": "kernel", "id": N, "cwd": DIR}`` -> ``{"id": N, "pid": P, "connection": {...}}``
- ``{"op": "pdf", "id": N, "html": FILE, "pdf": FILE}`` -> ``{"id": N, "ok": bool, "error": str}``
- ``{"op": "kill", "pid": P}`` (no reply); end of input: kill every child and exit.

The first line written is a hello: ``{"op": "hello", "ok": true, ...}`` or ``"ok": false`` with the
reason (for example: a library started a thread, and forking a threaded process is unsafe).

Two ways to start one: ``python -m cxassess.run.forkserver OPTIONS`` (imports everything itself), or
:func:`fork_waiting_server`: forked from a process that already imported and warmed the libraries (a
Dask worker at its birth, see :mod:`cxassess.run.dask_preload`), it waits for its options as the first
line on its input, then starts in a few milliseconds.

Pitfalls handled here: the parent must have no threads when it forks (OpenBLAS and pyarrow's
jemalloc start them unless told not to: see :data:`FORK_SAFE_ENV`); the matplotlib inline backend
is chosen before import and IPython's integration is enabled in each child; every child reseeds
random generators; children die with this process (parent-death signal), and this process dies
with the driver.
"""

from __future__ import annotations

import ctypes
import gc
import json
import os
import secrets
import selectors
import shutil
import signal
import socket
import sys
import time
import traceback
from typing import Any

from cxassess.run.warmup import BASE_PRELOAD, warm_up

#: Environment that keeps the libraries single-threaded at import, so forking is safe.
FORK_SAFE_ENV = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "JE_ARROW_MALLOC_CONF": "background_thread:false",
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
}

#: Options for every report kernel (forked or launched). A report kernel runs one notebook and is killed:
#: no input history (IPython's history database costs ~2 ms per cell, in memory too), and no 0.5 ms sleep
#: before each execute reply (ipykernel's guard for clients that stop reading at the reply; our clients
#: wait for the cell's idle status, which comes after its outputs).
KERNEL_OPTIONS = ("--HistoryManager.enabled=False", "--Kernel._execute_sleep=0", "--IPKernelApp.log_level=50")

PR_SET_PDEATHSIG = 1


class ParentGone(BaseException):
    """The driver died (its death signal, SIGTERM, arrived): end as at the end of input, leaving nothing behind.
    A BaseException, so that an import failing on it is not taken for a module that failed to import."""


def _parent_gone(*_: Any) -> None:
    raise ParentGone


def _set_parent_death_signal(sig: int = signal.SIGKILL) -> None:
    """Ask Linux to kill this process when its parent dies (no orphans)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    except OSError:  # pragma: no cover - not Linux
        pass


def thread_count() -> int:
    """Native threads of this process (Python's threading module misses OpenBLAS/jemalloc threads)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:  # pragma: no cover - no /proc
        import threading

        return threading.active_count()


def _free_ports(n: int, ip: str = "127.0.0.1") -> list[int]:
    """``n`` distinct free TCP ports (bound briefly, then released for the kernel to take)."""
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((ip, 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def new_connection_info(runtime_dir: str | None = None) -> dict[str, Any]:
    """Connection details for a new kernel: Unix sockets in ``runtime_dir`` (or free TCP ports).

    Unix sockets under a fresh name cannot collide, unlike TCP ports released by us and bound
    later by the kernel (another kernel starting meanwhile could be handed the same port), and
    no other machine can reach them.
    """
    key = secrets.token_hex(32)
    common = {"key": key, "signature_scheme": "hmac-sha256", "kernel_name": "python3"}
    if runtime_dir:
        prefix = os.path.join(runtime_dir, f"k{secrets.token_hex(6)}")
        return {"transport": "ipc", "ip": prefix, "shell_port": 1, "iopub_port": 2, "stdin_port": 3,
                "control_port": 4, "hb_port": 5, **common}
    shell, iopub, stdin, control, hb = _free_ports(5)
    return {"transport": "tcp", "ip": "127.0.0.1", "shell_port": shell, "iopub_port": iopub,
            "stdin_port": stdin, "control_port": control, "hb_port": hb, **common}


class ForkServer:
    """The server: reads requests from ``fd_in``, writes replies to ``fd_out`` (stdin and stdout by default)."""

    def __init__(self, runtime_dir: str, fd_in: int = 0, fd_out: int = 1) -> None:
        self.runtime_dir = runtime_dir
        self.server_pid = os.getpid()
        self.kernels: set[int] = set()
        self.pdf_jobs: dict[int, tuple[Any, str]] = {}  # pid -> (request id, error file)
        self.ready: list[dict[str, Any]] = []  # forked ahead: {"pid", "connection", "cwd"}
        self.ahead = 1
        self.fd_in = fd_in
        self.out = os.fdopen(os.dup(fd_out), "w", buffering=1, encoding="utf-8")
        if fd_out > 2:  # only the copy stays open, and the children close it (the driver then sees our end)
            os.close(fd_out)
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 1)  # nothing a library prints may corrupt the protocol
        os.close(devnull)

    # --- replies -------------------------------------------------------------------------
    def send(self, obj: dict[str, Any]) -> None:
        self.out.write(json.dumps(obj) + "\n")
        self.out.flush()

    # --- forking -------------------------------------------------------------------------
    def _fork(self) -> int:
        n = thread_count()
        if n != 1:
            raise RuntimeError(f"refusing to fork: the fork server has {n} threads")
        pid = os.fork()
        if pid == 0:
            try:
                _set_parent_death_signal()
                if os.getppid() != self.server_pid:
                    os._exit(1)
                signal.set_wakeup_fd(-1)
                for sig in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM, signal.SIGPIPE):
                    signal.signal(sig, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.default_int_handler)
                devnull = os.open(os.devnull, os.O_RDWR)
                for fd in (0, 1, 2):
                    os.dup2(devnull, fd)
                os.close(devnull)
                self.out.close()
                if self.fd_in > 2:
                    os.close(self.fd_in)
                _reseed()
            except BaseException:  # pragma: no cover
                os._exit(1)
        return pid

    def fork_kernel(self, cwd: str) -> dict[str, Any]:
        connection = new_connection_info(self.runtime_dir if len(self.runtime_dir) < 60 else None)
        path = os.path.join(self.runtime_dir, f"kernel-{secrets.token_hex(8)}.json")
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(connection, fh)
        os.replace(tmp, path)
        pid = self._fork()
        if pid == 0:  # the child: become a kernel, never return
            code = 1
            try:
                _run_kernel(path, cwd)
                code = 0
            finally:
                os._exit(code)
        self.kernels.add(pid)
        return {"pid": pid, "connection": connection, "connection_file": path, "cwd": cwd}

    def fork_pdf(self, request_id: Any, html_path: str, pdf_path: str) -> None:
        err_path = pdf_path + ".err"
        pid = self._fork()
        if pid == 0:
            code = 1
            try:
                from cxassess.report.pdf import html_file_to_pdf

                html_file_to_pdf(html_path, pdf_path)
                code = 0
            except BaseException as exc:  # noqa: BLE001 - reported to the driver
                try:
                    with open(err_path, "w", encoding="utf-8") as fh:
                        fh.write(f"{type(exc).__name__}: {exc}")
                except OSError:
                    pass
            finally:
                os._exit(code)
        self.pdf_jobs[pid] = (request_id, err_path)

    def refill(self, cwd: str) -> None:
        while len(self.ready) < self.ahead:
            self.ready.append(self.fork_kernel(cwd))

    # --- reaping -------------------------------------------------------------------------
    def reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self.kernels.discard(pid)
            self.ready = [k for k in self.ready if k["pid"] != pid]
            if pid in self.pdf_jobs:
                request_id, err_path = self.pdf_jobs.pop(pid)
                ok = os.waitstatus_to_exitcode(status) == 0
                error = ""
                if not ok:
                    try:
                        with open(err_path, encoding="utf-8") as fh:
                            error = fh.read().strip()
                    except OSError:
                        error = f"PDF process ended with status {os.waitstatus_to_exitcode(status)}"
                _unlink(err_path)
                self.send({"id": request_id, "ok": ok, "error": error})

    def kill(self, pid: int) -> None:
        if pid in self.kernels:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def kill_all(self) -> None:
        pids = list(self.kernels) + list(self.pdf_jobs)
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for pid in pids:  # dead before the runtime folder is removed: none still writes its sockets there
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
        for k in self.ready:
            _unlink(k["connection_file"])

    # --- the loop ------------------------------------------------------------------------
    def handle(self, req: dict[str, Any]) -> None:
        op = req.get("op")
        if op == "kernel":
            cwd = req.get("cwd") or os.getcwd()
            self.ahead = max(0, int(req.get("ahead", self.ahead)))
            ready = next((k for k in self.ready if k["cwd"] == cwd), None)
            if ready is not None:
                self.ready.remove(ready)
            else:
                ready = self.fork_kernel(cwd)
            self.send({"id": req["id"], "pid": ready["pid"], "connection": ready["connection"]})
            self.refill(cwd)
        elif op == "pdf":
            self.fork_pdf(req["id"], req["html"], req["pdf"])
        elif op == "kill":
            self.kill(int(req["pid"]))

    def serve(self) -> None:
        wake_r, wake_w = os.pipe()
        os.set_blocking(wake_w, False)
        os.set_blocking(wake_r, False)
        signal.set_wakeup_fd(wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        sel = selectors.DefaultSelector()
        sel.register(self.fd_in, selectors.EVENT_READ, "in")
        sel.register(wake_r, selectors.EVENT_READ, "wake")
        buffer = b""
        try:
            while True:
                for key, _ in sel.select():
                    if key.data == "wake":
                        try:
                            while os.read(wake_r, 512):
                                pass
                        except BlockingIOError:
                            pass
                        self.reap()
                        continue
                    chunk = os.read(self.fd_in, 65536)
                    if not chunk:
                        return
                    buffer += chunk
                    while b"\n" in buffer:
                        line, buffer = buffer.split(b"\n", 1)
                        if not line.strip():
                            continue
                        req = json.loads(line)
                        try:
                            self.handle(req)
                        except Exception as exc:  # noqa: BLE001 - reported, the server lives on
                            self.send({"id": req.get("id"), "ok": False, "error": f"{type(exc).__name__}: {exc}"})
                self.reap()
        finally:
            self.kill_all()


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _reseed() -> None:
    """Fork copies the random generators' state: give every child its own."""
    import random

    random.seed()
    np = sys.modules.get("numpy")
    if np is not None:
        np.random.seed()


def _run_kernel(connection_file: str, cwd: str) -> None:
    """In a freshly forked child: start an IPython kernel on the given connection file."""
    os.chdir(cwd)
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize(["-f", connection_file, *KERNEL_OPTIONS])
    # The inline backend was imported before any shell existed: hook it into this kernel's shell
    # now, or figures come out as "<Figure ...>" text.
    app.shell.enable_matplotlib("inline")  # type: ignore[union-attr]
    _unlink(connection_file)
    app.start()


def main(argv: list[str] | None = None, fd_in: int = 0, fd_out: int = 1) -> int:
    """Import and warm what ``argv`` asks for, say hello, serve requests on ``fd_in`` and ``fd_out``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m cxassess.run.forkserver")
    parser.add_argument("--runtime-dir", required=True)
    parser.add_argument("--preload", default="", help="comma-separated modules to import once")
    parser.add_argument("--ahead", type=int, default=1)
    parser.add_argument("--warm", default="",
                        help="comma-separated module:function warm-ups to call once (no client data)")
    parser.add_argument("--cwd", default=None)
    args = parser.parse_args(argv)

    # a driver that dies (a Dask worker killed, say) sends SIGTERM: the server kills its kernels and removes its
    # runtime folder (their sockets and this log), which the driver would have removed
    signal.signal(signal.SIGTERM, _parent_gone)
    _set_parent_death_signal(signal.SIGTERM)
    try:
        return _serve_from_start(args, fd_in, fd_out)
    except ParentGone:
        _remove_folder(args.runtime_dir)
        return 0


def _remove_folder(path: str) -> None:
    """Remove the runtime folder (tried again if a child wrote in it meanwhile)."""
    for _ in range(20):
        shutil.rmtree(path, ignore_errors=True)
        if not os.path.exists(path):
            return
        time.sleep(0.05)


def _serve_from_start(args: Any, fd_in: int, fd_out: int) -> int:
    """:func:`main` once its options are parsed: import and warm, say hello, serve until the end of input."""
    for key, value in FORK_SAFE_ENV.items():
        os.environ.setdefault(key, value)
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type] # 1.5 s import, unused
    gc.disable()  # the imports make ~1M objects that all live: collecting during them is ~20% of their time
    server = ForkServer(args.runtime_dir, fd_in, fd_out)
    server.ahead = args.ahead
    modules = list(dict.fromkeys([*BASE_PRELOAD, *filter(None, args.preload.split(","))]))
    loaded, failed = warm_up(modules, filter(None, args.warm.split(",")))
    threads = thread_count()
    if threads != 1:
        server.send({"op": "hello", "ok": False, "pid": os.getpid(),
                     "error": f"the fork server has {threads} threads after its imports; forking is unsafe"})
        return 1
    gc.collect()
    gc.freeze()  # children never scan (nor copy-on-write) the parent's objects in their collections
    gc.enable()  # in the kernels, which inherit it
    server.send({"op": "hello", "ok": True, "pid": os.getpid(), "preloaded": loaded, "failed": failed})
    try:
        if args.cwd:
            server.refill(args.cwd)
        server.serve()
    except Exception:  # pragma: no cover - last resort: tell the driver on stderr
        traceback.print_exc()
        return 1
    _remove_folder(args.runtime_dir)  # its driver's, which is closing it
    return 0


def fork_waiting_server() -> tuple[int, int, int]:
    """Fork a fork server that waits for its options: returns ``(pid, fd to write to it, fd to read from it)``.

    Call it only where this process has no other thread (checked), after importing and warming what the
    kernels need: the child then has it all already. The driver writes the server's command-line options
    as one JSON list on a line (``--runtime-dir`` first; :class:`cxassess.run.kernels.ForkedKernels` does);
    the child writes its stderr to ``forkserver.log`` there and runs :func:`main`. It dies with this
    process, and ends at the end of its input like a started one.
    """
    threads = thread_count()
    if threads != 1:
        raise RuntimeError(f"refusing to fork: this process has {threads} threads")
    from_driver, to_server = os.pipe()  # requests: the driver writes, the server reads
    from_server, to_driver = os.pipe()  # replies
    parent = os.getpid()
    pid = os.fork()
    if pid:
        os.close(from_driver)
        os.close(to_driver)
        return pid, to_server, from_server
    code = 1
    try:  # the child: never returns
        _set_parent_death_signal()
        if os.getppid() != parent:
            os._exit(1)
        os.close(to_server)
        os.close(from_server)
        argv = json.loads(_read_line(from_driver) or "null")
        if isinstance(argv, list) and len(argv) > 1 and argv[0] == "--runtime-dir":
            log = os.open(os.path.join(str(argv[1]), "forkserver.log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            os.dup2(log, 2)
            os.close(log)
            code = main([str(a) for a in argv], from_driver, to_driver)
    except BaseException:  # noqa: BLE001 - the driver sees the pipe close and says the server did not start
        traceback.print_exc()
    finally:
        os._exit(code)


def _read_line(fd: int) -> str:
    """One line from ``fd``, read a byte at a time so that nothing after it is consumed ('' at end of input)."""
    data = bytearray()
    while not data.endswith(b"\n"):
        byte = os.read(fd, 1)
        if not byte:
            return ""
        data += byte
    return data.decode("utf-8")


if __name__ == "__main__":
    sys.exit(main())
