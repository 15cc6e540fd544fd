"""What people wrote: open-text comments grouped by theme, with privacy rules stricter than the scores'.

- Comments are shown only for groups of at least :data:`COMMENT_MIN_GROUP` respondents (and never
  below the report's own minimum group size): the organisation as a whole, and each reported group
  of a grouping. Words identify people far more easily than numbers, so survey platforms use a
  higher threshold for comments than for scores; so do we.
- E-mail addresses and phone numbers are removed from every comment before anything is counted or
  shown (:func:`redact`), and every comment is HTML-escaped.
- Themes come from a data file (``templates/themes.yaml``): a comment belongs to each theme one of
  whose words it contains (at the start of a word, any case); comments matching none count as
  "Other". Counts are given per theme, per dimension (through each theme's dimension) and per
  reported group; a few example comments are shown per theme.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from cxassess._util.paths import TEMPLATES_DIR
from cxassess._util.safe import escape_html as e
from cxassess.errors import CxError
from cxassess.report.fragments import html_table
from cxassess.scoring.result import Scores

DEFAULT_THEMES = TEMPLATES_DIR / "themes.yaml"
#: the smallest group whose comments are shown (the report's minimum group size if that is larger)
COMMENT_MIN_GROUP = 10
EXAMPLES_PER_THEME = 2
#: example comments are shown for the most mentioned themes of each question only
THEMES_WITH_EXAMPLES = 5
MAX_COMMENT_CHARS = 400
OTHER = "Other"

_EMAIL = re.compile(r"[\w.+'-]+\s*(?:@|\(at\)|\[at\])\s*[\w-]+(?:\s*(?:\.|\(dot\)|\[dot\])\s*[\w-]+)+", re.IGNORECASE)
_PHONE = re.compile(r"(?<![\w])(?:\+|00)?\(?\d[\d\s().\-/]{5,}\d(?![\w])")


def redact(text: str) -> str:
    """The comment without e-mail addresses and phone numbers (runs of 7+ digits with the usual
    separators), whitespace tidied and cut to :data:`MAX_COMMENT_CHARS` characters."""
    out = _EMAIL.sub("[e-mail removed]", str(text))
    out = _PHONE.sub(lambda m: "[phone number removed]" if sum(c.isdigit() for c in m.group()) >= 7 else m.group(),
                     out)
    out = " ".join(out.split())
    return out if len(out) <= MAX_COMMENT_CHARS else out[: MAX_COMMENT_CHARS - 1].rstrip() + "…"


# --------------------------------------------------------------------------------------
# the theme list
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Theme:
    id: str
    name: str
    words: tuple[str, ...]
    dimension: str = ""

    @property
    def pattern(self) -> re.Pattern[str]:
        alternatives = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in self.words)
        return re.compile(rf"(?<!\w)(?:{alternatives})", re.IGNORECASE)


def load_themes(path: str | Path | None = None) -> list[Theme]:
    """The theme list (the bundled one by default), every problem reported with its location."""
    from cxassess._util.yamlfile import read_yaml

    path = Path(path) if path else DEFAULT_THEMES
    data = read_yaml(path, "themes", lambda source, problems: CxError(f"{source}: {problems[0]}"))
    if not isinstance(data, dict) or not isinstance(data.get("themes"), list):
        raise CxError(f"{path}: expected a mapping with a 'themes' list (id, name, words, optional dimension)")
    problems: list[str] = []
    themes: list[Theme] = []
    seen: set[str] = set()
    for n, raw in enumerate(data["themes"]):
        where = f"themes[{n}]"
        if not isinstance(raw, dict):
            problems.append(f"{where}: expected a mapping")
            continue
        unknown = sorted(set(raw) - {"id", "name", "words", "dimension"})
        problems += [f"{where}.{k}: unknown key" for k in unknown]
        tid, name, words = str(raw.get("id") or "").strip(), str(raw.get("name") or "").strip(), raw.get("words")
        if not tid or not name:
            problems.append(f"{where}: needs an id and a name")
        if tid in seen:
            problems.append(f"{where}.id: '{tid}' is used twice")
        seen.add(tid)
        if not isinstance(words, list) or not words or not all(isinstance(w, str) and w.strip() for w in words):
            problems.append(f"{where}.words: expected a list of words")
            continue
        themes.append(Theme(tid, name, tuple(" ".join(w.split()) for w in words), str(raw.get("dimension") or "")))
    if problems:
        raise CxError(f"{path}: " + "; ".join(problems))
    return themes


# --------------------------------------------------------------------------------------
# the summary
# --------------------------------------------------------------------------------------
@dataclass
class CommentSummary:
    """What the report shows of the comments (already redacted; nothing here is escaped yet)."""

    shown: bool
    reason: str = ""
    min_group: int = COMMENT_MIN_GROUP
    questions: dict[str, str] = field(default_factory=dict)  # id -> question text
    # one row per comment: respondent_id, question_id, text (redacted), themes (list of theme names)
    comments: pd.DataFrame = field(default_factory=pd.DataFrame)
    by_theme: pd.DataFrame = field(default_factory=pd.DataFrame)  # question_id, theme, dimension, comments
    by_dimension: pd.DataFrame = field(default_factory=pd.DataFrame)  # dimension name -> comments
    by_group: dict[str, pd.DataFrame] = field(default_factory=dict)  # grouping -> groups x themes counts
    hidden_groups: dict[str, list[str]] = field(default_factory=dict)

    def examples(self, question_id: str, theme: str, n: int = EXAMPLES_PER_THEME) -> list[str]:
        """Up to ``n`` distinct comments of ``theme`` for one question, in the order they came."""
        c = self.comments
        texts = c.loc[(c["question_id"] == question_id) & c["themes"].map(lambda ts: theme in ts), "text"]
        return list(dict.fromkeys(texts))[:n]

    def question_examples(self, question_id: str, n: int = EXAMPLES_PER_THEME) -> dict[str, list[str]]:
        """The examples shown for one question's first themes: up to ``n`` comments each, preferring comments
        not already shown under an earlier theme (a comment that touches two themes is quoted once when the
        second theme has others of its own)."""
        mine = self.by_theme.loc[self.by_theme["question_id"] == question_id].head(THEMES_WITH_EXAMPLES)
        used: set[str] = set()
        out: dict[str, list[str]] = {}
        for theme in mine["theme"].astype(str):
            texts = self.examples(question_id, theme, n=len(self.comments))
            picked = ([t for t in texts if t not in used] + [t for t in texts if t in used])[:n]
            used.update(picked)
            out[theme] = picked
        return out

    def to_dict(self, examples: int = EXAMPLES_PER_THEME) -> dict[str, Any]:
        """``scores.json``'s ``comments``: what the report's section shows, as data (counts per theme,
        dimension and shown group; the example comments of the first themes, redacted), never more."""
        doc: dict[str, Any] = {"shown": self.shown, "reason": self.reason, "min_group": int(self.min_group),
                               "questions": dict(self.questions)}
        if not self.shown:
            return doc
        c = self.comments
        doc["people"] = int(c["respondent_id"].nunique())
        doc["comments"] = int(len(c))
        themes: dict[str, list[dict[str, Any]]] = {}
        for qid in self.questions:
            mine = self.by_theme.loc[self.by_theme["question_id"] == qid]
            shown = self.question_examples(qid, examples)
            themes[qid] = [{"theme": str(r["theme"]), "dimension": str(r["dimension"]), "comments": int(r["comments"]),
                            "examples": shown.get(str(r["theme"]), [])} for _, r in mine.iterrows()]
        doc["themes"] = themes
        doc["dimensions"] = {str(name): int(k) for name, k in self.by_dimension.items()}
        doc["groups"] = {col: {str(g): {str(t): int(counts.loc[g, t]) for t in counts.columns} for g in counts.index}
                         for col, counts in self.by_group.items()}
        doc["hidden_groups"] = {col: list(groups) for col, groups in self.hidden_groups.items()}
        return doc


def summarise_comments(responses: Any, scores: Scores, themes: list[Theme] | str | Path | None = None,
                       min_group: int = COMMENT_MIN_GROUP) -> CommentSummary:
    """Group the open-text answers of ``responses`` (a :class:`~cxassess.io.responses.Responses`) by theme.

    Only comments of respondents who were counted in ``scores`` are used. Nothing is shown when the
    organisation has fewer than ``max(min_group, scores.min_group_size)`` respondents; per grouping,
    only groups of at least that size (and not suppressed) get counts.
    """
    q = scores.questionnaire
    limit = max(int(min_group), int(scores.min_group_size))
    questions = {o.id: o.text for o in q.open_questions}
    raw = getattr(responses, "comments", None)
    if not questions:
        return CommentSummary(False, "the questionnaire has no open-text questions", limit)
    if raw is None or raw.empty:
        return CommentSummary(False, "nobody wrote a comment", limit, questions)
    if scores.respondents < limit:
        return CommentSummary(False, f"fewer than {limit} people answered, so comments are not shown, to "
                                     "protect the anonymity of those who wrote them", limit, questions)
    theme_list = themes if isinstance(themes, list) else load_themes(themes)
    counted = set(map(str, scores.respondent_scores.index))
    frame = raw.loc[raw["respondent_id"].astype(str).isin(counted)].copy()
    frame["respondent_id"] = frame["respondent_id"].astype(str)
    frame["text"] = frame["text"].map(redact)
    frame = frame.loc[frame["text"].str.strip() != ""].reset_index(drop=True)
    if frame.empty:
        return CommentSummary(False, "nobody wrote a comment", limit, questions)
    patterns = [(t, t.pattern) for t in theme_list]
    frame["themes"] = [[t.name for t, pat in patterns if pat.search(text)] or [OTHER] for text in frame["text"]]
    dim_names = dict(zip(scores.dimensions.index, scores.dimensions["name"], strict=True))
    theme_dim = {t.name: dim_names.get(t.dimension, "") for t in theme_list}

    exploded = frame.explode("themes").rename(columns={"themes": "theme"})
    order = {t.name: k for k, t in enumerate(theme_list)} | {OTHER: len(theme_list)}
    by_theme = (exploded.groupby(["question_id", "theme"], sort=False).size().rename("comments").reset_index())
    by_theme["dimension"] = by_theme["theme"].map(theme_dim).fillna("")
    by_theme["_order"] = by_theme["theme"].map(order)
    by_theme = by_theme.sort_values(["question_id", "comments", "_order"], ascending=[True, False, True],
                                    kind="stable").drop(columns="_order").reset_index(drop=True)
    with_dim = exploded.assign(dimension=exploded["theme"].map(theme_dim).fillna(""))
    with_dim = with_dim.loc[with_dim["dimension"] != ""].drop_duplicates(["respondent_id", "question_id", "text",
                                                                          "dimension"])
    by_dimension = with_dim.groupby("dimension", sort=False).size().rename("comments").sort_values(
        ascending=False, kind="stable")

    attrs = getattr(responses, "attributes", pd.DataFrame())
    by_group: dict[str, pd.DataFrame] = {}
    hidden: dict[str, list[str]] = {}
    for col, table in scores.groups.items():
        ok = table.loc[~table["suppressed"].astype(bool) & (table["respondents"] >= limit)].index.astype(str)
        hidden[col] = [str(g) for g in table.index.astype(str) if g not in set(ok)]
        if col not in attrs.columns or not len(ok):
            continue
        labels = attrs[col].astype("object").where(attrs[col].notna(), "(not given)").astype(str)
        labels.index = labels.index.astype(str)
        member = exploded.assign(group=exploded["respondent_id"].map(labels))
        member = member.loc[member["group"].isin(set(ok))]
        counts = member.groupby(["group", "theme"]).size().unstack(fill_value=0)
        counts = counts.reindex(index=list(ok), fill_value=0)
        counts = counts[[c for c in sorted(counts.columns, key=lambda c: order.get(c, 99))]]
        by_group[col] = counts
    return CommentSummary(True, "", limit, questions, frame, by_theme, by_dimension, by_group, hidden)


# --------------------------------------------------------------------------------------
# the section
# --------------------------------------------------------------------------------------
def comments_html(summary: CommentSummary, examples: int = EXAMPLES_PER_THEME) -> str:
    """The report's "What people wrote" section: counts per theme with examples, per dimension and per group."""
    if not summary.shown:
        return f"<p>No comments are shown: {e(summary.reason)}.</p>"
    c = summary.comments
    people = c["respondent_id"].nunique()
    out = [f"<p>{people} {'person' if people == 1 else 'people'} wrote {len(c)} comment{'s' if len(c) != 1 else ''}. "
           f"Comments are shown only for groups of at least {summary.min_group} respondents; e-mail addresses "
           "and phone numbers have been removed. A comment can touch several themes, so the counts may add up "
           "to more than the number of comments.</p>"]
    for qid, question in summary.questions.items():
        mine = summary.by_theme.loc[summary.by_theme["question_id"] == qid]
        if mine.empty:
            continue
        n = int((c["question_id"] == qid).sum())
        out.append(f"<h3>“{e(question)}”</h3><p class=\"cx-note\">{n} answer{'s' if n != 1 else ''}</p>")
        rows = [[r["theme"], int(r["comments"]), r["dimension"] or "–"] for _, r in mine.iterrows()]
        out.append(html_table(["Theme", "Comments", "Dimension"], rows, align_right=(1,), cls="cx-table cx-themes"))
        for theme, shown in summary.question_examples(qid, examples).items():
            if shown:
                quotes = "".join(f"<li>{e(t)}</li>" for t in shown)
                out.append(f'<div class="cx-quotes"><p class="cx-note"><strong>{e(theme)}</strong>'
                           f"</p><ul>{quotes}</ul></div>")
    if len(summary.by_dimension):
        rows = [[name, int(k)] for name, k in summary.by_dimension.items()]
        out.append("<h3>Comments per dimension</h3>"
                   + html_table(["Dimension", "Comments on its themes"], rows, align_right=(1,)))
    for col, counts in summary.by_group.items():
        top = list(counts.sum().sort_values(ascending=False, kind="stable").index[:4])
        rows = [[g, *[int(counts.loc[g, t]) for t in top]] for g in counts.index]
        hidden = summary.hidden_groups.get(col) or []
        note = (f'<p class="cx-note">Not shown (fewer than {summary.min_group} respondents, or suppressed): '
                f"{e(', '.join(hidden))}.</p>" if hidden else "")
        out.append(f"<h3>Themes by {e(col.replace('_', ' '))}</h3>"
                   + html_table([col.replace("_", " ").capitalize(), *top], rows, align_right=range(1, len(top) + 1))
                   + note)
    return "".join(out)


__all__ = ["COMMENT_MIN_GROUP", "CommentSummary", "Theme", "comments_html", "load_themes", "redact",
           "summarise_comments"]
