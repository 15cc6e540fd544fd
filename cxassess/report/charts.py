"""Client-ready charts of a Scores (and a customer-metrics summary), as matplotlib Figures.

Each chart is a :class:`~cxassess.report.figure.ReportFigure` made outside pyplot and shown inline
in Jupyter as SVG (see :mod:`cxassess.report.figure`); the colours are the report's one colour
language, :mod:`cxassess.report.theme`.
"""

from __future__ import annotations

import math
import textwrap
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from cxassess._util.safe import visible
from cxassess.errors import CxError
from cxassess.report.figure import ReportFigure, literal_text, new_figure, png_bytes, svg_text
from cxassess.report.findings import item_reading, split_ranking
from cxassess.report.theme import CURRENT, HEAT_COLOURS, NPS_COLOURS, STAGE_COLOURS, SUPPRESSED, TARGET, TEXT, WEAK
from cxassess.scoring.score import Scores


def _style(ax: Any) -> None:
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
    for spine in ax.spines.values():
        spine.set_edgecolor("#888888")
    ax.tick_params(colors=TEXT, labelsize=8.5)


def _title(fig: Figure, text: str, height: float) -> None:
    fig.text(0.5, 1 - 0.12 / height, text, ha="center", va="top", fontsize=11, fontweight="bold", color=TEXT)


def _ylabels(ax: Any, positions: Any, labels: Any, *, fontsize: float = 8.5) -> None:
    """Category labels left of the axes as plain text (no tick objects)."""
    ax.set_yticks([])
    trans = ax.get_yaxis_transform()
    for y, label in zip(positions, labels, strict=True):  # group names come from the data: bidi overrides shown
        ax.text(-0.012, y, visible(label), transform=trans, ha="right", va="center", fontsize=fontsize, color=TEXT,
                gid="label")


def _wrap(text: str, width: int) -> str:
    text = visible(text)  # a name from a file: control and bidi characters shown as escapes
    return "\n".join(textwrap.wrap(text, width)) or text


def _scale(scores: Scores) -> tuple[int, int]:
    s = scores.questionnaire.scale
    return s.min, s.max


