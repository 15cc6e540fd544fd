"""The workshop session store: exact rows, latest answer wins, crash safety, two writers, export."""

from __future__ import annotations

import math
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from cxassess.errors import SessionError
from cxassess.io.read import read_responses
from cxassess.io.session_file import read_session
from cxassess.scoring.score import score
from cxassess.workshop.store import DONT_KNOW, SessionStore, export_session, open_session

ROOT = Path(__file__).resolve().parents[1]
MINI = Path(__file__).parent / "data" / "mini.yaml"


@pytest.fixture
def store(tmp_path):
    s = SessionStore(tmp_path / "s.sqlite", MINI, client_name="Acme", attributes={"role": ["Manager", "Staff"]})
    yield s
    s.close()


def _fill(store: SessionStore) -> None:
    """P1 and P2 submit, P3 is still answering (the hand computation below uses these)."""
    store.start_participant("P1", {"role": "Staff"})
    store.record_answers("P1", {"A1": 4, "A2": 2, "A3": 5, "B1": 3})
    store.record_answer("P1", "B2", DONT_KNOW)
    store.submit("P1")
    store.start_participant("P2", {"role": "Manager"})
    store.record_answers("P2", {"A1": 2, "A2": 4, "A3": 2, "B1": 5, "B2": 4})
    store.record_answer("P2", "B1", 1)  # changed their mind: 5 -> 1
    store.submit("P2")
    store.start_participant("P3", {"role": "Staff"})
    store.record_answer("P3", "A1", 5)


def test_rows_read_back_in_long_format_latest_answer_wins(store):
    _fill(store)
    frame = store.responses_frame()
    assert list(frame.columns) == ["respondent_id", "item_id", "value", "role"]
    assert frame.values.tolist() == [
        ["P1", "A1", 4, "Staff"], ["P1", "A2", 2, "Staff"], ["P1", "A3", 5, "Staff"], ["P1", "B1", 3, "Staff"],
        ["P1", "B2", "Don't know / not applicable", "Staff"],
        ["P2", "A1", 2, "Manager"], ["P2", "A2", 4, "Manager"], ["P2", "A3", 2, "Manager"],
        ["P2", "B1", 1, "Manager"], ["P2", "B2", 4, "Manager"],
    ]
    # the partial participant only comes with include_partial
    assert store.responses_frame(include_partial=True)["respondent_id"].tolist()[-1] == "P3"
    full = store.answers_frame()
    assert full.loc[(full.respondent_id == "P1") & (full.item_id == "B2"), "status"].item() == DONT_KNOW
    assert math.isnan(full.loc[(full.respondent_id == "P1") & (full.item_id == "B2"), "value"].item())
    # the log keeps both answers to P2/B1, in order
    hist = store.history("P2")
    assert hist.loc[hist.item_id == "B1", "value"].tolist() == [5.0, 1.0]
    assert store.counts() == {"started": 3, "in_progress": 1, "submitted": 2, "answers": 11}


def test_scores_from_the_session(store):
    _fill(store)
    s = score(store.to_responses(), store.questionnaire, group_by=["role"], min_group_size=1)
    # mini: A1, A2 (reverse), A3 (weight 2) in A (weight 1); B1, B2 in B (weight 2); scale 1..5
    # P1: A = (4 + (6-2) + 2*5) / 4 = 4.5; B = 3 (B2 "don't know", 1 of 2 answered is enough)
    # P2: A = (2 + (6-4) + 2*2) / 4 = 2.0; B = (1 + 4) / 2 = 2.5 (latest B1 = 1, not 5)
    assert s.dimensions.loc["A", "score"] == pytest.approx(3.25)  # (4.5 + 2.0) / 2
    assert s.dimensions.loc["B", "score"] == pytest.approx(2.75)  # (3 + 2.5) / 2
    assert s.overall["score"] == pytest.approx((3.25 + 2 * 2.75) / 3)  # 2.916...
    assert s.respondents == 2
    assert s.coverage["dont_know"] == 1
    assert s.groups["role"].loc["Staff", "overall"] == pytest.approx((4.5 + 2 * 3) / 3)  # 3.5
    partial = score(store.to_responses(include_partial=True), store.questionnaire)
    assert partial.respondents == 3
    # P3 answered A1 only: 1 of 3 items in A is under half, so P3 has no A score; A stays 3.25
    assert partial.dimensions.loc["A", "n"] == 2


