"""What a survey import did, for the person who has to trust it: every column, row and value it touched.

:class:`ImportReport` is printed and written beside the imported responses: how the file was
recognised, what each column was used for, which rows were dropped or left out and why, and every
answer text read through a label or variant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cxassess.errors import Problem

__all__ = ["NOT_IMPORTED", "ColumnReport", "ImportReport", "problems_headline"]

NOT_IMPORTED = "row not imported"  # ends the message of every row-level problem (the row is left out)


@dataclass(frozen=True)
class ColumnReport:
    letter: str
    column: str
    use: str  # item | attribute | respondent id | ignored (metadata) | not copied (identity) | unmatched
    detail: str = ""


@dataclass
class ImportReport:
    """What the import did, for the person who has to trust it: printed and written beside the output."""

    source: str
    format: str
    detection: str
    columns: list[ColumnReport] = field(default_factory=list)
    missing_items: list[str] = field(default_factory=list)
    dropped_rows: list[tuple[int, str]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # values not understood, repeated rows
    rows_left_out: set[int] = field(default_factory=set)  # rows whose problem leaves out the whole row
    readings: list[tuple[str, str, int]] = field(default_factory=list)  # (cell text, read as, count)
    notes: list[str] = field(default_factory=list)
    respondents: int = 0
    answers: int = 0
    dont_know: int = 0
    blank: int = 0
    attributes: list[str] = field(default_factory=list)
    stopped: str = ""  # why the import stopped (nothing was written); empty when it went through

    def is_row_problem(self, problem: Problem) -> bool:
        """A problem that left out its whole row (a repeat), not one value (left blank): a row left
        out is never read further, so it has no value problems."""
        return problem.row in self.rows_left_out

    def to_dict(self) -> dict[str, Any]:
        """The report as data; the counts are of what was written (all 0 when the import stopped)."""
        written = not self.stopped
        return {
            "source": self.source, "format": self.format, "detection": self.detection,
            "imported": written, "stopped": self.stopped,
            "respondents": self.respondents * written, "answers": self.answers * written,
            "dont_know": self.dont_know * written, "blank": self.blank * written, "attributes": self.attributes,
            "columns": [c.__dict__ for c in self.columns], "missing_items": self.missing_items,
            "dropped_rows": [{"row": r, "reason": why} for r, why in self.dropped_rows],
            "problems": [{"row": p.row, "column": p.column, "message": p.message} for p in self.problems],
            "readings": [{"text": t, "read_as": a, "count": n} for t, a, n in self.readings],
            "notes": self.notes,
        }

    def to_text(self) -> str:
        lines = [f"Import report for {self.source}", f"Read as: {self.detection}"]
        lines += [f"Note: {n}" for n in self.notes]
        if self.stopped:
            lines.append(f"Result: nothing was imported ({self.stopped}); no responses file was written")
        else:
            lines.append(f"Result: {self.respondents} respondent(s), {self.answers} answer(s), {self.dont_know} "
                         f"'don't know', {self.blank} blank; attributes kept: {', '.join(self.attributes) or 'none'}")
        if self.dropped_rows:
            lines.append(f"Rows dropped ({len(self.dropped_rows)}):")
            lines += [f"  - row {r}: {why}" for r, why in self.dropped_rows]
        lines.append("Columns:")
        width = max((len(c.column) for c in self.columns), default=0)
        width = min(width, 60)
        for c in self.columns:
            name = c.column.replace("\n", " ")
            name = name if len(name) <= 60 else name[:57] + "..."
            lines.append(f"  {c.letter:>3}  {name:<{width}}  {c.use}{': ' + c.detail if c.detail else ''}")
        if self.missing_items:
            lines.append(f"Items with no column in the export ({len(self.missing_items)}): "
                         f"{', '.join(self.missing_items)}")
        if self.readings:
            lines.append("Answer texts read as scale points:")
            lines += [f"  - '{t}' -> {a} ({n} cell{'s' if n != 1 else ''})" for t, a, n in self.readings]
        rows = [p for p in self.problems if self.is_row_problem(p)]
        if rows:
            lines.append(f"Rows not imported ({len(rows)}):")
            lines += [f"  - {p}" for p in rows]
        values = [p for p in self.problems if not self.is_row_problem(p)]
        if values:
            lines.append(f"Values not understood ({len(values)}):")
            lines += [f"  - {p}" for p in values]
        else:
            lines.append("Values not understood: none")
        return "\n".join(lines) + "\n"

    def __str__(self) -> str:
        return self.to_text()


def problems_headline(report: ImportReport) -> str:
    """E.g. ``2 row(s) repeat an earlier respondent or submission and 1 value(s) could not be understood; ...``"""
    rows, problems = len(report.rows_left_out), report.problems
    parts = [f"{rows} row(s) repeat an earlier respondent or submission" if rows else "",
             f"{len(problems) - rows} value(s) could not be understood" if len(problems) > rows else ""]
    return " and ".join(p for p in parts if p) + "; nothing was imported."
