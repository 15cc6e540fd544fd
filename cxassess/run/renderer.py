"""Render one client's report: validate inputs, run the report notebook in a fresh kernel, export.

:class:`Renderer` is the async engine shared with :mod:`cxassess.run.batch`; :func:`render_report`
is the one-call synchronous API. The request and its parameters are :mod:`cxassess.report.request`,
the notebook :mod:`cxassess.report.notebook`, the HTML :mod:`cxassess.report.export` and the output
folder :mod:`cxassess.report.publish`.

Safety: only whitelisted parameter names ever reach papermill; every header string is escaped by
the template; the kernel is new for each report and killed afterwards (see :mod:`cxassess.run.kernels`).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from cxassess.errors import CxError
from cxassess.report.content import KERNEL_OBJECTS, KERNEL_SCORES
from cxassess.report.export import REPORT_TEMPLATE_DIR, export_html
from cxassess.report.formats import DeliverableOptions, derived, warm_derived, write_derived
from cxassess.report.notebook import (
    DEFAULT_NOTEBOOK,
    declared_parameters,
    load_notebook,
    notebook_imports,
    parameterize,
    write_notebook,
)
from cxassess.report.publish import (
    FORMATS,
    ReportResult,
    one_line,
    output_names,
    parse_formats,
    publish,
    temporary_folder,
)
from cxassess.report.request import ReportRequest, check_inputs, scores_document, validate_request

CELL_TIMEOUT = 600
#: Warm-ups the fork server runs once before forking, when the notebook imports their module.
WARM_UPS = ("cxassess.report.charts:warm_up",)


class Renderer:
    """Renders reports, one fresh kernel each, sharing a kernel source (use as ``async with``).

    ``executor``: ``auto`` (fork server where possible), ``fork`` or ``launch``;
    ``lanes``: how many reports may run at once (kernels forked ahead to match).
    """

    def __init__(self, *, notebook: Path | str | None = None, formats: Iterable[str] = FORMATS,
                 executor: str = "auto", lanes: int = 1, timeout: int = CELL_TIMEOUT,
                 options: DeliverableOptions | None = None) -> None:
        self.notebook_path = Path(notebook or DEFAULT_NOTEBOOK).resolve()
        self.formats = parse_formats(formats)
        self.options = options or DeliverableOptions()  # the deck's template, the workbook's responses sheet
        self.executor = executor
        self.lanes = max(1, int(lanes))
        self.timeout = timeout
        self.template: Any = None
        self.declared: set[str] = set()
        self.source: Any = None
        self.cwd = str(self.notebook_path.parent)
        self._kernel_lanes = asyncio.Semaphore(self.lanes)
        self._pdf_lanes = asyncio.Semaphore(self.lanes)

    async def __aenter__(self) -> Renderer:
        from cxassess.run.kernels import open_kernel_source

        # the fork server imports its libraries while this process warms up its own
        self.source, _, _ = await asyncio.gather(
            open_kernel_source(self.executor, **self.kernel_options()),
            asyncio.to_thread(warm_driver, bool(derived(self.formats))), asyncio.to_thread(warm_derived, self.formats))
        return self

    def kernel_options(self) -> dict[str, Any]:
        """The kernel source's options: what it preloads (the notebook's imports) and warms, how many kernels
        it forks ahead, and where."""
        self.load()
        preload = notebook_imports(self.template) + [
            "cxassess.scoring.score", "cxassess.io.responses", "cxassess.questionnaire.model"]
        if "pdf" in self.formats:
            preload += ["weasyprint", "cxassess.report.pdf"]
        # each warm-up runs only when the preload imported its module
        return {"preload": preload, "ahead": self.lanes, "cwd": self.cwd, "warm": WARM_UPS}

    def fork_options(self) -> dict[str, Any] | None:
        """:meth:`kernel_options` when the kernels may come from a fork server; None when they are launched."""
        return self.kernel_options() if self.executor in ("auto", "fork") else None

    def spawn_ahead(self) -> Any:
        """Start this renderer's fork server now, before there is an event loop (see
        :func:`cxassess.run.kernels.spawn_ahead`); None when its kernels are launched instead.
        Pass the result to :func:`~cxassess.run.kernels.discard_spawned` when done."""
        from cxassess.run.kernels import spawn_ahead

        options = self.fork_options()
        return spawn_ahead(**options) if options is not None else None

    def load(self) -> None:
        """Read the report notebook once (and the parameter names its ``parameters`` cell declares)."""
        if self.template is None:
            self.template = load_notebook(self.notebook_path)
            self.declared = declared_parameters(self.template)

    async def __aexit__(self, *exc: Any) -> None:
        if self.source is not None:
            await self.source.close()
            self.source = None

    @property
    def kind(self) -> str:
        return str(getattr(self.source, "kind", "?"))

    def inputs_of(self, req: ReportRequest) -> list[Path]:
        """Everything a report depends on: its data files, the notebook and our template."""
        return [*req.input_files(), self.notebook_path, *sorted(REPORT_TEMPLATE_DIR.glob("*")),
                *self.options.input_files()]

    def input_digests(self, req: ReportRequest) -> dict[str, str]:
        """SHA-256 of every input's content: what ``--resume`` compares (dates lie after a copy that keeps them)."""
        import hashlib

        from cxassess.io.session_schema import SESSION_SUFFIXES

        digests = {}
        for path in self.inputs_of(req):
            h = hashlib.sha256(path.read_bytes())
            wal = Path(f"{path}-wal")  # a workshop session's newest answers may still be in its write-ahead log
            if path.suffix.lower() in SESSION_SUFFIXES and wal.is_file():
                h.update(wal.read_bytes())
            digests[str(path)] = h.hexdigest()
        return digests

    def is_current(self, req: ReportRequest, out_dir: Path | str) -> bool:
        """True when the report's outputs exist, were made from inputs with the same content as now,
        and match its parameters."""
        folder = Path(out_dir) / req.slug
        self.load()
        try:
            missing = [name for name in output_names(self.formats) if not (folder / name).is_file()]
            stored = json.loads((folder / "scores.json").read_text(encoding="utf-8"))["report"]
            if missing or stored.get("inputs") != self.input_digests(req):
                return False
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return False
        try:
            wanted = self._parameters(req)
        except CxError:
            return False
        had = dict(stored.get("parameters", {}))
        if req.assessment_date is None and not stored.get("assessment_date_given", True):
            wanted.pop("assessment_date", None)
            had.pop("assessment_date", None)
        return had == wanted

    def _parameters(self, req: ReportRequest) -> dict[str, Any]:
        params = req.parameters()
        unknown = [k for k, v in params.items() if k not in self.declared and v not in (None, [], "")]
        if unknown:
            raise CxError(f"the report notebook {self.notebook_path.name} does not take parameter(s) "
                          f"{', '.join(unknown)}")
        return {k: v for k, v in params.items() if k in self.declared}

    async def render(self, req: ReportRequest, out_dir: Path | str, *, scores: Any = None,
                     executed: Callable[[], None] | None = None) -> ReportResult:
        """Render one report into ``out_dir/<slug>/``; raises :class:`CxError` on any failure.

        ``scores``: the result of :func:`~cxassess.report.request.validate_request` when the caller already has it;
        ``executed``: called once the report's kernel is done and its lane free (the rest is exporting).
        """
        assert self.source is not None, "use 'async with Renderer(...)'"
        started = time.perf_counter()
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        slug = req.slug
        final = out / slug
        if final.resolve().parent != out.resolve():  # slugify makes this impossible; belt and braces
            raise CxError(f"{req.client}: unsafe output folder name {slug!r}")

        parameters = self._parameters(req)
        if scores is None:
            check_inputs(req)  # the notebook itself reports bad data, as a clear CxError
        digests = self.input_digests(req)  # before the run: a file changed meanwhile is rendered again
        nb = parameterize(self.template, parameters)
        nb.metadata["cxassess"] = {"client": req.client, "slug": slug}

        async with self._kernel_lanes:  # at most `lanes` kernels at once
            kernel_scores, objects = await self._execute(req, nb)
        if executed is not None:
            executed()

        # in this thread: the exporter is shared and not thread-safe (and takes ~0.03 s)
        html = export_html(nb, client=req.client, assessment_date=parameters.get("assessment_date"),
                           consultant=req.consultant)
        tmp = temporary_folder(out, slug)
        try:
            (tmp / "report.html").write_text(html, encoding="utf-8")
            write_notebook(nb, tmp / "report.ipynb")
            if kernel_scores is None and scores is None:
                scores = await asyncio.to_thread(validate_request, req)
            doc = scores_document(req, kernel_scores if kernel_scores is not None else scores, parameters)
            doc["report"]["inputs"] = digests
            (tmp / "scores.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            # report.pptx / report.xlsx, from the same scores, narrative and plan (cxassess.report.formats)
            await asyncio.to_thread(write_derived, self.formats, doc, tmp, request=req, scores=scores,
                                    options=self.options, objects=objects)
            if "pdf" in self.formats:
                async with self._pdf_lanes:  # PDFs render while the next reports' kernels run
                    await self.source.pdf(tmp / "report.html", tmp / "report.pdf")
            if "html" not in self.formats:
                (tmp / "report.html").unlink()
            publish(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        files = {name: final / name for name in output_names(self.formats)}
        return ReportResult(req.client, slug, final, "ok", files=files, seconds=time.perf_counter() - started)

    async def _execute(self, req: ReportRequest, nb: Any) -> tuple[dict[str, Any] | None, str | None]:
        """Run the notebook in a fresh kernel (killed afterwards); returns the notebook's scores and,
        when a deck or workbook is wanted, its report objects (:func:`cxassess.report.content.kernel_objects`)."""
        from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

        from cxassess.run.pipeline import PipelinedClient

        kernel = await self.source.acquire(self.cwd)
        try:
            client = PipelinedClient(nb, km=kernel.km, timeout=self.timeout, kernel_name="python3",
                                     resources={"metadata": {"path": self.cwd}}, allow_errors=False)
            client.kc = kernel.kc
            # the scores (and the report objects) are asked for in the same queue as the cells
            expressions = {"scores": KERNEL_SCORES, **({"objects": KERNEL_OBJECTS} if derived(self.formats) else {})}
            values = await client.run_pipelined(expressions)
            kernel_scores = _scores_document(values["scores"])
            objects = values.get("objects")
        except CellExecutionError as exc:
            name = getattr(exc, "ename", "") or "Error"
            value = getattr(exc, "evalue", "") or str(exc)
            message = value if name.endswith("CxError") else f"{name}: {value}"
            raise CxError(f"{req.client}: the report notebook failed: {one_line(message)}") from None
        except CellTimeoutError:
            raise CxError(f"{req.client}: a report cell ran longer than {self.timeout} s") from None
        except DeadKernelError:
            raise CxError(f"{req.client}: the report kernel died") from None
        finally:
            await kernel.release()
        return kernel_scores, objects


def _scores_document(text: str | None) -> dict[str, Any] | None:
    """The notebook's own ``scores`` as a dict (what the report shows), or None when it has none.

    The kernel hands it over as JSON text (:data:`~cxassess.report.content.KERNEL_SCORES`, a user
    expression after the last cell): cheaper than scoring again here, and exactly the numbers behind the report.
    """
    try:
        doc = json.loads(text) if text is not None else None
    except ValueError:
        return None
    return doc if isinstance(doc, dict) and "dimensions" in doc and "overall" in doc else None


def warm_driver(scoring: bool = True) -> None:
    """Import what rendering needs and compile the HTML template once, before the first report.

    ``scoring``: also import the scoring (pandas, SciPy: ~0.5 s of CPU), which the driver only needs for
    the deck and workbook (their objects come pickled from the kernel); an HTML batch gets its scores as JSON.
    """
    import nbformat
    import papermill.parameterize  # noqa: F401

    import cxassess.run.pipeline  # noqa: F401 - nbclient
    if scoring:
        import cxassess.scoring.score  # noqa: F401

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("*warm-up*")])
    export_html(nb, client="warm-up")


def render_report(request: ReportRequest, out_dir: Path | str, *, formats: Iterable[str] = FORMATS,
                  notebook: Path | str | None = None, executor: str = "auto",
                  timeout: int = CELL_TIMEOUT, options: DeliverableOptions | None = None) -> ReportResult:
    """Render one client's report (blocking). Raises :class:`CxError` with a clear message on failure.

    ``options``: the derived formats' options (a firm's PowerPoint template, the responses sheet).
    """

    scores = validate_request(request)  # bad input fails here, before any kernel starts

    async def run() -> ReportResult:
        async with Renderer(notebook=notebook, formats=formats, executor=executor, lanes=1, timeout=timeout,
                            options=options) as r:
            return await r.render(request, out_dir, scores=scores)

    return asyncio.run(run())
