"""The served workshop app in real Chromium against a real server (uvicorn on 127.0.0.1), no mocks.

Three phones (390 x 844, touch) join by the link, answer by tapping, one puts the phone away and
carries on later, all submit; the projector page (1280 x 720) follows by itself. What each phone
was sent is kept and checked at the end: never another participant's token or code, never the
facilitator key, the session file's path or any score. Then the keys and tokens are attacked from
a participant's browser, and the phone layout is measured (tap targets, selected state, no
sideways scrolling, JavaScript off). Screenshots go to ``out/test-artifacts/served-app/``.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from cxassess.questionnaire.model import as_questionnaire
from cxassess.workshop.serve import WorkshopServer, serve
from cxassess.workshop.store import DONT_KNOW

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / "tests" / "data" / "mini.yaml"
SHOTS = ROOT / "out" / "test-artifacts" / "served-app"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
PROJECTOR = {"viewport": {"width": 1280, "height": 720}}
ATTRIBUTES = {"role": ["Frontline", "Manager", "Back office"], "site": ["North", "South"]}
PARTICIPANT_COOKIE, CSRF_COOKIE = "cx_p", "cx_csrf"
DK = "dk"  # a "don't know" tap in the answer plans below
DONT_KNOW_LABEL = "Don't know / not applicable"
PROJECTOR_WAIT = 10_000  # ms: the projector polls every AppSettings.refresh_seconds (3 s by default)
# What only the projector may show; none of it may reach a phone.
SCORE_MARKERS = ("cx-heatmap", "cx-dimensions", "data:image/svg+xml", "Results from", "overall ", "Radar")

Q = as_questionnaire(MINI)
TEXT = {item.id: item.text for item in Q.items}
LABELS = {value: Q.scale.labels[value] for value in range(Q.scale.min, Q.scale.max + 1)}


# --- fixtures -------------------------------------------------------------------------------
@pytest.fixture
def server(tmp_path: Path) -> Iterator[WorkshopServer]:
    """A real server on a free port; the session file has a name no page should ever show."""
    session = tmp_path / f"served-app-{secrets.token_hex(4)}.sqlite"
    srv = serve("Harbour Foods", MINI, session, ATTRIBUTES, host="127.0.0.1", port=0, min_group_size=3)
    try:
        yield srv
    finally:
        srv.stop()
        srv.store.close()


@pytest.fixture(scope="module")
def shots() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


# --- helpers --------------------------------------------------------------------------------
@dataclass
class Phone:
    """One participant's browser context (its own cookies) and everything the server sent to it."""

    name: str
    context: BrowserContext
    page: Page
    seen: list[tuple[str, str]] = field(default_factory=list)  # (url, html or JSON) of everything received

    @classmethod
    def open(cls, browser: Browser, name: str, **options: Any) -> Phone:
        context = browser.new_context(**{**PHONE, **options})
        context.set_default_timeout(10_000)
        return cls(name, context, context.new_page())

    def new_page(self) -> Page:
        self.page = self.context.new_page()
        return self.page

    def keep(self) -> None:
        """Keep the page as it is now (the DOM after any script), for the privacy checks."""
        self.seen.append((self.page.url, self.page.content()))

    def goto(self, url: str) -> Any:
        response = self.page.goto(url)
        self.keep()
        return response

    def cookie(self, name: str) -> str:
        values = [c["value"] for c in self.context.cookies() if c["name"] == name]
        assert len(values) == 1, f"{self.name}: expected one cookie {name}, got {values}"
        return values[0]

    @property
    def token(self) -> str:
        return self.cookie(PARTICIPANT_COOKIE)

    # --- the flow, as a person taps it
    def start(self) -> None:
        expect(self.page.get_by_role("heading", level=1)).to_have_text(Q.title)
        self.tap(self.page.get_by_role("button", name="Start"))
        expect(self.page).to_have_url(re.compile(r"/p/0$"))
        expect(self.page.get_by_role("heading", level=1)).to_have_text("About you")
        self.keep()

    def about(self, **attributes: str | None) -> None:
        for name, value in attributes.items():
            select = self.page.get_by_label(name.capitalize())
            select.select_option(label=value or "(prefer not to say)")
        self.keep()
        self.next(1)

    def next(self, to: int | str) -> None:
        self.tap(self.page.get_by_role("button", name="Next", exact=True))
        expect(self.page).to_have_url(re.compile(rf"/p/{to}$"))
        self.keep()

    def back(self, to: int) -> None:
        self.tap(self.page.get_by_role("button", name="Back", exact=True))
        expect(self.page).to_have_url(re.compile(rf"/p/{to}$"))
        self.keep()

    def tap(self, locator: Locator) -> None:
        locator.tap()

    def answer(self, item: str, value: int | str, *, js: bool = True) -> None:
        """Tap one answer button and wait until the page shows it chosen (saved)."""
        button = choice(self.page, item, value)
        if js:
            with self.page.expect_response(re.compile(r"/api/answer$")) as info:
                self.tap(button)
            response = info.value
            assert response.ok, f"{self.name}: /api/answer {response.status} {response.text()}"
            body = response.json()
            assert set(body) == {"saved", "item", "answered", "total"}, body
            self.seen.append((response.url, json.dumps(body)))
        else:
            self.tap(button)
            expect(self.page).to_have_url(re.compile(r"/p/\d+#i\d+$"))
        expect(choice(self.page, item, value)).to_have_attribute("aria-pressed", "true")
        expect(statement(self.page, item).locator("button[aria-pressed=true]")).to_have_count(1)
        self.keep()


