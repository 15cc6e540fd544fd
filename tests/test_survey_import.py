"""Import from survey-tool exports: hand-written exports in each tool's layout, awkward ones included.

The fixtures in tests/data/exports/ were written by hand (see each test for what is awkward about
them); the Excel exports are written here with openpyxl. Expected values are read off the fixture
rows by hand using the bundled scale: Strongly disagree 1, Disagree 2, Neither agree nor disagree 3,
Agree 4, Strongly agree 5.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from cxassess.errors import CxError, ResponsesError, SurveyImportError
from cxassess.io.read import read_responses
from cxassess.io.survey_import import (
    ColumnReport,
    ValueReader,
    import_export,
    normalise_text,
    read_mapping,
    suggest_mapping,
    write_mapping_suggestion,
)
from cxassess.questionnaire.model import load_questionnaire, questionnaire_from_dict

EXPORTS = Path(__file__).parent / "data" / "exports"
Q = load_questionnaire()
DK = Q.scale.dont_know


def values(result, rid: str) -> dict[str, object]:
    """item -> value written for one respondent."""
    f = result.frame
    return dict(zip(f.loc[f.respondent_id == rid, "item_id"], f.loc[f.respondent_id == rid, "value"], strict=True))


# --------------------------------------------------------------------------------------
# Qualtrics: UTF-8 BOM, Windows line endings, three header rows, a preview row, an unfinished
# response, a comment with a comma and a newline inside quotes, a formula-like attribute
# --------------------------------------------------------------------------------------
def test_qualtrics_auto_detects_and_reads_every_answer():
    assert (EXPORTS / "qualtrics.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in (EXPORTS / "qualtrics.csv").read_bytes()
    r = import_export(EXPORTS / "qualtrics.csv")
    assert r.report.format == "qualtrics"
    assert "auto-detected" in r.report.detection and "ImportId" in r.report.detection
    # row 5 is the "Survey Preview" response: dropped and said so
    assert [n for n, _ in r.report.dropped_rows] == [5]
    assert list(dict.fromkeys(r.frame.respondent_id)) == ["R_1a", "R_3c", "R_4d", "R_5e"]
    # R_1a: Strongly agree, Agree, Somewhat disagree (-> Disagree), Neither..., "Strongly Agree"; EMP1 Agree
    assert values(r, "R_1a") == {"LEAD1": 5, "LEAD2": 4, "LEAD3": 2, "LEAD4": 3, "LEAD5": 5, "EMP1": 4}
    # R_4d: Disagree, Strongly disagree, Agree, Don't know, Neutral; EMP1 Somewhat agree (-> Agree)
    assert values(r, "R_4d") == {"LEAD1": 2, "LEAD2": 1, "LEAD3": 4, "LEAD4": DK, "LEAD5": 3, "EMP1": 4}
    # R_3c stopped after LEAD1 (unfinished, kept by default): the rest is blank, not invented
    assert values(r, "R_3c") == {"LEAD1": 4, "LEAD2": "", "LEAD3": "", "LEAD4": "", "LEAD5": "", "EMP1": ""}
    assert any("kept 1 unfinished" in n and "--finished-only" in n for n in r.report.notes)
    # 4 respondents x 6 items = 24 cells: 18 answers, 1 don't know, 5 blank (all from R_3c)
    assert (r.report.respondents, r.report.answers, r.report.dont_know, r.report.blank) == (4, 18, 1, 5)
    # nothing identifying is copied, and the matrix "Stem - Statement" texts were matched by text
    assert list(r.frame.columns) == ["respondent_id", "item_id", "value"]
    uses = {c.column: c.use for c in r.report.columns}
    assert uses["IPAddress"].startswith("not copied") and uses["RecipientEmail"].startswith("not copied")
    assert uses["Q2_4"] == "item" and uses["Q4"].startswith("unmatched")
    assert r.report.problems == []


def test_qualtrics_finished_only_drops_unfinished_and_lists_the_row():
    r = import_export(EXPORTS / "qualtrics.csv", finished_only=True)
    assert "R_3c" not in set(r.frame.respondent_id)
    assert (6, "not finished (--finished-only)") in r.report.dropped_rows
    assert r.report.respondents == 3


def test_attributes_are_kept_renamed_and_neutralised_in_csv(tmp_path):
    r = import_export(EXPORTS / "qualtrics.csv", attributes=["What is your role?=role"])
    assert r.frame.groupby("respondent_id")["role"].first().to_dict() == {
        "R_1a": "Manager", "R_3c": "Front line", "R_4d": "Front line", "R_5e": "=1+2"}
    out, report = r.write(tmp_path / "responses.csv")
    with out.open(newline="", encoding="utf-8") as fh:
        roles = {row["respondent_id"]: row["role"] for row in csv.DictReader(fh)}
    assert roles["R_5e"] == "'=1+2"  # a spreadsheet would have run the formula
    assert report == tmp_path / "responses.import-report.txt"
    text = report.read_text(encoding="utf-8")
    for column in ("StartDate", "IPAddress", "ResponseId", "Q1", "Q2_1", "Q3", "Q4"):
        assert f" {column} " in text
    assert "row 5: a 'Survey Preview' response" in text


def test_identity_columns_only_with_keep_identity():
    with pytest.raises(CxError, match="identifies respondents.*--keep-identity"):
        import_export(EXPORTS / "qualtrics.csv", attributes=["RecipientEmail"])
    r = import_export(EXPORTS / "qualtrics.csv", keep_identity=True)
    assert {"IPAddress", "RecipientEmail", "LocationLatitude"} <= set(r.frame.columns)
    assert r.frame.loc[r.frame.respondent_id == "R_1a", "RecipientEmail"].iloc[0] == "ann@example.com"


def test_excel_quoting_keeps_commas_and_newlines_inside_one_cell():
    # read through read_responses: unmatched questions become attributes (identity never does)
    resp = read_responses(EXPORTS / "qualtrics.csv")
    assert resp.layout == "Qualtrics export"
    assert resp.attributes.loc["R_1a", "Q4"] == "Good, but slow.\nMore training, please."
    assert "RecipientEmail" not in resp.attributes.columns and "IPAddress" not in resp.attributes.columns
    assert resp.respondent_count == 4
    assert any("Survey Preview" in n for n in resp.notes)


# --------------------------------------------------------------------------------------
# SurveyMonkey: two header rows, matrix columns in a different order from the questionnaire,
# identity and metadata columns; the same layout as .xlsx with numbers instead of labels
# --------------------------------------------------------------------------------------
def test_surveymonkey_csv_matrix_out_of_order():
    r = import_export(EXPORTS / "surveymonkey.csv", attributes=["What is your department?=department"])
    assert r.report.format == "surveymonkey"
    # columns are LEAD3, LEAD1, LEAD5, LEAD2, LEAD4: Disagree, Agree, Strongly agree, Agree, Neither
    assert values(r, "118001") == {"LEAD1": 4, "LEAD2": 4, "LEAD3": 2, "LEAD4": 3, "LEAD5": 5, "EMP1": 4}
    # 118003: Agree, Disagree, Disagree, N/A, Strongly disagree; EMP1 Disagree
    assert values(r, "118003") == {"LEAD1": 2, "LEAD2": DK, "LEAD3": 4, "LEAD4": 1, "LEAD5": 2, "EMP1": 2}
    assert set(r.frame.department) == {"Billing", "Contact centre"}
    uses = {c.column: c.use for c in r.report.columns}
    for ident in ("IP Address", "Email Address", "First Name", "Last Name"):
        assert uses[ident].startswith("not copied")
    assert uses["Collector ID"].startswith("ignored")


def _write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    wb.save(path)
    return path


def test_surveymonkey_xlsx_with_numbers(tmp_path):
    with (EXPORTS / "surveymonkey.csv").open(newline="", encoding="utf-8") as fh:
        rows: list[list[object]] = [list(r) for r in csv.reader(fh)]
    points = {"Strongly disagree": 1, "Disagree": 2, "Neither agree nor disagree": 3, "Agree": 4, "Strongly agree": 5}
    for row in rows[2:]:
        # numbers, as the "numerical value" export
        row[:] = [points.get(c, c) if i >= 10 else c for i, c in enumerate(row)]
        row[0] = int(row[0])
    r = import_export(_write_xlsx(tmp_path / "monkey.xlsx", rows))
    assert r.report.format == "surveymonkey"
    assert values(r, "118002") == {"LEAD1": 5, "LEAD2": 4, "LEAD3": 1, "LEAD4": 4, "LEAD5": 4, "EMP1": 5}
    assert values(r, "118003")["LEAD2"] == DK  # "N/A" stayed text


# --------------------------------------------------------------------------------------
# Google Forms: grid "Question [Row]", labels in odd case, a question asked twice with the same text
# --------------------------------------------------------------------------------------
def test_google_forms_grid_and_duplicated_question_text():
    r = import_export(EXPORTS / "google-forms.csv",
                      attributes=["What is your role?=role", "Which site do you work at?=site"])
    assert r.report.format == "google-forms"
    # no respondent ids in Google Forms: numbered by spreadsheet row
    assert list(dict.fromkeys(r.frame.respondent_id)) == ["R2", "R3", "R4"]
    # row 2: "Strongly Agree", "agree", "DISAGREE", "Neutral", "Agree"
    assert values(r, "R2") == {"LEAD1": 5, "LEAD2": 4, "LEAD3": 2, "LEAD4": 3, "LEAD5": 4}
    assert values(r, "R4") == {"LEAD1": 3, "LEAD2": 2, "LEAD3": 4, "LEAD4": DK, "LEAD5": 2}
    keys = [c.column for c in r.report.columns]
    assert "Any comments?" in keys and "Any comments? #2" in keys
    assert "Email Address" not in r.frame.columns
    assert r.frame.loc[r.frame.respondent_id == "R3", "site"].iloc[0] == "York"


def test_semicolon_csv_with_item_ids_in_titles():
    raw = (EXPORTS / "google-forms-semicolon.csv").read_bytes()
    assert b";" in raw.splitlines()[0] and b"\r\n" in raw
    r = import_export(EXPORTS / "google-forms-semicolon.csv", attributes=["Team"])
    assert {c.column.split(".")[0]: c.detail for c in r.report.columns if c.use == "item"} == {
        "LEAD2": "LEAD2 (by item id)", "LEAD1": "LEAD1 (by item id)", "EMP1": "EMP1 (by item id)"}
    assert values(r, "R2") == {"LEAD1": 5, "LEAD2": 4, "EMP1": 3}
    assert values(r, "R3") == {"LEAD1": 1, "LEAD2": 2, "EMP1": 5}
    assert r.frame.loc[r.frame.respondent_id == "R2", "Team"].iloc[0] == "Sales; North"


def test_same_statement_twice_needs_a_mapping():
    with pytest.raises(CxError, match=r"item LEAD2 is matched by 2 columns.*column C.*column D.*--mapping"):
        import_export(EXPORTS / "google-forms-duplicate.csv")
    r = import_export(EXPORTS / "google-forms-duplicate.csv", mapping=EXPORTS / "google-forms-duplicate-mapping.csv")
    # mapping: column C -> LEAD2, column D ignored; LEAD1 still matched by its text
    assert values(r, "R2") == {"LEAD1": 4, "LEAD2": 3}
    assert values(r, "R3") == {"LEAD1": 2, "LEAD2": 2}
    uses = {c.letter: (c.use, c.detail) for c in r.report.columns}
    assert uses["C"] == ("item", "LEAD2 (by mapping file)")
    assert uses["D"][0] == "ignored (mapping file)"


# --------------------------------------------------------------------------------------
# Microsoft Forms (.xlsx, written here): ID, times, Email, Name, extra quiz columns, statements
# --------------------------------------------------------------------------------------
def test_microsoft_forms_xlsx(tmp_path):
    stmt = {i.id: i.text for i in Q.items}
    t = dt.datetime(2026, 10, 3, 9, 30)
    rows = [
        ["ID", "Start time", "Completion time", "Email", "Name", "Last modified time", "Total points", "Quiz feedback",
         "Which department are you in?", stmt["SILO2"], stmt["SILO1"], f"How far do you agree?.{stmt['MEAS1']}",
         "Grade posted time", "Points - Which department are you in?"],
        [1, t, t, "anonymous", None, None, 0, None, "Billing", "Agree", "Strongly disagree",
         "Neither agree nor disagree", t, 0],
        [2, t, t, "pat@example.com", "Pat Doe", None, 0, None, "Sales", "Completely agree", "Tend to disagree",
         4, t, 0],
    ]
    r = import_export(_write_xlsx(tmp_path / "forms.xlsx", rows),
                      attributes=["Which department are you in?=department"])
    assert r.report.format == "microsoft-forms"
    assert values(r, "1") == {"SILO1": 1, "SILO2": 4, "MEAS1": 3}
    # "Completely agree" = Strongly agree, "Tend to disagree" counts as Disagree, 4 passes through
    assert values(r, "2") == {"SILO1": 2, "SILO2": 5, "MEAS1": 4}
    assert list(r.frame.columns) == ["respondent_id", "item_id", "value", "department"]
    assert ("Tend to disagree", "2 (Disagree), variant", 1) in r.report.readings
    uses = {c.column: c.use for c in r.report.columns}
    assert uses["Email"].startswith("not copied") and uses["Name"].startswith("not copied")
    for meta in ("Total points", "Start time", "Grade posted time", "Points - Which department are you in?"):
        assert uses[meta].startswith("ignored"), meta


# --------------------------------------------------------------------------------------
# values not understood
# --------------------------------------------------------------------------------------
def _google_variant(tmp_path: Path, name: str, edit) -> Path:
    """google-forms.csv with ``edit`` applied to its text, written to ``tmp_path / name``."""
    path = tmp_path / name
    path.write_text(edit((EXPORTS / "google-forms.csv").read_text(encoding="utf-8")), encoding="utf-8")
    return path


def _bad_google(tmp_path: Path) -> Path:
    # row 2, columns D and E
    return _google_variant(tmp_path, "bad.csv", lambda text: text.replace("Strongly Agree,agree", "Maybe,7", 1))


def test_values_not_understood_stop_the_import_with_row_and_column(tmp_path):
    with pytest.raises(SurveyImportError) as info:
        import_export(_bad_google(tmp_path))
    msg = str(info.value)
    assert "2 value(s) could not be understood; nothing was imported" in msg
    assert "row 2, column 'Please rate each statement [Our senior leaders" in msg and "'Maybe' is not a number" in msg
    assert "7 is off the scale (expected a whole number from 1 to 5)" in msg
    assert len(info.value.report.problems) == 2
    # the report as data says what was written: nothing, not the answers read before the import stopped
    done = info.value.report.to_dict()
    assert done["imported"] is False and "could not be understood" in done["stopped"]
    assert (done["respondents"], done["answers"], done["dont_know"], done["blank"]) == (0, 0, 0, 0)


def test_values_not_understood_are_left_blank_and_listed_with_skip(tmp_path):
    r = import_export(_bad_google(tmp_path), on_error="skip")
    assert values(r, "R2") == {"LEAD1": "", "LEAD2": "", "LEAD3": 2, "LEAD4": 3, "LEAD5": 4}
    assert [(p.row, p.column[:26]) for p in r.report.problems] == [
        (2, "Please rate each statement"), (2, "Please rate each statement")]
    assert "Values not understood (2)" in r.report.to_text()
    # read_responses on the same export: raise lists them, skip keeps the rest and lists them as errors
    with pytest.raises(ResponsesError, match="row 2"):
        read_responses(_bad_google(tmp_path))
    resp = read_responses(_bad_google(tmp_path), on_error="skip")
    assert len(resp.errors) == 2 and resp.respondent_count == 3


def test_value_reader_labels_variants_and_numbers():
    read = ValueReader(Q).read
    assert [read(c).value for c in ("5", "4.0", " agree ", "STRONGLY DISAGREE", "4 - Agree", "Agree (4)", "Neutral",
                                    "Neither agree or disagree", "Strongly  agree")] == [5, 4, 4, 1, 4, 4, 3, 3, 5]
    assert [read(c).status for c in ("N/A", "Don’t know", "not applicable", DK, "", "-")] == [
        "dont_know", "dont_know", "dont_know", "dont_know", "blank", "blank"]
    for bad in ("3.5", "0", "6", "5 - Agree", "Maybe", "Agree?!x"):
        assert read(bad).status == "invalid", bad


def test_loose_variants_give_way_to_a_seven_point_scale():
    labels = ["Strongly disagree", "Disagree", "Somewhat disagree", "Neither agree nor disagree", "Somewhat agree",
              "Agree", "Strongly agree"]
    q7 = questionnaire_from_dict({
        "id": "seven", "scale": {"min": 1, "max": 7, "labels": dict(enumerate(labels, start=1))},
        "stages": [{"id": 1, "name": "one", "min_score": 1}],
        "dimensions": [{"id": "d", "name": "D"}], "items": [{"id": "X1", "dimension": "d", "text": "A statement"}],
    })
    read = ValueReader(q7).read
    assert read("Somewhat agree").value == 5 and read("Agree").value == 6 and read("Neutral").value == 4
    assert read("Tend to agree").status == "invalid"  # no single place for it on seven points
    mini = load_questionnaire(Path(__file__).parent / "data" / "mini.yaml")  # its middle label is "Neutral"
    assert ValueReader(mini).read("Neither agree nor disagree").value == 3


# --------------------------------------------------------------------------------------
# mapping suggestions and mapping files
# --------------------------------------------------------------------------------------
def test_suggest_mapping_then_import_with_the_edited_file(tmp_path):
    stmt = {i.id: i.text for i in Q.items}
    export = tmp_path / "reworded.csv"
    with export.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([
            ["Timestamp", stmt["JRN1"], "We understand the kinds of customers we serve and what each values.",
             "Favourite colour"],
            ["2026/10/04 10:00:00", "Agree", "Disagree", "blue"],
        ])
    table = suggest_mapping(export)
    rows = table.set_index("column")
    assert rows.loc[stmt["JRN1"], "item_id"] == "JRN1" and rows.loc[stmt["JRN1"], "match"] == "text"
    reworded = "We understand the kinds of customers we serve and what each values."
    assert rows.loc[reworded, "item_id"] == "INS5"  # close to "We understand the different kinds of customers..."
    assert rows.loc[reworded, "match"].startswith("guess")
    assert rows.loc["Favourite colour", "match"] == "no match" and rows.loc["Favourite colour", "item_id"] == ""
    assert rows.loc["Timestamp", "match"] == "metadata"
    # without the mapping, the reworded statement is unmatched and said so
    plain = import_export(export)
    assert {c.column: c.use for c in plain.report.columns}[reworded].startswith("unmatched")
    assert "INS5" in plain.report.missing_items
    # the consultant checks the guess, keeps it, and imports with the file
    out = write_mapping_suggestion(export, tmp_path / "map.csv")
    r = import_export(export, mapping=out)
    assert values(r, "R2") == {"INS5": 2, "JRN1": 4}


def test_mapping_file_errors_name_the_row(tmp_path):
    bad = tmp_path / "map.csv"
    bad.write_text("column,item_id\nC,LEAD2\nD,NOPE9\nE,LEAD2\n", encoding="utf-8")
    with pytest.raises(CxError, match=r"row 3, column 'item_id': 'NOPE9' is not an item id") as info:
        read_mapping(bad, Q)
    assert "item 'LEAD2' is given to two columns" in str(info.value)
    bad.write_text("col,item\nC,LEAD2\n", encoding="utf-8")
    with pytest.raises(CxError, match="needs the header 'column,item_id'"):
        read_mapping(bad, Q)
    bad.write_text("column,item_id\nZZ,LEAD2\n", encoding="utf-8")
    with pytest.raises(CxError, match="mapping file column 'ZZ' is not a column of the export"):
        import_export(EXPORTS / "google-forms-duplicate.csv", mapping=bad)


# --------------------------------------------------------------------------------------
# detection and bad input
# --------------------------------------------------------------------------------------
def test_unknown_layouts_and_wrong_tool_are_clear_errors(tmp_path):
    with pytest.raises(CxError, match="cannot tell which survey tool wrote this file"):
        import_export(Path(__file__).parent / "data" / "mini_wide.csv")
    with pytest.raises(CxError, match=r"--from qualtrics, but this file looks like a Google Forms export "
                                      r"\(first column 'Timestamp'\); use --from google-forms"):
        import_export(EXPORTS / "google-forms.csv", source_format="qualtrics")
    with pytest.raises(CxError, match="does not look like a Qualtrics export"):
        import_export(Path(__file__).parent / "data" / "mini_wide.csv", source_format="qualtrics")
    with pytest.raises(CxError, match="file not found"):
        import_export(tmp_path / "nope.csv")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"\xef\xbb\xbf\r\n")
    with pytest.raises(CxError, match="the file is empty"):
        import_export(empty)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    with pytest.raises(CxError, match="cannot read this Excel workbook"):
        import_export(broken)


def test_no_matching_column_is_an_error_that_points_to_suggest_mapping(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("Timestamp,How was lunch?\n2026/10/01,Agree\n", encoding="utf-8")
    with pytest.raises(SurveyImportError, match="no column matches an item.*--suggest-mapping"):
        import_export(path)


def test_normalise_text():
    assert normalise_text("  Don’t   KNOW!? ") == "dont know"
    assert normalise_text("Café – “quoted”") == "cafe quoted"


# --------------------------------------------------------------------------------------
# the CLI
# --------------------------------------------------------------------------------------
def test_cli_import_writes_responses_that_validate(cli, tmp_path):
    out = tmp_path / "responses.csv"
    done = cli("import", EXPORTS / "qualtrics.csv", "--from", "auto", "--attribute", "Q1=role", "--finished-only",
               "--out", out)
    assert done.returncode == 0, done.stderr
    assert "Read as: Qualtrics export (auto-detected" in done.stdout and "row 6: not finished" in done.stdout
    assert (tmp_path / "responses.import-report.txt").read_text(encoding="utf-8") == done.stdout
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(frame.columns) == ["respondent_id", "item_id", "value", "role"]
    assert len(frame) == 3 * 6  # 3 finished, non-preview respondents x 6 matched items
    checked = cli("validate", out)
    assert checked.returncode == 0 and "3 respondents" in checked.stdout


def test_cli_import_bad_values_exit_1_and_write_only_the_report(cli, tmp_path):
    out = tmp_path / "r.csv"
    done = cli("import", _bad_google(tmp_path), "--out", out)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "'Maybe' is not a number" in done.stderr
    assert not out.exists()
    report = (tmp_path / "r.import-report.txt").read_text(encoding="utf-8")
    # nothing was written, so the report claims no respondents
    assert ("Result: nothing was imported (2 value(s) could not be understood); no responses file was written"
            in report.splitlines())
    assert "respondent(s)" not in report
    done = cli("import", _bad_google(tmp_path), "--out", out, "--on-error", "skip")
    assert done.returncode == 0 and out.exists()


def test_cli_suggest_mapping_and_errors(cli, tmp_path):
    mapping = tmp_path / "m.csv"
    done = cli("import", "--suggest-mapping", EXPORTS / "google-forms-duplicate.csv", "--out", mapping)
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(mapping, dtype=str, keep_default_na=False)
    # LEAD2 goes to the first of its two copies, the second is left blank and says why: the file imports as written
    assert list(table.item_id) == ["", "LEAD1", "LEAD2", "", ""]
    assert table.match[3] == ("also looks like LEAD2 (text), but column 'When leaders make big decisions, the effect "
                              "on customers is discussed openly.' matches it as surely: left blank; swap them if this "
                              "is the column to use")
    done = cli("import", EXPORTS / "google-forms-duplicate.csv", "--mapping", mapping, "--out", tmp_path / "y.csv")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "y.csv").read_text(encoding="utf-8").splitlines()[1:] == [
        "R2,LEAD1,4", "R2,LEAD2,3", "R3,LEAD1,2", "R3,LEAD2,2"]
    done = cli("import", EXPORTS / "google-forms-duplicate.csv", "--out", tmp_path / "x.csv")
    assert done.returncode == 1 and "Traceback" not in done.stderr and "is matched by 2 columns" in done.stderr
    done = cli("import", EXPORTS / "google-forms.csv")
    assert done.returncode == 1 and "--out" in done.stderr


def test_cli_questionnaire_as_csv_and_xlsx(cli, tmp_path):
    done = cli("questionnaire", "--format", "csv")
    assert done.returncode == 0
    rows = list(csv.reader(done.stdout.splitlines()))
    assert rows[0] == ["id", "dimension", "statement", "Strongly disagree", "Disagree", "Neither agree nor disagree",
                       "Agree", "Strongly agree", DK]
    assert len(rows) == 1 + 40 + 3 and rows[1][:2] == ["LEAD1", "Leadership and customer-first vision"]
    out = tmp_path / "q.xlsx"
    assert cli("questionnaire", "--format", "xlsx", "--out", out).returncode == 0
    from openpyxl import load_workbook

    wb = load_workbook(out)
    items = [[c.value for c in r] for r in wb["Items"].iter_rows()]
    assert items[0][:3] == ["id", "dimension", "statement"] and len(items) == 1 + 40 + 3
    assert items[3][2] == Q.items[2].text
    assert [[c.value for c in r] for r in wb["Scale"].iter_rows()][1:] == [
        [1, "Strongly disagree"], [2, "Disagree"], [3, "Neither agree nor disagree"], [4, "Agree"],
        [5, "Strongly agree"], [None, DK]]
    done = cli("questionnaire", "--format", "xlsx")
    assert done.returncode == 1 and "--out" in done.stderr and "Traceback" not in done.stderr


# --------------------------------------------------------------------------------------
# other encodings, and reports reading exports directly
# --------------------------------------------------------------------------------------
def test_utf16_tab_separated_and_windows_1252_exports(tmp_path):
    # Qualtrics offers UTF-16 tab-separated files for Excel; old Excel saves Windows-1252
    with (EXPORTS / "qualtrics.csv").open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    tsv = tmp_path / "qualtrics.tsv"
    with tsv.open("w", newline="", encoding="utf-16") as fh:
        csv.writer(fh, delimiter="\t").writerows(rows)
    assert tsv.read_bytes()[:2] == b"\xff\xfe"
    r = import_export(tsv)
    assert values(r, "R_1a") == {"LEAD1": 5, "LEAD2": 4, "LEAD3": 2, "LEAD4": 3, "LEAD5": 5, "EMP1": 4}
    assert read_responses(tsv).respondent_count == 4
    cp = tmp_path / "qualtrics-1252.csv"
    with cp.open("w", newline="", encoding="cp1252") as fh:
        csv.writer(fh).writerows(rows)  # LEAD4's "quarter’s" becomes byte 0x92
    assert b"quarter\x92s" in cp.read_bytes()
    assert values(import_export(cp), "R_1a")["LEAD4"] == 3


def test_score_file_reads_an_export_directly():
    from cxassess.scoring.score import score_file

    s = score_file(EXPORTS / "google-forms.csv", group_by=["What is your role?"], min_group_size=1)
    # leadership per respondent (LEAD3 reversed as 6 - v; don't know skipped):
    #   R2: 5, 4, 6-2=4, 3, 4 -> 20/5 = 4.0;  R3: 4, 4, 6-1=5, 4, 5 -> 22/5 = 4.4
    #   R4: 3, 2, 6-4=2, (don't know), 2 -> 9/4 = 2.25;  dimension: (4.0 + 4.4 + 2.25) / 3 = 3.55
    assert s.respondents == 3
    assert s.dimensions.loc["leadership", "score"] == pytest.approx(3.55)
    by_role = s.groups["What is your role?"]
    assert by_role.loc["Front line", "leadership"] == pytest.approx((4.4 + 2.25) / 2)  # 3.325
    assert by_role.loc["Manager", "leadership"] == pytest.approx(4.0)


def test_attribute_that_is_not_a_column_lists_the_columns():
    with pytest.raises(CxError, match=r"attribute 'department' is not a column of the export; its columns are .*'Q1'"):
        import_export(EXPORTS / "qualtrics.csv", attributes=["department"])
    with pytest.raises(CxError, match="holds the answers to item LEAD1"):
        import_export(EXPORTS / "qualtrics.csv", attributes=["Q2_1"])


def test_exports_whose_extra_header_rows_were_deleted(tmp_path):
    # consultants often delete Qualtrics' rows 2-3 or SurveyMonkey's row 2 before sending a file
    with (EXPORTS / "qualtrics.csv").open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    rows[0][14:19] = ["LEAD1", "LEAD2", "LEAD3", "LEAD4", "LEAD5"]  # export tags set to the item ids
    one = tmp_path / "qualtrics-one-header.csv"
    with one.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([rows[0], *rows[3:]])
    r = import_export(one)
    assert any("one header row" in n for n in r.report.notes)
    # R_1a is the first data row (row 2) and is not mistaken for a header; Q3 (EMP1) has no text to match
    assert values(r, "R_1a") == {"LEAD1": 5, "LEAD2": 4, "LEAD3": 2, "LEAD4": 3, "LEAD5": 5}
    assert [n for n, _ in r.report.dropped_rows] == [3]  # the Survey Preview, now on row 3
    with (EXPORTS / "surveymonkey.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    one = tmp_path / "monkey-one-header.csv"
    with one.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([rows[0], *rows[2:]])
    r = import_export(one)
    assert r.report.respondents == 3 and values(r, "118002") == {"EMP1": 5}
    assert any("second header row" in n for n in r.report.notes)


def test_questionnaire_sheet_neutralises_formula_like_text(tmp_path):
    from openpyxl import load_workbook

    from cxassess.questionnaire.render import to_csv, write_xlsx

    q = questionnaire_from_dict({
        "id": "f", "scale": {"min": 1, "max": 2, "labels": {1: "No", 2: "=Yes"}},
        "stages": [{"id": 1, "name": "one", "min_score": 1}],
        "dimensions": [{"id": "d", "name": "@Dim"}],
        "items": [{"id": "X1", "dimension": "d", "text": "=HYPERLINK(\"http://example.com\")"}],
    })
    rows = list(csv.reader(to_csv(q).splitlines()))
    assert rows[0][4] == "'=Yes" and rows[1][1:3] == ["'@Dim", "'=HYPERLINK(\"http://example.com\")"]
    write_xlsx(q, tmp_path / "f.xlsx")
    ws = load_workbook(tmp_path / "f.xlsx")["Items"]
    assert ws["C2"].value.startswith("'=") and ws["C2"].data_type == "s"


def test_cli_rejects_unwritable_outputs_before_reading(cli, tmp_path):
    for out, message in ((tmp_path / "r.json", "write the imported responses as .csv or .xlsx"),
                         (tmp_path / "missing" / "r.csv", "does not exist")):
        done = cli("import", EXPORTS / "google-forms.csv", "--out", out)
        assert done.returncode == 1 and message in done.stderr and done.stdout == ""
    done = cli("import", EXPORTS / "google-forms.csv", "--suggest-mapping", "--out", tmp_path / "missing" / "m.csv")
    assert done.returncode == 1 and "does not exist" in done.stderr and "Traceback" not in done.stderr


def test_reading_an_ambiguous_export_directly_says_how_to_map_it():
    with pytest.raises(CxError,
                       match=r"is matched by 2 columns(.|\n)*"
                             r"cxassess import .*--mapping MAPPING.csv --out responses.csv"):
        read_responses(EXPORTS / "google-forms-duplicate.csv")


def test_every_column_is_in_the_report_and_a_repeated_respondent_is_an_error(tmp_path):
    with (EXPORTS / "qualtrics.csv").open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    r = import_export(EXPORTS / "qualtrics.csv")
    assert [c.column for c in r.report.columns] == rows[0]  # 21 columns, each with what was done with it
    assert json.loads(json.dumps(r.report.to_dict()))["dropped_rows"] == [
        {"row": 5, "reason": "a 'Survey Preview' response (a test run, not a participant)"}]
    rows[6][8] = "R_1a"  # row 7 (R_5e) now repeats R_1a's response id
    twice = tmp_path / "twice.csv"
    with twice.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    with pytest.raises(SurveyImportError,
                       match=r"row 7, column 'ResponseId': respondent 'R_1a' appears in 2 rows \(4, 7\); "
                             r"row not imported"):
        import_export(twice)
    r = import_export(twice, on_error="skip")
    assert r.report.respondents == 3 and values(r, "R_1a")["LEAD1"] == 5


def _google_with_repeats(tmp_path: Path) -> Path:
    """google-forms.csv (rows 2-4) plus row 5 = row 2 again, every column the same (one person's form
    submitted twice: same timestamp, same email), and row 6 = row 3's answers from another person."""
    def add_rows(text: str) -> str:
        lines = text.splitlines()
        other = lines[2].replace("2026/10/01 9:10:00 AM GMT+1,b@example.com",
                                 "2026/10/01 9:30:00 AM GMT+1,d@example.com")
        assert other != lines[2]
        return "\n".join([*lines, lines[1], other]) + "\n"

    return _google_variant(tmp_path, "qa_repeats.csv", add_rows)


