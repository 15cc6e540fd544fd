"""Benchmark: import a Qualtrics-style export of N respondents x 40 items (answer labels as text).

Prints seconds and cells per second for
  - ``import_export`` (read, recognise, match columns, read every label, build the long table),
  - writing the long CSV and the import report,
  - ``read_responses`` on the export directly (what the report and batch commands do).

Run: .venv/bin/python benchmarks/bench_import.py [--respondents N]
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from pathlib import Path

import numpy as np

from cxassess.io.read import read_responses
from cxassess.io.survey_import import import_export
from cxassess.questionnaire.model import load_questionnaire


def write_export(path: Path, respondents: int, seed: int = 3) -> None:
    """A Qualtrics CSV: three header rows, metadata columns, one column per item with label answers."""
    q = load_questionnaire()
    rng = np.random.default_rng(seed)
    labels = [q.scale.labels[p] for p in range(q.scale.min, q.scale.max + 1)] + [q.scale.dont_know, ""]
    meta = ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Finished", "ResponseId", "RecipientEmail"]
    names = meta + ["Q1"] + [f"Q2_{n}" for n in range(1, len(q.items) + 1)]
    texts = meta + ["What is your role?"] + [f"How far do you agree? - {i.text}" for i in q.items]
    tags = [f'{{"ImportId":"{n}"}}' for n in names]
    answers = rng.choice(len(labels), size=(respondents, len(q.items)), p=[0.1, 0.2, 0.3, 0.25, 0.1, 0.03, 0.02])
    roles = rng.choice(["Manager", "Front line", "Back office"], size=respondents)
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh)
        w.writerows([names, texts, tags])
        for r in range(respondents):
            w.writerow(["2026-10-01 09:00:00", "2026-10-01 09:07:00", "IP Address", "203.0.113.7", "100", "True",
                        f"R_{r:06d}", f"p{r}@example.com", roles[r], *(labels[a] for a in answers[r])])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "export.csv"
        write_export(export, args.respondents)
        cells = args.respondents * 40
        print(f"export: {args.respondents} respondents x 40 items = {cells:,} answer cells, "
              f"{export.stat().st_size / 1e6:.1f} MB")
        t = time.perf_counter()
        result = import_export(export, attributes=["Q1=role"])
        dt = time.perf_counter() - t
        print(f"import_export:             {dt:6.2f} s  ({cells / dt:,.0f} cells/s)")
        t = time.perf_counter()
        result.write(Path(tmp) / "responses.csv")
        print(f"write CSV + report:        {time.perf_counter() - t:6.2f} s")
        t = time.perf_counter()
        responses = read_responses(export)
        dt = time.perf_counter() - t
        print(f"read_responses(export):    {dt:6.2f} s  ({cells / dt:,.0f} cells/s, "
              f"{responses.respondent_count} respondents)")


if __name__ == "__main__":
    main()
