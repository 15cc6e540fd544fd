"""The report notebook runs for real: under the plain papermill CLI and API with parameters, from any
working directory, and under nbval; figures come out as PNG and user strings come out escaped."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from cxassess._util.paths import DEMO_DIR, NOTEBOOKS_DIR, PROJECT_DIR

NOTEBOOK = NOTEBOOKS_DIR / "report.ipynb"
SURVEY = PROJECT_DIR / "data" / "samples" / "customer_survey.csv"
EVIL = "<script>alert(1)</script>"
EVIL_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
PARAMETERS = {
    "client_name": "Demo client",
    "responses": str(DEMO_DIR / "harbour-health-clinics.csv"),
    "questionnaire": None,
    "group_by": ["role", "department"],
    "targets": None,
    "customer_metrics": None,
    "assessment_date": "",
    "consultant": "",
    "min_group_size": 3,
    "invited": None,
    "store": None,
    "same_sector": False,
}


def outputs(nb) -> list[dict]:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]


def html_of(nb) -> str:
    return "\n".join(o.get("data", {}).get("text/html", "") for o in outputs(nb))


def charts_shown(nb) -> int:
    """Charts in the outputs: each as SVG only (a PNG beside it would mean drawing it twice)."""
    data = [o.get("data", {}) for o in outputs(nb)]
    assert not any("image/png" in d for d in data)
    return sum("image/svg+xml" in d for d in data)


def run_papermill(tmp_path: Path, **params) -> nbformat.NotebookNode:
    import papermill

    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(str(NOTEBOOK), str(out), parameters=params, cwd=str(tmp_path),
                               progress_bar=False, kernel_name="python3")
    return nbformat.read(out, as_version=4)


def test_parameters_cell_has_exactly_the_documented_names_and_defaults():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    first = next(c for c in nb.cells if c.cell_type == "code")
    namespace: dict = {}
    exec(first.source, namespace)  # noqa: S102 - our own notebook's set-up cell
    before = set(namespace)
    exec(tagged[0].source, namespace)  # noqa: S102
    assert {k: namespace[k] for k in set(namespace) - before} == PARAMETERS


def test_notebook_is_committed_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


def test_plain_papermill_cli_with_targets_and_a_hostile_client_name(tmp_path):
    out = tmp_path / "out.ipynb"
    proc = subprocess.run(
        [sys.executable, "-m", "papermill", str(NOTEBOOK), str(out), "-p", "client_name", EVIL,
         "-p", "responses", str(DEMO_DIR / "acme-utilities.csv"), "-p", "targets", str(DEMO_DIR / "targets.yaml"),
         "--kernel", "python3", "--no-progress-bar"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    nb = nbformat.read(out, as_version=4)
    html = html_of(nb)
    assert EVIL not in html and EVIL_ESCAPED in html
    assert f"Customer experience maturity: {EVIL_ESCAPED}" in html
    # radar and bars as SVG, not "<Figure ...>" text; heatmaps and item ranking are HTML tables
    assert charts_shown(nb) == 2
    assert html.count('class="cx-table cx-heatmap"') == 2 and "<h3>Weakest statements</h3>" in html
    assert not any("<Figure" in o.get("data", {}).get("text/plain", "") and "image/svg+xml" not in o.get("data", {})
                   for o in outputs(nb))
    assert "<strong>Against target:</strong>" in html
    assert "What customers say" not in html  # no customer survey given
    assert "Appendix" in "".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert not [o for o in outputs(nb) if o.get("output_type") == "error"]


def test_papermill_with_customer_metrics_and_group_by_as_text(tmp_path):
    nb = run_papermill(tmp_path, client_name="Harbour", responses=str(DEMO_DIR / "harbour-health-clinics.csv"),
                       customer_metrics=str(SURVEY), group_by="role;department", min_group_size=9,
                       consultant="Ann & Co", assessment_date="2026-03-05")
    html = html_of(nb)
    assert "<h2>What customers say</h2>" in html
    assert "Net Promoter Score (would recommend, 0–10)" in html and "By segment" in html
    assert "<strong>What customers say:</strong> customers report a Net Promoter Score of" in html
    assert "not that one causes the other" in html
    assert charts_shown(nb) == 4  # radar, bars, focus areas (42 respondents: key drivers shown) and the NPS bar
    # Harbour's Management department is its 8 leaders: suppressed at min_group_size 9, and Billing
    # (11, the next smallest, before Reception by name) with it, or Management could be worked out
    # from the total by subtraction
    assert "cannot be worked out from the rest): Billing, Management." in html
    assert "Prepared by: Ann &amp; Co" in html and "Assessed on 5 March 2026 · rendered on" in html


def test_papermill_without_grouping(tmp_path):
    nb = run_papermill(tmp_path, responses=str(DEMO_DIR / "northwind-outfitters.csv"), group_by=[])
    html = html_of(nb)
    assert "No grouping was requested for this report." in html
    assert "Perception gaps" not in html
    assert charts_shown(nb) == 3  # radar, bars and focus areas (64 respondents)
    assert 'class="cx-table cx-heatmap"' not in html


def test_bad_input_stops_with_the_clear_message(tmp_path):
    import papermill

    with pytest.raises(papermill.PapermillExecutionError) as info:
        run_papermill(tmp_path, responses=str(tmp_path / "missing.csv"))
    assert "CxError" in str(info.value) and "missing.csv" in str(info.value)


def test_no_report_on_fewer_respondents_than_the_minimum_group_size(tmp_path):
    import papermill

    # two respondents of Harbour's file: an "organisation" score would be their own answers
    two = tmp_path / "two.csv"
    two.write_text("".join((DEMO_DIR / "harbour-health-clinics.csv").read_text(encoding="utf-8").splitlines(True)[:3]),
                   encoding="utf-8")
    with pytest.raises(papermill.PapermillExecutionError) as info:
        run_papermill(tmp_path, responses=str(two), group_by=[])
    assert "only 2 respondent(s) with usable answers; a report needs at least 3" in str(info.value)
    run_papermill(tmp_path, responses=str(two), group_by=[], min_group_size=2)  # allowed when asked for


def test_runs_under_nbval(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", str(NOTEBOOK), "-q", "-p", "no:cacheprovider",
         "--rootdir", str(tmp_path)],
        capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert " passed" in proc.stdout


def test_a_demo_report_says_what_its_figures_show(tmp_path):
    """Real execution for Northwind with the demo's targets, invited count and comments: each sentence
    rule of issue 13 checked against the figures the same run computed."""
    import re

    from cxassess.report.actions import action_plan
    from cxassess.scoring.score import score_file

    nb = run_papermill(tmp_path, client_name="Northwind Outfitters",
                       responses=str(DEMO_DIR / "northwind-outfitters.csv"), targets=str(DEMO_DIR / "targets.yaml"),
                       invited=80)
    html = html_of(nb)
    scores = score_file(DEMO_DIR / "northwind-outfitters.csv", group_by=["role", "department"],
                        targets=DEMO_DIR / "targets.yaml")
    plan = action_plan(scores)
    names = scores.dimensions["name"]
    # targets: who set them, and the largest shortfall is where the plan starts
    short = scores.dimensions.loc[scores.dimensions["gap"] > 0].sort_values("gap", ascending=False)
    assert len(short) >= 1 and plan.order[: len(short)] == list(short.index)
    assert "(targets set by the client&#x27;s leadership team, with Demo Consulting)" in html
    assert f"the largest shortfall is <strong>{names[short.index[0]]}</strong>" in html
    assert f"the action plan puts <strong>{names[plan.order[0]]}</strong>" in html
    # the response rate from the invited count: 64 of 80
    assert scores.respondents == 64 and "64 respondents of 80 invited (a response rate of 80%)" in html
    # the rendered date is not passed off as the assessment date
    assert "(no assessment date was given)" in html
    # a strength is above the midpoint; a reverse-worded statement among the strongest reads as disagreement
    best = html.split("<h3>Strongest statements</h3>")[1].split("<h3>Weakest statements</h3>")[0]
    for item in re.findall(r"<tr><td>([A-Z]+\d)</td>", best):
        if scores.items.loc[item, "reverse"]:
            assert re.search(rf"<td>{item}</td><td>(Most \(\d+%\)|On balance, people) disagreed that", best)
    strongest = scores.ranked().index[0]
    assert scores.dimensions.loc[strongest, "score"] > 3 and "<strong>Strengths to build on:</strong>" in html
    # intervals and stage probabilities beside the scores
    p = scores.intervals.loc["overall", f"stage_{int(scores.overall['stage'])}"]
    assert f"<strong>{scores.overall['stage_name']}</strong> ({p:.0%} likely)" in html
    # comments: shown (64 people), contact details gone, grouped by theme
    assert "What people wrote" in "".join(c.source for c in nb.cells)
    raw = (DEMO_DIR / "northwind-outfitters.csv").read_text(encoding="utf-8")
    assert "sam.rivers@example.com" in raw and "01632 960 417" in raw  # the demo's comments carry both
    assert "people wrote" in html and "sam.rivers" not in html and "@example.com" not in html
    assert "960 417" not in html and "01632" not in html
    assert "<th>Theme</th>" in html