def test_an_identical_submission_stops_the_import(tmp_path):
    with pytest.raises(SurveyImportError) as info:
        import_export(_google_with_repeats(tmp_path))
    msg = str(info.value)
    assert "1 row(s) repeat an earlier respondent or submission; nothing was imported" in msg
    assert "qa_repeats.csv, row 5: repeats row 2 exactly (same respondent, same answers" in msg
    # row 6 has row 3's answers but another email and time: a different person, not a problem
    assert [(p.row, p.column) for p in info.value.report.problems] == [(5, None)]


def test_an_identical_submission_is_left_out_and_listed_with_skip(tmp_path):
    r = import_export(_google_with_repeats(tmp_path), on_error="skip")
    # rows 2, 3, 4 and 6 imported (row 5 left out): 4 respondents
    assert r.report.respondents == 4 and sorted(set(r.frame.respondent_id)) == ["R2", "R3", "R4", "R6"]
    # R6 answered like R3: Agree, Agree, Strongly disagree, Agree, Strongly agree -> 4 4 1 4 5, kept as its own person
    assert values(r, "R6") == values(r, "R3") == {"LEAD1": 4, "LEAD2": 4, "LEAD3": 1, "LEAD4": 4, "LEAD5": 5}
    text = r.report.to_text()
    assert "Rows not imported (1):" in text and "row 5: repeats row 2 exactly" in text
    assert "Values not understood: none" in text
    assert "1 repeated row(s) were not imported (--on-error skip)" in r.report.notes
    # read directly (report, batch): the same problem, as the responses reader reports problems
    with pytest.raises(ResponsesError, match="row 5: repeats row 2 exactly"):
        read_responses(_google_with_repeats(tmp_path))
    assert read_responses(_google_with_repeats(tmp_path), on_error="skip").respondent_count == 4


