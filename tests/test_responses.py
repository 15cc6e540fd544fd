"""Reading responses: every layout and file type, and every problem reported with file, row and column."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from cxassess.errors import CxError, ResponsesError
from cxassess.io.read import read_responses
from cxassess.io.responses import responses_from_frame
from cxassess.questionnaire.model import load_questionnaire


def _answers(r):
    return r.answers.sort_values(["respondent_id", "item_id"]).reset_index(drop=True)[
        ["respondent_id", "item_id", "value"]]


def test_long_csv_understands_labels_and_missing_words(mini_q, data_dir):
    r = read_responses(data_dir / "mini_long.csv", mini_q)
    assert r.layout == "long"
    a = r.answers.set_index(["respondent_id", "item_id"])
    assert a.loc[("r1", "B2"), "value"] == 5.0  # "Strongly agree"
    assert pd.isna(a.loc[("r2", "B2"), "value"]) and a.loc[("r2", "B2"), "status"] == "dont_know"
    assert a.loc[("r2", "A3"), "status"] == "blank"
    assert a.loc[("r4", "A2"), "status"] == "dont_know"  # N/A
    assert list(r.attributes["role"]) == ["lead", "lead", "front", "front"]
    assert r.respondent_count == 4 and not r.errors


@pytest.mark.parametrize("kind", ["xlsx", "json_long", "json_wide", "semicolon"])
def test_every_file_type_gives_the_same_answers(mini_q, data_dir, tmp_path, kind):
    expected = _answers(read_responses(data_dir / "mini_long.csv", mini_q))
    long = pd.read_csv(data_dir / "mini_long.csv", dtype=str, keep_default_na=False)
    wide = pd.read_csv(data_dir / "mini_wide.csv", dtype=str, keep_default_na=False)
    if kind == "xlsx":
        path = tmp_path / "r.xlsx"
        wide.to_excel(path, index=False)
    elif kind == "json_long":
        path = tmp_path / "r.json"
        path.write_text(json.dumps(long.to_dict(orient="records")))
    elif kind == "json_wide":
        path = tmp_path / "r.json"
        path.write_text(json.dumps({"responses": wide.to_dict(orient="records")}))
    else:
        path = tmp_path / "r.csv"
        path.write_text(wide.to_csv(index=False, sep=";"), encoding="utf-8-sig")
    got = read_responses(path, mini_q)
    pd.testing.assert_frame_equal(_answers(got), expected)
    assert list(got.attributes["role"]) == ["lead", "lead", "front", "front"]


def test_every_problem_is_listed_with_row_and_column(mini_q, data_dir):
    with pytest.raises(ResponsesError) as err:
        read_responses(data_dir / "mini_bad_long.csv", mini_q)
    found = {(p.row, p.column): p.message for p in err.value.problems}
    src = str(data_dir / "mini_bad_long.csv")
    assert "'A9' is not an item id" in found[(3, "item_id")]
    assert "'seven' is not a number or an answer label of the scale" in found[(4, "value")]
    assert "6 is off the scale (expected a whole number from 1 to 5)" in found[(5, "value")]
    assert "answered item 'B1' more than once (rows 6, 7)" in found[(7, "item_id")]
    assert len(err.value.problems) == 4
    assert f"{src}, row 3, column 'item_id'" in str(err.value)
    assert "nothing was scored" in str(err.value)


def test_skip_drops_only_the_bad_rows_and_says_so(mini_q, data_dir):
    r = read_responses(data_dir / "mini_bad_long.csv", mini_q, on_error="skip")
    assert len(r.errors) == 4
    kept = set(zip(r.answers["respondent_id"], r.answers["item_id"], strict=True))
    assert kept == {("r1", "A1"), ("r3", "A1"), ("r3", "B1"), ("r4", "A1"), ("r4", "B1")}
    # r4 answered nothing usable: a warning, not counted
    assert [w.message for w in r.warnings] == [
        "respondent 'r4' gave no usable answer (all blank or \"don't know\"); not counted"]
    assert r.respondent_count == 2


def test_wide_problems_name_the_item_column(mini_q, tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("respondent_id,A1,A2,A3,B1,B2\nx,1,2,3,4,5\ny,1,0,3,4,9.5\nx,2,2,2,2,2\n")
    with pytest.raises(ResponsesError) as err:
        read_responses(path, mini_q)
    msgs = [str(p) for p in err.value.problems]
    assert any("row 3, column 'A2': 0 is off the scale" in m for m in msgs)
    assert any("row 3, column 'B2': 9.5 is off the scale" in m for m in msgs)
    assert any("row 4, column 'respondent_id': respondent 'x' appears in 2 rows (2, 4)" in m for m in msgs)


def test_empty_rows_do_not_shift_row_numbers(mini_q, tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("respondent_id,A1,A2,A3,B1,B2\n,,,,,\nx,1,2,3,4,zz\n")
    with pytest.raises(ResponsesError) as err:
        read_responses(path, mini_q)
    assert [(p.row, p.column) for p in err.value.problems] == [(3, "B2")]


def test_wide_without_id_column_numbers_respondents(mini_q, tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("A1,A2,A3,B1,B2\n1,2,3,4,5\n")
    r = read_responses(path, mini_q)
    assert set(r.answers["respondent_id"]) == {"R2"}
    assert any("numbered by their row" in n for n in r.notes)


def test_conflicting_attributes_in_long_format(mini_q, tmp_path):
    path = tmp_path / "l.csv"
    path.write_text("respondent_id,item_id,value,role\na,A1,1,lead\na,A2,2,front\n")
    with pytest.raises(ResponsesError,
                       match="row 3, column 'role': respondent 'a' has different values 'lead', 'front'"):
        read_responses(path, mini_q)


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "the file is empty"),
        ("foo,bar\n1,2\n", "cannot tell the layout of the responses"),
        ("respondent_id,item_id,value\n", "no responses in the file"),
        ("respondent_id,A1\nx,\n", "no usable answers"),
    ],
)
def test_unusable_files_get_clear_errors(mini_q, tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(CxError, match=message):
        read_responses(path, mini_q)


def test_missing_file_and_broken_json(mini_q, tmp_path):
    with pytest.raises(CxError, match="file not found"):
        read_responses(tmp_path / "nope.csv", mini_q)
    bad = tmp_path / "b.json"
    bad.write_text("[{")
    with pytest.raises(CxError, match="not valid JSON"):
        read_responses(bad, mini_q)


def test_from_frame_accepts_numbers(mini_q):
    df = pd.DataFrame({"respondent_id": ["a", "b"], "A1": [1, 5], "B1": [2.0, None]})
    r = responses_from_frame(df, mini_q)
    got = r.answers.set_index(["respondent_id", "item_id"])
    assert got.loc[("a", "A1"), "value"] == 1.0 and got.loc[("b", "A1"), "value"] == 5.0
    assert got.loc[("a", "B1"), "value"] == 2.0 and got.loc[("b", "B1"), "status"] == "blank"


# --- the CLI -----------------------------------------------------------------------------
def test_validate_strict_exit_code_and_listing(cli, data_dir):
    res = cli("validate", data_dir / "mini_bad_long.csv", "--questionnaire", data_dir / "mini.yaml")
    assert res.returncode == 1
    assert "row 4, column 'value': 'seven' is not a number" in res.stderr
    assert "Traceback" not in res.stderr


def test_validate_ok(cli, data_dir):
    res = cli("validate", data_dir / "mini_long.csv", "--questionnaire", data_dir / "mini.yaml")
    assert res.returncode == 0, res.stderr
    assert "4 respondents" in res.stdout and "OK" in res.stdout


def test_score_skip_prints_what_was_dropped(cli, data_dir):
    res = cli("score", data_dir / "mini_bad_long.csv", "--questionnaire", data_dir / "mini.yaml",
              "--on-error", "skip", "--format", "json")
    assert res.returncode == 0, res.stderr
    assert "4 problem(s); the answers, rows or columns they name were left out" in res.stderr
    assert "respondent 'r4' gave no usable answer" in res.stderr
    assert json.loads(res.stdout)["respondents"] == 2


def test_score_strict_scores_nothing(cli, data_dir):
    res = cli("score", data_dir / "mini_bad_long.csv", "--questionnaire", data_dir / "mini.yaml", "--format", "json")
    assert res.returncode == 1 and res.stdout == ""


# --- review findings: nothing may vanish into an attribute column -----------------------
def test_repeated_column_is_an_error_not_a_lost_answer(mini_q, tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("respondent_id,A1,A2,A1,B1\nx,1,2,5,4\n")
    with pytest.raises(ResponsesError) as err:
        read_responses(path, mini_q)
    assert [str(p) for p in err.value.problems] == [
        f"{path}, row 1, column 'A1': columns 2 (B) 'A1' and 4 (D) 'A1' have the same name once spaces and case are "
        "ignored; keep one (rename or delete the others)"]


def test_item_ids_in_another_case_are_items_and_typos_are_errors(mini_q, tmp_path):
    ok = tmp_path / "case.csv"
    ok.write_text("respondent_id,a1,A2,b1,role\nx,1,2,4,lead\n")
    r = read_responses(ok, mini_q)
    assert sorted(r.answers["item_id"].astype(str)) == ["A1", "A2", "B1"]
    assert list(r.attributes.columns) == ["role"]
    typo = tmp_path / "typo.csv"
    typo.write_text("respondent_id,A1,A2,B11,role\nx,1,2,4,lead\n")
    with pytest.raises(ResponsesError,
                       match="column 'B11': 'B11' is not an item id of questionnaire 'mini'; did you mean 'B1'"):
        read_responses(typo, mini_q)
    skipped = read_responses(typo, mini_q, on_error="skip")
    assert list(skipped.attributes.columns) == ["role"] and len(skipped.errors) == 1


def test_workbook_with_two_filled_sheets_is_refused(mini_q, tmp_path):
    path = tmp_path / "two.xlsx"
    with pd.ExcelWriter(path) as xl:
        pd.DataFrame({"respondent_id": ["a"], "A1": [1]}).to_excel(xl, sheet_name="Site A", index=False)
        pd.DataFrame({"respondent_id": ["b"], "A1": [2]}).to_excel(xl, sheet_name="Site B", index=False)
    with pytest.raises(CxError, match="2 sheets hold data \\('Site A', 'Site B'\\)"):
        read_responses(path, mini_q)


def test_nullable_columns_blank_is_missing_not_an_error(mini_q):
    df = pd.DataFrame({"respondent_id": ["a", "b"], "A1": pd.array([3, None], dtype="Int64"),
                       "A2": pd.array([2, 4], dtype="Int64")})
    r = responses_from_frame(df, mini_q)
    assert not r.errors
    assert r.answers.set_index(["respondent_id", "item_id"]).loc[("b", "A1"), "status"] == "blank"


def test_folder_and_non_utf8_files(mini_q, tmp_path):
    with pytest.raises(CxError, match="is a folder"):
        read_responses(tmp_path, mini_q)
    path = tmp_path / "latin.csv"
    path.write_bytes("respondent_id,A1,A2,site\nx,1,2,Göteborg\n".encode("cp1252"))
    r = read_responses(path, mini_q)
    assert r.attributes.loc["x", "site"] == "Göteborg"
    assert any("not UTF-8" in n for n in r.notes)
    utf16 = tmp_path / "u16.csv"
    utf16.write_text("respondent_id\tA1\tA2\nx\t1\t2\n", encoding="utf-16")
    assert read_responses(utf16, mini_q).respondent_count == 1


def test_a_workshop_session_file_is_read_directly(tmp_path):
    from cxassess.scoring.score import score
    from cxassess.workshop.store import SessionStore, open_session

    path = tmp_path / "ws.sqlite"
    store = SessionStore(path)
    for code, value in (("p1", 4), ("p2", 2), ("p3", 5)):
        store.start_participant(code, {"role": "lead"})
        store.record_answers(code, {"LEAD1": value, "LEAD2": value, "LEAD4": value})
        store.submit(code)
    store.start_participant("p4", {"role": "lead"})
    store.record_answers("p4", {"LEAD1": 1, "LEAD2": 1, "LEAD4": 1})  # not submitted: not counted
    r = read_responses(path)
    assert r.respondent_count == 3
    s = score(r, open_session(path).questionnaire)
    # LEAD1, LEAD2, LEAD4 of 5 leadership items answered (3 >= 5/2): mean(4, 2, 5) = 11/3
    assert s.dimensions.loc["leadership", "score"] == pytest.approx(11 / 3)


def test_validate_lists_every_problem(cli, data_dir, tmp_path):
    path = tmp_path / "many.csv"
    path.write_text("respondent_id,A1\n" + "".join(f"r{i},9\n" for i in range(60)))
    res = cli("validate", path, "--questionnaire", data_dir / "mini.yaml")
    assert res.returncode == 1
    assert res.stderr.count("9 is off the scale") == 60 and "row 61, column 'A1'" in res.stderr


def test_cli_output_to_a_folder_is_a_message(cli, data_dir, tmp_path):
    res = cli("score", data_dir / "mini_long.csv", "--questionnaire", data_dir / "mini.yaml", "--out", tmp_path)
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert f"error: {tmp_path}: Is a directory" in res.stderr


def test_columns_without_a_name(tmp_path):
    q = load_questionnaire()
    items = ",".join(q.item_ids)
    answers = ",".join("3" for _ in q.item_ids)
    # trailing separators (as spreadsheets save them): two empty unnamed columns, ignored with a note
    path = tmp_path / "trailing.csv"
    path.write_text(f"respondent_id,{items},,\nR1,{answers},,\nR2,{answers},,\n", encoding="utf-8")
    r = read_responses(path, q)
    assert r.answers["value"].count() == 2 * 43 and "2 empty column(s) without a name were ignored" in r.notes
    # an unnamed column holding values: a problem naming its letter (respondent_id is A, 43 items B..AR -> AS)
    path.write_text(f"respondent_id,{items},\nR1,{answers},Leeds\nR2,{answers},\n", encoding="utf-8")
    with pytest.raises(ResponsesError) as err:
        read_responses(path, q)
    assert [(p.row, p.column) for p in err.value.problems] == [(1, "AS (no name)")]
    # a title row above the header: most columns have no name
    path.write_text(f"Survey export,{',' * 43}\nrespondent_id,{items}\nR1,{answers}\n", encoding="utf-8")
    with pytest.raises(CxError, match="the first row is not a header"):
        read_responses(path, q)


def test_missing_item_columns_are_said(tmp_path):
    q = load_questionnaire()
    lead = [i.id for i in q.items if i.dimension == "leadership"]
    emp = [i.id for i in q.items if i.dimension == "employees"][:3]  # two employee items have no column
    path = tmp_path / "short.csv"
    path.write_text("respondent_id," + ",".join(lead + emp) + "\nR1," + ",".join("4" for _ in lead + emp) + "\n")
    r = read_responses(path, q)
    assert "no column for item(s) EMP4, EMP5: counted as unanswered" in r.notes
    assert "no column for outcome statement(s) OUT1, OUT2, OUT3: key drivers need them answered" in r.notes
    # six dimensions have no column at all: a warning that the overall score covers two only
    assert len(r.warnings) == 1
    assert "cannot be scored, and the overall score covers the other 2 dimension(s) only" in r.warnings[0].message


def test_rows_with_the_wrong_number_of_fields(tmp_path):
    path = tmp_path / "split.csv"
    # row 3 was split by a line break inside a cell: two short rows instead of one, answers shifted
    path.write_text("respondent_id,role,LEAD1,LEAD2\nR1,lead,4,5\nR2,front\n,3,2\nR3,lead,4,4,,\n", encoding="utf-8")
    with pytest.raises(CxError, match=r"the header has 4 fields but row\(s\) 3 \(2\), 4 \(3\) do not"):
        read_responses(path)
    # extra empty separators at the end of a row are harmless; so are rows as wide as the named columns
    path.write_text("respondent_id,role,LEAD1,LEAD2,,\nR1,lead,4,5\nR2,lead,3,3,,\nR3,lead,2,2,,,,\n",
                    encoding="utf-8")
    assert read_responses(path).answers["value"].count() == 6


def test_digits_of_other_scripts_are_answers_not_blanks(tmp_path):
    path = tmp_path / "digits.csv"
    # Arabic-Indic four, Devanagari four, full-width five: read as 4, 4 and 5, never dropped as blank
    path.write_text("respondent_id,LEAD1\nR1,\u0664\nR2,\u096a\nR3,\uff15\nR4,-\n", encoding="utf-8")
    r = read_responses(path)
    lead1 = r.answers.loc[r.answers["item_id"] == "LEAD1"].set_index("respondent_id")
    assert lead1["value"].dropna().to_dict() == {"R1": 4.0, "R2": 4.0, "R3": 5.0}
    assert lead1.loc["R4", "status"] == "blank"  # a dash is no answer


def test_respondent_id_column_found_by_its_usual_spellings(tmp_path):
    path = tmp_path / "ids.csv"
    path.write_text("Respondent ID,role,LEAD1\nA7,lead,4\nB9,lead,3\n", encoding="utf-8")
    r = read_responses(path)
    assert sorted(r.answers["respondent_id"].unique()) == ["A7", "B9"] and list(r.attributes.columns) == ["role"]


def test_item_column_in_a_long_file_is_a_problem(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text("respondent_id,item_id,value,LEAD1\nR1,LEAD2,4,3\n", encoding="utf-8")
    with pytest.raises(ResponsesError) as err:
        read_responses(path)
    assert [(p.row, p.column) for p in err.value.problems] == [(1, "LEAD1")]
    assert "answers as rows" in err.value.problems[0].message


def test_content_that_does_not_match_the_file_name(tmp_path):
    book = tmp_path / "answers.csv"
    pd.DataFrame({"respondent_id": ["R1"], "LEAD1": [4]}).to_excel(book, index=False, engine="openpyxl")
    with pytest.raises(CxError, match="this is an Excel workbook with a .csv name; rename it to .xlsx"):
        read_responses(book)
    text = tmp_path / "answers.xlsx"
    text.write_text("respondent_id,LEAD1\nR1,4\n", encoding="utf-8")
    with pytest.raises(CxError, match="not an Excel workbook"):
        read_responses(text)


def test_mac_line_endings_title_lines_and_short_manifest_rows(tmp_path):
    from cxassess.run.batch import read_manifest

    mac = tmp_path / "mac.csv"
    mac.write_bytes(b'respondent_id,LEAD1\rR1,4\rR2,"3"\r')  # Excel's "CSV (Macintosh)"
    assert read_responses(mac).answers["value"].tolist() == [4.0, 3.0]
    title = tmp_path / "title.csv"
    title.write_text("Staff survey 2025\nrespondent_id,LEAD1,LEAD2\nR1,4,4\nR2,3,3\n", encoding="utf-8")
    with pytest.raises(CxError, match="is there a title line above the header"):
        read_responses(title)
    # a hand-written manifest may leave trailing optional fields off: they are blanks there
    (tmp_path / "a.csv").write_text("respondent_id,LEAD1\nR1,4\n", encoding="utf-8")
    manifest = tmp_path / "m.csv"
    manifest.write_text("client,responses,targets,group_by,consultant\nAcme,a.csv\n", encoding="utf-8")
    [item] = read_manifest(manifest)
    assert item.error == "" and item.request.targets is None


def test_a_scale_label_wins_over_the_dont_know_vocabulary():
    from cxassess.io.values import ValueReader
    from cxassess.questionnaire.model import questionnaire_from_dict

    data = load_questionnaire().model_dump()
    data["scale"]["labels"][3] = "Not sure"  # the midpoint of this scale
    reader = ValueReader(questionnaire_from_dict(data, "q.yaml"))
    assert reader.read("Not sure").value == 3.0 and reader.read("Don't know").status == "dont_know"


def test_row_width_check_with_and_without_quotes(tmp_path):
    path = tmp_path / "q.csv"
    # quoted cells (a comma and a line break inside them) take the CSV parser's path; blank lines
    # before the header and between rows are skipped, as the table reader does
    path.write_text('\n\nrespondent_id,role,LEAD1\nR1,"Ops, north",4\n\nR2,"two\nlines",3\n', encoding="utf-8")
    r = read_responses(path)
    assert r.answers["value"].tolist() == [4.0, 3.0] and sorted(r.attributes["role"]) == ["Ops, north", "two\nlines"]
    path.write_text('respondent_id,role,LEAD1\nR1,"Ops, north",4\nR2,3\n', encoding="utf-8")
    with pytest.raises(CxError, match=r"row\(s\) 3 \(2\) do not"):
        read_responses(path)
    path.write_text("\nrespondent_id,role,LEAD1\nR1,Ops,4\n\nR2,3\n", encoding="utf-8")  # no quotes: numpy path
    with pytest.raises(CxError, match=r"row\(s\) 3 \(2\) do not"):
        read_responses(path)