def statement(page: Page, item: str) -> Locator:
    """The fieldset of one statement (found by its text, as a person would)."""
    return page.locator("fieldset.item").filter(has=page.get_by_text(TEXT[item], exact=True))


def choice(page: Page, item: str, value: int | str) -> Locator:
    """The answer button "<n> <label>" (or "don't know") of one statement."""
    label = DONT_KNOW_LABEL if value == DK else f"{value} {LABELS[int(value)]}"
    # the chosen button's name also holds its check mark (CSS ::after); Playwright's selector
    # parser does not accept re.escape()'s escaped spaces and slashes, so only dots are escaped
    pattern = "^" + label.replace(".", r"\.").replace("/", ".") + r"(\s|$)"
    return statement(page, item).get_by_role("button", name=re.compile(pattern))


def expect_pressed(page: Page, answers: dict[str, int | str]) -> None:
    """Each statement on the page shows exactly its stored answer as chosen (none for unanswered)."""
    for item in (i.id for i in Q.items):
        if statement(page, item).count() == 0:
            continue
        pressed = statement(page, item).locator("button[aria-pressed=true]")
        if item in answers:
            expect(choice(page, item, answers[item])).to_have_attribute("aria-pressed", "true")
            expect(pressed).to_have_count(1)
        else:
            expect(pressed).to_have_count(0)


def expect_progress(page: Page, answered: int) -> None:
    expect(page.locator(".progress")).to_contain_text(f"{answered} of {len(TEXT)} answered")


def stored(answers: dict[str, int | str]) -> dict[str, float | str]:
    """An answer plan as the store keeps it."""
    return {item: (DONT_KNOW if value == DK else float(value)) for item, value in answers.items()}


def counts_text(projector: Page, joined: int, answering: int, submitted: int) -> None:
    spans = projector.locator("#counts .count")
    expect(spans).to_have_text([f"{joined} joined", f"{answering} answering", f"{submitted} submitted"],
                               timeout=PROJECTOR_WAIT)


def fits(page: Page, width: int, height: int | None = None) -> dict[str, int]:
    """The page does not scroll sideways (nor down, when ``height`` is given)."""
    size = page.evaluate("() => ({w: document.scrollingElement.scrollWidth, "
                         "h: document.scrollingElement.scrollHeight})")
    assert size["w"] <= width and (height is None or size["h"] <= height), \
        f"page scrolls: {size} in a {width}x{height or '...'} viewport"
    return size


