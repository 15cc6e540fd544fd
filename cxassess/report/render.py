"""Render one client's report: validate inputs, run the report notebook in a fresh kernel, export.

For a client the output folder ``DIR/<slug>/`` holds ``report.html`` (no code, no prompts, figures
embedded: one self-contained file), ``report.pdf`` (WeasyPrint, from that HTML), the executed
``report.ipynb`` and ``scores.json`` (for audit). The folder is assembled under a temporary name
and renamed into place only when complete, so an interrupted run never leaves a half-written
report that looks whole.

Safety: only the names in :data:`PARAMETER_NAMES` ever reach papermill (it pastes names into
code); every header string is escaped by the template; the kernel is new for each report and
killed afterwards (see :mod:`cxassess.run.kernels`).

:class:`Renderer` is the async engine shared with :mod:`cxassess.run.batch`; :func:`render_report`
is the one-call synchronous API.
"""

from __future__ import annotations

import ast
import asyncio
import copy
import datetime as dt
import json
import os
import re
import secrets
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from cxassess._util.paths import DEFAULT_QUESTIONNAIRE, NOTEBOOKS_DIR, TEMPLATES_DIR
from cxassess._util.safe import slugify
from cxassess.errors import CxError
from cxassess.scoring import MIN_GROUP_SIZE

#: The only parameter names that may reach the notebook (papermill writes them as code).
PARAMETER_NAMES = (
    "client_name", "responses", "questionnaire", "group_by", "targets", "customer_metrics",
    "assessment_date", "consultant", "min_group_size",
)
FORMATS = ("html", "pdf")
DEFAULT_NOTEBOOK = NOTEBOOKS_DIR / "report.ipynb"
REPORT_TEMPLATE = "report"
REPORT_TEMPLATE_DIR = TEMPLATES_DIR / REPORT_TEMPLATE
REPORT_TITLE = "Customer-experience maturity report"
CELL_TIMEOUT = 600
#: Warm-ups the fork server runs once before forking, when the notebook imports their module.
WARM_UPS = ("cxassess.report.charts:warm_up",)
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


# --------------------------------------------------------------------------------------
# the request and its parameters
# --------------------------------------------------------------------------------------
@dataclass
class ReportRequest:
    """Everything one client's report needs. Paths may be relative to the current folder."""

    client: str
    responses: Path | str
    questionnaire: Path | str | None = None
    group_by: Sequence[str] = ()
    targets: Path | str | None = None
    customer_metrics: Path | str | None = None
    assessment_date: str | None = None
    consultant: str = ""
    min_group_size: int = MIN_GROUP_SIZE

    def __post_init__(self) -> None:
        self.client = str(self.client or "").strip()
        if not self.client:
            raise CxError("a report needs a client name (--client NAME)")
        if isinstance(self.group_by, str):
            self.group_by = [g.strip() for g in self.group_by.split(";") if g.strip()]
        self.group_by = [str(g) for g in self.group_by]
        self.consultant = "" if self.consultant is None else str(self.consultant)
        try:
            self.min_group_size = int(self.min_group_size)
        except (TypeError, ValueError) as exc:
            raise CxError(f"min_group_size must be a whole number, got {self.min_group_size!r}") from exc
        if self.min_group_size < 1:
            raise CxError(f"min_group_size must be at least 1, got {self.min_group_size}")
        if self.assessment_date is not None and str(self.assessment_date).strip():
            self.assessment_date = _check_date(str(self.assessment_date).strip())
        else:
            self.assessment_date = None

    @property
    def slug(self) -> str:
        return slugify(self.client)

    def input_files(self) -> list[Path]:
        """The files this report reads (for validation and ``--resume``)."""
        files = [Path(self.responses), Path(self.questionnaire or DEFAULT_QUESTIONNAIRE)]
        files += [Path(p) for p in (self.targets, self.customer_metrics) if p]
        return files

    def parameters(self) -> dict[str, Any]:
        """The notebook parameters: absolute paths, plain Python values, whitelisted names."""
        return build_parameters({
            "client_name": self.client,
            "responses": _abs(self.responses),
            "questionnaire": _abs(self.questionnaire or DEFAULT_QUESTIONNAIRE),
            "group_by": list(self.group_by),
            "targets": _abs(self.targets) if self.targets else None,
            "customer_metrics": _abs(self.customer_metrics) if self.customer_metrics else None,
            "assessment_date": self.assessment_date or dt.date.today().isoformat(),
            "consultant": self.consultant,
            "min_group_size": self.min_group_size,
        })


def _abs(path: Path | str | None) -> str | None:
    return None if path is None else str(Path(path).expanduser().resolve())


