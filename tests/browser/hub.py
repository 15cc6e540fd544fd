"""A real JupyterHub on 127.0.0.1 for the browser tests: a class room where nobody installs anything.

JupyterHub from pip, the shared-password authenticator (one fixed password for the class), the
SimpleLocalProcessSpawner (every user's JupyterLab is a process of this user, with a home folder of
its own under the test's folder, so no system accounts are needed) and Debian's
configurable-http-proxy (Node) in front. Everything binds to 127.0.0.1; nothing is downloaded.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

START_TIMEOUT = 60.0  # s: the hub and its proxy answering
STOP_TIMEOUT = 45.0  # s: the hub stopping every user's server (SIGINT, then SIGTERM after 10 s) and the proxy
PROXY = "configurable-http-proxy"
# Debian's Node finds the packaged modules in these folders by itself; another Node (nodesource's,
# a developer's) needs them named, or Debian's configurable-http-proxy cannot load its libraries
DEBIAN_NODE_PATH = "/usr/share/nodejs:/usr/lib/nodejs"


def missing_tools() -> list[str]:
    """What this machine lacks to run a hub (empty when nothing)."""
    missing = []
    if shutil.which(PROXY) is None:
        missing.append(f"{PROXY} (Debian's node-configurable-http-proxy: make sysdeps)")
    for module, package in (("jupyterhub", "jupyterhub"), ("papermill", "papermill")):
        try:
            __import__(module)
        except ImportError:
            missing.append(f"the Python package {package} (pip install -e '.[test]')")
    return missing


def require_tools() -> None:
    """Skip when a tool is missing; in CI (``CI`` set) fail instead, as a missing install step."""
    missing = missing_tools()
    if missing:
        message = "JupyterHub test needs " + ", ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hub_config(base: Path, *, port: int, users: list[str], password: str) -> str:
    """The hub's ``jupyterhub_config.py``: every file under ``base``, every socket on 127.0.0.1."""
    singleuser = Path(sys.executable).with_name("jupyterhub-singleuser")
    lab_args = ["--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        lab_args.append("--allow-root")  # containers and CI runners often run as root
    settings = {
        "JupyterHub.ip": "127.0.0.1", "JupyterHub.port": port,
        "JupyterHub.hub_ip": "127.0.0.1", "JupyterHub.hub_port": free_port(),
        "ConfigurableHTTPProxy.api_url": f"http://127.0.0.1:{free_port()}",
        "ConfigurableHTTPProxy.pid_file": str(base / "proxy.pid"),
        "JupyterHub.db_url": f"sqlite:///{base / 'jupyterhub.sqlite'}",
        "JupyterHub.cookie_secret_file": str(base / "jupyterhub_cookie_secret"),
        "JupyterHub.pid_file": str(base / "jupyterhub.pid"),
        "JupyterHub.cleanup_servers": True,  # stopping the hub stops every user's server
        "JupyterHub.authenticator_class": "shared-password",
        "SharedPasswordAuthenticator.user_password": password,
        "Authenticator.allowed_users": set(users),
        "JupyterHub.spawner_class": "simple",
        "SimpleLocalProcessSpawner.home_dir_template": str(base / "home" / "{username}"),
        "Spawner.cmd": [str(singleuser)],
        "Spawner.args": lab_args,
        "Spawner.default_url": "/lab",
        "Spawner.start_timeout": 90, "Spawner.http_timeout": 90,
    }
    lines = ["c = get_config()  # noqa"] + [f"c.{key} = {value!r}" for key, value in settings.items()]
    return "\n".join(lines) + "\n"


@dataclass
class Hub:
    """A running JupyterHub and the folder it lives in."""

    process: subprocess.Popen
    port: int
    password: str
    base: Path
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def home(self, user: str) -> Path:
        return self.base / "home" / user

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def processes(self) -> list:
        """The hub and every process under it (proxy, users' servers, their kernels)."""
        import psutil

        try:
            hub = psutil.Process(self.process.pid)
            return [hub, *hub.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []


def hub_env(base: Path) -> dict[str, str]:
    """This environment without the developer's Jupyter settings, with Debian's Node modules findable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "IPYTHON"))}
    env["NODE_PATH"] = os.pathsep.join(p for p in (env.get("NODE_PATH", ""), DEBIAN_NODE_PATH) if p)
    env["PYTHONUNBUFFERED"] = "1"
    for var, name in {"JUPYTER_CONFIG_DIR": "config", "JUPYTER_DATA_DIR": "data", "JUPYTER_RUNTIME_DIR": "runtime",
                      "IPYTHONDIR": "ipython"}.items():  # the hub's own; users' servers get their HOME's
        (base / name).mkdir(exist_ok=True)
        env[var] = str(base / name)
    return env


def launch_hub(base: Path, users: list[str]) -> Hub:
    """Start JupyterHub (it starts its proxy); :func:`wait_until_ready` then waits for it."""
    (base / "home").mkdir(parents=True, exist_ok=True)
    port, password = free_port(), secrets.token_urlsafe(12)
    config = base / "jupyterhub_config.py"
    config.write_text(hub_config(base, port=port, users=users, password=password), encoding="utf-8")
    log_path = base / "jupyterhub.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(config)], cwd=base,
                                   env=hub_env(base), stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    return Hub(process, port, password, base, log_path)


def wait_until_ready(hub: Hub) -> None:
    """Wait until the proxy routes to the hub's API (the hub is stopped if it never does)."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{hub.url}/hub/api/", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        try:
            code = hub.process.wait(timeout=0.25)
        except subprocess.TimeoutExpired:
            continue
        raise RuntimeError(f"JupyterHub exited with code {code} before answering:\n{hub.log()[-20000:]}")
    stop_hub(hub)
    raise RuntimeError(f"JupyterHub did not answer within {START_TIMEOUT:.0f} s:\n{hub.log()[-20000:]}")


def stop_hub(hub: Hub) -> list[str]:
    """Stop the hub as an admin would (SIGTERM: it stops every user's server, then the proxy);
    then make sure no process of it is left. Returns what had to be forced."""
    import psutil

    problems: list[str] = []
    everyone = hub.processes()
    if hub.process.poll() is None:
        hub.process.send_signal(signal.SIGTERM)
        try:
            hub.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            problems.append(f"the hub did not stop within {STOP_TIMEOUT:.0f} s of SIGTERM; killed")
            hub.process.kill()
            hub.process.wait(timeout=10)
    _, alive = psutil.wait_procs([p for p in everyone if p.pid != hub.process.pid], timeout=15)
    for proc in alive:
        try:
            problems.append(f"process {proc.pid} ({' '.join(proc.cmdline())[:200]}) was still running; killed")
            proc.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(alive, timeout=10)
    return problems


def processes_in(folder: Path) -> list[str]:
    """Processes whose working folder is inside ``folder`` (a hub's leftovers: servers run in the homes)."""
    import psutil

    found = []
    for proc in psutil.process_iter(["pid", "cwd", "cmdline"]):
        cwd = proc.info.get("cwd")
        if cwd and Path(cwd).is_relative_to(folder):
            found.append(f"{proc.info['pid']}: {' '.join(proc.info.get('cmdline') or [])[:200]}")
    return found
