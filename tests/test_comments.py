"""Open-text comments: read by every table reader as words, grouped by theme with counts computed by
hand below, and shown only where it is safe (groups of 10 or more, no e-mail addresses or phone
numbers, every character escaped)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cxassess.errors import CxError
from cxassess.io.read import read_responses
from cxassess.io.responses import responses_from_frame
from cxassess.questionnaire.model import load_questionnaire
from cxassess.report.comments import comments_html, load_themes, redact, summarise_comments
from cxassess.scoring.score import score

Q = load_questionnaire()
EVIL = "<script>alert(1)</script>"


def people(n_a: int, n_b: int, comments: dict[int, str]) -> pd.DataFrame:
    """``n_a`` people in role A then ``n_b`` in role B, answering 3 everywhere; CHANGE answers by position."""
    rows = []
    for k in range(n_a + n_b):
        row = {"respondent_id": f"P{k + 1:02d}", "role": "A" if k < n_a else "B"}
        row.update({i.id: 3 for i in Q.items})
        row["CHANGE"] = comments.get(k, "")
        rows.append(row)
    return pd.DataFrame(rows)


def summary_of(frame: pd.DataFrame):
    resp = responses_from_frame(frame, Q)
    return resp, summarise_comments(resp, score(resp, Q, group_by=["role"]))


def test_the_bundled_questionnaire_asks_open_questions_that_are_never_scored():
    assert Q.open_question_ids == ["CHANGE", "PROUD"]
    assert not set(Q.open_question_ids) & set(Q.item_ids)


@pytest.mark.parametrize(("raw", "expected"), [
    ("Write to jo.bloggs+cx@example.co.uk today", "Write to [e-mail removed] today"),
    ("jo (at) example (dot) com", "[e-mail removed]"),
    ("Ring 07700 900123 or +44 (0)20 7946 0958", "Ring [phone number removed] or [phone number removed]"),
    ("call 0800-123-4567.", "call [phone number removed]."),
    ("It took 3 weeks, 12 calls and 2026 was worse", "It took 3 weeks, 12 calls and 2026 was worse"),
])
def test_redact_removes_contact_details_only(raw, expected):
    assert redact(raw) == expected


def test_open_text_travels_through_wide_and_long_files_as_words(tmp_path):
    frame = people(3, 0, {0: "Five stars, 5/5 – but the app crashes", 1: "  3  "})
    wide = tmp_path / "wide.csv"
    frame.to_csv(wide, index=False)
    resp = read_responses(wide, Q)  # a sentence (or a lone "3") in an open question is never a value error
    assert resp.errors == [] and "CHANGE" not in resp.attributes.columns
    assert resp.comments.to_dict("records") == [
        {"respondent_id": "P01", "question_id": "CHANGE", "text": "Five stars, 5/5 – but the app crashes"},
        {"respondent_id": "P02", "question_id": "CHANGE", "text": "3"}]
    long = frame.melt(id_vars=["respondent_id", "role"], var_name="item_id", value_name="value")
    path = tmp_path / "long.csv"
    long.to_csv(path, index=False)
    resp_long = read_responses(path, Q)
    assert resp_long.errors == []
    assert sorted(resp_long.comments["text"]) == ["3", "Five stars, 5/5 – but the app crashes"]
    # the scores are the same either way: the comments took no part in them
    assert score(resp, Q).overall["score"] == score(resp_long, Q).overall["score"] == 3.0


def test_themes_counted_by_hand_with_examples_and_per_dimension():
    texts = {0: "We wait too long on hold", 1: "Stop the transfer between departments",
             2: "Waiting for another department to reply", 3: "Nice people", 4: "Slow systems"}
    _, s = summary_of(people(10, 10, texts))
    assert s.shown
    counts = {(r["theme"]): r["comments"] for _, r in s.by_theme.iterrows()}
    # speed: "wait" (0), "Waiting" (2), "Slow" (4) = 3; hand-offs: "transfer"/"department" (1), "department" (2)
    # = 2; information: "systems" (4) = 1; "Nice people" matches no theme: Other = 1
    assert counts == {"Waiting and speed of response": 3, "Hand-offs between teams": 2,
                      "Customer information and systems": 1, "Other": 1}
    # per dimension through each theme's dimension: journeys 3, silos 2, insight 1
    assert s.by_dimension.to_dict() == {"Journeys and touchpoints": 3, "Silos and cross-functional alignment": 2,
                                        "Customer insight and data": 1}
    html = comments_html(s)
    assert "5 people wrote 5 comments" in html and "<li>We wait too long on hold</li>" in html


def test_comments_are_shown_only_for_groups_of_ten_or_more():
    texts = {k: "We wait too long" for k in range(19)}
    _, s = summary_of(people(10, 9, texts))
    assert s.shown and list(s.by_group["role"].index) == ["A"]  # B has 9 people: no counts for it
    assert s.hidden_groups["role"] == ["B"]
    html = comments_html(s)
    assert "Not shown (fewer than 10 respondents, or suppressed): B." in html
    # an organisation of 9 shows no comment at all
    _, small = summary_of(people(9, 0, {0: "We wait too long", 1: EVIL}))
    assert not small.shown
    html = comments_html(small)
    assert "wait" not in html and "script" not in html and "fewer than 10 people answered" in html


def test_no_email_or_phone_number_reaches_the_html_and_everything_is_escaped():
    texts = {0: "Mail sam.rivers@example.com about it", 1: "Phone 01632 960417 any time",
             2: EVIL + " & wait", 3: '"quoted" <b>bold</b> slow'}
    _, s = summary_of(people(10, 2, texts))
    html = comments_html(s)
    for secret in ("sam.rivers", "example.com", "01632", "960417"):
        assert secret not in html
    assert "[e-mail removed]" in html and "[phone number removed]" in html
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; wait" in html
    assert "<b>bold</b>" not in html and "&quot;quoted&quot; &lt;b&gt;bold&lt;/b&gt; slow" in html


def test_theme_list_is_validated(tmp_path):
    assert len(load_themes()) >= 8
    bad = tmp_path / "themes.yaml"
    bad.write_text("themes:\n  - id: a\n    name: A\n    words: []\n  - id: a\n    name: B\n    words: [x]\n"
                   "    colour: red\n", encoding="utf-8")
    with pytest.raises(CxError, match=r"themes\[0\].words: expected a list of words.*themes\[1\].colour: unknown key"):
        load_themes(bad)


def test_a_survey_tool_export_carries_open_answers_as_comments(tmp_path):
    """A Google Forms export with the open question as a column (matched by its text): the answers come
    through the importer and the direct read as comments, never as attributes or value errors."""
    import csv
    import io

    from cxassess.io.survey_import import import_export

    src = Path(__file__).parent / "data" / "exports" / "google-forms.csv"
    rows = list(csv.reader(io.StringIO(src.read_text(encoding="utf-8"))))
    question = Q.open_questions[0].text
    rows[0].append(question)
    answers = ["Answer the phone faster, 5 rings max", "", "Call me: 07700 900123"]
    for row, answer in zip(rows[1:], answers, strict=False):
        row.append(answer)
    path = tmp_path / "form.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    result = import_export(path, Q, all_attributes=True)
    assert question not in result.frame.columns
    assert any(c.use == "open text" and c.detail == "CHANGE" for c in result.report.columns)
    resp = read_responses(path, Q)
    assert sorted(resp.comments["text"]) == sorted(a for a in answers[: len(rows) - 1] if a)
    assert question not in resp.attributes.columns and resp.errors == []


def test_scores_json_comments_hold_the_counts_and_examples_the_section_shows():
    texts = {0: "We wait too long on hold", 1: "Stop the transfer between departments",
             2: "Waiting for another department to reply", 3: "Nice people", 4: "Slow systems, ring 07700 900123"}
    _, s = summary_of(people(10, 9, texts))
    doc = s.to_dict()
    assert (doc["shown"], doc["min_group"], doc["people"], doc["comments"]) == (True, 10, 5, 5)
    themes = {t["theme"]: t for t in doc["themes"]["CHANGE"]}
    assert {k: t["comments"] for k, t in themes.items()} == {
        "Waiting and speed of response": 3, "Hand-offs between teams": 2, "Customer information and systems": 1,
        "Other": 1}
    # the examples are the section's, in the order they came, redacted
    assert themes["Waiting and speed of response"]["examples"] == ["We wait too long on hold",
                                                                    "Waiting for another department to reply"]
    assert themes["Customer information and systems"]["examples"] == ["Slow systems, ring [phone number removed]"]
    assert doc["themes"]["PROUD"] == []
    # role A (10 people) has counts; B (9) is only named as hidden
    assert doc["groups"] == {"role": {"A": {"Waiting and speed of response": 3, "Hand-offs between teams": 2,
                                            "Customer information and systems": 1, "Other": 1}}}
    assert doc["hidden_groups"] == {"role": ["B"]}
    _, small = summary_of(people(9, 0, {0: "We wait too long"}))
    assert small.to_dict() == {"shown": False, "reason": small.reason, "min_group": 10,
                               "questions": {o.id: o.text for o in Q.open_questions}}


def test_a_rendered_report_writes_its_comments_into_scores_json(tmp_path):
    """The real report notebook in a real kernel (Northwind: 64 people): ``scores.json`` counts every
    non-empty open answer of the raw file, and no contact detail reaches it."""
    import json

    from cxassess._util.paths import DEMO_DIR
    from cxassess.report.request import ReportRequest
    from cxassess.run.renderer import render_report

    path = DEMO_DIR / "northwind-outfitters.csv"
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    written = raw[["CHANGE", "PROUD"]].apply(lambda col: col.str.strip() != "")
    result = render_report(ReportRequest(client="Northwind Outfitters", responses=path), tmp_path, formats=["html"])
    text = (result.folder / "scores.json").read_text(encoding="utf-8")
    doc = json.loads(text)["comments"]
    assert doc["shown"] and doc["comments"] == int(written.to_numpy().sum())
    assert doc["people"] == int(written.any(axis=1).sum())
    for qid in ("CHANGE", "PROUD"):
        assert sum(t["comments"] for t in doc["themes"][qid]) >= int(written[qid].sum())  # a comment may touch two
        assert all(t["examples"] for t in doc["themes"][qid][:5])
    assert "sam.rivers" not in text and "960 417" not in text


def test_a_comment_on_two_themes_is_quoted_once_when_the_second_theme_has_others():
    # speed (4, listed first): 0, 1, 2 ("wait"), 5 ("slow"); hand-offs (3): 1 ("department"), 3, 4 ("transfer");
    # 1 is quoted under speed
    texts = {0: "We wait on hold", 1: "We wait for another department", 2: "Waiting again",
             3: "Transfer after transfer", 4: "Passed to another team by transfer", 5: "Slow replies"}
    _, s = summary_of(people(10, 10, texts))
    shown = s.question_examples("CHANGE")
    assert shown["Waiting and speed of response"] == ["We wait on hold", "We wait for another department"]
    assert shown["Hand-offs between teams"] == ["Transfer after transfer", "Passed to another team by transfer"]
    # the section and scores.json quote the same
    html = comments_html(s)
    assert html.count("<li>We wait for another department</li>") == 1
    assert {t["theme"]: t["examples"] for t in s.to_dict()["themes"]["CHANGE"]}["Hand-offs between teams"] == [
        "Transfer after transfer", "Passed to another team by transfer"]
    # with nothing else to quote, a theme still shows its comment again rather than none
    _, only = summary_of(people(10, 10, {0: "We wait for another department"}))
    assert only.question_examples("CHANGE") == {"Waiting and speed of response": ["We wait for another department"],
                                                "Hand-offs between teams": ["We wait for another department"]}