def _check_date(text: str) -> str:
    try:
        return dt.date.fromisoformat(text[:10]).isoformat() if len(text) >= 10 else dt.date.fromisoformat(text).isoformat()
    except ValueError as exc:
        raise CxError(f"assessment date {text!r} is not a date in the form YYYY-MM-DD") from exc


def build_parameters(values: Mapping[str, Any]) -> dict[str, Any]:
    """Check names against :data:`PARAMETER_NAMES` and values against plain types.

    Papermill writes ``name = value`` lines into the notebook, so an unknown name is refused
    outright (it could be code); values must be None, bool, int, float, str or a list of str.
    """
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name not in PARAMETER_NAMES or not _IDENTIFIER.match(str(name)):
            raise CxError(f"unknown report parameter {str(name)[:60]!r}; allowed: {', '.join(PARAMETER_NAMES)}")
        if isinstance(value, (list, tuple)):
            if not all(isinstance(v, str) for v in value):
                raise CxError(f"report parameter {name!r} must be a list of text values")
            value = list(value)
        elif isinstance(value, Path):
            value = str(value)
        elif value is not None and not isinstance(value, (bool, int, float, str)):
            raise CxError(f"report parameter {name!r} has an unsupported type {type(value).__name__}")
        out[name] = value
    return out


def validate_request(req: ReportRequest) -> Any:
    """Fail early and clearly on bad input (before any kernel starts); returns the scores.

    Reads and scores the responses exactly as the notebook will; the result is also what
    ``scores.json`` holds.
    """
    check_inputs(req)
    from cxassess.report.narrative import ensure_reportable
    from cxassess.scoring.score import score_file

    scores = score_file(req.responses, req.questionnaire, group_by=req.group_by, targets=req.targets,
                        min_group_size=req.min_group_size)
    ensure_reportable(scores, req.responses)
    return scores


def check_inputs(req: ReportRequest) -> None:
    """Every input file exists (the cheap part of :func:`validate_request`)."""
    for path in req.input_files():
        if not path.is_file():
            raise CxError(f"{req.client}: file not found: {path}")


def scores_document(req: ReportRequest, scores: Any, parameters: Mapping[str, Any]) -> dict[str, Any]:
    """``scores.json``: the scores (a Scores or its dict) plus the parameters the report was rendered with."""
    doc: dict[str, Any] = {"client": req.client}
    doc.update(scores if isinstance(scores, dict) else scores.to_dict())
    if req.customer_metrics:  # the same summary the report's panel shows (breakdown, suppression)
        from cxassess.report.narrative import load_customer_metrics

        doc["customer_metrics"] = load_customer_metrics(req.customer_metrics, req.min_group_size).to_dict()
    doc["report"] = {"parameters": dict(parameters), "assessment_date_given": req.assessment_date is not None}
    return doc


# --------------------------------------------------------------------------------------
# the notebook
# --------------------------------------------------------------------------------------
def load_notebook(path: Path | str | None = None) -> Any:
    """Read the report notebook and check it has a ``parameters`` cell."""
    from cxassess.run.kernels import avoid_slow_imports

    avoid_slow_imports()
    import nbformat

    path = Path(path or DEFAULT_NOTEBOOK)
    if not path.is_file():
        raise CxError(f"report notebook not found: {path}")
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # noqa: BLE001 - any parse failure is the user's file
        raise CxError(f"{path}: not a readable notebook ({exc})") from exc
    if not any("parameters" in c.get("metadata", {}).get("tags", []) for c in nb.cells):
        raise CxError(f"{path}: no cell is tagged 'parameters'; papermill needs one")
    for cell in nb.cells:
        cell.metadata.setdefault("tags", [])  # papermill expects the key on every cell
    nb.metadata.setdefault("kernelspec", {"name": "python3", "display_name": "Python 3", "language": "python"})
    return nb


def declared_parameters(nb: Any) -> set[str]:
    """Names assigned in the notebook's ``parameters`` cell."""
    names: set[str] = set()
    for cell in nb.cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            try:
                tree = ast.parse(cell.source)
            except SyntaxError:
                continue
            for node in tree.body:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
                names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def parameterize(template: Any, parameters: Mapping[str, Any]) -> Any:
    """A copy of the notebook with papermill's injected-parameters cell (whitelisted names only)."""
    from papermill.parameterize import parameterize_notebook

    nb = copy.deepcopy(template)
    nb.metadata.setdefault("papermill", {})
    return parameterize_notebook(nb, build_parameters(parameters), kernel_name="python3", language="python")


# --------------------------------------------------------------------------------------
# export
# --------------------------------------------------------------------------------------
_EXPORTER: Any = None


