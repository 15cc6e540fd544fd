"""The PowerPoint deck: re-read with python-pptx and checked against scores.json; text measured
against its boxes with DejaVu's own metrics (PIL, an independent wrap); opened by LibreOffice.

One real report (kernel and all) is shared with tests/test_workbook.py (see tests/office.py).
"""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from office import ARTIFACTS, DEMO, demo_report, pdf_pages, to_pdf, to_pngs
from PIL import ImageFont
from pptx import Presentation
from pptx.util import Pt

from cxassess.questionnaire.model import load_questionnaire

EMU_PER_PT = 12700
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"


@pytest.fixture(scope="session")
def report(tmp_path_factory):
    return demo_report(tmp_path_factory.mktemp("office-report"))


@pytest.fixture(scope="session")
def deck(report):
    return Presentation(str(report["folder"] / "report.pptx"))


def titles(prs) -> list[str]:
    return [s.shapes.title.text_frame.text if s.shapes.title is not None else "" for s in prs.slides]


def slide_titled(prs, start: str):
    return [s for s in prs.slides if s.shapes.title is not None and s.shapes.title.text_frame.text.startswith(start)]


def all_text(slide) -> str:
    parts = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            parts.append(shape.text_frame.text)
        if shape.has_table:
            parts += [c.text for row in shape.table.rows for c in row.cells]
    return "\n".join(parts)


# --------------------------------------------------------------------------------------
# figures against scores.json
# --------------------------------------------------------------------------------------
def test_slides_in_order(report, deck):
    doc = report["doc"]
    names = [d["name"] for d in doc["dimensions"].values()]
    got = titles(deck)
    assert got[0] == "Customer experience maturity: Acme Utilities"
    assert got[1] == "Executive summary"
    assert got[2].startswith("Where you stand") and got[3].startswith("The profile")
    assert "How views differ by role" in got and "How views differ by department" in got
    assert "Strongest statements" in got and "Weakest statements" in got and "Where people disagree" in got
    assert any(t.startswith("Action plan") for t in got)
    assert all(t.count(":") <= 1 for t in got), [t for t in got if t.count(":") > 1]  # not 'Action plan: later: ...'
    assert [t for t in got if t in names] == names  # one slide per dimension, questionnaire order


def test_title_slide_names_client_date_and_consultant(deck):
    text = all_text(deck.slides[0])
    assert "Acme Utilities" in text and "Demo Consulting" in text
    assert "30 November 2026" in text or "2026-11-30" in text


def test_bar_chart_is_native_with_scores_and_targets(report, deck):
    doc = report["doc"]
    q = load_questionnaire()
    slide = slide_titled(deck, "Where you stand")[0]
    charts = [s for s in slide.shapes if s.has_chart]
    assert len(charts) == 1
    chart = charts[0].chart
    labels = [d.label for d in q.dimensions]
    assert list(chart.plots[0].categories) == labels
    series = {s.name: list(s.values) for s in chart.plots[0].series}
    assert series["Score"] == [round(d["score"], 2) for d in doc["dimensions"].values()]
    assert series["Target"] == [round(d["target"], 2) for d in doc["dimensions"].values()]
    assert chart.part.chart_workbook.xlsx_part is not None  # data embedded: Edit Data works
    # the stage bands sit behind the plot at the stage thresholds of the value axis
    bands = sorted((s for s in slide.shapes if s.name.startswith("Stage band")), key=lambda s: s.left)
    assert len(bands) == len(q.stages)
    frame = charts[0]
    x0 = frame.left + 0.17 * frame.width
    width = 0.80 * frame.width
    for band, stage in zip(bands, q.stages, strict=True):
        expected = x0 + width * (max(stage.min_score, q.scale.min) - q.scale.min) / (q.scale.max - q.scale.min)
        assert abs(band.left - expected) <= 2
    xml = chart._chartSpace.xml
    assert '<c:manualLayout>' in xml and '<c:layoutTarget val="inner"/>' in xml
    # the first dimension on top (categories reversed) and the value axis still at the bottom: it
    # crosses the category axis at its last category, not at the top where the stage labels are
    cat_ax, val_ax = chart._chartSpace.find(f".//{C}catAx"), chart._chartSpace.find(f".//{C}valAx")
    assert cat_ax.find(f"{C}scaling/{C}orientation").get("val") == "maxMin"
    assert val_ax.find(f"{C}crosses").get("val") == "max"


