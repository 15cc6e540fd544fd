"""Batch manifests: which clients to report on, and each client's report fields.

- A manifest is CSV/XLSX (one row per client) or YAML (a list of mappings) with ``client`` and
  ``responses`` and optionally ``targets``, ``group_by`` (``;``-separated in CSV), ``consultant``,
  ``assessment_date``, ``questionnaire``, ``customer_metrics``, ``min_group_size``, ``invited`` (how
  many people were asked: a number, or a YAML file with ``total`` and counts per group). Relative
  paths are resolved against the manifest's folder, symlinks followed, and must stay inside it (or
  inside a folder the caller allows: ``--allow-outside PATH``): a manifest cannot make the batch
  read, render or quote a file elsewhere on the machine.
- A responses file with a ``client`` column (and no ``responses`` column) is split by client; the
  parts are kept in ``DIR/_inputs/`` (rewritten only when their content changes, so a resumed
  batch still sees the same inputs).

Structural problems (missing file, no ``client`` column, unknown columns) raise :class:`CxError`;
a bad row becomes an entry with an ``error``, so the other clients can still be reported on.
Turning entries into report requests and running them is :mod:`cxassess.run.batch`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cxassess._util.files import write_text
from cxassess._util.safe import csv_text, slugify
from cxassess.errors import CxError

MANIFEST_COLUMNS = ("client", "responses", "targets", "group_by", "consultant", "assessment_date",
                    "questionnaire", "customer_metrics", "min_group_size", "invited",
                    "wave", "sector")  # wave, sector: how batch --store records the client
PATH_COLUMNS = ("responses", "targets", "questionnaire", "customer_metrics")
INPUTS_DIR = "_inputs"

Row = tuple[str, dict[str, Any]]  # ("manifest.csv row 3", {column: value})


@dataclass
class ManifestEntry:
    """One client a manifest asks for: its report fields, or why the row cannot become a report.

    ``fields`` are the report request's keyword arguments other than the client (``responses``,
    ``group_by``, ...); ``where`` names the row in messages ("manifest.csv row 3"). ``split``: the
    entry is one client's part of a responses file split by client (``source`` is that file's name).
    """

    client: str
    fields: dict[str, Any] = field(default_factory=dict)
    where: str = ""
    error: str = ""
    split: bool = False
    source: str = ""
    wave: str = ""  # the wave label batch --store records the assessment under ("" = the CLI's --wave)
    sector: str = ""


def read_entries(path: Path | str, *, out_dir: Path | str | None = None,
                 defaults: Mapping[str, Any] | None = None,
                 allow_outside: Sequence[Path | str] = ()) -> list[ManifestEntry]:
    """The clients a manifest (or a responses file with a ``client`` column) asks for.

    ``defaults`` fill fields a row leaves blank (the CLI's --group-by, --targets, ...);
    ``allow_outside``: folders besides the manifest's own that its paths may point into.
    """
    path = Path(path)
    if not path.is_file():
        raise CxError(f"manifest not found: {path}")
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        rows = _yaml_rows(path)
    elif suffix in (".csv", ".txt", ".xlsx", ".xlsm"):
        from cxassess.io.tables import read_table

        frame, first_row = read_table(path)  # one reader: separators, encodings, sheets as for responses
        header, rows = _table_rows(path, frame, first_row)
        if "responses" not in header:
            return _split_responses(path, frame, out_dir, defaults)
    else:
        raise CxError(f"{path}: a manifest must be .csv, .xlsx or .yaml (got {suffix or 'no extension'})")
    allowed = tuple(Path(p).expanduser().resolve() for p in allow_outside)
    return _entries_from_rows(path, rows, defaults or {}, allowed)


def _table_rows(path: Path, frame: Any, first_row: int) -> tuple[list[str], list[Row]]:
    """Lower-cased header and the non-empty rows (labelled with their row number) of a manifest table."""
    header = [str(c).strip().lower() for c in frame.columns]
    if "client" not in header:
        raise CxError(f"{path}: no 'client' column (found: {', '.join(header) or 'nothing'})")
    rows = [(f"{path.name} row {i + first_row}", {k: str(v).strip() for k, v in zip(header, values, strict=True)})
            for i, values in enumerate(frame.itertuples(index=False, name=None))
            if any(str(v).strip() for v in values)]
    return header, rows


def _yaml_rows(path: Path) -> list[Row]:
    from cxassess._util.yamlfile import read_yaml

    # every value as the text written: a client called NO stays "NO", min_group_size 1.9 is refused
    data = read_yaml(path, "manifest", lambda source, problems: CxError(f"{source}: {problems[0]}"), text_only=True)
    if isinstance(data, dict) and isinstance(data.get("clients"), list):
        data = data["clients"]
    if not isinstance(data, list):
        raise CxError(f"{path}: expected a list of clients (mappings with 'client' and 'responses')")
    rows = []
    for n, entry in enumerate(data, start=1):
        if not isinstance(entry, dict):
            raise CxError(f"{path} entry {n}: expected a mapping with 'client' and 'responses', "
                          f"got {type(entry).__name__}")
        rows.append((f"{path.name} entry {n}", {str(k).strip().lower(): v for k, v in entry.items()}))
    return rows


def _entries_from_rows(path: Path, rows: list[Row], defaults: Mapping[str, Any],
                       allowed: tuple[Path, ...] = ()) -> list[ManifestEntry]:
    if not rows:
        raise CxError(f"{path}: the manifest lists no clients")
    unknown = sorted({k for _, row in rows for k in row if k not in MANIFEST_COLUMNS})
    if unknown:
        raise CxError(f"{path}: unknown column(s) {', '.join(map(repr, unknown))}; "
                      f"expected: {', '.join(MANIFEST_COLUMNS)}")
    base = path.resolve().parent
    entries: list[ManifestEntry] = []
    for where, row in rows:
        client = _text(row.get("client"))
        values = {k: v for k, v in row.items() if _text(v) != "" and v is not None}
        from_row = set(values)
        for key, value in defaults.items():
            if key not in values and value not in (None, "", [], ()):
                values[key] = value
        try:
            _check_shapes(row)
            if not client:
                raise CxError("no client name")
            if not _text(values.get("responses")):
                raise CxError("no responses file")
            for key in PATH_COLUMNS:
                if key in from_row:  # paths in the manifest are relative to the manifest's folder
                    values[key] = _contained(base, _text(values[key]), allowed, key)
            if "invited" in from_row and not _text(values["invited"]).isdigit():  # a number, or a file of counts
                values["invited"] = _contained(base, _text(values["invited"]), allowed, "invited")
            group_by = values.get("group_by", ())
            if isinstance(group_by, str):
                group_by = [g.strip() for g in group_by.split(";") if g.strip()]
            fields = {
                "responses": values["responses"], "questionnaire": values.get("questionnaire"),
                "group_by": list(group_by or ()), "targets": values.get("targets"),
                "customer_metrics": values.get("customer_metrics"),
                "assessment_date": _text(values.get("assessment_date")) or None,
                "consultant": _text(values.get("consultant")),
            }
            if "min_group_size" in values:
                fields["min_group_size"] = values["min_group_size"]
            if _text(values.get("invited")):
                fields["invited"] = _text(values["invited"])
            if values.get("store"):  # the history store (batch --store), for the report's trend and benchmark
                fields["store"] = values["store"]
            if values.get("same_sector") is True:  # batch --same-sector: benchmark within the client's sector
                fields["same_sector"] = True
            entries.append(ManifestEntry(client, fields, where, wave=_text(values.get("wave")),
                                         sector=_text(values.get("sector"))))
        except CxError as exc:
            entries.append(ManifestEntry(client or f"({where})", {}, where, f"{where}: {exc}"))
    return entries


def _contained(base: Path, text: str, allowed: tuple[Path, ...], key: str) -> str:
    """A manifest path resolved against ``base`` (symlinks followed); refused when it leaves ``base``
    and every ``allowed`` folder (``../``, an absolute path, a link pointing elsewhere)."""
    target = (base / Path(text).expanduser()).resolve()
    if any(target.is_relative_to(root) for root in (base, *allowed)):
        return str(target)
    raise CxError(f"{key} {text!r} is outside the manifest's folder {base}: move the file into that folder, "
                  "or allow its folder with --allow-outside PATH")


def _check_shapes(row: Mapping[str, Any]) -> None:
    """One value per manifest field (``group_by`` may also be a list of column names)."""
    for key, value in row.items():
        if key == "group_by" and isinstance(value, list) and all(isinstance(v, str) for v in value):
            continue
        if isinstance(value, (list, dict)):
            kind = "a list" if isinstance(value, list) else "a mapping"
            expected = "a column name or a list of column names" if key == "group_by" else "a single value"
            raise CxError(f"{key} is {kind}; expected {expected}")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    return str(value).strip()


def _split_responses(path: Path, frame: Any, out_dir: Path | str | None,
                     defaults: Mapping[str, Any] | None) -> list[ManifestEntry]:
    """Split one responses table (read from ``path``) by its ``client`` column into DIR/_inputs/<slug>.csv."""
    if out_dir is None:
        raise CxError("splitting a responses file by client needs an output folder")
    lower = {c: str(c).strip().lower() for c in frame.columns}
    client_col = next(c for c, low in lower.items() if low == "client")
    names = frame[client_col].astype(str).str.strip()
    missing = [str(i + 2) for i in names.index[names == ""]]
    inputs = Path(out_dir) / INPUTS_DIR
    inputs.mkdir(parents=True, exist_ok=True)
    entries: list[ManifestEntry] = []
    if missing:
        shown = ", ".join(missing[:10]) + (" ..." if len(missing) > 10 else "")
        entries.append(ManifestEntry(
            "(no client)", {}, path.name,
            f"{path.name}: {len(missing)} row(s) have no client name (rows {shown}); they were not reported"))
    for name in dict.fromkeys(names[names != ""]):
        part = frame.loc[names == name].drop(columns=[client_col])
        target = inputs / f"{slugify(name)}.csv"
        _write_if_changed(target, csv_text(part))  # neutralised: people open these files in a spreadsheet
        values = dict(defaults or {})
        group_by = values.get("group_by") or ()
        fields = {
            "responses": target, "questionnaire": values.get("questionnaire"), "group_by": list(group_by),
            "targets": values.get("targets"), "customer_metrics": values.get("customer_metrics"),
            "assessment_date": values.get("assessment_date"), "consultant": values.get("consultant") or "",
        }
        if "min_group_size" in values:
            fields["min_group_size"] = values["min_group_size"]
        if values.get("store"):
            fields["store"] = values["store"]
        entries.append(ManifestEntry(name, fields, f"{path.name} client {name!r}", split=True, source=path.name))
    return entries


def _write_if_changed(path: Path, text: str) -> None:
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except OSError:
        pass
    write_text(path, text)


__all__ = ["ManifestEntry", "read_entries", "MANIFEST_COLUMNS", "PATH_COLUMNS", "INPUTS_DIR"]