def _exporter() -> Any:
    global _EXPORTER
    if _EXPORTER is None:
        from nbconvert import HTMLExporter
        from nbconvert.exporters.templateexporter import TemplateExporter
        from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

        class ReportExporter(HTMLExporter):  # type: ignore[misc]
            """HTMLExporter without its BeautifulSoup pass (about 3x the template's own time).

            That pass only adds alt text to images (our template writes it) and focus attributes
            to JupyterLab's input/output areas (our reports have none).
            """

            def from_notebook_node(self, nb: Any, resources: Any = None, **kw: Any) -> Any:
                resources = self._init_resources(resources)
                self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                    notebook_metadata=self._nb_metadata, parent=self, resources=resources))
                return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

        _EXPORTER = ReportExporter(
            template_name=REPORT_TEMPLATE, extra_template_basedirs=[str(TEMPLATES_DIR)],
            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True, exclude_anchor_links=True,
        )
    return _EXPORTER


def export_html(nb: Any, *, client: str, assessment_date: str | None = None, consultant: str = "",
                title: str = REPORT_TITLE) -> str:
    """The executed notebook as one self-contained HTML page (outputs only; header from our template)."""
    meta = {"client": client, "assessment_date": assessment_date or "", "consultant": consultant or "",
            "title": title, "generated": dt.datetime.now().strftime("%Y-%m-%d %H:%M")}
    html, _ = _exporter().from_notebook_node(nb, resources={"cxassess": meta})
    return html


# --------------------------------------------------------------------------------------
# results and atomic output
# --------------------------------------------------------------------------------------
@dataclass
class ReportResult:
    client: str
    slug: str
    folder: Path
    status: str = "ok"  # ok | failed | skipped
    error: str = ""
    files: dict[str, Path] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "skipped")


def output_names(formats: Iterable[str]) -> list[str]:
    fmts = set(formats)
    return [f"report.{f}" for f in FORMATS if f in fmts] + ["report.ipynb", "scores.json"]


def publish(tmp: Path, final: Path) -> None:
    """Move a finished folder into place; an older report there is replaced as a whole."""
    if final.exists():
        old = final.with_name(f".{final.name}.old-{secrets.token_hex(4)}")
        os.rename(final, old)
        os.rename(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(tmp, final)


def one_line(text: str, limit: int = 300) -> str:
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(text))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_formats(text: str | Iterable[str]) -> tuple[str, ...]:
    items = [t.strip().lower() for t in (text.split(",") if isinstance(text, str) else text) if t.strip()]
    bad = [t for t in items if t not in FORMATS]
    if bad or not items:
        raise CxError(f"unknown format {', '.join(bad) or '(none)'}: choose from {', '.join(FORMATS)}")
    return tuple(dict.fromkeys(items))


# --------------------------------------------------------------------------------------
# the engine
# --------------------------------------------------------------------------------------
class Renderer:
    """Renders reports, one fresh kernel each, sharing a kernel source (use as ``async with``).

    ``executor``: ``auto`` (fork server where possible), ``fork`` or ``launch``;
    ``lanes``: how many reports may run at once (kernels forked ahead to match).
    """

    def __init__(self, *, notebook: Path | str | None = None, formats: Iterable[str] = FORMATS,
                 executor: str = "auto", lanes: int = 1, timeout: int = CELL_TIMEOUT) -> None:
        self.notebook_path = Path(notebook or DEFAULT_NOTEBOOK).resolve()
        self.formats = parse_formats(formats)
        self.executor = executor
        self.lanes = max(1, int(lanes))
        self.timeout = timeout
        self.template: Any = None
        self.declared: set[str] = set()
        self.source: Any = None
        self.cwd = str(self.notebook_path.parent)
        self._kernel_lanes = asyncio.Semaphore(self.lanes)
        self._pdf_lanes = asyncio.Semaphore(self.lanes)

    async def __aenter__(self) -> "Renderer":
        from cxassess.run.kernels import notebook_imports, open_kernel_source

        self.load()
        preload = notebook_imports(self.template) + ["cxassess.scoring.score", "cxassess.io.responses", "cxassess.questionnaire.model"]
        if "pdf" in self.formats:
            preload += ["weasyprint", "cxassess.report.pdf"]
        # the fork server imports its libraries while this process warms up its own
        self.source, _ = await asyncio.gather(
            open_kernel_source(self.executor, preload=preload, ahead=self.lanes, cwd=self.cwd,
                               warm=[w for w in WARM_UPS if w.split(":")[0] in preload]),
            asyncio.to_thread(_warm_driver))
        return self

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
        return getattr(self.source, "kind", "?")

    def inputs_of(self, req: ReportRequest) -> list[Path]:
        """Everything a report depends on: its data files, the notebook and our template."""
        return [*req.input_files(), self.notebook_path, *sorted(REPORT_TEMPLATE_DIR.glob("*"))]

    def input_digests(self, req: ReportRequest) -> dict[str, str]:
        """SHA-256 of every input's content: what ``--resume`` compares (dates lie after a copy that keeps them)."""
        import hashlib

        from cxassess.io.responses import SESSION_SUFFIXES

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

    async def render(self, req: ReportRequest, out_dir: Path | str, *, scores: Any = None) -> ReportResult:
        """Render one report into ``out_dir/<slug>/``; raises :class:`CxError` on any failure.

        ``scores``: the result of :func:`validate_request` when the caller already has it.
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
            kernel_scores = await self._execute(req, nb)

        # in this thread: the exporter is shared and not thread-safe (and takes ~0.03 s)
        html = export_html(nb, client=req.client, assessment_date=parameters.get("assessment_date"),
                           consultant=req.consultant)
        tmp = out / f".{slug}.tmp-{secrets.token_hex(4)}"
        tmp.mkdir()
        try:
            (tmp / "report.html").write_text(html, encoding="utf-8")
            _write_notebook(nb, tmp / "report.ipynb")
            if kernel_scores is None and scores is None:
                scores = await asyncio.to_thread(validate_request, req)
            doc = scores_document(req, kernel_scores if kernel_scores is not None else scores, parameters)
            doc["report"]["inputs"] = digests
            (tmp / "scores.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
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

    async def _execute(self, req: ReportRequest, nb: Any) -> dict[str, Any] | None:
        """Run the notebook in a fresh kernel (killed afterwards); returns the notebook's scores."""
        from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

        kernel = await self.source.acquire(self.cwd)
        try:
            client = _client_class()(nb, km=kernel.km, timeout=self.timeout, kernel_name="python3",
                                    resources={"metadata": {"path": self.cwd}}, allow_errors=False)
            client.kc = kernel.kc
            await client.async_execute()
            kernel_scores = await _kernel_scores(kernel.kc)
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
        return kernel_scores


