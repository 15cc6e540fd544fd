"""Client-ready charts of a Scores (and a customer-metrics summary), as matplotlib Figures.

Every function builds a :class:`matplotlib.figure.Figure` with the object API, never through
``pyplot``: no global figure registry, nothing leaks from one chart (or one client) to the next and
nothing needs closing. Inside IPython/Jupyter the module makes sure a bare ``Figure`` displays
inline as a PNG (whatever backend is active), so ``display(charts.radar(scores))`` or a Figure as
the last expression of a cell shows the picture.

One colour language across the report: current scores in ``CURRENT``, targets in ``TARGET``,
maturity stages as a light-to-dark band scale ``STAGE_COLOURS``.
"""

from __future__ import annotations

import math
import textwrap
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from cxassess.errors import CxError
from cxassess.scoring import Scores

CURRENT = "#1f5a8a"
TARGET = "#d9731f"
SUPPRESSED = "#d9d9d9"
TEXT = "#222222"
STAGE_COLOURS = ("#f3f6f9", "#e3ebf3", "#cfdeeb", "#b8cee2", "#9fbdd8", "#86acce")
NPS_COLOURS = {"detractors": "#c0392b", "passives": "#bdbdbd", "promoters": "#2e8b57"}
DPI = 96

_RC = {
    "font.size": 9,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#888888",
    "axes.labelcolor": TEXT,
    "xtick.color": TEXT,
    "ytick.color": TEXT,
}


def _figure(width: float, height: float) -> Figure:
    """A fresh Figure outside pyplot, with the report's look."""
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    return fig


def _style(ax: Any) -> None:
    for spine in ("top", "right"):
        if spine in ax.spines:
            ax.spines[spine].set_visible(False)
    for spine in ax.spines.values():
        spine.set_edgecolor("#888888")
    ax.tick_params(colors=TEXT, labelsize=9)
    ax.title.set_fontsize(11)
    ax.title.set_fontweight("bold")


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(str(text), width)) or str(text)


def _scale(scores: Scores) -> tuple[int, int]:
    s = scores.questionnaire.scale
    return s.min, s.max


# --------------------------------------------------------------------------------------
# maturity charts
# --------------------------------------------------------------------------------------
def radar(scores: Scores, *, show_target: bool = True) -> Figure:
    """Spider chart: current score per dimension, and the target polygon when targets are set.

    Dimensions without a score are drawn at the scale minimum and labelled "no score", so the
    shape never silently skips one.
    """
    lo, hi = _scale(scores)
    dims = scores.dimensions
    n = len(dims)
    angles = np.linspace(0, 2 * math.pi, n, endpoint=False)
    closed = np.append(angles, angles[:1])
    fig = _figure(6.4, 5.4)
    ax = fig.add_subplot(projection="polar")
    ax.set_theta_offset(math.pi / 2)
    ax.set_theta_direction(-1)
    ax.set_ylim(lo, hi)
    ax.set_yticks(range(lo, hi + 1))
    ax.set_yticklabels([str(v) for v in range(lo, hi + 1)], fontsize=8, color="#666666")
    ax.set_rlabel_position(180 / n)
    labels = [
        _wrap(name if not np.isnan(sc) else f"{name} (no score)", 18)
        for name, sc in zip(dims["name"], dims["score"].astype(float))
    ]
    ax.set_xticks(angles)
    ax.set_xticklabels(labels, fontsize=8.5, color=TEXT)
    ax.tick_params(axis="x", pad=10)
    ax.grid(color="#cccccc", linewidth=0.7)
    ax.spines["polar"].set_color("#aaaaaa")

    current = dims["score"].astype(float).fillna(lo).to_numpy()
    ax.plot(closed, np.append(current, current[:1]), color=CURRENT, linewidth=2, label="Current")
    ax.fill(closed, np.append(current, current[:1]), color=CURRENT, alpha=0.18)
    target = dims["target"].astype(float).to_numpy()
    if show_target and not np.isnan(target).all():
        t = np.where(np.isnan(target), np.nan, target)
        ax.plot(closed, np.append(t, t[:1]), color=TARGET, linewidth=1.8, linestyle="--", label="Target")
    ax.set_title("Current maturity vs target" if show_target and not np.isnan(target).all()
                 else "Current maturity by dimension", pad=18)
    ax.legend(loc="upper right", bbox_to_anchor=(1.18, 1.12), frameon=False, fontsize=8.5)
    return fig


