"""``report.pptx``: the editable deck a consultant presents, from the same words and numbers as the HTML report.

Slides: title (client, date, consultant), executive summary, scores against the stage bands (a
native bar chart), the radar (a native radar chart), one group heatmap per grouping (a table with
cell fills; suppressed groups are one grey row that says so), strongest and weakest statements,
where people disagree, what drives the outcome and what people wrote (when the report has them),
what customers say (with a customer survey), the action plan, and one slide per dimension (score,
stage, spread, its statements, its actions).

The words are the narrative's own HTML fragments read back as blocks (:mod:`cxassess.report.html_text`),
so nothing here rewrites a sentence; the layout is :mod:`cxassess.report.deck_layout` (templates,
text that fits) and the charts :mod:`cxassess.report.deck_charts`. python-pptx is imported only
when a deck is asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cxassess.report.content import ReportContent
from cxassess.report.html_text import Block, Run, Table, parse_fragment

#: What the deck says in its own voice: slide titles only (the sentences are the narrative's).
TITLES = {
    "summary": "Executive summary",
    "bars": "Where you stand: each dimension against the maturity stages",
    "radar": "The profile across dimensions",
    "heatmap": "How views differ by {column}",
    "plan": "Action plan: where to start",
    "plan_part": "Action plan – {part}",  # the part's own heading may hold a colon ("Later: ...")
    "consensus": "Where people disagree",
    "drivers": "What drives the outcome",
    "comments": "What people wrote",
    "metrics": "What customers say",
}


def build_deck(content: ReportContent, template: Path | None = None) -> Any:
    """The deck as a python-pptx ``Presentation`` (see the module docstring for the slides)."""
    from cxassess.report import deck_charts, narrative
    from cxassess.report.deck_layout import Box, Deck

    scores, plan = content.scores, content.plan
    deck = Deck(template)
    title = parse_fragment(narrative.title_block(content.client, scores, assessment_date=content.assessment_date,
                                                 consultant=content.consultant))
    heading = next((b.text for b in title if isinstance(b, Block) and b.kind == "h"), content.client)
    sub = [b.text for b in title if isinstance(b, Block) and b.kind != "h"]
    deck.title_slide(heading, [line for text in sub for line in text.split(" · ")])

    deck.flow(TITLES["summary"], _blocks(content.narrative("executive_summary", scores)))

    area = deck.area
    deck_charts.dimension_bars(deck.slide(TITLES["bars"]), area, scores)
    deck_charts.radar(deck.slide(TITLES["radar"]), area, scores)

    for column in scores.groups:
        table = _tables(narrative.heatmap_table(scores, column))[0]
        note = _blocks(narrative.group_note(scores, column))
        if table.caption:
            note = [Block("p", [Run(table.caption)], note=True), *note]
        deck.table(TITLES["heatmap"].format(column=column.replace("_", " ")), table, note=note)

    ranking = parse_fragment(narrative.item_ranking_html(scores, n=5))
    for k, item in enumerate(ranking):
        if isinstance(item, Table):
            heading_block = ranking[k - 1] if k and isinstance(ranking[k - 1], Block) else None
            name = heading_block.text if isinstance(heading_block, Block) else "Statements"
            deck.table(name, item.drop_empty_columns())

    _fragment(deck, TITLES["consensus"], content.narrative("consensus_section", scores))
    if getattr(narrative, "has_drivers", None) is not None and narrative.has_drivers(scores):
        _fragment(deck, TITLES["drivers"], content.narrative("drivers_html", scores))
    if "comments" in content.sections and hasattr(narrative, "comments_html"):
        _fragment(deck, TITLES["comments"], content.narrative("comments_html", content.sections["comments"]),
                  max_tables=1)  # the quotes and the themes; the breakdowns stay in the HTML and the workbook
    if content.metrics is not None:
        _fragment(deck, TITLES["metrics"], content.narrative("metrics_panel", content.metrics))
    _action_plan(deck, narrative.action_plan_parts(plan, n_focus=3))
    by_dimension: dict[str, list[tuple[str, str, bool, float]]] = {}
    for item, dim, text, reverse, mean in scores.items[["dimension", "text", "reverse", "mean"]].itertuples():
        by_dimension.setdefault(str(dim), []).append((str(item), str(text), bool(reverse), mean))
    rows = {str(k): v for k, v in scores.dimensions.to_dict("index").items()}
    for dim in rows:
        _dimension_slide(deck, Box, content, dim, by_dimension.get(dim, []), rows)
    return deck


def write_deck(content: ReportContent, path: Path, options: Any = None) -> Path:
    """Write ``report.pptx`` (the registry's writer for the ``pptx`` format)."""
    template = getattr(options, "pptx_template", None)
    build_deck(content, template).save(Path(path))
    return Path(path)


def warm_up() -> None:
    """Import python-pptx and load the measuring fonts (the renderer calls it once, in a thread)."""
    from cxassess.report import deck_charts, deck_layout, textfit  # noqa: F401

    textfit.text_width("warm", 12)
    textfit.text_width("warm", 12, bold=True)
    deck_layout.Deck()


# --------------------------------------------------------------------------------------
def _blocks(html: str) -> list[Block]:
    return [b for b in parse_fragment(html) if isinstance(b, Block)]


def _tables(html: str) -> list[Table]:
    return [t for t in parse_fragment(html) if isinstance(t, Table)]


def _fragment(deck: Any, title: str, html: str, max_tables: int = 4) -> None:
    """A narrative section: its tables as table slides with its words as the note under the first
    (or on a slide of their own when they are long), or only its words."""
    from cxassess.report.deck_layout import text_height

    items = parse_fragment(html)
    blocks = [b for b in items if isinstance(b, Block)]
    tables = [t.drop_empty_columns() for t in items if isinstance(t, Table)][:max_tables]
    if not tables:
        if blocks:
            deck.flow(title, blocks)
        return
    short = text_height(blocks, deck.area.text_width_pt, 11) < 0.3 * deck.area.text_height_pt
    if blocks and not short:
        deck.flow(title, blocks)
    for k, table in enumerate(tables):
        deck.table(title, table, note=blocks if (short and k == 0) else ())


def _action_plan(deck: Any, parts: Sequence[str]) -> None:
    """The plan's focus dimensions as text (continued as needed), the rest as a table slide."""
    text: list[Block] = []
    for part in parts:
        items = parse_fragment(part)
        tables = [t for t in items if isinstance(t, Table)]
        blocks = [b for b in items if isinstance(b, Block)]
        if not tables:
            text += blocks
            continue
        title = next((b.text for b in blocks if b.kind == "h"), TITLES["plan"])
        if text:
            deck.flow(TITLES["plan"], text)
            text = []
        deck.table(TITLES["plan_part"].format(part=title) if title else TITLES["plan"], tables[0],
                   note=[b for b in blocks if b.kind != "h"])
    if text:
        deck.flow(TITLES["plan"], text)


def _dimension_slide(deck: Any, box_type: Any, content: ReportContent, dim: str,
                     items: Sequence[tuple[str, str, bool, float]], rows: dict[str, dict[str, Any]]) -> None:
    """A dimension's facts on the left; its statements and next actions on the right (continued as needed)."""
    from cxassess.report.deck_layout import fit_text, paginate
    from cxassess.report.fragments import num

    scores = content.scores
    row = rows[dim]
    q = scores.questionnaire
    facts = [Block("h", [Run(f"Score {num(row['score'])} on {q.scale.min}–{q.scale.max}")])]
    if isinstance(row["stage_name"], str):
        facts.append(Block("p", [Run("Stage: ", True), Run(f"{int(row['stage'])} of {len(q.stages)}, "
                                                           f"{row['stage_name']}")]))
    facts.append(Block("p", [Run("Spread (sd): ", True), Run(num(row["sd"]))]))
    facts.append(Block("p", [Run("Agreement (rwg): ", True), Run(num(row["rwg"]))]))
    if row.get("low_consensus") is True or str(row.get("low_consensus")) == "True":
        facts.append(Block("p", [Run("Low consensus: ", True), Run("discuss before acting on the average")]))
    if row.get("target") is not None and num(row["target"]) != "–":
        facts.append(Block("p", [Run("Target: ", True), Run(f"{num(row['target'])} (gap {num(row['gap'])})")]))
    facts.append(Block("p", [Run("Respondents: ", True), Run(num(row["n"], 0))]))

    right: list[Block] = [Block("h", [Run("Statements (mean answer)")])]
    for item, text, reverse, mean in items:
        rev = " (reverse-worded)" if reverse else ""
        right.append(Block("li", [Run(f"{num(mean)}  ", True), Run(f"{text}{rev}"), Run(f"  {item}", False, True)]))
    entry = next((e for e in content.plan.entries if e.dimension == dim), None)
    if entry is not None and entry.actions:
        right.append(Block("h", [Run(f"Next actions (now at stage {entry.stage}, {entry.stage_name})")]))
        right += [Block("ol", [Run(a)], number=n) for n, a in enumerate(entry.actions, 1)]

    area = deck.area
    gap = int(area.width * 0.03)
    left_w = int(area.width * 0.3)
    left = box_type(area.left, area.top, left_w, area.height)
    right_box = box_type(area.left + left_w + gap, area.top, area.width - left_w - gap, area.height)
    for k, (size, page) in enumerate(paginate(right, right_box, (16, 14, 13, 12, 11))):
        slide = deck.slide(str(row["name"]) + (" (continued)" if k else ""))
        fit_text(deck.add_box(slide, left), facts, (20, 18, 16, 14, 12), box=left)
        fit_text(deck.add_box(slide, right_box), page, (size,), box=right_box)


__all__ = ["build_deck", "write_deck", "warm_up", "TITLES"]
