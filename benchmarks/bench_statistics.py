"""What do the issue-13 statistics cost per report? ``score_file`` with and without them, in one run.

For each demo client (and a large synthetic one): the median CPU time of ``--repeat`` runs of
``score_file(..., group_by=role;department)`` as it is (bootstrap intervals with 2,000 resamples,
key drivers on the first 1,000 of the same resamples; fewer resamples where the bootstrap's own
Monte Carlo error is negligible, see cxassess.scoring.uncertainty; ICC, rwg(j)/awg, omega, gaps,
answer shares),
then the same with the statistics switched off (the baseline: the scoring of before issue 13),
and the time of each statistic on its own. The bootstrap is vectorised (counts matrix @ scores;
stacked eigen-decompositions for the drivers), so no Python loop runs per resample. Then score()
on 25,000 x 40 (role;department) and on a 200-participant live refresh, CPU and wall, with ratios
to the same scoring without the statistics (goals: 25,000 x 40 within 2x, 200 people under 0.4 s).

    .venv/bin/python benchmarks/bench_statistics.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import statistics as stat
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cxassess._util.paths import DEMO_DIR  # noqa: E402
from cxassess.io.read import read_responses  # noqa: E402
from cxassess.questionnaire.model import load_questionnaire  # noqa: E402
from cxassess.scoring import compute  # noqa: E402
from cxassess.scoring import statistics as stats_mod  # noqa: E402
from cxassess.scoring.score import score, score_file  # noqa: E402

GROUP_BY = ["role", "department"]


def cpu_wall(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Median CPU and median wall seconds per call (wall includes waiting for a loaded machine)."""
    cpu, wall = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - t)
    return stat.median(cpu), stat.median(wall)


def engine_rows(repeat: int) -> None:
    """``score()`` on validated responses: 25,000 x 40 with two groupings, and a 200-participant
    live refresh (every attribute a grouping), with and without the statistics, CPU and wall."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_scoring import make_long

    from cxassess.io.responses import responses_from_frame

    q = load_questionnaire()
    print(f"\nscore() on validated responses, median of {repeat} runs (the machine is shared with other helpers' "
          "work: wall time includes waiting for a core; CPU is this process's own)")
    print(f"{'case':34} {'before cpu':>10} {'after cpu':>10} {'ratio':>6} {'before wall':>11} {'after wall':>10}")
    for label, n in (("25,000 x 40, role;department", 25000), ("200 participants (live refresh)", 200)):
        r = responses_from_frame(make_long(q, n), q)
        score(r, q, GROUP_BY)
        after = cpu_wall(lambda r=r: score(r, q, GROUP_BY), repeat)
        with without_statistics():
            before = cpu_wall(lambda r=r: score(r, q, GROUP_BY), repeat)
        print(f"{label:34} {before[0]:10.3f} {after[0]:10.3f} {after[0] / before[0]:6.2f} {before[1]:11.3f} "
              f"{after[1]:10.3f}")


def median_time(fn: Callable[[], Any], repeat: int) -> float:
    """Median CPU seconds of this process per call (steadier than wall time on a shared machine)."""
    times = []
    for _ in range(repeat):
        t = time.process_time()
        fn()
        times.append(time.process_time() - t)
    return stat.median(times)


def without_statistics() -> Any:
    """Patch compute_scores' statistics calls out: the scoring as it was before issue 13."""
    empty = {"outcomes": pd.DataFrame()}
    return mock.patch.multiple(compute, statistics=lambda *a, **k: empty,
                               dimension_diagnostics=lambda *a, **k: pd.DataFrame())


def big_client(folder: Path, n: int) -> Path:
    from cxassess.demo.organisations import ORGANISATIONS, DemoOrganisation, generate_organisation

    base = ORGANISATIONS[0]
    org = DemoOrganisation("Big", "big-client", n, base.profile, base.departments, base.sites)
    path = folder / "big.csv"
    generate_organisation(org, load_questionnaire(), np.random.default_rng(3)).to_csv(path, index=False)
    return path


