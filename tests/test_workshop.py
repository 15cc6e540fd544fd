"""The workshop widgets, driven from Python: set .value, .click(), then check the session file and scores."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from cxassess.errors import CxError
from cxassess.workshop import (
    ABOUT,
    DONE,
    SUMMARY,
    FacilitatorPanel,
    ParticipantFlow,
    WorkshopApp,
    default_session_file,
    new_code,
    self_assessment,
    workshop,
)
from cxassess.workshop.store import DONT_KNOW, SessionStore

MINI = Path(__file__).parent / "data" / "mini.yaml"
ATTRS = {"role": ["Manager", "Staff"], "department": ["Sales", "Support"]}
SVG = b"<?xml"  # the charts show as SVG images


@pytest.fixture
def app(tmp_path) -> WorkshopApp:
    a = workshop("Acme <b>Ltd</b>", questionnaire=MINI, session_file=tmp_path / "w.sqlite", attributes=ATTRS)
    yield a
    a.store.close()


def _answer_everything(app: WorkshopApp, code: str, role: str, a: dict, b: dict, submit: bool = True):
    """Enter a code, pick a role, answer page A and page B with the toggle buttons, then submit."""
    entry = app.participant
    entry.reset()
    entry.code.value = code
    view = entry.start()
    view.attribute_inputs["role"].value = role
    view.next_button.click()
    for item, value in a.items():
        view.choices[item].value = value
    view.next_button.click()
    for item, value in b.items():
        view.choices[item].value = value
    view.next_button.click()
    if submit:
        if view.confirm_incomplete.layout.display != "none":
            view.confirm_incomplete.value = True
        view.submit_button.click()
    return view


def test_participant_flow_through_the_widgets(app):
    entry = app.participant
    entry.code.value = "  P1 "
    view = entry.start()
    assert view.flow.code == "P1"
    assert view.flow.pages == [ABOUT, "A", "B", SUMMARY]
    assert view.back_button.disabled
    view.attribute_inputs["role"].value = "Staff"
    view.attribute_inputs["department"].value = "Support"
    view.next_button.click()
    assert view.flow.page == "A" and list(view.choices) == ["A1", "A2", "A3"]
    assert [o[0] for o in view.choices["A1"].options] == [
        "Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree", "Don't know / not applicable"]
    view.choices["A1"].value = 4
    # committed the moment it is clicked: a separate connection (another kernel) already sees it
    raw = sqlite3.connect(app.store.path)
    assert raw.execute("SELECT value, status FROM answers WHERE participant = 'P1' AND item_id = 'A1'").fetchall() == [
        (4.0, "answered")]
    raw.close()
    view.choices["A2"].value = 2
    view.choices["A3"].value = 5
    assert view.progress.value == 3 and "3 of 5 answered" in view.progress_text.value
    view.next_button.click()
    view.choices["B1"].value = 3
    view.choices["B2"].value = DONT_KNOW
    view.choices["B1"].value = 2  # changed: the latest answer wins
    view.back_button.click()
    assert view.flow.page == "A"
    assert {k: t.value for k, t in view.choices.items()} == {"A1": 4, "A2": 2, "A3": 5}
    view.next_button.click()
    view.next_button.click()
    assert view.flow.page == SUMMARY
    assert view.goto_buttons == {} and not view.submit_button.disabled
    assert "All 5 statements are answered" in view.body.children[0].value
    view.submit_button.click()
    assert view.flow.page == DONE and view.flow.submitted

    store = app.store
    rows = store.answers_frame()[["respondent_id", "item_id", "value", "status", "role", "department"]]
    assert rows.astype(object).fillna("-").values.tolist() == [
        ["P1", "A1", 4.0, "answered", "Staff", "Support"],
        ["P1", "A2", 2.0, "answered", "Staff", "Support"],
        ["P1", "A3", 5.0, "answered", "Staff", "Support"],
        ["P1", "B1", 2.0, "answered", "Staff", "Support"],
        ["P1", "B2", "-", "dont_know", "Staff", "Support"],
    ]
    assert store.history("P1")["item_id"].tolist() == ["A1", "A2", "A3", "B1", "B2", "B1"]
    assert store.participant("P1").status == "submitted"
    from cxassess.scoring.score import score

    s = score(store.to_responses(), store.questionnaire, min_group_size=1)  # one person: shown only with 1
    # A = (4 + (6 - 2) + 2 * 5) / 4 = 4.5; B = 2 (B2 don't know); overall (4.5 + 2 * 2) / 3 = 2.8333
    assert s.dimensions["score"].tolist() == pytest.approx([4.5, 2.0])
    assert s.overall["score"] == pytest.approx(8.5 / 3)


def test_summary_lists_unanswered_and_needs_confirmation(app):
    view = _answer_everything(app, "P2", "Manager", {"A1": 3}, {"B2": 4}, submit=False)
    assert view.flow.page == SUMMARY
    assert list(view.goto_buttons) == ["A", "B"]
    texts = " ".join(c.value for c in view.body.children if isinstance(getattr(c, "value", None), str))
    assert "3 of 5 statements are still unanswered" in texts
    assert "Second A statement" in texts and "Third A statement" in texts and "First B statement" in texts
    assert "First A statement" not in texts
    assert view.submit_button.disabled
    view.submit_button.click()  # disabled in the browser; even when forced, the flow refuses
    assert not view.flow.submitted and "still unanswered" in view.message.value
    view.goto_buttons["B"].click()
    assert view.flow.page == "B"
    view.choices["B1"].value = 1
    view.next_button.click()
    assert list(view.goto_buttons) == ["A"]
    view.confirm_incomplete.value = True
    assert not view.submit_button.disabled
    view.submit_button.click()
    assert view.flow.submitted
    assert app.store.participant("P2").answers == {"A1": 3.0, "B1": 1.0, "B2": 4.0}


def test_resume_after_a_kernel_restart(tmp_path):
    path = tmp_path / "w.sqlite"
    first = workshop("Acme", questionnaire=MINI, session_file=path, attributes=ATTRS)
    first.participant.code.value = "P3"
    view = first.participant.start()
    view.attribute_inputs["role"].value = "Staff"
    view.next_button.click()
    view.choices["A1"].value = 5
    view.choices["A2"].value = DONT_KNOW
    first.store.close()  # the kernel dies; nothing else is saved

    again = workshop("Acme", questionnaire=MINI, session_file=path, attributes=ATTRS)
    assert again.participant.code.options == ("P3",)
    assert "1 participant(s) started" in again.facilitator.counts.value.replace("<b>", "").replace("</b>", "")
    again.participant.code.value = "P3"
    view = again.participant.start()
    assert view.flow.page == "A"  # where they stopped
    assert "Welcome back: 2 of 5" in view.message.value
    assert {k: t.value for k, t in view.choices.items()} == {"A1": 5, "A2": DONT_KNOW, "A3": None}
    view.back_button.click()
    assert view.attribute_inputs["role"].value == "Staff"
    view.next_button.click()
    view.choices["A1"].value = 1  # answers can change until submitted
    assert again.store.participant("P3").answers["A1"] == 1.0
    again.store.close()


def test_submitted_participant_cannot_change_answers(app):
    _answer_everything(app, "P4", "Staff", {"A1": 2, "A2": 2, "A3": 2}, {"B1": 2, "B2": 2})
    app.participant.reset()
    app.participant.code.value = "P4"
    view = app.participant.start()
    assert view.flow.page == DONE and view.choices == {}
    with pytest.raises(CxError, match="already submitted"):
        view.flow.go_to("A")
    with pytest.raises(CxError, match="already submitted"):
        view.flow.answer("A1", 5)
    assert app.store.participant("P4").answers["A1"] == 2.0


def test_answer_refused_elsewhere_is_shown_and_not_kept(app, tmp_path):
    app.participant.code.value = "P5"
    view = app.participant.start()
    view.next_button.click()
    view.choices["A1"].value = 3
    other = SessionStore(tmp_path / "w.sqlite")  # a second kernel submits for P5 meanwhile
    other.submit("P5")
    other.close()
    view.choices["A1"].value = 5
    assert "already submitted" in view.message.value
    assert view.choices["A1"].value == 3  # the widget shows what is stored
    assert app.store.participant("P5").answers == {"A1": 3.0}


def test_bad_code_is_explained(app):
    app.participant.code.value = "   "
    assert app.participant.start() is None
    assert "the participant code is empty" in app.participant.message.value
    assert app.store.counts()["started"] == 0
    app.participant.new_code_button.click()
    assert app.participant.code.value.startswith("P-") and len(app.participant.code.value) == 7


def test_facilitator_live_results_with_small_groups_suppressed(app, tmp_path):
    panel = app.facilitator
    assert panel.refresh() is None
    assert "Waiting for results: no answers from submitted participants yet" in panel.message.value
    assert str(tmp_path) not in panel.message.value  # never the session file's path
    assert app.status_text().endswith("Results appear once 3 participants have submitted (so far 0), so that "
                                      "no one's own answers can be seen.")
    staff = [("S1", 4, 2), ("S2", 5, 3), ("S3", 3, 4)]
    for code, a1, b1 in staff:
        _answer_everything(app, code, "Staff", {"A1": a1, "A2": 2, "A3": a1}, {"B1": b1, "B2": b1})
    _answer_everything(app, "M1", "Manager", {"A1": 1, "A2": 5, "A3": 1}, {"B1": 1, "B2": 1})
    # a second kernel adds an unfinished participant: seen only with "include still answering"
    other = SessionStore(tmp_path / "w.sqlite")
    other.start_participant("X1", {"role": "Manager"})
    other.record_answers("X1", {"A1": 5, "A2": 1, "A3": 5, "B1": 5, "B2": 5})
    other.close()

    s = panel.refresh()
    text = panel.counts.value.replace("<b>", "").replace("</b>", "")
    assert "5 participant(s) started" in text and "4 submitted" in text and "1 still answering" in text
    # A per person = (A1 + (6 - 2) + 2 * A1) / 4: S1 4.0, S2 4.75, S3 3.25; M1 (1 + 1 + 2) / 4 = 1.0
    # B per person = mean(B1, B2): S1 2, S2 3, S3 4, M1 1
    assert s.respondents == 4
    assert s.dimensions.loc["A", "score"] == pytest.approx((4.0 + 4.75 + 3.25 + 1.0) / 4)  # 3.25
    assert s.dimensions.loc["B", "score"] == pytest.approx((2 + 3 + 4 + 1) / 4)  # 2.5
    roles = s.groups["role"]
    assert (bool(roles.loc["Manager", "suppressed"])
            and roles.loc["Manager", "overall"] != roles.loc["Manager", "overall"])
    # Staff's A would be (4 + 4.75 + 3.25) / 3 = 4.0, and then the one manager's A = 4 * 3.25 - 3 * 4.0 = 1.0:
    # so Staff is hidden too (complementary suppression: the hidden groups must hold at least 3 people)
    assert bool(roles.loc["Staff", "suppressed"]) and roles.loc["Staff", "A"] != roles.loc["Staff", "A"]
    assert panel.radar_image.value.tobytes().startswith(SVG) and panel.heatmap_image.value.tobytes().startswith(SVG)
    assert "Results from 4 submitted participant(s)" in panel.message.value
    assert ("<td>Dimension A</td><td style='text-align:right'>3.25</td>"
            "<td>Three</td><td style='text-align:right'>4</td>") in panel.message.value

    panel.include_partial.value = True
    panel.refresh_button.click()
    assert panel.scores.respondents == 5
    # X1: A = (5 + 5 + 10) / 4 = 5; Manager now has 2 people: still under 3, still suppressed
    assert panel.scores.dimensions.loc["A", "score"] == pytest.approx((13.0 + 5.0) / 5)
    assert bool(panel.scores.groups["role"].loc["Manager", "suppressed"])
    panel.group_by.value = "department"
    panel.refresh_button.click()
    # every grouping is scored together, so the anonymity rule covers switching between them
    assert list(panel.scores.groups) == ["role", "department"] and panel._shown.group_by == "department"
    assert set(panel.timings) == {"read", "score", "figures", "render", "total"}


def _refresh_shows_nothing(panel, so_far: int, who: str = "submitted") -> None:
    assert panel.refresh() is None and panel.scores is None and panel.held_back == so_far
    assert panel.radar_image.value.tobytes() == b"" and panel.radar_image.layout.display == "none"
    assert panel.heatmap_image.value.tobytes() == b"" and panel.heatmap_image.layout.display == "none"
    assert f"Results appear once 3 participants have {who} (so far {so_far})" in panel.message.value
    assert "overall" not in panel.message.value and "<table" not in panel.message.value


def test_facilitator_holds_results_back_until_min_group_size_participants(app, tmp_path):
    panel = app.facilitator  # min_group_size 3
    _answer_everything(app, "S1", "Staff", {"A1": 5, "A2": 1, "A3": 5}, {"B1": 5, "B2": 5})
    # one submitted participant: a radar or an overall score would be S1's own answers
    _refresh_shows_nothing(panel, 1)
    assert "overall" not in app.status_text()
    assert "Results appear once 3 participants have submitted (so far 1)" in app.status_text()
    _answer_everything(app, "S2", "Staff", {"A1": 5, "A2": 1, "A3": 5}, {"B1": 5, "B2": 5})
    _refresh_shows_nothing(panel, 2)
    # a third person still answering: counted only when the facilitator includes them
    _answer_everything(app, "S3", "Staff", {"A1": 1, "A2": 5, "A3": 1}, {"B1": 1, "B2": 1}, submit=False)
    _refresh_shows_nothing(panel, 2)
    panel.include_partial.value = True
    s = panel.refresh()
    # A: S1 and S2 (5 + (6 - 1) + 2 * 5) / 4 = 5.0, S3 (1 + 1 + 2) / 4 = 1.0 -> 11 / 3
    assert s.respondents == 3 and s.dimensions.loc["A", "score"] == pytest.approx(11 / 3)
    assert panel.held_back is None and panel.radar_image.value.tobytes().startswith(SVG)
    assert "Results from 3 participant(s)" in panel.message.value and "<table" in panel.message.value
    assert "overall" in app.status_text()
    # back to submitted only: 2 people again, and the charts shown before are taken off
    panel.include_partial.value = False
    _refresh_shows_nothing(panel, 2)


def test_facilitator_header_escapes_the_client_name(app):
    assert "Acme &lt;b&gt;Ltd&lt;/b&gt;" in app.facilitator.header.value
    assert "<b>Ltd</b>" not in app.facilitator.header.value


def test_app_displays_as_a_widget(app):
    bundle = app._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert app.facilitator._repr_mimebundle_()["application/vnd.jupyter.widget-view+json"]["model_id"]


def test_self_assessment_shows_own_radar(tmp_path):
    path = tmp_path / "me.sqlite"
    app = self_assessment(questionnaire=MINI, session_file=path, participant="Dana")
    assert app.facilitator is None
    view = app.participant
    assert view.flow.pages == ["A", "B", SUMMARY]  # no attributes in single-assessor mode
    for item, value in {"A1": 5, "A2": 1, "A3": 4}.items():
        view.choices[item].value = value
    view.next_button.click()
    view.choices["B1"].value = 3
    app.store.close()

    again = self_assessment(questionnaire=MINI, session_file=path, participant="Dana")  # resume later
    view = again.participant
    assert view.flow.page == "B" and view.choices["B1"].value == 3
    view.choices["B2"].value = 4
    view.next_button.click()
    view.submit_button.click()
    assert view.flow.page == DONE
    assert view.own_radar.value.tobytes().startswith(SVG)
    s = view.flow.own_scores()
    # A = (5 + (6 - 1) + 2 * 4) / 4 = 4.5; B = (3 + 4) / 2 = 3.5; overall (4.5 + 2 * 3.5) / 3
    assert s.dimensions["score"].tolist() == pytest.approx([4.5, 3.5])
    assert s.overall["score"] == pytest.approx(11.5 / 3)
    assert again.store.participant_codes("submitted") == ["Dana"]
    again.store.close()


def test_flow_rules_without_widgets(tmp_path):
    store = SessionStore(tmp_path / "f.sqlite", MINI, attributes={"role": ["Staff"]})
    flow = ParticipantFlow(store, "P1")
    assert flow.page == ABOUT
    flow.back()
    assert flow.page == ABOUT  # stays on the first page
    with pytest.raises(CxError, match="'Z' is not a page"):
        flow.go_to("Z")
    with pytest.raises(CxError, match="'team' is not an attribute"):
        flow.set_attribute("team", "x")
    flow.go_to(SUMMARY)
    flow.next()
    assert flow.page == SUMMARY  # stays on the last page
    with pytest.raises(CxError, match="5 statement"):
        flow.submit()
    assert not store.participant("P1").submitted
    flow.submit(confirm_incomplete=True)
    assert store.participant("P1").submitted and flow.page == DONE
    assert new_code(store) not in store.participant_codes()
    store.close()


def test_default_session_file_is_safe():
    assert default_session_file("../../etc/passwd").parent == Path("sessions")
    import re

    assert re.fullmatch(r"acme-[0-9a-f]{8}\.sqlite", default_session_file("Acme").name)


def test_refresh_redraws_only_when_something_changed(app, tmp_path):
    panel = app.facilitator
    for code in ("S1", "S2", "S3"):
        _answer_everything(app, code, "Staff", {"A1": 4, "A2": 2, "A3": 4}, {"B1": 2, "B2": 2})
    first = panel.refresh()
    assert "unchanged" not in panel.timings
    assert panel.refresh() is first and panel.timings["unchanged"] == 1.0
    assert "No new answers since the last refresh" in panel.message.value
    other = SessionStore(tmp_path / "w.sqlite")  # another kernel: one more person submits
    other.start_participant("S4", {"role": "Staff"})
    other.record_answers("S4", {"A1": 1, "A2": 5, "A3": 1, "B1": 5, "B2": 5})
    other.submit("S4")
    other.close()
    second = panel.refresh()
    assert second is not first and second.respondents == 4
    # A: three at (4 + 4 + 8) / 4 = 4.0 and S4 at (1 + 1 + 2) / 4 = 1.0 -> 13 / 4 = 3.25
    assert second.dimensions.loc["A", "score"] == pytest.approx(3.25)
    assert panel.refresh(force=True) is not second


def _in_thread(fn):
    """Run ``fn`` on another thread, as JupyterLab's kernel subshells run widget callbacks; re-raise its error."""
    import threading

    errors: list[BaseException] = []

    def run():
        try:
            fn()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            errors.append(exc)

    t = threading.Thread(target=run)
    t.start()
    t.join(30)
    if errors:
        raise errors[0]