def test_reopen_restores_everything(store, tmp_path):
    _fill(store)
    store.set_page("P3", "B")
    store.close()
    again = SessionStore(tmp_path / "s.sqlite")  # e.g. after a kernel restart
    assert again.client_name == "Acme"
    assert again.questionnaire.id == "mini"
    assert again.attribute_choices == {"role": ["Manager", "Staff"]}
    p3 = again.participant("P3")
    assert (p3.status, p3.page, p3.answers, p3.attributes) == ("in_progress", "B", {"A1": 5.0}, {"role": "Staff"})
    assert again.participant("P1").answers == {"A1": 4.0, "A2": 2.0, "A3": 5.0, "B1": 3.0, "B2": DONT_KNOW}
    assert again.counts()["answers"] == 11
    assert again.participant_codes() == ["P1", "P2", "P3"]
    assert again.participant_codes("submitted") == ["P1", "P2"]
    again.close()


def test_file_is_sqlite_in_wal_mode(store, tmp_path):
    store.start_participant("P1", {"role": "Staff"})
    store.record_answer("P1", "A2", DONT_KNOW)
    con = sqlite3.connect(tmp_path / "s.sqlite")
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # any SQLite tool sees the long format through the 'responses' view
    assert con.execute("SELECT respondent_id, item_id, value, status, participant_status, attributes "
                       "FROM responses").fetchall() == [
        ("P1", "A2", None, "dont_know", "in_progress", '{"role": "Staff"}')]
    con.close()
    assert store._con.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL: fsync at every commit


def test_submitted_answers_are_final(store):
    _fill(store)
    with pytest.raises(SessionError, match="'P1' has already submitted"):
        store.record_answer("P1", "A1", 1)
    with pytest.raises(SessionError, match="already submitted"):
        store.set_attributes("P1", {"role": "Manager"})
    with pytest.raises(SessionError, match="already submitted"):
        store.submit("P1")
    assert store.participant("P1").answers["A1"] == 4.0


@pytest.mark.parametrize("item, value, message", [
    ("ZZ", 3, "'ZZ' is not an item of questionnaire 'mini'"),
    ("A1", 0, "0 is off the scale"),
    ("A1", 6, "6 is off the scale"),
    ("A1", 2.5, "2.5 is off the scale"),
    ("A1", "4", "'4' is not an answer"),
    ("A1", True, "True is not an answer"),
    ("A1", float("nan"), "nan is not an answer"),
])
def test_invalid_answers_are_refused(store, item, value, message):
    store.start_participant("P1")
    with pytest.raises(SessionError, match=message):
        store.record_answer("P1", item, value)
    assert store.counts()["answers"] == 0


def test_bad_codes_and_attributes(store):
    with pytest.raises(SessionError, match="empty"):
        store.start_participant("   ")
    with pytest.raises(SessionError, match="at most 64"):
        store.start_participant("x" * 65)
    with pytest.raises(SessionError, match="control characters"):
        store.start_participant("a\x00b")
    with pytest.raises(SessionError, match="'Boss' is not one of the choices"):
        store.start_participant("P9", {"role": "Boss"})
    with pytest.raises(SessionError, match="has not started"):
        store.record_answer("nobody", "A1", 3)
    assert store.counts()["started"] == 0


def test_wrong_files_are_refused(tmp_path, store):
    text = tmp_path / "notes.sqlite"
    text.write_text("just some text, not a database\n" * 100)
    with pytest.raises(SessionError, match="not a cxassess session file"):
        SessionStore(text)
    other = tmp_path / "other.sqlite"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    with pytest.raises(SessionError, match="not a cxassess session"):
        SessionStore(other)
    with pytest.raises(SessionError, match="questionnaire 'mini' version 0.1, not 'cx-maturity'"):
        SessionStore(tmp_path / "s.sqlite", ROOT / "templates/questionnaires/cx-maturity.yaml")
    with pytest.raises(SessionError, match="belongs to client 'Acme'"):
        SessionStore(tmp_path / "s.sqlite", client_name="Other Co")
    with pytest.raises(SessionError, match="session file not found"):
        open_session(tmp_path / "missing.sqlite")


WRITER = textwrap.dedent("""
    import sys
    from cxassess.workshop.store import SessionStore
    store = SessionStore(sys.argv[1])
    items = store.questionnaire.item_ids
    prefix = sys.argv[2]
    count = int(sys.argv[3])
    for n in range(count):
        code = f"{prefix}{n // len(items)}"
        if n % len(items) == 0:
            store.start_participant(code)
        value = n % 5 + 1
        store.record_answer(code, items[n % len(items)], value)
        print(code, items[n % len(items)], value, flush=True)  # the acknowledgement
""")


def _writer(path: Path, prefix: str, count: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", WRITER, str(path), prefix, str(count)],
                            stdout=subprocess.PIPE, text=True, cwd=ROOT)


