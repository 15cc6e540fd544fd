"""Benchmark the assessment history store (issue 14) on SQLite and on a throw-away PostgreSQL server.

Fills a store with ``--clients`` clients (one wave each, 20 respondents, scores spread at random),
then gives one client three waves of ``--respondents`` respondents and prints:

- add: storing one assessment of ``--respondents`` respondents x the questionnaire's items, end to
  end (read, validate, score, write: what ``cxassess store add`` does) and the write alone;
- history: the trend (three waves, re-scored on the shared items) and the benchmark (one query
  over every client's latest wave) for one report, on an open store and including the open;

each against the baseline of ``score_file`` on the same responses file, in the same run.
PostgreSQL is started the way the tests start it (``tests/postgres.py``: Debian's initdb/pg_ctl in
a temporary folder, a Unix socket only), with fsync on. Goals: add < 1 s; history < 50 ms.

    .venv/bin/python benchmarks/bench_store.py [--clients 1000] [--respondents 1000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the throw-away PostgreSQL server of the tests (postgres.py)


CPU: dict[str, float] = {}  # the median CPU seconds (this process) of each timed step, by the label given


def timed(fn: Callable[[], object], repeat: int, label: str = "") -> tuple[float, object]:
    """Median wall time in seconds over ``repeat`` runs, and the last result; the median CPU time goes to CPU."""
    times, cpu, result = [], [], None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    CPU[label] = statistics.median(cpu)
    return statistics.median(times), result


def responses_file(folder: Path, n: int, seed: int, shift: float = 0.0) -> Path:
    """A wide CSV of ``n`` respondents answering every item of the default questionnaire 1..5."""
    from cxassess.questionnaire.model import load_questionnaire

    q = load_questionnaire()
    rng = np.random.default_rng(seed)
    base = rng.normal(3 + shift, 0.6, size=(n, 1))
    values = np.clip(np.rint(base + rng.normal(0, 0.8, size=(n, len(q.item_ids)))), 1, 5).astype(int)
    frame = pd.DataFrame(values, columns=q.item_ids)
    frame.insert(0, "respondent_id", [f"P{seed}-{i}" for i in range(n)])
    path = folder / f"responses-{seed}-{n}.csv"
    frame.to_csv(path, index=False)
    return path


def fill(store: object, template: object, clients: int, seed: int = 1) -> float:
    """``clients`` clients with one wave each (the template's answers, scores spread at random); seconds taken."""
    from cxassess.store.write import add_wave

    rng = np.random.default_rng(seed)
    sectors = ["Health", "Retail", "Utilities", "Finance", "Public"]
    t0 = time.perf_counter()
    for k in range(clients):
        dims = [dataclasses.replace(d, score=float(np.clip(rng.normal(3, 0.5), 1, 5))) for d in template.dimensions]
        wave = dataclasses.replace(template, dimensions=dims, digest="")
        add_wave(store, f"Portfolio client {k:04d}", wave, sector=sectors[k % len(sectors)])
    return time.perf_counter() - t0


def run(location: str, label: str, folder: Path, args: argparse.Namespace, baseline: float) -> None:
    from cxassess.io.read import read_responses
    from cxassess.questionnaire.model import load_questionnaire
    from cxassess.scoring.score import score
    from cxassess.store.api import add_assessment, client_history
    from cxassess.store.database import open_store
    from cxassess.store.waves import wave_from_scores
    from cxassess.store.write import add_wave

    q = load_questionnaire()
    t0 = time.perf_counter()
    store = open_store(location)
    opened = time.perf_counter() - t0
    small = read_responses(responses_file(folder, 20, seed=99), q)
    template = wave_from_scores(small, score(small, q), "2025", "2025-06-01")
    filled = fill(store, template, args.clients)

    big = [responses_file(folder, args.respondents, seed=s, shift=0.2 * s) for s in (1, 2, 3)]
    for n, path in enumerate(big):  # the three waves of the client the report is for
        add_assessment(path, "Report client", f"w{n}", db=store, assessed_on=f"202{n}-01-01")
    counter = iter(range(10_000))
    add_total, _ = timed(lambda: add_assessment(big[2], f"New client {next(counter)}", "2026", db=store,
                                                assessed_on="2026-01-01"), args.repeat, "add")
    read = read_responses(big[2], q)
    wave = wave_from_scores(read, score(read, q), "x", "2026-01-01")
    add_write, _ = timed(lambda: add_wave(store, "Write only", dataclasses.replace(wave, label=f"x{next(counter)}")),
                         args.repeat, "write")
    history_open_store, history = timed(lambda: client_history(store, "Report client"), args.repeat,
                                                 "history")
    history_with_open, _ = timed(lambda: client_history(location, "Report client"), args.repeat)
    store.close()

    waves = len(history.trend.waves) if history.trend else 0
    answers = wave.answer_count
    print(f"\n{label}: {args.clients} clients filled in {filled:.1f} s (store opened and migrated in {opened:.2f} s)")
    print(f"  add one assessment ({args.respondents} respondents, {answers:,} answers):")
    print(f"    end to end (read, validate, score, write) {add_total * 1000:7.1f} ms   "
          f"{add_total / baseline:5.2f} x score_file   CPU {CPU['add'] * 1000:6.1f} ms   goal < 1000 ms")
    print(f"    the write alone (one transaction)        {add_write * 1000:7.1f} ms   "
          f"{add_write / baseline:5.2f} x score_file   CPU {CPU['write'] * 1000:6.1f} ms")
    print(f"  trend ({waves} waves, {args.respondents} respondents each) + benchmark "
          f"({history.benchmark.contributors} contributing clients) for one report:")
    print(f"    on an open store                         {history_open_store * 1000:7.1f} ms   "
          f"{history_open_store / baseline:5.2f} x score_file   CPU {CPU['history'] * 1000:6.1f} ms   goal < 50 ms")
    print(f"    including opening the store              {history_with_open * 1000:7.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--respondents", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()

    from cxassess.scoring.score import score_file

    with tempfile.TemporaryDirectory(prefix="cx-bench-store-") as tmp:
        folder = Path(tmp)
        baseline_file = responses_file(folder, args.respondents, seed=3, shift=0.6)
        score_file(baseline_file)  # warm-up: imports, questionnaire
        baseline, _ = timed(lambda: score_file(baseline_file), args.repeat, "baseline")
        print(f"baseline: score_file on {args.respondents} respondents x the default questionnaire: "
              f"{baseline * 1000:.1f} ms, CPU {CPU['baseline'] * 1000:.1f} ms (median of {args.repeat})")
        print("(the machine may be shared with other work: compare the ratios, not only the milliseconds)")

        run(str(folder / "history.sqlite"), "SQLite (WAL, synchronous=NORMAL)", folder, args, baseline)
        if not args.skip_postgres:
            from postgres import server_binaries, throwaway_postgres

            if server_binaries() is None:
                print("\nPostgreSQL: not installed (make sysdeps); skipped")
            else:
                with throwaway_postgres(durable=True) as server:
                    url = server.create_database("bench")
                    run(url, "PostgreSQL (throw-away server, fsync on, Unix socket)", folder, args, baseline)
    return 0


if __name__ == "__main__":
    sys.exit(main())
