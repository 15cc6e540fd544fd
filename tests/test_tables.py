"""One table reader, one set of rules: every rule checked through the responses reader and the survey-export reader.

The two readers used to differ: the responses reader refused a workbook with two filled sheets while
the export reader read the first in silence, and only the export reader honoured Excel's ``sep=;``
line. Each test below gives the same file to both and expects the same reading (or the same error).
"""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest

from cxassess.errors import CxError
from cxassess.io.read import read_responses
from cxassess.io.survey_import import import_export
from cxassess.io.tables import read_raw, read_table, split_delimiter

EXPORTS = Path(__file__).parent / "data" / "exports"


def _google_rows() -> list[list[str]]:
    with (EXPORTS / "google-forms.csv").open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def _workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


WIDE = [["respondent_id", "A1", "A2"], ["x", 4, 2], ["y", 5, 3]]


def test_two_filled_sheets_are_refused_by_both_readers(mini_q, tmp_path):
    book = _workbook(tmp_path / "wide.xlsx", {"Site A": WIDE, "Site B": WIDE})
    with pytest.raises(CxError, match=r"2 sheets hold data \('Site A', 'Site B'\)"):
        read_responses(book, mini_q)
    google = _workbook(tmp_path / "forms.xlsx", {"Form responses 1": _google_rows(),
                                                 "Form responses 2": _google_rows()})
    with pytest.raises(CxError, match=r"2 sheets hold data \('Form responses 1', 'Form responses 2'\)"):
        import_export(google)  # sheet 2 is never lost in silence
    with pytest.raises(CxError, match="2 sheets hold data"):
        read_responses(google)  # the export read directly: the same rule


def test_the_one_filled_sheet_is_read_wherever_it_is(mini_q, tmp_path):
    book = _workbook(tmp_path / "wide.xlsx", {"Notes": [], "Answers": WIDE})
    r = read_responses(book, mini_q)
    assert r.respondent_count == 2 and sorted(r.answers["value"].tolist()) == [2.0, 3.0, 4.0, 5.0]
    google = _workbook(tmp_path / "forms.xlsx", {"Empty": [], "Form responses 1": _google_rows()})
    result = import_export(google)
    assert result.report.format == "google-forms" and result.report.respondents == 3
    assert read_responses(google).respondent_count == 3


def test_excel_sep_line_is_honoured_by_both_readers(mini_q, tmp_path):
    wide = tmp_path / "wide.csv"
    wide.write_text("sep=;\nrespondent_id;A1;A2\nx;4;2\ny;5;3\n", encoding="utf-8")
    r = read_responses(wide, mini_q)
    assert r.respondent_count == 2 and sorted(r.answers["value"].tolist()) == [2.0, 3.0, 4.0, 5.0]
    frame, first_row = read_table(wide)
    assert list(frame.columns) == ["respondent_id", "A1", "A2"] and first_row == 2
    google = tmp_path / "google.csv"
    with google.open("w", newline="", encoding="utf-8") as fh:
        fh.write("sep=;\n")
        csv.writer(fh, delimiter=";").writerows(_google_rows())
    assert import_export(google).report.respondents == 3
    assert read_responses(google).respondent_count == 3  # recognised as an export after the sep= line


def test_the_delimiter_is_chosen_alike(tmp_path):
    assert split_delimiter("a;b;c\n1;2;3\n", ".csv")[1] == ";"
    assert split_delimiter("a,b;c\n", ".csv")[1] == ","  # comma on a tie
    assert split_delimiter("a\tb\tc\n", ".csv")[1] == "\t"
    assert split_delimiter("a,b,c\n", ".tsv")[1] == "\t"
    assert split_delimiter("SEP=|\na|b\n", ".csv") == ("a|b\n", "|")
    path = tmp_path / "t.csv"
    path.write_text("respondent_id|A1|A2\nx|4|2\n", encoding="utf-8")
    assert read_raw(path).rows[0] == ["respondent_id", "A1", "A2"]
    assert list(read_table(path)[0].columns) == ["respondent_id", "A1", "A2"]