def test_widget_callbacks_on_other_threads_save_every_answer(app):
    """JupyterLab 4.6 serves comm messages on subshell threads: the store was opened on this one."""
    entry = app.participant
    entry.code.value = "T1"
    views = []
    _in_thread(lambda: views.append(entry.start()))  # Start / resume clicked: served on a subshell thread
    view = views[0]
    _in_thread(lambda: setattr(view.attribute_inputs["role"], "value", "Staff"))
    _in_thread(view.next_button.click)
    for item, value in {"A1": 5, "A2": 1, "A3": DONT_KNOW}.items():
        _in_thread(lambda item=item, value=value: setattr(view.choices[item], "value", value))
    assert "Not saved" not in view.message.value and "saved" in view.message.value
    stored = app.store.participant("T1")
    assert stored.attributes == {"role": "Staff"} and stored.page == "A"
    assert stored.answers == {"A1": 5.0, "A2": 1.0, "A3": DONT_KNOW}


def test_store_from_many_threads_at_once(tmp_path):
    """Eight threads answering at once through one store: every answer is stored, none crosses over."""
    import threading

    store = SessionStore(tmp_path / "t.sqlite", MINI)
    codes = [f"P{n}" for n in range(8)]
    for code in codes:
        store.start_participant(code)
    barrier = threading.Barrier(len(codes))
    errors: list[BaseException] = []

    def answer(n: int, code: str) -> None:
        try:
            barrier.wait()
            for round_ in range(20):
                for item in ("A1", "A2", "A3", "B1", "B2"):
                    store.record_answer(code, item, 1 + (n + round_) % 5)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=answer, args=(n, c)) for n, c in enumerate(codes)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert store.counts()["answers"] == 8 * 5
    assert len(store.history()) == 8 * 20 * 5
    for n, code in enumerate(codes):
        assert set(store.participant(code).answers.values()) == {float(1 + (n + 19) % 5)}
    store.close()
    with pytest.raises(CxError, match="closed"):
        store.counts()