def test_alike_rows_without_any_identity_are_kept(tmp_path):
    # timestamp and email blank in rows 2 and 3: nothing tells one submission from another, so both are people
    row = ",,Manager,Agree,Agree,Agree,Agree,Agree,Leeds,,"
    head = (EXPORTS / "google-forms.csv").read_text(encoding="utf-8").splitlines()[0]
    path = tmp_path / "anonymous.csv"
    path.write_text(f"{head}\n{row}\n{row}\n", encoding="utf-8")
    r = import_export(path)
    assert r.report.problems == [] and r.report.respondents == 2


def test_an_identical_qualtrics_response_is_named_as_a_repeat(tmp_path):
    with (EXPORTS / "qualtrics.csv").open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    twice = tmp_path / "twice.csv"
    with twice.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([*rows, rows[3]])  # row 9 = row 4 (R_1a), every cell the same
    with pytest.raises(SurveyImportError, match=r"row 9: repeats row 4 exactly \(same respondent, same answers"):
        import_export(twice)
    r = import_export(twice, on_error="skip")
    # R_1a, R_3c, R_4d, R_5e as before (row 5, the preview, dropped): still 4 respondents, R_1a once
    assert r.report.respondents == 4 and list(r.frame.respondent_id).count("R_1a") == 6  # 6 items once each


