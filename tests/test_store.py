"""The assessment history store, on SQLite and on a real PostgreSQL server (tests/postgres.py).

Every test that takes ``db`` runs twice: an SQLite file under tmp_path, and a fresh database on
the throw-away PostgreSQL server. Expected figures are worked out by hand on tiny data sets with
the mini questionnaire (A: A1, A2 reverse, A3 weight 2; B: B1, B2; scale 1..5).
"""

from __future__ import annotations

import math
import statistics
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine, func, select, text

from cxassess.errors import (
    ResponsesError,
    StoreConflictError,
    StoreError,
    StoreNotFoundError,
    StoreUnavailableError,
    StoreVersionError,
)
from cxassess.store.api import CURRENT_LABEL, add_assessment, client_history
from cxassess.store.benchmark import percentile
from cxassess.store.database import head_revision, open_store, resolve_url
from cxassess.store.read import client_summaries, client_waves, export_client
from cxassess.store.schema import metadata
from cxassess.store.trend import DECLINED, IMPROVED, NO_CLEAR_CHANGE, welch_interval, word_for
from cxassess.store.write import forget_client

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "data" / "mini.yaml"
ITEMS = ("A1", "A2", "A3", "B1", "B2")


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "history.sqlite")
    return str(request.getfixturevalue("postgresql_url"))


