"""Files written to break the readers (issue 18): each is read, or refused with a located error, never a traceback.

Every case here was a traceback, a silent loss or a runaway allocation before its fix; the fuzz tests
(tests/test_fuzz.py) keep looking for new ones.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from cxassess.errors import CxError, MetricsError, ResponsesError
from cxassess.io.read import read_responses
from cxassess.metrics.summary import summarise, summarise_file


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------
# item 3: numbers that are not finite in a customer-metric cell
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("cell", ["inf", "1e999", "-inf", "-1e999", "Infinity", "+inf"])
def test_an_infinite_customer_metric_is_a_located_error(cell, tmp_path):
    path = _write(tmp_path / "survey.csv", f"respondent_id,nps\na,9\nb,{cell}\nc,7\n")
    with pytest.raises(MetricsError) as caught:
        summarise_file(path, nps="nps")
    problems = caught.value.problems
    assert [(p.row, p.column) for p in problems] == [(3, "nps")]
    assert f"'{cell}' is not a finite number" in problems[0].message
    assert str(path) in str(caught.value)
    kept = summarise(pd.DataFrame({"nps": ["9", cell, "7"]}), on_error="skip", source="s.csv")
    assert kept.nps is not None and kept.nps.n == 2 and [p.row for p in kept.dropped] == [3]


def test_an_infinite_culture_answer_is_off_the_scale(mini_q, tmp_path):
    path = _write(tmp_path / "r.csv", "respondent_id,A1,A2\nr1,1e999,4\nr2,-inf,3\n")
    with pytest.raises(ResponsesError) as caught:
        read_responses(path, mini_q)
    assert [(p.row, p.column) for p in caught.value.problems] == [(2, "A1"), (3, "A1")]
    assert all("off the scale" in p.message for p in caught.value.problems)


# --------------------------------------------------------------------------------------
# item 5: one huge cell must not make a fixed-width grid of every cell
# --------------------------------------------------------------------------------------
_HUGE_CELL_CHILD = """
import json, resource, sys
from cxassess.io.read import read_responses
from cxassess.io.survey_import import import_export
path = sys.argv[1]
imported = import_export(path, on_error="skip")
responses = read_responses(path, on_error="skip")
print(json.dumps({
    "imported": imported.report.respondents,
    "problems": [[p.row, p.column, len(p.message)] for p in imported.report.problems],
    "respondents": responses.respondent_count, "answers": int(responses.answers["value"].notna().sum()),
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


def test_one_huge_cell_in_a_large_google_forms_export_is_read_with_bounded_memory(tmp_path):
    from cxassess.questionnaire.model import load_questionnaire

    q = load_questionnaire()
    path = tmp_path / "form.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["Timestamp", *(i.text for i in q.items), "What is your role?"])
        for n in range(10_000):
            answers = [str(1 + (n + k) % 5) for k in range(len(q.items))]
            if n == 5:
                answers[2] = "é" * 130_000  # pasted into a statement's column: 130,000 characters
            out.writerow([f"2026/01/0{1 + n // 86400} {n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d}", *answers,
                          "Manager"])
    done = subprocess.run([sys.executable, "-c", _HUGE_CELL_CHILD, str(path)], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    got = json.loads(done.stdout)
    assert got["imported"] == 10_000 and got["respondents"] == 10_000
    assert got["answers"] == 10_000 * len(q.items) - 1
    column = q.items[2].text
    assert [p[:2] for p in got["problems"]] == [[7, column]]
    assert got["problems"][0][2] < 400  # the message shows the start of the cell, not all of it
    assert got["peak_mb"] < 700, got  # a <U130000 grid of 10,000 x 40 cells would need 194 GiB


# --------------------------------------------------------------------------------------
# item 6: YAML alias bombs, in every YAML file the tool reads
# --------------------------------------------------------------------------------------
def _alias_bomb(levels: int = 9, as_list: bool = False) -> str:
    """~1 KB of YAML whose aliases expand to 9 ** levels strings (a mapping of levels, or a list)."""
    values = ['&l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    values += [f"&l{n} [{', '.join([f'*l{n - 1}'] * 9)}]" for n in range(1, levels)]
    return "".join(f"- {v}\n" if as_list else f"l{n}: {v}\n" for n, v in enumerate(values))


def _bomb_readers():
    from cxassess.io.manifests import read_entries
    from cxassess.io.targets import read_targets
    from cxassess.questionnaire.model import load_questionnaire
    from cxassess.report.actions import load_recommendations

    return {"targets.yaml": read_targets, "manifest.yaml": read_entries, "questionnaire.yaml": load_questionnaire,
            "recommendations.yaml": lambda p: load_recommendations(p, load_questionnaire())}


@pytest.mark.parametrize("name", ["targets.yaml", "manifest.yaml", "questionnaire.yaml", "recommendations.yaml"])
@pytest.mark.parametrize("shape", ["top", "nested", "list"])
def test_a_yaml_alias_bomb_is_refused_before_it_expands(tmp_path, name, shape):
    bomb = _alias_bomb(as_list=shape == "list")
    if shape == "nested":  # under a key the reader looks into
        bomb = {"targets.yaml": "targets:\n", "manifest.yaml": "clients:\n", "questionnaire.yaml": "items:\n",
                "recommendations.yaml": "dimensions:\n"}[name] + "".join(f"  {line}\n" for line in bomb.splitlines())
    path = _write(tmp_path / name, bomb)
    with pytest.raises(CxError) as caught:
        _bomb_readers()[name](path)
    message = str(caught.value)
    assert str(path) in message and "aliases" in message and len(message) < 2000, message


def test_a_yaml_value_that_contains_itself_is_refused(tmp_path):
    from cxassess.io.targets import read_targets

    path = _write(tmp_path / "t.yaml", "A: &a [1, *a]\n")
    with pytest.raises(CxError, match="an alias makes a value contain itself"):
        read_targets(path)


def test_yaml_aliases_of_a_reasonable_size_still_work(tmp_path):
    from cxassess.io.targets import read_targets

    path = _write(tmp_path / "t.yaml", "common: &c {stage: 3}\nA: *c\nB: *c\n")
    assert dict(read_targets(path)) == {"common": {"stage": 3}, "A": {"stage": 3}, "B": {"stage": 3}}


def test_a_huge_yaml_value_is_not_written_into_a_message(tmp_path, mini_q):
    from cxassess.io.targets import read_targets
    from cxassess.scoring.targets import resolve_targets

    path = _write(tmp_path / "t.yaml", "A: [" + ", ".join(["123456789"] * 20_000) + "]\n")
    with pytest.raises(CxError) as caught:
        resolve_targets(read_targets(path), mini_q)
    assert str(path) in str(caught.value) and len(str(caught.value)) < 300, str(caught.value)[:500]


# --------------------------------------------------------------------------------------
# items 1 and 2: attribute columns named like the reader's own columns; headers alike but for spaces and case
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["value", "item_id", "_row", "status", "respondent", "Value"])
def test_a_wide_attribute_may_be_called_like_the_readers_own_columns(mini_q, tmp_path, name):
    path = _write(tmp_path / "wide.csv",
                  f"respondent_id,A1,A2,B1,{name}\nr1,4,3,5,north\nr2,2,3,1,south\nr3,5,5,5,north\n")
    got = read_responses(path, mini_q)
    assert got.attribute_columns == [name]
    assert got.attributes[name].to_dict() == {"r1": "north", "r2": "south", "r3": "north"}
    assert int(got.answers["value"].notna().sum()) == 9
    table = got.answers.assign(respondent_id=got.answers["respondent_id"].astype(str),
                               item_id=got.answers["item_id"].astype(str))
    assert table.loc[(table["respondent_id"] == "r2") & (table["item_id"] == "B1"), "value"].tolist() == [1.0]


@pytest.mark.parametrize("name", ["_row", "status", " Status "])
def test_a_long_attribute_may_be_called_like_the_readers_own_columns(mini_q, tmp_path, name):
    path = _write(tmp_path / "long.csv", f"respondent_id,item_id,value,{name}\nr1,A1,4,x\nr1,B1,2,x\nr2,A1,5,y\n")
    got = read_responses(path, mini_q)
    assert got.attribute_columns == [name.strip()]
    assert got.attributes[name.strip()].to_dict() == {"r1": "x", "r2": "y"}
    assert got.answers["value"].tolist() == [4.0, 2.0, 5.0]


@pytest.mark.parametrize("header, columns", [
    ("respondent_id, A1 , A1 ,B1", "2 (B) ' A1 ' and 3 (C) ' A1 '"),
    ("respondent_id,A1,a1,B1", "2 (B) 'A1' and 3 (C) 'a1'"),
    ("respondent_id,Respondent_ID,A1,B1", "1 (A) 'respondent_id' and 2 (B) 'Respondent_ID'"),
    ("respondent_id,A1,B1,role,ROLE ", "4 (D) 'role' and 5 (E) 'ROLE '"),
])
def test_wide_headers_alike_but_for_spaces_and_case_are_a_located_error(mini_q, tmp_path, header, columns):
    width = header.count(",") + 1
    path = _write(tmp_path / "wide.csv", f"{header}\n" + "".join(",".join([f"r{n}", *"4325"][:width]) + "\n"
                                                               for n in range(3)))
    with pytest.raises(ResponsesError) as caught:
        read_responses(path, mini_q)
    found = [p for p in caught.value.problems if "same name" in p.message]
    assert len(found) == 1 and found[0].row == 1, caught.value.problems
    assert f"columns {columns} have the same name once spaces and case are ignored" in found[0].message


@pytest.mark.parametrize("header", ["respondent_id,item_id,ITEM_ID,value", "respondent_id,item_id,value,Value",
                                    "respondent_id,Respondent_ID,item_id,value",
                                    " item_id ,respondent_id,item_id,value"])
def test_long_headers_alike_but_for_spaces_and_case_are_a_located_error(mini_q, tmp_path, header):
    width = header.count(",") + 1
    path = _write(tmp_path / "long.csv", header + "\n" + ",".join(["r1", "A1", "A1", "4", "4"][:width]) + "\n")
    with pytest.raises(ResponsesError) as caught:
        read_responses(path, mini_q)
    assert any("have the same name once spaces and case are ignored" in p.message and p.row == 1
               for p in caught.value.problems), caught.value.problems


def test_skipping_repeated_headers_leaves_out_every_column_of_the_repeat(mini_q, tmp_path):
    path = _write(tmp_path / "wide.csv", "respondent_id,A1, a1 ,B1\nr1,4,2,5\nr2,1,2,3\n")
    got = read_responses(path, mini_q, on_error="skip")
    assert sorted(got.answers["item_id"].astype(str).unique()) == ["B1"]
    assert any("same name" in p.message for p in got.errors)


# --------------------------------------------------------------------------------------
# item 8: answers in any script are read, or reported where they are; never blank in silence
# --------------------------------------------------------------------------------------
_SCALES = {
    "russian": ["Совершенно не согласен", "Не согласен", "Ни согласен, ни не согласен", "Согласен",
                "Полностью согласен"],
    "chinese": ["非常不同意", "不同意", "一般", "同意", "非常同意"],
    "arabic": ["لا أوافق بشدة", "لا أوافق", "محايد", "موافق", "موافق بشدة"],
    "stars": ["★", "★★", "★★★", "★★★★", "★★★★★"],
    "greek": ["Διαφωνώ απόλυτα", "Διαφωνώ", "Ουδέτερο", "Συμφωνώ", "Συμφωνώ απόλυτα"],
}


def _questionnaire_with_labels(tmp_path: Path, labels: list[str]) -> Path:
    import yaml

    from cxassess.questionnaire.model import load_questionnaire

    data = load_questionnaire(Path(__file__).parent / "data" / "mini.yaml").to_dict()
    data["scale"]["labels"] = {k + 1: label for k, label in enumerate(labels)}
    path = tmp_path / "q.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("script", sorted(_SCALES))
def test_scale_labels_in_any_script_score_every_answer(tmp_path, script):
    labels = _SCALES[script]
    q = _questionnaire_with_labels(tmp_path, labels)
    rows = [["respondent_id", "A1", "A2", "A3", "B1", "B2"]]
    expected = []
    for n in range(3):
        points = [(n + k) % 5 + 1 for k in range(5)]
        cells = [labels[p - 1] for p in points]
        cells[0] = cells[0].upper() if script in ("russian", "greek") else cells[0]  # case does not matter
        rows.append([f"r{n}", *cells])
        expected += points
    path = tmp_path / "r.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    got = read_responses(path, q)
    assert int(got.answers["value"].notna().sum()) == 15  # 15 of 15 answers read
    table = got.answers.assign(rid=got.answers["respondent_id"].astype(str), item=got.answers["item_id"].astype(str))
    by_cell = {(r, i): v for r, i, v in zip(table["rid"], table["item"], table["value"], strict=True)}
    assert [by_cell[(f"r{n}", i)] for n in range(3) for i in ("A1", "A2", "A3", "B1", "B2")] == expected


@pytest.mark.parametrize("cell", ["Согласен", "同意", "موافق", "★★★★", "👍", "✓"])
def test_an_answer_in_another_script_is_never_read_as_blank(mini_q, tmp_path, cell):
    path = _write(tmp_path / "r.csv", f"respondent_id,A1,A2\nr1,{cell},4\nr2,3,4\n")
    with pytest.raises(ResponsesError) as caught:
        read_responses(path, mini_q)
    assert [(p.row, p.column) for p in caught.value.problems] == [(2, "A1")]
    assert f"'{cell}' is not a number or an answer label" in caught.value.problems[0].message


# --------------------------------------------------------------------------------------
# item 9: columns that look like items of another questionnaire are an error, not attributes
# --------------------------------------------------------------------------------------
def test_columns_shaped_like_item_ids_of_no_known_item_are_an_error(tmp_path):
    from cxassess.questionnaire.model import load_questionnaire

    q = load_questionnaire()
    lead = [i for i in q.item_ids if i.startswith("LEAD")]
    others = [i for i in q.item_ids if not i.startswith("LEAD") and q.items[q.item_ids.index(i)].dimension]
    header = ["respondent_id", *others, "XYZ1", "XYZ2", "XYZ3", "XYZ4", "XYZ5", "role"]  # leadership renamed
    path = _write(tmp_path / "r.csv", ",".join(header) + "\n" + "".join(
        ",".join([f"r{n}", *["4"] * (len(others) + 5), "manager"]) + "\n" for n in range(3)))
    with pytest.raises(ResponsesError) as caught:
        read_responses(path, q)
    found = {p.column: p.message for p in caught.value.problems}
    assert sorted(found) == ["XYZ1", "XYZ2", "XYZ3", "XYZ4", "XYZ5"]
    assert all(p.row == 1 for p in caught.value.problems)
    assert "looks like an item id" in found["XYZ3"] and f"'{q.id}'" in found["XYZ3"]
    assert lead  # the ids it should have had
    marked = _write(tmp_path / "marked.csv", "respondent_id,A1,A2,B1,attribute:site2\nr1,4,3,5,north\n")
    from cxassess.questionnaire.model import load_questionnaire as load

    got = read_responses(marked, load(Path(__file__).parent / "data" / "mini.yaml"))
    assert got.attribute_columns == ["site2"] and got.attributes["site2"].tolist() == ["north"]


def test_a_marked_attribute_may_not_be_an_item(mini_q, tmp_path):
    path = _write(tmp_path / "r.csv", "respondent_id,A1,attribute:A2\nr1,4,3\n")
    with pytest.raises(ResponsesError, match="'attribute:A2' marks an item id as an attribute"):
        read_responses(path, mini_q)


def test_ordinary_attribute_names_are_not_taken_for_items(mini_q, tmp_path):
    path = _write(tmp_path / "r.csv", "respondent_id,A1,role,department,Site,tenure_years\nr1,4,m,s,x,3\n")
    assert read_responses(path, mini_q).attribute_columns == ["role", "department", "Site", "tenure_years"]


def test_a_marked_attribute_and_its_plain_name_are_one_name(mini_q, tmp_path):
    path = _write(tmp_path / "r.csv", "respondent_id,A1,role,attribute:Role\nr1,4,m,n\n")
    with pytest.raises(ResponsesError, match="have the same name once spaces and case are ignored"):
        read_responses(path, mini_q)


# --------------------------------------------------------------------------------------
# item 15: the fast reader counts fields in the bytes; quoted cells must count as the csv module counts them
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("body", [
    'r1,4,"north, east"\nr2,3,"a ""quoted"" word"\n',
    'r1,4,"two\nlines"\r\nr2,3,""\r\n',
    '"r1",4,"x"\n"r2","3",y',
    'r1,4,say "hi"\nr2,3,x\n',  # a quote inside a cell: the csv module decides
])
def test_quoted_cells_are_read_as_the_csv_module_reads_them(mini_q, tmp_path, body):
    path = tmp_path / "r.csv"
    path.write_bytes(("respondent_id,A1,site\n" + body).encode("utf-8"))
    got = read_responses(path, mini_q)
    with path.open(newline="", encoding="utf-8") as fh:
        expected = {r[0]: r[2].strip() for r in list(csv.reader(fh))[1:]}
    assert got.attributes["site"].fillna("").to_dict() == expected


def test_a_row_split_by_an_unquoted_line_break_is_still_found(mini_q, tmp_path):
    path = _write(tmp_path / "r.csv", 'respondent_id,A1,A2,site\nr1,4,"3",north\nr2,3\n,4,south\n')
    with pytest.raises(CxError, match=r"row\(s\) 3 \(2\), 4 \(3\) do not"):
        read_responses(path, mini_q)


def test_a_file_of_only_a_byte_order_mark_is_empty(mini_q, tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf")
    with pytest.raises(CxError, match="the file is empty"):
        read_responses(path, mini_q)