def test_killing_a_writer_loses_no_acknowledged_answer(tmp_path):
    path = tmp_path / "kill.sqlite"
    SessionStore(path, MINI).close()
    proc = _writer(path, "K", 10**6)
    acked = []
    try:
        while len(acked) < 300:
            line = proc.stdout.readline()
            assert line, "the writer stopped early"
            acked.append(line.split())
    finally:
        proc.send_signal(signal.SIGKILL)  # mid-stream: it is writing the next answers right now
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    with SessionStore(path) as store:  # the file opens (SQLite rolls back the torn transaction)
        assert store.integrity_ok()
        stored = {(r.respondent_id, r.item_id): r.value
                  for r in store.answers_frame(include_partial=True).itertuples()}
        for code, item, value in acked:
            assert stored[(code, item)] == float(value)
        assert len(stored) >= len(acked)  # possibly the one answer committed before its ack was printed
    done = export_session(path, tmp_path / "after-kill.csv", include_partial=True)  # and it exports
    assert done["rows"] == len(stored)
    assert len(read_responses(tmp_path / "after-kill.csv", MINI).answers) == len(stored)


def test_two_writers_at_once(tmp_path):
    path = tmp_path / "two.sqlite"
    SessionStore(path, MINI).close()
    procs = [_writer(path, prefix, 400) for prefix in ("A", "B")]
    outs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    with SessionStore(path) as store:
        assert store.integrity_ok()
        frame = store.answers_frame(include_partial=True)
        assert len(frame) == 800  # 2 writers x 400 answers, each to its own participant and item
        assert len(store.history()) == 800
        assert store.counts()["started"] == 160  # 400 / 5 items = 80 participants each
        for out in outs:
            for code, item, value in (line.split() for line in out.splitlines()):
                assert (frame.loc[(frame.respondent_id == code) & (frame.item_id == item), "value"].item()
                        == float(value))


def test_same_answer_from_two_connections_latest_wins(tmp_path):
    path = tmp_path / "same.sqlite"
    a = SessionStore(path, MINI)
    b = SessionStore(path)
    a.start_participant("P1")
    a.record_answer("P1", "A1", 2)
    b.record_answer("P1", "A1", 5)
    assert a.participant("P1").answers["A1"] == 5.0
    a.record_answer("P1", "A1", 3)
    assert b.participant("P1").answers["A1"] == 3.0
    assert b.history("P1")["value"].tolist() == [2.0, 5.0, 3.0]
    b.submit("P1")
    with pytest.raises(SessionError, match="already submitted"):
        a.record_answer("P1", "A1", 4)
    a.close()
    b.close()


# --------------------------------------------------------------------------------------
# export (library and CLI)
# --------------------------------------------------------------------------------------
def test_export_csv_reads_back_to_the_same_scores(store, tmp_path, cli):
    _fill(store)
    out = tmp_path / "responses.csv"
    r = cli("export", store.path, "--out", out)
    assert r.returncode == 0, r.stderr
    assert "10 answers from 2 participant(s); 1 participant(s) still answering left out" in r.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "respondent_id,item_id,value,role"
    assert lines[1:6] == ["P1,A1,4,Staff", "P1,A2,2,Staff", "P1,A3,5,Staff", "P1,B1,3,Staff",
                          "P1,B2,Don't know / not applicable,Staff"]
    assert lines[9] == "P2,B1,1,Manager"
    assert len(lines) == 11
    again = score(read_responses(out, store.questionnaire), store.questionnaire, min_group_size=1)  # 2 people
    assert again.overall["score"] == pytest.approx((3.25 + 2 * 2.75) / 3)
    assert again.coverage["dont_know"] == 1
    r = cli("export", store.path, "--out", out, "--include-partial")
    assert r.returncode == 0, r.stderr
    assert out.read_text(encoding="utf-8").splitlines()[-1] == "P3,A1,5,Staff"


def test_export_xlsx_is_neutralised(store, tmp_path):
    store.start_participant("=HYPERLINK(\"http://x\")", {"role": "Staff"})
    store.record_answer("=HYPERLINK(\"http://x\")", "A1", 4)
    store.submit("=HYPERLINK(\"http://x\")")
    out = tmp_path / "r.xlsx"
    done = export_session(store.path, out)
    assert done == {"rows": 1, "respondents": 1, "left_out": 0, "out": str(out)}
    ws = openpyxl.load_workbook(out).active
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows == [["respondent_id", "item_id", "value", "role"],
                    ["'=HYPERLINK(\"http://x\")", "A1", 4, "Staff"]]
    assert ws.cell(2, 1).data_type == "s"  # text, not a formula


def test_export_refuses_an_empty_table(store, tmp_path, cli):
    store.start_participant("P1")
    store.record_answer("P1", "A1", 3)
    out = tmp_path / "r.csv"
    r = cli("export", store.path, "--out", out)
    assert r.returncode == 1
    assert "no answers to export (1 still answering: add --include-partial to export them)" in r.stderr
    assert "Traceback" not in r.stderr
    assert not out.exists()
    r = cli("export", store.path, "--out", tmp_path / "r.json")
    assert r.returncode == 1 and "must be a .csv or .xlsx file" in r.stderr
    r = cli("export", tmp_path / "missing.sqlite", "--out", out)
    assert r.returncode == 1 and "session file not found" in r.stderr