# --------------------------------------------------------------------------------------
# maturity charts
# --------------------------------------------------------------------------------------
@literal_text
def radar(scores: Scores, *, show_target: bool = True) -> Figure:
    """Spider chart: current score per dimension, and the target polygon when targets are set.

    Drawn on plain axes (rings, spokes and labels by hand: far cheaper than polar ticks).
    Dimensions without a score sit at the scale minimum and are labelled "no score", so the shape
    never silently skips one. The current polygon has gid ``current``, the target one ``target``.
    """
    lo, hi = _scale(scores)
    dims = scores.dimensions
    n = len(dims)
    angles = math.pi / 2 - np.linspace(0, 2 * math.pi, n, endpoint=False)  # clockwise from the top
    cos, sin = np.cos(angles), np.sin(angles)

    def xy(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r = (np.asarray(values, dtype=float) - lo) / (hi - lo)
        return np.append(r * cos, r[0] * cos[0]), np.append(r * sin, r[0] * sin[0])

    width, height = 6.4, 5.6
    fig, ax = new_figure(width, height, (1.2, 1.2, 0.75, 0.55))
    ax.set_xlim(-1.08, 1.08)
    ax.set_ylim(-1.08, 1.08)
    ax.set_aspect("equal")
    ax.set_axis_off()
    full = np.append(np.linspace(0, 2 * math.pi, 73), 0)
    for level in range(lo, hi + 1):
        r = (level - lo) / (hi - lo)
        ax.plot(r * np.cos(full), r * np.sin(full), color="#cccccc" if level < hi else "#999999", linewidth=0.7,
                zorder=1)
        if level > lo:
            ax.text(0.03, r + 0.01, str(level), fontsize=7.5, color="#777777", va="bottom", zorder=1)
    spokes_x = np.ravel(np.column_stack([np.zeros(n), cos, np.full(n, np.nan)]))
    spokes_y = np.ravel(np.column_stack([np.zeros(n), sin, np.full(n, np.nan)]))
    ax.plot(spokes_x, spokes_y, color="#cccccc", linewidth=0.7, zorder=1)

    scored = dims["score"].astype(float).to_numpy()
    current = np.where(np.isnan(scored), lo, scored)
    x, y = xy(current)
    (line,) = ax.plot(x, y, color=CURRENT, linewidth=2, label="Current", zorder=3)
    line.set_gid("current")
    ax.fill(x, y, color=CURRENT, alpha=0.18, zorder=2)
    target = dims["target"].astype(float).to_numpy()
    has_target = show_target and not np.isnan(target).all()
    if has_target:
        tx, ty = xy(target)
        (tline,) = ax.plot(tx, ty, color=TARGET, linewidth=1.8, linestyle="--", label="Target", zorder=4)
        tline.set_gid("target")
    for k, (name, sc) in enumerate(zip(dims["name"], scored, strict=True)):
        label = _wrap(name, 18) + ("\n(no score)" if np.isnan(sc) else "")
        c, s_ = cos[k], sin[k]
        ha = "center" if abs(c) < 0.2 else ("left" if c > 0 else "right")
        va = "center" if abs(s_) < 0.2 else ("bottom" if s_ > 0 else "top")
        ax.text(1.1 * c, 1.1 * s_, label, ha=ha, va=va, fontsize=8.5, color=TEXT, gid="label")
    _title(fig, "Current maturity vs target" if has_target else "Current maturity by dimension", height)
    ax.legend(loc="upper left", bbox_to_anchor=(-0.2, 1.14), frameon=False, fontsize=8.5)
    return fig


@literal_text
def dimension_bars(scores: Scores) -> Figure:
    """Horizontal bar per dimension (questionnaire order), maturity stage bands behind the bars,
    target as a tick mark. Bar lengths are the dimension scores (bars start at the scale minimum;
    each bar patch has gid ``score``)."""
    lo, hi = _scale(scores)
    q = scores.questionnaire
    dims = scores.dimensions
    n = len(dims)
    width, height = 7.4, 0.42 * n + 1.5
    fig, ax = new_figure(width, height, (2.3, 0.25, 0.5, 0.55))
    _style(ax)
    bounds = [s.min_score for s in q.stages] + [hi]
    for k, stage in enumerate(q.stages):
        ax.axvspan(bounds[k], bounds[k + 1], color=STAGE_COLOURS[k % len(STAGE_COLOURS)], zorder=0, linewidth=0)
        ax.text((bounds[k] + bounds[k + 1]) / 2, n - 0.45, stage.name, ha="center", va="bottom",
                fontsize=7.5, color="#555555", zorder=1)
    y = np.arange(n)[::-1]
    values = dims["score"].astype(float).to_numpy()
    bars = ax.barh(y, np.nan_to_num(values - lo, nan=0.0), left=lo, height=0.58, color=CURRENT, zorder=2,
                   label="Current score")
    for patch in bars:
        patch.set_gid("score")
    for yi, v in zip(y, values, strict=True):
        if np.isnan(v):
            ax.text(lo + 0.04, yi, "no score", va="center", ha="left", fontsize=8, color=TEXT, zorder=3)
        else:
            ax.text(v - 0.04, yi, f"{v:.2f}", va="center", ha="right", fontsize=8, color="white", zorder=3)
    low, high = _intervals(scores)
    if low is not None and high is not None:
        ok = ~(np.isnan(low) | np.isnan(high))
        if ok.any():  # one line collection: the 95% interval of each score (gid "interval")
            lines = ax.hlines(y[ok], low[ok], high[ok], color=TEXT, linewidth=1.2, zorder=3.5, label="95% interval")
            lines.set_gid("interval")
    target = dims["target"].astype(float).to_numpy()
    if not np.isnan(target).all():
        ok = ~np.isnan(target)
        ax.scatter(target[ok], y[ok], marker="|", s=420, linewidths=2.5, color=TARGET, zorder=4, label="Target")
    _ylabels(ax, y, [_wrap(v, 34) for v in dims["name"]])
    ax.set_xlim(lo, hi)
    ax.set_xticks(range(lo, hi + 1))
    ax.set_ylim(-0.6, n + 0.1)
    ax.set_xlabel(f"Score ({lo} = {q.scale.labels[lo].lower()}, {hi} = {q.scale.labels[hi].lower()})", fontsize=8.5)
    _title(fig, "Maturity by dimension, against the stage bands", height)
    ax.legend(loc="lower right", frameon=True, framealpha=0.9, fontsize=8)
    return fig


def _intervals(scores: Scores) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Per dimension (questionnaire order): the 95% interval ends, when the scoring computed them."""
    frame = getattr(scores, "intervals", None)
    if frame is None or getattr(frame, "empty", True) or "low" not in frame.columns:
        return None, None
    dims = list(scores.dimensions.index)
    part = frame.reindex(dims)
    return part["low"].to_numpy(dtype=float), part["high"].to_numpy(dtype=float)


@literal_text
def focus_areas(scores: Scores) -> Figure:
    """Impact x performance: each dimension's score (x) against its share of the explained outcome
    (y, key drivers); the lines are the median score and the average share, and the top-left
    quadrant (low score, high impact) is where to focus. Points have gid ``driver``, focus areas
    ``focus``. Needs key drivers (see :func:`cxassess.report.drivers_text.has_drivers`)."""
    from cxassess.report.drivers_text import has_drivers

    if not has_drivers(scores):
        raise CxError("no key-driver analysis to chart (no outcome statements, or fewer than 30 respondents)")
    d = scores.drivers
    x = d["score"].to_numpy(dtype=float)
    yv = d["share"].to_numpy(dtype=float) * 100
    focus = d["focus"].to_numpy(dtype=bool) if "focus" in d.columns else np.zeros(len(d), dtype=bool)
    width, height = 6.6, 4.2
    fig, ax = new_figure(width, height, (0.75, 0.25, 0.5, 0.6))
    _style(ax)
    xmid, ymid = float(np.nanmedian(x)), 100 / len(d)
    pad_x = max(0.15, (np.nanmax(x) - np.nanmin(x)) * 0.15)
    x0, x1 = float(np.nanmin(x)) - pad_x, float(np.nanmax(x)) + pad_x
    y1 = float(np.nanmax(yv)) * 1.2 + 1
    ax.add_patch(Rectangle((x0, ymid), xmid - x0, y1 - ymid, facecolor="#fbe9e4", edgecolor="none", zorder=0))
    ax.axvline(xmid, color="#999999", linewidth=0.8, linestyle=":", zorder=1)
    ax.axhline(ymid, color="#999999", linewidth=0.8, linestyle=":", zorder=1)
    ax.text(x0 + 0.02, y1 * 0.97, "focus: low score, high impact", fontsize=7.5, color=WEAK, va="top", zorder=2)
    for kind, sel, colour in (("driver", ~focus, CURRENT), ("focus", focus, WEAK)):
        if sel.any():
            pts = ax.scatter(x[sel], yv[sel], s=36, color=colour, zorder=3)
            pts.set_gid(kind)
    labels = scores.dimensions["label"].reindex(d.index)
    for xi, yi, name in zip(x, yv, labels, strict=True):
        ax.text(xi, yi + y1 * 0.025, _wrap(name, 16), ha="center", va="bottom", fontsize=7.5, color=TEXT,
                gid="label")
    ax.set_xlim(x0, x1)
    ax.set_ylim(0, y1)
    ax.set_xlabel("Score (performance)", fontsize=8.5)
    ax.set_ylabel("Share of the explained outcome, % (impact)", fontsize=8.5)
    _title(fig, "Focus areas: impact on the outcome against performance", height)
    return fig


@literal_text
def group_heatmap(scores: Scores, column: str) -> Figure:
    """Groups (rows) x dimensions (columns) of ``scores.groups[column]``, each cell labelled.

    Suppressed groups (fewer respondents than ``min_group_size``) are drawn as grey hatched rows
    labelled "suppressed"; their scores never reach the figure (they are NaN in Scores anyway, and
    are masked here regardless). The image has gid ``heat``, suppressed rows ``suppressed``.
    """
    if column not in scores.groups:
        have = ", ".join(scores.groups) or "none"
        raise CxError(f"no group breakdown for '{column}' (scored groupings: {have})")
    table = scores.groups[column]
    dim_ids = list(scores.dimensions.index)
    lo, hi = _scale(scores)
    values = table[dim_ids].to_numpy(dtype=float).copy()
    suppressed = table["suppressed"].to_numpy(dtype=bool)
    values[suppressed, :] = np.nan
    masked = np.ma.masked_invalid(values)

    rows, cols = values.shape
    width = max(7.0, 0.78 * cols + 2.2)
    height = 0.4 * rows + 1.45
    fig, ax = new_figure(width, height, (1.9, 0.15, 1.1, 0.35))
    image = ax.imshow(masked, cmap=_heat_cmap(), vmin=lo, vmax=hi, aspect="auto", interpolation="nearest")
    image.set_gid("heat")
    ax.set_xticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    for r in range(rows):
        if suppressed[r]:
            ax.add_patch(Rectangle((-0.5, r - 0.5), cols, 1, facecolor=SUPPRESSED, edgecolor="#9a9a9a",
                                   hatch="///", linewidth=0, zorder=2, gid="suppressed"))
            ax.text((cols - 1) / 2, r, f"suppressed ({scores.suppression_reason(column, str(table.index[r]))})",
                    ha="center", va="center", fontsize=8, color="#444444", zorder=3,
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.5})
            continue
        for c in range(cols):
            v = values[r, c]
            if np.isnan(v):
                ax.text(c, r, "–", ha="center", va="center", fontsize=8, color="#666666")
            else:
                dark = (v - lo) / (hi - lo) > 0.72 or (v - lo) / (hi - lo) < 0.12
                ax.text(c, r, f"{v:.1f}", ha="center", va="center", fontsize=8,
                        color="white" if dark else TEXT)
    for c, name in enumerate(scores.dimensions["label"]):  # short names, as the report's heatmap table
        ax.text(c, -0.6, _wrap(name, 13), ha="center", va="bottom", fontsize=7.5, color=TEXT, gid="label")
    _ylabels(ax, range(rows),
             [f"{_wrap(g, 24)} (n={int(k)})" for g, k in zip(table.index, table["respondents"], strict=True)])
    ax.set_ylim(rows - 0.5, -0.5)
    _title(fig, f"Scores by {column.replace('_', ' ')}", height)
    fig.text(0.99, 0.02, f"Cells: mean score, {lo} (red) to {hi} (blue)", ha="right", va="bottom",
             fontsize=7.5, color="#666666")
    return fig


def _heat_cmap() -> Any:
    from matplotlib.colors import LinearSegmentedColormap

    cmap = LinearSegmentedColormap.from_list("cx", list(HEAT_COLOURS))
    return cmap.with_extremes(bad=SUPPRESSED)


@literal_text
def item_ranking(scores: Scores, n: int = 5) -> Figure:
    """The ``n`` best and ``n`` worst statements by mean score (reverse items already reversed),
    best first then worst last-up; items nobody answered are left out. With fewer than ``2n``
    answered items they are split evenly. Bars have gid ``best`` / ``worst``."""
    if n < 1:
        raise CxError(f"item_ranking needs n >= 1, got {n}")
    lo, hi = _scale(scores)
    best, worst = split_ranking(scores, n)
    if best.empty:
        raise CxError("no statement has an answer, so there is nothing to rank")
    frame = best if worst.empty else _concat(best, worst)
    kinds = ["best"] * len(best) + ["worst"] * len(worst)
    gap = 0.8 if len(worst) else 0.0
    # best at the top, a gap, then the worst (lowest last)
    y = np.array([len(frame) - 1 - i + (gap if kind == "best" else 0.0) for i, kind in enumerate(kinds)])
    width, height = 7.8, 0.36 * len(frame) + gap * 0.36 + 1.35
    fig, ax = new_figure(width, height, (3.7, 0.35, 0.55, 0.5))
    _style(ax)
    means = frame["mean"].to_numpy(dtype=float)
    for kind, colour in (("best", CURRENT), ("worst", WEAK)):
        sel = np.array(kinds) == kind
        if sel.any():
            bars = ax.barh(y[sel], means[sel] - lo, left=lo, color=colour, height=0.62,
                           label="Strongest" if kind == "best" else "Weakest")
            for patch in bars:
                patch.set_gid(kind)
    for yi, v in zip(y, means, strict=True):
        ax.text(v + 0.03, yi, f"{v:.2f}", va="center", fontsize=8, color=TEXT)
    said = {str(i): f" (reverse-worded: people {item_reading(scores, str(i))['verb']})" for i in frame.index}
    labels = [_wrap(f"{i}: {t}{said[str(i)] if r else ''}", 62)
              for i, t, r in zip(frame.index, frame["text"], frame["reverse"], strict=True)]
    _ylabels(ax, y, labels, fontsize=7.6)
    ax.set_xlim(lo, hi)
    ax.set_xticks(range(lo, hi + 1))
    ax.set_ylim(-0.6, y.max() + 0.6)
    ax.set_xlabel("Mean score (reverse-worded statements flipped: higher is better)", fontsize=8.5)
    _title(fig, "Strongest and weakest statements", height)
    ax.legend(loc="lower right", frameon=True, framealpha=0.9, fontsize=8)
    return fig


def _concat(a: Any, b: Any) -> Any:
    import pandas as pd

    return pd.concat([a, b])


# --------------------------------------------------------------------------------------
# customer metrics
# --------------------------------------------------------------------------------------
@literal_text
def metrics_distribution(summary: Any) -> Figure:
    """One stacked horizontal bar of the customer survey: detractors, passives, promoters (percent),
    with the NPS written beside it. ``summary`` is a ``cxassess.metrics.summary.MetricsSummary``."""
    nps = getattr(summary, "nps", None)
    if nps is None or not getattr(nps, "n", 0):
        raise CxError("the customer survey has no recommendation (NPS) answers to chart")
    parts = [("Detractors (0-6)", float(nps.detractors_pct), NPS_COLOURS["detractors"]),
             ("Passives (7-8)", float(nps.passives_pct), NPS_COLOURS["passives"]),
             ("Promoters (9-10)", float(nps.promoters_pct), NPS_COLOURS["promoters"])]
    width, height = 7.2, 1.75
    fig, ax = new_figure(width, height, (0.2, 0.2, 0.45, 0.5))
    _style(ax)
    left = 0.0
    for label, pct, colour in parts:
        bar = ax.barh([0], [pct], left=left, color=colour, height=0.6, label=label)
        bar.patches[0].set_gid(label.split()[0].lower())
        if pct >= 12:
            ax.text(left + pct / 2, 0, f"{label}\n{pct:.0f}%", ha="center", va="center", fontsize=8,
                    color="white" if colour != NPS_COLOURS["passives"] else TEXT)
        elif pct > 0:
            ax.text(left + pct / 2, 0.42, f"{pct:.0f}%", ha="center", va="bottom", fontsize=7.5, color=TEXT)
        left += pct
    ax.set_xlim(0, 100)
    ax.set_ylim(-0.45, 0.6)
    ax.set_xticks([0, 25, 50, 75, 100])
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.set_xlabel("Share of customers answering the recommendation question (%)", fontsize=8.5)
    shown = f"{nps.score:+.0f}".replace("+0", "0").replace("-0", "0") if abs(nps.score) < 0.5 else f"{nps.score:+.0f}"
    fig.text(0.2 / width, 1 - 0.1 / height, f"Net Promoter Score {shown} (n = {int(nps.n)}): "
             "promoters minus detractors", ha="left", va="top", fontsize=11, fontweight="bold", color=TEXT)
    return fig


def warm_up() -> None:
    """Draw the report's charts once for the bundled demo data and throw the pictures away.

    For a process that forks one kernel per report (see the report pipeline): calling this in the
    parent before forking loads the fonts and fills matplotlib's font and text-metric caches, which
    every forked child then inherits instead of rebuilding. It has no other effect.
    """
    from types import SimpleNamespace

    from cxassess._util.paths import DEMO_DIR
    from cxassess.scoring.score import score_file

    scores = score_file(DEMO_DIR / "harbour-health-clinics.csv", targets={"default": "stage 4"})
    nps = SimpleNamespace(score=10.0, n=10, detractors_pct=20.0, passives_pct=50.0, promoters_pct=30.0)
    # only the charts report.ipynb draws (its heatmap and ranking are HTML tables)
    for fig in (radar(scores), dimension_bars(scores), metrics_distribution(SimpleNamespace(nps=nps))):
        svg_text(fig)

__all__ = ["radar", "dimension_bars", "group_heatmap", "item_ranking", "metrics_distribution", "svg_text", "png_bytes",
           "warm_up", "ReportFigure",
           "CURRENT", "TARGET", "STAGE_COLOURS"]
