"""Benchmark the workshop: storing one answer, and the facilitator's live refresh.

Targets (issue 5): answering one statement stores it in under 20 ms; the live results refresh for
a session of 200 participants x 40 items in under 0.5 s.

Prints, on a session file on the same disk as the repository (not a RAM disk, so fsync is real):
  - one answer through ParticipantFlow.answer (validate, BEGIN IMMEDIATE, log + latest row,
    COMMIT with fsync), and through the widget (ToggleButtons.value -> handler -> store -> progress);
  - FacilitatorPanel.refresh(force=True) on 200 participants x 40 items (8,000 latest answers
    plus 800 changed answers in the log), split into read, score, build figures and render SVG;
    and a refresh when nothing changed since the last one (the charts are kept).

Run: .venv/bin/python benchmarks/bench_workshop.py [--participants N] [--repeats N]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from cxassess.questionnaire.model import load_questionnaire
from cxassess.workshop import FacilitatorPanel, ParticipantEntry, ParticipantFlow
from cxassess.workshop.store import DONT_KNOW, SessionStore

ATTRIBUTES = {"role": ["Senior leader", "Manager", "Front-line staff", "Support function"],
              "department": ["Sales", "Service", "Operations", "Other"]}


def fill(store: SessionStore, participants: int, seed: int = 3) -> None:
    """``participants`` submitted people, every item answered (5% "don't know"), 10% answers changed once."""
    rng = random.Random(seed)
    items = store.questionnaire.item_ids
    for p in range(participants):
        code = f"P{p:04d}"
        store.start_participant(code, {k: rng.choice(v) for k, v in ATTRIBUTES.items()})
        store.record_answers(code, {i: DONT_KNOW if rng.random() < 0.05 else rng.randint(1, 5) for i in items})
        store.record_answers(code, {i: rng.randint(1, 5) for i in rng.sample(items, len(items) // 10)})
        store.submit(code)


def ms(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]
    return (f"median {statistics.median(values) * 1000:6.2f} ms   p95 {p95 * 1000:6.2f} ms   "
            f"max {values[-1] * 1000:6.2f} ms   (n={len(values)})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--participants", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    q = load_questionnaire()
    bench_dir = Path(__file__).resolve().parent
    with tempfile.TemporaryDirectory(prefix="bench-workshop-", dir=bench_dir) as tmp:
        path = Path(tmp) / "session.sqlite"
        store = SessionStore(path, q, client_name="Benchmark client", attributes=ATTRIBUTES)
        t = time.perf_counter()
        fill(store, args.participants)
        print(f"session: {args.participants} participants x {len(q.item_ids)} items, "
              f"{store.counts()['answers']} latest answers, {len(store.history())} in the log "
              f"(filled in {time.perf_counter() - t:.1f} s)")

        # --- storing one answer ---------------------------------------------------------
        flow = ParticipantFlow(store, "NEW-1")
        rng = random.Random(5)
        times = []
        for n in range(200):
            item = q.item_ids[n % len(q.item_ids)]
            t = time.perf_counter()
            flow.answer(item, rng.randint(1, 5))
            times.append(time.perf_counter() - t)
        print(f"store one answer (flow.answer, committed + fsync'd):  {ms(times)}")

        entry = ParticipantEntry(store)
        entry.code.value = "NEW-2"
        view = entry.start()
        view.next_button.click()  # from "about you" to the first section
        times = []
        for n in range(200):
            page = q.dimension_ids[(n // 5) % len(q.dimension_ids)]
            if view.flow.page != page:
                view.flow.go_to(page)
                view.render()
            toggle = list(view.choices.values())[n % len(view.choices)]
            value = (toggle.value or 0) % 5 + 1 if toggle.value != DONT_KNOW else 3
            t = time.perf_counter()
            toggle.value = value
            times.append(time.perf_counter() - t)
        print(f"store one answer (toggle click -> saved, via widget): {ms(times)}")

        # --- live refresh ---------------------------------------------------------------
        panel = FacilitatorPanel(store)
        panel.refresh()  # warm-up: imports, font cache
        runs = []
        for _ in range(args.repeats):
            panel.refresh(force=True)
            runs.append(panel.timings)
        print(f"live refresh, {panel.scores.respondents} submitted participants, heatmap by "
              f"{panel.group_by.value} (median of {args.repeats}):")
        for key in ("read", "score", "figures", "render"):
            print(f"  {key:<8} {statistics.median(r[key] for r in runs) * 1000:7.1f} ms")
        data = [r["read"] + r["score"] + r["figures"] for r in runs]
        total = [r["total"] for r in runs]
        print(f"  read + score + build figures: {statistics.median(data) * 1000:7.1f} ms")
        print(f"  total incl. SVG rendering:    {statistics.median(total) * 1000:7.1f} ms   "
              f"(min {min(total) * 1000:.1f} ms, max {max(total) * 1000:.1f} ms)")
        unchanged = []
        for _ in range(args.repeats):
            panel.refresh()
            unchanged.append(panel.timings["total"])
        print(f"  refresh with nothing new since the last one (charts kept): "
              f"{statistics.median(unchanged) * 1000:.1f} ms")
        store.close()


if __name__ == "__main__":
    main()
