"""Attack the served workshop app for real: uvicorn on 127.0.0.1, httpx clients and raw sockets.

No mocks and no Starlette TestClient: every request goes over a TCP connection to the server that
:func:`cxassess.workshop.serve.serve` starts (on a background thread, or in a subprocess for the
tests that measure the server's memory or kill it). Every response any test gets is checked by
:class:`Inspector`: no stack trace, no Python file path, never the session file's path, and the
security headers on everything the app answers.
"""

from __future__ import annotations

import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[1]
MINI = DATA / "mini.yaml"
CLIENT = "Acme Ltd"
ATTRS = {"role": ["Manager", "Staff"]}
ITEMS = ["A1", "A2", "A3", "B1", "B2"]  # pages: 0 about, 1 dimension A, 2 dimension B, 3 summary
SESSION_NAME = "zq-private-session.sqlite"  # a name no page has a reason to show
BODY_LIMIT = 16_384  # AppSettings.max_body_bytes
JOIN_BURST = 30  # AppSettings.joins_per_address
ANSWER_BURST = 60  # AppSettings.answers_per_participant

SECURITY_HEADERS: dict[str, Callable[[str], bool]] = {
    "content-security-policy": lambda v: "default-src 'none'" in v and "frame-ancestors 'none'" in v,
    "referrer-policy": lambda v: v == "no-referrer",
    "x-content-type-options": lambda v: v == "nosniff",
    "x-frame-options": lambda v: v.upper() == "DENY",
}
_LEAKS = [
    (re.compile(r"Traceback"), "a stack trace"),
    (re.compile(r'File "'), "a stack frame"),
    (re.compile(r"(?:[/\\][\w.-]+)+\.py\b"), "a Python file path"),
    (re.compile(r"site-packages"), "an installation path"),
]


# --- checking every response -------------------------------------------------------------
class Inspector:
    """Checks every response of a test: nothing leaked, security headers present."""

    def __init__(self, session_path: Path) -> None:
        self.forbidden = [str(session_path), str(session_path.parent), session_path.name, str(ROOT)]
        self.seen = 0

    def body(self, text: str, where: str) -> None:
        self.seen += 1
        for pattern, what in _LEAKS:
            m = pattern.search(text)
            assert m is None, f"{where}: the response shows {what}: ...{text[max(m.start() - 80, 0):m.end() + 80]!r}..."
        for secret in self.forbidden:
            assert secret not in text, f"{where}: the response shows the session file's path ({secret!r})"

    def headers(self, headers: Any, where: str) -> None:
        bad = {k: headers.get(k) for k, ok in SECURITY_HEADERS.items() if not ok(headers.get(k) or "")}
        assert not bad, f"{where}: security headers missing or wrong: {bad}"

    def __call__(self, response: httpx.Response, strict: bool = True) -> None:  # an httpx response hook
        """``strict``: check the security headers here (else the test checks them after its own asserts)."""
        response.read()
        where = (f"{response.request.method} {response.request.url.raw_path.decode('latin-1')[:120]}"
                 f" -> {response.status_code}")
        text = response.content.decode("utf-8", "replace")
        self.body(text + "\n" + "\n".join(f"{k}: {v}" for k, v in response.headers.items()), where)
        if strict:
            self.headers(response.headers, where + f" ({text[:200]!r})")


class Env:
    """A running server and what the tests need around it."""

    def __init__(self, base_url: str, session_path: Path, join_key: str, facilitator_key: str, store: Any = None,
                 server: Any = None) -> None:
        self.base_url = base_url
        self.port = int(base_url.rsplit(":", 1)[1])
        self.path = session_path
        self.join_key, self.facilitator_key = join_key, facilitator_key
        self.join_path, self.fac_path = f"/join/{join_key}", f"/f/{facilitator_key}"
        self.store, self.server = store, server
        self.inspect = Inspector(session_path)
        self._clients: list[httpx.Client] = []

    def client(self, strict: bool = True, **kwargs: Any) -> httpx.Client:
        kwargs.setdefault("timeout", 5.0)
        hook = self.inspect if strict else (lambda r: self.inspect(r, strict=False))
        # TCP_NODELAY: httpx writes a post's headers and body apart; without it each post waits ~40 ms
        # for the server's delayed ACK (Nagle), which is the test client's slowness, not the server's
        kwargs.setdefault("transport",
                          httpx.HTTPTransport(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]))
        c = httpx.Client(base_url=self.base_url, follow_redirects=False, event_hooks={"response": [hook]}, **kwargs)
        self._clients.append(c)
        return c

    def phone(self, strict: bool = True) -> Phone:
        return Phone(self, strict)

    def raw(self, data: bytes, timeout: float = 3.0) -> RawResult:
        result = raw_exchange(self.port, data, timeout)
        self.inspect.body(result.data.decode("utf-8", "replace"), f"raw {data[:60]!r}")
        return result

    def close(self) -> None:
        for c in self._clients:
            c.close()

    def answers_stored(self) -> int:
        from cxassess.workshop.store import open_session

        with open_session(self.path) as s:
            return len(s.history())


OWN = object()


class Phone:
    """One participant's phone: an httpx client keeping its cookies."""

    def __init__(self, env: Env, strict: bool = True) -> None:
        self.env = env
        self.c = env.client(strict)
        self.token = self.code = ""

    @property
    def csrf(self) -> str:
        return self.c.cookies.get("cx_csrf") or ""

    def join(self) -> Phone:
        r = self.c.get(self.env.join_path)
        assert r.status_code == 200, r.text
        assert self.csrf, "the join page sets no CSRF cookie"
        r = self.c.post(self.env.join_path, data={"csrf": self.csrf})
        assert r.status_code == 303 and r.headers["location"] == "/p", (r.status_code, r.text[:300])
        self.token = self.c.cookies.get("cx_p") or ""
        assert len(self.token) >= 20, "joining gives no participant token"
        if self.env.store is not None:
            self.code = self.env.store.participant_for_token(self.token) or ""
            assert self.code
        return self

    def api(self, body: Any = None, *, raw: bytes | None = None, csrf: Any = OWN, **kw: Any) -> httpx.Response:
        """POST /api/answer; ``csrf``: the header's value (this phone's token unless given; None: no header)."""
        headers = {"Content-Type": "application/json"}
        token = self.csrf if csrf is OWN else csrf
        if token is not None:
            headers["X-CSRF-Token"] = token
        headers.update(kw.pop("headers", {}))
        content = raw if raw is not None else json.dumps(body).encode()
        return self.c.post("/api/answer", content=content, headers=headers, **kw)

    def answer(self, item: str, value: Any) -> httpx.Response:
        return self.api({"item": item, "value": value})

    def form(self, where: str | int, data: Any = None, *, csrf: Any = OWN, **kw: Any) -> httpx.Response:
        """POST /p/<where>; ``csrf``: the form field (this phone's token unless given; None: no field)."""
        fields = dict(data or {})
        token = self.csrf if csrf is OWN else csrf
        if token is not None:
            fields["csrf"] = token
        return self.c.post(f"/p/{where}", data=fields, **kw)

    def submit_all(self, value: int = 4, role: str | None = None) -> None:
        if role:
            assert self.form(0, {"attr:role": role, "action": "next"}).status_code == 303
        for item in ITEMS:
            assert self.answer(item, value).status_code == 200
        r = self.form(3, {"action": "submit"})
        assert r.status_code == 303 and r.headers["location"] == "/p/done", r.text[:300]


# --- raw sockets ---------------------------------------------------------------------------
class RawResult:
    def __init__(self, data: bytes, closed: bool, elapsed: float) -> None:
        self.data, self.closed, self.elapsed = data, closed, elapsed

    @property
    def status(self) -> int | None:
        m = re.match(rb"HTTP/1\.[01] (\d{3})", self.data)
        return int(m.group(1)) if m else None

    @property
    def headers(self) -> dict[str, str]:
        head = self.data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")[1:]
        return {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head)}

    @property
    def body(self) -> bytes:
        return self.data.split(b"\r\n\r\n", 1)[-1]