def test_radar_is_native(report, deck):
    doc = report["doc"]
    chart = next(s for s in slide_titled(deck, "The profile")[0].shapes if s.has_chart).chart
    assert "radar" in chart.chart_type.name.lower()
    values = {s.name: list(s.values) for s in chart.plots[0].series}
    assert values["Score"] == [round(d["score"], 2) for d in doc["dimensions"].values()]


def test_heatmap_tables_match_scores_and_hide_suppressed_groups(report, deck):
    doc = report["doc"]
    dims = list(doc["dimensions"])
    suppressed_seen = 0
    for column, groups in doc["groups"].items():
        slide = slide_titled(deck, f"How views differ by {column}")[0]
        table = next(s for s in slide.shapes if s.has_table).table
        rows = {}
        for r in range(1, len(table.rows)):
            label = table.cell(r, 0).text
            rows[label.split(" (n=")[0]] = [table.cell(r, c) for c in range(1, len(table.columns))]
        assert set(rows) == set(groups)
        for group, g in groups.items():
            cells = rows[group]
            if g.get("suppressed"):
                suppressed_seen += 1
                assert cells[0].is_merge_origin and cells[0].span_width == len(dims)
                assert cells[0].text.startswith("suppressed")
                assert not re.search(r"\d\.\d", cells[0].text)  # never a score for a suppressed group
            else:
                for cell, dim in zip(cells, dims, strict=True):
                    assert cell.text == f"{g['dimensions'][dim]:.1f}"
                    assert cell.fill.type == 1  # solid heat colour
    assert suppressed_seen >= 1  # the fixture's minimum group size of 6 hides the leadership group


def test_strongest_and_weakest_statements(report, deck):
    items = pd.DataFrame(report["doc"]["items"]).T.dropna(subset=["mean"]).sort_values("mean", ascending=False,
                                                                                       kind="stable")
    for title, expected in (("Strongest statements", items.head(5)), ("Weakest statements", items.tail(5)[::-1])):
        table = next(s for s in slide_titled(deck, title)[0].shapes if s.has_table).table
        got = [(table.cell(r, 0).text, table.cell(r, 3).text) for r in range(1, len(table.rows))]
        assert got == [(i, f"{m:.2f}") for i, m in expected["mean"].items()]


def test_action_plan_order_and_dimension_slides(report, deck):
    doc = report["doc"]
    q = load_questionnaire()
    # the plan's rule: below-target dimensions first, the largest shortfall first (all of the demo's are)
    gaps = {d: v["target"] - v["score"] for d, v in doc["dimensions"].items()}
    assert all(g > 0 for g in gaps.values())
    order = sorted(gaps, key=lambda d: (-round(gaps[d], 9), list(gaps).index(d)))
    plan_text = "\n".join(all_text(s) for s in deck.slides if s.shapes.title.text_frame.text.startswith("Action plan"))
    positions = [plan_text.find(doc["dimensions"][d]["name"]) for d in order]
    assert all(p >= 0 for p in positions) and positions == sorted(positions)
    for dim, v in doc["dimensions"].items():
        slides = slide_titled(deck, v["name"])
        text = "\n".join(all_text(s) for s in slides)
        assert f"Score {v['score']:.2f}" in text
        assert f"Spread (sd): {v['sd']:.2f}" in text
        assert f"Agreement (rwg): {v['rwg']:.2f}" in text
        assert f"{v['stage']} of {len(q.stages)}, {v['stage_name']}" in text
        for item in q.items:
            if item.dimension == dim:
                assert f"{doc['items'][item.id]['mean']:.2f}" in text and item.id in text