def test_named_tool_accepts_an_export_with_metadata_columns_removed(tmp_path):
    with (EXPORTS / "qualtrics.csv").open(newline="", encoding="utf-8-sig") as fh:
        rows = [row[8:9] + row[13:] for row in csv.reader(fh)]  # keep ResponseId and the questions only
    trimmed = tmp_path / "trimmed.csv"
    with trimmed.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    # the ImportId row (row 3) says Qualtrics whatever columns are left
    assert import_export(trimmed).report.detection == "Qualtrics export (auto-detected: ImportId row (row 3))"
    with trimmed.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows[:2] + rows[3:])  # ... and without it
    with pytest.raises(CxError, match="cannot tell which survey tool"):
        import_export(trimmed)
    r = import_export(trimmed, source_format="qualtrics")
    assert "metadata columns are missing" in r.report.detection
    # without the Status column the preview row (R_2b) cannot be recognised, so it is kept
    assert r.report.respondents == 5 and values(r, "R_1a")["LEAD3"] == 2
    assert any(n.startswith("no Status column") for n in r.report.notes)


def _one_dimension(qid: str, statements: dict[str, str]):
    """A five-point questionnaire of one dimension holding ``statements`` (item id -> text)."""
    return questionnaire_from_dict({
        "id": qid, "scale": {"min": 1, "max": 5, "labels": {1: "Strongly disagree", 2: "Disagree", 3: "Neutral",
                                                            4: "Agree", 5: "Strongly agree"}},
        "stages": [{"id": 1, "name": "one", "min_score": 1}],
        "dimensions": [{"id": "d", "name": "D"}],
        "items": [{"id": i, "dimension": "d", "text": t} for i, t in statements.items()],
    })


