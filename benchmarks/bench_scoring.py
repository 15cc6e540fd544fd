"""Benchmark: score 25,000 respondents x 40 items (1,000,000 answers) with groups, alpha and rwg.

Prints seconds and answers per second for
  - cxassess.score on validated responses (the engine),
  - validation + scoring from an in-memory long table (responses_from_frame + score),
  - reading a long CSV from disk + validation + scoring,
  - a plain-Python loop over the same answers computing the same dimension scores, group means,
    alpha and rwg (the baseline the engine must beat by 20x);

and first the report notebook's heaviest cell (read_responses + score on each demo client, 28-64
respondents: fixed per-call costs), with ``--baseline DIR`` measured for older code too in the same run.

Run: .venv/bin/python benchmarks/bench_scoring.py [--respondents N] [--baseline /tmp/base] [--report-cell-only]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

from cxassess.io.read import read_responses
from cxassess.io.responses import responses_from_frame
from cxassess.questionnaire.model import load_questionnaire
from cxassess.scoring.score import score


def make_long(q, n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ids = np.array([f"P{i:06d}" for i in range(n)])
    values = np.clip(np.rint(rng.normal(3.2, 1.0, size=(n, len(q.item_ids)))), 1, 5).astype(int).astype(str)
    values[rng.random(values.shape) < 0.05] = ""
    long = pd.DataFrame({
        "respondent_id": np.repeat(ids, len(q.item_ids)),
        "item_id": np.tile(q.item_ids, n),
        "value": values.ravel(),
    })
    roles = rng.choice(["leadership", "manager", "front line"], size=n)
    depts = rng.choice([f"dept{i}" for i in range(12)], size=n)
    long["role"] = np.repeat(roles, len(q.item_ids))
    long["department"] = np.repeat(depts, len(q.item_ids))
    return long


def plain_python(q, rows) -> dict:
    """The contract written as straightforward loops (no numpy/pandas)."""
    items = {i.id: i for i in q.items}
    lo_hi = q.scale.min + q.scale.max
    answers: dict[str, dict[str, float]] = defaultdict(dict)
    attrs: dict[str, tuple[str, str]] = {}
    for rid, item, value, role, dept in rows:
        attrs[rid] = (role, dept)
        if value != "":
            v = float(value)
            answers[rid][item] = lo_hi - v if items[item].reverse else v
    dim_items = {d.id: [i.id for i in q.items_of(d.id)] for d in q.dimensions}
    rscores: dict[str, dict[str, float]] = {}
    for rid, given in answers.items():
        out = {}
        for d, ids in dim_items.items():
            got = [(given[i], items[i].weight) for i in ids if i in given]
            if 2 * len(got) >= len(ids):
                out[d] = sum(v * w for v, w in got) / sum(w for _, w in got)
        rscores[rid] = out
    result = {}
    for d, ids in dim_items.items():
        vals = [s[d] for s in rscores.values() if d in s]
        sd = statistics.stdev(vals)
        complete = [[given[i] for i in ids] for given in answers.values() if all(i in given for i in ids)]
        totals = [sum(r) for r in complete]
        item_vars = sum(statistics.variance([r[k] for r in complete]) for k in range(len(ids)))
        alpha = len(ids) / (len(ids) - 1) * (1 - item_vars / statistics.variance(totals))
        result[d] = (statistics.fmean(vals), sd, alpha, max(0.0, 1 - sd**2 / ((q.scale.points**2 - 1) / 12)))
    for col in (0, 1):
        groups: dict[str, list[str]] = defaultdict(list)
        for rid in rscores:
            groups[attrs[rid][col]].append(rid)
        for members in groups.values():
            for d in dim_items:
                vals = [rscores[r][d] for r in members if d in rscores[r]]
                statistics.fmean(vals) if vals else math.nan
    return result


def timed(fn, repeat: int = 3) -> tuple[float, object]:
    best, out = math.inf, None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def report_cell(repeat: int) -> dict[str, tuple[int, float, float]]:
    """The report notebook's heaviest cell on each demo client: median CPU ms of read_responses and of
    score(group_by=role;department), as (respondents, read ms, score ms) per client."""
    from cxassess._util.paths import DEMO_DIR

    q = load_questionnaire()
    out = {}
    for name in ("acme-utilities", "harbour-health-clinics", "northwind-outfitters"):
        path = DEMO_DIR / f"{name}.csv"
        score(read_responses(path, q), q, group_by=["role", "department"])  # warm caches
        reads, scores = [], []
        for _ in range(repeat):
            c = time.process_time()
            r = read_responses(path, q)
            m = time.process_time()
            score(r, q, group_by=["role", "department"])
            reads.append(m - c)
            scores.append(time.process_time() - m)
        out[name] = (r.respondent_count, statistics.median(reads) * 1e3, statistics.median(scores) * 1e3)
    return out


def print_report_cell(repeat: int, baseline: str | None) -> None:
    """:func:`report_cell` here, and (with ``baseline``, a checkout of older code) in a child process
    running that code, in the same run: before/after on the same machine at the same time."""
    now = report_cell(repeat)
    before: dict[str, list[float]] = {}
    if baseline:
        done = subprocess.run([sys.executable, __file__, "--report-cell-json", str(repeat)], capture_output=True,
                              text=True, check=True, env={**os.environ, "PYTHONPATH": baseline})
        before = json.loads(done.stdout)
    print(f"report cell (read_responses + score, role;department), median CPU ms of {repeat} runs "
          "(the machine may be shared: CPU time, not wall)")
    for name, (n, read, sc) in now.items():
        line = f"  {name:24} n={n:3d}  read {read:6.1f}  score {sc:6.1f}  total {read + sc:6.1f}"
        if name in before:
            _, b_read, b_score = before[name]
            line += (f"   baseline read {b_read:6.1f} score {b_score:6.1f} total {b_read + b_score:6.1f}"
                     f"  ({(b_read + b_score) / (read + sc):.2f}x)")
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--respondents", type=int, default=25_000)
    parser.add_argument("--repeat", type=int, default=21, help="runs of each report-cell measurement")
    parser.add_argument("--baseline", metavar="DIR", help="a checkout of older code to measure the report cell "
                        "with too, in the same run")
    parser.add_argument("--report-cell-only", action="store_true", help="only the report-cell figures")
    parser.add_argument("--report-cell-json", type=int, metavar="REPEAT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.report_cell_json:  # the child of --baseline: figures as JSON
        print(json.dumps(report_cell(args.report_cell_json)))
        return
    print_report_cell(args.repeat, args.baseline)
    if args.report_cell_only:
        return
    q = load_questionnaire()
    long = make_long(q, args.respondents)
    n_answers = len(long)
    print(f"{args.respondents:,} respondents x {len(q.item_ids)} items = {n_answers:,} answers "
          f"(5% blank), groups: role (3), department (12)")

    responses = responses_from_frame(long, q, "bench")
    t_engine, s = timed(lambda: score(responses, q, group_by=["role", "department"]))
    t_validate, _ = timed(lambda: score(responses_from_frame(long, q, "bench"), q, group_by=["role", "department"]), 1)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "long.csv"
        long.to_csv(path, index=False)
        t_file, _ = timed(lambda: score(read_responses(path, q), q, group_by=["role", "department"]), 1)
    rows = list(long.itertuples(index=False, name=None))
    t_plain, ref = timed(lambda: plain_python(q, rows), 1)

    for d, (mean, sd, alpha, agreement) in ref.items():  # same numbers, or the comparison is void
        row = s.dimensions.loc[d]
        assert math.isclose(row["score"], mean) and math.isclose(row["sd"], sd)
        assert math.isclose(row["alpha"], alpha) and math.isclose(row["rwg"], agreement)

    def line(label: str, t: float) -> None:
        print(f"  {label:<44} {t:8.3f} s  {n_answers / t:>14,.0f} answers/s")

    line("score() on validated responses", t_engine)
    line("validate in-memory table + score()", t_validate)
    line("read CSV + validate + score()", t_file)
    line("plain-Python loop (same contract)", t_plain)
    print(f"  speed-up of score() over the plain loop: {t_plain / t_engine:.0f}x; "
          f"of validate+score: {t_plain / t_validate:.1f}x")


if __name__ == "__main__":
    main()