def dimension_bars(scores: Scores) -> Figure:
    """Horizontal bar per dimension (questionnaire order), maturity stage bands behind the bars,
    target as a tick mark. Bar heights (widths) are the dimension scores."""
    lo, hi = _scale(scores)
    q = scores.questionnaire
    dims = scores.dimensions
    n = len(dims)
    fig = _figure(7.2, 0.45 * n + 1.6)
    ax = fig.add_subplot()
    _style(ax)
    bounds = [s.min_score for s in q.stages] + [hi]
    for k, stage in enumerate(q.stages):
        ax.axvspan(bounds[k], bounds[k + 1], color=STAGE_COLOURS[k % len(STAGE_COLOURS)], zorder=0, linewidth=0)
        ax.text((bounds[k] + bounds[k + 1]) / 2, n - 0.35, _wrap(stage.name, 12), ha="center", va="bottom",
                fontsize=7.5, color="#555555", zorder=1)
    y = np.arange(n)[::-1]
    values = dims["score"].astype(float).to_numpy()
    bars = ax.barh(y, np.nan_to_num(values - lo, nan=0.0), left=lo, height=0.58, color=CURRENT, zorder=2,
                   label="Current score")
    for patch in bars:
        patch.set_gid("score")
    for yi, v in zip(y, values):
        if np.isnan(v):
            ax.text(lo + 0.04, yi, "no score", va="center", ha="left", fontsize=8, color=TEXT, zorder=3)
        else:
            ax.text(v - 0.04, yi, f"{v:.2f}", va="center", ha="right", fontsize=8, color="white", zorder=3)
    target = dims["target"].astype(float).to_numpy()
    if not np.isnan(target).all():
        ok = ~np.isnan(target)
        ax.scatter(target[ok], y[ok], marker="|", s=420, linewidths=2.5, color=TARGET, zorder=4, label="Target")
    ax.set_yticks(y)
    ax.set_yticklabels([_wrap(v, 30) for v in dims["name"]], fontsize=8.5)
    ax.set_xlim(lo, hi)
    ax.set_ylim(-0.6, n + 0.25)
    ax.set_xlabel(f"Score ({lo} = {q.scale.labels[lo].lower()}, {hi} = {q.scale.labels[hi].lower()})")
    ax.set_title("Maturity by dimension, against the stage bands")
    ax.legend(loc="lower right", frameon=True, framealpha=0.9, fontsize=8)
    return fig