# --------------------------------------------------------------------------------------
# text fits its boxes: measured here with PIL and DejaVu, wrapping whole candidate lines
# --------------------------------------------------------------------------------------
def _font_file(bold: bool) -> str:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    system = Path("/usr/share/fonts/truetype/dejavu") / name
    if system.is_file():
        return str(system)
    import matplotlib

    return str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name)


_FONTS: dict[tuple[bool, float], ImageFont.FreeTypeFont] = {}


def _measure(segments: list[tuple[str, bool, float]]) -> float:
    """Width in points of a line made of (text, bold, size) segments."""
    total = 0.0
    for text, bold, size in segments:
        key = (bold, size)
        if key not in _FONTS:
            _FONTS[key] = ImageFont.truetype(_font_file(bold), int(round(size * 10)))
        total += _FONTS[key].getlength(text) / 10
    return total


def _lines(runs: list[tuple[str, bool, float]], width: float) -> int:
    """Greedy wrap measuring each whole candidate line (not word by word)."""
    chars = [(ch, b, s) for text, b, s in runs for ch in text]
    words, cur = [], []
    for ch in chars:
        if ch[0] == " ":
            words.append(cur)
            cur = []
        else:
            cur.append(ch)
    words.append(cur)

    def segs(chs):
        out: list[tuple[str, bool, float]] = []
        for ch, b, s in chs:
            if out and out[-1][1:] == (b, s):
                out[-1] = (out[-1][0] + ch, b, s)
            else:
                out.append((ch, b, s))
        return out

    lines, line = 1, []
    for word in words:
        if _measure(segs(word)) > width:  # an unbroken string wider than the box
            if len(word) < 30:
                return 999  # an ordinary word cut in two: the box is too narrow
            lines += (1 if line else 0)
            line = []
            for ch in word:  # PowerPoint and LibreOffice break it by characters
                if line and _measure(segs(line + [ch])) > width:
                    lines += 1
                    line = []
                line.append(ch)
            continue
        candidate = line + ([(" ", word[0][1] if word else False, word[0][2] if word else 10)] if line else []) + word
        if not line or _measure(segs(candidate)) <= width:
            line = candidate
        else:
            lines += 1
            line = word
    return lines


def _paragraph_need(p, width_pt: float) -> float:
    ppr = p._p.pPr
    runs = [(r.text, bool(r.font.bold), r.font.size.pt) for r in p.runs if r.text]
    if not runs:
        return 0.0
    indent = int(ppr.get("marL", "0")) / EMU_PER_PT if ppr is not None else 0.0
    spc = ppr.find(f"{A}lnSpc/{A}spcPts") if ppr is not None else None
    size = max(s for _, _, s in runs)
    line = int(spc.get("val")) / 100 if spc is not None else size * 1.2
    after = ppr.find(f"{A}spcAft/{A}spcPts") if ppr is not None else None
    assert line >= size * 1.15, "line height set below the font's own"
    return _lines(runs, width_pt - indent) * line + (int(after.get("val")) / 100 if after is not None else 0)


