"""Benchmark the served live workshop: N simulated phones joining at once and answering everything.

Goals (the issue, on a 2-core machine): 200 participants join within 30 s, answer save p95 under
100 ms, server memory under 300 MB, projector refresh under 0.5 s with 200 participants.

The server runs in a process of its own (``serve(..., background=False).run()``, exactly as
``cxassess workshop serve`` does), so its memory is that process's RSS (VmRSS sampled every
0.1 s, VmHWM = peak). The phones are simulated in this process with asyncio and aiohttp: one
HTTP session and cookie jar per phone, each from its own 127.0.x.y source address (so the per-address
join limit behaves as in a room of phones), keep-alive connections as a browser keeps them.

Each phone, as the app with JavaScript would:
  (1) join: GET /join/<key> (CSRF cookie), POST /join/<key> -> 303 /p -> 303 /p/0 (about you);
      all N at once, and every phone waits until all have joined before (2), so the phases are apart;
  (2) POST /p/0 with its attributes and action=next, then per section the 5 statements with
      POST /api/answer (X-CSRF-Token) and a Next (POST /p/<n> action=next -> 303 -> GET /p/<n+1>),
      with a think time before every tap (uniform 0..2 x --think, seeded);
  (3) submit from the summary page (POST /p/9 action=submit confirm=yes -> /p/done), as soon as it
      has answered everything (so submissions mix with other phones' answers, as in a room);
  (4) the projector: GET /f/<key>/live every --projector-every seconds while answers arrive
      (include people still answering, so there is something to score), then with all N submitted:
      the first refresh (re-score + redraw), unchanged refreshes (cached), and views that alternate
      between two groupings (two screens: each one is a redraw, the app keeps one drawn state).

One run per --think value (default 0.5 s and 0 = saturation), each with a fresh server and session
file. Baselines in the same invocation, for ratios: SessionStore.record_answer in this process (no
HTTP; fsync'd commit on the same disk), an idle HTTP round trip (GET /static/workshop.css), and the
projector's score + draw done in this process on the final session. At the end the session file
is checked: exactly N submitted participants x 40 answers, each as the phone sent it.

Latency on a shared machine is noisy: the table shows how much CPU other processes used meanwhile
("other processes' CPU", in cores) and this process's own event-loop lag, so a contaminated run
can be told from a slow server.

Run: .venv/bin/python benchmarks/bench_live_workshop.py [--participants 200] [--think 0.5 0]
     [--seed 1] [--keep] [--max-seconds 180]
Needs aiohttp (the simulated phones).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

ATTRIBUTES = {"role": ["Senior leader", "Manager", "Front-line staff", "Support function"],
              "department": ["Sales", "Service", "Operations", "Other"]}
GOAL_JOIN_S, GOAL_ANSWER_P95_MS, GOAL_RSS_MB, GOAL_PROJECTOR_S = 30.0, 100.0, 300.0, 0.5
REQUEST_TIMEOUT_S = 30.0
MAX_TRIES = 3  # a phone "taps again" after an error, at most this many times per action

SERVER_CODE = """
import json, sys
from cxassess.workshop.serve import serve
server = serve("Benchmark client", session_file=sys.argv[1], attributes=json.loads(sys.argv[2]),
               host="127.0.0.1", port=0, min_group_size=3, background=False)
print(json.dumps({"join": server.store.secret("join"), "facilitator": server.store.secret("facilitator")}), flush=True)
server.run()
"""


class Abort(Exception):
    """Something that makes the run meaningless (server did not start, time is up)."""


# --- small statistics -----------------------------------------------------------------------
def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank on sorted values); NaN for none."""
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(p / 100 * (len(s) - 1)))))]


def ms(v: float) -> str:
    return "n/a" if v != v else f"{v * 1000:.1f} ms"


def lat(values: list[float], ps: tuple[int, ...] = (50, 95)) -> str:
    if not values:
        return "n/a"
    return " / ".join(f"{pct(values, p) * 1000:.1f}" for p in ps) + f" / {max(values) * 1000:.1f} ms"


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when this benchmark dies (even by SIGKILL), so no server is left."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