def _files(folder: Path) -> dict[str, bytes]:
    return {f.name: f.read_bytes() for f in folder.iterdir() if f.is_file()}


@pytest.mark.parametrize("kind", ["empty file", "empty database", "other database", "text"])
def test_export_refuses_what_is_not_a_session_and_leaves_it_untouched(tmp_path, cli, kind):
    folder = tmp_path / "in"
    folder.mkdir()
    path = folder / "data.sqlite"
    if kind == "empty file":
        path.write_bytes(b"")
    elif kind == "text":
        path.write_text("respondent_id,item_id,value\nP1,A1,4\n")
    else:
        con = sqlite3.connect(path)
        con.execute("CREATE TABLE orders (id INTEGER)" if kind == "other database" else "VACUUM")
        con.commit()
        con.close()
    before = _files(folder)
    assert list(before) == ["data.sqlite"]
    out = tmp_path / "r.csv"
    r = cli("export", path, "--out", out)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert f"{path}: " in r.stderr and "it was left unchanged" in r.stderr
    assert "not a cxassess session" in r.stderr
    # byte for byte as it was, and no -wal/-shm companions left behind
    assert _files(folder) == before and not out.exists()
    with pytest.raises(SessionError, match="not a cxassess session"):
        open_session(path)
    assert _files(folder) == before


def test_a_new_session_may_still_start_in_an_empty_file(tmp_path):
    path = tmp_path / "touched.sqlite"
    path.write_bytes(b"")  # e.g. made with `touch`: nothing in it to lose
    with SessionStore(path, MINI) as s:
        assert s.questionnaire.id == "mini"
    with open_session(path) as s:
        assert s.counts()["started"] == 0


def test_export_to_a_folder_is_a_clear_error(store, tmp_path, cli):
    _fill(store)
    for name in ("results.csv", "results"):  # a folder named like a file, and a plain one
        folder = tmp_path / name
        folder.mkdir()
        r = cli("export", store.path, "--out", folder)
        assert r.returncode == 1 and "Traceback" not in r.stderr
        assert f"{folder}: is a folder; give the export a file name, e.g. {folder / 'responses.csv'}" in r.stderr
        assert list(folder.iterdir()) == [] and [f.name for f in tmp_path.glob(".*.tmp")] == []
    with pytest.raises(SessionError, match="is a folder"):
        export_session(store.path, tmp_path / "results.csv")
    blocker = tmp_path / "file"
    blocker.write_text("x")  # a file where the export's folder should be
    with pytest.raises(SessionError, match=r"cannot write the export .*nothing was written"):
        export_session(store.path, blocker / "r.csv")


def _plain(frame: pd.DataFrame) -> list[list]:
    """Cell values as plain Python with every kind of missing as None (dtypes differ, data must not)."""
    return [[None if pd.isna(v) else v for v in row] for row in frame.astype(object).values.tolist()]


def test_to_responses_agrees_with_revalidating_the_long_table(store):
    from cxassess.io.responses import responses_from_frame

    _fill(store)
    store.start_participant("P4")  # no role given
    store.record_answers("P4", {"A1": 1, "B1": DONT_KNOW})
    for partial in (False, True):
        fast = store.to_responses(include_partial=partial)
        slow = responses_from_frame(store.responses_frame(include_partial=partial), store.questionnaire)
        for mine, theirs in ((fast.answers, slow.answers), (fast.attributes, slow.attributes)):
            assert list(mine.columns) == list(theirs.columns)
            assert list(mine.index) == list(theirs.index)
            assert _plain(mine) == _plain(theirs)
        a = score(fast, store.questionnaire, group_by=["role"], min_group_size=1)
        b = score(slow, store.questionnaire, group_by=["role"], min_group_size=1)
        assert a.to_dict() == b.to_dict()
    assert fast.attributes.loc["P4"].isna().all()


