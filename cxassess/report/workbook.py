"""``report.xlsx``: every figure of the report in sheets an analyst can sort, filter and chart.

Sheets: Summary (the title facts, the overall result and the executive summary's words), Dimensions,
Groups (the heatmap: a colour scale over the scores; a suppressed group's cells stay empty, with a
note saying why), Items, Action plan, Methodology, and Responses (every answer, one row each) only
when asked for with ``--include-responses``. The numbers are those of ``scores.json`` (its keys
become columns, so new fields appear without a change here); the words are the narrative's.

Every text cell goes through :func:`cxassess._util.safe.neutralise_cell`, the project's one
neutraliser (formula starts, characters a spreadsheet cannot hold). openpyxl is imported only when
a workbook is asked for.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from copy import copy
from pathlib import Path
from typing import Any

from cxassess._util.safe import neutralise_cell
from cxassess.report.content import ReportContent
from cxassess.report.html_text import Block, Table, parse_fragment

SHEETS = ("Summary", "Dimensions", "Groups", "Items", "Action plan", "Methodology", "Responses")
SCORE_FORMAT, COUNT_FORMAT, SHARE_FORMAT = "0.00", "0", "0.0%"
MAX_WIDTH, TEXT_WIDTH = 60, 80  # characters
#: number format by column name (the rest: scores with two decimals, counts as whole numbers)
FORMATS = {"index": "0.0", "answered_share": SHARE_FORMAT, "dont_know_share": SHARE_FORMAT, "weight": "0.00",
           "priority": "0.000"}
COUNTS = {"n", "respondents", "stage", "answers", "possible_answers", "dont_know", "rank"}


def write_workbook(content: ReportContent, path: Path, options: Any = None) -> Path:
    """Write ``report.xlsx`` (the registry's writer for the ``xlsx`` format)."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    _summary(wb.create_sheet("Summary"), content)
    _dimensions(wb.create_sheet("Dimensions"), content)
    _groups(wb.create_sheet("Groups"), content)
    _items(wb.create_sheet("Items"), content)
    _plan(wb.create_sheet("Action plan"), content)
    _methodology(wb.create_sheet("Methodology"), content)
    if getattr(options, "include_responses", False):
        _responses(wb.create_sheet("Responses"), content)
    wb.properties.title = neutralise_cell(f"Customer experience maturity: {content.client}")[:250]
    wb.properties.creator = "cxassess"
    wb.save(str(path))
    return Path(path)


def warm_up() -> None:
    """Import openpyxl's writer (the renderer calls it once, in a thread)."""
    import openpyxl  # noqa: F401
    from openpyxl.formatting.rule import ColorScaleRule  # noqa: F401


# --------------------------------------------------------------------------------------
# cells
# --------------------------------------------------------------------------------------
def cell_value(value: Any) -> Any:
    """A value as the workbook stores it: text neutralised, NaN/None empty, numpy scalars plain."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(v) for v in value)
    return neutralise_cell(str(value))


def _table(ws: Any, header: Sequence[str], rows: Iterable[Sequence[Any]], *, start: int = 1,
           formats: Mapping[str, str] | None = None, wrap: Sequence[str] = ()) -> int:
    """Header + rows from row ``start``; bold frozen header, number formats, widths that fit. Returns
    the next free row.

    A cell's style is copied from the first cell styled alike (openpyxl otherwise looks every
    assigned format and alignment up again in the workbook's style lists), and the column widths
    are measured while writing, not by reading the sheet back."""
    from openpyxl.styles import Alignment, Font, PatternFill

    fmt = {**FORMATS, **(formats or {})}
    bold, fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="1F5A8A")
    widths: dict[int, int] = {}
    for c, name in enumerate(header, 1):
        cell = ws.cell(row=start, column=c, value=cell_value(_label(name)))
        cell.font, cell.fill = bold, fill
        widths[c] = _width(cell.value)
    r = start
    wrap_cols = {header.index(w) + 1 for w in wrap if w in header}
    top = Alignment(wrap_text=True, vertical="top")
    styles: dict[tuple[str | None, bool], Any] = {}
    for r, row in enumerate(rows, start + 1):
        for c, value in enumerate(row, 1):
            value = cell_value(value)
            cell = ws.cell(row=r, column=c, value=value)
            if value is None:
                continue
            widths[c] = max(widths.get(c, 0), _width(value))
            number = None
            if isinstance(value, float) or (type(value) is int and header[c - 1] in fmt):  # whole numbers: General
                name = header[c - 1]
                number = fmt.get(name, COUNT_FORMAT if name in COUNTS else SCORE_FORMAT)
            key = (number, c in wrap_cols)
            if key == (None, False):
                continue
            style = styles.get(key)
            if style is not None:
                cell._style = copy(style)
                continue
            if number is not None:
                cell.number_format = number
            if c in wrap_cols:
                cell.alignment = top
            styles[key] = copy(cell._style)
    if start == 1:
        ws.freeze_panes = "B2" if len(header) > 2 else "A2"
    _set_widths(ws, widths, wrap_cols)
    return r + 1


def _label(name: str) -> str:
    return name if any(ch.isupper() for ch in name) or " " in name else name.replace("_", " ").capitalize()


def _width(value: Any) -> int:
    """Characters the value shows on its longest line (a float as its two decimals)."""
    text = f"{value:.2f}" if isinstance(value, float) else str(value)
    return max((len(line) for line in text.split("\n")), default=0)


def _set_widths(ws: Any, widths: Mapping[int, int], wrapped: set[int]) -> None:
    """Column widths from the longest value (capped; wrapped text columns get a fixed wide width)."""
    from openpyxl.utils import get_column_letter

    for col, width in widths.items():
        limit = TEXT_WIDTH if col in wrapped else MAX_WIDTH
        ws.column_dimensions[get_column_letter(col)].width = min(limit, max(8, width + 2))


def _numbers(doc_rows: Mapping[str, Mapping[str, Any]], first: Sequence[str]) -> list[str]:
    """Column names: ``first`` in order, then every other key the document's rows have (new fields too)."""
    keys = list(first)
    for row in doc_rows.values():
        for k in row:
            if k not in keys and not isinstance(row[k], (dict, list)):
                keys.append(k)
    return keys


# --------------------------------------------------------------------------------------
# sheets
# --------------------------------------------------------------------------------------
def _summary(ws: Any, content: ReportContent) -> None:
    from openpyxl.styles import Alignment, Font


    doc, scores = content.doc, content.scores
    q = scores.questionnaire
    ov = doc.get("overall", {})
    facts = [("Client", content.client), ("Assessment date", content.assessment_date or "not given"),
             ("Consultant", content.consultant), ("Questionnaire", f"{q.title or q.id} (version {q.version})"),
             ("Respondents", doc.get("respondents")), ("Minimum group size", doc.get("min_group_size")),
             ("Overall score", ov.get("score")), ("Maturity index (0-100)", ov.get("index")),
             ("Stage", ov.get("stage")), ("Stage name", ov.get("stage_name"))]
    for key, value in doc.get("coverage", {}).items():
        facts.append((_label(key), value))
    formats = {"Overall score": SCORE_FORMAT, "Maturity index (0-100)": "0.0", "Answered share": SHARE_FORMAT,
               "Dont know share": SHARE_FORMAT}
    ws.cell(row=1, column=1, value="Item").font = Font(bold=True)
    ws.cell(row=1, column=2, value="Value").font = Font(bold=True)
    left = Alignment(horizontal="left")
    for r, (key, value) in enumerate(facts, 2):
        ws.cell(row=r, column=1, value=cell_value(key))
        cell = ws.cell(row=r, column=2, value=cell_value(value))
        cell.alignment = left  # numbers beside their labels, not at the far edge of the wide column
        if isinstance(cell.value, float):
            cell.number_format = formats.get(key, SCORE_FORMAT)
    head = len(facts) + 3
    ws.cell(row=head, column=1, value="Executive summary").font = Font(bold=True)
    summary = content.narrative("executive_summary", scores)
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, text in enumerate(_lines(summary), head + 1):
        ws.cell(row=r, column=1, value=cell_value(text)).alignment = wrap
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=2)
        ws.row_dimensions[r].height = 15 * max(1, math.ceil(len(text) / 110))
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 90
    ws.freeze_panes = "A2"