def test_a_statement_mentioning_email_is_still_an_item(tmp_path):
    q = _one_dimension("mail", {"M1": "We answer every customer email or phone call within one working day."})
    export = tmp_path / "forms.csv"
    export.write_text("Timestamp,Email address,We answer every customer email or phone call within one working day.\n"
                      "2026/10/01,a@example.com,Agree\n", encoding="utf-8")
    r = import_export(export, q)
    uses = {c.column: c.use for c in r.report.columns}
    assert uses["Email address"].startswith("not copied")
    assert values(r, "R2") == {"M1": 4}
    assert list(suggest_mapping(export, q).item_id) == ["", "", "M1"]


# --------------------------------------------------------------------------------------
# exports as they really come (issue 18, item 10); the fixtures are hand-written in each tool's shape
# --------------------------------------------------------------------------------------
def _with_dont_know_codes(codes: list[int]):
    data = Q.to_dict()
    data["scale"]["dont_know_codes"] = codes
    return questionnaire_from_dict(data)


def test_qualtrics_in_german_is_read_by_its_import_id_row():
    # row 2 is German ("Antwort-ID", "Startdatum"...): only row 3's ImportId tags say which column is which
    q = _with_dont_know_codes([-1, 6])
    r = import_export(EXPORTS / "qualtrics-german.csv", q)
    assert r.report.detection == "Qualtrics export (auto-detected: ImportId row (row 3))"
    assert [n for n, _ in r.report.dropped_rows] == [6]  # Status 1: the preview, not a respondent
    assert list(dict.fromkeys(r.frame.respondent_id)) == ["R_a1Kx", "R_b2Ly", "R_d4Nw"]  # no header row as a person
    # -1 and 6 are the questionnaire's "no basis to judge" codes: don't know, never a score
    assert values(r, "R_a1Kx") == {"LEAD1": 5, "LEAD2": 4, "LEAD3": DK, "EMP1": 4}
    assert values(r, "R_b2Ly") == {"LEAD1": 2, "LEAD2": DK, "LEAD3": 1, "EMP1": 3}
    assert values(r, "R_d4Nw") == {"LEAD1": 4, "LEAD2": "", "LEAD3": "", "EMP1": ""}
    assert (r.report.respondents, r.report.answers, r.report.dont_know, r.report.blank) == (3, 7, 2, 3)
    assert ("-1", "don't know (missing)", 1) in r.report.readings
    assert any("kept 1 unfinished response(s) (rows 7)" in n for n in r.report.notes)
    uses = {c.column: c.use for c in r.report.columns}
    for identity in ("ExternalDataReference", "RecipientEmail", "RecipientLastName", "IPAddress", "LocationLatitude"):
        assert uses[identity] == "not copied (identifies respondents)", identity
    for meta in ("LocationAccuracy", "SolutionRevision", "Status", "UserLanguage"):
        assert uses[meta] == "ignored (survey tool metadata)", meta
    assert uses["ResponseId"] == "respondent id"