def test_facilitator_refreshes_by_itself_when_ticked(tmp_path):
    """'Refresh every N seconds' redraws on its own thread as answers arrive from elsewhere, and stops when unticked."""
    import time

    store = SessionStore(tmp_path / "auto.sqlite", MINI, attributes=ATTRS)
    panel = FacilitatorPanel(store, min_group_size=3, refresh_seconds=0.05)
    panel.auto_refresh.value = True
    other = SessionStore(tmp_path / "auto.sqlite")  # another kernel, or the served app
    for n, a1 in enumerate((2, 3, 4)):
        other.start_participant(f"P{n}", {"role": "Staff"})
        other.record_answers(f"P{n}", {"A1": a1, "A2": 3, "A3": a1, "B1": 3, "B2": 3})
        other.submit(f"P{n}")
    deadline = time.monotonic() + 10
    while panel.scores is None and time.monotonic() < deadline:
        time.sleep(0.02)
    # A per person = (A1 + (6 - 3) + 2 * A1) / 4 = (3 * A1 + 3) / 4: 2.25, 3.0, 3.75 -> 3.0
    assert panel.scores is not None and panel.scores.dimensions.loc["A", "score"] == pytest.approx(3.0)
    assert panel.radar_image.value.tobytes().startswith(SVG)
    assert "3</b> submitted" in panel.counts.value
    panel.auto_refresh.value = False
    panel._ticker.join(5)
    assert not panel._ticker.is_alive()
    other.close()
    store.close()