def _lines(html: str) -> list[str]:
    out = []
    for b in parse_fragment(html):
        if isinstance(b, Block):
            out.append(("• " if b.kind == "li" else f"{b.number}. " if b.kind == "ol" else "") + b.text)
    return out


def _dimensions(ws: Any, content: ReportContent) -> None:
    dims = content.doc.get("dimensions", {})
    keys = _numbers(dims, ["name", "score", "index", "stage", "stage_name", "n", "sd", "alpha", "rwg",
                           "low_consensus", "target", "gap"])
    weights = content.scores.dimensions["weight"] if "weight" in content.scores.dimensions else {}
    rows = [[dim, *(row.get(k) for k in keys), weights.get(dim) if len(weights) else None]
            for dim, row in dims.items()]
    _table(ws, ["dimension", *keys, "weight"], rows)


def _groups(ws: Any, content: ReportContent) -> None:
    """One row per grouping and group; a colour scale over the scores; suppressed cells empty with a note."""
    from openpyxl.comments import Comment
    from openpyxl.formatting.rule import ColorScaleRule
    from openpyxl.styles import PatternFill
    from openpyxl.utils import get_column_letter

    from cxassess.report.theme import HEAT_COLOURS, SUPPRESSED
    from cxassess.scoring.suppression import reason

    doc, scores = content.doc, content.scores
    dims = list(doc.get("dimensions", {}))
    header = ["grouping", "group", "respondents", "suppressed", "overall", *dims]
    rows, hidden = [], []
    for column, groups in doc.get("groups", {}).items():
        for value, g in groups.items():
            if g.get("suppressed"):
                rows.append([column, value, g.get("respondents"), True, None, *([None] * len(dims))])
                why = g.get("reason") or reason(int(g.get("respondents") or 0), scores.min_group_size)
                hidden.append((len(rows) + 1, str(why)))
            else:
                rows.append([column, value, g.get("respondents"), False, g.get("overall"),
                             *(g.get("dimensions", {}).get(d) for d in dims)])
    if not rows:
        ws.cell(row=1, column=1, value="No grouping was requested for this report.")
        return
    _table(ws, header, rows)
    grey = PatternFill("solid", fgColor=SUPPRESSED.lstrip("#"))
    first, last = 5, 5 + len(dims)
    for r, why in hidden:
        note = neutralise_cell(f"Suppressed: {why}; no score is shown for this group.")
        for c in range(first, last + 1):
            cell = ws.cell(row=r, column=c)
            cell.fill = grey
        ws.cell(row=r, column=first).comment = Comment(note, "cxassess")
    lo, hi = scores.questionnaire.scale.min, scores.questionnaire.scale.max
    area = f"{get_column_letter(first)}2:{get_column_letter(last)}{len(rows) + 1}"
    ws.conditional_formatting.add(area, ColorScaleRule(
        start_type="num", start_value=lo, start_color=HEAT_COLOURS[0].lstrip("#"),
        mid_type="num", mid_value=(lo + hi) / 2, mid_color=HEAT_COLOURS[1].lstrip("#"),
        end_type="num", end_value=hi, end_color=HEAT_COLOURS[-1].lstrip("#")))
    ws.cell(row=len(rows) + 3, column=1, value=cell_value(
        f"Groups under {scores.min_group_size} respondents (and, where needed, the next-smallest group) are "
        "suppressed: their cells stay empty so that nobody's answers can be read from them."))


