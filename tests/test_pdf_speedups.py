"""The PDF's cheaper table layout (estimated fixed columns), and the per-statement answer split in the PDF.

Widths are checked against the CSS 2.1 sharing rule worked out by hand; real PDFs are checked with
poppler: words are never cut by too narrow a column, the stacked bars are drawn, and an item answered
by fewer people than the minimum group size shows no shares, in the PDF as in the HTML.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_report import poppler

from cxassess._util.paths import DEMO_DIR, TEMPLATES_DIR
from cxassess.report import narrative
from cxassess.report.pdf import REPORT_MARK, html_to_pdf_bytes
from cxassess.report.pdf_tables import KEEP, column_widths, fix_table_columns, text_width
from cxassess.report.tables import FAVOURABLE, UNFAVOURABLE
from cxassess.scoring.score import score_file


def report_page(body: str) -> str:
    """``body`` inside a page like the report's: its generator mark and its stylesheets."""
    css = "".join((TEMPLATES_DIR / "report" / name).read_text(encoding="utf-8")
                  for name in ("report.css", "fragments.css"))
    return f"<!DOCTYPE html><html><head>{REPORT_MARK}<style>{css}</style></head><body>{body}</body></html>"


def pdf_text(data: bytes, tmp_path: Path, name: str = "t") -> str:
    pdf = tmp_path / f"{name}.pdf"
    pdf.write_bytes(data)
    return subprocess.run([poppler("pdftotext"), "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


# --------------------------------------------------------------------------------------
# the estimate
# --------------------------------------------------------------------------------------
def test_column_widths_share_the_room_as_css_automatic_layout():
    # longest lines fit: each column gets its longest line; a full-width table scales them up
    assert column_widths([2, 3], [4, 6], room=20, least=0) == ([4, 6], 10)
    assert column_widths([2, 3], [4, 6], room=20, least=1.0) == ([8, 12], 20)
    # they do not: the longest words, plus the spare 8 - 5 = 3 in proportion to max - min (2 and 3)
    widths, width = column_widths([2, 3], [4, 6], room=8, least=0)
    assert widths == pytest.approx([2 + 2 * 3 / 5, 3 + 3 * 3 / 5]) and width == 8
    # not even the words fit: the words (the table overflows, as automatic layout would)
    assert column_widths([2, 3], [4, 6], room=4, least=0) == ([2, 3], 5)


def test_text_width_uses_dejavu_sans_advances():
    assert text_width("il") == pytest.approx(0.28 + 0.28)
    assert text_width("W") == pytest.approx(0.99)
    assert text_width("é") == pytest.approx(0.75)  # outside ASCII: counted wide


def test_tables_get_fixed_columns_after_their_caption_and_kept_tables_are_untouched():
    table = ('<table class="cx-table"><caption>Note</caption><thead><tr><th>Dimension</th><th>Score</th></tr></thead>'
             '<tbody><tr><td colspan="2">A group row</td></tr><tr><td>Leadership and vision</td><td>3.40</td></tr>'
             "</tbody></table>")
    kept = f'<table class="cx-table {sorted(KEEP)[0]}"><tr><td>x</td></tr></table>'
    out = fix_table_columns(f"<p>before</p>{table}{kept}")
    assert out.startswith('<p>before</p><table class="cx-table" style="table-layout:fixed;width:')
    assert "<caption>Note</caption><colgroup>" in out and out.endswith(kept)
    shares = [float(w) for w in re.findall(r'<col style="width:([\d.]+)%">', out)]
    assert len(shares) == 2 and sum(shares) == pytest.approx(100, abs=0.02)
    # both lines fit on the page: widths in proportion to the longest lines (bold header, body text)
    first = max(text_width("Dimension") * 1.11, text_width("Leadership and vision")) * 1.06 + 1.2 / 0.85
    second = max(text_width("Score") * 1.11, text_width("3.40")) * 1.06 + 1.2 / 0.85
    assert shares[0] == pytest.approx(100 * first / (first + second), abs=0.01)


def test_only_a_cxassess_report_is_refitted():
    page = report_page("<table><tr><td>a</td></tr></table>")
    plain = page.replace(REPORT_MARK, "")
    assert html_to_pdf_bytes(page).startswith(b"%PDF-") and html_to_pdf_bytes(plain).startswith(b"%PDF-")
    assert "table-layout:fixed" in fix_table_columns(page) and REPORT_MARK not in plain


# --------------------------------------------------------------------------------------
# real PDFs
# --------------------------------------------------------------------------------------
def test_fitted_heatmap_keeps_every_dimension_label_whole(tmp_path):
    scores = score_file(DEMO_DIR / "northwind-outfitters.csv", group_by=["department", "role"])
    body = "".join(narrative.heatmap_table(scores, c) for c in ("department", "role"))
    text = pdf_text(html_to_pdf_bytes(report_page(body)), tmp_path)
    words = set(text.split())
    for label in scores.dimensions["label"]:
        for word in str(label).split():
            assert word in words, f"{word!r} of the heatmap's headers is cut: {text}"
    for group in scores.groups["department"].index:
        assert str(group).split()[0] in words


def test_answer_split_is_in_the_pdf_with_its_bars_and_never_below_the_minimum(tmp_path):
    from PIL import Image

    frame = pd.read_csv(DEMO_DIR / "harbour-health-clinics.csv")
    item = "LEAD2"
    frame.loc[frame.index[2:], item] = np.nan  # only 2 people answered LEAD2: fewer than the minimum of 3
    csv = tmp_path / "few.csv"
    frame.to_csv(csv, index=False)
    scores = score_file(csv)
    html = narrative.item_distribution_html(scores)
    data = html_to_pdf_bytes(report_page(html))
    text = pdf_text(data, tmp_path)
    rows = {line.split()[0]: line for line in text.splitlines() if re.match(r"\s*[A-Z]+\d\s", line)}
    assert set(scores.items.index) <= set(rows)  # every statement is in the PDF
    assert "%" not in rows[item] and "–" in text  # no shares for 2 answers
    lead1 = scores.distribution.loc["LEAD1"]
    expected = f"{lead1['favourable']:.0%} · {lead1['neutral']:.0%} · {lead1['unfavourable']:.0%}"
    assert expected in text.replace("\n", " ")
    # the stacked bars are drawn (WeasyPrint drops gradients written with two-position colour stops)
    (tmp_path / "t.pdf").write_bytes(data)
    subprocess.run([poppler("pdftoppm"), "-png", "-r", "60", "-f", "1", "-l", "1", str(tmp_path / "t.pdf"),
                    str(tmp_path / "p")], check=True)
    pixels = np.asarray(Image.open(next(tmp_path.glob("p*.png"))).convert("RGB")).reshape(-1, 3).astype(int)
    for colour in (FAVOURABLE, UNFAVOURABLE):
        rgb = np.array([int(colour[k:k + 2], 16) for k in (1, 3, 5)])
        assert (np.abs(pixels - rgb).max(axis=1) < 12).sum() > 200, f"no {colour} bar on the page"


# --------------------------------------------------------------------------------------
# chart labels: one layout per label
# --------------------------------------------------------------------------------------
def test_chart_labels_drawn_whole_are_the_svg_texts_and_stay_searchable(tmp_path):
    import base64
    import html as html_lib

    import weasyprint

    from cxassess.report import charts
    from cxassess.report.figure import svg_text
    from cxassess.report.pdf_svg import CHECKED, _simple, install

    # the fast path is taken on the WeasyPrint release it was checked with, and refused on any other
    # (WeasyPrint's own code then draws every label): either way the labels below are real text
    assert install() is weasyprint.__version__.startswith(CHECKED)
    scores = score_file(DEMO_DIR / "harbour-health-clinics.csv", targets={"default": "stage 4"})
    svg = svg_text(charts.dimension_bars(scores))
    labels = [html_lib.unescape(t) for t in re.findall(r"<text[^>]*>([^<]+)</text>", svg)]
    assert len(labels) > 20 and "<tspan" not in svg
    img = f'<img style="width:170mm" src="data:image/svg+xml;base64,{base64.b64encode(svg.encode()).decode()}">'
    text = pdf_text(html_to_pdf_bytes(report_page(img)), tmp_path)
    words = text.split()
    for label in labels:  # every label's words, in order, as real text
        for word in label.split():
            assert word in words, f"{word!r} of chart label {label!r} is not text in the PDF"
    # a label with a position per letter is left to WeasyPrint's own letter-by-letter code (a stub of
    # its tree node: text, attributes, children)
    class Stub(dict):
        text = "abc"
        attrib = property(lambda self: self)

        def __iter__(self):
            return iter(())

    assert _simple(Stub(x="10", y="5")) and not _simple(Stub(x="10 20 30", y="5"))
    assert not _simple(Stub(x="1", dx="2")) and not _simple(Stub(x="1", **{"letter-spacing": "2"}))