def test_windows_1252_is_noted_by_both_readers(mini_q, tmp_path):
    wide = tmp_path / "wide.csv"
    wide.write_bytes("respondent_id,A1,site\nx,4,Göteborg\n".encode("cp1252"))
    assert any("not UTF-8" in n for n in read_responses(wide, mini_q).notes)
    google = tmp_path / "google.csv"
    with google.open("w", newline="", encoding="cp1252") as fh:
        rows = _google_rows()
        rows[1][2] = "Gérant"
        csv.writer(fh).writerows(rows)
    result = import_export(google, attributes=["What is your role?=role"])
    assert any("not UTF-8" in n for n in result.report.notes)
    assert "Gérant" in set(result.frame["role"])


def test_content_that_does_not_match_the_name_is_refused_by_both_readers(mini_q, tmp_path):
    text = tmp_path / "answers.xlsx"
    text.write_text("respondent_id,A1\nx,4\n", encoding="utf-8")
    for read in (lambda p: read_responses(p, mini_q), import_export):
        with pytest.raises(CxError, match="cannot read this Excel workbook: its content is not an Excel workbook"):
            read(text)
    book = _workbook(tmp_path / "answers.csv", {"Sheet": WIDE})
    for read in (lambda p: read_responses(p, mini_q), import_export):
        with pytest.raises(CxError, match="this is an Excel workbook with a .csv name; rename it to .xlsx"):
            read(book)
    old = tmp_path / "answers.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    for read in (lambda p: read_responses(p, mini_q), import_export):
        with pytest.raises(CxError, match="old-style .xls"):
            read(old)


def test_missing_empty_and_folder_alike(mini_q, tmp_path):
    for read in (lambda p: read_responses(p, mini_q), import_export):
        with pytest.raises(CxError, match="file not found"):
            read(tmp_path / "nope.csv")
        with pytest.raises(CxError, match="is a folder"):
            read(tmp_path)
    empty = _workbook(tmp_path / "empty.xlsx", {"Sheet": []})
    for read in (lambda p: read_responses(p, mini_q), import_export):
        with pytest.raises(CxError, match="the workbook is empty"):
            read(empty)


# the plain fast path of read_table must read exactly what the careful row check and parse read, or step aside
PLAIN_CASES = [
    b"a,b,c\n1,2,3\n4,5,6\n",
    b"a,b,c\r\n1,2,3\r\n4,5,6",  # Windows line ends, no final line break
    b"\xef\xbb\xbfa,b,c\n1,2,3\n",  # a BOM
    b"a,b,c\n1,2\n4,5,6\n",  # a short row
    b"a,b,c\n1,2,3,4\n",  # a wider row with a value
    b"a,b,c\n1,2,3,\n",  # a wider row, empty extra field
    b"a,b,c,,\n1,2,3\n4,5,6,,\n",  # trailing blank header names
    b"a,b,c\n\n1,2,3\n",  # a blank line
    b"a,b,c\n   \n1,2,3\n",  # a line of spaces
    b"\na,b,c\n1,2,3\n",  # a blank line above the header
    b"title\na,b,c\n1,2,3\n4,5,6\n",  # a title line
    b'a,b,c\n1,"2,x",3\n',  # a quoted separator
    b"a,b,c\r1,2,3\r",  # lone carriage returns
    b"a;b;c\n1;2;3\n",
    b"a,b,c\n1,,\n,,\n",
]


@pytest.mark.parametrize("data", PLAIN_CASES)
@pytest.mark.parametrize("whole_rows", [True, False])
def test_the_plain_path_reads_what_the_careful_path_reads(tmp_path, data, whole_rows):
    from cxassess.io.tables import _check_row_widths, _parse, _parse_plain

    sep = ";" if b";" in data else ","
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    try:
        careful = _parse(data, encoding, sep, True, _check_row_widths(data, encoding, sep, path,
                                                                      short_rows_are_errors=whole_rows))
    except CxError:
        careful = None
    fast = _parse_plain(data, encoding, sep, True, whole_rows)
    if fast is not None:  # whatever the fast path reads, the careful one reads alike (and raises nothing)
        assert careful is not None
        assert fast.astype(object).equals(careful.astype(object))
    # files the rules refuse are always left to the careful path, which names the rows at fault
    if careful is None:
        assert fast is None