def raw_exchange(port: int, data: bytes, timeout: float = 3.0) -> RawResult:
    """Send bytes on a new connection and read until the server closes it, answers (a complete
    response with a body length) or ``timeout`` passes."""
    t0 = time.monotonic()
    received = b""
    closed = False
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(data)
        except OSError:  # the server closed early (too big): read what it said
            pass
        s.settimeout(0.2)
        while time.monotonic() - t0 < timeout:
            try:
                chunk = s.recv(65536)
            except TimeoutError:
                if _complete(received):
                    break
                continue
            except OSError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            received += chunk
            if _complete(received):
                break
    return RawResult(received, closed, time.monotonic() - t0)


def _complete(data: bytes) -> bool:
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    return bool(m) and len(body) >= int(m.group(1))


def cookie_header(phone: Phone) -> bytes:
    return f"Cookie: cx_csrf={phone.csrf}; cx_p={phone.token}\r\nX-CSRF-Token: {phone.csrf}\r\n".encode()


# --- servers -------------------------------------------------------------------------------
def _served(tmp_path: Path, questionnaire: Any):
    """A workshop of ``questionnaire`` served on a background thread (the notebook way), on a free port
    of 127.0.0.1; stopped and closed afterwards."""
    from cxassess.workshop.serve import serve

    path = tmp_path / SESSION_NAME
    server = serve(CLIENT, questionnaire, path, ATTRS, port=0, min_group_size=3)
    e = Env(server.base_url, path, server.store.secret("join"), server.store.secret("facilitator"),
            store=server.store, server=server)
    try:
        yield e
    finally:
        e.close()
        server.stop()
        server.store.close()


@pytest.fixture
def env(tmp_path: Path):
    """A workshop of the mini questionnaire served on a free port of 127.0.0.1."""
    yield from _served(tmp_path, MINI)


SERVER_SCRIPT = """
import sys
from cxassess.workshop.serve import serve
serve(sys.argv[1], sys.argv[2], sys.argv[3], {"role": ["Manager", "Staff"]}, port=0, min_group_size=3,
      background=False).run()
"""


class SubServer:
    """``serve(..., background=False).run()`` in a process of its own (as ``cxassess workshop serve``)."""

    def __init__(self, tmp_path: Path) -> None:
        from cxassess.workshop.serve import state_file
        from cxassess.workshop.store import SessionStore

        self.path = tmp_path / SESSION_NAME
        with SessionStore(self.path, MINI, client_name=CLIENT, attributes=ATTRS) as store:
            join_key, fac_key = store.secret("join"), store.secret("facilitator")
        self.state = state_file(self.path)
        self.stderr_path = tmp_path / "server.stderr"
        self._stderr = open(self.stderr_path, "wb")  # noqa: SIM115 (closed in close(), after the process)
        self.proc = subprocess.Popen([sys.executable, "-c", SERVER_SCRIPT, CLIENT, str(MINI), str(self.path)],
                                     cwd=ROOT, stdout=subprocess.DEVNULL, stderr=self._stderr)
        deadline = time.monotonic() + 30
        port = None
        while port is None:
            assert self.proc.poll() is None, f"the server process ended: {self.stderr()}"
            assert time.monotonic() < deadline, "the server process did not start"
            try:
                state = json.loads(self.state.read_text())
                if state.get("pid") == self.proc.pid:
                    port = int(state["port"])
            except (OSError, ValueError):
                pass
            time.sleep(0.05)
        self.env = Env(f"http://127.0.0.1:{port}", self.path, join_key, fac_key)
        while True:
            try:
                if httpx.get(self.env.base_url + "/", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the server process does not answer"
            time.sleep(0.05)

    def stderr(self) -> str:
        self._stderr.flush()
        return self.stderr_path.read_text(errors="replace")

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise AssertionError("no VmRSS")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self) -> None:
        self.env.close()
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self._stderr.close()


@pytest.fixture
def subserver(tmp_path: Path):
    servers: list[SubServer] = []

    def start() -> SubServer:
        servers.append(SubServer(tmp_path))
        return servers[-1]

    try:
        yield start
    finally:
        for s in servers:
            s.close()


def quick_get(env: Env, path: str = "/static/workshop.css", limit: float = 1.0) -> float:
    """A normal GET on a new connection: answered 200 within ``limit`` seconds."""
    t0 = time.monotonic()
    with env.client(timeout=limit + 1) as c:
        r = c.get(path)
    elapsed = time.monotonic() - t0
    assert r.status_code == 200, r.status_code
    assert elapsed < limit, f"a normal GET took {elapsed:.2f} s"
    return elapsed


# =========================================================================================
# binding and hosts
# =========================================================================================
def _other_local_addresses() -> list[str]:
    found = set()
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.add(str(info[4][0]))
    except OSError:
        pass
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))
            found.add(s.getsockname()[0])
    except OSError:
        pass
    return sorted(a for a in found if not a.startswith("127."))


def test_binds_to_loopback_by_default(env: Env) -> None:
    assert env.server.host == "127.0.0.1"
    assert env.base_url.startswith("http://127.0.0.1:")
    assert env.server.join_url.startswith("http://127.0.0.1:") and env.server.facilitator_url.startswith("http://127.0.0.1:")
    for address in _other_local_addresses():  # this machine's LAN address does not reach the server
        with pytest.raises(OSError):
            socket.create_connection((address, env.port), timeout=1).close()
    quick_get(env, "/")


def test_host_header_of_another_name_refused_on_loopback(env: Env) -> None:
    c = env.client(strict=False)
    refused = []
    for host in ("evil.example", f"evil.example:{env.port}", f"127.0.0.1.nip.io:{env.port}", "attacker.localhost"):
        r = c.get("/", headers={"Host": host})
        assert r.status_code == 400, (host, r.status_code)
        r2 = c.get(env.join_path, headers={"Host": host})
        assert r2.status_code == 400 and env.join_key not in r2.text, host
        refused += [r, r2]
    phone = env.phone(strict=False)
    phone.c.get(env.join_path)
    posted = phone.c.post(env.join_path, data={"csrf": phone.csrf}, headers={"Host": "evil.example"})
    assert posted.status_code == 400
    assert env.store.counts()["started"] == 0
    for host in (f"127.0.0.1:{env.port}", f"localhost:{env.port}"):
        assert c.get("/", headers={"Host": host}).status_code == 200, host
    for r in [*refused, posted]:  # an error like any other: with the security headers
        env.inspect.headers(r.headers, f"{r.request.method} {r.request.url.path} Host: {r.request.headers['host']}"
                                       f" -> {r.status_code} {r.text[:40]!r}")


# =========================================================================================
# CSRF and origin
# =========================================================================================
def test_join_without_or_with_wrong_csrf_is_refused(env: Env) -> None:
    phone = env.phone()
    assert phone.c.get(env.join_path).status_code == 200
    cases = [({}, None), ({"csrf": ""}, None), ({"csrf": "wrong" + phone.csrf}, None), ({"csrf": "x" * 100}, None),
             ({"csrf": phone.csrf}, "no cookie")]
    for data, how in cases:
        c = env.client() if how == "no cookie" else phone.c
        r = c.post(env.join_path, data=data)
        assert r.status_code == 403, (data, how, r.status_code)
        assert "expired" in r.text, r.text[:300]
        assert "cx_p" not in r.headers.get("set-cookie", "")
    assert env.store.counts()["started"] == 0