# --- the server process ---------------------------------------------------------------------
class ServerProcess:
    """``serve(...).run()`` in a child process; its RSS and CPU time read from /proc."""

    def __init__(self, session: Path, log: Path) -> None:
        self.session, self.log_path = session, log
        self.proc: subprocess.Popen[str] | None = None
        self.keys: dict[str, str] = {}
        self.port = 0
        self.rss_samples: list[tuple[float, float]] = []  # (monotonic time, MB)

    def start(self, timeout: float = 30.0) -> None:
        self._log = open(self.log_path, "w", encoding="utf-8")
        self.proc = subprocess.Popen([sys.executable, "-c", SERVER_CODE, str(self.session), json.dumps(ATTRIBUTES)],
                                     cwd=ROOT, stdout=subprocess.PIPE, stderr=self._log, text=True,
                                     preexec_fn=_die_with_parent)
        deadline = time.monotonic() + timeout
        line = self.proc.stdout.readline() if self.proc.stdout else ""  # the keys, printed before serving
        if not line:
            raise Abort(f"the server process ended before starting: {self.log_tail()}")
        self.keys = json.loads(line)
        state = self.session.with_name(self.session.name + ".server.json")
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise Abort(f"the server process ended (exit {self.proc.returncode}): {self.log_tail()}")
            with contextlib.suppress(OSError, ValueError, KeyError):
                data = json.loads(state.read_text(encoding="utf-8"))
                if data["pid"] == self.proc.pid and data["port"]:
                    self.port = int(data["port"])
                    return
            time.sleep(0.05)
        raise Abort("the server did not write its port within 30 s")

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def status_mb(self, field_name: str) -> float:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith(field_name + ":"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process so far."""
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return float("nan")

    def threads(self) -> int:
        with contextlib.suppress(OSError):
            return len(os.listdir(f"/proc/{self.pid}/task"))
        return 0

    def log_tail(self, lines: int = 15) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        return ""

    def stop(self) -> None:
        """SIGTERM (uvicorn finishes requests in flight), then SIGKILL after 10 s; always."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc is not None and self.proc.stdout:
            self.proc.stdout.close()
        with contextlib.suppress(Exception):
            self._log.close()


# --- one simulated phone ---------------------------------------------------------------------
@dataclass
class Record:
    """Everything measured in one run."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: {
        k: [] for k in ("join_get", "join_post", "join", "attributes", "answer", "next", "submit")})
    statuses: Counter = field(default_factory=Counter)  # (kind, status) of every unexpected reply
    samples: list[str] = field(default_factory=list)  # the first few unexpected replies, for the report
    answer_done: list[float] = field(default_factory=list)  # monotonic time each answer was acknowledged
    answer_timeline: list[tuple[float, float]] = field(default_factory=list)  # (sent, s after start; latency)
    answer_start: float = 0.0
    wrong_counts: int = 0  # /api/answer replies whose "answered" did not match

    def unexpected(self, kind: str, status: Any, detail: str) -> None:
        self.statuses[(kind, status)] += 1
        if len(self.samples) < 12:
            self.samples.append(f"{kind}: {status} {detail[:200]}")


class Phone:
    def __init__(self, n: int, base: str, join_key: str, items_by_page: list[list[str]], rng: random.Random,
                 think: float, record: Record) -> None:
        import aiohttp

        self.n, self.base, self.join_key, self.items_by_page = n, base, join_key, items_by_page
        self.rng, self.think_mean, self.rec = rng, think, record
        self.address = f"127.0.{1 + n // 250}.{2 + n % 250}"  # 127.0.0.1 is the projector's
        self.http = aiohttp.ClientSession(
            base_url=base, cookie_jar=aiohttp.CookieJar(unsafe=True),  # unsafe: accept cookies of an IP host
            connector=aiohttp.TCPConnector(local_addr=(self.address, 0), limit=6),
            timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S))
        self.attributes = {k: rng.choice(v) for k, v in ATTRIBUTES.items()}
        self.sent: dict[str, Any] = {}
        self.token = ""
        self.done = False

    def cookie(self, name: str) -> str:
        from yarl import URL

        morsel = self.http.cookie_jar.filter_cookies(URL(self.base)).get(name)
        return morsel.value if morsel else ""

    async def think(self) -> None:
        if self.think_mean > 0:
            await asyncio.sleep(self.rng.uniform(0, 2 * self.think_mean))

    async def call(self, kind: str, method: str, path: str, expect_path: str | None = None,
                   **kw: Any) -> Any:
        """One tap: the request (redirects followed), timed; retried on an unexpected reply."""
        import aiohttp

        for attempt in range(MAX_TRIES):
            t = time.perf_counter()
            try:
                async with self.http.request(method, path, **kw) as r:
                    body = await r.read()
                    elapsed = time.perf_counter() - t
                    ok = r.status == 200 and (expect_path is None or r.url.path == expect_path)
                    data = json.loads(body) if ok and kind == "answer" else None
                    if ok and kind == "answer" and not (isinstance(data, dict) and data.get("saved") is True):
                        ok = False
                    self.rec.latencies[kind].append(elapsed)
                    if kind == "answer":
                        self.rec.answer_timeline.append((time.monotonic() - elapsed - self.rec.answer_start, elapsed))
                    if ok:
                        return data
                    self.rec.unexpected(kind, r.status, f"{r.url.path} {body.decode('utf-8', 'replace')}")
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
                self.rec.latencies[kind].append(time.perf_counter() - t)
                self.rec.unexpected(kind, type(exc).__name__, str(exc))
            await asyncio.sleep(1.0 + attempt)
        raise RuntimeError(f"phone {self.n}: {kind} {path} failed {MAX_TRIES} times")

    async def join(self) -> None:
        t0 = time.perf_counter()
        await self.call("join_get", "GET", f"/join/{self.join_key}")
        await self.call("join_post", "POST", f"/join/{self.join_key}", expect_path="/p/0",
                        data={"csrf": self.cookie("cx_csrf")})
        self.rec.latencies["join"].append(time.perf_counter() - t0)
        self.token = self.cookie("cx_p")

    async def answer_all(self, value_rng: random.Random) -> None:
        csrf = self.cookie("cx_csrf")
        await self.think()
        form = {"csrf": csrf, "action": "next", **{f"attr:{k}": v for k, v in self.attributes.items()}}
        await self.call("attributes", "POST", "/p/0", expect_path="/p/1", data=form)
        answered = 0
        for page, items in enumerate(self.items_by_page, start=1):
            for item in items:
                await self.think()
                value: Any = "dk" if value_rng.random() < 0.05 else value_rng.randint(1, 5)
                data = await self.call("answer", "POST", "/api/answer", json={"item": item, "value": value},
                                       headers={"X-CSRF-Token": csrf})
                self.rec.answer_done.append(time.monotonic())
                self.sent[item] = value
                answered += 1
                if data.get("answered") != answered or data.get("item") != item:
                    self.rec.wrong_counts += 1
            await self.think()
            await self.call("next", "POST", f"/p/{page}", expect_path=f"/p/{page + 1}",
                            data={"csrf": csrf, "action": "next"})
        await self.think()
        summary = len(self.items_by_page) + 1
        await self.call("submit", "POST", f"/p/{summary}", expect_path="/p/done",
                        data={"csrf": csrf, "action": "submit", "confirm": "yes"})
        self.done = True

    async def close(self) -> None:
        await self.http.close()


def machine_busy_seconds() -> float:
    """CPU seconds all processes of this machine have used so far (all cores, from /proc/stat)."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        ticks = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
        return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # minus idle and iowait
    return float("nan")


# --- monitors ---------------------------------------------------------------------------------
async def watch_memory(server: ServerProcess, stop: asyncio.Event) -> None:
    while not stop.is_set():
        server.rss_samples.append((time.monotonic(), server.status_mb("VmRSS")))
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.1)


