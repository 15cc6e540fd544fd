"""The teaching notebook in a class room without installs: a real JupyterHub, learners in Chromium.

What docs/teaching.md tells a trainer to do, done for real on 127.0.0.1: JupyterHub (shared-password
login, one JupyterLab per user from the SimpleLocalProcessSpawner, Debian's configurable-http-proxy
in front); the trainer writes each user's copy of the notebook into their home with papermill
(``class_session`` set to one SQLite file in a shared folder, ``learner`` to the user's name);
three learners log in, run the parameter cells and the self-assessment cell in their own JupyterLab
and answer at the same time, each kernel writing into the shared file; the trainer's JupyterLab
shows nothing while two have submitted and the class's pooled results once the third has. Then the
hub is stopped and no process of it may be left. No request leaves the machine.
"""

from __future__ import annotations

import functools
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from .hub import launch_hub, processes_in, require_tools, stop_hub, wait_until_ready
from .widgets import statement

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "teaching.ipynb"
LOAD_TIMEOUT = 60_000  # ms: a user's server spawned, JupyterLab's first load, the kernel's imports
STEP_TIMEOUT = 20_000  # ms: one widget round trip to a kernel
PARAMETERS = "# Parameters (papermill can override these)"  # the notebook's parameters cell
SELF_ASSESSMENT = "self_assessment(session_file=session, participant=learner)"
CLASS_RESULTS = "ex.class_results(class_session)"
TOTAL = 43  # statements in the bundled questionnaire, outcome statements included

DIMENSIONS = ["Leadership and customer-first vision", "Employee-first culture", "Silos and cross-functional alignment",
              "Feedback loops and voice of the customer", "Customer insight and data", "Journeys and touchpoints",
              "Experience design and consistency", "Measurement and business case"]
LABELS = {1: "Strongly disagree", 2: "Disagree", 3: "Neither agree nor disagree", 4: "Agree", 5: "Strongly agree"}
# On every dimension page each learner answers statements 1, 2 and 5 (none of them reverse-worded):
# three of five, the fewest that give a person a score for the dimension (at least half answered).
ASKED = (0, 1, 4)
ANSWERS = {
    "alice": [(4, 4, 5), (4, 3, 4), (3, 3, 2), (4, 4, 4), (5, 4, 5), (4, 5, 4), (3, 2, 3), (4, 4, 3)],
    "bob": [(2, 2, 1), (3, 3, 2), (2, 1, 2), (2, 3, 2), (3, 3, 3), (2, 2, 2), (2, 2, 1), (1, 2, 1)],
    "carol": [(5, 5, 4), (4, 4, 4), (4, 5, 4), (3, 3, 4), (4, 4, 4), (5, 5, 5), (4, 3, 4), (5, 4, 5)],
}
ITEM_PREFIXES = ["LEAD", "EMP", "SILO", "FDBK", "INS", "JRN", "DES", "MEAS"]  # LEAD1, LEAD2, LEAD5, EMP1, ...
STAGE_FLOORS = {"Unaware": 1.0, "Reactive": 1.8, "Emerging": 2.6, "Embedded": 3.4, "Customer-led": 4.2}
TRAINER = "trainer"


def mean(values) -> float:
    values = list(values)
    return sum(values) / len(values)


def stage_of(score: float) -> str:
    return [name for name, floor in STAGE_FLOORS.items() if score >= floor][-1]


def prepare_copies(base: Path, users: list[str]) -> Path:
    """The trainer's step from docs/teaching.md: one shared folder, and in every home a copy of the notebook
    with ``class_session`` and ``learner`` set, as ``papermill --prepare-only ... -p class_session ... -p
    learner ...`` writes it (the same papermill call, in this process)."""
    import papermill

    shared = base / "srv" / "class"
    shared.mkdir(parents=True)
    class_session = shared / "class.sqlite"
    for user in users:
        home = base / "home" / user
        home.mkdir(parents=True)
        papermill.execute_notebook(str(NOTEBOOK), str(home / "teaching.ipynb"), prepare_only=True, progress_bar=False,
                                   parameters={"class_session": str(class_session), "learner": user})
    return class_session