def inside(page: Page, locator: Locator, what: str) -> None:
    """The element is drawn entirely inside the viewport and not clipped by its overflow:hidden parents."""
    clipped = locator.evaluate("""el => {
        const r = el.getBoundingClientRect(), out = [];
        if (r.left < 0 || r.top < 0 || r.right > innerWidth + 0.5 || r.bottom > innerHeight + 0.5)
            out.push(`outside the viewport: ${JSON.stringify(r)}`);
        for (let p = el.parentElement; p; p = p.parentElement) {
            const s = getComputedStyle(p);
            if (s.overflow === 'visible' || p === document.body || p === document.documentElement) continue;
            const q = p.getBoundingClientRect();
            if (r.bottom > q.bottom + 0.5 || r.right > q.right + 0.5 || r.top < q.top - 0.5 || r.left < q.left - 0.5)
                out.push(`clipped by ${p.tagName}.${p.className}: ${JSON.stringify(r)} in ${JSON.stringify(q)}`);
        }
        return out; }""")
    assert not clipped, f"{what}: {clipped}"


def rgb(css: str) -> tuple[float, ...]:
    parts = [float(x) for x in re.findall(r"[\d.]+", css)]
    assert len(parts) in (3, 4), css
    assert len(parts) == 3 or parts[3] == 1, f"translucent colour {css}"
    return tuple(parts[:3])


def contrast(a: str, b: str) -> float:
    def luminance(css: str) -> float:
        channels = [c / 255 for c in rgb(css)]
        lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def check_private(phones: list[Phone], server: WorkshopServer) -> None:
    """Nothing any phone received holds a token, a participant code, the facilitator key, the
    session file's path or a score."""
    store = server.store
    facilitator_key = server.facilitator_url.rstrip("/").rsplit("/", 1)[-1]
    assert facilitator_key == store.secret("facilitator")
    forbidden = {"the facilitator key": facilitator_key, "the session file's path": str(store.path),
                 "the session file's name": store.path.name, "the session folder": str(store.path.parent)}
    for phone in phones:
        if any(c["name"] == PARTICIPANT_COOKIE for c in phone.context.cookies()):
            forbidden[f"{phone.name}'s token"] = phone.token
    for code in store.participant_codes():
        forbidden[f"participant code {code}"] = code
    problems = []
    for phone in phones:
        assert phone.seen, f"{phone.name} saw no page"
        for url, html in phone.seen:
            problems += [f"{phone.name} at {url}: {what}" for what, text in forbidden.items() if text in html]
            problems += [f"{phone.name} at {url}: score marker {m!r}" for m in SCORE_MARKERS if m in html]
    assert not problems, "\n".join(problems)