async def watch_loop_lag(lags: list[float], stop: asyncio.Event) -> None:
    """How late this process's event loop wakes up: the client's own share of measured latency."""
    while not stop.is_set():
        t = time.perf_counter()
        await asyncio.sleep(0.05)
        lags.append(time.perf_counter() - t - 0.05)


async def watch_projector(http: Any, key: str, every: float, stop: asyncio.Event,
                          out: list[tuple[float, float, int]], rec: Record) -> None:
    """The projector polling while answers arrive: (latency, time since answering began, submitted)."""
    versions: set[str] = set()
    while not stop.is_set():
        t = time.perf_counter()
        try:
            async with http.get(f"/f/{key}/live", params={"by": "role", "partial": "1"}) as r:
                body = await r.read()
                if r.status != 200:
                    rec.unexpected("projector", r.status, body.decode("utf-8", "replace"))
                else:
                    data = json.loads(body)
                    versions.add(data["version"])
                    submitted = re.search(r"<b>(\d+)</b> submitted", data["counts"])
                    out.append((time.perf_counter() - t, time.monotonic() - rec.answer_start,
                                int(submitted.group(1)) if submitted else -1))
        except Exception as exc:  # noqa: BLE001 - recorded, the poll goes on as the page's would
            rec.unexpected("projector", type(exc).__name__, str(exc))
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), every)


async def timed_get(http: Any, path: str, rec: Record, kind: str, **params: str) -> tuple[float, Any]:
    t = time.perf_counter()
    async with http.get(path, params=params or None) as r:
        body = await r.read()
        elapsed = time.perf_counter() - t
        if r.status != 200:
            rec.unexpected(kind, r.status, body.decode("utf-8", "replace"))
            return elapsed, None
        return elapsed, (json.loads(body) if path.endswith("/live") else body)


