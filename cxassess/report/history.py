"""The report's history section: the client's trend between waves and its place among other clients.

:func:`report_history` reads the store (:mod:`cxassess.store`) for one report; :func:`history_html`
turns the result into HTML fragments (every text escaped by :func:`~cxassess.report.fragments.html_table`
or :func:`~cxassess._util.safe.escape_html`); :func:`history_document` is what ``scores.json`` holds
under ``history``. Figures the store suppressed (a wave or dimension with fewer respondents than
the report's minimum group size, a benchmark with fewer than five other clients) are shown as the
reason, never as a number.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from cxassess._util.safe import escape_html as e
from cxassess.report.fragments import html_table, join, num
from cxassess.scoring.result import Scores

if TYPE_CHECKING:  # the store (SQLAlchemy, Alembic) is imported only when a report has one
    from cxassess.store.api import History
    from cxassess.store.benchmark import Benchmark
    from cxassess.store.trend import Step, Trend

__all__ = ["benchmark_html", "history_document", "history_html", "report_history", "trend_html"]


def report_history(store: str | Path | None, client_name: str, scores: Scores, responses: str | Path | None = None,
                   *, same_sector: bool = False) -> History | None:
    """The trend and benchmark for this report, or None when no store is given.

    ``responses`` (the report's responses file) lets the trend include this assessment before it
    is stored; they are read with the questionnaire the scores were made with.
    """
    if store in (None, ""):
        return None
    from cxassess.store.api import client_history

    current = None
    if responses not in (None, ""):
        from cxassess.io.read import read_responses

        current = read_responses(responses, scores.questionnaire)
    return client_history(store, client_name, responses=current, scores=scores if current is not None else None,
                          same_sector=same_sector, min_group_size=scores.min_group_size)


def _signed(x: float | None) -> str:
    return "–" if x is None else f"{x:+.2f}"


def _step_table(step: Step) -> str:
    rows = []
    for c in step.changes:
        if not c.shown:
            rows.append([c.name, "–", "–", "–", "–", f"not compared: {c.reason}"])
            continue
        interval = "–" if c.low is None or c.high is None else f"{c.low:+.2f} to {c.high:+.2f}"
        rows.append([c.name, num(c.before), num(c.after), _signed(c.difference), interval,
                     f"{c.word} (on {c.items_compared} of {c.items_total} statements)"])
    return html_table(["Dimension", step.before, step.after, "Change", "95% interval", "Reading"], rows,
                      align_right=(1, 2, 3, 4))


def _items_note(step: Step) -> str:
    parts = []
    for label, ids in (("worded differently", step.items.changed), ("new", step.items.new),
                       ("no longer asked", step.items.dropped)):
        if ids:
            parts.append(f"{label}: {', '.join(ids)}")
    if not parts:
        return "<p class=\"cx-note\">Every statement was worded the same in both waves.</p>"
    return (f"<p class=\"cx-note\">Statements left out of this comparison because they were not asked the same way "
            f"in both waves ({e('; '.join(parts))}).{(' ' + e(step.note) + '.') if step.note else ''}</p>")


def _drift_note(trend: Trend) -> str:
    """When the waves did not ask the same statements: the table above is not a like-for-like series."""
    versions = [(w["questionnaire"], w["version"]) for w in trend.waves]
    reworded = any(s.items.changed or s.items.new or s.items.dropped for s in trend.steps)
    if len(set(versions)) < 2 and not reworded:
        return ""
    asked = join([f"{v} in {w['wave']}" for (_, v), w in zip(versions, trend.waves, strict=True)])
    return e(f" These are each wave's own scores on the statements it asked (questionnaire version {asked}); "
             "the changes below compare only the statements worded the same in both waves.")


def trend_html(trend: Trend) -> str:
    """Each dimension per wave, then every step with its change, interval and reading."""
    labels = [w["wave"] for w in trend.waves]
    rows = [[trend.names.get(d, d), *("–" if by_wave.get(w) is None else num(by_wave[w]) for w in labels)]
            for d, by_wave in trend.scores.items()]
    counts = join([f"{w['wave']} {w['respondents']}" for w in trend.waves])
    parts = ["<h3>Scores by wave</h3>",
             html_table(["Dimension", *labels], rows, align_right=range(1, len(labels) + 1)),
             f"<p class=\"cx-note\">Respondents: {e(counts)}. A dash: fewer than {trend.min_group_size} "
             f"respondents.{_drift_note(trend)}</p>"]
    for step in trend.steps:
        title = "From the first to the latest wave" if step.kind == "first to latest" else "Change"
        parts += [f"<h3>{e(title)}: {e(step.before)} to {e(step.after)}</h3>", _step_table(step), _items_note(step)]
    return "".join(parts)


def benchmark_html(bench: Benchmark) -> str:
    """The client's percentile per dimension, or why none is shown."""
    if not bench.shown:
        return (f"<p>No portfolio benchmark: fewer than {bench.min_contributors} other clients answered the same "
                f"questionnaire{' in this sector' if bench.sector else ''} ({bench.contributors} did).</p>")
    rows = [[p.name, num(p.score), f"{p.percentile:.0f}" if p.shown and p.percentile is not None else "–",
             "" if p.shown else p.reason] for p in bench.positions]
    scope = f"in the {e(bench.sector)} sector " if bench.sector else ""
    return (html_table(["Dimension", "Score", "Percentile", "Note"], rows, align_right=(1, 2))
            + f"<p class=\"cx-note\">Percentile: the share of the other clients {scope}whose latest assessment "
              f"scored lower on the dimension (equal scores count half). {bench.contributors} other clients "
              "contributed; no client's name or score is shown.</p>")


def history_html(history: History | None) -> str:
    """The whole section: trend (when there are earlier waves) and benchmark; "" without a store."""
    if history is None:
        return ""
    parts = ["<h2>Over time and among other clients</h2>"]
    if history.trend is None:
        parts.append("<p>The store holds no earlier assessment of this client, so there is no trend yet.</p>")
    else:
        parts.append(trend_html(history.trend))
    parts.append("<h3>Among other clients</h3>")
    parts.append(benchmark_html(history.benchmark) if history.benchmark is not None else
                 "<p>No portfolio benchmark.</p>")
    parts.append("<p class=\"cx-note\">Method: a change is the difference between the mean respondent scores "
                 "of two waves, scored again on the statements worded the same in both; the interval is Welch's "
                 "95% interval of that difference. \"Improved\" or \"declined\" means the whole interval lies "
                 "above or below zero; otherwise there is no clear change.</p>")
    return "".join(parts)


def history_document(store: str | Path | None, client_name: str, scores: Scores,
                     responses: str | Path | None = None, *, same_sector: bool = False) -> dict[str, Any] | None:
    """``scores.json``'s ``history`` key: ``{"trend": ..., "benchmark": ..., "waves_stored": n}`` or None."""
    history = report_history(store, client_name, scores, responses, same_sector=same_sector)
    return None if history is None else history.to_dict()