def test_form_and_api_posts_without_or_with_wrong_csrf_are_refused_and_store_nothing(env: Env) -> None:
    phone = env.phone().join()
    good = phone.csrf
    for bad in (None, "", "nope", good[:-1], good + "x", "x" * 65):
        r = phone.form(1, {"answer": "A1=3"}, csrf=bad)
        assert r.status_code == 403, (bad, r.status_code)
        assert "expired" in r.text
        r = phone.form(0, {"attr:role": "Manager", "action": "next"}, csrf=bad)
        assert r.status_code == 403
        r = phone.api({"item": "A1", "value": 3}, csrf=bad)
        assert r.status_code == 403, (bad, r.status_code)
        assert "expired" in r.json()["error"]
    # the right token in the form, but no CSRF cookie sent with it
    stranger = env.client(cookies={"cx_p": phone.token})
    r = stranger.post("/p/1", data={"csrf": good, "answer": "A1=3"})
    assert r.status_code == 403
    r = stranger.post("/api/answer", json={"item": "A1", "value": 3}, headers={"X-CSRF-Token": good})
    assert r.status_code == 403
    # the token in a query string or a form field does not replace the header on the API
    r = phone.c.post(f"/api/answer?csrf={good}", content=json.dumps({"item": "A1", "value": 3, "csrf": good}),
                     headers={"Content-Type": "application/json"})
    assert r.status_code == 403
    assert env.answers_stored() == 0
    assert env.store.participant(phone.code).attributes == {}
    assert phone.answer("A1", 3).status_code == 200  # with it, it works
    assert env.answers_stored() == 1


def test_origin_from_another_site_is_refused(env: Env) -> None:
    phone = env.phone()
    phone.c.get(env.join_path)
    for origin in ("http://evil.example", f"http://evil.example:{env.port}", f"http://127.0.0.1:{env.port}.evil.example",
                   f"http://localhost.evil.example:{env.port}"):
        r = phone.c.post(env.join_path, data={"csrf": phone.csrf}, headers={"Origin": origin})
        assert r.status_code == 403, (origin, r.status_code)
        assert "another site" in r.text
    assert env.store.counts()["started"] == 0
    phone.join()
    for origin in ("http://evil.example", f"https://evil.example:{env.port}"):
        r = phone.api({"item": "A1", "value": 3}, headers={"Origin": origin})
        assert r.status_code == 403 and "another site" in r.json()["error"], origin
        r = phone.form(1, {"answer": "A1=3"}, headers={"Origin": origin})
        assert r.status_code == 403, origin
    assert env.answers_stored() == 0
    r = phone.api({"item": "A1", "value": 3}, headers={"Origin": env.base_url})  # same site: fine
    assert r.status_code == 200