# --- one run ----------------------------------------------------------------------------------
@dataclass
class RunResult:
    think: float
    participants: int
    phases: dict[str, float] = field(default_factory=dict)
    record: Record = field(default_factory=Record)
    projector_during: list[tuple[float, float, int]] = field(default_factory=list)
    projector: dict[str, Any] = field(default_factory=dict)
    http_floor: list[float] = field(default_factory=list)
    rss_peak_mb: float = float("nan")
    rss_by_phase: dict[str, float] = field(default_factory=dict)
    rss_end_mb: float = float("nan")
    cpu: dict[str, float] = field(default_factory=dict)
    client_cpu: dict[str, float] = field(default_factory=dict)
    others_cpu: dict[str, float] = field(default_factory=dict)  # cores used by other processes, on average
    loop_lag: list[float] = field(default_factory=list)
    threads: int = 0
    verification: list[str] = field(default_factory=list)
    verified: bool = False
    inprocess_projector: dict[str, float] = field(default_factory=dict)
    server_log_errors: int = 0
    server_log_tail: str = ""
    aborted: str = ""


async def run_once(args: argparse.Namespace, think: float, folder: Path, deadline: float) -> RunResult:
    import aiohttp

    from cxassess.questionnaire.model import load_questionnaire

    q = load_questionnaire(None)
    items_by_page = [[i.id for i in q.items_of(d)] for d in q.dimension_ids]
    res = RunResult(think, args.participants)
    rec = res.record
    session = folder / f"session-think{think:g}.sqlite"
    server = ServerProcess(session, folder / f"server-think{think:g}.log")
    phones: list[Phone] = []
    stop_monitors = asyncio.Event()
    monitors: list[asyncio.Task[Any]] = []
    projector_http = None
    try:
        await asyncio.to_thread(server.start)
        print(f"  server pid {server.pid} on {server.base}, session {session.name}", flush=True)
        projector_http = aiohttp.ClientSession(
            base_url=server.base, connector=aiohttp.TCPConnector(local_addr=("127.0.0.1", 0)),
            timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S))
        for _ in range(100):  # wait until it answers
            with contextlib.suppress(aiohttp.ClientError):
                async with projector_http.get("/static/workshop.css") as r:
                    await r.read()
                    if r.status == 200:
                        break
            await asyncio.sleep(0.1)
        for _ in range(100):  # idle round trip: the HTTP stack alone (no SQLite, no template)
            t = time.perf_counter()
            async with projector_http.get("/static/workshop.css") as r:
                await r.read()
            res.http_floor.append(time.perf_counter() - t)

        monitors = [asyncio.create_task(watch_memory(server, stop_monitors)),
                    asyncio.create_task(watch_loop_lag(res.loop_lag, stop_monitors))]
        master = random.Random(args.seed)
        phones = [Phone(n, server.base, server.keys["join"], items_by_page, random.Random(master.random()),
                        think, rec) for n in range(args.participants)]
        value_rngs = [random.Random(master.random()) for _ in phones]

        def left() -> float:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Abort(f"time is up (--max-seconds {args.max_seconds:g})")
            return remaining

        marks: dict[str, tuple[float, float, float, float]] = {}

        def mark(name: str) -> None:
            marks[name] = (time.monotonic(), server.cpu_seconds(), time.process_time(), machine_busy_seconds())

        # (1) everyone joins at once
        mark("start")
        results = await asyncio.wait_for(asyncio.gather(*(p.join() for p in phones), return_exceptions=True), left())
        mark("joined")
        failures = [r for r in results if isinstance(r, BaseException)]
        if failures:
            raise Abort(f"{len(failures)} phone(s) could not join; first: {failures[0]}")
        res.phases["join"] = marks["joined"][0] - marks["start"][0]
        print(f"  (1) {len(phones)} joined in {res.phases['join']:.2f} s", flush=True)

        # (2) + (3): answer everything, submit; the projector polls meanwhile
        rec.answer_start = time.monotonic()
        poller = asyncio.create_task(watch_projector(projector_http, server.keys["facilitator"],
                                                     args.projector_every, stop_monitors, res.projector_during, rec))
        monitors.append(poller)
        results = await asyncio.wait_for(
            asyncio.gather(*(p.answer_all(r) for p, r in zip(phones, value_rngs, strict=True)),
                           return_exceptions=True), left())
        mark("submitted")
        failures = [r for r in results if isinstance(r, BaseException)]
        stop_monitors.set()
        await asyncio.gather(*monitors, return_exceptions=True)
        stop_monitors.clear()
        monitors = [asyncio.create_task(watch_memory(server, stop_monitors))]
        res.phases["answer"] = (max(rec.answer_done) - rec.answer_start) if rec.answer_done else float("nan")
        res.phases["all_submitted"] = marks["submitted"][0] - rec.answer_start
        failed = f"; {len(failures)} phone(s) FAILED: {failures[0]}" if failures else ""
        print(f"  (2)+(3) {len(rec.latencies['answer'])} answers, all submitted {res.phases['all_submitted']:.2f} s "
              f"after the start{failed}", flush=True)

        # (4) the projector with everyone submitted
        key = server.keys["facilitator"]
        live = f"/f/{key}/live"
        cold, state = await timed_get(projector_http, live, rec, "projector", by="role")
        cached = [(await timed_get(projector_http, live, rec, "projector", by="role"))[0] for _ in range(10)]
        alternating = [(await timed_get(projector_http, live, rec, "projector", by=by))[0]
                       for by in ("department", "role") * 3]
        partial_cold, _ = await timed_get(projector_http, live, rec, "projector", by="role", partial="1")
        page, _ = await timed_get(projector_http, f"/f/{key}", rec, "projector")
        mark("projector")
        res.projector = {"cold": cold, "cached": cached, "alternating": alternating, "partial_cold": partial_cold,
                         "page": page, "counts_html": (state or {}).get("counts", "")}
        stop_monitors.set()
        await asyncio.gather(*monitors, return_exceptions=True)
        monitors = []

        res.rss_peak_mb = server.status_mb("VmHWM")
        res.rss_end_mb = server.status_mb("VmRSS")
        res.threads = server.threads()
        for name, (a, b) in {"join": ("start", "joined"), "answer+submit": ("joined", "submitted"),
                             "projector": ("submitted", "projector")}.items():
            wall = marks[b][0] - marks[a][0]
            res.cpu[name] = marks[b][1] - marks[a][1]
            res.cpu[name + " wall"] = wall
            res.client_cpu[name] = marks[b][2] - marks[a][2]
            res.others_cpu[name] = (marks[b][3] - marks[a][3] - res.cpu[name] - res.client_cpu[name]) / max(wall, 1e-9)
            res.rss_by_phase[name] = max((mb for t, mb in server.rss_samples if marks[a][0] <= t <= marks[b][0]),
                                         default=float("nan"))
        if failures:
            raise Abort(f"{len(failures)} phone(s) did not finish; first: {failures[0]}")
    except (Abort, asyncio.TimeoutError) as exc:
        res.aborted = str(exc) or f"time is up (--max-seconds {args.max_seconds:g}): the run was stopped"
    finally:
        stop_monitors.set()
        for task in monitors:
            task.cancel()
        await asyncio.gather(*monitors, return_exceptions=True)
        tokens = [(p, p.token) for p in phones]
        await asyncio.gather(*(p.close() for p in phones), return_exceptions=True)
        if projector_http is not None:
            await projector_http.close()
        if server.proc is not None and res.rss_peak_mb != res.rss_peak_mb:
            res.rss_peak_mb = server.status_mb("VmHWM")
        await asyncio.to_thread(server.stop)
        log = server.log_tail(400)
        res.server_log_errors = sum(1 for line in log.splitlines() if "Traceback" in line or "ERROR" in line)
        res.server_log_tail = server.log_tail(20)
    if session.exists() and not res.aborted:
        try:
            verify(res, session, tokens, q)
        except Exception as exc:  # noqa: BLE001 - reported as a failed check, the table is still printed
            res.verified = False
            res.verification = [f"could not check the session file: {type(exc).__name__}: {exc}"]
        try:
            projector_in_process(res, session)
        except Exception as exc:  # noqa: BLE001
            res.verification.append(f"in-process projector baseline failed: {type(exc).__name__}: {exc}")
    return res