def button(scope: Page | Locator, label: str) -> Locator:
    """A button by its exact label (widget buttons with an icon carry a private-use glyph before it)."""
    return scope.get_by_role("button", name=re.compile(r"^[\ue000-\uf8ff\s]*" + re.escape(label) + "$"))


def code_cell(page: Page, snippet: str) -> Locator:
    return page.locator(".jp-Notebook .jp-CodeCell").filter(
        has=page.locator(".jp-InputArea", has_text=snippet)).first


def log_in(page: Page, hub_url: str, user: str, password: str) -> None:
    """Sign in on the hub's page; the hub then starts the user's server and opens their notebook."""
    page.goto(f"{hub_url}/hub/login?next=/hub/user-redirect/lab/tree/teaching.ipynb")
    page.locator("#username_input").fill(user)
    page.locator("#password_input").fill(password)
    page.locator("#login_submit").click()


def run_cells(page: Page, first: str, count: int = 1) -> None:
    """Select the cell holding ``first`` and run it and the ``count - 1`` cells after it, staying on the last
    (Shift+Enter runs and moves on, Ctrl+Enter runs in place: after the notebook's last cell Shift+Enter
    would add a new one)."""
    cell = code_cell(page, first)
    cell.scroll_into_view_if_needed()
    cell.locator(".jp-InputPrompt").click()
    for _ in range(count - 1):
        page.keyboard.press("Shift+Enter")
    page.keyboard.press("Control+Enter")


def open_notebook(page: Page, user: str) -> None:
    """Wait for the user's JupyterLab, the notebook and an idle kernel."""
    expect(page, f"{user}'s server should start").to_have_url(re.compile(rf"/user/{user}/lab"), timeout=LOAD_TIMEOUT)
    expect(page.locator(".jp-NotebookPanel .jp-Notebook")).to_be_visible(timeout=LOAD_TIMEOUT)
    expect(page.get_by_text("Python 3 (ipykernel) | Idle", exact=True)).to_be_visible(timeout=LOAD_TIMEOUT)


def start_self_assessment(page: Page, user: str, class_session: Path) -> Locator:
    """Run the parameter cells and the self-assessment cell; the participant's pages appear."""
    injected = code_cell(page, f'class_session = "{class_session}"')  # papermill's cell, after the parameters
    expect(injected).to_contain_text(f'learner = "{user}"')
    run_cells(page, PARAMETERS, 2)
    expect(injected.locator(".jp-InputPrompt")).to_have_text(re.compile(r"\[\d+\]"), timeout=STEP_TIMEOUT)
    run_cells(page, SELF_ASSESSMENT)
    output = code_cell(page, SELF_ASSESSMENT).locator(".jp-OutputArea")
    expect(output.get_by_text(f"Participant {user} · ", exact=False)).to_be_visible(timeout=LOAD_TIMEOUT)
    return output


def progress(output: Locator, answered: int) -> None:
    expect(output.get_by_text(re.compile(rf"^\s*{answered} of {TOTAL} answered$"))).to_be_visible(
        timeout=STEP_TIMEOUT)


def click_answers(output: Locator, number: int, values: tuple[int, ...]) -> None:
    """On dimension page ``number`` (1-based): click an answer to statements 1, 2 and 5 (sent at once)."""
    expect(output.get_by_role("heading", name=f"{number}. {DIMENSIONS[number - 1]}")).to_be_visible(
        timeout=STEP_TIMEOUT)
    # by the statement's text, never by position: the heading can arrive before the new page's statements
    texts = statement_texts()[number - 1]
    for index, value in zip(ASKED, values, strict=True):  # the progress line and the file check them after
        statement(output, texts[index]).get_by_role("button", name=LABELS[value], exact=True).click()


