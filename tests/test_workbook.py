"""The Excel workbook: re-read with openpyxl and checked against scores.json; hostile strings stay
text; opened by LibreOffice Calc. Shares one real report with tests/test_deck.py (tests/office.py)."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest
from office import demo_report, pdf_pages, to_pdf
from test_deck import HOSTILE_CLIENT, hostile_outputs

from cxassess.questionnaire.model import load_questionnaire

SHEETS = ["Summary", "Dimensions", "Groups", "Items", "Action plan", "Methodology"]


@pytest.fixture(scope="session")
def report(tmp_path_factory):
    return demo_report(tmp_path_factory.mktemp("office-report"))


@pytest.fixture(scope="session")
def book(report):
    return openpyxl.load_workbook(report["folder"] / "report.xlsx")


def records(ws) -> list[dict]:
    rows = list(ws.iter_rows(values_only=True))
    header = rows[0]
    return [dict(zip(header, r, strict=False)) for r in rows[1:] if any(v is not None for v in r)]


def test_sheets_and_no_responses_by_default(book):
    assert book.sheetnames == SHEETS


def test_dimensions_sheet_is_scores_json(report, book):
    doc = report["doc"]
    rows = {r["Dimension"]: r for r in records(book["Dimensions"])}
    assert list(rows) == list(doc["dimensions"])
    for dim, expected in doc["dimensions"].items():
        for key, value in expected.items():
            if isinstance(value, (dict, list)):
                continue
            label = key.replace("_", " ").capitalize()
            assert rows[dim][label] == value, (dim, key)
    ws = book["Dimensions"]
    assert ws.freeze_panes == "B2"
    score_col = [c.column for c in ws[1] if c.value == "Score"][0]
    assert ws.cell(row=2, column=score_col).number_format == "0.00"


def test_summary_holds_the_overall_result_and_the_narrative(report, book):
    doc = report["doc"]
    values = {r[0]: r[1] for r in book["Summary"].iter_rows(values_only=True) if r[0]}
    assert values["Client"] == "Acme Utilities" and values["Consultant"] == "Demo Consulting"
    assert values["Overall score"] == doc["overall"]["score"] and values["Respondents"] == doc["respondents"]
    text = " ".join(str(v) for v in values)
    assert "Acme Utilities stands at stage" in text  # the executive summary's own words


def test_groups_sheet_hides_suppressed_cells_with_a_note(report, book):
    doc = report["doc"]
    ws = book["Groups"]
    rows = records(ws)
    header = [c.value for c in ws[1]]
    dims = [doc["dimensions"][d]["name"] for d in doc["dimensions"]]
    assert len(header) == 5 + len(dims)
    seen = 0
    rows = [row for row in rows if row["Grouping"] in doc["groups"]]  # then a note under the table
    assert len(rows) == sum(len(g) for g in doc["groups"].values())
    for r, row in enumerate(rows, 2):
        g = doc["groups"][row["Grouping"]][row["Group"]]
        values = [ws.cell(row=r, column=c).value for c in range(5, len(header) + 1)]
        if g.get("suppressed"):
            seen += 1
            assert values == [None] * len(values)
            assert "Suppressed" in ws.cell(row=r, column=5).comment.text
        else:
            assert values == [g["overall"], *(g["dimensions"][d] for d in doc["dimensions"])]
    assert seen >= 1
    rules = [rule for cf in ws.conditional_formatting for rule in cf.rules]
    assert any(rule.type == "colorScale" for rule in rules)
    ranges = [str(cf.sqref) for cf in ws.conditional_formatting]
    assert ranges == [f"E2:{openpyxl.utils.get_column_letter(len(header))}{len(rows) + 1}"]


def test_items_and_action_plan(report, book):
    doc = report["doc"]
    q = load_questionnaire()
    items = {r["Item"]: r for r in records(book["Items"])}
    assert list(items) == list(doc["items"])
    for item in (i for i in q.items if i.id in doc["items"]):
        assert items[item.id]["Mean"] == doc["items"][item.id]["mean"]
        assert items[item.id]["Statement"] == item.text and items[item.id]["Dimension"] == item.dimension
    # the plan's rule: dimensions below their target first, the largest shortfall first (every demo
    # dimension is below its target, so that is the whole order here)
    gaps = {d: v["target"] - v["score"] for d, v in doc["dimensions"].items()}
    assert all(g > 0 for g in gaps.values())
    order = sorted(gaps, key=lambda d: (-round(gaps[d], 9), list(gaps).index(d)))
    plan = [r for r in records(book["Action plan"]) if isinstance(r.get("Rank"), int)]
    assert [r["Dimension"] for r in plan] == order
    for r in plan:
        assert r["Gap"] == pytest.approx(gaps[r["Dimension"]], abs=1e-6)
        assert 0 <= r["Priority"] <= 100
        assert r["Action 1"]


def test_column_widths_fit(book):
    ws = book["Dimensions"]
    for cell in ws[1]:
        longest = max(len(str(c.value)) if not isinstance(c.value, float) else 6
                      for c in ws[cell.column_letter] if c.value is not None)
        assert ws.column_dimensions[cell.column_letter].width >= min(longest, 60)


def test_hostile_strings_are_neutralised_and_responses_only_when_asked(tmp_path):
    out = hostile_outputs(tmp_path, formats=("xlsx",))
    book = openpyxl.load_workbook(out / "report.xlsx")
    assert book.sheetnames == [*SHEETS, "Responses"]
    texts = []
    for ws in book:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if isinstance(cell.value, str):
                    texts.append(cell.value)
                    assert not cell.value.startswith(("=", "+", "@")) and "\x07" not in cell.value \
                        and "\x1b" not in cell.value
    assert any(t.startswith("'=HYPERLINK") and "Longname" in t for t in texts)  # the client, neutralised
    assert "'@SUM(1+1)" in texts
    groups = records(book["Groups"])
    assert any(r["Group"] == "'=HYPERLINK(\"http://evil.example\",\"x\")" for r in groups)
    responses = records(book["Responses"])
    raw = pd.read_csv(tmp_path / "hostile.csv")
    assert len(responses) == len(raw) * len(load_questionnaire().items)
    assert len(HOSTILE_CLIENT) > 300


def test_libreoffice_opens_the_workbook(report, tmp_path):
    pdf = to_pdf(report["folder"] / "report.xlsx", tmp_path)
    assert pdf_pages(pdf) >= len(SHEETS)


def test_libreoffice_opens_the_hostile_workbook(tmp_path):
    out = hostile_outputs(tmp_path, formats=("xlsx",))
    assert pdf_pages(to_pdf(out / "report.xlsx", tmp_path / "pdf")) >= len(SHEETS)


def test_methodology_numbers_keep_the_reports_decimals_and_every_column_a_width(report, book):
    """The methodology tables' figures are numbers shown with the decimals the report gave them
    (0.40 stays 0.40, not 0.4), and every column holding a value has a width of its own."""
    from cxassess.report.html_text import Table, parse_fragment
    from cxassess.report.narrative import methodology
    from cxassess.report.request import validate_request

    tables = [t for t in parse_fragment(methodology(validate_request(report["request"]))) if isinstance(t, Table)]
    shown = [c.text for t in tables for row in t.rows[t.header_rows:] for c in row]
    decimals = [len(text.split(".")[1]) for text in shown
                if "." in text and text.lstrip("-").replace(".", "", 1).isdigit()]
    ws = book["Methodology"]
    floats = [c for row in ws.iter_rows() for c in row if isinstance(c.value, float)]
    assert len(floats) == len(decimals) > 0
    assert [c.number_format for c in floats] == ["0." + "0" * d for d in decimals]
    used = {c.column_letter for row in ws.iter_rows() for c in row if c.value is not None}
    assert all(ws.column_dimensions[col].width >= 8 for col in used)
