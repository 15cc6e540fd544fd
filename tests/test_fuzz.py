"""Property tests of every reader (issue 18, "keep it found"): whatever the file holds, a reader returns or
raises the project's own :class:`CxError` naming the file; on valid generated data, answers in = answers scored.

The budget is a hypothesis profile chosen by ``CX_HYPOTHESIS_PROFILE`` (tests/conftest.py): ``ci``, the
default in ``make test``, runs a few hundred cases in all; ``make fuzz`` runs the ``fuzz`` profile,
over 10,000 cases.
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
import json
import sqlite3
import tempfile
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cxassess.errors import CxError
from cxassess.io.manifests import read_entries
from cxassess.io.read import read_responses
from cxassess.io.survey_import import import_export
from cxassess.io.targets import read_targets
from cxassess.metrics.summary import summarise_file
from cxassess.questionnaire.model import load_questionnaire
from cxassess.scoring.score import score
from cxassess.scoring.targets import resolve_targets

DATA = Path(__file__).parent / "data"
MINI = load_questionnaire(DATA / "mini.yaml")
BUNDLED = load_questionnaire()
_counter = itertools.count()
_slow = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                        HealthCheck.data_too_large])

TRICKY_CELLS = ["", " ", "1", "4", "5", "0", "6", "-1", "3.5", "4,0", "1e999", "inf", "-inf", "nan", "NA", "N/A",
                "Don't know", "don’t know", "Agree", "STRONGLY AGREE", "neutral", "4 - Agree", "Согласен", "同意",
                "★★★★", "👍", "=1+1", '"', "\x00", "\x07", "\r", "\n", "٤", "５", "x" * 300, "\u202e4", ";", "\t"]
TRICKY_NAMES = ["respondent_id", "Respondent ID", "participant", "A1", "a1", " A1 ", "A2", "A3", "B1", "B2", "item_id",
                "ITEM_ID", "value", "Value", "_row", "status", "role", "ROLE", "", " ", "XYZ3", "LAED1", "attribute:A1",
                "attribute:site2", "client", "nps", "csat", "ces", "Timestamp", "ResponseId", "Finished"]
cells = st.one_of(st.sampled_from(TRICKY_CELLS), st.text(max_size=10))
names = st.one_of(st.sampled_from(TRICKY_NAMES), st.text(max_size=8))


def _path(folder: Path, name: str) -> Path:
    """A fresh file name in a folder made once per test (hypothesis runs many examples per test)."""
    return folder / f"{next(_counter)}-{name}"


def _csv_text(rows: list[list[str]], delimiter: str = ",", newline: str = "\n") -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return buf.getvalue()


def _assert_names_file(exc: CxError, path: Path) -> None:
    assert path.name in str(exc), f"the message does not name {path.name}: {str(exc)[:300]}"


tables = st.tuples(
    st.lists(names, min_size=1, max_size=7),
    st.lists(st.lists(cells, max_size=8), max_size=8),
    st.sampled_from([",", ";", "\t"]),
    st.sampled_from(["\n", "\r\n"]),
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


# --------------------------------------------------------------------------------------
# responses: any table, any bytes
# --------------------------------------------------------------------------------------
@_slow
@given(table=tables, on_error=st.sampled_from(["raise", "skip"]))
def test_any_table_is_read_or_refused_with_a_located_error(folder, table, on_error):
    header, body, delimiter, newline = table
    path = _path(folder, "responses.csv")
    path.write_text(_csv_text([header, *body], delimiter, newline), encoding="utf-8")
    try:
        got = read_responses(path, MINI, on_error=on_error)
    except CxError as exc:
        _assert_names_file(exc, path)
        return
    values = got.answers["value"].dropna()
    assert values.between(1, 5).all() and (values == values.round()).all()
    assert (got.answers["respondent_id"].astype(str) != "").all()
    assert set(got.answers["item_id"].astype(str)) <= set(MINI.item_ids)


@_slow
@given(data=st.binary(max_size=600), suffix=st.sampled_from([".csv", ".tsv", ".xlsx", ".json", ".txt"]))
def test_any_bytes_are_read_or_refused(folder, data, suffix):
    path = _path(folder, f"responses{suffix}")
    path.write_bytes(data)
    try:
        read_responses(path, MINI, on_error="skip")
    except CxError as exc:
        _assert_names_file(exc, path)


# --------------------------------------------------------------------------------------
# responses: valid data, every answer in is an answer scored
# --------------------------------------------------------------------------------------
ANSWERS = {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "Strongly disagree": 1, "disagree": 2, "NEUTRAL": 3,
           "Agree": 4, "strongly agree": 5, " 4 ": 4, "5.0": 5, "٤": 4}
MISSING = ["", "N/A", "Don't know", "n/a", "-"]
ATTRIBUTE_NAMES = ["role", "value", "_row", "status", "item_id", "Site", "attribute:site2"]


@_slow
@given(people=st.integers(1, 9), items=st.lists(st.sampled_from(MINI.item_ids), min_size=1, max_size=5, unique=True),
       attrs=st.lists(st.sampled_from(ATTRIBUTE_NAMES), max_size=3, unique=True), long=st.booleans(),
       data=st.data())
def test_every_valid_answer_in_is_an_answer_scored(folder, people, items, attrs, long, data):
    if long or {"value", "item_id"} <= set(attrs):  # the long layout's own columns (both make a file long)
        attrs = [a for a in attrs if a not in ("value", "item_id")]
    attrs = [a for a in attrs if a != "attribute:site2" or not long]
    grid = [[data.draw(st.sampled_from([*ANSWERS, *MISSING])) for _ in items] for _ in range(people)]
    groups = [[data.draw(st.sampled_from(["north", "south", ""])) for _ in attrs] for _ in range(people)]
    expected = sum(cell in ANSWERS for row in grid for cell in row)
    assume(expected > 0)
    if long:
        rows = [["respondent_id", "item_id", "value", *attrs]]
        rows += [[f"p{n}", item, cell, *groups[n]]
                 for n, row in enumerate(grid) for item, cell in zip(items, row, strict=True)]
    else:
        rows = [["respondent_id", *items, *attrs]] + [[f"p{n}", *row, *groups[n]] for n, row in enumerate(grid)]
    path = _path(folder, "valid.csv")
    path.write_text(_csv_text(rows), encoding="utf-8")
    got = read_responses(path, MINI)
    assert int(got.answers["value"].notna().sum()) == expected
    by_cell = {(str(r), str(i)): v for r, i, v in zip(got.answers["respondent_id"], got.answers["item_id"],
                                                      got.answers["value"], strict=True)}
    for n, row in enumerate(grid):
        for item, cell in zip(items, row, strict=True):
            if cell in ANSWERS:
                assert by_cell[(f"p{n}", item)] == ANSWERS[cell]
    assert got.attribute_columns == [a.removeprefix("attribute:") for a in attrs]
    scored = score(got, MINI)
    assert int(scored.items["n"].sum()) == expected
    assert scored.respondents == sum(any(c in ANSWERS for c in row) for row in grid)


# --------------------------------------------------------------------------------------
# survey-tool exports
# --------------------------------------------------------------------------------------
_EXPORT_HEADS = {
    "qualtrics": [["StartDate", "Status", "Finished", "ResponseId", "Q1", "Q2"],
                  ["Start Date", "Response Type", "Finished", "Response ID", BUNDLED.items[0].text,
                   BUNDLED.items[1].text],
                  ['{"ImportId":"startDate"}', '{"ImportId":"status"}', '{"ImportId":"finished"}',
                   '{"ImportId":"_recordId"}', '{"ImportId":"QID1"}', '{"ImportId":"QID2"}']],
    "google": [["Timestamp", BUNDLED.items[0].text, BUNDLED.items[1].text, "What is your role?"]],
    "surveymonkey": [["Respondent ID", "Collector ID", "Start Date", BUNDLED.items[0].text, "Email Address"],
                     ["", "", "", "Response", ""]],
}


@_slow
@given(tool=st.sampled_from(sorted(_EXPORT_HEADS)), body=st.lists(st.lists(cells, max_size=7), max_size=6),
       source_format=st.sampled_from(["auto", "qualtrics", "google-forms", "surveymonkey"]),
       on_error=st.sampled_from(["raise", "skip"]))
def test_any_survey_export_is_imported_or_refused(folder, tool, body, source_format, on_error):
    path = _path(folder, "export.csv")
    path.write_text(_csv_text([*_EXPORT_HEADS[tool], *body]), encoding="utf-8")
    try:
        result = import_export(path, BUNDLED, source_format=source_format, on_error=on_error)
    except CxError as exc:
        _assert_names_file(exc, path)
        return
    assert set(result.frame["item_id"]) <= set(BUNDLED.item_ids)


# --------------------------------------------------------------------------------------
# YAML and table files: questionnaires, targets, manifests
# --------------------------------------------------------------------------------------
plain = st.one_of(st.none(), st.booleans(), st.integers(-10, 10), st.floats(allow_nan=True), st.text(max_size=8))
values = st.recursive(plain, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                     st.dictionaries(st.text(max_size=6), inner, max_size=4)),
                      max_leaves=12)


def _mutated(base: dict, data: st.DataObject) -> dict:
    """The base mapping with a few keys dropped, replaced or added at some depth."""
    out = json.loads(json.dumps(base))
    for _ in range(data.draw(st.integers(1, 3))):
        node = out
        while isinstance(node, (dict, list)) and node and data.draw(st.booleans()):
            key = data.draw(st.sampled_from(sorted(node) if isinstance(node, dict) else range(len(node))))
            if not isinstance(node[key], (dict, list)):
                break
            node = node[key]
        if isinstance(node, dict) and node:
            key = data.draw(st.sampled_from(sorted(node)))
            if data.draw(st.booleans()):
                del node[key]
            else:
                node[key] = data.draw(values)
        elif isinstance(node, list) and node:
            node[data.draw(st.integers(0, len(node) - 1))] = data.draw(values)
    return out


@_slow
@given(data=st.data(), raw=st.booleans())
def test_any_questionnaire_file_is_loaded_or_refused(folder, data, raw):
    path = _path(folder, "questionnaire.yaml")
    if raw:
        path.write_text(data.draw(st.text(max_size=200)), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(_mutated(MINI.to_dict(), data), allow_unicode=True), encoding="utf-8")
    try:
        load_questionnaire(path)
    except CxError as exc:
        _assert_names_file(exc, path)


@_slow
@given(content=st.one_of(values.map(lambda v: yaml.safe_dump(v)), st.text(max_size=120),
                         st.lists(st.lists(cells, min_size=2, max_size=2), max_size=4).map(
                             lambda rows: _csv_text([["dimension", "target"], *rows]))),
       suffix=st.sampled_from([".yaml", ".json", ".csv"]))
def test_any_targets_file_is_read_or_refused(folder, content, suffix):
    path = _path(folder, f"targets{suffix}")
    path.write_text(content, encoding="utf-8")
    try:
        resolve_targets(read_targets(path), MINI)
    except CxError as exc:
        _assert_names_file(exc, path)


@_slow
@given(content=st.one_of(
    st.lists(st.dictionaries(st.sampled_from(["client", "responses", "targets", "group_by", "min_group_size",
                                              "consultant", "other"]), values, max_size=4), max_size=3).map(
        lambda v: yaml.safe_dump(v)),
    st.text(max_size=120)), suffix=st.sampled_from([".yaml", ".csv"]))
def test_any_manifest_is_read_or_refused(folder, content, suffix):
    path = _path(folder, f"manifest{suffix}")
    path.write_text(content, encoding="utf-8")
    try:
        entries = read_entries(path, out_dir=folder / "out")
    except CxError as exc:
        _assert_names_file(exc, path)
        return
    assert all(isinstance(e.client, str) for e in entries)


# --------------------------------------------------------------------------------------
# customer metrics
# --------------------------------------------------------------------------------------
@_slow
@given(header=st.lists(st.sampled_from(["nps", "NPS", "csat", "ces", "respondent_id", "touchpoint", "", " nps "]),
                       min_size=1, max_size=4),
       body=st.lists(st.lists(cells, max_size=5), max_size=6), on_error=st.sampled_from(["raise", "skip"]))
def test_any_customer_survey_is_summarised_or_refused(folder, header, body, on_error):
    path = _path(folder, "survey.csv")
    path.write_text(_csv_text([header, *body]), encoding="utf-8")
    try:
        summarise_file(path, on_error=on_error)
    except CxError as exc:
        _assert_names_file(exc, path)


@_slow
@given(scores=st.lists(st.one_of(st.integers(0, 10).map(str), st.sampled_from(["", "n/a"])), min_size=1,
                       max_size=40))
def test_every_valid_nps_answer_is_counted(folder, scores):
    assume(any(s not in ("", "n/a") for s in scores))
    path = _path(folder, "nps.csv")
    path.write_text(_csv_text([["respondent_id", "nps"], *[[f"c{n}", s] for n, s in enumerate(scores)]]),
                    encoding="utf-8")
    got = summarise_file(path, nps="nps")
    numbers = [int(s) for s in scores if s not in ("", "n/a")]
    assert got.nps is not None and got.nps.n == len(numbers)
    expected = 100 * (sum(n >= 9 for n in numbers) - sum(n <= 6 for n in numbers)) / len(numbers)
    assert got.nps.score == pytest.approx(expected)


# --------------------------------------------------------------------------------------
# workshop session files
# --------------------------------------------------------------------------------------
@functools.cache
def _session_bytes() -> bytes:
    """A small real session file (3 submitted participants), made once."""
    from cxassess.workshop.store import SessionStore

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ws.sqlite"
        with SessionStore(path, DATA / "mini.yaml") as store:
            for n in range(3):
                store.start_participant(f"p{n}", {})
                store.record_answers(f"p{n}", {"A1": 4, "B1": 2 + n})
                store.submit(f"p{n}")
        return path.read_bytes()


@_slow
@given(data=st.data())
def test_any_damaged_session_file_is_read_or_refused(folder, data):
    session_bytes = _session_bytes()
    damaged = bytearray(session_bytes)
    for _ in range(data.draw(st.integers(1, 8))):
        at = data.draw(st.integers(0, len(damaged) - 1))
        damaged[at] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        damaged = damaged[: data.draw(st.integers(0, len(damaged)))]
    path = _path(folder, "ws.sqlite")
    path.write_bytes(bytes(damaged))
    try:
        read_responses(path)
    except CxError as exc:
        _assert_names_file(exc, path)
    except sqlite3.DatabaseError as exc:  # pragma: no cover - what the property forbids
        pytest.fail(f"sqlite error escaped for {path.name}: {exc}")


def test_the_generated_tables_are_what_they_seem():
    """The helpers themselves: a CSV written here reads back as the same rows."""
    rows = [["a", "b,c"], ['"q"', "x\ny"]]
    assert list(csv.reader(io.StringIO(_csv_text(rows), newline=""))) == rows
    assert pd.read_csv(io.StringIO(_csv_text(rows)), dtype=str).columns.tolist() == ["a", "b,c"]