# --- the workshop ---------------------------------------------------------------------------
def test_three_phones_answer_and_the_projector_follows(browser: Browser, server: WorkshopServer,
                                                       shots: Path) -> None:
    store = server.store
    # The projector is open before anyone joins, and is never reloaded or clicked.
    screen_context = browser.new_context(**PROJECTOR)
    projector = screen_context.new_page()
    navigations: list[str] = []
    projector.on("framenavigated",
                 lambda frame: navigations.append(frame.url) if frame == projector.main_frame else None)
    assert projector.goto(server.facilitator_url).status == 200
    projector.evaluate("window.__sameDocument = 'yes'")
    counts_text(projector, 0, 0, 0)
    expect(projector.locator("#results .waiting")).to_be_visible()
    expect(projector.locator("#results img")).to_have_count(0)
    fits(projector, 1280, 720)
    projector.screenshot(path=shots / "projector-waiting.png")

    plans: dict[str, dict[str, Any]] = {
        "ana": {"attributes": {"role": "Frontline", "site": "North"},
                "answers": {"A1": 4, "A2": 2, "A3": 5, "B1": 3, "B2": DK}},
        "ben": {"attributes": {"role": "Manager", "site": "North"},
                "answers": {"A1": 5, "A2": 1, "A3": 4, "B1": DK, "B2": 2}},
        "cat": {"attributes": {"role": None, "site": "North"},  # role: "(prefer not to say)"
                "answers": {"A1": 3, "A2": DK, "A3": 3}},  # B left unanswered
    }
    phones = {name: Phone.open(browser, name) for name in plans}
    try:
        for name, phone in phones.items():
            phone.goto(server.join_url)
            phone.start()
            phone.about(**plans[name]["attributes"])
            expect_progress(phone.page, 0)
        counts_text(projector, 3, 3, 0)
        codes = {name: store.participant_for_token(phone.token) for name, phone in phones.items()}
        for phone in phones.values():  # scripts on the page cannot read the token
            assert all(c["httpOnly"] for c in phone.context.cookies() if c["name"] == PARTICIPANT_COOKIE)
        assert len(set(codes.values()) - {None}) == 3, codes

        # ana: a whole dimension, changing her mind on A1 (the latest tap wins), then B.
        ana = phones["ana"]
        for item, value in [("A1", 2), ("A1", 4), ("A2", 2), ("A3", 5)]:
            ana.answer(item, value)
        expect_progress(ana.page, 3)
        expect_pressed(ana.page, {"A1": 4, "A2": 2, "A3": 5})
        ana.page.screenshot(path=shots / "phone-dimension.png")
        ana.page.screenshot(path=shots / "phone-dimension-full.png", full_page=True)
        ana.next(2)
        ana.answer("B1", 3)
        ana.answer("B2", DK)
        expect_progress(ana.page, 5)

        # ben answers A and one of B, then his tab is closed (the phone goes to sleep) ...
        ben = phones["ben"]
        for item in ("A1", "A2", "A3"):
            ben.answer(item, plans["ben"]["answers"][item])
        ben.next(2)
        ben.answer("B1", DK)
        ben.page.close()

        # ... cat answers two statements, then her browser is closed altogether (cookies kept on disk).
        cat = phones["cat"]
        cat.answer("A1", 3)
        cat.answer("A2", DK)
        cat_storage = cat.context.storage_state()
        cat.context.close()

        # ben opens the join link again: back on page 2, his answers shown, the count right.
        ben.new_page()
        ben.goto(server.join_url)
        expect(ben.page).to_have_url(re.compile(r"/p/2$"))
        expect_progress(ben.page, 4)
        expect_pressed(ben.page, {"B1": DK})
        ben.back(1)
        expect_pressed(ben.page, {k: plans["ben"]["answers"][k] for k in ("A1", "A2", "A3")})
        ben.next(2)
        ben.answer("B2", 2)
        expect_progress(ben.page, 5)

        # cat's browser starts again with its stored cookies and opens the bare address.
        cat = phones["cat"] = Phone(cat.name, browser.new_context(**PHONE, storage_state=cat_storage), cat.page,
                                    cat.seen)
        cat.new_page()
        cat.goto(server.base_url + "/")
        expect(cat.page).to_have_url(re.compile(r"/p/1$"))
        expect_progress(cat.page, 2)
        expect_pressed(cat.page, {"A1": 3, "A2": DK})
        assert store.participant_for_token(cat.token) == codes["cat"]
        cat.answer("A3", 3)

        # Everyone goes on to the summary and submits; cat confirms leaving B unanswered.
        for name in ("ana", "ben"):
            phone = phones[name]
            phone.next(3)
            expect(phone.page.get_by_text("All 5 statements are answered")).to_be_visible()
        ana.tap(ana.page.get_by_role("button", name="Submit my answers"))
        expect(ana.page).to_have_url(re.compile(r"/p/done$"))
        expect(ana.page.get_by_role("heading", level=1)).to_have_text("Thank you")
        ana.keep()
        counts_text(projector, 3, 2, 1)
        # one person's answers are held back (counts and results come in the same poll)
        expect(projector.locator("#results .waiting")).to_contain_text("so far 1")
        expect(projector.locator("#results img")).to_have_count(0)

        cat.next(2)
        cat.next(3)
        summary = cat.page.locator("form.flow")
        expect(summary).to_contain_text("2 of 5 statements are still unanswered")
        expect(summary.get_by_role("listitem")).to_have_text([TEXT["B1"], TEXT["B2"]])
        cat.page.screenshot(path=shots / "phone-summary.png")
        cat.tap(cat.page.get_by_role("button", name="Submit my answers"))  # not confirmed: refused, kept here
        expect(cat.page.locator(".error")).to_be_visible()
        cat.keep()
        assert not store.participant(codes["cat"]).submitted
        cat.page.get_by_label("Submit with these statements unanswered").check()
        cat.tap(cat.page.get_by_role("button", name="Submit my answers"))
        expect(cat.page).to_have_url(re.compile(r"/p/done$"))
        cat.keep()

        ben.tap(ben.page.get_by_role("button", name="Submit my answers"))
        expect(ben.page).to_have_url(re.compile(r"/p/done$"))
        expect(ben.page.get_by_text("5 of 5 statements answered")).to_be_visible()
        ben.keep()
        ben.page.screenshot(path=shots / "phone-done.png")

        # Reopening the link after submitting shows the thank-you page, nothing to change.
        ben.goto(server.join_url)
        expect(ben.page).to_have_url(re.compile(r"/p/done$"))
        ben.goto(server.base_url + "/p/1")
        expect(ben.page).to_have_url(re.compile(r"/p/done$"))

        # The session file holds exactly what was tapped.
        assert sorted(store.participant_codes()) == sorted(codes.values())
        for name, plan in plans.items():
            state = store.participant(codes[name])
            assert state.answers == stored(plan["answers"]), name
            assert state.attributes == {k: v for k, v in plan["attributes"].items() if v}, name
            assert state.submitted, name
        assert store.counts()["submitted"] == 3

        # The projector caught up by itself: counts, radar and heatmap, within 1280 x 720.
        counts_text(projector, 3, 0, 3)
        expect(projector.locator("#results .radar img")).to_be_visible(timeout=PROJECTOR_WAIT)
        expect(projector.locator("#results table.cx-heatmap")).to_be_visible()
        expect(projector.locator("#results .overall")).to_contain_text("Results from 3 submitted")
        assert projector.evaluate("window.__sameDocument") == "yes", "the projector page was reloaded"
        assert navigations == [server.facilitator_url], navigations
        radar = projector.locator("#results .radar img")
        assert radar.evaluate("img => img.complete && img.naturalWidth > 0"), "the radar image did not load"
        projector.screenshot(path=shots / "projector-results.png")
        fits(projector, 1280, 720)
        inside(projector, radar, "radar")
        inside(projector, projector.locator("#results table.cx-heatmap"), "heatmap")
        inside(projector, projector.locator("#counts"), "counts")
        inside(projector, projector.locator(".controls .join-link"), "join link")
        # by role every group has one person: all suppressed, no one's own answers on the screen
        rows = projector.locator("#results table.cx-heatmap tbody tr")
        expect(rows).to_have_count(3)
        for n in range(3):
            expect(rows.nth(n)).to_contain_text("suppressed")
        # by site, North has all three: its scores are shown (the page changes in place)
        projector.locator("select[name=by]").select_option("site")
        expect(projector).to_have_url(re.compile(r"[?&]by=site"))
        north = projector.locator("#results table.cx-heatmap tbody tr").filter(has_text="North")
        expect(north).to_contain_text(re.compile(r"\d\.\d"), timeout=PROJECTOR_WAIT)
        expect(north).not_to_contain_text("suppressed")
        assert projector.evaluate("window.__sameDocument") == "yes", "the projector page was reloaded"
        fits(projector, 1280, 720)
        inside(projector, projector.locator("#results table.cx-heatmap"), "heatmap by site")
        projector.screenshot(path=shots / "projector-by-site.png")
        projector_html = projector.content()
        for name, phone in phones.items():
            assert phone.token not in projector_html, f"{name}'s token on the projector"

        check_private(list(phones.values()), server)
    finally:
        for phone in phones.values():
            phone.context.close()
        screen_context.close()