def verify(res: RunResult, session: Path, phones: list[tuple[Phone, str]], q: Any) -> None:
    """The session file holds exactly N submitted participants x 40 answers, each as sent."""
    from cxassess.workshop.store import DONT_KNOW, SessionStore

    problems: list[str] = []
    n, items = res.participants, len(q.item_ids)
    with SessionStore(session, create=False) as store:
        counts = store.counts()
        expected = {"started": n, "in_progress": 0, "submitted": n, "answers": n * items}
        if counts != expected:
            problems.append(f"counts {counts}, expected {expected}")
        log_rows = len(store.history())
        if log_rows != n * items:
            problems.append(f"{log_rows} rows in the answer log, expected {n * items} (a retried answer stores twice)")
        codes: set[str] = set()
        wrong = 0
        for phone, token in phones:
            code = store.participant_for_token(token)
            state = store.participant(code) if code else None
            if state is None:
                problems.append(f"phone {phone.n}: its token stands for no participant")
                continue
            codes.add(code)  # type: ignore[arg-type]
            want = {i: DONT_KNOW if v == "dk" else float(v) for i, v in phone.sent.items()}
            if (state.answers != want or len(want) != items or not state.submitted
                    or state.attributes != phone.attributes):
                wrong += 1
                if wrong <= 3:
                    diff = {i for i in set(want) | set(state.answers) if want.get(i) != state.answers.get(i)}
                    problems.append(f"phone {phone.n} ({code}): {len(diff)} answers differ, status {state.status}, "
                                    f"attributes {state.attributes} vs sent {phone.attributes}")
        if wrong:
            problems.append(f"{wrong} participant(s) not stored as sent")
        if len(codes) != len(phones):
            problems.append(f"{len(codes)} distinct participants for {len(phones)} phones")
        if not store.integrity_ok():
            problems.append("SQLite integrity_check failed")
    res.verified = not problems
    res.verification = problems or [f"{n} submitted participants x {items} answers, every one as sent; "
                                    f"{counts['answers']} rows, integrity ok"]


