"""Charts carry exactly the data they claim (read back from the figure's artists), hide suppressed
groups, and leave no pyplot state behind."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from cxassess.errors import CxError
from cxassess.io.responses import responses_from_frame
from cxassess.questionnaire.model import load_questionnaire
from cxassess.report import charts
from cxassess.scoring.score import score

Q = load_questionnaire()
DIMS = Q.dimension_ids  # leadership employees silos feedback insight journeys design measurement

# Four respondents answering every item of a dimension with one value (reverse items mirrored):
# dimension scores are the plain means, e.g. leadership (4+4+5+3)/4 = 4.0, silos (1+2+2+1)/4 = 1.5.
VALUES = {
    "leadership": [4, 4, 5, 3], "employees": [3, 3, 3, 3], "silos": [1, 2, 2, 1], "feedback": [5, 5, 1, 1],
    "insight": [2, 2, 2, 2], "journeys": [3, 4, 3, 4], "design": [4, 4, 4, 4], "measurement": [2, 3, 2, 3],
}
EXPECTED = {"leadership": 4.0, "employees": 3.0, "silos": 1.5, "feedback": 3.0, "insight": 2.0,
            "journeys": 3.5, "design": 4.0, "measurement": 2.5}
# role: "lead" = R1, R2, R3 (reported), "agent" = R4 alone (suppressed at min_group_size 3)
ROLES = ["lead", "lead", "lead", "agent"]


@pytest.fixture(scope="module")
def scores():
    rows = []
    for n in range(4):
        row = {"respondent_id": f"R{n + 1}", "role": ROLES[n]}
        for item in (i for i in Q.items if not i.outcome):  # outcome statements left unanswered
            v = VALUES[item.dimension][n]
            row[item.id] = 6 - v if item.reverse else v
        rows.append(row)
    return score(responses_from_frame(pd.DataFrame(rows), Q), Q, group_by=["role"],
                 targets={"default": 3.4, "leadership": 4.2})


def test_dimension_bars_lengths_are_the_scores(scores):
    fig = charts.dimension_bars(scores)
    assert isinstance(fig, Figure)
    bars = [p for p in fig.axes[0].patches if p.get_gid() == "score"]
    # bars start at the scale minimum 1 and are drawn top-down in questionnaire order
    ends = {DIMS[i]: round(b.get_x() + b.get_width(), 6) for i, b in enumerate(sorted(bars, key=lambda b: -b.get_y()))}
    assert ends == EXPECTED
    assert all(b.get_x() == 1 for b in bars)
    texts = [t.get_text() for t in fig.axes[0].texts]
    for stage in ("Unaware", "Reactive", "Emerging", "Embedded", "Customer-led"):
        assert stage in texts  # the stage bands are labelled
    # the bands themselves: five spans from 1.0, 1.8, 2.6, 3.4, 4.2 to 5
    spans = sorted(round(p.get_x(), 6) for p in fig.axes[0].patches if p.get_gid() != "score")
    assert spans == [1.0, 1.8, 2.6, 3.4, 4.2]


def test_radar_current_and_target_polygons(scores):
    fig = charts.radar(scores)
    ax = fig.axes[0]
    lines = {ln.get_gid(): ln for ln in ax.lines if ln.get_gid() in ("current", "target")}
    assert set(lines) == {"current", "target"}
    # radius (score - 1) / 4, polygon closed back to the first point
    radius = np.hypot(lines["current"].get_xdata(), lines["current"].get_ydata())
    assert np.allclose(radius[:-1], [(EXPECTED[d] - 1) / 4 for d in DIMS])
    assert radius[-1] == pytest.approx(radius[0])
    target_r = np.hypot(lines["target"].get_xdata(), lines["target"].get_ydata())[:-1]
    assert np.allclose(target_r, [(4.2 - 1) / 4] + [(3.4 - 1) / 4] * 7)
    # first spoke points straight up
    assert lines["current"].get_xdata()[0] == pytest.approx(0, abs=1e-12)
    assert {t.get_text().replace("\n", " ") for t in ax.texts if t.get_gid() == "label"} >= {"Employee-first culture"}
    no_target = charts.radar(scores, show_target=False)
    assert [ln.get_gid() for ln in no_target.axes[0].lines if ln.get_gid() == "target"] == []


def test_heatmap_masks_suppressed_groups():
    # six respondents: lead = R1-R3 (shown), agent = R4 and rep = R5, R6 (both under 3, together 3)
    rows = []
    for n, role in enumerate(["lead", "lead", "lead", "agent", "rep", "rep"]):
        row = {"respondent_id": f"R{n + 1}", "role": role}
        for item in (i for i in Q.items if not i.outcome):  # outcome statements left unanswered
            v = (VALUES[item.dimension] + [3, 3])[n]
            row[item.id] = 6 - v if item.reverse else v
        rows.append(row)
    scores = score(responses_from_frame(pd.DataFrame(rows), Q), Q, group_by=["role"])
    table = scores.groups["role"]
    assert list(table.index) == ["agent", "lead", "rep"]
    assert table["suppressed"].tolist() == [True, False, True]
    fig = charts.group_heatmap(scores, "role")
    ax = fig.axes[0]
    image = next(im for im in ax.images if im.get_gid() == "heat")
    data = image.get_array()
    assert data.mask[0].all() and data.mask[2].all()  # agent, rep: every cell masked
    # lead = R1-R3: leadership (4+4+5)/3 = 4.33, silos (1+2+2)/3 = 1.67, feedback (5+5+1)/3 = 3.67
    lead = {d: data[1, i] for i, d in enumerate(DIMS)}
    assert lead["leadership"] == pytest.approx(13 / 3) and lead["silos"] == pytest.approx(5 / 3)
    assert lead["feedback"] == pytest.approx(11 / 3)
    assert [p.get_gid() for p in ax.patches].count("suppressed") == 2
    cell_texts = [t.get_text() for t in ax.texts]
    assert cell_texts.count("suppressed (fewer than 3 respondents)") == 2
    assert "4.3" in cell_texts and "1.7" in cell_texts
    # none of the 16 cells of the suppressed rows is written (only the 8 lead cells are numbers)
    numbers = [t for t in cell_texts if t.replace(".", "").isdigit()]
    assert len(numbers) == 8


def test_heatmap_says_why_a_larger_group_is_hidden(scores):
    # lead (3) would give away agent (R4 alone) by subtraction from the total, so both are hidden
    assert scores.groups["role"]["suppressed"].all()
    texts = [t.get_text() for t in charts.group_heatmap(scores, "role").axes[0].texts]
    assert "suppressed (fewer than 3 respondents)" in texts
    assert "suppressed (hidden too, so that a smaller group cannot be worked out from the rest)" in texts


def test_heatmap_unknown_column(scores):
    with pytest.raises(CxError, match="no group breakdown for 'site' \\(scored groupings: role\\)"):
        charts.group_heatmap(scores, "site")


def test_item_ranking_best_and_worst(scores):
    fig = charts.item_ranking(scores, n=3)
    ax = fig.axes[0]
    best = [p for p in ax.patches if p.get_gid() == "best"]
    worst = [p for p in ax.patches if p.get_gid() == "worst"]
    assert len(best) == 3 and len(worst) == 3
    # every item of a dimension has that dimension's mean; best: leadership/design items (4.0),
    # worst: silos items (1.5)
    assert [round(1 + p.get_width(), 6) for p in best] == [4.0, 4.0, 4.0]
    assert [round(1 + p.get_width(), 6) for p in worst] == [1.5, 1.5, 1.5]
    assert min(p.get_y() for p in best) > max(p.get_y() for p in worst)  # best drawn above worst
    labels = [t.get_text() for t in ax.texts if t.get_gid() == "label"]
    assert labels[0].startswith("LEAD1: ")
    assert all(lbl.startswith("SILO") for lbl in labels[3:])
    with pytest.raises(CxError):
        charts.item_ranking(scores, n=0)


def test_metrics_distribution_stacks_the_three_groups():
    from cxassess.metrics.summary import summarise

    # 0-10 answers: promoters 9, 10, 10 (3); passives 7, 8 (2); detractors 0, 3, 6, 6, 5 (5) of 10
    # -> 30% / 20% / 50%, NPS = 30 - 50 = -20
    summary = summarise(pd.DataFrame({"nps": [9, 10, 10, 7, 8, 0, 3, 6, 6, 5]}), nps="nps")
    fig = charts.metrics_distribution(summary)
    patches = {p.get_gid(): p for p in fig.axes[0].patches}
    assert patches["detractors"].get_width() == pytest.approx(50)
    assert patches["passives"].get_x() == pytest.approx(50) and patches["passives"].get_width() == pytest.approx(20)
    assert patches["promoters"].get_x() == pytest.approx(70) and patches["promoters"].get_width() == pytest.approx(30)
    assert any("Net Promoter Score -20 (n = 10)" in t.get_text() for t in fig.texts)
    empty = summarise(pd.DataFrame({"csat": [4, 5]}), csat="csat")
    with pytest.raises(CxError, match="no recommendation"):
        charts.metrics_distribution(empty)


def test_no_pyplot_state_leaks(scores):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    figs = [charts.radar(scores), charts.dimension_bars(scores), charts.group_heatmap(scores, "role"),
            charts.item_ranking(scores)]
    assert plt.get_fignums() == before
    assert all(isinstance(f, Figure) for f in figs)
    png = charts.png_bytes(figs[0])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_unscored_dimension_is_drawn_and_labelled():
    # only the leadership items answered: every other dimension has no score
    frame = pd.DataFrame([{"respondent_id": f"R{i}", **{f"LEAD{k}": 4 if k != 3 else 2 for k in range(1, 6)}}
                          for i in range(3)])
    s = score(responses_from_frame(frame, Q), Q)
    fig = charts.dimension_bars(s)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts.count("no score") == 7
    bars = [p for p in fig.axes[0].patches if p.get_gid() == "score"]
    assert sorted(round(b.get_width(), 6) for b in bars) == [0.0] * 7 + [3.0]
    radar = charts.radar(s)
    assert sum("(no score)" in t.get_text() for t in radar.axes[0].texts) == 7
    assert not any(math.isnan(v) for v in radar.axes[0].lines[-1].get_xdata())


def test_charts_display_as_svg_only_in_ipython_whatever_printer_figure_has(scores):
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    png = shell.display_formatter.formatters["image/png"]
    # stand-in for the inline backend's printer for every Figure (tight bbox, drawing twice)
    png.for_type(Figure, lambda fig: "from-the-figure-printer")
    try:
        data, _ = shell.display_formatter.format(charts.dimension_bars(scores))
        assert "image/png" not in data  # drawn once, as SVG, not twice
        svg = data["image/svg+xml"]
        assert svg.lstrip().startswith("<?xml") and "<svg" in svg
        # labels stay text (selectable, sharp in print), not glyph outlines
        assert "<text" in svg and ">Employee-first culture</text>" in svg
        # other figures keep whatever printer they had
        assert shell.display_formatter.format(Figure())[0]["image/png"] == "from-the-figure-printer"
    finally:
        png.pop(Figure, None)
        InteractiveShell.clear_instance()


def test_svg_is_reproducible_and_escapes_names():
    rows = [{"respondent_id": f"R{n}", "role": "<b>A&B</b>", **{item.id: 3 for item in Q.items}} for n in range(3)]
    s = score(responses_from_frame(pd.DataFrame(rows), Q), Q, group_by=["role"])
    first, second = charts.svg_text(charts.radar(s)), charts.svg_text(charts.radar(s))
    assert first == second  # no date, fixed ids: the same scores give the same file
    heat = charts.svg_text(charts.group_heatmap(s, "role"))
    assert "&lt;b&gt;A&amp;B&lt;/b&gt;" in heat and "<b>A&B</b>" not in heat


def test_names_with_dollar_signs_are_shown_literally():
    import matplotlib

    rows = []
    for n in range(3):
        row = {"respondent_id": f"R{n}", "role": r"R&D $\nosuchcommand$ team"}
        row.update({item.id: 3 for item in Q.items})
        rows.append(row)
    s = score(responses_from_frame(pd.DataFrame(rows), Q), Q, group_by=["role"])
    fig = charts.group_heatmap(s, "role")
    assert charts.png_bytes(fig)[:4] == b"\x89PNG"  # would fail to parse as a formula
    label = next(t for t in fig.axes[0].texts if t.get_gid() == "label" and "R&D" in t.get_text())
    assert label.get_text().replace("\n", " ") == r"R&D $\nosuchcommand$ team (n=3)" and not label._parse_math
    assert matplotlib.rcParams["text.parse_math"] is True  # restored after the chart


def test_dimension_bars_draw_each_scores_95_percent_interval(scores):
    fig = charts.dimension_bars(scores)
    lines = [c for c in fig.axes[0].collections if c.get_gid() == "interval"]
    assert len(lines) == 1
    segments = lines[0].get_segments()
    # one segment per scored dimension, from the bootstrap's low to its high end (bars are top-down)
    dims = list(scores.dimensions.index)
    expected = scores.intervals.loc[dims, ["low", "high"]].dropna().to_numpy()
    got = np.array([[s[0][0], s[1][0]] for s in segments])
    assert got.shape == expected.shape and np.allclose(np.sort(got, axis=0), np.sort(expected, axis=0))


def test_focus_areas_plots_impact_against_score_and_marks_the_focus():
    from cxassess._util.paths import DEMO_DIR
    from cxassess.scoring.score import score_file

    s = score_file(DEMO_DIR / "northwind-outfitters.csv")  # 64 respondents: key drivers are computed
    fig = charts.focus_areas(s)
    ax = fig.axes[0]
    points = {c.get_gid(): c.get_offsets() for c in ax.collections if c.get_gid() in ("driver", "focus")}
    n_focus = int(s.drivers["focus"].sum())
    assert sum(len(v) for v in points.values()) == len(s.drivers)
    assert len(points.get("focus", [])) == n_focus
    # y is the share of the explained outcome in percent
    ys = np.sort(np.concatenate([v[:, 1] for v in points.values()]))
    assert np.allclose(ys, np.sort(s.drivers["share"].to_numpy() * 100))
    few = score_file(DEMO_DIR / "acme-utilities.csv")  # 28 respondents: no analysis, no chart
    with pytest.raises(CxError, match="no key-driver analysis"):
        charts.focus_areas(few)
