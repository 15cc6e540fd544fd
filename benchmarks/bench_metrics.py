"""Benchmark: customer metrics (NPS, CSAT, CES with intervals, broken down by touchpoint) on a large survey.

Prints seconds and rows per second for
  - ``summarise`` on an in-memory table of N rows (text cells, as read from CSV),
  - ``summarise_file`` on the same table written as CSV (reading included),
  - the same with 1% invalid cells and ``on_error="skip"`` (every bad cell is located and listed).

Run: .venv/bin/python benchmarks/bench_metrics.py [--rows N]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from cxassess.demo.customers import generate_customer_survey
from cxassess.metrics.summary import summarise, summarise_file

COLUMNS = {"nps": "nps", "csat": "csat", "ces": "ces", "by": "touchpoint"}


def _time(label: str, rows: int, func) -> object:
    start = time.perf_counter()
    result = func()
    seconds = time.perf_counter() - start
    print(f"{label:<42} {seconds:8.3f} s   {rows / seconds:>12,.0f} rows/s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    rows = parser.parse_args().rows
    frame = generate_customer_survey(rows, seed=1).astype(str)
    print(f"{rows:,} survey rows, 3 measures, breakdown by touchpoint")
    _time("summarise (in memory)", rows, lambda: summarise(frame, **COLUMNS))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "survey.csv"
        frame.to_csv(path, index=False)
        _time("summarise_file (CSV, reading included)", rows, lambda: summarise_file(path, **COLUMNS))
    bad = frame.copy()
    rng = np.random.default_rng(2)
    bad.loc[rng.random(rows) < 0.01, "nps"] = "11"
    result = _time("summarise, 1% invalid NPS, on_error=skip", rows,
                   lambda: summarise(bad, **COLUMNS, on_error="skip"))
    print(f"  dropped and listed: {len(result.dropped):,} cells")


if __name__ == "__main__":
    main()
