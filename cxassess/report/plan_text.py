"""The action plan in words: why dimensions come in the order they do, and the actions for each.

Built from an :class:`~cxassess.report.actions.ActionPlan`; every string from a data file is escaped.
"""

from __future__ import annotations

import math
from typing import Any

from cxassess._util.safe import escape_html as e
from cxassess.report.fragments import html_table, join, num


def plan_order_text(plan: Any) -> str:
    """One paragraph: how the plan is ordered, naming the shortfalls that lead it (or saying there are none)."""
    short = plan.below_target
    if short:
        names = join([f"<strong>{e(x.name)}</strong>" for x in short])
        lead = (f"{'The dimension' if len(short) == 1 else f'The {len(short)} dimensions'} below target "
                f"({names}) come first, the largest shortfall first. The others follow by priority")
    elif any(not math.isnan(x.target) for x in plan.entries):
        lead = "Every dimension has reached its target, so the plan is ordered by priority alone"
    else:
        lead = "No targets were set, so the plan is ordered by priority alone"
    impact = (", its impact on the outcome (key-driver analysis)" if plan.uses_impact else "")
    return (f"<p>{lead}: a score from 0 to 100 that grows with how far a dimension is from the top of the "
            f"scale{impact} and how much it counts in the overall score (100 = the lowest possible score on "
            "the dimension that counts most). The actions fit each dimension's current stage and aim at the "
            "next one.</p>")


def _status(entry: Any) -> str:
    if math.isnan(entry.target):
        return ""
    if entry.below_target:
        return f"; target {num(entry.target)}, {entry.gap:.2f} to go"
    return f"; target {num(entry.target)} reached"


def action_plan_parts(plan: Any, n_focus: int = 3) -> list[str]:
    """The plan as separate HTML blocks (intro with the first focus dimension, each further focus
    dimension, the rest as a table), so a printed page can break between them."""
    if not plan.entries:
        return ["<p>No dimension could be scored, so there is no action plan.</p>"]
    intro = plan_order_text(plan)
    out = []
    for rank, entry in enumerate(plan.focus(n_focus), 1):
        actions = (f"<ol>{''.join(f'<li>{e(a)}</li>' for a in entry.actions)}</ol>" if entry.actions
                   else "<p>No recommended actions are stored for this questionnaire.</p>")
        why = "below target" if entry.below_target else f"priority {entry.priority:.0f} of 100"
        out.append((intro if rank == 1 else "") + f"<h3>{rank}. {e(entry.name)}</h3>"
                   f"<p class=\"cx-sub\">Now at stage {entry.stage}, {e(entry.stage_name)} "
                   f"(score {num(entry.score)}{_status(entry)}; {why}).</p>{actions}")
    later_short = [x for x in plan.entries[n_focus:] if x.below_target]
    if later_short:
        out.append(f"<p>{len(later_short)} more dimension{'s are' if len(later_short) != 1 else ' is'} below "
                   "target and listed first below; the plan details the largest shortfalls only, so that the "
                   "first steps stay few enough to do well.</p>")
    rest = plan.entries[n_focus:]
    if rest:
        rows = [[x.name, f"{x.stage} {x.stage_name}", num(x.score), num(x.target),
                 "below target" if x.below_target else f"{x.priority:.0f}", x.actions[0] if x.actions else "–"]
                for x in rest]
        out.append("<h3>Later: the remaining dimensions</h3>"
                   + html_table(["Dimension", "Stage", "Score", "Target", "Priority (0–100)", "First step"], rows,
                                align_right=(2, 3, 4)))
    if plan.unscored:
        out.append(f"<p>Not in the plan (too few answers to score): {e(', '.join(plan.unscored))}.</p>")
    return out


def action_plan_html(plan: Any, n_focus: int = 3) -> str:
    """The plan: the first ``n_focus`` dimensions in detail with their actions, then the rest briefly."""
    return "".join(action_plan_parts(plan, n_focus))