def _items(ws: Any, content: ReportContent) -> None:
    items = content.doc.get("items", {})
    frame = content.scores.items
    keys = _numbers(items, ["mean", "n", "sd"])
    about = frame[[c for c in ("dimension", "text", "reverse") if c in frame.columns]].to_dict("index")
    rows = []
    for item, row in items.items():
        meta = about.get(item, {})
        rows.append([item, meta.get("dimension"), meta.get("text"), bool(meta.get("reverse", False)),
                     *(row.get(k) for k in keys)])
    _table(ws, ["item", "dimension", "statement", "reverse_worded", *keys], rows, wrap=["statement"])


def _plan(ws: Any, content: ReportContent) -> None:
    entries = content.plan.entries
    most = max((len(e.actions) for e in entries), default=0)
    header = ["rank", "dimension", "name", "score", "stage", "stage_name", "target", "gap", "weight", "priority",
              *(f"Action {k}" for k in range(1, most + 1))]
    rows = [[k, e.dimension, e.name, e.score, e.stage, e.stage_name, e.target, e.gap, e.weight, e.priority,
             *e.actions, *([None] * (most - len(e.actions)))] for k, e in enumerate(entries, 1)]
    nxt = _table(ws, header, rows, wrap=[f"Action {k}" for k in range(1, most + 1)])
    if content.plan.unscored:
        ws.cell(row=nxt + 1, column=1, value=cell_value(
            "Not in the plan (too few answers to score): " + ", ".join(content.plan.unscored)))
    note = ("Priority = dimension weight x (distance from the top of the scale + shortfall against target), "
            "both as a share of the scale's range; the actions fit each dimension's current stage.")
    ws.cell(row=nxt + 2, column=1, value=cell_value(note))


