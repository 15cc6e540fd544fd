"""One client's report: parameters, execution in a fresh kernel, HTML/PDF export, atomic output.

Most tests use tests/data/probe_report.ipynb (a tiny report notebook that prints what it finds in
its kernel); a few render the real notebooks/report.ipynb on the bundled demo data.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from probe import probe_state

from cxassess._util.paths import DEMO_DIR, NOTEBOOKS_DIR
from cxassess._util.safe import slugify
from cxassess.errors import CxError
from cxassess.report.notebook import declared_parameters, load_notebook, parameterize
from cxassess.report.publish import parse_formats
from cxassess.report.request import PARAMETER_NAMES, ReportRequest, build_parameters
from cxassess.run.renderer import render_report

DATA = Path(__file__).parent / "data"
PROBE = DATA / "probe_report.ipynb"
MINI_Q = DATA / "mini.yaml"
MINI = DATA / "mini_wide.csv"


def probe_request(client: str = "Probe client", **kw) -> ReportRequest:
    kw.setdefault("responses", MINI)
    return ReportRequest(client=client, questionnaire=MINI_Q, **kw)


def pdf_pages(data: bytes) -> int:
    """Pages in a PDF: count page objects, also inside compressed object streams (WeasyPrint uses them)."""
    import zlib

    chunks = [data]
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            chunks.append(zlib.decompress(m.group(1)))
        except zlib.error:
            pass
    return sum(len(re.findall(rb"/Type\s*/Page(?![s\w])", c)) for c in chunks)


# --------------------------------------------------------------------------------------
# parameters
# --------------------------------------------------------------------------------------
def test_build_parameters_accepts_only_whitelisted_names_and_plain_values():
    ok = build_parameters({"client_name": "A", "group_by": ("role",), "min_group_size": 3, "targets": None})
    assert ok == {"client_name": "A", "group_by": ["role"], "min_group_size": 3, "targets": None}
    for bad in ("x; import os", "__import__('os')", "clientname", "os"):
        with pytest.raises(CxError, match="unknown report parameter"):
            build_parameters({bad: 1})
    with pytest.raises(CxError, match="list of text"):
        build_parameters({"group_by": ["role", 3]})
    with pytest.raises(CxError, match="unsupported type"):
        build_parameters({"consultant": object()})


def test_request_validates_its_fields():
    with pytest.raises(CxError, match="client name"):
        ReportRequest(client="  ", responses=MINI)
    with pytest.raises(CxError, match="YYYY-MM-DD"):
        ReportRequest(client="A", responses=MINI, assessment_date="23/11/2026")
    with pytest.raises(CxError, match="at least 1"):
        ReportRequest(client="A", responses=MINI, min_group_size=0)
    req = ReportRequest(client="A", responses=MINI, group_by="role; department", assessment_date="2026-03-04")
    assert req.group_by == ["role", "department"]
    params = req.parameters()
    assert set(params) == set(PARAMETER_NAMES)
    assert params["responses"] == str(MINI.resolve()) and params["assessment_date"] == "2026-03-04"


def test_injected_cell_assigns_exactly_the_parameters_and_round_trips_values():
    nb = load_notebook(PROBE)
    assert declared_parameters(nb) == set(PARAMETER_NAMES)
    tricky = 'Acme "Ltd"\\n\'; import os; os.system("touch PWNED") #\nline two é'
    params = probe_request(tricky, group_by=["role"]).parameters()
    injected = parameterize(nb, params)
    cell = next(c for c in injected.cells if "injected-parameters" in c.metadata.tags)
    tree = ast.parse(cell.source)
    assigned = {t.id for node in tree.body for t in node.targets}
    assert assigned == set(PARAMETER_NAMES)
    # every value is a literal that evaluates back to exactly what we passed
    values = {node.targets[0].id: ast.literal_eval(node.value) for node in tree.body}
    assert values == params
    assert "injected-parameters" not in [t for c in nb.cells for t in c.metadata.tags]  # template untouched


def test_notebook_without_parameters_cell_is_refused(tmp_path):
    import nbformat

    path = tmp_path / "plain.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]), path)
    with pytest.raises(CxError, match="tagged 'parameters'"):
        load_notebook(path)


def test_parse_formats():
    assert parse_formats("pdf, html") == ("pdf", "html")
    with pytest.raises(CxError, match="unknown format"):
        parse_formats("html,docx")


# --------------------------------------------------------------------------------------
# rendering with the probe notebook
# --------------------------------------------------------------------------------------
def test_probe_report_outputs_and_values(tmp_path):
    req = probe_request("Probe & Sons", group_by=["role"], consultant="Jo <Consulting>", assessment_date="2026-02-01")
    result = render_report(req, tmp_path, formats=["html"], notebook=PROBE)
    folder = tmp_path / req.slug
    assert result.folder == folder and result.status == "ok"
    assert sorted(p.name for p in folder.iterdir()) == ["report.html", "report.ipynb", "scores.json"]
    state = probe_state(folder)
    # mini_wide.csv has 4 respondents; the parameters arrived unchanged
    assert state["respondents"] == 4
    assert state["client"] == "Probe & Sons" and state["group_by"] == ["role"]
    assert state["consultant"] == "Jo <Consulting>" and state["assessment_date"] == "2026-02-01"

    html = (folder / "report.html").read_text(encoding="utf-8")
    # header: client, date and consultant, escaped; no code and no prompts
    assert '<h1 class="cx-client">Probe &amp; Sons</h1>' in html
    assert "2026-02-01" in html and "Jo &lt;Consulting&gt;" in html
    assert "score_file(" not in html and "In&nbsp;[" not in html and "Out[" not in html
    # self-contained: the figure is embedded, nothing is loaded from elsewhere
    assert re.search(r'<img alt="" src="data:image/png;base64,[A-Za-z0-9+/=]{200,}', html)
    assert not re.search(r'(src|href)\s*=\s*"(https?:|//|file:)', html)
    assert "<script" not in html.lower()

    scores = json.loads((folder / "scores.json").read_text(encoding="utf-8"))
    assert scores["client"] == "Probe & Sons" and scores["respondents"] == 4
    assert scores["report"]["parameters"]["group_by"] == ["role"]
    assert set(scores["dimensions"]) == {"A", "B"}


def test_pdf_is_rendered_from_the_html(tmp_path):
    result = render_report(probe_request("Pdf client"), tmp_path, formats=["pdf"], notebook=PROBE)
    pdf = (result.folder / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert pdf_pages(pdf) == 1  # the probe report fits on one A4 page
    assert not (result.folder / "report.html").exists()  # only the formats asked for
    assert (result.folder / "report.ipynb").is_file() and (result.folder / "scores.json").is_file()


def test_bad_input_fails_before_any_kernel_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(CxError, match="file not found: .*missing.csv"):
        render_report(probe_request(responses=tmp_path / "missing.csv"), out, formats=["html"], notebook=PROBE)
    bad = tmp_path / "bad.csv"
    bad.write_text("respondent_id,A1\nr1,7\n", encoding="utf-8")
    with pytest.raises(CxError) as err:
        render_report(probe_request(responses=bad), out, formats=["html"], notebook=PROBE)
    assert "bad.csv" in str(err.value)
    assert not out.exists() or list(out.iterdir()) == []


def test_notebook_error_is_one_clear_line_and_leaves_no_partial_output(tmp_path):
    with pytest.raises(CxError) as err:
        render_report(probe_request("FAIL now"), tmp_path, formats=["html"], notebook=PROBE)
    message = str(err.value)
    assert message == "FAIL now: the report notebook failed: ValueError: probe failure requested by FAIL now"
    assert list(tmp_path.iterdir()) == []


def test_rerender_replaces_the_whole_folder_and_a_failure_keeps_the_old_one(tmp_path):
    req = probe_request("Same client")
    first = render_report(req, tmp_path, formats=["html"], notebook=PROBE)
    (first.folder / "stale.txt").write_text("from an older run", encoding="utf-8")
    pid_first = probe_state(first.folder)["pid"]
    second = render_report(req, tmp_path, formats=["html"], notebook=PROBE)
    assert not (second.folder / "stale.txt").exists()
    assert probe_state(second.folder)["pid"] != pid_first  # a new kernel
    # a failing render (bad responses) leaves the previous report whole and no temporary folders
    bad = tmp_path / "bad.csv"
    bad.write_text("respondent_id,A1\nr1,9\n", encoding="utf-8")
    with pytest.raises(CxError):
        render_report(probe_request("Same client", responses=bad), tmp_path, formats=["html"], notebook=PROBE)
    assert sorted(p.name for p in second.folder.iterdir()) == ["report.html", "report.ipynb", "scores.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", req.slug]


def test_launched_kernel_executor_gives_the_same_report(tmp_path):
    result = render_report(probe_request("Launched"), tmp_path, formats=["html"], notebook=PROBE, executor="launch")
    state = probe_state(result.folder)
    assert state["respondents"] == 4 and state["global"] is None
    assert "data:image/png;base64," in (result.folder / "report.html").read_text(encoding="utf-8")


def test_unknown_executor_is_refused(tmp_path):
    with pytest.raises(CxError, match="unknown executor"):
        render_report(probe_request(), tmp_path, formats=["html"], notebook=PROBE, executor="threads")


# --------------------------------------------------------------------------------------
# the real report notebook and the CLI
# --------------------------------------------------------------------------------------
def test_real_report_for_a_demo_client(tmp_path):
    from cxassess.scoring.score import score_file

    req = ReportRequest(client="Harbour Health Clinics", responses=DEMO_DIR / "harbour-health-clinics.csv",
                        group_by=["role", "department"], targets=DEMO_DIR / "targets.yaml",
                        consultant="Demo Consulting", assessment_date="2026-11-02")
    result = render_report(req, tmp_path, formats=["html", "pdf"], notebook=NOTEBOOKS_DIR / "report.ipynb")
    html = (result.folder / "report.html").read_text(encoding="utf-8")
    assert "Harbour Health Clinics" in html and "Demo Consulting" in html and "2026-11-02" in html
    assert html.count("data:image/svg+xml;base64,") >= 2  # at least the radar and the dimension bars
    assert "score_file(" not in html and "<script" not in html.lower()
    assert "anchor-link" not in html and "&#182;" not in html  # no pilcrow links beside headings in print
    assert pdf_pages((result.folder / "report.pdf").read_bytes()) >= 3
    check_first_page(result.folder / "report.pdf", tmp_path)
    expected = score_file(req.responses, None, group_by=req.group_by, targets=req.targets)
    doc = json.loads((result.folder / "scores.json").read_text(encoding="utf-8"))
    assert doc["respondents"] == expected.respondents
    assert doc["overall"]["score"] == pytest.approx(expected.overall["score"], abs=1e-6)
    nb = json.loads((result.folder / "report.ipynb").read_text(encoding="utf-8"))
    injected = next(c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", []))
    assert 'client_name = "Harbour Health Clinics"' in "".join(injected["source"])
    assert all(c.get("outputs") is not None for c in nb["cells"] if c["cell_type"] == "code")


def test_cli_report_prints_paths_and_errors_cleanly(tmp_path, cli):
    res = cli("report", "--client", "Cli client", "--responses", MINI, "--questionnaire", MINI_Q,
              "--notebook", PROBE, "--out", tmp_path, "--format", "html", "--group-by", "role")
    assert res.returncode == 0, res.stderr
    paths = [Path(line) for line in res.stdout.split()]
    assert [p.name for p in paths] == ["report.html", "report.ipynb", "scores.json"]
    assert all(p.is_file() and p.parent.parent == tmp_path for p in paths)

    res = cli("report", "--client", "X", "--responses", tmp_path / "nope.csv", "--out", tmp_path, "--format", "html")
    assert res.returncode == 1
    assert "error: X: file not found" in res.stderr and "Traceback" not in res.stderr


def test_cli_help_lists_report_and_batch_without_heavy_imports():
    import subprocess
    import sys

    code = ("import sys, io, contextlib\nfrom cxassess.cli.main import main\n"
            "buf = io.StringIO()\n"
            "with contextlib.redirect_stdout(buf):\n"
            "    try:\n        main(['--help'])\n    except SystemExit:\n        pass\n"
            "heavy = [m for m in ('pandas', 'matplotlib', 'nbformat', 'nbclient', 'papermill', 'weasyprint') "
            "if m in sys.modules]\n"
            "print(heavy)\nprint(buf.getvalue())")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines()[0] == "[]"
    assert "report " in res.stdout and "batch " in res.stdout


def test_scores_json_comes_from_the_driver_when_the_notebook_has_no_scores(tmp_path):
    import nbformat

    nb = nbformat.read(PROBE, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = cell.source.replace("scores", "other_name")
    variant = tmp_path / "variant.ipynb"
    nbformat.write(nb, variant)
    result = render_report(probe_request("No scores"), tmp_path / "out", formats=["html"], notebook=variant)
    doc = json.loads((result.folder / "scores.json").read_text(encoding="utf-8"))
    assert doc["client"] == "No scores" and doc["respondents"] == 4 and set(doc["dimensions"]) == {"A", "B"}


def test_forked_kernels_get_private_unix_sockets(tmp_path):
    from cxassess.run.forkserver import new_connection_info

    a, b = new_connection_info(str(tmp_path)), new_connection_info(str(tmp_path))
    assert a["transport"] == b["transport"] == "ipc"
    assert Path(a["ip"]).parent == tmp_path and a["ip"] != b["ip"]  # never two kernels on one address
    assert a["key"] != b["key"] and len(a["key"]) == 64


def test_cli_report_refuses_fewer_respondents_than_the_minimum_before_any_kernel(cli, tmp_path):
    two = tmp_path / "two.csv"
    two.write_text("".join((DEMO_DIR / "harbour-health-clinics.csv").read_text(encoding="utf-8").splitlines(True)[:3]),
                   encoding="utf-8")
    res = cli("report", "--client", "Pair", "--responses", two, "--out", tmp_path / "out", "--format", "html")
    assert res.returncode == 1
    assert "only 2 respondent(s) with usable answers; a report needs at least 3" in res.stderr
    assert "--min-group-size 1" in res.stderr and not (tmp_path / "out" / slugify("Pair")).exists()


def poppler(tool: str) -> str:
    """A poppler tool's path; missing: a failure in CI (a missing install step), a skip elsewhere."""
    import os
    import shutil

    path = shutil.which(tool)
    if path is None:
        message = f"{tool} (poppler-utils) is needed to check the PDF's first page"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def check_first_page(pdf: Path, tmp_path: Path) -> None:
    """Page 1 is not a third empty, and "Where you stand" never ends a page without its charts."""
    import subprocess

    from PIL import Image

    pages = []
    for page in (1, 2):
        out = subprocess.run([poppler("pdftotext"), "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"],
                             capture_output=True, text=True, check=True).stdout
        pages.append(out)
    where = next(k for k, text in enumerate(pages) if "Where you stand" in text) if any(
        "Where you stand" in t for t in pages) else None
    assert where is not None, "the 'Where you stand' section is on neither of the first two pages"
    assert "Maturity by dimension" in pages[where] or "Current maturity" in pages[where]  # its charts come with it
    subprocess.run([poppler("pdftoppm"), "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")],
                   check=True)
    image = Image.open(next(tmp_path.glob("p*.png"))).convert("L")
    width, height = image.size
    body = image.crop((0, 0, width, int(height * 0.93)))  # above the page-number footer
    import numpy as np

    rows = np.asarray(body).min(axis=1) < 200  # a row with any dark pixel
    last_ink = int(np.flatnonzero(rows).max())
    assert last_ink / body.size[1] > 0.75, f"page 1 is blank below {last_ink / body.size[1]:.0%} of its height"