def projector_in_process(res: RunResult, session: Path) -> None:
    """The projector's work without HTTP: snapshot (read + score) and radar + heatmap, in this process."""
    from cxassess.workshop.live import LiveResults, dimension_table, heatmap_html, radar_svg
    from cxassess.workshop.store import SessionStore

    with SessionStore(session, create=False) as store:
        live = LiveResults(store, min_group_size=3)
        radar_svg(live.snapshot(group_by="role"))  # warm-up: imports, font cache
        runs = []
        for _ in range(3):
            t0 = time.perf_counter()
            snap = live.snapshot(group_by="role", force=True)
            t1 = time.perf_counter()
            radar_svg(snap)
            heatmap_html(snap)
            dimension_table(snap.scores)
            runs.append((t1 - t0, time.perf_counter() - t1))
    res.inprocess_projector = {"snapshot": statistics.median(r[0] for r in runs),
                               "draw": statistics.median(r[1] for r in runs)}


def baseline_record_answer(folder: Path, repeats: int = 200) -> list[float]:
    """SessionStore.record_answer in this process, one participant, sequential: fsync'd commits, no HTTP."""
    from cxassess.workshop.store import SessionStore

    rng = random.Random(7)
    with SessionStore(folder / "baseline.sqlite", None, client_name="Baseline", attributes=ATTRIBUTES) as store:
        items = store.questionnaire.item_ids
        store.start_participant("BASE-1")
        times = []
        for n in range(repeats):
            t = time.perf_counter()
            store.record_answer("BASE-1", items[n % len(items)], rng.randint(1, 5))
            times.append(time.perf_counter() - t)
    return times


# --- the report -------------------------------------------------------------------------------
def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "NOT MET")