def write_wide(path: Path, rows: list[tuple[str, ...]], ids: list[str] | None = None) -> Path:
    """A wide responses CSV: one row per respondent, values for A1 A2 A3 B1 B2."""
    ids = ids or [f"R{n}" for n in range(1, len(rows) + 1)]
    lines = ["respondent_id," + ",".join(ITEMS)] + [f"{rid}," + ",".join(map(str, r)) for rid, r in zip(ids, rows,
                                                                                                        strict=True)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def reworded_mini(tmp_path: Path) -> Path:
    """Version 0.2 of the mini questionnaire: A2 worded differently, everything else the same."""
    text_ = MINI.read_text(encoding="utf-8").replace('version: "0.1"', 'version: "0.2"')
    text_ = text_.replace("text: Second A statement,", "text: Second A statement said another way,")
    path = tmp_path / "mini-0.2.yaml"
    path.write_text(text_, encoding="utf-8")
    return path


WAVE1 = [(4, 2, 3, 2, 3), (3, 3, 3, 3, 3), (5, 1, 4, 4, 2), (2, 4, 2, 1, 2), (3, 2, 4, 3, 4)]
WAVE2 = [(4, 2, 4, 4, 4), (5, 1, 4, 3, 4), (3, 3, 3, 5, 4), (4, 2, 5, 3, 3), (2, 4, 4, 4, 5), (5, 1, 5, 2, 4)]
# by hand: B = (B1 + B2) / 2 per respondent; A on the shared items A1, A3 (weights 1, 2) = (A1 + 2 A3) / 3
B_BEFORE = [2.5, 3.0, 3.0, 1.5, 3.5]
B_AFTER = [4.0, 3.5, 4.5, 3.0, 4.5, 3.0]
A_BEFORE = [10 / 3, 3.0, 13 / 3, 2.0, 11 / 3]
A_AFTER = [4.0, 13 / 3, 3.0, 14 / 3, 10 / 3, 5.0]


def hand_welch(x: list[float], y: list[float]) -> tuple[float, float, float]:
    from scipy.stats import t  # the t quantile only; the rest written out

    v1, v2 = statistics.variance(x) / len(x), statistics.variance(y) / len(y)
    df = (v1 + v2) ** 2 / (v1 ** 2 / (len(x) - 1) + v2 ** 2 / (len(y) - 1))
    d = statistics.fmean(y) - statistics.fmean(x)
    half = t.ppf(0.975, df) * math.sqrt(v1 + v2)
    return d, d - half, d + half


# --------------------------------------------------------------------------------------
# opening: migrations, location, refusals
# --------------------------------------------------------------------------------------
def test_migrations_create_the_schema_from_empty(db: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with open_store(db) as store, store.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head_revision()
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []  # migrations == schema.py
    with open_store(db) as again:  # opening again changes nothing
        assert client_summaries(again).empty


def test_a_store_from_a_newer_version_is_refused(db: str) -> None:
    with open_store(db) as store, store.write() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    with pytest.raises(StoreVersionError, match=r"newer cxassess \(schema revision '9999_future'; this version "
                                                r"knows up to '0003'\)"):
        open_store(db)
    engine = create_engine(resolve_url(db))
    with engine.connect() as conn:  # nothing was changed
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "9999_future"
    engine.dispose()


def test_an_older_store_is_migrated_with_its_data(db: str, tmp_path: Path) -> None:
    """A store at revision 0001 (answers as one row each) opens at the head with each assessment's answers packed
    and the rows gone (0002 packs them, 0003 drops the row table); the trend is the same as before."""
    from cxassess.store.database import migrate

    add_assessment(write_wide(tmp_path / "w1.csv", WAVE1), "Acme", "2025", db=db, questionnaire=MINI,
                   assessed_on="2025-01-01")
    add_assessment(write_wide(tmp_path / "w2.csv", WAVE2), "Acme", "2026", db=db, questionnaire=MINI)
    before = client_history(db, "Acme").trend.to_dict()
    with open_store(db) as store, store.write() as conn:  # back to how revision 0001 left it
        migrate(conn, "0001", down=True)
        assert conn.execute(text("SELECT count(*) FROM responses")).scalar_one() == 25 + 30
    with open_store(db) as store, store.read() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0003"
        assert conn.execute(text("SELECT count(*) FROM matrices")).scalar_one() == 2
    reflected = MetaData()
    with open_store(db) as store:
        reflected.reflect(store.engine)
    assert "responses" not in reflected.tables and "matrices" in reflected.tables
    assert client_history(db, "Acme").trend.to_dict() == before


def test_location_from_the_environment_and_the_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CXASSESS_DB", str(tmp_path / "env.sqlite"))
    assert resolve_url(None).database == str(tmp_path / "env.sqlite")
    assert resolve_url(str(tmp_path / "given.sqlite")).database == str(tmp_path / "given.sqlite")
    monkeypatch.delenv("CXASSESS_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert resolve_url(None).database == str(tmp_path / "data" / "cxassess" / "history.sqlite")
    assert resolve_url("postgresql://u@h/d").drivername == "postgresql+psycopg"


@pytest.mark.parametrize("location, message", [
    ("mysql://u:secret@localhost/x", "works with SQLite .* or PostgreSQL"),
    ("postgresql+psycopg://u:secret@/x?host=/nonexistent-cx-folder", "no PostgreSQL server answers at that socket"),
    ("postgresql+psycopg://u:secret@127.0.0.1:9/x", "no PostgreSQL server answers at that address"),
    ("sqlite+pysqlite:////nonexistent-cx-folder/h.sqlite", "the folder /nonexistent-cx-folder does not exist"),
])
def test_wrong_or_unreachable_locations_are_clear_errors(location: str, message: str, tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailableError, match=message) as caught:
        open_store(location, timeout=3)
    assert "secret" not in str(caught.value)


def test_a_folder_or_a_missing_folder_is_no_store(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailableError, match="is a folder"):
        open_store(tmp_path)
    with pytest.raises(StoreUnavailableError, match="does not exist"):
        open_store(tmp_path / "nowhere" / "h.sqlite")
    not_db = tmp_path / "notes.sqlite"
    not_db.write_text("just some text, not a database " * 100)
    with pytest.raises(StoreUnavailableError, match="not a database"):
        open_store(not_db)


def test_a_wrong_password_is_refused_clearly(postgresql_server) -> None:
    url = postgresql_server.url("postgres", password="not-the-password")
    with pytest.raises(StoreUnavailableError, match="wrong user name or password") as caught:
        open_store(url)
    assert "not-the-password" not in str(caught.value)


def test_a_missing_database_and_a_missing_table_are_told_apart(postgresql_server, postgresql_url: str) -> None:
    with pytest.raises(StoreUnavailableError, match="no such database on the server"):
        open_store(postgresql_server.url("no_such_store_db"))
    with pytest.raises(StoreUnavailableError, match="no such user on the server|wrong user name or password"):
        open_store(postgresql_server.url("postgres", user="no_such_cx_user"))
    with open_store(postgresql_url) as store, store.write() as conn:  # a damaged store: a table gone
        conn.execute(text("DROP TABLE clients CASCADE"))
    with pytest.raises(StoreUnavailableError) as caught, open_store(postgresql_url) as store:
        client_history(store, "Acme")
    assert "no such database" not in str(caught.value) and "no such user" not in str(caught.value)
    assert 'relation "clients" does not exist' in str(caught.value)


# --------------------------------------------------------------------------------------
# adding
# --------------------------------------------------------------------------------------
def test_add_keeps_answers_and_scores_but_no_identity(db: str, tmp_path: Path) -> None:
    ids = ["ann@example.com", "Bob Smith", "carol-x9", "dave.jones", "erin_k"]
    path = write_wide(tmp_path / "w1.csv", WAVE1, ids)
    done = add_assessment(path, "Acme Utilities", "2025", db=db, questionnaire=MINI, sector="Utilities",
                          size_band="250-999", assessed_on="2025-03-01")
    assert (done.status, done.respondents, done.answers) == ("added", 5, 25)
    with open_store(db) as store:
        found, waves = client_waves(store, "acme  UTILITIES")  # looked up with case and spacing ignored
        assert (found.name, found.sector, found.size_band) == ("Acme Utilities", "Utilities", "250-999")
        (wave,) = waves
        assert (wave.label, wave.assessed_on.isoformat(), wave.questionnaire_version) == ("2025", "2025-03-01", "0.1")
        assert wave.matrix.shape == (5, 5) and wave.answer_count == 25
        assert wave.matrix[3].tolist() == [2, 4, 2, 1, 2]  # the fourth respondent's raw answers
        b = wave.dimension("B")
        assert b.score == pytest.approx(statistics.fmean(B_BEFORE)) and b.n == 5
        assert b.sd == pytest.approx(statistics.stdev(B_BEFORE))
        everything = _all_text(store)
    for rid in ids:  # respondent ids (an e-mail address, a name) are nowhere in the store
        assert not any(rid in cell for cell in everything), rid


def _all_text(store) -> list[str]:
    reflected = MetaData()
    reflected.reflect(store.engine)
    cells = []
    with store.engine.connect() as conn:
        for table in reflected.sorted_tables:
            for row in conn.execute(select(table)):
                cells += [str(v) for v in row]
    return cells


def _counts(db: str) -> dict[str, int]:
    reflected = MetaData()
    engine = create_engine(resolve_url(db))
    reflected.reflect(engine)
    with engine.connect() as conn:
        counts = {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                  for t in reflected.sorted_tables if t.name != "alembic_version"}
    engine.dispose()
    return counts


def test_a_wave_added_twice_is_an_error_and_replace_replaces_it(db: str, tmp_path: Path) -> None:
    first = write_wide(tmp_path / "w1.csv", WAVE1)
    add_assessment(first, "Acme", "2025", db=db, questionnaire=MINI)
    before = _counts(db)
    with pytest.raises(StoreConflictError, match=r"client 'Acme' already has a wave '2025' \(added .*\); give "
                                                 r"another --wave label, or --replace"):
        add_assessment(write_wide(tmp_path / "w2.csv", WAVE2), "Acme", "2025", db=db, questionnaire=MINI)
    assert _counts(db) == before  # nothing half-written
    done = add_assessment(tmp_path / "w2.csv", "Acme", "2025", db=db, questionnaire=MINI, replace=True)
    assert done.status == "replaced"
    with open_store(db) as store:
        _, (wave,) = client_waves(store, "Acme")
    assert wave.respondents == 6 and wave.answer_count == 30
    assert add_assessment(tmp_path / "w2.csv", "Acme", "2025", db=db, questionnaire=MINI,
                          same_is_ok=True).status == "unchanged"


def test_a_name_differing_only_in_case_or_spaces_names_the_stored_client(db: str, tmp_path: Path) -> None:
    path = write_wide(tmp_path / "w1.csv", WAVE1)
    add_assessment(path, "Acme Utilities", "2025", db=db, questionnaire=MINI)
    before = _counts(db)
    with pytest.raises(StoreConflictError, match=r"client 'ACME utilities' differs only in case or spacing from the "
                                                 r"stored client 'Acme Utilities'; .* --client 'Acme Utilities'"):
        add_assessment(path, "  ACME   utilities ", "2026", db=db, questionnaire=MINI)
    assert _counts(db) == before


def test_store_add_reads_like_score(tmp_path: Path, cli) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("respondent_id,A1,A2,A3,B1,B2\nR1,4,seven,3,2,3\nR2,3,3,3,3,3\nR3,2,2,2,2,2\n", encoding="utf-8")
    score = cli("score", bad, "--questionnaire", MINI)
    add = cli("store", "add", "--db", tmp_path / "h.sqlite", "--client", "X", "--wave", "1", "--responses", bad,
              "--questionnaire", MINI)
    assert score.returncode == add.returncode == 1
    assert add.stderr == score.stderr and "row 2, column 'A2': 'seven'" in add.stderr
    with pytest.raises(ResponsesError):
        add_assessment(bad, "X", "1", db=tmp_path / "h.sqlite", questionnaire=MINI)
    assert not (tmp_path / "h.sqlite").exists()  # read and scored before the store is even opened


def test_too_few_respondents_are_not_stored(db: str, tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="2 respondent"):
        add_assessment(write_wide(tmp_path / "w.csv", WAVE1[:2]), "Tiny", "1", db=db, questionnaire=MINI)


# --------------------------------------------------------------------------------------
# trend
# --------------------------------------------------------------------------------------
def test_trend_compares_only_identically_worded_items_with_welch_intervals(db: str, tmp_path: Path) -> None:
    add_assessment(write_wide(tmp_path / "w1.csv", WAVE1), "Acme", "2025", db=db, questionnaire=MINI,
                   assessed_on="2025-03-01")
    add_assessment(write_wide(tmp_path / "w2.csv", WAVE2), "Acme", "2026", db=db,
                   questionnaire=reworded_mini(tmp_path), assessed_on="2026-03-01")
    history = client_history(db, "Acme")
    trend = history.trend
    assert [w["wave"] for w in trend.waves] == ["2025", "2026"]
    (step,) = trend.steps
    assert (step.before, step.after, step.kind) == ("2025", "2026", "consecutive")
    assert step.items.changed == ["A2"] and step.items.new == [] and step.items.dropped == []
    assert "questionnaire mini 0.1 in 2025, mini 0.2 in 2026: compared on the 4 statement(s)" in step.note
    a, b = {c.dimension: c for c in step.changes}["A"], {c.dimension: c for c in step.changes}["B"]
    assert (a.items_compared, a.items_total, b.items_compared, b.items_total) == (2, 3, 2, 2)
    for change, before, after in ((a, A_BEFORE, A_AFTER), (b, B_BEFORE, B_AFTER)):
        d, low, high = hand_welch(before, after)
        assert (change.before, change.after) == (pytest.approx(statistics.fmean(before)),
                                                 pytest.approx(statistics.fmean(after)))
        assert (change.difference, change.low, change.high) == (pytest.approx(d), pytest.approx(low),
                                                                pytest.approx(high))
        assert (change.n_before, change.n_after) == (5, 6)
    # by hand: B 2.7 -> 3.75, se 0.4406, df 8.27, t 2.30: about 0.04 .. 2.06, above zero
    assert b.low == pytest.approx(0.037, abs=0.01) and b.high == pytest.approx(2.063, abs=0.01)
    assert b.word == IMPROVED
    assert a.word == word_for(a.low, a.high)
    # each wave's whole-questionnaire score as stored, per dimension
    assert trend.scores["B"] == {"2025": pytest.approx(2.7), "2026": pytest.approx(3.75)}


def test_trend_with_the_reports_own_unstored_wave(db: str, tmp_path: Path) -> None:
    from cxassess.io.read import read_responses
    from cxassess.questionnaire.model import load_questionnaire
    from cxassess.scoring.score import score

    add_assessment(write_wide(tmp_path / "w1.csv", WAVE1), "Acme", "2025", db=db, questionnaire=MINI)
    q = load_questionnaire(MINI)
    responses = read_responses(write_wide(tmp_path / "w2.csv", WAVE2), q)
    history = client_history(db, "Acme", responses=responses, scores=score(responses, q))
    assert [w["wave"] for w in history.trend.waves] == ["2025", CURRENT_LABEL]
    b = {c.dimension: c for c in history.trend.steps[0].changes}["B"]
    assert b.difference == pytest.approx(1.05)
    # the same answers once stored are recognised: no wave twice
    add_assessment(tmp_path / "w2.csv", "Acme", "2026", db=db, questionnaire=MINI)
    history = client_history(db, "Acme", responses=responses, scores=score(responses, q))
    assert [w["wave"] for w in history.trend.waves] == ["2025", "2026"]


def test_three_waves_give_each_step_and_first_to_latest(db: str, tmp_path: Path) -> None:
    declined = [(1, 5, 1, 1, 1), (2, 4, 1, 1, 2), (1, 5, 2, 2, 1), (1, 4, 1, 1, 1), (2, 5, 1, 1, 1)]
    for label, rows, day in (("w1", WAVE1, "2024-01-01"), ("w2", WAVE2, "2025-01-01"), ("w3", declined, "2026-01-01")):
        add_assessment(write_wide(tmp_path / f"{label}.csv", rows), "Acme", label, db=db, questionnaire=MINI,
                       assessed_on=day)
    steps = client_history(db, "Acme").trend.steps
    assert [(s.kind, s.before, s.after) for s in steps] == [
        ("consecutive", "w1", "w2"), ("consecutive", "w2", "w3"), ("first to latest", "w1", "w3")]
    assert {c.dimension: c.word for c in steps[1].changes} == {"A": DECLINED, "B": DECLINED}


def test_all_dimensions_rescored_at_once_follow_the_scoring_rule_person_by_person() -> None:
    """Weighted mean of the answered shared items (reverse items min + max - value), nobody below half answered."""
    import datetime as dt

    import numpy as np

    from cxassess.store.trend import rescored_dimensions
    from cxassess.store.waves import ItemInfo, Wave

    infos = [ItemInfo("A1", "A", False, 1.0, "f1"), ItemInfo("A2", "A", True, 1.0, "f2"),
             ItemInfo("A3", "A", False, 2.0, "f3"), ItemInfo("B1", "B", False, 1.0, "f4"),
             ItemInfo("B2", "B", False, 1.0, "f5")]
    nan = math.nan
    answers = [[4, 2, 3, 2, 3], [nan, nan, 5, nan, 1], [nan, nan, nan, 4, nan], [1, nan, nan, nan, nan]]
    wave = Wave("w", dt.date(2025, 1, 1), "q", "1", 1, 5, 4, infos, [], None, np.array(answers, dtype=float))
    got = rescored_dimensions(wave, {"A": ["A1", "A2", "A3"], "B": ["B1", "B2"]})
    # A: (4 + (6 - 2) + 2*3) / 4 = 3.5; respondent 2: 5 (A3 only, 1 of 3 answered: below half, left out);
    # respondent 4: A1 only, left out. B: (2 + 3) / 2 = 2.5, 1, 4 (one of two is half: kept), respondent 4 none
    assert got["A"].tolist() == [3.5]
    assert got["B"].tolist() == [2.5, 1.0, 4.0]
    assert rescored_dimensions(wave, {"A": ["A1"]})["A"].tolist() == [4.0, 1.0]


def test_welch_and_words() -> None:
    d, low, high, df = welch_interval(__import__("numpy").array(B_BEFORE), __import__("numpy").array(B_AFTER))
    assert df == pytest.approx(0.1941667 ** 2 / (0.115 ** 2 / 4 + 0.0791667 ** 2 / 5), rel=1e-5)
    assert (word_for(0.1, 2), word_for(-2, -0.1), word_for(-0.5, 0.5)) == (IMPROVED, DECLINED, NO_CLEAR_CHANGE)


# --------------------------------------------------------------------------------------
# benchmark
# --------------------------------------------------------------------------------------
def _flat(b: int) -> list[tuple[int, ...]]:
    """Three respondents answering every B item ``b`` (B score exactly b) and A items 3."""
    return [(3, 3, 3, b, b)] * 3


def test_benchmark_needs_five_other_clients_and_counts_ties_half(db: str, tmp_path: Path) -> None:
    add_assessment(write_wide(tmp_path / "me.csv", _flat(3)), "Me", "2026", db=db, questionnaire=MINI)
    others = [("O1", 2, "Health"), ("O2", 3, "Health"), ("O3", 3, "Retail"), ("O4", 4, "Health")]
    for name, b, sector in others:
        add_assessment(write_wide(tmp_path / f"{name}.csv", _flat(b)), name, "2026", db=db, questionnaire=MINI,
                       sector=sector)
    four = client_history(db, "Me").benchmark
    assert not four.shown and four.contributors == 4
    assert {p.dimension: p.reason for p in four.positions}["B"] == "fewer than 5 other clients to compare with"

    add_assessment(write_wide(tmp_path / "O5.csv", _flat(5)), "O5", "2026", db=db, questionnaire=MINI)
    five = client_history(db, "Me").benchmark
    b = {p.dimension: p for p in five.positions}["B"]
    assert (b.shown, b.contributors, b.percentile) == (True, 5, 40.0)  # 2 below... (1 + 2/2) / 5 = 40 %

    # an older wave of O5 does not count, only its latest; a sixth client below
    add_assessment(write_wide(tmp_path / "O5old.csv", _flat(1)), "O5", "2020", db=db, questionnaire=MINI,
                   assessed_on="2020-01-01")
    add_assessment(write_wide(tmp_path / "O6.csv", _flat(1)), "O6", "2026", db=db, questionnaire=MINI)
    six = client_history(db, "Me").benchmark
    assert {p.dimension: p.percentile for p in six.positions}["B"] == 50.0  # (2 + 2/2) / 6
    assert six.contributors == 6
    text_ = str(six.to_dict())
    assert not any(name in text_ for name in ("O1", "O2", "O3", "O4", "O5", "O6"))

    add_assessment(write_wide(tmp_path / "me2.csv", _flat(3)), "Me", "2027", db=db, questionnaire=MINI,
                   sector="Health")
    same_sector = client_history(db, "Me", same_sector=True).benchmark
    assert same_sector.sector == "Health" and same_sector.contributors == 3 and not same_sector.shown


def test_percentile_by_hand() -> None:
    import numpy as np

    assert percentile(3.0, np.array([2, 3, 3, 4, 5.0])) == 40.0
    assert percentile(6.0, np.array([2, 3, 3, 4, 5.0])) == 100.0
    assert percentile(1.0, np.array([2, 3, 3, 4, 5, 1.0])) == pytest.approx(100 * 0.5 / 6)


# --------------------------------------------------------------------------------------
# export, forget
# --------------------------------------------------------------------------------------
def test_export_csv_neutralises_and_json_has_the_scores(db: str, tmp_path: Path) -> None:
    import json

    add_assessment(write_wide(tmp_path / "w1.csv", WAVE1), "=HYPERLINK(1)", "2025", db=db, questionnaire=MINI)
    with open_store(db) as store:
        export_client(store, "=hyperlink(1)", tmp_path / "out.csv")
        export_client(store, "=HYPERLINK(1)", tmp_path / "out.json")
        with pytest.raises(StoreError, match="writes .csv or .json"):
            export_client(store, "=HYPERLINK(1)", tmp_path / "out.xlsx")
        with pytest.raises(StoreNotFoundError, match="no client 'Nobody'"):
            export_client(store, "Nobody", tmp_path / "x.csv")
    lines = (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()
    assert lines[1].startswith("'=HYPERLINK(1),,2025,") and len(lines) == 1 + 3  # overall, A, B
    doc = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert doc["assessments"][0]["dimensions"]["B"]["score"] == pytest.approx(2.7)


def test_forget_leaves_nothing_of_the_client(db: str, tmp_path: Path) -> None:
    secret = "Zanzibar Confidential Holdings"
    for wave, rows in (("2025", WAVE1), ("2026", WAVE2)):
        add_assessment(write_wide(tmp_path / f"{wave}.csv", rows), secret, wave, db=db, questionnaire=MINI,
                       sector="Secret sector")
    add_assessment(write_wide(tmp_path / "other.csv", WAVE1), "Other", "2025", db=db, questionnaire=MINI)
    with open_store(db) as store:
        ids = [r.id for r in store.engine.connect().execute(text(
            "SELECT a.id FROM assessments a JOIN clients c ON c.id = a.client_id WHERE c.name = :n"), {"n": secret})]
        done = forget_client(store, secret.lower())
        assert done == {"client": secret, "waves": 2, "answers": 55}
        reflected = MetaData()
        reflected.reflect(store.engine)
        with store.engine.connect() as conn:
            for table in reflected.sorted_tables:
                for column in ("assessment_id", "id" if table.name == "assessments" else ""):
                    if column in table.c:
                        assert conn.execute(select(table).where(table.c[column].in_(ids))).first() is None, table
                rows = conn.execute(select(table)).all()
                assert not any(secret in str(v) or "Secret sector" in str(v) for row in rows for v in row), table
        assert [c for c in client_summaries(store)["client"]] == ["Other"]
        with pytest.raises(StoreNotFoundError):
            forget_client(store, secret)
    if db.endswith(".sqlite"):  # VACUUM and secure_delete: the bytes are gone from the file and its log
        for path in Path(db).parent.glob("history.sqlite*"):
            assert secret.encode() not in path.read_bytes(), path


# --------------------------------------------------------------------------------------
# concurrency, locks, read-only files
# --------------------------------------------------------------------------------------
WRITER = """
import sys
from cxassess.store.api import add_assessment
db, name, path, mini = sys.argv[1:5]
for wave in range(6):
    add_assessment(path, name, f"w{wave}", db=db, questionnaire=mini)
print("ok")
"""


def test_two_processes_writing_at_once_both_succeed(db: str, tmp_path: Path) -> None:
    path = write_wide(tmp_path / "w.csv", WAVE2 * 40, [f"R{n}" for n in range(240)])
    open_store(db).close()  # migrated once; the writers race on the writes themselves
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, db, name, str(path), str(MINI)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for name in ("Left", "Right")]
    outcomes = [p.communicate(timeout=240) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outcomes
    with open_store(db) as store:
        summary = client_summaries(store)
    assert summary.set_index("client")["waves"].to_dict() == {"Left": 6, "Right": 6}
    with open_store(db) as store:
        assert [w.answer_count for name in ("Left", "Right") for w in client_waves(store, name)[1]] == [240 * 5] * 12


def _add_while_another_writer_holds(db: str, path: Path, wave: str, holder_adds_wave: bool) -> object:
    """Another writer creates the client 'Shared' (and, if asked, its wave '2025') and commits only after this
    process has started to add ``wave`` of 'Shared': what two batch processes do when they meet on one client."""
    import datetime as dt
    import threading
    import time

    from sqlalchemy import insert

    from cxassess.io.read import read_responses
    from cxassess.scoring.score import score
    from cxassess.store.schema import clients
    from cxassess.store.waves import client_key, wave_from_scores
    from cxassess.store.write import _insert_wave

    read = read_responses(path, MINI)
    their_wave = wave_from_scores(read, score(read, read.questionnaire), "2025", "2025-01-01")
    outcome: list[object] = []
    other = open_store(db)
    try:
        with other.write() as conn:
            now = dt.datetime.now(dt.timezone.utc)
            client_id = conn.execute(insert(clients).values(name="Shared", name_key=client_key("Shared"),
                                                            created_at=now)).inserted_primary_key[0]
            if holder_adds_wave:
                _insert_wave(conn, other.dialect, client_id, their_wave, now)

            def add() -> None:
                try:
                    outcome.append(add_assessment(read, "Shared", wave, db=db))
                except Exception as exc:  # noqa: BLE001 - the outcome is what the test looks at
                    outcome.append(exc)

            thread = threading.Thread(target=add)
            thread.start()
            time.sleep(1.5)  # the adder has found no client yet (or waits for the write lock)
        thread.join(timeout=60)
    finally:
        other.close()
    return outcome[0]


def test_a_new_client_created_by_another_writer_meanwhile_gets_the_wave(db: str, tmp_path: Path) -> None:
    open_store(db).close()
    done = _add_while_another_writer_holds(db, write_wide(tmp_path / "w.csv", WAVE2), "2026", holder_adds_wave=False)
    assert getattr(done, "status", done) == "added"
    with open_store(db) as store:
        assert client_summaries(store).set_index("client")["waves"].to_dict() == {"Shared": 1}


def test_the_same_wave_added_by_another_writer_meanwhile_is_a_conflict(db: str, tmp_path: Path) -> None:
    open_store(db).close()
    done = _add_while_another_writer_holds(db, write_wide(tmp_path / "w.csv", WAVE2), "2025", holder_adds_wave=True)
    assert isinstance(done, StoreConflictError), done
    assert "client 'Shared' already has a wave '2025'" in str(done)
    assert _counts(db)["assessments"] == 1


def test_two_processes_creating_a_new_store_at_once(tmp_path: Path) -> None:
    db = str(tmp_path / "fresh.sqlite")
    path = write_wide(tmp_path / "w.csv", WAVE1)
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, db, name, str(path), str(MINI)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for name in ("L", "R")]
    outcomes = [p.communicate(timeout=240) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outcomes


def test_a_locked_file_is_a_clear_error_and_nothing_is_written(tmp_path: Path) -> None:
    import sqlite3

    from cxassess.errors import StoreLockedError

    db = str(tmp_path / "h.sqlite")
    add_assessment(write_wide(tmp_path / "w.csv", WAVE1), "Acme", "1", db=db, questionnaire=MINI)
    before = _counts(db)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreLockedError, match="locked by another program"):
            add_assessment(tmp_path / "w.csv", "Acme", "2", db=open_store(db, timeout=0.3), questionnaire=MINI)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert _counts(db) == before


READ_ONLY_WRITER = """
import os, sys
from cxassess.errors import StoreError
from cxassess.io.read import read_responses
from cxassess.store.api import add_assessment
db, scratch, path, mini = sys.argv[1:5]
responses = read_responses(path, mini)
add_assessment(responses, "Warm-up", "1", db=scratch)  # every module imported before the rights go
if os.geteuid() == 0:  # root may write anything: become nobody, who may read the store but not write it
    os.setgid(65534); os.setuid(65534)
try:
    add_assessment(responses, "Acme", "2", db=db)
except StoreError as exc:
    print(type(exc).__name__, exc)
"""


def test_a_read_only_file_is_a_clear_error(tmp_path: Path) -> None:
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="cx-ro-", dir="/tmp"))  # not under tmp_path: nobody must reach it
    try:
        db = folder / "h.sqlite"
        path = write_wide(folder / "w.csv", WAVE1)
        add_assessment(path, "Acme", "1", db=db, questionnaire=MINI)
        before = _counts(str(db))
        for p in folder.glob("h.sqlite*"):
            p.chmod(0o444)
        folder.chmod(0o555)
        done = subprocess.run([sys.executable, "-c", READ_ONLY_WRITER, str(db), str(tmp_path / "scratch.sqlite"),
                               str(path), str(MINI)], capture_output=True, text=True, timeout=120)
        folder.chmod(0o755)
        assert done.stdout.startswith("StoreReadOnlyError"), (done.stdout, done.stderr)
        assert "the store's file or its folder cannot be written" in done.stdout
        assert _counts(str(db)) == before
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder, ignore_errors=True)


