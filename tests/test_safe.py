"""User strings are escaped in HTML, neutralised in spreadsheets, made visible on a terminal and safe as
folder names; every CSV/XLSX the tool writes goes through the one neutraliser (issue 18, items 7, 13, 14)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from cxassess._util.safe import (
    csv_text,
    escape_html,
    for_terminal,
    neutralise_cell,
    neutralise_frame,
    slugify,
    visible,
    write_excel,
)

PACKAGE = Path(__file__).resolve().parents[1] / "cxassess"
DATA = Path(__file__).parent / "data"


def test_escape_html():
    assert escape_html("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert escape_html('a "b" & \'c\'') == "a &quot;b&quot; &amp; &#x27;c&#x27;"


def test_neutralise_cells_but_not_numbers():
    assert neutralise_cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert neutralise_cell("+1+1") == "'+1+1" and neutralise_cell("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise_cell("-0.25") == "-0.25" and neutralise_cell(-0.25) == -0.25
    assert neutralise_cell("-1e3") == "-1e3" and neutralise_cell("+.5") == "+.5"
    frame = neutralise_frame(pd.DataFrame({"=bad": ["=1+1", "ok"]}, index=["-x", "y"]))
    assert list(frame.columns) == ["'=bad"] and list(frame.iloc[:, 0]) == ["'=1+1", "ok"]
    assert list(frame.index) == ["'-x", "y"]


@pytest.mark.parametrize("text", ["-inf", "+nan", "-1_000", "-Infinity", "+NaN", "-1_0.5", "-١٢", "\t1", "\r-2"])
def test_what_float_accepts_is_not_a_plain_number(text):
    """float() reads all of these, so they used to pass the number test and stay raw (item 13)."""
    float(text)
    assert neutralise_cell(text) == "'" + text


def test_a_negative_infinity_is_not_written_as_a_formula():
    assert neutralise_cell(float("-inf")) == "'-inf" and neutralise_cell(float("inf")) == "inf"
    frame = neutralise_frame(pd.DataFrame({"id": ["a", "b", "c"], "gap": [0.5, float("-inf"), None]}))
    assert csv_text(frame).splitlines() == ["id,gap", "a,0.5", "b,'-inf", "c,"]


def test_categorical_text_is_neutralised_too():
    frame = neutralise_frame(pd.DataFrame({"item_id": pd.Categorical(["=A1", "B1", "=A1"])}))
    assert frame["item_id"].tolist() == ["'=A1", "B1", "'=A1"]


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x9b",
                                  "\ufffe", "\ud800"])
def test_control_characters_are_shown_escaped_and_xlsx_opens(char, tmp_path):
    """openpyxl refused these with IllegalCharacterError (item 7); they are now visible escapes."""
    code = ord(char)
    shown = f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    assert neutralise_cell(f"a{char}b") == f"a{shown}b"
    out = tmp_path / "x.xlsx"
    write_excel(pd.DataFrame({f"h{char}": [f"a{char}b", f"={char}"]}), out)
    ws = openpyxl.load_workbook(out).active
    assert [[c.value for c in row] for row in ws.iter_rows()] == [[f"h{shown}"], [f"a{shown}b"], [f"'={shown}"]]


def test_tab_newline_and_carriage_return_inside_a_cell_are_kept():
    assert neutralise_cell("a\tb\r\nc") == "a\tb\r\nc"


def test_bidi_overrides_and_invisible_characters_are_visible_in_html():
    assert escape_html("Acme\u202eevil.exe") == "Acme\\u202eevil.exe"
    for char in ("\u202a", "\u202b", "\u202c", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069", "\u200b",
                 "\ufeff", "\u2060", "\x1b", "\x00"):
        assert char not in escape_html(f"x{char}y") and "\\" in escape_html(f"x{char}y")
    # right-to-left scripts, Persian joiners and emoji sequences are left as they are
    for text in ("مرحبا\u200fعالم", "می\u200cخواهم", "👨\u200d👩\u200d👧", "🏴\U000e0067\U000e0062\U000e007f", "שלום"):
        assert escape_html(text) == text
    assert visible("a\nb\tc") == "a\nb\tc"


def test_terminal_text_shows_escape_sequences_instead_of_running_them():
    assert for_terminal("\x1b[2J\x1b]0;pwned\x07") == "\\x1b[2J\\x1b]0;pwned\\x07"
    assert for_terminal("fake\rreal") == "fake\\x0dreal"  # a lone CR would overwrite the line
    assert for_terminal("line 1\r\nline 2\n\tok") == "line 1\r\nline 2\n\tok"
    assert for_terminal("\x9b31m \u202e \u2028") == "\\x9b31m \\u202e \\u2028"


def test_slugs_never_escape_or_collide():
    names = ["../x", "a/b", "CON", "con", "Café", "Cafe", "cafe", "ACME", "acme", "", "..", "a\\b", "a b"]
    slugs = [slugify(n) for n in names]
    assert len(set(slugs)) == len(names)
    for s in slugs:
        assert "/" not in s and "\\" not in s and not s.startswith(".") and s
        assert s.split("-")[0] not in {"con", "prn", "aux", "nul"} or s.startswith("con-client")
    assert slugify("Acme Utilities").startswith("acme-utilities-")
    # a client named like another's folder still gets a folder of its own
    assert slugify(slugify("Acme")) != slugify("Acme") and slugify("acme") != slugify("Acme")


def test_neutralised_csv_reads_back_as_written_text():
    frame = pd.DataFrame({"respondent_id": ["=1+1", "r2"], "value": [4, -1]})
    rows = list(csv.reader(io.StringIO(csv_text(frame))))
    assert rows == [["respondent_id", "value"], ["'=1+1", "4"], ["r2", "-1"]]


# --------------------------------------------------------------------------------------
# every xlsx the CLI writes opens, with the control character visible (item 7)
# --------------------------------------------------------------------------------------
def _cells(path: Path) -> list[object]:
    return [c.value for ws in openpyxl.load_workbook(path).worksheets for row in ws.iter_rows() for c in row]


def test_questionnaire_as_xlsx_with_a_control_character(cli, tmp_path):
    q = tmp_path / "q.yaml"
    text = (DATA / "mini.yaml").read_text().replace("text: First A statement", 'text: "First A\\x07 statement"')
    q.write_text(text, encoding="utf-8")
    out = tmp_path / "q.xlsx"
    r = cli("questionnaire", "--file", q, "--format", "xlsx", "--out", out)
    assert r.returncode == 0, r.stderr
    assert "First A\\x07 statement" in _cells(out)


def test_import_to_xlsx_with_a_control_character(cli, tmp_path):
    text = (DATA / "exports" / "google-forms.csv").read_text(encoding="utf-8").replace("Leeds", "Le\x07eds", 1)
    src = tmp_path / "forms.csv"
    src.write_text(text, encoding="utf-8")
    out = tmp_path / "long.xlsx"
    r = cli("import", src, "--attribute", "Which site do you work at?=site", "--out", out)
    assert r.returncode == 0, r.stderr
    assert "Le\\x07eds" in _cells(out)


def test_session_export_to_xlsx_with_a_control_character(cli, tmp_path):
    from cxassess.workshop.store import SessionStore

    store = SessionStore(tmp_path / "s.sqlite", DATA / "mini.yaml", client_name="Acme",
                         attributes={"role": ["Man\x1bager", "Staff"]})
    try:
        store.start_participant("P1", {"role": "Man\x1bager"})
        store.record_answer("P1", "A1", 4)
        store.submit("P1")
    finally:
        store.close()
    out = tmp_path / "r.xlsx"
    r = cli("export", tmp_path / "s.sqlite", "--out", out)
    assert r.returncode == 0, r.stderr
    cells = _cells(out)
    assert "Man\\x1bager" in cells


# --------------------------------------------------------------------------------------
# one neutraliser: no CSV/XLSX writer in the package bypasses it (item 13)
# --------------------------------------------------------------------------------------
_DIRECT_WRITERS = re.compile(r"\.to_csv\(|\.to_excel\(|csv\.writer\(|csv\.DictWriter\(|ExcelWriter\(")
_OPENPYXL_WRITES = re.compile(r"\bws\.append\(|\.cell\([^)]*value=|\.value\s*=")


def test_no_csv_or_xlsx_writer_outside_the_neutraliser():
    """pandas and csv writers only in _util/safe; a module writing openpyxl cells itself uses neutralise_cell."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "safe.py" and path.parent.name == "_util":
            continue
        text = path.read_text(encoding="utf-8")
        where = path.relative_to(PACKAGE)
        offenders += [f"{where}:{n}: {line.strip()}" for n, line in enumerate(text.splitlines(), start=1)
                      if _DIRECT_WRITERS.search(line)]
        if "openpyxl" in text and _OPENPYXL_WRITES.search(text) and "import neutralise_cell" not in text:
            offenders.append(f"{where}: writes openpyxl cells without cxassess._util.safe.neutralise_cell")
    assert offenders == [], "write CSV/XLSX through cxassess._util.safe (csv_text, write_csv, write_excel, " \
                            "neutralise_cell):\n" + "\n".join(offenders)