# --- outcome statements and open questions (issue 13) -----------------------------------------
OPEN_TEXT = "Answer the phone <b>faster</b> & call back\r\nwhen promised"
OPEN_STORED = "Answer the phone <b>faster</b> & call back\nwhen promised"  # line ends as \n, nothing else changed


def words_questionnaire():
    """The mini questionnaire plus one outcome statement and two open questions."""
    import yaml

    from cxassess.questionnaire.model import questionnaire_from_dict

    data = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    data["id"] = "mini-words"
    data["items"].append({"id": "OUT1", "outcome": True, "text": "I would recommend <us>"})
    data["open_questions"] = [{"id": "CHANGE", "text": "What should <i>change</i>?"},
                              {"id": "PROUD", "text": "When did we get it right?"}]
    return questionnaire_from_dict(data, "mini-words")


def test_flow_asks_outcomes_after_the_dimensions_and_open_questions_before_the_summary(tmp_path):
    from cxassess.workshop.flow import OPEN, OUTCOMES

    with SessionStore(tmp_path / "s.sqlite", words_questionnaire(), attributes=ATTRS) as store:
        flow = ParticipantFlow(store, "P1")
        assert flow.pages == [ABOUT, "A", "B", OUTCOMES, OPEN, SUMMARY]
        assert flow.total == 6 and flow.answered == 0
        flow.go_to(OUTCOMES)
        assert [i.id for i in flow.items_on_page()] == ["OUT1"]
        flow.answer("OUT1", 5)
        assert flow.answered == 1
        assert list(flow.unanswered()) == ["A", "B"]
        flow.go_to(OPEN)
        assert flow.items_on_page() == [] and [o.id for o in flow.open_questions()] == ["CHANGE", "PROUD"]
        assert flow.answer_open("CHANGE", OPEN_TEXT) == OPEN_STORED
        with pytest.raises(CxError, match="1,001 characters long; keep it to 1,000"):
            flow.answer_open("PROUD", "x" * 1001)
        with pytest.raises(CxError, match="not an open question"):
            flow.answer_open("A1", "words")
        assert flow.answer_open("PROUD", "  " + "y" * 1000 + "\n") == "y" * 1000  # the limit itself is fine
        assert flow.answer_open("PROUD", "   ") == ""  # blank clears it
        assert flow.open_answers == {"CHANGE": OPEN_STORED}
        # resuming finds the words; open questions never count as unanswered statements
        again = ParticipantFlow(store, "P1")
        assert again.open_answers == {"CHANGE": OPEN_STORED} and again.page == OPEN and again.resumed
        with pytest.raises(CxError, match="5 statement"):
            again.submit()
        for item in ["A1", "A2", "A3", "B1", "B2"]:
            again.answer(item, 4)
        again.submit()
        with pytest.raises(CxError, match="already submitted"):
            store.record_open_answer("P1", "CHANGE", "later")
        r = store.to_responses()
        got = r.answers.set_index("item_id")["value"].to_dict()
        assert got == {"A1": 4.0, "A2": 4.0, "A3": 4.0, "B1": 4.0, "B2": 4.0, "OUT1": 5.0}
        assert r.comments.to_dict("records") == [{"respondent_id": "P1", "question_id": "CHANGE",
                                                   "text": OPEN_STORED}]