def check_fits(prs) -> int:
    """Every text box and table of every slide fits: returns the number of boxes checked."""
    checked = 0
    sw, sh = prs.slide_width, prs.slide_height
    for k, slide in enumerate(prs.slides, 1):
        for shape in slide.shapes:
            assert shape.left >= 0 and shape.top >= 0, f"slide {k}: {shape.name} off the slide"
            assert shape.left + shape.width <= sw + 2 and shape.top + shape.height <= sh + 2, \
                f"slide {k}: {shape.name} runs off the slide"
            if shape.has_text_frame and shape.text_frame.text.strip():
                tf = shape.text_frame
                width = (shape.width - tf.margin_left - tf.margin_right) / EMU_PER_PT
                room = (shape.height - tf.margin_top - tf.margin_bottom) / EMU_PER_PT
                need = sum(_paragraph_need(p, width) for p in tf.paragraphs)
                if shape.name.startswith("Stage label"):
                    continue
                assert need <= room + 0.5, f"slide {k} ({titles(prs)[k - 1]!r}): {shape.name} needs {need:.0f} pt, " \
                                           f"has {room:.0f}: {tf.text[:80]!r}"
                checked += 1
            if shape.has_table:
                table = shape.table
                assert shape.top + sum(r.height for r in table.rows) <= sh, f"slide {k}: table runs off the slide"
                for r, row in enumerate(table.rows):
                    for c, cell in enumerate(row.cells):
                        if cell.is_spanned or not cell.text:
                            continue
                        span = cell.span_width if cell.is_merge_origin else 1
                        width = sum(table.columns[i].width for i in range(c, c + span))
                        width = (width - cell.margin_left - cell.margin_right) / EMU_PER_PT
                        room = (row.height - cell.margin_top - cell.margin_bottom) / EMU_PER_PT
                        need = sum(_paragraph_need(p, width) for p in cell.text_frame.paragraphs)
                        assert need <= room + 0.5, f"slide {k}: cell ({r},{c}) {cell.text[:60]!r} needs {need:.0f} pt"
                        checked += 1
    return checked


def test_text_fits_its_boxes(deck):
    assert check_fits(deck) > 100


def _hostile_inputs(tmp_path: Path) -> tuple[Path, Path]:
    """The demo data with hostile group labels, and a questionnaire with a hostile, long statement."""
    frame = pd.read_csv(DEMO / "acme-utilities.csv", dtype=str, keep_default_na=False)
    frame.loc[frame["department"] == "Billing", "department"] = '=HYPERLINK("http://evil.example","x")'
    frame.loc[frame["department"] == "Field service", "department"] = "<script>alert(1)</script>\x07" + "W" * 120
    csv = tmp_path / "hostile.csv"
    frame.to_csv(csv, index=False)
    text = (DEMO.parents[1] / "templates" / "questionnaires" / "cx-maturity.yaml").read_text(encoding="utf-8")
    statement = ('=HYPERLINK("http://evil.example") <script>x</script> ' + "a very long statement " * 12).strip()
    text = text.replace("text: Our senior leaders have spelled out what being a customer-first organisation "
                        "means for us.", f"text: '{statement}'")
    text = text.replace("short_name: Leadership", "short_name: '=HYPERLINK(\"x\",\"L\")'")  # 20 characters at most
    yaml = tmp_path / "hostile.yaml"
    yaml.write_text(text, encoding="utf-8")
    return csv, yaml


HOSTILE_CLIENT = '=HYPERLINK("http://evil.example")<script>alert(1)</script>\x07\x1b[31m ' + "Longname " * 32


def hostile_outputs(tmp_path: Path, formats=("pptx", "xlsx"), template: Path | None = None) -> Path:
    """Deck and workbook for hostile inputs, written by the renderer's own hook (no kernel needed)."""
    from cxassess.report.formats import DeliverableOptions, write_derived
    from cxassess.report.request import ReportRequest, scores_document, validate_request

    csv, yaml = _hostile_inputs(tmp_path)
    req = ReportRequest(client=HOSTILE_CLIENT, responses=csv, questionnaire=yaml, group_by=["department", "role"],
                        consultant="@SUM(1+1)", targets=DEMO / "targets.yaml",
                        customer_metrics=DEMO.parent / "samples" / "customer_survey.csv")
    scores = validate_request(req)
    doc = scores_document(req, scores, req.parameters())
    out = tmp_path / "out"
    out.mkdir()
    write_derived(formats, doc, out, request=req, scores=scores,
                  options=DeliverableOptions(pptx_template=template, include_responses=True))
    return out


