"""Render a questionnaire as a printable form (Markdown) for paper workshops."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cxassess.questionnaire.model import OUTCOME_SECTION, Questionnaire

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["scale_rows", "to_csv", "to_markdown", "to_rows", "write_xlsx"]


def to_markdown(q: Questionnaire) -> str:
    """A printable answer sheet: one table per dimension, one box per scale point."""
    points = list(range(q.scale.min, q.scale.max + 1))
    key = "; ".join(f"{p} = {q.scale.labels[p]}" for p in points)
    lines = [
        f"# {q.title or q.id}",
        "",
        f"Questionnaire `{q.id}`, version {q.version}.",
        "",
        "Participant code: ____________   Role: ____________   Department: ____________",
        "",
        f"Tick one box per statement. Scale: {key}. Tick **DK** for \"{q.scale.dont_know}\".",
        "",
    ]
    header = "| # | Statement | " + " | ".join(str(p) for p in points) + " | DK |"
    rule = "|---|---|" + "---|" * (len(points) + 1)
    for n, dim in enumerate(q.dimensions, start=1):
        lines += [f"## {n}. {dim.name}", "", dim.description.strip(), "", header, rule]
        for item in q.items_of(dim.id):
            boxes = " | ".join("☐" for _ in points)
            lines.append(f"| {item.id} | {item.text} | {boxes} | ☐ |")
        lines.append("")
    if q.outcome_ids:  # outcome statements last, in a section of their own
        lines += [f"## {len(q.dimensions) + 1}. {OUTCOME_SECTION}", "", header, rule]
        lines += [f"| {i.id} | {i.text} | {' | '.join('☐' for _ in points)} | ☐ |" for i in q.items if i.outcome]
        lines.append("")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------
# a sheet to paste into survey tools or print: id, dimension, statement, one column per answer
# --------------------------------------------------------------------------------------
def to_rows(q: Questionnaire) -> pd.DataFrame:
    """One row per item: ``id, dimension, statement`` then one empty column per scale label and don't know.

    The column headers are the answer labels, so the sheet pastes into a survey tool's matrix
    question and prints as a tick-box form. Reverse wording is not shown: respondents need not know.
    """
    import pandas as pd

    answers = [q.scale.labels[p] for p in range(q.scale.min, q.scale.max + 1)] + [q.scale.dont_know]
    names = {d.id: d.name for d in q.dimensions} | {"": OUTCOME_SECTION}  # outcome statements have no dimension
    rows = [{"id": i.id, "dimension": names[i.dimension], "statement": i.text, **{a: "" for a in answers}}
            for i in q.items]
    return pd.DataFrame(rows, columns=["id", "dimension", "statement", *answers])


def scale_rows(q: Questionnaire) -> pd.DataFrame:
    """The answer scale as ``value, label`` rows (don't know has no value): to set up the tool's choices."""
    import pandas as pd

    rows = [{"value": p, "label": q.scale.labels[p]} for p in range(q.scale.min, q.scale.max + 1)]
    rows.append({"value": "", "label": q.scale.dont_know})
    return pd.DataFrame(rows, columns=["value", "label"])


def to_csv(q: Questionnaire) -> str:
    """The item sheet as CSV text (cells neutralised against spreadsheet formulas)."""
    from cxassess._util.safe import csv_text

    return csv_text(to_rows(q))


def write_xlsx(q: Questionnaire, out: str | Path) -> None:
    """Write an Excel workbook: sheet "Items" (printable, boxed answer cells, header repeated on each
    page) and sheet "Scale" (value and label of each answer)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.worksheet.properties import PageSetupProperties

    from cxassess._util.safe import neutralise_cell

    items = to_rows(q)
    wb = Workbook()
    ws = wb.active
    ws.title = "Items"
    ws.append([neutralise_cell(str(c)) for c in items.columns])
    for row in items.itertuples(index=False):
        ws.append([neutralise_cell(v) for v in row])
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            if cell.column > 3:
                cell.border = box
    for letter, width in (("A", 9), ("B", 24), ("C", 60)):
        ws.column_dimensions[letter].width = width
    for n in range(4, len(items.columns) + 1):
        ws.column_dimensions[ws.cell(row=1, column=n).column_letter].width = 12
    ws.freeze_panes = "D2"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    scale = wb.create_sheet("Scale")
    scale.append([neutralise_cell(h) for h in ("value", "label")])
    for row in scale_rows(q).itertuples(index=False):
        scale.append([row.value if row.value != "" else None, neutralise_cell(row.label)])
    wb.properties.title = q.title or q.id
    wb.save(Path(out))