def test_widgets_ask_outcomes_and_open_questions(tmp_path):
    from cxassess.workshop.flow import OPEN, OUTCOMES
    from cxassess.workshop.participant_view import ParticipantEntry

    store = SessionStore(tmp_path / "s.sqlite", words_questionnaire(), attributes=ATTRS)
    try:
        entry = ParticipantEntry(store)
        entry.code.value = "P1"
        view = entry.start()
        view.next_button.click()  # about -> A
        for item in ["A1", "A2", "A3"]:
            view.choices[item].value = 3
        view.next_button.click()
        for item in ["B1", "B2"]:
            view.choices[item].value = 2
        view.next_button.click()
        assert view.flow.page == OUTCOMES and "Overall views" in view.title.value
        assert list(view.choices) == ["OUT1"]
        view.choices["OUT1"].value = 5
        assert view.progress.value == 6 and view.progress.max == 6
        view.next_button.click()
        assert view.flow.page == OPEN and list(view.open_inputs) == ["CHANGE", "PROUD"]
        assert "&lt;i&gt;change&lt;/i&gt;" in "".join(c.children[0].value for c in view.body.children)
        view.open_inputs["CHANGE"].value = OPEN_TEXT
        assert "saved" in view.message.value
        view.open_inputs["PROUD"].value = "z" * 1001  # refused: said, nothing stored, the words stay in the box
        assert "1,001 characters long" in view.message.value
        assert view.open_inputs["PROUD"].value == "z" * 1001 and "1,001 of 1,000" in view.open_counts["PROUD"].value
        assert store.participant("P1").open_answers == {"CHANGE": OPEN_STORED}
        view.next_button.click()
        assert view.flow.page == SUMMARY and OPEN in view.goto_buttons
        view.submit_button.click()
        assert view.flow.page == DONE
        r = store.to_responses()
        assert r.answers.set_index("item_id").loc["OUT1", "value"] == 5.0
        assert r.comments["text"].tolist() == [OPEN_STORED]
    finally:
        store.close()


