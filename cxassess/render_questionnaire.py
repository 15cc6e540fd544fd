"""Render a questionnaire as a printable form (Markdown) for paper workshops."""

from __future__ import annotations

from cxassess.questionnaire import Questionnaire


def to_markdown(q: Questionnaire) -> str:
    """A printable answer sheet: one table per dimension, one box per scale point."""
    points = list(range(q.scale.min, q.scale.max + 1))
    key = "; ".join(f"{p} = {q.scale.labels[p]}" for p in points)
    lines = [
        f"# {q.title or q.id}",
        "",
        f"Questionnaire `{q.id}`, version {q.version}.",
        "",
        "Participant code: ____________   Role: ____________   Department: ____________",
        "",
        f"Tick one box per statement. Scale: {key}. Tick **DK** for \"{q.scale.dont_know}\".",
        "",
    ]
    header = "| # | Statement | " + " | ".join(str(p) for p in points) + " | DK |"
    rule = "|---|---|" + "---|" * (len(points) + 1)
    for n, dim in enumerate(q.dimensions, start=1):
        lines += [f"## {n}. {dim.name}", "", dim.description.strip(), "", header, rule]
        for item in q.items_of(dim.id):
            boxes = " | ".join("☐" for _ in points)
            lines.append(f"| {item.id} | {item.text} | {boxes} | ☐ |")
        lines.append("")
    return "\n".join(lines)