NEWER_READ_ONLY_OPENER = """
import os, sys
from cxassess.errors import StoreError
from cxassess.store.database import open_store
db, scratch = sys.argv[1:3]
open_store(scratch).close()  # every module imported before the rights go
if os.geteuid() == 0:
    os.setgid(65534); os.setuid(65534)
try:
    open_store(db)
except StoreError as exc:
    print(type(exc).__name__, exc)
"""


def test_a_read_only_store_from_a_newer_version_says_it_is_newer(tmp_path: Path) -> None:
    """The version is the thing to fix, not the file's rights: said before any write is tried."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="cx-ro-", dir="/tmp"))
    try:
        db = folder / "h.sqlite"
        with open_store(db) as store, store.write() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
        for p in folder.glob("h.sqlite*"):
            p.chmod(0o444)
        folder.chmod(0o777)  # the file read-only, its folder not: SQLite can read it (its -shm is made there)
        done = subprocess.run([sys.executable, "-c", NEWER_READ_ONLY_OPENER, str(db), str(tmp_path / "s.sqlite")],
                              capture_output=True, text=True, timeout=120)
        assert done.stdout.startswith("StoreVersionError"), (done.stdout, done.stderr)
        assert "written by a newer cxassess (schema revision '9999_future'" in done.stdout
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder, ignore_errors=True)


# --------------------------------------------------------------------------------------
# the command line
# --------------------------------------------------------------------------------------
def test_cli_add_list_show_export_forget(tmp_path: Path, cli) -> None:
    db = tmp_path / "h.sqlite"
    path = write_wide(tmp_path / "w.csv", WAVE1)
    added = cli("store", "add", "--db", db, "--client", "Acme", "--wave", "2025", "--responses", path,
                "--questionnaire", MINI, "--sector", "Utilities", "--date", "2025-03-01")
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "added 'Acme' wave '2025': 5 respondents, 25 answers"
    again = cli("store", "add", "--db", db, "--client", "Acme", "--wave", "2025", "--responses", path,
                "--questionnaire", MINI)
    assert again.returncode == 1 and "already has a wave '2025'" in again.stderr and "Traceback" not in again.stderr
    listed = cli("store", "list", "--db", db)
    assert "Acme" in listed.stdout and "Utilities" in listed.stdout and "2025-03-01" in listed.stdout
    shown = cli("store", "show", "--db", db, "ACME")
    assert shown.returncode == 0 and "Dimension B" in shown.stdout and "2.70" in shown.stdout
    exported = cli("store", "export", "--db", db, "acme", "--out", tmp_path / "acme.json")
    assert exported.returncode == 0 and (tmp_path / "acme.json").is_file()
    refused = cli("store", "forget", "--db", db, "Acme")
    assert refused.returncode == 1 and "--yes" in refused.stderr
    forgot = cli("store", "forget", "--db", db, "Acme", "--yes")
    assert forgot.returncode == 0 and "forgot 'Acme': 1 wave(s), 25 answers removed" in forgot.stdout
    missing = cli("store", "show", "--db", db, "Acme")
    assert missing.returncode == 1 and "no client 'Acme'" in missing.stderr


@pytest.mark.parametrize("kind", ["StoreError", "StoreUnavailableError", "StoreLockedError", "StoreReadOnlyError",
                                  "StoreVersionError", "StoreConflictError", "StoreNotFoundError"])
def test_store_errors_are_cxerrors_that_pickle(kind: str) -> None:
    import pickle

    from cxassess import errors

    error = getattr(errors, kind)("h.sqlite: something clear")
    back = pickle.loads(pickle.dumps(error))
    assert isinstance(back, errors.CxError) and type(back) is type(error) and str(back) == str(error)


def test_new_and_dropped_statements_are_listed_and_left_out(db: str, tmp_path: Path) -> None:
    text_ = MINI.read_text(encoding="utf-8").replace('version: "0.1"', 'version: "0.3"')
    text_ = text_.replace("{id: B2, dimension: B, text: Second B statement}", "{id: B3, dimension: B, text: New B}")
    q3 = tmp_path / "mini-0.3.yaml"
    q3.write_text(text_, encoding="utf-8")
    add_assessment(write_wide(tmp_path / "w1.csv", WAVE1), "Acme", "2025", db=db, questionnaire=MINI,
                   assessed_on="2025-01-01")
    later = tmp_path / "w2.csv"
    later.write_text("respondent_id,A1,A2,A3,B1,B3\n" + "".join(f"R{n},{','.join(map(str, r))}\n"
                                                                for n, r in enumerate(WAVE2)), encoding="utf-8")
    add_assessment(later, "Acme", "2026", db=db, questionnaire=q3)
    (step,) = client_history(db, "Acme").trend.steps
    assert (step.items.new, step.items.dropped, step.items.changed) == (["B3"], ["B2"], [])
    b = {c.dimension: c for c in step.changes}["B"]
    assert (b.items_compared, b.items_total) == (1, 2)
    # B on B1 alone: 2,3,4,1,3 -> 4,3,5,3,4,2
    d, low, high = hand_welch([2, 3, 4, 1, 3], [4, 3, 5, 3, 4, 2])
    assert (b.difference, b.low, b.high) == (pytest.approx(d), pytest.approx(low), pytest.approx(high))


def test_without_postgresql_the_fixture_fails_in_ci_and_skips_locally(tmp_path: Path) -> None:
    import os

    (tmp_path / "test_needs_pg.py").write_text(
        "import postgres\npostgres.server_binaries = lambda: None  # as on a machine without PostgreSQL\n\n"
        "def test_it(postgresql_url):\n    pass\n", encoding="utf-8")
    outcomes = {}
    for ci in ("1", ""):
        env = {k: v for k, v in os.environ.items() if k != "CI"} | ({"CI": ci} if ci else {})
        env["PYTHONPATH"] = str(ROOT / "tests")
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "postgres", "-p", "no:cacheprovider",
                               "-rfs", str(tmp_path / "test_needs_pg.py")], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)
        outcomes[ci] = (done.returncode, done.stdout)
    assert outcomes["1"][0] == 1 and "PostgreSQL is not installed" in outcomes["1"][1], outcomes["1"]
    assert outcomes[""][0] == 0 and "1 skipped" in outcomes[""][1], outcomes[""]