def report(runs: list[RunResult], base: list[float], args: argparse.Namespace) -> None:
    n = args.participants
    cols = [f"think {r.think:g} s" + (" (saturation)" if r.think == 0 else "") for r in runs]
    width = max(34, *(len(c) + 2 for c in cols))

    def row(label: str, cells: list[str], goal: str = "") -> None:
        print(f"{label:<48}" + "".join(f"{c:<{width}}" for c in cells) + goal)

    def rule() -> None:
        print("-" * (48 + width * len(runs) + 12))

    print()
    print(f"Live workshop benchmark: {n} phones, {os.cpu_count()} CPU(s), seed {args.seed}, "
          f"projector polled every {args.projector_every:g} s while answering")
    rule()
    row("", cols, "goal")
    rule()
    base50 = pct(base, 50)

    def cell(r: RunResult, text: str) -> str:
        return f"ABORTED: {r.aborted[:width - 10]}" if r.aborted and not text else text

    row("(1) all joined (wall)", [cell(r, f"{r.phases['join']:.2f} s  {verdict(r.phases['join'] <= GOAL_JOIN_S)}"
                                      if "join" in r.phases else "") for r in runs], f"<= {GOAL_JOIN_S:g} s")
    row("    join GET+POST p50/p95/max", [lat(r.record.latencies["join"]) for r in runs])
    row("      GET /join p50/p95/max", [lat(r.record.latencies["join_get"]) for r in runs])
    row("      POST /join (->/p/0) p50/p95/max", [lat(r.record.latencies["join_post"]) for r in runs])
    row("(2) attributes POST /p/0 p50/p95/max", [lat(r.record.latencies["attributes"]) for r in runs])
    row("    answer save p50/p95/p99/max", [lat(r.record.latencies["answer"], (50, 95, 99)) for r in runs])
    row("    answer save p95 vs goal",
        [f"{ms(pct(r.record.latencies['answer'], 95))}  "
         f"{verdict(pct(r.record.latencies['answer'], 95) * 1000 < GOAL_ANSWER_P95_MS)}"
         if r.record.latencies["answer"] else "n/a" for r in runs], f"< {GOAL_ANSWER_P95_MS:g} ms")
    row("    answers stored / wall s / answers/s",
        [f"{len(r.record.answer_done)} / {r.phases.get('answer', float('nan')):.1f} s / "
         f"{len(r.record.answer_done) / r.phases['answer']:.0f}/s" if r.phases.get("answer") else "n/a" for r in runs])
    row("    answer p50 / in-process record_answer p50",
        [f"{pct(r.record.latencies['answer'], 50) / base50:.1f}x" if r.record.latencies["answer"] else "n/a"
         for r in runs])
    row("    Next (POST + GET page) p50/p95/max", [lat(r.record.latencies["next"]) for r in runs])
    row("(3) submit (-> /p/done) p50/p95/max", [lat(r.record.latencies["submit"]) for r in runs])
    row("    all submitted, s after answering began",
        [f"{r.phases['all_submitted']:.1f} s" if "all_submitted" in r.phases else "n/a" for r in runs])
    row("(4) projector while answering p50/p95/max",
        [lat([d[0] for d in r.projector_during]) + f" (n={len(r.projector_during)})" for r in runs])
    row("    while answering p95 vs goal",
        [f"{ms(pct([d[0] for d in r.projector_during], 95))}  "
         f"{verdict(pct([d[0] for d in r.projector_during], 95) < GOAL_PROJECTOR_S)}" if r.projector_during else "n/a"
         for r in runs], f"< {GOAL_PROJECTOR_S:g} s")
    row("    projector, all submitted: first (redraw)",
        [f"{ms(r.projector['cold'])}  {verdict(r.projector['cold'] < GOAL_PROJECTOR_S)}" if r.projector else "n/a"
         for r in runs], f"< {GOAL_PROJECTOR_S:g} s")
    row("    unchanged (cached) p50/max",
        [f"{ms(pct(r.projector['cached'], 50))} / {ms(max(r.projector['cached']))}" if r.projector else "n/a"
         for r in runs])
    row("    alternating grouping (redraw) p50/max",
        [f"{ms(pct(r.projector['alternating'], 50))} / {ms(max(r.projector['alternating']))}" if r.projector
         else "n/a" for r in runs])
    row("    incl. people answering, first", [ms(r.projector["partial_cold"]) if r.projector else "n/a" for r in runs])
    row("    projector page GET /f/<key>", [ms(r.projector["page"]) if r.projector else "n/a" for r in runs])
    row("    in-process snapshot + draw (no HTTP)",
        [f"{ms(r.inprocess_projector['snapshot'])} + {ms(r.inprocess_projector['draw'])}"
         if r.inprocess_projector else "n/a" for r in runs])
    row("    first redraw / in-process snapshot + draw",
        [f"{r.projector['cold'] / sum(r.inprocess_projector.values()):.1f}x" if r.projector and r.inprocess_projector
         else "n/a" for r in runs])
    row("server RSS peak (VmHWM)",
        [f"{r.rss_peak_mb:.0f} MB  {verdict(r.rss_peak_mb < GOAL_RSS_MB if r.rss_peak_mb == r.rss_peak_mb else None)}"
         for r in runs], f"< {GOAL_RSS_MB:g} MB")
    row("    RSS max in join / answering / projector",
        [" / ".join(f"{r.rss_by_phase.get(k, float('nan')):.0f}" for k in ("join", "answer+submit", "projector"))
         + " MB" for r in runs])
    row("    RSS at end, threads", [f"{r.rss_end_mb:.0f} MB, {r.threads} threads" for r in runs])
    for phase in ("join", "answer+submit", "projector"):
        row(f"server CPU in {phase} (s, % of one core)",
            [f"{r.cpu[phase]:.1f} s of {r.cpu[phase + ' wall']:.1f} s = "
             f"{100 * r.cpu[phase] / max(r.cpu[phase + ' wall'], 1e-9):.0f}%" if phase in r.cpu else "n/a"
             for r in runs])
    row("client CPU in join / answer+submit (s)",
        [" / ".join(f"{r.client_cpu.get(k, float('nan')):.1f}" for k in ("join", "answer+submit")) for r in runs])
    row("other processes' CPU, join / answering (cores)",
        [" / ".join(f"{r.others_cpu.get(k, float('nan')):.2f}" for k in ("join", "answer+submit")) for r in runs])
    row("client event-loop lag p95/max",
        [f"{ms(pct(r.loop_lag, 95))} / {ms(max(r.loop_lag))}" if r.loop_lag else "n/a" for r in runs])
    row("unexpected replies (retried)", [str(sum(r.record.statuses.values())) for r in runs])
    row("wrong 'answered' counts in replies", [str(r.record.wrong_counts) for r in runs])
    row("server log: tracebacks/errors", [str(r.server_log_errors) for r in runs])
    row("session file check", [("ok" if r.verified else ("NOT OK" if r.verification else "not run")) for r in runs])
    rule()
    print(f"baseline: SessionStore.record_answer in-process (fsync'd, no HTTP) p50/p95/max {lat(base)}")
    print("baseline: idle HTTP round trip GET /static/workshop.css p50/p95/max "
          + "; ".join(lat(r.http_floor) for r in runs))
    if any(pct(r.http_floor, 50) > 0.02 for r in runs if r.http_floor):
        print("note: an idle keep-alive round trip takes ~40 ms: the server's responses wait for the client's delayed "
              "ACK (Nagle), i.e. its sockets lack TCP_NODELAY; every figure above carries part of that")
    for r, c in zip(runs, cols, strict=True):
        for line in r.verification:
            print(f"[{c}] verify: {line}")
        for (kind, status), count in sorted(r.record.statuses.items(), key=str):
            print(f"[{c}] unexpected: {kind} -> {status} x{count}")
        for sample in r.record.samples[:5]:
            print(f"[{c}]   e.g. {sample}")
        if r.aborted:
            print(f"[{c}] ABORTED: {r.aborted}")
        if r.server_log_errors or r.aborted:
            print(f"[{c}] server log tail:\n{r.server_log_tail}")
        if r.record.answer_timeline:
            step = 5.0
            buckets: dict[int, list[float]] = {}
            for at, latency in r.record.answer_timeline:
                buckets.setdefault(int(at // step), []).append(latency)
            print(f"[{c}] answer save p95 by {step:g} s window since answering began (n): " + ", ".join(
                f"{int(k * step)}-{int((k + 1) * step)} s {ms(pct(v, 95))} ({len(v)})"
                for k, v in sorted(buckets.items())))
        if r.projector_during:
            print(f"[{c}] projector polls while answering (s after start: latency, submitted): " + ", ".join(
                f"{at:.0f}: {ms(latency)} {sub}" for latency, at, sub in r.projector_during))
            worst = max(r.projector_during)
            print(f"[{c}] slowest projector poll while answering: {ms(worst[0])} at {worst[1]:.1f} s "
                  f"with {worst[2]} submitted ({len(r.projector_during)} polls)")


def pick_folder(given: str | None) -> Path:
    """A temp folder on a real disk (fsync must be real): the system's, unless it is a RAM disk."""
    if given:
        Path(given).mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix="bench-live-", dir=given))
    system = Path(tempfile.gettempdir()).resolve()
    with contextlib.suppress(OSError):
        mounts = [line.split() for line in Path("/proc/mounts").read_text().splitlines()]
        best = max((m for m in mounts if str(system).startswith(m[1].rstrip("/") or "/")), key=lambda m: len(m[1]))
        if best[2] in ("tmpfs", "ramfs"):
            return Path(tempfile.mkdtemp(prefix="bench-live-", dir=Path(__file__).resolve().parent))
    return Path(tempfile.mkdtemp(prefix="bench-live-"))