def _methodology(ws: Any, content: ReportContent) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    r, columns = 1, 6
    wrap = Alignment(wrap_text=True, vertical="top")
    for part in parse_fragment(content.narrative("methodology", content.scores)):
        if isinstance(part, Table):
            for k, row in enumerate(part.rows):
                for c, cell in enumerate(row, 1):
                    value, number_format = _number_or_text(cell.text)
                    out = ws.cell(row=r, column=c, value=cell_value(value))
                    if number_format:
                        out.number_format = number_format
                    if k < part.header_rows:
                        out.font = Font(bold=True)
                columns = max(columns, len(row))
                r += 1
        else:
            text = ("• " if part.kind == "li" else "") + part.text
            cell = ws.cell(row=r, column=1, value=cell_value(text))
            if part.kind == "h":
                cell.font = Font(bold=True)
            else:
                cell.alignment = wrap
                ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=6)
                ws.row_dimensions[r].height = 15 * max(1, math.ceil(len(text) / 120))
            r += 1
    ws.column_dimensions["A"].width = 40
    for col in range(2, columns + 1):
        ws.column_dimensions[get_column_letter(col)].width = 16


_DECIMAL = re.compile(r"-?\d+(?:\.(\d+))?")


def _number_or_text(text: str) -> tuple[Any, str | None]:
    """A table cell as the workbook stores it: a plain decimal as a number shown with the decimals
    the report gave it (``0.40`` stays 0.40), anything else (``nan``, ``1e3``, words) as text."""
    match = _DECIMAL.fullmatch(text)
    if match is None:
        return text, None
    if match.group(1) is None:
        return int(text), None
    return float(text), "0." + "0" * len(match.group(1))


def _responses(ws: Any, content: ReportContent) -> None:
    """Every answer, one row each (respondent, their attributes, item, value, status)."""
    from cxassess.io.read import read_responses

    req = content.request
    responses = read_responses(req.responses, content.scores.questionnaire)
    attrs = responses.attributes
    dims = content.scores.items["dimension"]
    answers = responses.answers
    header = ["respondent_id", *[str(c) for c in attrs.columns], "item", "dimension", "value", "status"]
    lookup = attrs.to_dict("index")
    rows = ([rid, *(lookup.get(rid, {}).get(c) for c in attrs.columns), item, dims.get(item), value, status]
            for rid, item, value, status in answers[["respondent_id", "item_id", "value", "status"]].itertuples(
                index=False))
    _table(ws, header, rows, formats={"value": COUNT_FORMAT})
    ws.auto_filter.ref = ws.dimensions


__all__ = ["write_workbook", "warm_up", "cell_value", "SHEETS"]