# --------------------------------------------------------------------------------------
# damaged or tampered session files: a located error, and a salvage of every answer still readable
# --------------------------------------------------------------------------------------
def _session(tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    """A closed session of 80 participants (several pages per table) and its true export, read before damage."""
    path = tmp_path / "workshop.sqlite"
    with SessionStore(path, MINI, client_name="Acme", attributes={"role": ["Manager", "Staff"]}) as s:
        for n in range(80):
            code = f"P{n:03d}"
            s.start_participant(code, {"role": "Staff" if n % 3 else "Manager"})
            s.record_answers(code, {"A1": n % 5 + 1, "A2": (n + 1) % 5 + 1, "A3": 3, "B1": 5})
            s.record_answer(code, "B1", n % 4 + 1)  # a changed answer: the latest wins
            s.record_answer(code, "B2", DONT_KNOW if n % 7 == 0 else 2)
            s.submit(code)
    assert not Path(f"{path}-wal").exists()  # checkpointed on close: every page is in the file itself
    truth = tmp_path / "truth.csv"
    export_session(path, truth)
    return path, pd.read_csv(truth, dtype=str, keep_default_na=False)


def _tamper(path: Path, sql: str) -> None:
    con = sqlite3.connect(path)
    con.executescript(sql)
    con.commit()
    con.close()


def _pages(path: Path, table: str) -> tuple[int, list[int]]:
    """(root page, child pages) of a table's b-tree, read from the file's bytes."""
    con = sqlite3.connect(path)
    root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    size = con.execute("PRAGMA page_size").fetchone()[0]
    con.close()
    page = path.read_bytes()[(root - 1) * size: root * size]
    assert page[0] in (0x02, 0x05), "the table fits one page: give the session more rows"
    cells = int.from_bytes(page[3:5], "big")
    pointers = [int.from_bytes(page[12 + 2 * k: 14 + 2 * k], "big") for k in range(cells)]
    children = [int.from_bytes(page[p: p + 4], "big") for p in pointers] + [int.from_bytes(page[8:12], "big")]
    return root, children


def _smash(path: Path, page: int) -> None:
    """Overwrite the start of one page (its b-tree header and first cells) with garbage."""
    size = 4096
    data = bytearray(path.read_bytes())
    data[(page - 1) * size: (page - 1) * size + 512] = b"\xab" * 512
    path.write_bytes(bytes(data))


DAMAGE = {
    "meta attributes JSON": ("UPDATE meta SET value = '{\"role\": [' WHERE key = 'attributes'",
                             "meta 'attributes' is not valid JSON"),
    "stored questionnaire JSON": ("UPDATE meta SET value = 'not json' WHERE key = 'questionnaire'",
                                  "meta 'questionnaire' is not valid JSON"),
    "participant attributes JSON": ("UPDATE participants SET attributes = '{role: Staff' WHERE code = 'P004'",
                                    "participant 'P004': the attributes are not valid JSON"),
    "schema version": ("UPDATE meta SET value = 'one' WHERE key = 'schema_version'",
                       "meta 'schema_version' is 'one', not a version number"),
    "text not UTF-8": ("UPDATE participants SET attributes = CAST(X'7B22726F6C65223A2253FF227D' AS TEXT) "
                       "WHERE code = 'P005'", "table 'participants' holds text that is not UTF-8"),
    # answers edited by hand: never a traceback, never a 99 scored as an answer, never an answer dropped unsaid
    "answer not a number": ("UPDATE answers SET value = 'abc' WHERE participant = 'P001' AND item_id = 'A1'",
                            "table 'answers': participant 'P001', item A1: the stored answer 'abc' is not a number"),
    "answer off the scale": ("UPDATE answers SET value = 99 WHERE participant = 'P002' AND item_id = 'A2'",
                             "table 'answers': participant 'P002', item A2: the stored answer 99 is not a whole "
                             "number 1..5"),
    "unknown item": ("UPDATE answers SET item_id = 'ZZ9' WHERE participant = 'P003' AND item_id = 'A1'",
                     "table 'answers': participant 'P003': item 'ZZ9' is not in questionnaire 'mini'"),
    "unknown answer status": ("UPDATE answers SET status = 'maybe' WHERE participant = 'P006' AND item_id = 'B1'",
                              "table 'answers': participant 'P006', item B1: status 'maybe' is neither answered "
                              "nor dont_know"),
    "unknown participant status": ("PRAGMA ignore_check_constraints = 1; "
                                   "UPDATE participants SET status = 'weird' WHERE code = 'P007'",
                                   "table 'participants': participant 'P007': status 'weird' is neither "
                                   "in_progress nor submitted"),
    "attribute choices not an object": ("UPDATE meta SET value = '[1, 2]' WHERE key = 'attributes'",
                                        "meta 'attributes' is not valid JSON"),
    "no schema version": ("DELETE FROM meta WHERE key = 'schema_version'", "meta has no schema_version"),
    "a table dropped": ("DROP VIEW responses; DROP TABLE answers", "table 'answers' is missing"),
    "answers of nobody": ("UPDATE participants SET code = 'X10' WHERE code = 'P010'",
                          "table 'answers': participant 'P010' has answers but no row in 'participants'"),
}


@pytest.mark.parametrize("kind", list(DAMAGE))
def test_a_tampered_session_names_the_file_and_the_damage(tmp_path, cli, kind):
    path, _ = _session(tmp_path)
    sql, expected = DAMAGE[kind]
    _tamper(path, sql)
    before = path.read_bytes()
    with pytest.raises(SessionError, match="the session file is damaged or was edited by hand") as err:
        read_session(path)
    assert str(err.value).startswith(f"{path}: ") and expected in str(err.value)
    assert f"cxassess export {path} --salvage --out salvaged.csv" in str(err.value)
    with pytest.raises(SessionError, match="edited by hand"), open_session(path) as live:  # as the workshop opens it
        live.responses_frame()
    r = cli("export", path, "--out", tmp_path / "out.csv")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert expected in r.stderr and "--salvage" in r.stderr
    assert path.read_bytes() == before and not (tmp_path / "out.csv").exists()


def test_a_session_locked_by_another_program_says_so_not_that_it_is_no_session(tmp_path):
    from cxassess.io.session_file import SessionFile

    path, _ = _session(tmp_path)
    other = sqlite3.connect(path, isolation_level=None)  # e.g. a tool holding the file while it copies it
    other.execute("PRAGMA locking_mode = EXCLUSIVE")
    other.execute("BEGIN EXCLUSIVE")
    other.execute("INSERT INTO meta VALUES ('copying', 'yes')")
    try:
        with pytest.raises(SessionError) as err:
            SessionFile(path, timeout=0.2)
    finally:
        other.rollback()
        other.close()
    assert str(err.value).startswith(f"{path}: the session file is locked by another program")
    assert "not a cxassess session" not in str(err.value)
    with SessionFile(path) as session:  # and once it is let go, it reads
        assert session.counts()["submitted"] == 80


@pytest.mark.parametrize("table", ["answers", "participants", "meta"])
def test_a_smashed_page_names_the_damaged_table(tmp_path, cli, table):
    path, _ = _session(tmp_path)
    if table == "meta":
        con = sqlite3.connect(path)
        page = con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'meta'").fetchone()[0]
        con.close()
    else:
        page = _pages(path, table)[1][1]
    _smash(path, page)
    r = cli("export", path, "--out", tmp_path / "out.csv")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert f"{path}: the session file is damaged" in r.stderr
    assert f"table '{table}' is damaged (database disk image is malformed)" in r.stderr
    assert "Still readable whole: " in r.stderr and "--salvage" in r.stderr


def test_salvage_reads_every_answer_from_the_log_when_the_answers_table_is_damaged(tmp_path, cli):
    path, truth = _session(tmp_path)
    for page in _pages(path, "answers")[1][:2]:
        _smash(path, page)
    before = path.read_bytes()
    out = tmp_path / "salvaged.csv"
    r = cli("export", path, "--out", out, "--salvage")
    assert r.returncode == 0, r.stderr
    got = pd.read_csv(out, dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(got, truth)  # the latest answers, changed ones included, all 400
    assert len(got) == 400 and (got[got.respondent_id == "P000"].value.tolist() == ["1", "2", "3", "1",
                                                                                      "Don't know / not applicable"])
    report = (tmp_path / "salvaged.salvage-report.txt").read_text(encoding="utf-8")
    assert "table 'answers' is damaged" in report
    assert "Result: 400 answer(s) from 80 participant(s) read out (" in report
    assert "the answer log reads whole, so the latest answer of each was taken from it" in report
    assert "nothing: every stored answer was read" in report
    assert path.read_bytes() == before  # never changed, not even a -wal beside it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["salvaged.csv", "salvaged.salvage-report.txt",
                                                          "truth.csv", "workshop.sqlite"]


def test_salvage_around_damage_in_both_answer_tables_keeps_only_true_answers_and_lists_the_rest(tmp_path, cli):
    path, truth = _session(tmp_path)
    _smash(path, _pages(path, "answers")[1][1])
    _smash(path, _pages(path, "answer_log")[1][2])
    out = tmp_path / "salvaged.csv"
    r = cli("export", path, "--out", out, "--salvage")
    assert r.returncode == 0, r.stderr
    got = pd.read_csv(out, dtype=str, keep_default_na=False)
    true = {tuple(row) for row in truth.itertuples(index=False)}
    assert {tuple(row) for row in got.itertuples(index=False)} <= true  # nothing invented or changed
    report = (tmp_path / "salvaged.salvage-report.txt").read_text(encoding="utf-8")
    unsure = {(line.split("participant ")[1].split(",")[0], line.split("item ")[1].split(":")[0])
              for line in report.splitlines() if "may have been answered" in line or "may have been changed" in line}
    missing = {(row[0], row[1]) for row in true} - {(row[0], row[1]) for row in got.itertuples(index=False)}
    assert missing and missing <= unsure  # every answer not read out is named in the report
    assert "answer log entries " in report and "(a damaged page)" in report
    assert f"Result: {len(got)} answer(s) from " in report


@pytest.mark.parametrize("pages", [10, 14, 20, 28])
def test_a_session_cut_short_mid_page_says_so_and_salvages_only_true_answers(tmp_path, cli, pages):
    # at 10 pages the log holds P008's first B1 answer (5) but the entry that changed it (to 1) is gone: the
    # answer is left out and listed, never given as P008's latest; at 28 pages a page of zeros reads as NULL rows
    path, truth = _session(tmp_path)
    whole = path.read_bytes()
    cut = whole[: 4096 * pages + 1234]  # a copy that stopped in the middle of a page
    path.write_bytes(cut)
    r = cli("export", path, "--out", tmp_path / "out.csv")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert (f"the file is cut short: {len(cut):,} of the {len(whole):,} bytes its header records (pages "
            f"{pages + 1}..{len(whole) // 4096} of {len(whole) // 4096} missing or incomplete") in r.stderr
    out = tmp_path / "salvaged.csv"
    r = cli("export", path, "--out", out, "--salvage")
    report = (tmp_path / "salvaged.salvage-report.txt").read_text(encoding="utf-8")
    if pages == 10:
        assert r.returncode == 1 and "no answer could be read out; nothing was written" in r.stderr
        assert ("participant P008, item B1: left out: the answer log gives an answer (entry 52), but later entries "
                "(53..") in report
        return
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    got = pd.read_csv(out, dtype=str, keep_default_na=False)
    true = {tuple(row) for row in truth.itertuples(index=False)}
    assert 0 < len(got) < len(truth)
    assert {tuple(row) for row in got.itertuples(index=False)} <= true  # nothing read from the missing pages
    assert path.read_bytes() == cut and sorted(p.name for p in tmp_path.iterdir()) == [
        "salvaged.csv", "salvaged.salvage-report.txt", "truth.csv", "workshop.sqlite"]  # no copy or -wal left


@pytest.mark.parametrize(("data", "expected"), [
    (b"", "an empty file (0 bytes): no session was ever written to it; nothing to salvage"),
    (b"SQLite format 3\x00" + b"\x10" * 44, "the file is cut short inside its 100-byte header (60 bytes)"),
])  # never "name the questionnaire": there is nothing to read it with
def test_salvage_of_a_file_with_nothing_in_it_says_why(tmp_path, cli, data, expected):
    path = tmp_path / "s.sqlite"
    path.write_bytes(data)
    r = cli("export", path, "--out", tmp_path / "out.csv", "--salvage")
    assert r.returncode == 1 and "Traceback" not in r.stderr and expected in r.stderr
    assert "--questionnaire" not in r.stderr and not (tmp_path / "out.csv").exists()


def test_salvage_reads_out_the_open_answers_too_as_the_export_writes_them(tmp_path):
    import yaml

    from cxassess.io.session_salvage import salvage_session

    data = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    data["open_questions"] = [{"id": "OQ1", "text": "What should we change first?"}]
    q = tmp_path / "open.yaml"
    q.write_text(yaml.safe_dump(data), encoding="utf-8")
    path = tmp_path / "s.sqlite"
    with SessionStore(path, q, attributes={"role": ["Manager", "Staff"]}) as s:
        for code, words in (("P1", "Answer the phone, sooner"), ("P2", "")):
            s.start_participant(code, {"role": "Staff"})
            s.record_answers(code, {"A1": 4, "B1": 2})
            if words:
                s.record_open_answer(code, "OQ1", words)
            s.submit(code)
    export_session(path, tmp_path / "export.csv")
    got = salvage_session(path, tmp_path / "salvaged.csv")
    assert (tmp_path / "salvaged.csv").read_bytes() == (tmp_path / "export.csv").read_bytes()
    assert got.answers == 4 and got.open_answers == 1
    assert "1 open answer(s)" in got.to_text()


def test_salvage_keeps_participants_whose_own_row_is_lost_with_their_logged_attributes(tmp_path):
    from cxassess.io.session_salvage import salvage_session

    path, truth = _session(tmp_path)
    _smash(path, _pages(path, "participants")[1][0])
    got = salvage_session(path, tmp_path / "s.csv")
    frame = pd.read_csv(tmp_path / "s.csv", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(frame, truth)  # in the order they started, as the export writes them
    assert got.answers == 400 and got.participants == 80
    assert any("whose own row is lost are kept with the attributes of their latest answer; whether they "
               "submitted is unknown: P000" in n for n in got.notes)


def test_salvage_with_a_damaged_stored_questionnaire_asks_for_it_then_reads_everything(tmp_path, cli):
    path, truth = _session(tmp_path)
    _tamper(path, "UPDATE meta SET value = 'not json' WHERE key = 'questionnaire'")
    out = tmp_path / "s.csv"
    r = cli("export", path, "--out", out, "--salvage")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "the questionnaire stored in the session is unreadable" in r.stderr and "--questionnaire" in r.stderr
    r = cli("export", path, "--out", out, "--salvage", "--questionnaire", MINI)
    assert r.returncode == 0, r.stderr
    pd.testing.assert_frame_equal(pd.read_csv(out, dtype=str, keep_default_na=False), truth)


def test_salvage_of_tampered_text_takes_the_attributes_from_the_log_and_says_so(tmp_path):
    from cxassess.io.session_salvage import salvage_session

    path, truth = _session(tmp_path)
    _tamper(path, DAMAGE["text not UTF-8"][0])
    _tamper(path, DAMAGE["participant attributes JSON"][0])
    got = salvage_session(path, tmp_path / "s.csv")
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "s.csv", dtype=str, keep_default_na=False), truth)
    assert ("participant P004: the attributes are unreadable (not JSON, or not UTF-8); taken from their latest "
            "logged answer where possible") in got.lost
    assert any(x.startswith("participant P005: the attributes are unreadable") for x in got.lost)
    assert any("holds text that is not UTF-8" in d for d in got.damage)


