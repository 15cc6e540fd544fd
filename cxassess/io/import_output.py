"""Write an imported survey: the long responses (CSV or Excel, cells neutralised) and the report beside them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cxassess._util.files import atomic_path, write_text
from cxassess.errors import CxError
from cxassess.io.import_report import ImportReport

__all__ = ["ImportResult", "check_output_path", "report_path", "write_import"]


@dataclass
class ImportResult:
    """The long responses table (``respondent_id, item_id, value`` + attributes) and its report."""

    frame: pd.DataFrame
    report: ImportReport

    def write(self, out: str | Path) -> tuple[Path, Path]:
        """Write the responses (CSV, or .xlsx) with cells neutralised, and the report beside them."""
        return write_import(self, out)


def report_path(out: str | Path) -> Path:
    """Where the import report goes: beside the output, ``responses.csv`` -> ``responses.import-report.txt``."""
    out = Path(out)
    return out.with_name(out.stem + ".import-report.txt")


def check_output_path(out: str | Path) -> Path:
    """The output path if it can be written (.csv or .xlsx in an existing folder), else a clear error."""
    out = Path(out)
    if out.suffix.lower() not in (".csv", ".xlsx", ""):
        raise CxError(f"{out}: write the imported responses as .csv or .xlsx")
    if not out.parent.is_dir():
        raise CxError(f"{out}: the folder {out.parent} does not exist")
    if out.is_dir():
        raise CxError(f"{out}: is a folder; give a file name such as responses.csv")
    return out


def write_import(result: ImportResult, out: str | Path) -> tuple[Path, Path]:
    """Write the long responses (CSV, or Excel for .xlsx) and the import report beside them."""
    from cxassess._util.safe import write_csv, write_excel

    out = check_output_path(out)
    with atomic_path(out) as tmp:
        if out.suffix.lower() == ".xlsx":
            write_excel(result.frame, tmp)
        else:
            write_csv(result.frame, tmp)
    return out, write_text(report_path(out), result.report.to_text())