@functools.cache
def statement_texts() -> list[list[str]]:
    """The statements of each dimension page, in order, from the bundled questionnaire."""
    from cxassess.questionnaire.model import load_questionnaire

    q = load_questionnaire()
    return [[item.text for item in q.items if item.dimension == dim and not item.outcome] for dim in q.dimension_ids]


def saved_then_next(output: Locator, number: int) -> None:
    """Wait until the kernel has counted the page's answers, then go on."""
    progress(output, len(ASKED) * number)
    button(output, "Next").click()


def finish(output: Locator) -> None:
    """Past the overall views and the open questions to the summary; submit with the rest unanswered."""
    expect(output.get_by_role("heading", name="Overall views")).to_be_visible(timeout=STEP_TIMEOUT)
    button(output, "Next").click()
    expect(output.get_by_role("heading", name="In your own words")).to_be_visible(timeout=STEP_TIMEOUT)
    button(output, "Next").click()
    expect(output.get_by_role("heading", name="Summary")).to_be_visible(timeout=STEP_TIMEOUT)
    answered = len(ASKED) * len(DIMENSIONS)
    expect(output.get_by_text(f"{TOTAL - answered} of {TOTAL} statements are still unanswered.")).to_be_visible()
    output.get_by_role("checkbox", name="Submit with these statements unanswered").check()
    submit = button(output, "Submit my answers")
    expect(submit).to_be_enabled(timeout=STEP_TIMEOUT)
    submit.click()
    expect(output.get_by_role("heading", name="Thank you")).to_be_visible(timeout=STEP_TIMEOUT)
    expect(output.get_by_text(f"Your answers are submitted ({answered} of {TOTAL} statements answered).",
                              exact=False)).to_be_visible()


def expected_stage_table() -> dict[str, dict[str, int]]:
    """Learners per stage for each dimension, by hand from ANSWERS: each learner's mean of three answers."""
    table = {dim: dict.fromkeys(STAGE_FLOORS, 0) for dim in DIMENSIONS}
    for triples in ANSWERS.values():
        for dim, triple in zip(DIMENSIONS, triples, strict=True):
            table[dim][stage_of(mean(triple))] += 1
    return table


def read_stage_table(output: Locator) -> dict[str, dict[str, int]]:
    rows = output.locator("table").first.evaluate(
        """t => {
            const heads = [...t.querySelectorAll('thead th')].map(th => th.textContent.trim()).slice(1);
            return [...t.querySelectorAll('tbody tr')].map(tr => [tr.querySelector('th').textContent.trim(),
                Object.fromEntries([...tr.querySelectorAll('td')].map((td, i) => [heads[i], +td.textContent]))]);
        }""")
    return dict(rows)