def test_external_data_reference_is_never_an_attribute_when_an_export_is_read_directly():
    responses = read_responses(EXPORTS / "qualtrics-german.csv", _with_dont_know_codes([-1, 6]))
    assert "ExternalDataReference" not in responses.attributes.columns
    assert list(responses.attributes.columns) == ["Q1"]  # the department question, kept as an attribute
    assert "anna.schmidt@example.com" not in responses.attributes.to_string()


def test_dont_know_codes_are_off_scale_without_the_questionnaire_field_and_must_lie_outside_the_scale():
    with pytest.raises(SurveyImportError) as info:
        import_export(EXPORTS / "qualtrics-german.csv")
    assert "row 4, column 'Q2_LEAD3': -1 is off the scale" in str(info.value)
    assert "row 5, column 'Q2_LEAD2': 6 is off the scale" in str(info.value)
    with pytest.raises(CxError, match="dont_know_codes: 5 is a point of the scale 1..5"):
        _with_dont_know_codes([5, -1])
    assert _with_dont_know_codes([-1, 6]).to_dict()["scale"]["dont_know_codes"] == [-1, 6]  # kept in sessions
    reader = ValueReader(_with_dont_know_codes([-1, 6]))
    assert (reader.read("6").status, reader.read("-1").status, reader.read("5").value) == ("dont_know",) * 2 + (5.0,)


