"""Render many clients' reports: from a manifest, or from one responses file split by client.

Reading the manifest is :mod:`cxassess.io.manifests`; here each of its entries becomes a report
request (a bad row, or a client listed twice, becomes a failed item) and every request is rendered.

Each client gets a fresh kernel (see :mod:`cxassess.run.kernels`); ``workers`` reports run at once. One
failing client never stops the others: it is reported as failed with its error in one line.
``DIR/index.html`` links every report. ``resume`` skips clients whose outputs exist and were
rendered from inputs with the same content as now (SHA-256, not dates) and the same parameters.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from cxassess._util.files import write_text
from cxassess._util.safe import escape_html, for_terminal, slugify
from cxassess.errors import CxError
from cxassess.io.manifests import ManifestEntry, read_entries
from cxassess.report.export import REPORT_TITLE
from cxassess.report.formats import REGISTRY, DeliverableOptions
from cxassess.report.publish import FORMATS, ReportResult, one_line, parse_formats
from cxassess.report.request import ReportRequest
from cxassess.run.renderer import CELL_TIMEOUT, Renderer


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
# from manifest entries to report requests
# --------------------------------------------------------------------------------------
def read_manifest(path: Path | str, *, out_dir: Path | str | None = None,
                  defaults: Mapping[str, Any] | None = None,
                  allow_outside: Sequence[Path | str] = ()) -> list[BatchItem]:
    """The clients a manifest (or a responses file with a ``client`` column) asks for, as report requests.

    ``defaults`` fill fields a row leaves blank (the CLI's --group-by, --targets, ...); the manifest's
    paths stay inside its folder or the ``allow_outside`` folders (``--allow-outside``).
    Structural problems (missing file, no ``client`` column, unknown columns) raise
    :class:`CxError`; a bad row becomes a failed item, so the other clients still render.
    See :func:`cxassess.io.manifests.read_entries`.
    """
    entries = read_entries(path, out_dir=out_dir, defaults=defaults, allow_outside=allow_outside)
    return _mark_duplicates([_item(entry) for entry in entries])


def _item(entry: ManifestEntry) -> BatchItem:
    if entry.error:
        return BatchItem(entry.client, None, entry.error, entry.where)
    try:
        return BatchItem(entry.client, ReportRequest(client=entry.client, **entry.fields), where=entry.where)
    except CxError as exc:
        if entry.split:
            return BatchItem(entry.client, None, str(exc), entry.source)
        return BatchItem(entry.client or f"({entry.where})", None, f"{entry.where}: {exc}", entry.where)


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


# --------------------------------------------------------------------------------------
# running
# --------------------------------------------------------------------------------------
async def run_batch(items: Sequence[BatchItem], out_dir: Path | str, *, formats: Iterable[str] = FORMATS,
                    workers: int = 2, resume: bool = False, notebook: Path | str | None = None,
                    executor: str = "auto", timeout: int = CELL_TIMEOUT, progress: bool | None = None,
                    options: DeliverableOptions | None = None) -> BatchResult:
    """Render every item, ``workers`` at a time; never raises for one client's failure.

    ``options``: the derived formats' options (the deck's template, the workbook's responses sheet)."""
    started = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    formats = parse_formats(formats)
    workers = max(1, int(workers))
    renderer = Renderer(notebook=notebook, formats=formats, executor=executor, lanes=workers, timeout=timeout,
                        options=options)
    results, todo = settle(items, renderer, out, resume)
    bar = progress_bar(len(items), progress)
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
                        assert item.request is not None  # only items with a request are to do
                        results[i] = await renderer.render(item.request, out)
                    except CxError as exc:
                        results[i] = ReportResult(item.client, item.slug, out / item.slug, "failed",
                                                  one_line(str(exc)), seconds=time.perf_counter() - t0)
                    except Exception as exc:  # noqa: BLE001 - one client's crash must not stop the rest
                        results[i] = ReportResult(item.client, item.slug, out / item.slug, "failed",
                                                  one_line(f"{type(exc).__name__}: {exc}"),
                                                  seconds=time.perf_counter() - t0)
                bar.set_postfix_str(_terminal_safe(item.client)[:30], refresh=False)
                bar.update(1)

            await asyncio.gather(*(one(i) for i in todo))
    bar.close()
    final = [r for r in results if r is not None]
    batch = BatchResult(final, time.perf_counter() - started, kind)
    batch.index = write_index(out, final)
    return batch


def settle(items: Sequence[BatchItem], renderer: Renderer, out: Path,
           resume: bool) -> tuple[list[ReportResult | None], list[int]]:
    """What is known before any rendering, for every executor: the failed items (a bad manifest row), the
    skipped ones (``--resume``, inputs unchanged), and the indices still to render."""
    results: list[ReportResult | None] = [None] * len(items)
    todo = []
    for i, item in enumerate(items):
        if item.request is None:
            results[i] = ReportResult(item.client, item.slug, out / item.slug, "failed", item.error)
        elif resume and renderer.is_current(item.request, out):
            results[i] = ReportResult(item.client, item.slug, out / item.slug, "skipped",
                                      files=_existing_files(out / item.slug))
        else:
            todo.append(i)
    return results, todo


def progress_bar(total: int, progress: bool | None) -> Any:
    """The batch's tqdm bar on stderr. It redraws itself with carriage returns, so it writes past the
    CLI's terminal filter (its own text is safe); ``progress`` None: only on a terminal."""
    from tqdm import tqdm

    return tqdm(total=total, unit="report", desc="reports", file=getattr(sys.stderr, "unfiltered", sys.stderr),
                disable=(not progress) if progress is not None else None, leave=True, dynamic_ncols=True)


def run_local(items: Sequence[BatchItem], out_dir: Path | str, *, kernels: str = "auto",
              scheduler: str | None = None, **kw: Any) -> BatchResult:
    """The ``local`` executor (:mod:`cxassess.run.executors`): :func:`run_batch` on this machine."""
    if scheduler:
        raise CxError("--scheduler is for --executor dask")
    return asyncio.run(run_batch(items, out_dir, executor=kernels, **kw))


def _existing_files(folder: Path) -> dict[str, Path]:
    return {p.name: p for p in sorted(folder.glob("*")) if p.is_file()}


def start_local_ahead(*, notebook: Path | str | None = None, formats: Iterable[str] = FORMATS, workers: int = 2,
                      timeout: int = CELL_TIMEOUT, options: DeliverableOptions | None = None, kernels: str = "auto",
                      scheduler: str | None = None, **_: Any) -> Callable[[], None] | None:
    """The local executor's fork server, spawned now so that its imports overlap the manifest's reading; returns
    what stops it when the batch's renderer did not adopt it (:func:`~cxassess.run.kernels.discard_spawned`)."""
    from cxassess.run.kernels import discard_spawned

    if scheduler or kernels == "launch":
        return None
    try:
        early = Renderer(notebook=notebook, formats=formats, executor="fork" if kernels == "fork" else "auto",
                         lanes=max(1, int(workers)), timeout=timeout, options=options).spawn_ahead()
    except CxError:  # a bad notebook or format is reported where it always was, by the run
        return None
    return partial(discard_spawned, early)


def batch(manifest: Path | str, out_dir: Path | str, *, formats: Iterable[str] = FORMATS, workers: int = 2,
          resume: bool = False, notebook: Path | str | None = None, executor: str = "auto",
          defaults: Mapping[str, Any] | None = None, timeout: int = CELL_TIMEOUT,
          progress: bool | None = None, options: DeliverableOptions | None = None,
          allow_outside: Sequence[Path | str] = (), scheduler: str | None = None) -> BatchResult:
    """Read a manifest and render every client (blocking); see :func:`run_batch` and :func:`read_manifest`.

    ``executor``: ``local`` (``auto``, ``fork``, ``launch``: this machine) or ``dask`` (a Dask cluster at
    ``scheduler``, or an embedded one of ``workers`` processes); see :mod:`cxassess.run.executors`. What the
    executor needs and takes seconds to start is started first, while the manifest is read."""
    from cxassess.run.executors import executor as executor_named
    from cxassess.run.executors import executor_ahead

    # first (an unknown name fails here, before the manifest is read), then the runner (Dask takes 0.4 s to import)
    stop = executor_ahead(executor)(notebook=notebook, formats=formats, workers=workers, timeout=timeout,
                                    options=options, scheduler=scheduler)
    try:
        run = executor_named(executor)
        items = read_manifest(manifest, out_dir=out_dir, defaults=defaults, allow_outside=allow_outside)
        result: BatchResult = run(items, out_dir, formats=formats, workers=workers, resume=resume, notebook=notebook,
                                  timeout=timeout, progress=progress, options=options, scheduler=scheduler)
    finally:
        if stop is not None:
            stop()  # nothing to do when the run used what was started
    return result


# --------------------------------------------------------------------------------------
# summaries
# --------------------------------------------------------------------------------------
_CELL_CSS = ("th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #d9e2ec; "
             "vertical-align: top; }")
_LINE_BREAKS = re.compile(r"[\t\n\r]")


def _terminal_safe(text: str) -> str:
    """No escape sequences, bidi overrides or line breaks from user strings reach the terminal (shown escaped)."""
    return _LINE_BREAKS.sub(lambda m: f"\\x{ord(m.group()):02x}", for_terminal(text))


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
                for name, label in [*((f.file_name, f.label) for f in REGISTRY.values()), ("scores.json", "scores")]
                if (out / r.slug / name).is_file())
            status = "up to date" if r.status == "skipped" else "rendered"
            rows.append(f"<tr><td>{escape_html(r.client)}</td><td class=\"ok\">{status}</td><td>{links}</td></tr>")
        else:
            rows.append(f"<tr><td>{escape_html(r.client)}</td><td class=\"failed\">failed</td>"
                        f"<td>{escape_html(r.error)}</td></tr>")
    n_failed = sum(not r.ok for r in results)
    generated = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    html = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape_html(REPORT_TITLE)}s</title>
<style>
body {{ font-family: "DejaVu Sans", Arial, sans-serif; margin: 2rem auto; max-width: 60rem; color: #1f2933; }}
table {{ border-collapse: collapse; width: 100%; }} {_CELL_CSS}
th {{ background: #f5f7fa; }} .ok {{ color: #1e6b3a; }} .failed {{ color: #9b1c1c; font-weight: bold; }}
</style></head><body>
<h1>{escape_html(REPORT_TITLE)}s</h1>
<p>{len(results)} client(s), {n_failed} failed. Generated {escape_html(generated)}.</p>
<table><thead><tr><th>Client</th><th>Status</th><th>Report</th></tr></thead><tbody>
{chr(10).join(rows)}
</tbody></table></body></html>
"""
    return write_text(out / "index.html", html)