def test_hostile_names_and_statements_fit_and_stay_text(tmp_path):
    out = hostile_outputs(tmp_path, formats=("pptx",))
    assert len(HOSTILE_CLIENT) > 300
    prs = Presentation(str(out / "report.pptx"))
    assert check_fits(prs) > 100
    title = prs.slides[0].shapes.title.text_frame.text
    assert "=HYPERLINK" in title and "<script>" in title and "\x07" not in title and "\x1b" not in title
    heat = next(s for s in slide_titled(prs, "How views differ by department")[0].shapes if s.has_table).table
    labels = [heat.cell(r, 0).text for r in range(1, len(heat.rows))]
    assert any(label.startswith('=HYPERLINK("http://evil.example","x")') for label in labels)


def test_chart_data_workbooks_hold_no_formula(tmp_path):
    """The charts' embedded data (what Edit Data opens in Excel) holds a hostile dimension name as
    text, neutralised, never as a formula (XlsxWriter makes any string starting with = a formula)."""
    import io

    import openpyxl

    prs = Presentation(str(hostile_outputs(tmp_path, formats=("pptx",)) / "report.pptx"))
    charts = [s.chart for slide in prs.slides for s in slide.shapes if s.has_chart]
    assert len(charts) == 2
    for chart in charts:
        book = openpyxl.load_workbook(io.BytesIO(chart.part.chart_workbook.xlsx_part.blob))
        cells = [c for row in book.active.iter_rows() for c in row if c.value is not None]
        assert not [c.coordinate for c in cells if c.data_type == "f"]
        assert "'=HYPERLINK(\"x\",\"L\")" in [c.value for c in cells]


def test_firm_template_layouts_by_placeholder(tmp_path):
    """A firm's 4:3 template with its own layout names and an example slide: the deck takes its master
    and picks the layouts by their placeholders."""
    firm = Presentation()  # python-pptx's default: 4:3, Office layouts
    for layout, name in zip(firm.slide_layouts, ("Firm cover", "Firm text", "Firm section", "Firm two", "Firm cmp",
                                                  "Firm heading only", "Firm blank"), strict=False):
        layout.name = name
    example = firm.slides.add_slide(firm.slide_layouts[1])
    example.shapes.title.text = "EXAMPLE SLIDE TO DROP"
    path = tmp_path / "firm.pptx"
    firm.save(str(path))
    out = hostile_outputs(tmp_path, formats=("pptx",), template=path)
    prs = Presentation(str(out / "report.pptx"))
    assert (prs.slide_width, prs.slide_height) == (firm.slide_width, firm.slide_height)
    assert "EXAMPLE SLIDE TO DROP" not in titles(prs)
    assert prs.slides[0].slide_layout.name == "Firm cover"
    assert {s.slide_layout.name for s in list(prs.slides)[1:]} == {"Firm heading only"}
    # of the layout's placeholders only the title is on a slide (no empty prompts, no footers)
    assert {tuple(ph.placeholder_format.type for ph in s.placeholders) for s in list(prs.slides)[1:]} == {(1,)}
    assert check_fits(prs) > 100


def test_template_errors_are_clear(tmp_path):
    from cxassess.errors import CxError
    from cxassess.report.formats import DeliverableOptions

    with pytest.raises(CxError, match="template not found"):
        DeliverableOptions(pptx_template=tmp_path / "missing.pptx")
    bad = tmp_path / "bad.pptx"
    bad.write_text("not a zip", encoding="utf-8")
    with pytest.raises(CxError, match="cannot be opened"):
        hostile_outputs(tmp_path, formats=("pptx",), template=bad)


# --------------------------------------------------------------------------------------
# LibreOffice opens it as a real client would
# --------------------------------------------------------------------------------------
def test_libreoffice_converts_the_deck_and_pages_are_kept_as_png(report, deck, tmp_path):
    pdf = to_pdf(report["folder"] / "report.pptx", tmp_path)
    assert pdf_pages(pdf) == len(deck.slides)
    pngs = to_pngs(pdf, ARTIFACTS / "deck")
    assert len(pngs) == len(deck.slides) and all(p.stat().st_size > 2000 for p in pngs)
    shutil.copy(pdf, ARTIFACTS / "deck" / "report.pdf")


