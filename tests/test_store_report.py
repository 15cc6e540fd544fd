"""The store in the report: the history section's HTML (escaped, suppression kept), scores.json's
``history`` key, a real rendered report with a trend and a benchmark, and ``batch --store``."""

from __future__ import annotations

import json
import shutil
from html import unescape
from pathlib import Path

import pytest

from cxassess._util.paths import DEMO_DIR
from cxassess.errors import CxError
from cxassess.io.read import read_responses
from cxassess.questionnaire.model import load_questionnaire
from cxassess.report.history import history_html, report_history
from cxassess.report.request import ReportRequest, store_parameter
from cxassess.scoring.score import score
from cxassess.store.api import add_assessment

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "data" / "mini.yaml"
EVIL = "<script>alert(1)</script>"


def _wide(path: Path, rows: list[tuple[int, ...]]) -> Path:
    lines = ["respondent_id,A1,A2,A3,B1,B2"] + [f"R{n}," + ",".join(map(str, r)) for n, r in enumerate(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _evil_mini(tmp_path: Path) -> Path:
    text = MINI.read_text(encoding="utf-8").replace("name: Dimension B", f"name: '{EVIL} B'")
    path = tmp_path / "evil.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_history_html_escapes_and_keeps_suppression(tmp_path: Path) -> None:
    q_path = _evil_mini(tmp_path)
    db = tmp_path / "h.sqlite"
    # wave 1: four people; only three of them answered enough of A (A1, A2, A3 blank for one)
    first = _wide(tmp_path / "w1.csv", [(4, 2, 3, 2, 3), (3, 3, 3, 3, 3), (5, 1, 4, 4, 2), (2, 4, 2, 1, 2)])
    add_assessment(first, f"{EVIL} Ltd", "2025 <i>", db=db, questionnaire=q_path, assessed_on="2025-01-01")
    q = load_questionnaire(q_path)
    current = _wide(tmp_path / "w2.csv", [(4, 2, 4, 4, 4), (5, 1, 4, 3, 4), (3, 3, 3, 5, 4)])
    scores = score(read_responses(current, q), q, min_group_size=4)  # 3 people: below a minimum of 4
    html = history_html(report_history(db, f"{EVIL} Ltd", scores, current))
    assert "<script>" not in html and "<i>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; B" in html and "2025 &lt;i&gt;" in html
    assert "not compared: fewer than 4 respondents in a wave" in html
    assert "fewer than 5 other clients" in html  # no benchmark
    assert "4.00" not in html and "3.67" not in html  # this wave's B score (11/3) is never shown for 3 people


def test_no_store_no_section(tmp_path: Path) -> None:
    q = load_questionnaire(MINI)
    scores = score(read_responses(_wide(tmp_path / "w.csv", [(3, 3, 3, 3, 3)] * 3), q), q)
    assert report_history(None, "X", scores) is None and history_html(None) == ""


def test_a_store_url_with_a_password_never_becomes_a_parameter(tmp_path: Path) -> None:
    with pytest.raises(CxError, match="holds a password"):
        ReportRequest(client="X", responses="r.csv", store="postgresql+psycopg://u:secret@h/db").parameters()
    assert store_parameter("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert store_parameter("rel.sqlite") == str(Path("rel.sqlite").resolve())
    assert store_parameter(None) is None


@pytest.fixture
def filled_store(tmp_path: Path) -> Path:
    """A store with an earlier wave of Demo client and six other clients' latest waves."""
    db = tmp_path / "history.sqlite"
    add_assessment(DEMO_DIR / "acme-utilities.csv", "Demo client", "2025", db=db, assessed_on="2025-02-01")
    files = ["acme-utilities.csv", "northwind-outfitters.csv", "harbour-health-clinics.csv"]
    for n in range(6):
        add_assessment(DEMO_DIR / files[n % 3], f"Other {n}", "2025", db=db, assessed_on="2025-06-01")
    return db


def test_a_rendered_report_shows_the_trend_and_the_benchmark(tmp_path: Path, filled_store: Path) -> None:
    from cxassess.run.renderer import render_report

    req = ReportRequest(client="Demo client", responses=DEMO_DIR / "harbour-health-clinics.csv", store=filled_store)
    result = render_report(req, tmp_path / "out", formats=["html"])
    html = (result.folder / "report.html").read_text(encoding="utf-8")
    assert "Over time and among other clients" in html
    assert "Change: 2025 to this assessment" in html and "95% interval" in html
    assert "6 other clients contributed" in html
    assert not any(f"Other {n}" in html for n in range(6))
    doc = json.loads((result.folder / "scores.json").read_text(encoding="utf-8"))
    history = doc["history"]
    assert [w["wave"] for w in history["trend"]["waves"]] == ["2025", "this assessment"]
    step = history["trend"]["steps"][0]
    assert {c["word"] for c in step["changes"]} <= {"improved", "no clear change", "declined"}
    assert history["benchmark"]["contributors"] == 6
    percentiles = [d["percentile"] for d in history["benchmark"]["dimensions"].values()]
    assert all(p is not None and 0 <= p <= 100 for p in percentiles)
    assert doc["report"]["parameters"]["store"] == str(filled_store)


def test_batch_store_records_each_rendered_client(tmp_path: Path, cli) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for name in ("acme-utilities.csv", "northwind-outfitters.csv"):
        shutil.copy(DEMO_DIR / name, data / name)
    manifest = data / "manifest.csv"
    manifest.write_text("client,responses,wave,sector\nAcme,acme-utilities.csv,2026-spring,Utilities\n"
                        "Northwind,northwind-outfitters.csv,,Retail\n", encoding="utf-8")
    db = tmp_path / "history.sqlite"
    done = cli("batch", manifest, "--out", tmp_path / "out", "--format", "html", "--store", db, "--wave", "2026",
               "--no-progress", "--workers", "1")
    assert done.returncode == 0, done.stderr
    assert "store: added 'Acme' wave '2026-spring'" in done.stderr
    assert "store: added 'Northwind' wave '2026'" in done.stderr
    listed = cli("store", "list", "--db", db)
    assert "Utilities" in listed.stdout and "Retail" in listed.stdout
    again = cli("batch", manifest, "--out", tmp_path / "out", "--format", "html", "--store", db, "--wave", "2026",
                "--no-progress", "--workers", "1", "--resume")
    assert again.returncode == 0, again.stderr
    assert "store: unchanged 'Acme' wave '2026-spring'" in again.stderr


def test_scores_by_wave_say_when_the_waves_asked_different_statements(tmp_path: Path) -> None:
    """The per-wave table shows each wave's own scores; with a reworded statement it must say so beside it,
    not only under the change tables (version drift never silently read as change)."""
    reworded = tmp_path / "mini-0.2.yaml"
    reworded.write_text(MINI.read_text(encoding="utf-8").replace('version: "0.1"', 'version: "0.2"')
                        .replace("text: Second A statement,", "text: Second A statement said another way,"),
                        encoding="utf-8")
    db = tmp_path / "h.sqlite"
    rows = [(4, 2, 3, 2, 3), (3, 3, 3, 3, 3), (5, 1, 4, 4, 2), (2, 4, 2, 1, 2), (3, 2, 4, 3, 4)]
    add_assessment(_wide(tmp_path / "w1.csv", rows), "Acme", "2025", db=db, questionnaire=MINI,
                   assessed_on="2025-01-01")
    q = load_questionnaire(reworded)
    current = _wide(tmp_path / "w2.csv", rows)
    html = history_html(report_history(db, "Acme", score(read_responses(current, q), q), current))
    table_end = html.index("</table>")
    note = unescape(html[table_end:html.index("<h3>", table_end)])
    assert "each wave's own scores on the statements it asked (questionnaire version 0.1 in 2025 and 0.2 in " \
           "this assessment)" in note

    other = _wide(tmp_path / "w3.csv", rows[::-1] + [(3, 3, 3, 3, 3)])
    same = history_html(report_history(db, "Acme", score(read_responses(other, load_questionnaire(MINI)),
                                                         load_questionnaire(MINI)), other))
    assert "Change: 2025 to this assessment" in same
    assert "each wave&#x27;s own" not in same and "each wave's own" not in same  # one version: nothing to say


def test_report_same_sector_benchmarks_within_the_clients_sector(tmp_path: Path, cli) -> None:
    """`cxassess report --store DB --same-sector`: the benchmark counts only the client's own sector."""
    db = tmp_path / "history.sqlite"
    add_assessment(DEMO_DIR / "acme-utilities.csv", "Demo client", "2025", db=db, sector="Health",
                   assessed_on="2025-02-01")
    files = ["acme-utilities.csv", "northwind-outfitters.csv", "harbour-health-clinics.csv"]
    for n in range(7):  # five others in Health, two in Retail
        add_assessment(DEMO_DIR / files[n % 3], f"Other {n}", "2025", db=db, sector="Health" if n < 5 else "Retail",
                       assessed_on="2025-06-01")
    runs = {}
    for name, extra in (("all", []), ("same", ["--same-sector"])):
        done = cli("report", "--client", "Demo client", "--responses", DEMO_DIR / "harbour-health-clinics.csv",
                   "--out", tmp_path / name, "--format", "html", "--store", db, *extra)
        assert done.returncode == 0, done.stderr
        folder = next((tmp_path / name).iterdir())
        runs[name] = ((folder / "report.html").read_text(encoding="utf-8"),
                      json.loads((folder / "scores.json").read_text(encoding="utf-8")))
    html, doc = runs["same"]
    assert doc["history"]["benchmark"]["contributors"] == 5 and "in the Health sector" in html
    assert doc["report"]["parameters"]["same_sector"] is True
    html, doc = runs["all"]
    assert doc["history"]["benchmark"]["contributors"] == 7 and "in the Health sector" not in html