async def main_async(args: argparse.Namespace, folder: Path) -> int:
    deadline = time.monotonic() + args.max_seconds
    print(f"baseline: record_answer in-process on {folder} ...", flush=True)
    base = await asyncio.to_thread(baseline_record_answer, folder)
    runs = []
    for think in args.think:
        print(f"run: {args.participants} phones, think {think:g} s (uniform 0..{2 * think:g} s)", flush=True)
        runs.append(await run_once(args, think, folder, deadline))
        if runs[-1].aborted:
            print(f"  ABORTED: {runs[-1].aborted}", flush=True)
            if time.monotonic() >= deadline:
                break
    report(runs, base, args)
    return 0 if all(r.verified and not r.aborted for r in runs) else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--participants", type=int, default=200, help="simulated phones (default 200)")
    ap.add_argument("--think", type=float, nargs="+", default=[0.5, 0.0],
                    help="mean think time before each tap, s; one run per value (default 0.5 0)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--projector-every", type=float, default=3.0,
                    help="projector poll while answering, s (the page's own refresh is 3 s)")
    ap.add_argument("--max-seconds", type=float, default=180.0, help="abort the whole benchmark after this")
    ap.add_argument("--dir", help="where to make the temp folder (default: the system's, unless a RAM disk)")
    ap.add_argument("--keep", action="store_true", help="keep the temp folder (session files, server logs)")
    args = ap.parse_args()
    if not 1 <= args.participants <= 60_000:
        ap.error("--participants must be 1..60000")
    try:
        import aiohttp  # noqa: F401
    except ImportError:
        print("this benchmark needs aiohttp: .venv/bin/pip install aiohttp", file=sys.stderr)
        return 2
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)  # a socket per phone, here and in the server
    want = min(hard, max(soft, 4 * args.participants + 256))
    if want > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    folder = pick_folder(args.dir)
    try:
        return asyncio.run(main_async(args, folder))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        if args.keep:
            print(f"kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
