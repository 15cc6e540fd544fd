"""The one entry point for responses: a registry of readers by kind, each setting the questionnaire it
validated against, and one "respondent appears twice" rule in every reader."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from cxassess.errors import MetricsError, ResponsesError, SurveyImportError
from cxassess.io.read import READERS, read_responses, reader_for
from cxassess.io.respondents import RepeatedRespondent, repeated_respondents
from cxassess.io.responses import responses_from_frame
from cxassess.io.session_file import SessionFile, read_session
from cxassess.io.survey_import import import_export
from cxassess.metrics.summary import summarise
from cxassess.questionnaire.model import load_questionnaire
from cxassess.workshop.store import SessionStore

EXPORTS = Path(__file__).parent / "data" / "exports"


def test_the_registry_picks_a_reader_by_kind(data_dir, tmp_path):
    assert [r.kind for r in READERS] == ["session", "survey export", "table"]
    assert reader_for(tmp_path / "ws.sqlite").kind == "session"
    assert reader_for(EXPORTS / "qualtrics.csv").kind == "survey export"
    assert reader_for(data_dir / "mini_wide.csv").kind == "table"
    assert reader_for(tmp_path / "anything.json").kind == "table"


def test_every_reader_sets_the_questionnaire(mini_q, data_dir, tmp_path):
    assert read_responses(data_dir / "mini_wide.csv", mini_q).questionnaire is mini_q
    assert read_responses(data_dir / "mini_long.csv", data_dir / "mini.yaml").questionnaire.id == "mini"
    bundled = load_questionnaire()
    assert read_responses(EXPORTS / "qualtrics.csv", on_error="skip").questionnaire.id == bundled.id
    frame = pd.DataFrame({"respondent_id": ["a"], "A1": [4]})
    assert responses_from_frame(frame, mini_q).questionnaire is mini_q
    path = tmp_path / "ws.sqlite"
    with SessionStore(path, data_dir / "mini.yaml") as store:
        store.start_participant("p1")
        store.record_answers("p1", {"A1": 4})
        store.submit("p1")
        assert store.to_responses().questionnaire.id == "mini"
    for r in (read_responses(path), read_session(path), SessionFile(path).to_responses()):
        assert r.questionnaire.id == "mini" and r.respondent_count == 1


def test_reading_a_session_leaves_it_unchanged(data_dir, tmp_path):
    path = tmp_path / "ws.sqlite"
    with SessionStore(path, data_dir / "mini.yaml") as store:
        store.start_participant("p1", {"role": "lead"})
        store.record_answers("p1", {"A1": 4, "B1": 2})
        store.submit("p1")
        expected = store.responses_frame()
    before = path.read_bytes()
    with SessionFile(path) as session:
        pd.testing.assert_frame_equal(session.responses_frame(), expected)
        assert session.counts()["submitted"] == 1
    assert path.read_bytes() == before


def test_repeated_respondent_rule():
    mask, repeats = repeated_respondents(["a", "b", "a", "", "", "c", "a"], [2, 3, 4, 5, 6, 7, 8])
    assert mask.tolist() == [True, False, True, False, False, False, True]  # blank ids are never repeats
    assert repeats == [RepeatedRespondent("a", (2, 4, 8))]
    assert repeats[0].message() == "respondent 'a' appears in 3 rows (2, 4, 8)"
    assert repeats[0].message("row not imported") == "respondent 'a' appears in 3 rows (2, 4, 8); row not imported"
    many = RepeatedRespondent("z", tuple(range(2, 12)))
    assert many.message() == "respondent 'z' appears in 10 rows (2, 3, 4, 5, 6, 7 and 4 more)"


def test_the_three_readers_word_a_repeated_respondent_alike(mini_q, tmp_path):
    words = re.escape("respondent 'x' appears in 2 rows (2, 4)")
    wide = tmp_path / "wide.csv"
    wide.write_text("respondent_id,A1\nx,4\ny,3\nx,2\n", encoding="utf-8")
    with pytest.raises(ResponsesError, match=rf"row 4, column 'respondent_id': {words}"):
        read_responses(wide, mini_q)
    survey = pd.DataFrame({"respondent_id": ["x", "y", "x"], "nps": [9, 3, 10]})
    with pytest.raises(MetricsError, match=rf"row 4, column 'respondent_id': {words}"):
        summarise(survey)
    rows = (EXPORTS / "qualtrics.csv").read_text(encoding="utf-8-sig").splitlines()
    first = rows[3].split(",")
    rid = first[rows[0].split(",").index("ResponseId")]
    with pytest.raises(SurveyImportError, match=rf"respondent '{rid}' appears in 2 rows \(4, \d+\); row not imported"):
        import_export(_with_repeated_id(tmp_path, rid))


def _with_repeated_id(tmp_path: Path, rid: str) -> Path:
    import csv

    with (EXPORTS / "qualtrics.csv").open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    column = rows[0].index("ResponseId")
    rows[-1][column] = rid
    out = tmp_path / "twice.csv"
    with out.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return out


@pytest.mark.parametrize("problems", [False, True])
def test_a_large_file_read_as_codes_reads_as_the_same_file_as_text(tmp_path, problems):
    """Above CATEGORICAL_BYTES a CSV is parsed into categoricals and every step works on codes and masks;
    the answers, attributes, problems and warnings are exactly those of the same table given as text."""
    import numpy as np

    from cxassess.io.tables import CATEGORICAL_BYTES

    q = load_questionnaire()
    rng = np.random.default_rng(7)
    n = 1500
    ids = [f" P{i:05d}" if i % 7 == 0 else f"P{i:05d}" for i in range(n)]  # spaces to strip
    items = [i.id for i in q.items]
    values = rng.choice(["1", "2", "3", "4", "5", "", "Agree", "don't know"], size=(n, len(items)))
    long = pd.DataFrame({"respondent_id": np.repeat(ids, len(items)), "item_id": np.tile(items, n),
                         "value": values.ravel(), "role": np.repeat(rng.choice(["lead", "staff"], n), len(items)),
                         "site": np.repeat(rng.choice(["North", "South", ""], n), len(items))})
    if problems:  # an off-scale value, a repeated answer, a respondent whose role differs between rows
        long.loc[5, "value"] = "9"
        long = pd.concat([long, long.iloc[[10]]], ignore_index=True)
        long.loc[len(items) * 3, "role"] = "other" if long.loc[len(items) * 3, "role"] == "lead" else "lead"
    path = tmp_path / "large.csv"
    long.to_csv(path, index=False)
    assert path.stat().st_size > CATEGORICAL_BYTES
    as_text = pd.read_csv(path, dtype=str, keep_default_na=False)
    on_error = "skip" if problems else "raise"
    got = read_responses(path, q, on_error=on_error)
    want = responses_from_frame(as_text, q, str(path), on_error=on_error)
    pd.testing.assert_frame_equal(got.answers.astype(object), want.answers.astype(object))
    pd.testing.assert_frame_equal(got.attributes, want.attributes)
    assert [str(p) for p in got.errors] == [str(p) for p in want.errors]
    assert [str(p) for p in got.warnings] == [str(p) for p in want.warnings]
    assert len(got.errors) == (3 if problems else 0)
    assert got.answers["respondent_id"].iloc[0] == "P00000" and got.respondent_count == n