def test_a_split_batch_input_keeps_no_formula(tmp_path):
    """DIR/_inputs/<slug>.csv, written when a batch splits a file by client, is neutralised (item 13)."""
    from cxassess.io.manifests import read_entries

    src = tmp_path / "all.csv"
    src.write_text("client,respondent_id,role,A1,A2,A3,B1,B2\n"
                   'Acme,r1,"=HYPERLINK(""http://x"",""y"")",5,1,4,4,5\n'
                   "Acme,r2,-inf,4,2,3,3,4\n"
                   "Acme,r3,@SUM(A1),-1,2,3,3,4\n", encoding="utf-8")
    entries = read_entries(src, out_dir=tmp_path / "out")
    part = Path(entries[0].fields["responses"])
    rows = list(csv.reader(part.open(encoding="utf-8")))
    assert [r[1] for r in rows[1:]] == ["'=HYPERLINK(\"http://x\",\"y\")", "'-inf", "'@SUM(A1)"]
    assert rows[3][2] == "-1"  # a number stays a number


def test_score_csv_neutralises_what_float_accepts(cli, tmp_path):
    src = tmp_path / "r.csv"
    rows = ["respondent_id,role,A1,A2,A3,B1,B2"]
    rows += [f"r{i},{role},4,2,3,3,4" for i, role in enumerate(["-inf"] * 3 + ["+nan"] * 3 + ["-1_000"] * 3)]
    src.write_text("\n".join(rows) + "\n", encoding="utf-8")
    r = cli("score", src, "--questionnaire", DATA / "mini.yaml", "--group-by", "role", "--format", "csv")
    assert r.returncode == 0, r.stderr
    groups = {row["group"] for row in csv.DictReader(io.StringIO(r.stdout)) if row["group_by"] == "role"}
    assert groups == {"'-inf", "'+nan", "'-1_000"}
