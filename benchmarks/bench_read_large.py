"""Benchmark: read and validate a large long CSV, and score a million answers end to end, each in its own process.

Issue 18, item 15. Two cases, each run as the real command in a child process, whose wall time and
peak memory (``ru_maxrss`` of the child) are printed:

  - ``cxassess validate`` of a ~200 MB long CSV (1.9 million rows: Qualtrics-like ids, answers as
    scale labels and numbers, four attribute columns); goal: under 15 s and 1.5 GB;
  - ``cxassess score`` of a 1,000,000-answer long CSV (25,000 respondents x 40 statements); goal:
    under 1.0 s end to end;

against a plain-Python baseline in the same run: the csv module reads the same million answers and a
straightforward loop computes the same dimension scores and group means
(:func:`bench_scoring.plain_python`).

The files are generated into a temporary folder and deleted afterwards.
Run: .venv/bin/python benchmarks/bench_read_large.py [--rows 1900000] [--skip-large] [--baseline /tmp/base]
(``--baseline DIR``: also run ``score`` from that checkout, e.g. a git worktree of an older commit, and
print the ratio; the figures are the fastest of ``--repeat`` runs)
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from bench_scoring import make_long, plain_python  # noqa: E402

from cxassess.questionnaire.model import load_questionnaire  # noqa: E402

ROLES = ["Senior leader", "Manager", "Front-line staff", "Support function"]
DEPARTMENTS = ["Customer Service", "Sales and Accounts", "Operations", "Finance and Legal", "Other"]
SITES = ["Manchester North", "Leeds City Centre", "Bristol Harbourside", "Glasgow West"]
TENURE = ["under 1 year", "1-2 years", "2-5 years", "5-10 years", "over 10 years"]


def write_large_long(path: Path, rows: int, seed: int = 3) -> int:
    """A long CSV of about ``rows`` answers (~105 bytes a row); returns the rows written."""
    q = load_questionnaire()
    items = [i.id for i in q.items if i.dimension]
    labels = [q.scale.labels[p] for p in range(q.scale.min, q.scale.max + 1)]
    rng = np.random.default_rng(seed)
    people = rows // len(items)
    alphabet = np.array(list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"))
    ids = ["R_" + "".join(chars) for chars in alphabet[rng.integers(0, len(alphabet), size=(people, 15))]]
    points = rng.integers(0, len(labels), size=(people, len(items)))
    as_label = rng.random((people, len(items))) < 0.6
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["respondent_id", "item_id", "value", "role", "department", "site", "tenure"])
        for p in range(people):
            attrs = [ROLES[p % 4], DEPARTMENTS[p % 5], SITES[p % 4], TENURE[p % 5]]
            out.writerows([ids[p], item, labels[points[p, k]] if as_label[p, k] else str(points[p, k] + 1), *attrs]
                          for k, item in enumerate(items))
    return people * len(items)


_CHILD = """
import resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{wall:.3f} {usage.ru_maxrss / 1024:.0f} {done.returncode} {usage.ru_utime + usage.ru_stime:.3f}")
sys.stderr.write(done.stderr[-600:])
"""


def run_command(*args: str, baseline: str | None = None) -> tuple[float, float, int, float]:
    """(wall seconds, peak MB of the command's process, exit code, CPU seconds) of one cxassess command;
    ``baseline``: a checkout of older code (e.g. a git worktree) whose package runs instead."""
    cxassess = [str(Path(sys.executable).parent / "cxassess")]
    env, cwd = None, None
    if baseline:  # -m puts the working folder first on the path: run it in the baseline's folder
        cxassess = [sys.executable, "-m", "cxassess"]
        env, cwd = {**os.environ, "PYTHONPATH": baseline}, baseline
    done = subprocess.run([sys.executable, "-c", _CHILD, *cxassess, *args], capture_output=True, text=True,
                          env=env, cwd=cwd)
    wall, peak, code, cpu = done.stdout.split()
    if int(code) != 0:
        print("   stderr:", done.stderr.strip()[-400:])
    return float(wall), float(peak), int(code), float(cpu)


def plain_python_from_csv(path: Path) -> float:
    """Seconds for the baseline: the csv module and a plain loop over the same answers."""
    q = load_questionnaire()
    start = time.perf_counter()
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader)
        rows = [(r[0], r[1], r[2], r[3], r[4]) for r in reader]
    plain_python(q, rows)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_900_000)
    parser.add_argument("--skip-large", action="store_true")
    parser.add_argument("--baseline", metavar="DIR", help="also run `score` from this checkout (e.g. a worktree of "
                        "the commit before a change) in the same run, and print the ratio")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the score command (the fastest is shown)")
    args = parser.parse_args()
    print("(the machine may be shared with other work: figures are wall time and vary with load)")
    # an installed package runs from bytecode (pip compiles it at install); a checkout under
    # PYTHONDONTWRITEBYTECODE=1 (set on some machines) would compile every module on every run instead
    for tree in filter(None, (Path(__file__).resolve().parents[1], args.baseline)):
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(tree) / "cxassess")], check=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        q = load_questionnaire()
        scored = [i for i in q.items if i.dimension]
        million = folder / "million.csv"
        long = make_long(q, 25_000)
        long = long.loc[long["item_id"].isin([i.id for i in scored])]
        long.to_csv(million, index=False)
        print(f"score: {len(long):,} answers ({million.stat().st_size / 1e6:.0f} MB) from CSV, end to end")
        score_args = ("score", str(million), "--group-by", "role", "--group-by", "department", "--format", "json")
        wall, peak, code, cpu = min(run_command(*score_args) for _ in range(args.repeat))
        if args.baseline:
            b_wall, b_peak, b_code, b_cpu = min(run_command(*score_args, baseline=args.baseline)
                                                for _ in range(args.repeat))
            print(f"  baseline score      {b_wall:6.2f} s (CPU {b_cpu:5.2f} s)  peak {b_peak:6.0f} MB  exit {b_code}"
                  f"   ({args.baseline}); this code: {b_wall / wall:.2f}x faster (wall), {b_cpu / cpu:.2f}x (CPU)")
        read_wall, read_peak, read_code, read_cpu = run_command("validate", str(million))
        base = plain_python_from_csv(million)
        print(f"  cxassess score      {wall:6.2f} s (CPU {cpu:5.2f} s)  peak {peak:6.0f} MB  exit {code}"
              "   (goal < 1.0 s)")
        print(f"  cxassess validate   {read_wall:6.2f} s (CPU {read_cpu:5.2f} s)  peak {read_peak:6.0f} MB  "
              f"exit {read_code}   (reading and validation alone)")
        print(f"  plain-Python loop   {base:6.2f} s  (csv module + loops, same answers)")
        print(f"  ratio               {base / wall:6.1f}x faster than the plain-Python loop (score), "
              f"{base / read_wall:.1f}x (validate)")
        if not args.skip_large:
            large = folder / "large.csv"
            start = time.perf_counter()
            written = write_large_long(large, args.rows)
            made = time.perf_counter() - start
            print(f"validate: {written:,} rows, {large.stat().st_size / 1e6:.0f} MB long CSV (written in {made:.0f} s)")
            wall, peak, code, cpu = run_command("validate", str(large))
            print(f"  cxassess validate   {wall:6.2f} s (CPU {cpu:5.2f} s)  peak {peak:6.0f} MB  exit {code}   "
                  "(goal < 15 s and < 1,500 MB)")
    print(f"(this benchmark's own peak: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")


if __name__ == "__main__":
    main()