@pytest.mark.parametrize("how", ["auto", "qualtrics"])
def test_the_older_qualtrics_layout(how):
    r = import_export(EXPORTS / "qualtrics-legacy.csv", source_format=how)
    assert r.report.format == "qualtrics"
    assert "older layout: V1, V2, ... columns over a text row with ResponseID" in r.report.detection
    assert [n for n, _ in r.report.dropped_rows] == [4]  # V7 (Status) 1: a preview
    assert list(dict.fromkeys(r.frame.respondent_id)) == ["R_0aa1", "R_0cc3", "R_0dd4"]
    assert values(r, "R_0aa1") == {"LEAD1": 5, "LEAD2": 4, "EMP1": 4}
    assert values(r, "R_0cc3") == {"LEAD1": 2, "LEAD2": 3, "EMP1": 5}
    assert values(r, "R_0dd4") == {"LEAD1": 4, "LEAD2": "", "EMP1": ""}
    assert any("kept 1 unfinished response(s) (rows 6)" in n for n in r.report.notes)  # V10 (Finished) 0
    uses = {c.letter: (c.column, c.use) for c in r.report.columns}
    assert uses["A"] == ("ResponseID", "respondent id")
    assert uses["B"] == ("ResponseSet", "ignored (survey tool metadata)")
    for letter, name in zip("CDEF", ("Name", "ExternalDataReference", "EmailAddress", "IPAddress"), strict=True):
        assert uses[letter] == (name, "not copied (identifies respondents)")
    assert list(r.frame.columns) == ["respondent_id", "item_id", "value"]


def test_surveymonkey_without_collector_id_or_metadata(tmp_path):
    r = import_export(EXPORTS / "surveymonkey-respondentid.csv", attributes=["What is your department?=department"])
    assert r.report.detection == "SurveyMonkey export (auto-detected: 'RespondentID' column over a second header row)"
    assert values(r, "10455201") == {"LEAD1": 4, "LEAD2": 5, "LEAD3": 2, "EMP1": 4}
    assert values(r, "10455202") == {"LEAD1": 5, "LEAD2": 4, "LEAD3": 1, "EMP1": 3}
    assert values(r, "10455203") == {"LEAD1": "", "LEAD2": DK, "LEAD3": 4, "EMP1": 2}
    assert r.frame.loc[r.frame.respondent_id == "10455202", "department"].iloc[0] == "Contact centre"
    # a public data set without even the id column: the second header row ("Response") still says SurveyMonkey
    with (EXPORTS / "surveymonkey-respondentid.csv").open(newline="", encoding="utf-8") as fh:
        rows = [row[1:] for row in csv.reader(fh)]
    bare = tmp_path / "public.csv"
    with bare.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    r = import_export(bare)
    assert r.report.format == "surveymonkey" and "answer labels ('Response'" in r.report.detection
    assert list(dict.fromkeys(r.frame.respondent_id)) == ["R3", "R4", "R5"]
    assert values(r, "R5") == {"LEAD1": "", "LEAD2": DK, "LEAD3": 4, "EMP1": 2}
    assert any("no RespondentID column" in n for n in r.report.notes)


def _google_xlsx(tmp_path: Path) -> Path:
    """The same form downloaded from Google Sheets as .xlsx: timestamps as dates, numbers as numbers."""
    with (EXPORTS / "google-forms-empty-submissions.csv").open(newline="", encoding="utf-8") as fh:
        rows: list[list[object]] = list(csv.reader(fh))
    for row in rows[1:]:
        row[0] = dt.datetime.strptime(str(row[0]).removesuffix(" GMT+1"), "%Y/%m/%d %I:%M:%S %p")
        row[4] = int(row[4]) if row[4] else None
        row[1:4] = [c or None for c in row[1:4]]
    return _write_xlsx(tmp_path / "google-forms-empty-submissions.xlsx", rows)


def test_google_forms_empty_submissions_are_left_out_and_listed():
    r = import_export(EXPORTS / "google-forms-empty-submissions.csv")
    assert r.report.dropped_rows == [
        (3, "an empty submission (only the Timestamp is filled)"),
        (4, "an empty submission (only the Timestamp is filled), in the same second as row 3: a double click"),
        (6, "an empty submission (only the Timestamp is filled)"),
    ]
    assert r.report.problems == []  # the double click does not stop the import as "the same submission twice"
    assert list(dict.fromkeys(r.frame.respondent_id)) == ["R2", "R5", "R7"]
    assert values(r, "R2") == {"LEAD1": 4, "LEAD2": 5, "EMP1": 4}
    assert values(r, "R5") == {"LEAD1": 2, "LEAD2": 3, "EMP1": 2}
    assert values(r, "R7") == {"LEAD1": 1, "LEAD2": "", "EMP1": 5}
    assert "dropped 3 empty submission row(s)" in r.report.notes


def test_google_forms_collecting_email_addresses_empty_submissions_are_still_empty(tmp_path):
    # a form set to collect e-mail addresses fills "Email Address" itself, so a double click leaves the
    # Timestamp and the address: still nobody's answers
    export = tmp_path / "forms.csv"
    stmt = {i.id: i.text for i in Q.items}
    with export.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([
            ["Timestamp", "Email Address", "Score", stmt["LEAD1"], stmt["LEAD2"]],
            ["2026/10/06 9:00:01 AM GMT+1", "ann@example.com", "", "Agree", "4"],
            ["2026/10/06 9:03:17 AM GMT+1", "bo@example.com", "", "", ""],
            ["2026/10/06 9:03:17 AM GMT+1", "bo@example.com", " ", "", " "],
            ["2026/10/06 9:05:40 AM GMT+1", "cy@example.com", "", "Disagree", ""],
        ])
    r = import_export(export)
    why = "an empty submission (only the Timestamp, Email Address are filled)"
    assert r.report.dropped_rows == [(3, why), (4, f"{why}, in the same second as row 3: a double click")]
    assert r.report.problems == [] and r.report.respondents == 2
    assert values(r, "R2") == {"LEAD1": 4, "LEAD2": 4} and values(r, "R5") == {"LEAD1": 2, "LEAD2": ""}


def test_surveymonkey_with_a_third_header_row_of_labels_leaves_it_out_and_says_so(tmp_path):
    # a SurveyMonkey file whose header was copied with one label row too many: row 3 is no respondent
    export = tmp_path / "monkey.csv"
    stmt = {i.id: i.text for i in Q.items}
    with export.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([
            ["Respondent ID", "Collector ID", "What is your department?", "Please rate each statement.", ""],
            ["", "", "Response", stmt["LEAD1"], stmt["LEAD2"]],
            ["", "", "Response", "Response", "Response"],
            ["1001", "55", "Sales", "Agree", "Disagree"],
            ["1002", "55", "Ops", "Strongly agree", "4"],
        ])
    r = import_export(export)
    assert r.report.dropped_rows == [(3, "an extra header (a third row of answer labels only, no respondent id)")]
    assert r.report.problems == [] and r.report.respondents == 2
    assert values(r, "1001") == {"LEAD1": 4, "LEAD2": 2} and values(r, "1002") == {"LEAD1": 5, "LEAD2": 4}
    assert "dropped 1 extra header row(s)" in r.report.notes


