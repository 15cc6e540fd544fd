"""Render many clients' reports: from a manifest, or from one responses file split by client.

- A manifest is CSV/XLSX (one row per client) or YAML (a list of mappings) with ``client`` and
  ``responses`` and optionally ``targets``, ``group_by`` (``;``-separated in CSV), ``consultant``,
  ``assessment_date``, ``questionnaire``, ``customer_metrics``, ``min_group_size``. Relative paths
  are resolved against the manifest's folder.
- A responses file with a ``client`` column (and no ``responses`` column) is split by client; the
  parts are kept in ``DIR/_inputs/`` (rewritten only when their content changes, so ``--resume``
  still works).

Each client gets a fresh kernel (see :mod:`cxassess.run.kernels`); ``workers`` reports run at once. One
failing client never stops the others: it is reported as failed with its error in one line.
``DIR/index.html`` links every report. ``resume`` skips clients whose outputs exist and were
rendered from inputs with the same content as now (SHA-256, not dates) and the same parameters.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from cxassess._util.safe import escape_html, slugify
from cxassess.errors import CxError
from cxassess.report.render import (
    CELL_TIMEOUT,
    FORMATS,
    REPORT_TITLE,
    Renderer,
    ReportRequest,
    ReportResult,
    one_line,
    parse_formats,
)
from cxassess.scoring import MIN_GROUP_SIZE

MANIFEST_COLUMNS = ("client", "responses", "targets", "group_by", "consultant", "assessment_date",
                    "questionnaire", "customer_metrics", "min_group_size")
PATH_COLUMNS = ("responses", "targets", "questionnaire", "customer_metrics")
INPUTS_DIR = "_inputs"


@dataclass
class BatchItem:
    """One client to render, or a manifest row that could not become one (``error``)."""

    client: str
    request: ReportRequest | None = None
    error: str = ""
    where: str = ""  # "manifest.csv row 3", for messages

    @property
    def slug(self) -> str:
        return slugify(self.client) if self.client else "-"


@dataclass
class BatchResult:
    results: list[ReportResult] = field(default_factory=list)
    seconds: float = 0.0
    executor: str = ""
    index: Path | None = None

    @property
    def failed(self) -> list[ReportResult]:
        return [r for r in self.results if not r.ok]

    @property
    def ok(self) -> bool:
        return not self.failed


# --------------------------------------------------------------------------------------
# reading the manifest
# --------------------------------------------------------------------------------------
def read_manifest(path: Path | str, *, out_dir: Path | str | None = None,
                  defaults: Mapping[str, Any] | None = None) -> list[BatchItem]:
    """The clients a manifest (or a responses file with a ``client`` column) asks for.

    ``defaults`` fill fields a row leaves blank (the CLI's --group-by, --targets, ...).
    Structural problems (missing file, no ``client`` column, unknown columns) raise
    :class:`CxError`; a bad row becomes a failed item, so the other clients still render.
    """
    path = Path(path)
    if not path.is_file():
        raise CxError(f"manifest not found: {path}")
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        rows = _yaml_rows(path)
    elif suffix in (".csv", ".txt", ".xlsx", ".xlsm"):
        from cxassess.io.responses import read_table

        frame, first_row = read_table(path)  # one reader: separators, encodings, sheets as for responses
        header, rows = _table_rows(path, frame, first_row)
        if "responses" not in header:
            return _split_responses(path, frame, out_dir, defaults)
    else:
        raise CxError(f"{path}: a manifest must be .csv, .xlsx or .yaml (got {suffix or 'no extension'})")
    return _items_from_rows(path, rows, defaults or {})


def _table_rows(path: Path, frame: Any, first_row: int) -> tuple[list[str], list[tuple[str, dict[str, Any]]]]:
    """Lower-cased header and the non-empty rows (labelled with their row number) of a manifest table."""
    header = [str(c).strip().lower() for c in frame.columns]
    if "client" not in header:
        raise CxError(f"{path}: no 'client' column (found: {', '.join(header) or 'nothing'})")
    rows = [(f"{path.name} row {i + first_row}", {k: str(v).strip() for k, v in zip(header, values)})
            for i, values in enumerate(frame.itertuples(index=False, name=None))
            if any(str(v).strip() for v in values)]
    return header, rows


def _yaml_rows(path: Path) -> list[tuple[str, dict[str, Any]]]:
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
            raise CxError(f"{path} entry {n}: expected a mapping with 'client' and 'responses', got {type(entry).__name__}")
        rows.append((f"{path.name} entry {n}", {str(k).strip().lower(): v for k, v in entry.items()}))
    return rows


def _items_from_rows(path: Path, rows: list[tuple[str, dict[str, Any]]], defaults: Mapping[str, Any]) -> list[BatchItem]:
    if not rows:
        raise CxError(f"{path}: the manifest lists no clients")
    unknown = sorted({k for _, row in rows for k in row if k not in MANIFEST_COLUMNS})
    if unknown:
        raise CxError(f"{path}: unknown column(s) {', '.join(map(repr, unknown))}; "
                      f"expected: {', '.join(MANIFEST_COLUMNS)}")
    base = path.resolve().parent
    items: list[BatchItem] = []
    for where, row in rows:
        client = _text(row.get("client"))
        values = {k: v for k, v in row.items() if _text(v) != "" and v is not None}
        from_row = set(values)
        for key, value in (defaults or {}).items():
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
                    values[key] = str((base / Path(_text(values[key])).expanduser()))
            group_by = values.get("group_by", ())
            if isinstance(group_by, str):
                group_by = [g.strip() for g in group_by.split(";") if g.strip()]
            request = ReportRequest(
                client=client, responses=values["responses"], questionnaire=values.get("questionnaire"),
                group_by=list(group_by or ()), targets=values.get("targets"),
                customer_metrics=values.get("customer_metrics"),
                assessment_date=_text(values.get("assessment_date")) or None,
                consultant=_text(values.get("consultant")),
                min_group_size=values.get("min_group_size", MIN_GROUP_SIZE),
            )
            items.append(BatchItem(client, request, where=where))
        except CxError as exc:
            items.append(BatchItem(client or f"({where})", None, f"{where}: {exc}", where))
    return _mark_duplicates(items)


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


def _mark_duplicates(items: list[BatchItem]) -> list[BatchItem]:
    seen: dict[str, str] = {}
    for item in items:
        if item.error:
            continue
        key = item.slug
        if key in seen:
            item.request = None
            item.error = f"{item.where}: client {item.client!r} is listed twice (first at {seen[key]})"
        else:
            seen[key] = item.where
    return items


def _split_responses(path: Path, frame: Any, out_dir: Path | str | None,
                     defaults: Mapping[str, Any] | None) -> list[BatchItem]:
    """Split one responses table (read from ``path``) by its ``client`` column into DIR/_inputs/<slug>.csv."""
    if out_dir is None:
        raise CxError("splitting a responses file by client needs an output folder")
    lower = {c: str(c).strip().lower() for c in frame.columns}
    client_col = next(c for c, low in lower.items() if low == "client")
    names = frame[client_col].astype(str).str.strip()
    missing = [str(i + 2) for i in names.index[names == ""]]
    inputs = Path(out_dir) / INPUTS_DIR
    inputs.mkdir(parents=True, exist_ok=True)
    items: list[BatchItem] = []
    if missing:
        shown = ", ".join(missing[:10]) + (" ..." if len(missing) > 10 else "")
        items.append(BatchItem("(no client)", None,
                               f"{path.name}: {len(missing)} row(s) have no client name (rows {shown}); they were not reported", path.name))
    for name in dict.fromkeys(names[names != ""]):
        part = frame.loc[names == name].drop(columns=[client_col])
        target = inputs / f"{slugify(name)}.csv"
        _write_if_changed(target, part.to_csv(index=False))
        values = dict(defaults or {})
        group_by = values.get("group_by") or ()
        try:
            request = ReportRequest(
                client=name, responses=target, questionnaire=values.get("questionnaire"), group_by=list(group_by),
                targets=values.get("targets"), customer_metrics=values.get("customer_metrics"),
                assessment_date=values.get("assessment_date"), consultant=values.get("consultant") or "",
                min_group_size=values.get("min_group_size", MIN_GROUP_SIZE))
            items.append(BatchItem(name, request, where=f"{path.name} client {name!r}"))
        except CxError as exc:
            items.append(BatchItem(name, None, str(exc), path.name))
    return _mark_duplicates(items)


def _write_if_changed(path: Path, text: str) -> None:
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except OSError:
        pass
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


# --------------------------------------------------------------------------------------
# running
# --------------------------------------------------------------------------------------
async def run_batch(items: Sequence[BatchItem], out_dir: Path | str, *, formats: Iterable[str] = FORMATS,
                    workers: int = 2, resume: bool = False, notebook: Path | str | None = None,
                    executor: str = "auto", timeout: int = CELL_TIMEOUT, progress: bool | None = None) -> BatchResult:
    """Render every item, ``workers`` at a time; never raises for one client's failure."""
    from tqdm import tqdm

    started = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    formats = parse_formats(formats)
    workers = max(1, int(workers))
    results: list[ReportResult | None] = [None] * len(items)
    todo = []
    renderer = Renderer(notebook=notebook, formats=formats, executor=executor, lanes=workers, timeout=timeout)
    for i, item in enumerate(items):
        if item.request is None:
            results[i] = ReportResult(item.client, item.slug, out / item.slug, "failed", item.error)
        elif resume and renderer.is_current(item.request, out):
            results[i] = ReportResult(item.client, item.slug, out / item.slug, "skipped",
                                      files=_existing_files(out / item.slug))
        else:
            todo.append(i)

    bar = tqdm(total=len(items), unit="report", desc="reports", file=sys.stderr,
               disable=(not progress) if progress is not None else None, leave=True, dynamic_ncols=True)
    bar.update(len(items) - len(todo))
    kind = "-"
    if todo:
        async with renderer:
            kind = renderer.kind
            lanes = asyncio.Semaphore(2 * workers)  # the renderer runs `workers` kernels; the rest export / PDF

            async def one(i: int) -> None:
                item = items[i]
                async with lanes:
                    t0 = time.perf_counter()
                    try:
                        results[i] = await renderer.render(item.request, out)  # type: ignore[arg-type]
                    except CxError as exc:
                        results[i] = ReportResult(item.client, item.slug, out / item.slug, "failed",
                                                  one_line(str(exc)), seconds=time.perf_counter() - t0)
                    except Exception as exc:  # noqa: BLE001 - one client's crash must not stop the rest
                        results[i] = ReportResult(item.client, item.slug, out / item.slug, "failed",
                                                  one_line(f"{type(exc).__name__}: {exc}"), seconds=time.perf_counter() - t0)
                bar.set_postfix_str(_terminal_safe(item.client)[:30], refresh=False)
                bar.update(1)

            await asyncio.gather(*(one(i) for i in todo))
    bar.close()
    final = [r for r in results if r is not None]
    batch = BatchResult(final, time.perf_counter() - started, kind)
    batch.index = write_index(out, final)
    return batch


def _existing_files(folder: Path) -> dict[str, Path]:
    return {p.name: p for p in sorted(folder.glob("*")) if p.is_file()}


def batch(manifest: Path | str, out_dir: Path | str, *, formats: Iterable[str] = FORMATS, workers: int = 2,
          resume: bool = False, notebook: Path | str | None = None, executor: str = "auto",
          defaults: Mapping[str, Any] | None = None, timeout: int = CELL_TIMEOUT,
          progress: bool | None = None) -> BatchResult:
    """Read a manifest and render every client (blocking); see :func:`run_batch`."""
    items = read_manifest(manifest, out_dir=out_dir, defaults=defaults)
    return asyncio.run(run_batch(items, out_dir, formats=formats, workers=workers, resume=resume,
                                 notebook=notebook, executor=executor, timeout=timeout, progress=progress))


# --------------------------------------------------------------------------------------
# summaries
# --------------------------------------------------------------------------------------
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _terminal_safe(text: str) -> str:
    """No escape sequences or control characters from user strings reach the terminal."""
    return _CONTROL.sub("?", str(text))


def summary_table(batch_result: BatchResult) -> str:
    """A plain-text table: client, status, seconds, and the report folder or the error."""
    rows = [("client", "status", "secs", "report / error")]
    for r in batch_result.results:
        where = r.error if r.status == "failed" else str(r.folder)
        rows.append((_terminal_safe(r.client)[:40], r.status, f"{r.seconds:.1f}" if r.seconds else "-",
                     _terminal_safe(where)))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = ["  ".join(cell.ljust(widths[i]) if i < 3 else cell for i, cell in enumerate(row)) for row in rows]
    n_ok = sum(r.status == "ok" for r in batch_result.results)
    n_skip = sum(r.status == "skipped" for r in batch_result.results)
    n_fail = len(batch_result.failed)
    lines.append(f"{n_ok} rendered, {n_skip} up to date (skipped), {n_fail} failed "
                 f"in {batch_result.seconds:.1f} s")
    return "\n".join(lines)


def write_index(out_dir: Path | str, results: Sequence[ReportResult]) -> Path:
    """``DIR/index.html``: every client with links to its report files, or its error (all escaped)."""
    out = Path(out_dir)
    rows = []
    for r in sorted(results, key=lambda r: r.client.casefold()):
        if r.ok:
            links = " ".join(
                f'<a href="{escape_html(r.slug)}/{escape_html(name)}">{escape_html(label)}</a>'
                for name, label in (("report.html", "HTML"), ("report.pdf", "PDF"), ("scores.json", "scores"))
                if (out / r.slug / name).is_file())
            status = "up to date" if r.status == "skipped" else "rendered"
            rows.append(f"<tr><td>{escape_html(r.client)}</td><td class=\"ok\">{status}</td><td>{links}</td></tr>")
        else:
            rows.append(f"<tr><td>{escape_html(r.client)}</td><td class=\"failed\">failed</td>"
                        f"<td>{escape_html(r.error)}</td></tr>")
    n_failed = sum(not r.ok for r in results)
    html = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape_html(REPORT_TITLE)}s</title>
<style>
body {{ font-family: "DejaVu Sans", Arial, sans-serif; margin: 2rem auto; max-width: 60rem; color: #1f2933; }}
table {{ border-collapse: collapse; width: 100%; }} th, td {{ text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #d9e2ec; vertical-align: top; }}
th {{ background: #f5f7fa; }} .ok {{ color: #1e6b3a; }} .failed {{ color: #9b1c1c; font-weight: bold; }}
</style></head><body>
<h1>{escape_html(REPORT_TITLE)}s</h1>
<p>{len(results)} client(s), {n_failed} failed. Generated {escape_html(dt.datetime.now().strftime("%Y-%m-%d %H:%M"))}.</p>
<table><thead><tr><th>Client</th><th>Status</th><th>Report</th></tr></thead><tbody>
{chr(10).join(rows)}
</tbody></table></body></html>
"""
    path = out / "index.html"
    tmp = out / ".index.html.part"
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, path)
    return path