# --- keys and tokens ------------------------------------------------------------------------
def test_keys_and_tokens_decide_who_is_who(browser: Browser, server: WorkshopServer) -> None:
    store = server.store
    base = server.base_url
    key = server.facilitator_url.rsplit("/", 1)[-1]
    wrong_keys = [key[:-1] + ("A" if key[-1] != "A" else "B"), "x", key.upper() if key.upper() != key else key.lower()]
    alice, mallory = Phone.open(browser, "alice"), Phone.open(browser, "mallory")
    stranger = Phone.open(browser, "stranger")  # never joined
    try:
        for phone in (alice, mallory):
            phone.goto(server.join_url)
            phone.start()
            phone.about(role="Frontline", site="North")
        alice.answer("A1", 5)
        alice.answer("A2", 4)
        alice_code = store.participant_for_token(alice.token)
        mallory_code = store.participant_for_token(mallory.token)
        assert alice_code and mallory_code and alice_code != mallory_code
        before = store.participant(alice_code)

        # Wrong facilitator (and join) keys: 404, and the 404 page gives nothing away.
        for wrong in wrong_keys:
            for path in (f"/f/{wrong}", f"/f/{wrong}/live", f"/f/{wrong}/join"):
                response = mallory.goto(base + path)
                assert response.status == 404, (path, response.status)
            assert mallory.context.request.get(f"{base}/f/{wrong}/live").status == 404
            assert mallory.goto(f"{base}/join/{wrong}").status == 404
        mallory.goto(base + "/p/1")  # back to her own page

        # Mallory posts answers for the statements Alice answered, naming Alice every way she can:
        # the token in her cookie decides whose answers change (her own).
        csrf = mallory.cookie(CSRF_COOKIE)
        api = mallory.context.request
        bodies = [{"item": "A1", "value": 1},
                  {"item": "A2", "value": 1, "code": alice_code, "participant": alice_code, "token": alice.token}]
        for body in bodies:
            response = api.post(f"{base}/api/answer", data=json.dumps(body),
                                headers={"Content-Type": "application/json", "X-CSRF-Token": csrf})
            assert response.status == 200, response.text()
            reply = response.json()
            assert reply == {"saved": True, "item": body["item"], "answered": reply["answered"], "total": 5}
            assert alice_code not in response.text() and alice.token not in response.text()
        response = api.post(f"{base}/p/1", form={"csrf": csrf, "answer": "A3=1", "code": alice_code,
                                                 "participant": alice_code}, max_redirects=0)
        assert response.status == 303, response.status
        # and without the CSRF header, with a wrong one, or from another site, nothing is stored at all
        for headers in ({"Content-Type": "application/json"},
                        {"Content-Type": "application/json", "X-CSRF-Token": "x" * 24},
                        {"Content-Type": "application/json", "X-CSRF-Token": csrf, "Origin": "http://evil.example"}):
            response = api.post(f"{base}/api/answer", data=json.dumps({"item": "B1", "value": 1}), headers=headers)
            assert response.status == 403, response.status
        assert store.participant(mallory_code).answers == {"A1": 1.0, "A2": 1.0, "A3": 1.0}
        assert store.participant(alice_code) == before

        # A browser that never joined cannot answer for anyone, and does not become a participant.
        stranger.goto(base + "/")
        response = stranger.context.request.post(
            f"{base}/api/answer", data=json.dumps({"item": "A1", "value": 1, "code": alice_code}),
            headers={"Content-Type": "application/json", "X-CSRF-Token": stranger.cookie(CSRF_COOKIE)})
        assert response.status == 401, response.status
        assert stranger.goto(base + "/p/1").status == 401
        assert len(store.participant_codes()) == 2
        assert store.participant(alice_code) == before

        # Alice's own page still shows her own answers; Mallory's page shows Mallory's.
        alice.goto(base + "/p/1")
        expect_pressed(alice.page, {"A1": 5, "A2": 4})
        mallory.goto(base + "/p/1")
        expect_pressed(mallory.page, {"A1": 1, "A2": 1, "A3": 1})
        check_private([alice, mallory, stranger], server)
    finally:
        for phone in (alice, mallory, stranger):
            phone.context.close()


