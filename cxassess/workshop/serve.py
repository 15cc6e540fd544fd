"""Run the served workshop with uvicorn: in the foreground (``cxassess workshop serve``) or on a
background thread from a notebook cell (:func:`serve`), and stop it cleanly.

Binds to 127.0.0.1 unless asked for the LAN (``host="0.0.0.0"`` or an address of this machine);
then the join link uses this machine's address, or ``public_url`` when given (a name the phones
can reach). A small state file beside the session (``<session>.server.json``: process id and port)
lets ``cxassess workshop stop`` end a server started in another terminal.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import json
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from cxassess.errors import CxError
from cxassess.questionnaire.model import Questionnaire
from cxassess.workshop.app import AppSettings, create_app
from cxassess.workshop.live import warm_up
from cxassess.workshop.qr import qr_svg, qr_text
from cxassess.workshop.store import SessionStore
from cxassess.workshop.widgets import default_session_file

DEFAULT_PORT = 8765
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class WorkshopServer:
    """A running (or ready to run) workshop server for one session.

    ``join_url`` is for the participants (show it, or :meth:`qr_svg`, on the screen); ``facilitator_url``
    opens the projector page and is for the facilitator only.
    """

    def __init__(self, store: SessionStore, *, host: str = "127.0.0.1", port: int = DEFAULT_PORT,
                 settings: AppSettings | None = None, public_url: str | None = None) -> None:
        self.store = store
        self.host = host
        self.port = port
        self._public_url = public_url.rstrip("/") if public_url else None
        self._settings = settings or AppSettings()
        self._socket: socket.socket | None = None
        self._server: Any = None
        self._thread: threading.Thread | None = None

    # --- addresses ----------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """The address phones use: ``public_url``, else this machine's address on the bound port."""
        if self._public_url:
            return self._public_url
        host = self.host
        if host in ("0.0.0.0", "::", ""):
            host = _lan_address()
        return f"http://{_bracket(host)}:{self.port}"

    @property
    def join_url(self) -> str:
        return f"{self.base_url}/join/{self.store.secret('join')}"

    @property
    def facilitator_url(self) -> str:
        """The projector page; on this machine when served on the LAN as well."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else _bracket(self.host)
        return f"http://{host}:{self.port}/f/{self.store.secret('facilitator')}"

    def qr_svg(self, scale: int = 6) -> str:
        """The join link as an SVG QR code (made offline)."""
        return qr_svg(self.join_url, scale)

    def qr_text(self) -> str:
        """The join link as a QR code of text blocks, for a terminal."""
        return qr_text(self.join_url)

    # --- running ------------------------------------------------------------------------
    def _config(self) -> Any:
        import uvicorn

        hosts = None
        if self.host in LOOPBACK:  # a page elsewhere cannot reach in by pointing its own name at 127.0.0.1
            hosts = ["127.0.0.1", "localhost", "[::1]"]
        public = dataclasses.replace(self._settings, public_url=self.base_url)
        app = create_app(self.store, public, allowed_hosts=hosts)
        warm_up()
        return uvicorn.Config(app, log_level="warning", access_log=False, timeout_keep_alive=30,
                              limit_concurrency=1000, h11_max_incomplete_event_size=16_384,
                              timeout_graceful_shutdown=5, server_header=False, date_header=False,
                              lifespan="off")

    def _bind(self) -> socket.socket:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # IPPROTO_TCP, not 0: only then does asyncio turn Nagle's algorithm off, so a response on a kept-open
        # connection is not held back ~40 ms waiting for the phone's delayed ACK
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError as exc:
            sock.close()
            if exc.errno == errno.EADDRINUSE:
                raise CxError(f"port {self.port} is already in use (another workshop?): stop it with "
                              "'cxassess workshop stop', or pick another port with --port") from None
            raise CxError(f"cannot listen on {self.host}:{self.port} ({exc.strerror or exc})") from None
        sock.listen(512)
        self.port = sock.getsockname()[1]
        return sock

    def start(self) -> WorkshopServer:
        """Serve on a background thread (as from a notebook cell); returns once it accepts connections."""
        if self._thread is not None and self._thread.is_alive():
            return self
        self._socket = self._bind()
        self._server = _server(self._config())
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]},
                                        name="cxassess-workshop-server", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise CxError("the workshop server did not start")
            time.sleep(0.02)
        self._write_state()
        return self

    def run(self, on_ready: Callable[[WorkshopServer], None] | None = None) -> None:
        """Serve in the foreground until Ctrl-C or SIGTERM (``cxassess workshop stop``), then close cleanly.

        ``on_ready`` is called once the port is bound (so the links it shows carry the real port).
        """
        self._socket = self._bind()
        self._server = _server(self._config())
        try:
            with _stop_on_signals(self._server):
                self._write_state()
                if on_ready is not None:
                    on_ready(self)
                self._server.run(sockets=[self._socket])
        finally:
            self._cleanup()

    def stop(self) -> None:
        """Stop serving (requests in flight are finished first) and release the port."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None
        self._cleanup()

    def _cleanup(self) -> None:
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.close()
            self._socket = None
        state = state_file(self.store.path)
        with contextlib.suppress(OSError, ValueError):
            if json.loads(state.read_text()).get("pid") == os.getpid():
                state.unlink()

    def _write_state(self) -> None:
        data = {"pid": os.getpid(), "port": self.port, "host": self.host}
        tmp = state_file(self.store.path).with_suffix(".tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, state_file(self.store.path))

    def __enter__(self) -> WorkshopServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def status_text(self) -> str:
        return (f"Participants join at {self.join_url}\n"
                f"Projector (facilitator only, keep it private): {self.facilitator_url}")

    def _repr_html_(self) -> str:
        from cxassess._util.safe import escape_html

        join, fac = escape_html(self.join_url), escape_html(self.facilitator_url)
        return (f"<div style='display:flex;gap:1.5rem;align-items:center'><div>{self.qr_svg(5)}</div><div>"
                f"<p><b>Participants join at</b><br><a href='{join}' target='_blank'>{join}</a></p>"
                f"<p><b>Projector</b> (for you only)<br><a href='{fac}' target='_blank'>open the results page</a></p>"
                "<p>Stop with <code>server.stop()</code>.</p></div></div>")


def _server(config: Any) -> Any:
    """A uvicorn server that stops on SIGINT/SIGTERM and then returns, so the caller can tidy up.

    uvicorn itself re-raises the signal once it has shut down, which ends the process before the
    state file is removed and the goodbye is printed.
    """
    import uvicorn

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Any:  # signals are handled by _stop_on_signals
            yield

    return Server(config)


@contextlib.contextmanager
def _stop_on_signals(server: Any) -> Any:
    """While serving in the foreground, SIGINT (Ctrl-C) and SIGTERM ask the server to finish and return."""
    previous = {sig: signal.signal(sig, server.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def state_file(session_path: str | Path) -> Path:
    p = Path(session_path)
    return p.with_name(p.name + ".server.json")


def stop_server(session_path: str | Path, timeout: float = 10.0) -> int:
    """Stop the server serving this session (started in another terminal); returns its process id."""
    state = state_file(session_path)
    try:
        pid = int(json.loads(state.read_text(encoding="utf-8"))["pid"])
    except FileNotFoundError:
        raise CxError(f"no workshop server is running for {Path(session_path).name}") from None
    except (ValueError, KeyError, TypeError):
        state.unlink(missing_ok=True)
        raise CxError(f"{state.name}: unreadable server state; removed it") from None
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        state.unlink(missing_ok=True)
        raise CxError(f"the workshop server (process {pid}) had already stopped") from None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:  # the server removes its state file as it exits
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        if not state.exists():
            break
        time.sleep(0.05)
    else:
        raise CxError(f"the workshop server (process {pid}) did not stop within {timeout:g} s")
    state.unlink(missing_ok=True)
    return pid


def serve(client_name: str, questionnaire: Questionnaire | str | Path | None = None,
          session_file: str | Path | None = None, attributes: Mapping[str, Iterable[str]] | None = None, *,
          host: str = "127.0.0.1", port: int = DEFAULT_PORT, min_group_size: int | None = None,
          public_url: str | None = None, refresh_seconds: float | None = None,
          background: bool = True) -> WorkshopServer:
    """Open (or create) the client's session and serve it; from a notebook cell it runs in the background.

    The same session file as the notebook's workshop: both can be used at once.
    """
    path = Path(session_file) if session_file else default_session_file(client_name)
    store = SessionStore(path, questionnaire or None, client_name=client_name or None, attributes=attributes)
    settings = AppSettings()
    if min_group_size is not None:
        settings = dataclasses.replace(settings, min_group_size=min_group_size)
    if refresh_seconds is not None:
        settings = dataclasses.replace(settings, refresh_seconds=refresh_seconds)
    server = WorkshopServer(store, host=host, port=port, settings=settings, public_url=public_url)
    if background:
        server.start()
    return server


def load_attributes(path: str | Path) -> dict[str, list[str]]:
    """An attributes file (YAML or JSON): each attribute name with its list of choices."""
    from cxassess._util.yamlfile import read_yaml

    def invalid(source: str, problems: list[str]) -> CxError:
        return CxError(f"{source}: " + "; ".join(problems))

    p = Path(path)
    if p.is_file() and p.stat().st_size > 65_536:
        raise CxError(f"{p}: {p.stat().st_size} bytes is too large for an attributes file (at most 64 KiB)")
    data = read_yaml(p, "attributes", invalid, text_only=True)
    example = "role: [Senior leader, Manager, Front-line staff]"
    if not isinstance(data, dict) or not data:
        raise CxError(f"{p}: expected each attribute with its choices, e.g. {example}")
    out: dict[str, list[str]] = {}
    for name, choices in data.items():
        if not isinstance(choices, list) or not choices or not all(isinstance(c, str) and c.strip() for c in choices):
            raise CxError(f"{p}: attribute '{name}': expected a list of choices as text, e.g. {example}")
        out[str(name)] = [c.strip() for c in choices]
    return out


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _lan_address() -> str:
    """This machine's address as other machines see it (from its host name; 127.0.0.1 if unknown)."""
    with contextlib.suppress(OSError):
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            address = str(info[4][0])
            if not address.startswith("127."):
                return address
    return "127.0.0.1"


__all__ = ["WorkshopServer", "serve", "stop_server", "state_file", "load_attributes", "DEFAULT_PORT"]