_CLIENT_CLASS: Any = None


def _client_class() -> Any:
    """nbclient's NotebookClient for a kernel we started: it must not take over Ctrl-C.

    NotebookClient's own set-up installs SIGINT/SIGTERM handlers that only stop the current
    kernel, so Ctrl-C would fail one client and the batch would go on. Our kernel is already
    started and ready, so the set-up has nothing to do; Ctrl-C stops the whole run.
    """
    global _CLIENT_CLASS
    if _CLIENT_CLASS is None:
        from contextlib import asynccontextmanager

        from nbclient import NotebookClient

        class ReportClient(NotebookClient):  # type: ignore[misc]
            @asynccontextmanager
            async def async_setup_kernel(self, **kwargs: Any) -> Any:
                yield

        _CLIENT_CLASS = ReportClient
    return _CLIENT_CLASS


async def _kernel_scores(kc: Any, timeout: float = 30) -> dict[str, Any] | None:
    """The notebook's own ``scores`` as a dict (what the report shows), or None when it has none.

    One silent request with a user expression after the last cell: cheaper than scoring again
    here, and exactly the numbers behind the report.
    """
    import ast
    from queue import Empty

    msg_id = kc.execute("", silent=True, store_history=False,
                        user_expressions={"scores": "scores.to_json(indent=None)"})
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        try:
            msg = await kc.shell_channel.get_msg(timeout=max(0.1, deadline - loop.time()))
        except Empty:
            break
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        result = msg["content"].get("user_expressions", {}).get("scores", {})
        if result.get("status") != "ok":
            return None
        try:
            doc = json.loads(ast.literal_eval(result["data"]["text/plain"]))
        except (KeyError, ValueError, SyntaxError, TypeError):
            return None
        return doc if isinstance(doc, dict) and "dimensions" in doc and "overall" in doc else None
    return None


def _warm_driver() -> None:
    """Import what rendering needs and compile the HTML template once, before the first report."""
    import nbclient  # noqa: F401
    import nbformat
    import papermill.parameterize  # noqa: F401

    import cxassess.scoring.score  # noqa: F401

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("*warm-up*")])
    export_html(nb, client="warm-up")


def _write_notebook(nb: Any, path: Path) -> None:
    import nbformat

    path.write_text(nbformat.writes(nb, version=4), encoding="utf-8")


def render_report(request: ReportRequest, out_dir: Path | str, *, formats: Iterable[str] = FORMATS,
                  notebook: Path | str | None = None, executor: str = "auto", timeout: int = CELL_TIMEOUT) -> ReportResult:
    """Render one client's report (blocking). Raises :class:`CxError` with a clear message on failure."""

    scores = validate_request(request)  # bad input fails here, before any kernel starts

    async def run() -> ReportResult:
        async with Renderer(notebook=notebook, formats=formats, executor=executor, lanes=1, timeout=timeout) as r:
            return await r.render(request, out_dir, scores=scores)

    return asyncio.run(run())