# --- the phone layout, and JavaScript off ---------------------------------------------------
def test_phone_layout_and_without_javascript(browser: Browser, server: WorkshopServer, shots: Path) -> None:
    store = server.store
    phone = Phone.open(browser, "phone")
    nojs = Phone.open(browser, "nojs", java_script_enabled=False)
    try:
        phone.goto(server.join_url)
        fits(phone.page, 390)
        phone.start()
        fits(phone.page, 390)
        for target in phone.page.locator("select, button").all():
            box = target.bounding_box()
            assert box and box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
        phone.about(role="Back office", site="South")
        phone.answer("A1", 4)
        fits(phone.page, 390)
        buttons = phone.page.locator("button.choice")
        assert buttons.count() == 3 * (len(LABELS) + 1)
        for n in range(buttons.count()):
            box = buttons.nth(n).bounding_box()
            label = buttons.nth(n).inner_text()
            assert box is not None, label
            assert box["height"] >= 44, (label, box)
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (label, box)
        style = "b => { const s = getComputedStyle(b); return [s.backgroundColor, s.color]; }"
        chosen_bg, chosen_fg = choice(phone.page, "A1", 4).evaluate(style)
        other_bg, other_fg = choice(phone.page, "A1", 3).evaluate(style)
        assert chosen_bg != other_bg
        assert contrast(chosen_bg, other_bg) >= 3, (chosen_bg, other_bg)
        assert contrast(chosen_fg, chosen_bg) >= 4.5, (chosen_fg, chosen_bg)
        assert contrast(other_fg, other_bg) >= 4.5, (other_fg, other_bg)
        # the bottom bar must not hide the last statement's buttons when scrolled to the end
        last = statement(phone.page, "A3").locator("button.choice").last
        last.scroll_into_view_if_needed()
        phone.page.evaluate("window.scrollTo(0, document.scrollingElement.scrollHeight)")
        nav_top = phone.page.locator("nav.nav").bounding_box()["y"]
        last_box = last.bounding_box()
        assert last_box["y"] + last_box["height"] <= nav_top, (last_box, nav_top)

        # JavaScript off: every tap is a form post, and is stored.
        nojs.goto(server.join_url)
        nojs.start()
        nojs.about(role="Manager", site=None)
        nojs.answer("A1", 3, js=False)
        expect_progress(nojs.page, 1)
        nojs.answer("A3", DK, js=False)
        nojs.answer("A1", 2, js=False)  # changed
        expect_progress(nojs.page, 2)
        expect_pressed(nojs.page, {"A1": 2, "A3": DK})
        nojs.page.screenshot(path=shots / "phone-nojs.png")
        code = store.participant_for_token(nojs.token)
        assert store.participant(code).answers == {"A1": 2.0, "A3": DONT_KNOW}
        assert store.participant(code).attributes == {"role": "Manager"}
        nojs.next(2)
        nojs.answer("B2", 5, js=False)
        nojs.next(3)
        nojs.page.get_by_label("Submit with these statements unanswered").check()
        nojs.tap(nojs.page.get_by_role("button", name="Submit my answers"))
        expect(nojs.page).to_have_url(re.compile(r"/p/done$"))
        nojs.keep()
        state = store.participant(code)
        assert state.submitted and state.answers == {"A1": 2.0, "A3": DONT_KNOW, "B2": 5.0}
        check_private([phone, nojs], server)
    finally:
        phone.context.close()
        nojs.context.close()