def test_a_column_without_a_header_is_never_kept_as_an_attribute_and_is_named_in_the_report(tmp_path):
    # a grid title merged over two columns in a workbook leaves the second column's header empty: its
    # answers must not turn into an attribute called "column D" while validate says OK
    from openpyxl import load_workbook

    from cxassess.io.survey_import import read_export_responses

    stmt = {i.id: i.text for i in Q.items}
    path = _write_xlsx(tmp_path / "forms.xlsx", [
        ["Timestamp", "What is your role?", f"Please rate [{stmt['LEAD1']}]", f"Please rate [{stmt['LEAD2']}]"],
        ["2026/10/06 9:00:01", "Manager", "Agree", "Strongly agree"],
        ["2026/10/06 9:05:40", "Front line", "Disagree", "Agree"],
    ])
    wb = load_workbook(path)
    wb.active.merge_cells("C1:D1")
    wb.save(path)
    r = import_export(path)
    assert r.report.columns[3] == ColumnReport("D", "column D", "unmatched (ignored)",
                                               "no header (a merged or deleted header cell?), yet 2 value(s): "
                                               "name it by its letter in a mapping file (D,ITEM_ID)")
    assert "column D has no header but holds 2 value(s); they are not imported" in r.report.notes
    responses = read_export_responses(path)
    assert "column D" not in responses.attributes.columns
    assert any("column D has no header" in n for n in responses.notes)
    mapping = tmp_path / "mapping.csv"
    mapping.write_text("column,item_id\nD,LEAD2\n", encoding="utf-8")
    assert values(import_export(path, mapping=mapping), "R2") == {"LEAD1": 4, "LEAD2": 5}


def test_older_qualtrics_metadata_columns_with_a_blank_text_never_match_an_item_named_like_them(tmp_path):
    # V1..V10 are the older layout's fixed metadata block; V8 (StartDate) with its text cell blanked must not
    # take the answers of a questionnaire item that happens to be called V8
    q = _one_dimension("vq", {"V8": "We know our customers.", "LEAD1": "We act on feedback."})
    export = tmp_path / "legacy.csv"
    with export.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([
            [f"V{n}" for n in range(1, 11)] + ["Q1_LEAD1"],
            ["ResponseID", "ResponseSet", "Name", "ExternalDataReference", "EmailAddress", "IPAddress", "Status",
             "", "EndDate", "Finished", "Nous agissons sur les retours."],
            ["R_1", "Default", "", "", "", "", "0", "2015-03-02 10:00", "2015-03-02 10:09", "1", "4"],
        ])
    r = import_export(export, q)
    assert r.report.columns[7] == ColumnReport("H", "StartDate", "ignored (survey tool metadata)")
    assert values(r, "R_1") == {"LEAD1": 4} and r.report.missing_items == ["V8"]


def test_google_forms_csv_and_xlsx_downloads_import_alike(tmp_path):
    from_csv = import_export(EXPORTS / "google-forms-empty-submissions.csv")
    from_xlsx = import_export(_google_xlsx(tmp_path))
    pd.testing.assert_frame_equal(from_csv.frame, from_xlsx.frame)
    as_csv = from_csv.report.to_text().replace(str(EXPORTS / "google-forms-empty-submissions.csv"), "FILE")
    as_xlsx = from_xlsx.report.to_text().replace(str(tmp_path / "google-forms-empty-submissions.xlsx"), "FILE")
    assert as_csv == as_xlsx
    assert "CSV" not in as_xlsx and "Read as: Google Forms export (auto-detected: first column 'Timestamp')" in as_xlsx


def test_suggested_mapping_never_gives_a_certain_item_to_a_guess_and_imports_unedited(tmp_path, cli):
    stmt = {i.id: i.text for i in Q.items}
    export = tmp_path / "forms.csv"
    with export.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([
            ["Timestamp", stmt["LEAD1"], stmt["LEAD1"].replace("spelled out", "spelt out"), "LEAD2",
             stmt["LEAD2"], "=Total"],
            ["2026/10/04 10:00:00", "Agree", "Disagree", "5", "1", "x"],
        ])
    table = suggest_mapping(export)
    # column C is close to LEAD1, but column B is LEAD1 for certain; D has LEAD2 by id, E only by text
    assert list(table.item_id) == ["", "LEAD1", "", "LEAD2", "", ""]
    assert table.match[2].startswith("also looks like LEAD1 (guess 0.")
    assert table.match[4] == ("also looks like LEAD2 (text), but column 'LEAD2' matches it more surely: left blank; "
                              "swap them if this is the column to use")
    mapping = tmp_path / "map.csv"
    done = cli("import", "--suggest-mapping", export, "--out", mapping)
    assert done.returncode == 0, done.stderr
    done = cli("import", export, "--mapping", mapping, "--out", tmp_path / "r.csv")  # unedited
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "r.csv").read_text(encoding="utf-8").splitlines() == [
        "respondent_id,item_id,value", "R2,LEAD1,4", "R2,LEAD2,5"]


def test_short_statements_do_not_match_the_end_of_longer_columns(tmp_path):
    q = _one_dimension("short", {"S1": "Customers come first.", "S2": "We listen."})
    export = tmp_path / "forms.csv"
    with export.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([
            ["Timestamp", "Our competitors keep saying that customers come first.",
             "How far do you agree? [Customers come first.]", "When customers complain, we listen",
             "Please rate: We listen."],
            ["2026/10/01 10:00:00", "Agree", "Disagree", "Strongly agree", "Neutral"],
        ])
    r = import_export(export, q)
    uses = {c.letter: (c.use, c.detail) for c in r.report.columns}
    assert uses["B"][0].startswith("unmatched") and uses["D"][0].startswith("unmatched")
    assert uses["C"] == ("item", "S1 (by statement text)") and uses["E"] == ("item", "S2 (by statement text)")
    assert values(r, "R2") == {"S1": 2, "S2": 3}


def test_cli_from_another_tool_says_which_tool_the_file_looks_like(cli, tmp_path):
    done = cli("import", EXPORTS / "qualtrics.csv", "--from", "surveymonkey", "--out", tmp_path / "r.csv")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert ("--from surveymonkey, but this file looks like a Qualtrics export (ImportId row (row 3)); use --from "
            "qualtrics, or leave --from out to recognise it") in done.stderr
    done = cli("import", EXPORTS / "google-forms-empty-submissions.csv", "--from", "microsoft-forms",
               "--out", tmp_path / "r.csv")
    assert done.returncode == 1 and "looks like a Google Forms export" in done.stderr
    done = cli("import", EXPORTS / "qualtrics-legacy.csv", "--from", "qualtrics", "--out", tmp_path / "r.csv")
    assert done.returncode == 0, done.stderr
    assert "Result: 3 respondent(s), 7 answer(s)" in done.stdout
    assert not (tmp_path / "r.import-report.txt").read_text(encoding="utf-8").count("CSV")


def test_cli_failed_import_report_claims_no_respondents(cli, tmp_path):
    done = cli("import", EXPORTS / "qualtrics-german.csv", "--out", tmp_path / "r.csv")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "-1 is off the scale" in done.stderr and not (tmp_path / "r.csv").exists()
    report = (tmp_path / "r.import-report.txt").read_text(encoding="utf-8")
    assert "Result: nothing was imported (2 value(s) could not be understood); no responses file was written" in report
    assert "respondent(s)" not in report


def test_a_wide_responses_file_with_a_blank_first_id_is_not_taken_for_surveymonkey(tmp_path):
    from cxassess.io.layouts import recognise_file

    wide = tmp_path / "wide.csv"
    wide.write_text("respondent_id,LEAD1,LEAD2,role\n,4,3,Staff\nP2,2,5,Manager\n", encoding="utf-8")
    assert recognise_file(wide) is None
    monkey = tmp_path / "monkey.csv"
    monkey.write_text("Respondent ID,LEAD1,LEAD2\n,Response,Response\n7,4,3\n", encoding="utf-8")
    assert recognise_file(monkey) == "surveymonkey"
