"""Benchmark: salvage a damaged workshop session against exporting the same session undamaged.

Builds a session of N participants x 40 items (every answer also in the answer log, as the store
writes them), copies it, overwrites one page of the ``answers`` table and one of ``answer_log`` in
the copy, then times
  - ``export_session`` on the undamaged file (the baseline),
  - ``read_salvage`` on the undamaged file (the cost of reading around damage that is not there),
  - ``read_salvage`` on the damaged copy (ranges halved around the damaged pages),
and prints how many answers the salvage read out and how many it lists as unreadable.

Run: .venv/bin/python benchmarks/bench_session_salvage.py [--participants N]
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from cxassess.io.session_salvage import read_salvage
from cxassess.io.session_schema import now_utc
from cxassess.questionnaire.model import load_questionnaire
from cxassess.workshop.store import SessionStore, export_session


def build(path: Path, participants: int) -> int:
    """A closed session file written in one transaction (the store's schema and meta); returns the answers."""
    q = load_questionnaire()
    SessionStore(path, q, client_name="Bench", attributes={"role": ["Manager", "Staff"]}).close()
    con = sqlite3.connect(path)
    when = now_utc()
    seq = 0
    with con:
        for p in range(participants):
            code = f"P{p:05d}"
            attrs = '{"role": "%s"}' % ("Manager" if p % 4 == 0 else "Staff")
            con.execute("INSERT INTO participants VALUES (?, ?, 'submitted', NULL, ?, ?, ?)",
                        (code, attrs, when, when, when))
            for n, item in enumerate(q.item_ids):
                seq += 1
                value = float((p + n) % 5 + 1)
                con.execute("INSERT INTO answer_log VALUES (?, ?, ?, ?, 'answered', ?, ?)",
                            (seq, code, item, value, attrs, when))
                con.execute("INSERT INTO answers VALUES (?, ?, ?, 'answered', ?, ?)", (code, item, value, when, seq))
    con.close()
    return seq


def smash_child(path: Path, table: str, which: int) -> None:
    con = sqlite3.connect(path)
    root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    size = con.execute("PRAGMA page_size").fetchone()[0]
    con.close()
    data = bytearray(path.read_bytes())
    page = data[(root - 1) * size: root * size]
    first_cell = int.from_bytes(page[12:14], "big")
    child = int.from_bytes(page[first_cell: first_cell + 4], "big") if which == 0 else int.from_bytes(page[8:12], "big")
    data[(child - 1) * size: (child - 1) * size + 512] = b"\xab" * 512
    path.write_bytes(bytes(data))


def timed(fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--participants", type=int, default=2000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        good = Path(tmp) / "good.sqlite"
        answers = build(good, args.participants)
        bad = Path(tmp) / "bad.sqlite"
        shutil.copy(good, bad)
        smash_child(bad, "answers", 0)
        smash_child(bad, "answer_log", 1)
        print(f"session: {args.participants} participants, {answers:,} answers, {good.stat().st_size / 1e6:.1f} MB")
        t_export, _ = timed(lambda: export_session(good, Path(tmp) / "export.csv"))
        t_clean, clean = timed(lambda: read_salvage(good))
        t_bad, salvaged = timed(lambda: read_salvage(bad))
        print(f"export_session (undamaged, baseline): {t_export:6.2f} s")
        print(f"read_salvage (undamaged):             {t_clean:6.2f} s  ({t_clean / t_export:.2f}x the export); "
              f"{clean.answers:,} answers read")
        print(f"read_salvage (two pages smashed):     {t_bad:6.2f} s  ({t_bad / t_export:.2f}x the export); "
              f"{salvaged.answers:,} answers read, {salvaged.from_log:,} of them from the answer log, "
              f"{len(salvaged.lost)} part(s) listed as unreadable")


if __name__ == "__main__":
    main()
