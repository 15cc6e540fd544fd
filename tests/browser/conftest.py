"""Fixtures for the browser tests: Debian's Chromium driven by Playwright, and a real JupyterLab server.

The server runs with JupyterLab's default settings (kernel comms over subshells included), in
config, data, runtime and IPython folders of its own, so the developer's settings never leak in.
Its log is kept in a file and printed when a test fails.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "workshop.ipynb"
MINI = ROOT / "tests" / "data" / "mini.yaml"
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "out" / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SERVER_START_TIMEOUT = 60.0


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    """Keep each phase's report on the test, so fixtures know at teardown whether it failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _failed(request: pytest.FixtureRequest) -> bool:
    return any(getattr(getattr(request.node, f"rep_{when}", None), "failed", False) for when in ("setup", "call"))


@pytest.fixture(scope="package")
def browser():
    """Headless Chromium from Debian (never a downloaded browser), with a fresh profile.

    Package scope, not session: Playwright's sync API keeps an event loop running in the main thread
    while it is open, and the tests after this folder (the report pipeline) start event loops of their own.
    """
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} not found: install Debian's chromium package (make sysdeps) to run the browser tests"
        if os.environ.get("CI"):  # in CI a missing browser is a missing install step, never a quiet skip
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # launch() gives a new, temporary user-data dir each time
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def artifacts_dir() -> Path:
    """Where screenshots go (out/ is gitignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _set_parameter(source: str, name: str, value: str) -> str:
    """Replace the line ``name = ...`` of the parameters cell (exactly one must exist)."""
    new, count = re.subn(rf"^{name} = .*$", f"{name} = {value}  # set by the browser test", source, flags=re.M)
    assert count == 1, f"the parameters cell has {count} lines '{name} = ...', expected 1:\n{source}"
    return new


@dataclass
class JupyterLab:
    """A running JupyterLab server and the folder it serves."""

    process: subprocess.Popen
    port: int
    token: str
    root: Path
    session_file: Path
    runtime_dir: Path
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def url(self, path: str) -> str:
        """A page of the server, logged in with the token."""
        return f"{self.base_url}{path}?token={self.token}"

    def api(self, path: str, method: str = "GET", timeout: float = 10.0) -> Any:
        """Call the server's REST API with the token; the decoded JSON answer (None when empty)."""
        request = urllib.request.Request(self.base_url + path, method=method, data=b"" if method != "GET" else None,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def kernel_id(self, notebook: str) -> str | None:
        """The id of the kernel the notebook's session uses (None while there is none)."""
        for session in self.api("api/sessions"):
            if session.get("path") == notebook and session.get("kernel"):
                return session["kernel"]["id"]
        return None

    def kernel_client(self, kernel_id: str):
        """A second client of that kernel (over its connection file), channels started."""
        from jupyter_client import BlockingKernelClient

        connection_file = self.runtime_dir / f"kernel-{kernel_id}.json"
        assert connection_file.exists(), f"no connection file {connection_file}"
        client = BlockingKernelClient(connection_file=str(connection_file))
        client.load_connection_file()
        client.start_channels()
        client.wait_for_ready(timeout=30)
        return client


def _prepare_root(base: Path) -> tuple[Path, Path]:
    """The served folder: the workshop notebook set to the mini questionnaire and a session file here,
    and the teaching notebook as it is."""
    root = base / "root"
    root.mkdir()
    mini = root / "mini.yaml"
    shutil.copy(MINI, mini)
    session_file = root / "session.sqlite"
    nb = nbformat.read(NOTEBOOK, as_version=4)
    params = [c for c in nb.cells if c.cell_type == "code" and "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1, "the workshop notebook should have one cell tagged 'parameters'"
    source = _set_parameter(params[0].source, "questionnaire", repr(str(mini)))
    params[0].source = _set_parameter(source, "session_file", repr(str(session_file)))
    nbformat.write(nb, root / "workshop.ipynb")
    shutil.copy(ROOT / "notebooks" / "teaching.ipynb", root / "teaching.ipynb")  # for the slideshow test
    return root, session_file


def _isolated_env(base: Path) -> dict[str, str]:
    """This environment without any Jupyter/IPython setting of the developer, and folders of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "IPYTHON"))}
    dirs = {"JUPYTER_CONFIG_DIR": "config", "JUPYTER_DATA_DIR": "data", "JUPYTER_RUNTIME_DIR": "runtime",
            "IPYTHONDIR": "ipython"}
    for var, name in dirs.items():
        (base / name).mkdir()
        env[var] = str(base / name)
    env["JUPYTERLAB_SETTINGS_DIR"] = str(base / "config" / "lab" / "user-settings")
    env["JUPYTERLAB_WORKSPACES_DIR"] = str(base / "config" / "lab" / "workspaces")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _check_kernelspec(env: dict[str, str]) -> None:
    """The python3 kernel must still be found with the isolated folders: the venv's own one, via the data path."""
    r = subprocess.run([sys.executable, "-m", "jupyter", "kernelspec", "list", "--json"], env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    specs = json.loads(r.stdout)["kernelspecs"]
    assert "python3" in specs, f"no python3 kernel with the isolated Jupyter folders: {sorted(specs)}"
    resource_dir = Path(specs["python3"]["resource_dir"]).resolve()
    expected = (Path(sys.prefix) / "share" / "jupyter" / "kernels").resolve()
    assert resource_dir.parent == expected, f"python3 kernel found in {resource_dir}, expected one in {expected}"


def _wait_until_ready(server: JupyterLab) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            server.api("api/status", timeout=2)
            return
        except (urllib.error.URLError, ConnectionError, OSError) as exc:
            last_error = exc
        try:  # the pause between two tries doubles as a check that the server is still running
            code = server.process.wait(timeout=0.25)
        except subprocess.TimeoutExpired:
            continue
        raise RuntimeError(f"JupyterLab exited with code {code} before answering:\n{server.log()}")
    raise RuntimeError(f"JupyterLab did not answer /api/status within {SERVER_START_TIMEOUT:.0f} s "
                       f"({last_error}):\n{server.log()}")


def _stop(server: JupyterLab) -> list[str]:
    """Shut the server down cleanly (kernels first), then make sure no process of it is left."""
    import psutil

    problems: list[str] = []
    try:
        children = psutil.Process(server.process.pid).children(recursive=True)  # the kernels
    except psutil.NoSuchProcess:
        children = []
    if server.process.poll() is None:
        try:
            server.api("api/shutdown", method="POST")  # shuts every kernel down, then the server
        except (urllib.error.URLError, ConnectionError, OSError) as exc:
            problems.append(f"POST /api/shutdown failed: {exc}")
        try:
            server.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            problems.append("the server did not stop after /api/shutdown; terminated")
            server.process.terminate()
            try:
                server.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait(timeout=10)
    _, alive = psutil.wait_procs(children, timeout=15)
    for proc in alive:
        problems.append(f"process {proc.pid} of the server was still running; killed")
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(alive, timeout=10)
    return problems


@pytest.fixture
def jupyterlab(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest):
    """JupyterLab (default settings) serving a copy of the workshop notebook set to the mini questionnaire."""
    base = tmp_path_factory.mktemp("jupyterlab")
    root, session_file = _prepare_root(base)
    env = _isolated_env(base)
    _check_kernelspec(env)
    port, token = _free_port(), secrets.token_hex(24)
    args = [sys.executable, "-m", "jupyter", "lab", "--no-browser",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
            # no network: no news feed, no check for a newer JupyterLab (neither touches kernels or widgets)
            "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--allow-root")  # containers and CI runners often run as root
    log_path = base / "jupyterlab.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   env=env, cwd=root, start_new_session=True)
    server = JupyterLab(process, port, token, root, session_file, Path(env["JUPYTER_RUNTIME_DIR"]), log_path)
    try:
        _wait_until_ready(server)
        yield server
    finally:
        problems = _stop(server)
        if _failed(request) or problems:
            print(f"\n----- JupyterLab server log ({log_path}) -----\n{server.log()[-30000:]}")
        if problems:
            pytest.fail("JupyterLab teardown: " + "; ".join(problems))