def parts(path: Path, repeat: int) -> dict[str, float]:
    """Seconds of each statistic on its own, on the inputs compute_scores gives it."""
    from cxassess.scoring.agreement import grouping_agreement
    from cxassess.scoring.distribution import answer_shares, group_answer_shares
    from cxassess.scoring.drivers import key_drivers, outcome_scores
    from cxassess.scoring.gaps import group_gaps
    from cxassess.scoring.matrix import answer_matrix, respondent_dimension_scores, weighted_overall
    from cxassess.scoring.uncertainty import bootstrap_intervals

    q = load_questionnaire()
    responses = read_responses(path, q)
    s = score(responses, q, GROUP_BY)
    respondents, matrix = answer_matrix(responses.answers, q)
    keep = ~np.isnan(matrix).all(axis=1)
    respondents, matrix = respondents[keep], matrix[keep]
    rscores = respondent_dimension_scores(matrix, q)
    rs = pd.DataFrame(rscores, index=respondents, columns=q.dimension_ids)
    attrs = responses.attributes.reindex(respondents)
    weights = np.array([d.weight for d in q.dimensions])
    overall = weighted_overall(rscores, weights)
    outcome = outcome_scores(matrix, q)
    dims = s.dimensions["score"].to_numpy()

    def per_group(fn: Callable[[pd.Series, list[str]], Any]) -> Callable[[], None]:
        def run() -> None:
            for col, table in s.groups.items():
                labels = attrs[col].astype(str).rename(col)
                fn(labels, [str(g) for g in table.index[~table["suppressed"].astype(bool)]])
        return run

    return {
        "bootstrap intervals": median_time(lambda: bootstrap_intervals(rscores, q), repeat),
        "key drivers": median_time(lambda: key_drivers(rscores, outcome, q, dims), repeat),
        "omega, rwg(j), awg": median_time(lambda: stats_mod.dimension_diagnostics(matrix, q), repeat),
        "ICC + within-group": median_time(per_group(lambda lab, shown: grouping_agreement(
            matrix, rs, overall, lab, shown, q)), repeat),
        "gaps": median_time(per_group(lambda lab, shown: group_gaps(rs, overall, lab, shown)), repeat),
        "answer shares": median_time(lambda: (answer_shares(matrix, q, 3), per_group(
            lambda lab, shown: group_answer_shares(matrix, lab, shown, q, 3))()), repeat),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--big", type=int, default=2000, help="respondents of the large synthetic client")
    parser.add_argument("--skip-engine", action="store_true", help="leave out the 25,000 x 40 and 200-person rows")
    args = parser.parse_args()
    q = load_questionnaire()
    score_file(DEMO_DIR / "acme-utilities.csv", q, GROUP_BY)  # warm imports and caches
    with tempfile.TemporaryDirectory() as tmp:
        clients = [DEMO_DIR / name for name in pd.read_csv(DEMO_DIR / "manifest.csv")["responses"]]
        clients.append(big_client(Path(tmp), args.big))
        print(f"score_file(group_by={';'.join(GROUP_BY)}), median CPU ms of {args.repeat} runs (machine shared "
              "with other work: figures are indicative; OPENBLAS_NUM_THREADS=1 avoids BLAS threads on tiny matrices)")
        print(f"{'client':28} {'n':>5} {'before ms':>10} {'after ms':>10} {'added ms':>9} {'ratio':>6}")
        for path in clients:
            n = read_responses(path, q).respondent_count
            after = median_time(lambda p=path: score_file(p, q, GROUP_BY), args.repeat)
            with without_statistics():
                before = median_time(lambda p=path: score_file(p, q, GROUP_BY), args.repeat)
            print(f"{path.stem:28} {n:5d} {before * 1e3:10.1f} {after * 1e3:10.1f} {(after - before) * 1e3:9.1f} "
                  f"{after / before:6.2f}")
        for path in (DEMO_DIR / "northwind-outfitters.csv", clients[-1]):
            print(f"\nparts, {path.stem} (CPU ms):")
            for name, secs in parts(path, args.repeat).items():
                print(f"  {name:22} {secs * 1e3:8.1f}")
    if not args.skip_engine:
        engine_rows(args.repeat)


if __name__ == "__main__":
    main()