def test_libreoffice_converts_the_hostile_deck(tmp_path):
    out = hostile_outputs(tmp_path, formats=("pptx",))
    pdf = to_pdf(out / "report.pptx", tmp_path / "pdf")
    assert pdf_pages(pdf) == len(Presentation(str(out / "report.pptx")).slides)
    to_pngs(pdf, ARTIFACTS / "deck-hostile")


def test_html_only_run_does_not_import_python_pptx():
    import subprocess
    import sys

    code = ("import sys; from cxassess.report.formats import parse_formats, output_names; "
            "import cxassess.run.renderer; print('pptx' in sys.modules, 'openpyxl' in sys.modules)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.split() == ["False", "False"]


def test_sizes_shrink_before_splitting():
    """A long executive summary first shrinks (largest size that fits), then continues on another slide."""
    from cxassess.report.deck_layout import BODY_SIZES, Box, paginate
    from cxassess.report.html_text import Block, Run

    box = Box(0, 0, int(Pt(600)), int(Pt(300)))
    short = [Block("p", [Run("word " * 20)])]
    assert paginate(short, box, BODY_SIZES) == [(BODY_SIZES[0], short)]
    medium = [Block("p", [Run("word " * 60)]) for _ in range(4)]
    pages = paginate(medium, box, BODY_SIZES)
    assert len(pages) == 1 and pages[0][0] < BODY_SIZES[0]
    long = [Block("p", [Run("word " * 80)]) for _ in range(12)]
    pages = paginate(long, box, BODY_SIZES)
    assert len(pages) > 1 and all(size == BODY_SIZES[-1] for size, _ in pages)
    assert sum(len(p) for _, p in pages) == 12
    assert math.isclose(sum(1 for _ in pages), len(pages))


def test_batch_path_uses_the_kernels_own_objects(tmp_path, monkeypatch):
    """In a batch the renderer has no Scores of its own: the deck and workbook are built from the
    kernel's scores and plan (handed over after the last cell), never by scoring again here."""
    import asyncio

    import cxassess.scoring.score as score_module
    from cxassess.report.request import ReportRequest
    from cxassess.run.renderer import Renderer

    def no_rescoring(*args, **kwargs):
        raise AssertionError("the driver scored the responses again")

    monkeypatch.setattr(score_module, "score_file", no_rescoring)
    req = ReportRequest(client="Northwind Outfitters", responses=DEMO / "northwind-outfitters.csv",
                        targets=DEMO / "targets.yaml", group_by=["role"], consultant="Demo Consulting")

    async def run():
        async with Renderer(formats=("html", "pptx", "xlsx")) as renderer:
            return await renderer.render(req, tmp_path)

    result = asyncio.run(run())
    prs = Presentation(str(result.folder / "report.pptx"))
    assert titles(prs)[0] == "Customer experience maturity: Northwind Outfitters"
    assert "What drives the outcome" in titles(prs)  # 64 respondents: the kernel's key-driver analysis
    assert check_fits(prs) > 100
    assert (result.folder / "report.xlsx").is_file()
    assert set(result.files) == {"report.html", "report.pptx", "report.xlsx", "report.ipynb", "scores.json"}


def test_cli_options_for_deck_and_workbook(tmp_path, cli):
    for command in ("report", "batch"):
        res = cli(command, "--help")
        assert res.returncode == 0
        text = " ".join(res.stdout.split())
        assert "html,pdf,pptx,xlsx" in text and "--pptx-template" in text and "--include-responses" in text
    res = cli("report", "--client", "Acme", "--responses", DEMO / "acme-utilities.csv", "--out", tmp_path,
              "--format", "html,pptx", "--pptx-template", tmp_path / "missing.pptx")
    assert res.returncode == 1 and "PowerPoint template not found" in res.stderr and "Traceback" not in res.stderr
    res = cli("report", "--client", "Acme", "--responses", DEMO / "acme-utilities.csv", "--out", tmp_path,
              "--format", "html,docx")
    assert res.returncode == 1 and "choose from html, pdf, pptx, xlsx" in res.stderr


def test_format_registry():
    from cxassess.errors import CxError
    from cxassess.report.formats import DEFAULT_FORMATS, REGISTRY, derived, output_names, parse_formats
    from cxassess.report.publish import FORMATS

    assert FORMATS == DEFAULT_FORMATS == ("html", "pdf")
    assert list(REGISTRY) == ["html", "pdf", "pptx", "xlsx"]
    assert parse_formats("XLSX, html,xlsx") == ("xlsx", "html")
    assert output_names(("xlsx", "html")) == ["report.html", "report.xlsx", "report.ipynb", "scores.json"]
    assert [f.name for f in derived(("html", "pptx", "pdf", "xlsx"))] == ["pptx", "xlsx"]
    with pytest.raises(CxError, match="choose from html, pdf, pptx, xlsx"):
        parse_formats("html,docx")


def test_fragments_read_back_as_blocks_and_tables():
    from cxassess.report.html_text import Block, Table, parse_fragment

    html = ('<p><strong>A &amp; B</strong> stands <em>here</em>.</p><ol><li>one</li><li>two</li></ol>'
            '<table><caption class="cx-note">Scale</caption><thead><tr><th>G</th><th>X</th><th>Y</th></tr></thead>'
            '<tbody><tr><th>a <span class="cx-note">(n=4)</span></th><td style="background:#ABCDEF">2.5</td>'
            '<td class="num">3.0</td></tr><tr><th>b</th><td colspan="2" class="cx-suppressed">suppressed (few)</td>'
            '</tr></tbody></table>')
    p, one, two, table = parse_fragment(html)
    assert isinstance(p, Block) and [(r.text, r.bold, r.italic) for r in p.runs] == [
        ("A & B", True, False), (" stands ", False, False), ("here", False, True), (".", False, False)]
    assert (one.kind, one.number, one.text, two.number) == ("ol", 1, "one", 2)
    assert isinstance(table, Table) and table.caption == "Scale" and table.header_rows == 1
    assert [c.text for c in table.rows[1]] == ["a (n=4)", "2.5", "3.0"]
    assert table.rows[1][1].fill == "#abcdef" and table.rows[1][2].numeric
    assert (table.rows[2][1].text, table.rows[2][1].colspan) == ("suppressed (few)", 2)


def test_consensus_slide_matches_scores_json(report, deck):
    doc = report["doc"]
    table = next(s for s in slide_titled(deck, "Where people disagree")[0].shapes if s.has_table).table
    rows = {table.cell(r, 0).text: [table.cell(r, c).text for c in range(1, len(table.columns))]
            for r in range(1, len(table.rows))}
    for v in doc["dimensions"].values():
        assert rows[v["name"]][:3] == [f"{v['score']:.2f}", f"{v['sd']:.2f}", f"{v['rwg']:.2f}"]


def test_customer_measures_slide_when_given(tmp_path):
    prs = Presentation(str(hostile_outputs(tmp_path, formats=("pptx",)) / "report.pptx"))
    slides = slide_titled(prs, "What customers say")
    assert slides and "NPS" in "\n".join(all_text(s) for s in slides)


def test_a_block_taller_than_a_slide_continues_without_losing_words():
    """One paragraph longer than a whole slide at the smallest size is split over slides, word for word."""
    from cxassess.report.deck_layout import BODY_SIZES, Box, paginate
    from cxassess.report.html_text import Block, Run

    box = Box(0, 0, int(Pt(400)), int(Pt(200)))
    words = [f"word{k}" for k in range(1500)]
    pages = paginate([Block("p", [Run("Intro.")]), Block("p", [Run(" ".join(words))])], box, BODY_SIZES)
    assert len(pages) > 2
    text = " ".join(b.text for _, page in pages for b in page)
    assert text.split(" ") == ["Intro.", *words]