def test_salvage_of_a_copy_taken_mid_workshop_reads_the_answers_still_in_the_write_ahead_log(tmp_path):
    from cxassess.io.session_salvage import salvage_session

    live = tmp_path / "live"
    live.mkdir()
    with SessionStore(live / "s.sqlite", MINI) as s:
        s.start_participant("P1", {"role": "Staff"})
        s.record_answers("P1", {"A1": 4, "A2": 3})
        s.submit("P1")
        copy = tmp_path / "copy"
        copy.mkdir()
        for f in live.glob("s.sqlite*"):  # as a crashed laptop leaves them: the answers not yet in the main file
            (copy / f.name).write_bytes(f.read_bytes())
        assert (copy / "s.sqlite-wal").stat().st_size > 0
    got = salvage_session(copy / "s.sqlite", tmp_path / "out.csv")
    assert got.answers == 2 and got.damage == [] and got.lost == []
    assert (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines() == [
        "respondent_id,item_id,value,role", "P1,A1,4,Staff", "P1,A2,3,Staff"]


def test_a_schema_that_is_not_utf8_is_named_as_damage_not_a_decoding_traceback(tmp_path, cli):
    """Found by `make fuzz`: a byte that is not UTF-8 in the file's own table list (sqlite_master)."""
    path, _ = _session(tmp_path)
    data = bytearray(path.read_bytes())
    data[data.find(b"CREATE TABLE meta") + 7] = 0xFF  # inside the word TABLE of meta's schema text
    path.write_bytes(bytes(data))
    with pytest.raises(SessionError, match="the session file is damaged or was edited by hand") as err:
        open_session(path)
    assert str(err.value).startswith(f"{path}: ") and "not UTF-8" in str(err.value)
    r = cli("export", path, "--out", tmp_path / "out.csv")
    assert r.returncode == 1 and "Traceback" not in r.stderr and "not UTF-8" in r.stderr


def test_a_session_on_its_own_questionnaire_validates_scores_and_reports_without_naming_it(tmp_path, cli):
    """A workshop run on a questionnaire of its own: validate, score, score_file and the report read the
    questionnaire stored in the session file, not the bundled one (which would refuse the file)."""
    import json

    from cxassess.report.request import ReportRequest
    from cxassess.run.renderer import render_report
    from cxassess.scoring.score import score_file

    path = tmp_path / "own.sqlite"
    with SessionStore(path, MINI, client_name="Acme") as s:
        for code in ("p1", "p2", "p3"):
            s.start_participant(code)
            # A2 is reverse-worded: 2 counts as 4, so A = 4 (A3 weighs 2: still 4) and B = 2
            s.record_answers(code, {"A1": 4, "A2": 2, "A3": 4, "B1": 2, "B2": 2})
            s.submit(code)
    r = cli("validate", path)
    assert r.returncode == 0 and "OK: the responses can be scored" in r.stdout, r.stderr
    r = cli("score", path, "--format", "json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["respondents"] == 3
    assert (doc["dimensions"]["A"]["score"], doc["dimensions"]["B"]["score"]) == (4.0, 2.0)
    scores = score_file(path)
    assert scores.questionnaire.id == "mini" and scores.dimensions.loc["B", "score"] == 2.0
    result = render_report(ReportRequest(client="Acme", responses=path, group_by=[]), tmp_path / "out",
                           formats=["html"])
    written = json.loads((result.folder / "scores.json").read_text(encoding="utf-8"))
    assert written["dimensions"]["A"]["score"] == 4.0 and "Dimension A" in (result.folder / "report.html").read_text()