def test_a_workshops_outcomes_and_words_reach_key_drivers_and_comments(tmp_path):
    """30 participants through the flow: the scores get key drivers, the report's comment summary counts
    every comment (the report shows comments from 10 respondents up)."""
    from cxassess import score
    from cxassess.report.comments import summarise_comments

    q = words_questionnaire()
    with SessionStore(tmp_path / "s.sqlite", q) as store:
        for n in range(30):
            flow = ParticipantFlow(store, f"P{n:02d}")
            a, b = 1 + n % 5, 1 + (n // 5) % 5
            for item, value in {"A1": a, "A2": 6 - a, "A3": a, "B1": b, "B2": b, "OUT1": 1 + (a + b) % 5}.items():
                flow.answer(item, value)
            if n % 3 == 0:
                flow.answer_open("CHANGE", f"Call customers back sooner ({n})")
            flow.submit()
        r = store.to_responses()
        assert len(r.comments) == 10
        scores = score(r, q)
        assert scores.drivers_info["shown"] and scores.drivers_info["respondents"] == 30
        assert scores.drivers_info["outcome_items"] == ["OUT1"]
        assert list(scores.drivers.index) == ["A", "B"]
        summary = summarise_comments(r, scores)
        assert summary.shown and len(summary.comments) == 10
        assert int(summary.by_theme["comments"].sum()) >= 10


def test_an_old_session_file_opens_and_upgrades(tmp_path):
    """A version 1 file (no open_answers table): the reader reads it as it is, the writer upgrades it."""
    from cxassess.io.session_file import SessionFile

    path = tmp_path / "old.sqlite"
    with SessionStore(path, words_questionnaire()) as store:
        flow = ParticipantFlow(store, "P1")
        for item in ["A1", "A2", "A3", "B1", "B2", "OUT1"]:
            flow.answer(item, 4)
        flow.submit()
    con = sqlite3.connect(path)  # make it what cxassess 1 wrote
    con.execute("DROP TABLE open_answers")
    con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    con.commit()
    con.close()
    before = path.read_bytes()
    with SessionFile(path) as old:
        r = old.to_responses()
        assert len(r.answers) == 6 and r.comments.empty and list(r.comments.columns) == ["respondent_id",
                                                                                        "question_id", "text"]
        assert old.participant("P1").open_answers == {}
    assert path.read_bytes() == before  # reading changed nothing
    with SessionStore(path) as store:
        version = store._con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
        assert version == "2"
        assert store.to_responses().answers.set_index("item_id")["value"].to_dict()["OUT1"] == 4.0
        store.start_participant("P2")
        store.record_open_answer("P2", "PROUD", "The refund last week")
        store.record_answer("P2", "A1", 5)
        assert store.to_responses(include_partial=True).comments["text"].tolist() == ["The refund last week"]
    con = sqlite3.connect(path)
    con.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    con.commit()
    con.close()
    with pytest.raises(CxError, match="version 3 is not supported .*newer cxassess"):
        SessionFile(path)


def test_export_carries_open_answers_as_comments_and_neutralises_them(tmp_path):
    from cxassess.io.read import read_responses
    from cxassess.workshop.store import export_session

    q = words_questionnaire()
    with SessionStore(tmp_path / "s.sqlite", q, attributes=ATTRS) as store:
        for code, text in [("P1", "=HYPERLINK(\"http://x\")"), ("P2", None)]:
            flow = ParticipantFlow(store, code)
            flow.set_attribute("role", "Staff")
            for item in ["A1", "A2", "A3", "B1", "B2", "OUT1"]:
                flow.answer(item, 3)
            if text:
                flow.answer_open("CHANGE", text)
            flow.submit()
        done = export_session(store.path, tmp_path / "out.csv")
    assert done["comments"] == 1 and done["rows"] == 13 and done["respondents"] == 2
    back = read_responses(tmp_path / "out.csv", q)
    assert back.comments.to_dict("records") == [{"respondent_id": "P1", "question_id": "CHANGE",
                                                  "text": "'=HYPERLINK(\"http://x\")"}]
    assert back.answers.set_index(["respondent_id", "item_id"]).loc[("P2", "OUT1"), "value"] == 3.0