# =========================================================================================
# body size
# =========================================================================================
def test_body_over_the_limit_with_content_length_gets_413(env: Env) -> None:
    phone = env.phone().join()
    big = b"a=" + b"x" * (BODY_LIMIT + 100)
    r = phone.c.post(env.join_path, content=big, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413
    r = phone.c.post("/p/1", content=big, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413
    r = phone.api(raw=json.dumps({"item": "A1", "value": 3, "pad": "x" * (BODY_LIMIT + 100)}).encode())
    assert r.status_code == 413
    # a Content-Length claiming a gigabyte, with no body behind it: refused at once, not awaited
    for path in ("/api/answer", "/p/1", env.join_path):
        req = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{env.port}\r\n").encode() + cookie_header(phone) + \
              b"Content-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n"
        res = env.raw(req, timeout=3)
        assert res.status == 413, (path, res.data[:200])
        assert res.elapsed < 2
        env.inspect.headers(res.headers, f"raw POST {path} (1 GB Content-Length)")
    quick_get(env)
    assert env.answers_stored() == 0 and env.store.counts()["started"] == 1


@pytest.mark.parametrize("target", ["/api/answer", "/p/1", "join"])
def test_chunked_body_over_the_limit_gets_413(env: Env, target: str) -> None:
    phone = env.phone().join()
    path = env.join_path if target == "join" else target
    ctype = b"application/json" if target == "/api/answer" else b"application/x-www-form-urlencoded"
    chunk = b"x" * 4096
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(8)) + b"0\r\n\r\n"  # 32 KB, no length
    req = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{env.port}\r\n").encode() + cookie_header(phone) + \
          b"Content-Type: " + ctype + b"\r\nTransfer-Encoding: chunked\r\n\r\n" + body
    res = env.raw(req, timeout=3)
    assert res.status == 413, (target, res.data[:300])
    env.inspect.headers(res.headers, f"raw chunked POST {target}")
    # and through httpx, streaming a body of unknown length
    r = phone.c.post(path, content=iter([chunk] * 8), headers={"Content-Type": ctype.decode(),
                                                                "X-CSRF-Token": phone.csrf})
    assert r.status_code == 413, (target, r.status_code, r.text[:200])
    quick_get(env)
    assert env.answers_stored() == 0 and env.store.counts()["started"] == 1


# =========================================================================================
# answer values and malformed bodies
# =========================================================================================
API_BAD = [
    ({"item": "A1", "value": 0}, "off the scale"),
    ({"item": "A1", "value": 6}, "off the scale"),
    ({"item": "A1", "value": -3}, "off the scale"),
    ({"item": "A1", "value": 10 ** 40}, "off the scale"),
    ({"item": "A1", "value": 3.0}, "Expected"),
    ({"item": "A1", "value": 3.5}, "Expected"),
    ({"item": "A1", "value": "3"}, "Expected"),
    ({"item": "A1", "value": True}, "Expected"),
    ({"item": "A1", "value": False}, "Expected"),
    ({"item": "A1", "value": None}, "Expected"),
    ({"item": "A1", "value": [3]}, "Expected"),
    ({"item": "A1", "value": {"v": 3}}, "Expected"),
    ({"item": "A1"}, "Expected"),
    ({"value": 3}, "Expected"),
    ({"item": 1, "value": 3}, "Expected"),
    ({"item": ["A1"], "value": 3}, "Expected"),
    ({"item": "Z9", "value": 3}, "not an item"),
    ({"item": "a1", "value": 3}, "not an item"),
    ({"item": "", "value": 3}, "not an item"),
    ({"item": "A1\u0000", "value": 3}, "not an item"),
    ({"item": "x" * 12_000, "value": 3}, "not an item"),
    ({"item": "A1", "value": "x" * 12_000}, "Expected"),
    ({"item": "A1", "value": "dont_know"}, "Expected"),
]
API_BAD_RAW = [
    (b"[1, 2]", "JSON object"),
    (b'[{"item": "A1", "value": 3}]', "JSON object"),
    (b"3", "JSON object"),
    (b'"A1=3"', "JSON object"),
    (b"null", "JSON object"),
    (b"true", "JSON object"),
    (b"", "JSON"),
    (b"{", "JSON"),
    (b"{'item': 'A1', 'value': 3}", "JSON"),
    (b'{"item": "A1", "value": 3', "JSON"),
    (b"\xff\xfe\x00{", "JSON"),
    (b'{"item": "A1", "value": NaN}', "Expected"),
    (b'{"item": "A1", "value": Infinity}', "Expected"),
    (b'{"item": "A1", "value": 1e999}', "Expected"),
    (b'[{"item": "A1", "value": 3}' + b"]" * 3000, "JSON"),
]
API_TOO_DEEP = [  # nested too deep for json.loads (RecursionError), yet under the body limit
    b"[" * 5000 + b"]" * 5000,
    b'{"a":' * 2000 + b"1" + b"}" * 2000,
    b'{"item": "A1", "value": ' + b"[" * 5000 + b"]" * 5000 + b"}",
]


def test_api_refuses_bad_answers_with_a_clear_400(env: Env) -> None:
    phone = env.phone().join()
    for body, expected in API_BAD:
        r = phone.api(body)
        assert r.status_code == 400, (str(body)[:80], r.status_code, r.text[:200])
        error = r.json()["error"]
        assert expected in error, (str(body)[:80], error[:200])
    for raw, expected in API_BAD_RAW:
        r = phone.api(raw=raw)
        assert r.status_code == 400, (raw[:40], r.status_code, r.text[:200])
        assert r.headers["content-type"].startswith("application/json")
        assert expected in r.json()["error"], (raw[:40], r.text[:200])
    assert env.answers_stored() == 0
    assert phone.answer("A1", "dk").status_code == 200  # the accepted forms still are
    assert phone.answer("A2", 5).json() == {"saved": True, "item": "A2", "answered": 2, "total": 5}
    assert env.answers_stored() == 2


def test_api_refuses_json_nested_too_deep_with_400(env: Env) -> None:
    phone = env.phone(strict=False).join()
    got = []
    for raw in API_TOO_DEEP:
        assert len(raw) < BODY_LIMIT
        r = phone.api(raw=raw)
        got.append((r.status_code, r.text[:100]))
    assert all(status == 400 for status, _ in got), got  # app.api_answer: json.loads raises RecursionError
    assert env.answers_stored() == 0
    quick_get(env)


FORM_BAD = [
    ({"answer": "A1=0"}, "off the scale"),
    ({"answer": "A1=9"}, "off the scale"),
    ({"answer": "A1=" + "9" * 5000}, "not an answer"),
    ({"answer": "A1=3.0"}, "not an answer"),
    ({"answer": "A1=true"}, "not an answer"),
    ({"answer": "A1="}, "not an answer"),
    ({"answer": "A1"}, "not an answer"),
    ({"answer": "A1=x" + "y" * 12_000}, "not an answer"),
    ({"answer": "Z9=3"}, "not an item"),
    ({"answer": "=3"}, "not an item"),
    ({"answer": "x" * 12_000 + "=3"}, "not an item"),
]


def test_form_refuses_bad_answers_with_a_clear_400(env: Env) -> None:
    phone = env.phone().join()
    for data, expected in FORM_BAD:
        r = phone.form(1, data)
        assert r.status_code == 400, (str(data)[:80], r.status_code)
        m = re.search(r'<p class="error" role="alert">(.*?)</p>', r.text, re.DOTALL)
        assert m and expected in m.group(1), (str(data)[:80], m.group(1)[:200] if m else r.text[:300])
    for value in ("Director", "manager", "x" * 12_000):  # an attribute off its choices
        r = phone.form(0, {"attr:role": value, "action": "next"})
        assert r.status_code == 400, value[:20]
        assert "not one of the choices" in r.text
    assert env.answers_stored() == 0
    assert env.store.participant(phone.code).attributes == {}


def test_form_fields_galore_and_odd_encodings_are_refused(env: Env) -> None:
    phone = env.phone().join()
    many = "&".join(f"f{n}=1" for n in range(1500)) + f"&csrf={phone.csrf}&answer=A1%3D3"
    assert len(many) < BODY_LIMIT
    r = phone.c.post("/p/1", content=many, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400, r.status_code
    assert "could not be read" in r.text
    r = phone.c.post("/p/1", data={"csrf": phone.csrf}, files={"answer": ("a.txt", b"A1=3")})  # a file
    assert r.status_code == 400 and "could not be read" in r.text
    parts = [f'--b\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
             for name, value in [("csrf", phone.csrf), ("answer", "A1=3")] + [("f", "1")] * 250]
    body = ("".join(parts) + "--b--\r\n").encode()
    assert len(body) < BODY_LIMIT
    r = phone.c.post("/p/1", content=body, headers={"Content-Type": "multipart/form-data; boundary=b"})
    assert r.status_code == 400 and "could not be read" in r.text
    r = phone.c.post("/p/1", content=b"--x\r\nbroken", headers={"Content-Type": "multipart/form-data; boundary=x"})
    assert r.status_code in (400, 403)
    r = phone.c.post("/p/1", content=f"csrf={phone.csrf}&answer=A1%3D3".encode() + b"\xff\xfe",
                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    assert r.status_code in (303, 400)  # stored or refused, but answered
    r = phone.c.post(env.join_path, content="&".join(f"csrf={n}" for n in range(1500)),
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400
    history = env.store.history(phone.code)
    assert len(history) <= 1 and set(history["item_id"]) <= {"A1"}
    assert env.store.counts()["started"] == 1


def test_odd_page_numbers_get_404_not_a_server_error(env: Env) -> None:
    phone = env.phone(strict=False).join()
    got = {}
    for where in ("4", "99", "-1", "1.0", "%C2%B2", "%E2%91%A0", "%D9%A3", "0x1", "1%00", "a" * 3000, "summary",
                  "about"):
        r = phone.c.get(f"/p/{where}", headers={"Connection": "close"})  # uvicorn drops the connection after a 500
        got[where[:20]] = r.status_code
        env.inspect.headers(r.headers, f"GET /p/{where[:20]} -> {r.status_code}") if r.status_code < 500 else None
    # '²' and '①' are str.isdigit() but not int(): app.open_page must not take them for a page number
    bad = {where: status for where, status in got.items()
           if not (status == 404 or (where == "%D9%A3" and status == 200))}
    assert not bad, f"expected 404 for these page numbers: {bad}"


def test_odd_actions_are_refused_not_a_server_error(env: Env) -> None:
    phone = env.phone(strict=False).join()
    got = {}
    for action in ("goto:\u00b2", "goto:\u2460", "goto:99", "goto:-1", "goto:", "submit\u0000", "x" * 5000, "submit"):
        r = phone.form(1, {"action": action}, headers={"Connection": "close"})
        got[action[:20]] = r.status_code
    bad = {action: status for action, status in got.items() if status not in (303, 400)}
    assert not bad, f"expected 303 or 400 for these actions: {bad}"
    assert env.store.participant(phone.code).status == "in_progress"  # an incomplete submit needs confirming
    r = phone.form(1, {"action": "submit", "confirm": "yes"})
    assert r.status_code == 303 and r.headers["location"] == "/p/done"
    r = phone.answer("A1", 3)
    assert r.status_code == 400 and "submitted" in r.json()["error"]
    assert env.answers_stored() == 0


# =========================================================================================
# rate limits
# =========================================================================================
def test_joining_is_rate_limited_per_address(env: Env) -> None:
    first = env.phone().join()
    t0 = time.monotonic()
    joined, refused = 1, None
    c = env.client()
    for _ in range(JOIN_BURST + 30):
        c.cookies.clear()
        c.get(env.join_path)
        r = c.post(env.join_path, data={"csrf": c.cookies.get("cx_csrf")})
        if r.status_code == 429:
            refused = r
            break
        assert r.status_code == 303, r.status_code
        joined += 1
    elapsed = time.monotonic() - t0
    assert refused is not None, f"{joined} joins from one address in {elapsed:.1f} s and none refused"
    assert "Too many people are joining" in refused.text
    assert "cx_p" not in refused.headers.get("set-cookie", "")
    assert JOIN_BURST <= joined <= JOIN_BURST + 1 + 0.5 * elapsed + 1
    assert env.store.counts()["started"] == joined
    # a phone that joined already is not locked out: it carries on where it was
    r = first.c.post(env.join_path, data={"csrf": first.csrf})
    assert r.status_code == 303 and r.headers["location"] == "/p"
    assert first.c.get("/p").status_code == 303


def test_answers_are_rate_limited_per_participant(env: Env) -> None:
    phone, other = env.phone().join(), env.phone().join()
    t0 = time.monotonic()
    statuses: list[int] = []
    limited: list[httpx.Response] = []
    lock, stop = threading.Lock(), threading.Event()

    def flood(c: httpx.Client) -> None:  # one participant's answers, from 4 connections at once
        for n in range(150):
            if stop.is_set() or time.monotonic() - t0 > 15:
                return
            r = c.post("/api/answer", json={"item": ITEMS[n % 5], "value": 1 + n % 5},
                       headers={"X-CSRF-Token": phone.csrf})
            with lock:
                statuses.append(r.status_code)
                if r.status_code == 429:
                    limited.append(r)
                    stop.set()

    threads = [threading.Thread(target=flood, args=(env.client(cookies=phone.c.cookies),)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    ok = statuses.count(200)
    assert limited, f"{ok} answers in {time.monotonic() - t0:.1f} s and none refused"
    assert set(statuses) <= {200, 429}, statuses
    assert "Slow down" in limited[0].json()["error"]
    assert ok >= ANSWER_BURST
    form_ok, form_limited = 0, None
    for _ in range(30):  # the form route shares the limit (it refills at 10 a second)
        r = phone.form(1, {"answer": "A1=2"})
        if r.status_code == 429:
            form_limited = r
            break
        assert r.status_code == 303
        form_ok += 1
    assert form_limited is not None and "Slow down" in form_limited.text
    assert form_ok <= 3
    assert len(env.store.history(phone.code)) == ok + form_ok  # what was refused was not stored
    assert other.answer("A1", 3).status_code == 200  # another participant is not slowed down


def test_keep_alive_requests_are_answered_without_delay(env: Env) -> None:
    """A phone keeps its connection open: a request on it must not wait ~40 ms for a delayed ACK.

    (asyncio turns Nagle off only for sockets made with proto IPPROTO_TCP; a socket made with
    ``socket.socket(family, SOCK_STREAM)`` has proto 0, so the response's header and body writes stall.)
    """
    times = []
    with socket.create_connection(("127.0.0.1", env.port), timeout=5) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for _ in range(15):
            t0 = time.perf_counter()
            s.sendall(f"GET /static/workshop.css HTTP/1.1\r\nHost: 127.0.0.1:{env.port}\r\n\r\n".encode())
            data = b""
            while not _complete(data):
                chunk = s.recv(65536)
                assert chunk, "the server closed a keep-alive connection"
                data += chunk
            times.append(time.perf_counter() - t0)
            assert data.startswith(b"HTTP/1.1 200")
    median = sorted(times)[len(times) // 2]
    assert median < 0.015, f"requests on a kept-alive connection take {median * 1000:.0f} ms each (first " \
                           f"{times[0] * 1000:.1f} ms): Nagle's algorithm is on for the server's sockets"


# =========================================================================================
# participants: tokens and isolation
# =========================================================================================
def test_unknown_participant_token_gets_401(env: Env) -> None:
    env.phone().join()
    for token in (secrets.token_urlsafe(24), secrets.token_urlsafe(48), "", "a" * 19, "a" * 65, "a" * 10_000,
                  "P-ABCDE", "%00" * 30, "\u00e9" * 30, '"' + secrets.token_urlsafe(24) + '"'):
        c = env.client()
        c.get("/")  # a CSRF cookie, as a browser would have
        csrf = c.cookies.get("cx_csrf")
        cookie = {"Cookie": f"cx_csrf={csrf}; cx_p=".encode() + token.encode("utf-8")}
        for r in (c.get("/p", headers=cookie), c.get("/p/1", headers=cookie), c.get("/p/done", headers=cookie),
                  c.post("/p/1", data={"csrf": csrf, "answer": "A1=3"}, headers=cookie)):
            assert r.status_code == 401, (token[:20], r.request.url.path, r.status_code)
            assert "We do not know this phone" in r.text
        r = c.post("/api/answer", json={"item": "A1", "value": 3}, headers={"X-CSRF-Token": csrf, **cookie})
        assert r.status_code == 401 and "We do not know this phone" in r.json()["error"]
    assert env.answers_stored() == 0


def test_participant_cannot_change_or_see_another_participants_answers(env: Env) -> None:
    a, b = env.phone().join(), env.phone().join()
    assert a.token != b.token and a.code != b.code
    assert b.answer("A1", 5).status_code == 200 and b.answer("B1", 4).status_code == 200
    b_before = env.store.participant(b.code)
    # every way A might name B
    for extra in ({"participant": b.code}, {"code": b.code}, {"respondent_id": b.code}, {"token": b.token[:5]}):
        r = a.api({"item": "A1", "value": 1, **extra})
        assert r.status_code == 200
        r = a.form(1, {"answer": "B1=1", **extra})
        assert r.status_code == 303
    r = a.c.post(f"/api/answer?participant={b.code}&code={b.code}", json={"item": "A2", "value": 1},
                 headers={"X-CSRF-Token": a.csrf})
    assert r.status_code == 200
    for path in (f"/p/{b.code}", f"/p/{b.code}/1", f"/api/answer/{b.code}", f"/p/1?code={b.code}"):
        r = a.c.get(path)
        assert r.status_code in (200, 404, 405), path  # only /p/1 (A's own page) may open
        assert b.code not in r.text
    # B's code, or a token close to B's, as the cookie: not B
    for forged in (b.code, b.token[:-1], b.token[:-1] + ("A" if b.token[-1] != "A" else "B"), b.token.upper(),
                   b.token + "x", b.token.encode().hex()[:64]):
        c = env.client(cookies={"cx_p": forged, "cx_csrf": a.csrf})
        r = c.post("/api/answer", json={"item": "A1", "value": 1}, headers={"X-CSRF-Token": a.csrf})
        assert r.status_code == 401, forged
        r = c.post("/p/3", data={"csrf": a.csrf, "action": "submit", "confirm": "yes"})
        assert r.status_code == 401, forged
    after = env.store.participant(b.code)
    assert after.answers == b_before.answers == {"A1": 5.0, "B1": 4.0}
    assert after.status == "in_progress" and len(env.store.history(b.code)) == 2
    assert env.store.participant(a.code).answers == {"A1": 1.0, "B1": 1.0, "A2": 1.0}
    # nothing lists participants or answers
    for path in ("/api", "/api/answers", "/api/answer", "/api/participants", "/p/all", "/p/", "/f", "/f/",
                 "/f/live", "/join", "/join/", "/static/", "/static/../pyproject.toml", "/static/app.py",
                 "/static/%2e%2e%2fpyproject.toml", "/session", "/" + SESSION_NAME, "/.env"):
        r = a.c.get(path)
        assert r.status_code in (404, 405) or (path == "/p/" and r.status_code == 307), (path, r.status_code)
        assert b.code not in r.text and '"answered"' not in r.text
    assert a.c.get("/p/1").status_code == 200


def test_participant_pages_show_nothing_of_anyone_else(env: Env) -> None:
    others = [env.phone().join() for _ in range(3)]
    for n, p in enumerate(others):
        p.submit_all(value=2 + n, role="Manager")
    projector = env.client().get(env.fac_path)
    assert projector.status_code == 200 and "Radar" in projector.text  # results exist now
    me = env.phone().join()
    pages = [me.c.get(f"/p/{n}") for n in range(4)]
    me.submit_all(value=5, role="Staff")
    pages += [me.c.get("/p/done"), me.c.get("/p"), me.c.get("/"), me.c.get(env.join_path),
              me.c.get("/p/1")]  # after submitting: redirected, not reopened
    pages.append(me.answer("A1", 1))
    for r in pages:
        assert r.status_code in (200, 303, 400), (r.request.url.path, r.status_code)
        text = r.text
        for p in others:
            assert p.code not in text and p.token not in text
        assert env.facilitator_key not in text
        assert "Radar" not in text and "Results from" not in text and "joined</span>" not in text
        assert "/f/" not in text
    assert pages[4].status_code == 200 and "Thank you" in pages[4].text
    assert me.c.get("/p/1").headers["location"] == "/p/done"


def test_wrong_facilitator_key_and_wrong_join_key_get_404(env: Env) -> None:
    c = env.client()
    jk, fk = env.join_key, env.facilitator_key
    wrong_keys = ["wrong", jk[:-1], jk + "x", jk.swapcase(), "", "%00", "\u00e9" * 24, "a" * 5000]
    for key in wrong_keys + [fk]:
        r = c.get(f"/join/{key}")
        assert r.status_code == 404, (key[:20], r.status_code)
        assert jk not in r.text and fk not in r.text
    phone = env.phone()
    phone.c.get("/")
    for key in wrong_keys + [fk]:
        r = phone.c.post(f"/join/{key}", data={"csrf": phone.csrf})
        assert r.status_code in (404, 405), (key[:20], r.status_code)
        assert "cx_p" not in r.headers.get("set-cookie", "")
    wrong_keys[wrong_keys.index(jk.swapcase())] = fk.swapcase()
    for key in wrong_keys + [jk, fk[:-1], fk + "x"]:
        for suffix in ("", "/live", "/join"):
            r = c.get(f"/f/{key}{suffix}")
            assert r.status_code == 404, (key[:20], suffix, r.status_code)
            assert fk not in r.text and jk not in r.text and "Radar" not in r.text
    assert env.store.counts()["started"] == 0
    assert c.get(env.fac_path).status_code == 200 and c.get(env.fac_path + "/live").status_code == 200


# =========================================================================================
# headers, errors, leaks
# =========================================================================================
def test_security_headers_on_pages_api_and_errors(env: Env) -> None:
    phone = env.phone().join()
    responses = [phone.c.get("/"), phone.c.get(env.join_path), phone.c.get("/p"), phone.c.get("/p/1"),
                 phone.c.get("/static/workshop.css"), phone.c.get("/static/workshop.js"), phone.answer("A1", 3),
                 phone.answer("A1", 9), phone.api(raw=b"{"), phone.api({"item": "A1", "value": 3}, csrf="bad"),
                 phone.form(1, {"answer": "A1=9"}), phone.c.get("/nope"), phone.c.get("/p/99"),
                 phone.c.put("/api/answer"), env.client().get("/p"), env.client().get(env.fac_path),
                 env.client().get(env.fac_path + "/live"), env.client().get(env.fac_path + "/join"),
                 env.client().get("/f/wrong")]
    statuses = sorted({r.status_code for r in responses})
    assert statuses == [200, 303, 400, 401, 403, 404, 405], statuses
    for r in responses:  # the response hook checked each; and HTML pages carry no inline script
        if r.headers.get("content-type", "").startswith("text/html"):
            assert "<script>" not in r.text
            assert "cx_p" not in r.text and phone.token not in r.text


def test_no_response_ever_shows_the_session_path_or_a_stack_trace(env: Env) -> None:
    """A sweep of odd requests; the hook inspects each answer (and this test that some were seen)."""
    phone = env.phone().join()
    c = phone.c
    odd = [("GET", "/p/%ff"), ("GET", "/%2e%2e/%2e%2e/etc/passwd"), ("GET", "/static/workshop.css%00"),
           ("GET", "/join/%ff%fe"), ("GET", "/f/%ff/live?by=%ff&partial=1"), ("POST", "/p/done"),
           ("DELETE", "/p/1"), ("OPTIONS", "/api/answer"), ("HEAD", "/"), ("GET", "/?" + "a=1&" * 2000),
           ("GET", env.fac_path + "?by=" + "x" * 3000), ("GET", env.fac_path + "/live?by=role&partial=1"),
           ("GET", env.fac_path + "/live?by=respondent_id"), ("PATCH", env.join_path)]
    seen = env.inspect.seen
    for method, path in odd:
        r = c.request(method, path, headers={"Accept": "*/*"})
        assert r.status_code < 500, (method, path, r.status_code)
    for headers in ({"Cookie": "cx_p=" + "%" * 3000}, {"Cookie": "\x7f=\x7f; cx_csrf"},
                    {"Content-Type": "\u00e9".encode("latin-1")},
                    {"Accept-Language": "x" * 8000}, {"X-Forwarded-For": "10.0.0.1"}):
        r = c.post("/p/1", content=b"csrf=x", headers=headers)
        assert r.status_code < 500, (headers, r.status_code)
    assert env.inspect.seen >= seen + len(odd) + 5


def test_projector_shows_no_path_even_with_dont_know_only_answers(env: Env) -> None:
    fac = env.client()
    assert "Waiting" in fac.get(env.fac_path).text or "Results appear" in fac.get(env.fac_path).text
    p = env.phone().join()
    for item in ITEMS:
        assert p.answer(item, "dk").status_code == 200
    for query in ("", "?partial=1", "?partial=1&by=role"):
        assert fac.get(env.fac_path + query).status_code == 200
        assert fac.get(env.fac_path + "/live" + query).status_code == 200
    p.form(3, {"action": "submit", "confirm": "yes"})
    for n in range(3):
        env.phone().join().submit_all(value=1 + n, role="Staff")
    live = fac.get(env.fac_path + "/live?by=role").json()
    assert set(live) == {"version", "counts", "results"}


# =========================================================================================
# malformed raw HTTP: no hang, no bloat, no busy loop  (server in a subprocess, to measure it)
# =========================================================================================
def _attacks(port: int, join_key: str) -> list[tuple[str, bytes]]:
    rnd = random.Random(7)
    host = f"Host: 127.0.0.1:{port}\r\n".encode()
    return [
        ("garbage", rnd.randbytes(8192) + b"\r\n\r\n"),
        ("garbage lines", b"\r\n".join(rnd.randbytes(200) for _ in range(20)) + b"\r\n\r\n"),
        ("tls hello", bytes.fromhex("160301020001000001fc0303") + rnd.randbytes(500)),
        ("header line of 100 KB", b"GET / HTTP/1.1\r\n" + host + b"X-Big: " + b"a" * 100_000 + b"\r\n\r\n"),
        ("request line of 1 MB", b"GET /" + b"a" * 1_000_000 + b" HTTP/1.1\r\n" + host + b"\r\n"),
        ("10000 headers", b"GET / HTTP/1.1\r\n" + host + b"".join(b"X-%d: 1\r\n" % n for n in range(10_000)) + b"\r\n"),
        ("cookie of 60 KB", b"GET /p HTTP/1.1\r\n" + host + b"Cookie: " + b"cx_p=a; " * 7500 + b"\r\n\r\n"),
        ("negative length", b"POST /api/answer HTTP/1.1\r\n" + host + b"Content-Length: -1\r\n\r\n"),
        ("two lengths", b"POST /api/answer HTTP/1.1\r\n" + host +
         b"Content-Length: 5\r\nContent-Length: 9\r\n\r\nhello"),
        ("length and chunked", b"POST /api/answer HTTP/1.1\r\n" + host +
         b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /x HTTP/1.1\r\n\r\n"),
        ("bad chunk size", b"POST /api/answer HTTP/1.1\r\n" + host + b"Transfer-Encoding: chunked\r\n\r\nzzzz\r\n"),
        ("huge chunk size", b"POST /join/" + join_key.encode() + b" HTTP/1.1\r\n" + host +
         b"Transfer-Encoding: chunked\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n"
         b"ffffffffffffffff\r\n" + b"a" * 20_000),
        ("nul in header", b"GET / HTTP/1.1\r\n" + host + b"X-\x00: \x00\r\n\r\n"),
        ("http/0.9", b"GET /\r\n\r\n"),
        ("http/2 preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + rnd.randbytes(100)),
        ("bad method", b"G\x01T / HTTP/1.1\r\n" + host + b"\r\n"),
        ("absolute url", b"GET http://evil.example/ HTTP/1.1\r\nHost: evil.example\r\n\r\n"),
        ("pipelined 100", (b"GET /static/workshop.css HTTP/1.1\r\n" + host + b"\r\n") * 100),
        ("expect 100 with a huge length", b"POST /api/answer HTTP/1.1\r\n" + host +
         b"Expect: 100-continue\r\nContent-Length: 99999999999\r\n\r\n"),
        ("upgrade to websocket", b"GET / HTTP/1.1\r\n" + host + b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
         b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"),
    ]


def test_malformed_raw_http_does_not_hang_or_bloat_the_server(subserver: Callable[[], SubServer]) -> None:
    srv = subserver()
    env = srv.env
    phone = env.phone().join()
    for _ in range(20):  # warm up every path once, so what grows later is the attacks' doing
        phone.c.get("/p/1")
        quick_get(env)
    env.client().get(env.fac_path)
    rss0 = srv.rss_mb()
    attacks = _attacks(env.port, env.join_key)

    # slowloris: connections opened and left idle, or mid-headers, or mid-body
    idle: list[socket.socket] = []
    try:
        for n in range(150):
            s = socket.create_connection(("127.0.0.1", env.port), timeout=2)
            if n % 3 == 1:
                s.sendall(f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{env.port}\r\nX-Slow: ".encode())
            elif n % 3 == 2:
                s.sendall(f"POST {env.join_path} HTTP/1.1\r\nHost: 127.0.0.1:{env.port}\r\n"
                          "Content-Type: application/x-www-form-urlencoded\r\n"
                          "Content-Length: 1000\r\n\r\ncsrf=".encode())
            idle.append(s)
        time.sleep(0.2)
        quick_get(env)
        cpu0 = srv.cpu_seconds()
        time.sleep(1.0)
        idle_cpu = srv.cpu_seconds() - cpu0
        assert idle_cpu < 0.3, f"the server used {idle_cpu:.2f} s of CPU in 1 s with idle connections open"

        # the attacks, on a thread, while a normal client keeps asking
        hung: list[str] = []
        stop = threading.Event()

        def attack() -> None:
            start = time.monotonic()
            deadline = start + 20
            for rounds in range(10):  # at least 3 rounds and 2 s of attacks, while the probes run
                if rounds >= 3 and time.monotonic() - start > 2:
                    return
                for name, data in attacks:
                    if stop.is_set() or time.monotonic() > deadline:
                        return
                    res = raw_exchange(env.port, data, timeout=3)
                    if not res.closed and res.status is None:
                        hung.append(name)
                    env.inspect.body(res.data.decode("utf-8", "replace"), f"attack {name}")
                    if res.status is not None and res.status >= 500:
                        hung.append(f"{name}: {res.status}")

        worker = threading.Thread(target=attack, daemon=True)
        worker.start()
        slowest = 0.0
        probes = 0
        try:
            while worker.is_alive() and probes < 400:
                slowest = max(slowest, quick_get(env))
                probes += 1
                time.sleep(0.05)
        finally:
            stop.set()
            worker.join(25)
        assert not worker.is_alive()
        assert probes >= 5
        assert not hung, f"no answer (or a server error) to: {hung}"
        quick_get(env)
        cpu0 = srv.cpu_seconds()
        time.sleep(1.0)
        busy = srv.cpu_seconds() - cpu0
        assert busy < 0.3, f"after the attacks the server used {busy:.2f} s of CPU in 1 s"
    finally:
        for s in idle:
            s.close()
    quick_get(env)
    assert phone.answer("A1", 3).status_code == 200  # and it still works
    grown = srv.rss_mb() - rss0
    assert grown < 50, f"the server grew by {grown:.0f} MB"
    assert srv.proc.poll() is None
    assert len(srv.stderr()) < 512_000, "the server's log grew by more than 500 KB"


def test_malformed_chunked_request_logs_no_traceback(env: Env, caplog: pytest.LogCaptureFixture) -> None:
    """A client's broken chunked body is the client's fault: a warning at most, not an app error."""
    phone = env.phone().join()
    head = f"POST /api/answer HTTP/1.1\r\nHost: 127.0.0.1:{env.port}\r\n".encode() + cookie_header(phone)
    for _ in range(3):
        res = env.raw(head + b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzzzz\r\n")
        assert res.status == 400 or res.closed
        quick_get(env)
    errors = [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= 40 or r.exc_info]
    assert not errors, errors


# =========================================================================================
# stopping: kill -9, SIGTERM (workshop stop), Ctrl-C
# =========================================================================================
def test_kill_9_mid_stream_loses_no_acknowledged_answer(subserver: Callable[[], SubServer]) -> None:
    from cxassess.errors import CxError
    from cxassess.workshop.serve import stop_server
    from cxassess.workshop.store import open_session

    srv = subserver()
    phone = srv.env.phone().join()
    with open_session(srv.path) as s:
        code = s.participant_for_token(phone.token)
    acked: list[tuple[str, float]] = []
    in_flight: list[tuple[str, float]] = []
    errors: list[str] = []

    def stream() -> None:
        for n in range(2000):
            item, value = ITEMS[n % 5], 1 + (n * 3) % 5
            in_flight[:] = [(item, float(value))]
            try:
                if n % 2:
                    r = phone.form(1 + ITEMS.index(item) // 3, {"answer": f"{item}={value}"})
                    ok = r.status_code == 303
                else:
                    r = phone.answer(item, value)
                    ok = r.status_code == 200
            except httpx.HTTPError:
                return  # the server is gone
            if ok:
                acked.append((item, float(value)))
                in_flight.clear()
            elif r.status_code == 429:
                in_flight.clear()
                time.sleep(0.12)
            else:
                errors.append(f"{r.status_code} {r.text[:200]}")
                return

    worker = threading.Thread(target=stream, daemon=True)
    worker.start()
    deadline = time.monotonic() + 15
    while len(acked) < 40 and worker.is_alive() and time.monotonic() < deadline:
        time.sleep(0.005)
    os.kill(srv.proc.pid, signal.SIGKILL)
    srv.proc.wait(10)
    worker.join(10)
    assert not errors, errors
    assert len(acked) >= 40
    with open_session(srv.path) as s:
        assert s.integrity_ok()
        log = [(i, float(v)) for i, v in s.history(code)[["item_id", "value"]].itertuples(index=False)]
        latest = s.participant(code).answers
    assert log[:len(acked)] == acked, "an acknowledged answer is missing from the session file"
    assert len(log) - len(acked) <= len(in_flight) <= 1
    final = dict(acked + log[len(acked):])
    assert latest == {item: value for item, value in final.items()}
    assert srv.state.exists()  # left behind by the killed server: `workshop stop` clears it
    with pytest.raises(CxError, match="already stopped"):
        stop_server(srv.path)
    assert not srv.state.exists()


def _reaper(proc: subprocess.Popen) -> threading.Thread:
    """Reap the child as soon as it exits (a zombie would still look alive to stop_server)."""
    t = threading.Thread(target=proc.wait, daemon=True)
    t.start()
    return t


def test_stop_server_sigterm_exits_cleanly_and_removes_its_state_file(subserver: Callable[[], SubServer]) -> None:
    from cxassess.workshop.serve import stop_server
    from cxassess.workshop.store import open_session

    srv = subserver()
    phone = srv.env.phone().join()
    assert phone.answer("A1", 4).status_code == 200
    assert json.loads(srv.state.read_text())["pid"] == srv.proc.pid
    reaper = _reaper(srv.proc)
    t0 = time.monotonic()
    assert stop_server(srv.path) == srv.proc.pid
    reaper.join(10)
    assert time.monotonic() - t0 < 8
    assert srv.proc.returncode == 0, f"exit code {srv.proc.returncode}; stderr: {srv.stderr()[-2000:]}"
    assert not srv.state.exists()
    assert "Traceback" not in srv.stderr(), srv.stderr()[-3000:]
    with open_session(srv.path) as s:
        assert s.integrity_ok() and s.counts()["answers"] == 1
    with pytest.raises(httpx.ConnectError):
        httpx.get(srv.env.base_url + "/", timeout=1)


def test_sigterm_server_removes_its_own_state_file(subserver: Callable[[], SubServer]) -> None:
    srv = subserver()
    srv.env.phone().join()
    srv.proc.send_signal(signal.SIGTERM)
    srv.proc.wait(10)
    assert srv.proc.returncode == 0, f"exit code {srv.proc.returncode}; stderr: {srv.stderr()[-2000:]}"
    assert not srv.state.exists(), "the server left its .server.json behind"


def test_ctrl_c_closes_cleanly(subserver: Callable[[], SubServer]) -> None:
    srv = subserver()
    srv.env.phone().join()
    srv.proc.send_signal(signal.SIGINT)
    srv.proc.wait(10)
    assert srv.proc.returncode in (0, 130), f"exit code {srv.proc.returncode}; stderr: {srv.stderr()[-2000:]}"
    assert "Traceback" not in srv.stderr(), srv.stderr()[-3000:]
    assert not srv.state.exists(), "the server left its .server.json behind"


# --- outcome statements and open questions (issue 13) ---------------------------------------
def _words_questionnaire() -> Any:
    from test_workshop import words_questionnaire

    return words_questionnaire()


WORDS_PAGES = {"about": 0, "A": 1, "B": 2, "overall": 3, "words": 4, "summary": 5}
OPEN_TEXT = "<script>alert(1)</script> Faster refunds &amp; call\r\nback"
OPEN_STORED = "<script>alert(1)</script> Faster refunds &amp; call\nback"


@pytest.fixture
def wenv(tmp_path: Path):
    """A workshop of the mini questionnaire with an outcome statement and two open questions."""
    yield from _served(tmp_path, _words_questionnaire())


def _open_api(phone: Phone, body: Any, csrf: Any = OWN) -> httpx.Response:
    token = phone.csrf if csrf is OWN else csrf
    headers = {"Content-Type": "application/json", **({"X-CSRF-Token": token} if token is not None else {})}
    return phone.c.post("/api/open", content=json.dumps(body).encode(), headers=headers)


def _multipart(fields: dict[str, str]) -> tuple[bytes, str]:
    """A multipart/form-data body, as a browser sends the open questions' form (enctype on the form)."""
    boundary = "----cxassess" + secrets.token_hex(8)
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in fields.items()]
    return ("".join(parts) + f"--{boundary}--\r\n").encode("utf-8"), f"multipart/form-data; boundary={boundary}"


def test_outcome_and_open_pages_work_as_form_posts_without_javascript(wenv: Env) -> None:
    phone = wenv.phone().join()
    assert phone.form(0, {"attr:role": "Staff", "action": "next"}).headers["location"] == "/p/1"
    for where, items in ((1, ["A1", "A2", "A3"]), (2, ["B1", "B2"])):
        for item in items:
            assert phone.form(where, {"answer": f"{item}=4"}).status_code == 303
        assert phone.form(where, {"action": "next"}).status_code == 303
    page = phone.c.get("/p/3")
    assert page.status_code == 200 and "<h1>Overall views</h1>" in page.text
    assert "I would recommend &lt;us&gt;" in page.text and 'value="OUT1=5"' in page.text
    assert "5 of 6 answered" in re.sub(r"<[^>]+>", "", page.text)
    assert phone.form(3, {"answer": "OUT1=5"}).headers["location"] == "/p/3#i0"
    assert phone.form(3, {"action": "next"}).headers["location"] == "/p/4"
    page = phone.c.get("/p/4")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text
    assert 'name="open:CHANGE"' in page.text and 'maxlength="1000"' in page.text and "1,000 characters" in page.text
    assert "What should &lt;i&gt;change&lt;/i&gt;?" in page.text
    body, kind = _multipart({"csrf": phone.csrf, "open:CHANGE": OPEN_TEXT, "open:PROUD": "", "action": "next"})
    r = phone.c.post("/p/4", content=body, headers={"Content-Type": kind})
    assert r.status_code == 303 and r.headers["location"] == "/p/5", r.text[:300]
    page = phone.c.get("/p/4")  # the words come back escaped in their box
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Faster refunds &amp;amp; call\nback</textarea>" in page.text
    assert "<script>alert" not in page.text
    summary = phone.c.get("/p/5")
    assert "1 of 2 open questions answered" in re.sub(r"\s+", " ", summary.text)
    assert phone.form(5, {"action": "goto:4"}).headers["location"] == "/p/4"  # "Open: In your own words"
    assert phone.form(5, {"action": "submit"}).headers["location"] == "/p/done"
    r = wenv.store.to_responses()
    assert r.answers.set_index("item_id")["value"].to_dict() == {"A1": 4.0, "A2": 4.0, "A3": 4.0, "B1": 4.0,
                                                                 "B2": 4.0, "OUT1": 5.0}
    assert r.comments.to_dict("records") == [{"respondent_id": phone.code, "question_id": "CHANGE",
                                               "text": OPEN_STORED}]
    # the projector never shows a comment, however many there are
    fac = wenv.client().get(wenv.fac_path + "?partial=1")
    live = wenv.client().get(wenv.fac_path + "/live?partial=1")
    for text in (fac.text, live.text):
        assert "Faster refunds" not in text and "alert(1)" not in text


def test_open_answers_saved_without_reload_and_their_limit_enforced_by_the_server(wenv: Env) -> None:
    phone = wenv.phone().join()
    r = _open_api(phone, {"question": "CHANGE", "text": "é" * 1000})  # the limit counts characters, not bytes
    assert r.status_code == 200 and r.json() == {"saved": True, "question": "CHANGE", "length": 1000, "max": 1000}
    assert wenv.store.participant(phone.code).open_answers == {"CHANGE": "é" * 1000}
    r = _open_api(phone, {"question": "PROUD", "text": "x" * 1001})
    assert r.status_code == 400 and "1,001 characters long; keep it to 1,000" in r.json()["error"]
    for bad, expected in [({"question": "A1", "text": "hi"}, "not an open question"),
                          ({"question": "CHANGE", "text": 5}, "Expected"),
                          ({"question": "CHANGE"}, "Expected"),
                          ({"question": "CHANGE", "text": "bell\x07"}, "control characters")]:
        r = _open_api(phone, bad)
        assert r.status_code == 400 and expected in r.json()["error"], (bad, r.text)
    for bad_csrf in (None, "", "nope"):
        r = _open_api(phone, {"question": "CHANGE", "text": "changed"}, csrf=bad_csrf)
        assert r.status_code == 403
    stranger = wenv.client()
    stranger.get(wenv.join_path)
    r = stranger.post("/api/open", json={"question": "CHANGE", "text": "not mine"},
                      headers={"X-CSRF-Token": stranger.cookies.get("cx_csrf") or ""})
    assert r.status_code == 401
    assert wenv.store.participant(phone.code).open_answers == {"CHANGE": "é" * 1000}
    # without JavaScript: a text over the limit is refused, said, and stays in its box to be shortened
    too_long = "y" * 1001
    body, kind = _multipart({"csrf": phone.csrf, "open:CHANGE": "short now", "open:PROUD": too_long,
                             "action": "next"})
    r = phone.c.post("/p/4", content=body, headers={"Content-Type": kind})
    assert r.status_code == 400 and "1,001 characters long" in r.text and f">{too_long}</textarea>" in r.text
    assert wenv.store.participant(phone.code).open_answers == {"CHANGE": "short now"}
    assert wenv.store.participant(phone.code).page == ":words"  # it stays on the open page: nothing moved on
    # both boxes at their longest in 4-byte characters fit the body limit as the browser sends them
    body, kind = _multipart({"csrf": phone.csrf, "open:CHANGE": "😀" * 1000, "open:PROUD": "😀" * 1000,
                             "action": "next"})
    assert len(body) > 8000
    r = phone.c.post("/p/4", content=body, headers={"Content-Type": kind})
    assert r.status_code == 303, r.text[:300]
    assert wenv.store.participant(phone.code).open_answers == {"CHANGE": "😀" * 1000, "PROUD": "😀" * 1000}
    # the body limit still holds past that
    body, kind = _multipart({"csrf": phone.csrf, "open:CHANGE": "z" * 40_000, "action": "next"})
    assert phone.c.post("/p/4", content=body, headers={"Content-Type": kind}).status_code == 413


def test_open_answers_are_rate_limited_with_the_answers(wenv: Env) -> None:
    phone = wenv.phone().join()
    t0 = time.monotonic()
    accepted: set[str] = set()
    refused: list[httpx.Response] = []
    lock, stop = threading.Lock(), threading.Event()

    def flood(c: httpx.Client, k: int) -> None:  # one participant's saves, from 4 connections at once
        for n in range(200):
            if stop.is_set() or time.monotonic() - t0 > 15:
                return
            text = f"words {k}-{n}"
            r = c.post("/api/open", json={"question": "CHANGE", "text": text}, headers={"X-CSRF-Token": phone.csrf})
            with lock:
                if r.status_code == 200:
                    accepted.add(text)
                else:
                    refused.append(r)
                    stop.set()

    threads = [threading.Thread(target=flood, args=(wenv.client(cookies=phone.c.cookies), k)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert refused, f"{len(accepted)} saves in {time.monotonic() - t0:.1f} s and none refused"
    assert {r.status_code for r in refused} == {429} and "Slow down" in refused[0].json()["error"]
    assert len(accepted) >= ANSWER_BURST
    assert wenv.store.participant(phone.code).open_answers["CHANGE"] in accepted