def test_a_class_on_jupyterhub_pools_its_self_assessments(browser, tmp_path: Path, artifacts_dir: Path):
    require_tools()
    from cxassess.workshop.store import SessionStore

    learners = list(ANSWERS)
    users = [*learners, TRAINER]
    clock = Clock()
    hub = launch_hub(tmp_path, users)
    try:
        class_session = prepare_copies(tmp_path, users)  # while the hub starts
        wait_until_ready(hub)
    except BaseException:
        stop_hub(hub)
        raise
    clock.lap("hub started, copies made")
    outside: list[str] = []
    contexts, pages = [], {}
    problems: list[str] = []
    try:
        def only_local(route):
            if route.request.url.startswith(hub.url + "/"):
                route.continue_()
            else:  # a CDN, an update check: nothing may leave the room's own hub
                outside.append(route.request.url)
                route.abort()

        for user in users:  # everyone signs in first: the hub starts their servers side by side
            context = browser.new_context(viewport={"width": 1280, "height": 1000})
            context.route("**/*", only_local)
            contexts.append(context)
            page = pages[user] = context.new_page()
            page.set_default_timeout(STEP_TIMEOUT)
            # JupyterLab asks once whether to fetch its news feed; answer "No" whenever the toast gets in the way
            news = page.get_by_role("alert").filter(has_text="official Jupyter news")
            page.add_locator_handler(news, lambda toast: button(toast, "No").click())
            log_in(page, hub.url, user, hub.password)
        outputs = {}
        for user in learners:
            open_notebook(pages[user], user)
            outputs[user] = start_self_assessment(pages[user], user, class_session)
        trainer = pages[TRAINER]
        open_notebook(trainer, TRAINER)
        run_cells(trainer, PARAMETERS, 3)  # the parameters, papermill's, and the imports (ex)
        clock.lap("signed in, servers spawned, cells run")

        for number in range(1, len(DIMENSIONS) + 1):  # side by side: every kernel writes to the shared file
            for user in learners:
                click_answers(outputs[user], number, ANSWERS[user][number - 1])
            for user in learners:
                saved_then_next(outputs[user], number)
        for user in learners[:2]:
            finish(outputs[user])
        clock.lap("answered")

        run_cells(trainer, CLASS_RESULTS)
        results = code_cell(trainer, CLASS_RESULTS).locator(".jp-OutputArea-output")
        expect(results, "two learners have submitted: the class's figures are still held back").to_have_text(
            "Results appear once 3 participants have submitted (so far 2), so that no one's own answers can be seen.",
            timeout=LOAD_TIMEOUT)

        finish(outputs[learners[2]])
        run_cells(trainer, CLASS_RESULTS)
        # by hand: a learner's dimension score is the mean of their three answers, the class's the mean of
        # the learners' scores, the overall the mean of the eight dimensions
        scores = [mean(mean(ANSWERS[user][k]) for user in learners) for k in range(len(DIMENSIONS))]
        overall = mean(scores)  # 3.33: Emerging
        expect(results.get_by_text(f"Results from 3 submitted participant(s): overall {overall:.2f} "
                                   f"({stage_of(overall)}).", exact=True)).to_be_visible(timeout=STEP_TIMEOUT)
        assert read_stage_table(results) == expected_stage_table()
        bar_labels = results.locator("svg text").all_text_contents()
        for dim, score in zip(DIMENSIONS, scores, strict=True):
            assert f"{score:.2f}" in bar_labels, f"{dim}: no bar labelled {score:.2f} in {bar_labels}"
        results.scroll_into_view_if_needed()
        trainer.screenshot(path=str(artifacts_dir / "jupyterhub-trainer.png"))
        clock.lap("the trainer's view")
        assert outside == [], f"pages asked for files outside the hub: {outside}"
    except Exception:
        for user, page in pages.items():
            page.screenshot(path=str(artifacts_dir / f"jupyterhub-failure-{user}.png"))
        print(f"\n----- JupyterHub log ({hub.log_path}) -----\n{hub.log()[-30000:]}")
        raise
    finally:
        for context in contexts:
            context.close()
        clock.lap("browsers closed")
        problems = stop_hub(hub)
        clock.lap("hub stopped")
        print("JupyterHub test, seconds:", clock.laps)
    assert not problems, f"JupyterHub teardown: {problems}"
    assert processes_in(tmp_path) == [], "processes of the hub are still running"

    # the shared file, read by this process: every learner's answers, pooled; nothing in their homes
    with SessionStore(class_session, create=False) as store:
        assert store.participant_codes() == learners
        for user in learners:
            person = store.participant(user)
            assert person is not None and person.submitted
            assert person.answers == {f"{prefix}{ASKED[j] + 1}": float(value)
                                      for prefix, triple in zip(ITEM_PREFIXES, ANSWERS[user], strict=True)
                                      for j, value in enumerate(triple)}
    for user in users:
        assert not (tmp_path / "home" / user / ".cxassess").exists(), f"{user}'s answers went to their home"


class Clock:
    """Seconds per phase, printed with the test's output (a bound, not a benchmark)."""

    def __init__(self) -> None:
        self.last = time.monotonic()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.monotonic()
        self.laps[name], self.last = round(now - self.last, 1), now
