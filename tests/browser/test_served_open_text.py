"""A phone types an open answer in real Chromium and it is stored: saved as it types (JavaScript on),
and by "Save and continue" as a form post (JavaScript off); the outcome statement is tapped like any other."""

from __future__ import annotations

import re
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from cxassess.workshop.serve import WorkshopServer, serve

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
WORDS = "Call back <b>when</b> we promise & say who\nwill do it"


def _questionnaire():
    sys.path.insert(0, str(ROOT / "tests"))
    from test_workshop import words_questionnaire

    return words_questionnaire()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[WorkshopServer]:
    srv = serve("Harbour Foods", _questionnaire(), tmp_path / f"open-{secrets.token_hex(4)}.sqlite", {},
                host="127.0.0.1", port=0, min_group_size=3)
    try:
        yield srv
    finally:
        srv.stop()
        srv.store.close()


def _to_the_open_page(page: Page, server: WorkshopServer) -> str:
    """Join, answer every statement by tapping, and arrive on the open questions; returns the participant code."""
    page.goto(f"{server.base_url}/join/{server.store.secret('join')}")
    page.get_by_role("button", name="Start").click()
    for heading in ("Dimension A", "Dimension B", "Overall views"):
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        for legend in page.locator("fieldset.item legend").all_inner_texts():
            group = page.locator("fieldset.item", has=page.locator("legend", has_text=legend))
            group.get_by_role("button", name=re.compile("Agree$")).first.click()
            expect(group.locator('button[aria-pressed="true"]')).to_have_count(1)
        page.get_by_role("button", name="Next", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("In your own words")
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "cx_p")
    code = server.store.participant_for_token(token)
    assert code
    return code


def test_a_phone_types_an_open_answer_and_it_is_stored(browser: Browser, server: WorkshopServer) -> None:
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        code = _to_the_open_page(page, server)
        box = page.get_by_label("What should <i>change</i>?")
        box.fill(WORDS)
        hint = page.locator("#c0")
        expect(hint).to_contain_text("saved", timeout=10_000)  # saved a moment after typing stops, no reload
        expect(hint.locator("[data-count]")).to_have_text(str(len(WORDS)))
        assert server.store.participant(code).open_answers == {"CHANGE": WORDS}
        assert server.store.participant(code).answers["OUT1"] == 4.0
        assert page.locator("textarea").first.get_attribute("maxlength") == "1000"
        page.get_by_role("button", name="Save and continue").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Check and submit")
        page.get_by_role("button", name="Submit my answers").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
        r = server.store.to_responses()
        assert r.comments.to_dict("records") == [{"respondent_id": code, "question_id": "CHANGE", "text": WORDS}]
    finally:
        context.close()


def test_without_javascript_the_words_are_saved_by_the_form(browser: Browser, server: WorkshopServer) -> None:
    context = browser.new_context(**PHONE, java_script_enabled=False)
    try:
        page = context.new_page()
        code = _to_the_open_page(page, server)
        page.get_by_label("When did we get it right?").fill(WORDS)
        page.get_by_role("button", name="Save and continue").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Check and submit")
        assert server.store.participant(code).open_answers == {"PROUD": WORDS}
        page.get_by_role("button", name="Back", exact=True).click()
        expect(page.get_by_label("When did we get it right?")).to_have_value(WORDS)
    finally:
        context.close()