def group_heatmap(scores: Scores, column: str) -> Figure:
    """Groups (rows) x dimensions (columns) of ``scores.groups[column]``.

    Suppressed groups (fewer respondents than ``min_group_size``) are drawn as grey hatched cells
    labelled "suppressed"; their scores never reach the figure (they are NaN in Scores anyway, and
    are masked here regardless).
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
    fig = _figure(max(6.0, 0.85 * cols + 2.6), 0.42 * rows + 1.9)
    ax = fig.add_subplot()
    cmap = _heat_cmap()
    image = ax.imshow(masked, cmap=cmap, vmin=lo, vmax=hi, aspect="auto")
    image.set_gid("heat")
    for r in range(rows):
        if suppressed[r]:
            ax.add_patch(Rectangle((-0.5, r - 0.5), cols, 1, facecolor=SUPPRESSED, edgecolor="#9a9a9a",
                                   hatch="///", linewidth=0, zorder=2, gid="suppressed"))
            ax.text((cols - 1) / 2, r, f"suppressed (fewer than {scores.min_group_size} respondents)",
                    ha="center", va="center", fontsize=8, color="#444444", zorder=3,
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1.5})
            continue
        for c in range(cols):
            v = values[r, c]
            if np.isnan(v):
                ax.text(c, r, "–", ha="center", va="center", fontsize=8, color="#666666")
            else:
                dark = (v - lo) / (hi - lo) > 0.6
                ax.text(c, r, f"{v:.1f}", ha="center", va="center", fontsize=8,
                        color="white" if dark else TEXT)
    ax.set_xticks(range(cols))
    ax.set_xticklabels([_wrap(n, 14) for n in scores.dimensions["name"]], fontsize=7.5, rotation=0)
    ax.xaxis.tick_top()
    ax.set_yticks(range(rows))
    ax.set_yticklabels([f"{_wrap(g, 22)} (n={int(k)})" for g, k in zip(table.index, table["respondents"])],
                       fontsize=8.5)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(f"Scores by {column.replace('_', ' ')}", pad=8)
    bar = fig.colorbar(image, ax=ax, shrink=0.8, pad=0.02)
    bar.set_label("Score", fontsize=8)
    bar.ax.tick_params(labelsize=7.5)
    return fig


def _heat_cmap() -> Any:
    from matplotlib.colors import LinearSegmentedColormap

    cmap = LinearSegmentedColormap.from_list("cx", ["#c8553d", "#f4e3b2", "#7fb3a8", "#1f5a8a"])
    return cmap.with_extremes(bad=SUPPRESSED)


def item_ranking(scores: Scores, n: int = 5) -> Figure:
    """The ``n`` best and ``n`` worst statements by mean score (reverse items already reversed),
    in two panels; items nobody answered are left out. Fewer items than ``2n`` are split evenly."""
    if n < 1:
        raise CxError(f"item_ranking needs n >= 1, got {n}")
    lo, hi = _scale(scores)
    ranked = scores.items.dropna(subset=["mean"]).sort_values("mean", ascending=False, kind="stable")
    if ranked.empty:
        raise CxError("no statement has an answer, so there is nothing to rank")
    k = min(n, math.ceil(len(ranked) / 2))
    best = ranked.head(k)
    worst = ranked.tail(min(k, len(ranked) - k)).iloc[::-1] if len(ranked) > k else ranked.iloc[0:0]
    fig = _figure(7.6, 0.5 * (len(best) + len(worst)) + 1.8)
    panels = [("Strongest statements", best, CURRENT)]
    if len(worst):
        panels.append(("Weakest statements", worst, "#c8553d"))
    axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
    for ax, (title, frame, colour) in zip(axes, panels):
        _style(ax)
        y = np.arange(len(frame))[::-1]
        ax.barh(y, frame["mean"].to_numpy(dtype=float) - lo, left=lo, color=colour, height=0.6)
        for yi, v in zip(y, frame["mean"]):
            ax.text(v + 0.04, yi, f"{v:.2f}", va="center", fontsize=8)
        ax.set_yticks(y)
        ax.set_yticklabels([_wrap(f"{t}{' (reversed)' if r else ''}", 55) for t, r in zip(frame["text"], frame["reverse"])],
                           fontsize=7.8)
        ax.set_title(title, loc="left", fontsize=10)
        ax.set_xlim(lo, hi)
    axes[-1].set_xlabel("Mean score (reverse-worded statements flipped: higher is better)")
    return fig


# --------------------------------------------------------------------------------------
# customer metrics
# --------------------------------------------------------------------------------------
def metrics_distribution(summary: Any) -> Figure:
    """One stacked horizontal bar of the customer survey: detractors, passives, promoters (percent),
    with the NPS written beside it. ``summary`` is a ``cxassess.metrics.MetricsSummary``."""
    nps = getattr(summary, "nps", None)
    if nps is None or not getattr(nps, "n", 0):
        raise CxError("the customer survey has no recommendation (NPS) answers to chart")
    parts = [("Detractors (0-6)", float(nps.detractors_pct), NPS_COLOURS["detractors"]),
             ("Passives (7-8)", float(nps.passives_pct), NPS_COLOURS["passives"]),
             ("Promoters (9-10)", float(nps.promoters_pct), NPS_COLOURS["promoters"])]
    fig = _figure(7.2, 2.2)
    ax = fig.add_subplot()
    _style(ax)
    left = 0.0
    for label, pct, colour in parts:
        bar = ax.barh([0], [pct], left=left, color=colour, height=0.55, label=label)
        bar.patches[0].set_gid(label.split()[0].lower())
        if pct >= 12:
            ax.text(left + pct / 2, 0, f"{label.split()[0]}\n{pct:.0f}%", ha="center", va="center", fontsize=8.5,
                    color="white" if colour != NPS_COLOURS["passives"] else TEXT)
        left += pct
    ax.set_xlim(0, 100)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.set_xlabel("Share of customers answering the recommendation question (%)")
    ax.set_title(f"Net Promoter Score {nps.score:+.0f} (n = {int(nps.n)})", loc="left")
    fig.legend(loc="outside lower center", ncol=3, frameon=False, fontsize=8)
    return fig


# --------------------------------------------------------------------------------------
# inline display without pyplot
# --------------------------------------------------------------------------------------
def _register_inline_png() -> None:
    """Inside IPython, make sure a bare Figure renders as PNG (the inline backend registers this
    only once pyplot is imported, which these charts never do)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency, but charts work without it
        return
    shell = get_ipython()
    if shell is None or not hasattr(shell, "display_formatter"):
        return
    from functools import partial

    from IPython.core.pylabtools import print_figure

    png = shell.display_formatter.formatters["image/png"]
    try:
        png.lookup_by_type(Figure)
    except KeyError:
        png.for_type(Figure, partial(print_figure, fmt="png", base64=True))


_register_inline_png()

__all__ = ["radar", "dimension_bars", "group_heatmap", "item_ranking", "metrics_distribution",
           "CURRENT", "TARGET", "STAGE_COLOURS"]
