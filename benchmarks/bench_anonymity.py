"""What the anonymity rule and the one neutraliser cost, against their baselines, in one run.

1. Suppression: ``score()`` of a synthetic organisation with three groupings, with the rule of
   :mod:`cxassess.scoring.suppression` (groups, group x dimension, group x statement, fixed point)
   against the old per-grouping rule (sizes only), timed on the same responses in the same process.
2. Neutraliser: :func:`cxassess._util.safe.neutralise_frame` on a long answers table (1,000,000
   rows, text ids, a categorical item column, numbers) against the plain per-cell ``map`` the tool
   used before (which also missed categoricals and what ``float()`` accepts).

    .venv/bin/python benchmarks/bench_anonymity.py [--respondents 5000] [--rows 1000000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def bench_suppression(n: int) -> None:
    import numpy as np
    import pandas as pd

    from cxassess.io.responses import responses_from_frame
    from cxassess.questionnaire.model import load_questionnaire
    from cxassess.scoring import suppression
    from cxassess.scoring.compute import _labels
    from cxassess.scoring.score import score

    q = load_questionnaire(None)
    rng = np.random.default_rng(5)
    items = [i.id for i in q.items]
    frame = pd.DataFrame(rng.integers(1, 6, size=(n, len(items))).astype(object), columns=items)
    frame[rng.random(frame.shape) < 0.1] = ""  # a few blanks, so contributor sets differ by dimension
    frame.insert(0, "respondent_id", [f"r{i}" for i in range(n)])
    frame.insert(1, "role", rng.choice(["leadership", "manager", "front line"], size=n, p=[0.1, 0.2, 0.7]))
    frame.insert(2, "department", rng.choice([f"d{i}" for i in range(12)], size=n))
    frame.insert(3, "site", rng.choice([f"s{i}" for i in range(8)], size=n))
    responses = responses_from_frame(frame.astype(str), q)
    groupings = ["role", "department", "site"]

    full = best(lambda: score(responses, q, groupings))
    none = best(lambda: score(responses, q, []))
    rs = score(responses, q, []).respondent_scores
    attrs = responses.attributes.reindex(rs.index)
    labels = {c: _labels(attrs[c]) for c in groupings}
    answered = pd.DataFrame(True, index=rs.index, columns=items)
    plan = best(lambda: suppression.plan_suppression(labels, rs.notna(), 3, None, answered))
    old = best(lambda: [suppression.suppressed_groups(labels[c].value_counts(), 3) for c in groupings])
    groups = sum(labels[c].nunique() for c in groupings)
    print(f"suppression, {n} respondents, {len(items)} statements, 3 groupings ({groups} groups):")
    print(f"  score() with groupings {full:.3f} s, without {none:.3f} s (both with the statistics of issue 13)")
    print(f"  the rule alone {plan:.3f} s (groups, {len(q.dimensions)} dimensions and {len(items)} statements) "
          f"against the old size-only rule {old * 1000:.2f} ms")
    many = {c: pd.Series(rng.choice([f"{c}{i}" for i in range(40)], size=n)) for c in ("d", "t", "s")}
    wide = best(lambda: suppression.plan_suppression(many, rs.notna().reset_index(drop=True), 3, None,
                                                     answered.reset_index(drop=True)), repeat=1)
    print(f"  3 groupings of 40 groups each (120 groups): the rule {wide:.3f} s")


def bench_neutraliser(rows: int) -> None:
    import numpy as np
    import pandas as pd

    from cxassess._util.safe import neutralise_cell, neutralise_frame

    frame = pd.DataFrame({
        "respondent_id": [f"r{i % 5000}" for i in range(rows)],
        "item_id": pd.Categorical([f"A{i % 40}" for i in range(rows)]),
        "value": np.random.default_rng(1).integers(1, 6, size=rows).astype(float),
        "role": ["front line"] * rows,
    })
    frame.loc[::1000, "respondent_id"] = "=HYPERLINK(\"x\")"

    def old_way() -> pd.DataFrame:  # what neutralise_frame did before: every text cell through a Python call
        out = frame.copy()
        for col in out.columns:
            if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
                out[col] = out[col].map(neutralise_cell)
        return out

    new = best(lambda: neutralise_frame(frame))
    old = best(old_way)
    print(f"neutraliser, {rows} rows x 4 columns: {new:.3f} s against {old:.3f} s per-cell map "
          f"({old / new:.1f}x faster, and it now also covers the categorical column)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--respondents", type=int, default=5000)
    ap.add_argument("--rows", type=int, default=1_000_000)
    args = ap.parse_args()
    bench_suppression(args.respondents)
    bench_neutraliser(args.rows)


if __name__ == "__main__":
    main()
