"""The workshop notebook in real JupyterLab (default settings) and Chromium: participants' answers are saved.

JupyterLab 4.6 sends widget comm messages to a kernel subshell by default ("Kernel Comms over
subshells"), so every widget callback runs on a thread other than the one that ran the notebook's
cells. This test answers the questionnaire as two participants on a shared laptop, by clicking,
then reads the session file back from this process.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from cxassess.workshop.store import DONT_KNOW, SessionStore

from .widgets import statement

pytestmark = pytest.mark.browser

NOTEBOOK = "workshop.ipynb"
LOAD_TIMEOUT = 60_000  # ms: JupyterLab's first load and the kernel's imports, on a small machine
STEP_TIMEOUT = 20_000  # ms: one widget round trip to the kernel
DONT_KNOW_LABEL = "Don't know / not applicable"

# Records, from the first script of the page on, any text "Not saved" that ever appears (the
# participant pages show it when an answer could not be stored), even if it is replaced later.
WATCH_NOT_SAVED = """
window.__notSaved = [];
new MutationObserver((mutations) => {
  for (const m of mutations) {
    const nodes = m.type === "characterData" ? [m.target] : m.addedNodes;
    for (const node of nodes) {
      const text = node.textContent || "";
      if (text.includes("Not saved")) window.__notSaved.push(text.slice(0, 500));
    }
  }
}).observe(document, {childList: true, subtree: true, characterData: true});
"""


def button(scope: Page | Locator, label: str) -> Locator:
    """A button by its exact label. Widget buttons with an icon have the Font Awesome glyph (a
    private-use character) in their accessible name, e.g. "\\uf061Next": allow it before the label."""
    escaped = re.sub(r"([.*+?^${}()|\[\]\\/])", r"\\\1", label)
    return scope.get_by_role("button", name=re.compile(r"^[\ue000-\uf8ff\s]*" + escaped + "$"))


def code_cell_output(page: Page, source_snippet: str) -> Locator:
    """The output area of the code cell whose source holds ``source_snippet``."""
    cell = page.locator(".jp-CodeCell").filter(has=page.locator(".jp-InputArea", has_text=source_snippet))
    return cell.locator(".jp-OutputArea")


def open_notebook_and_run_all(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.locator(".jp-NotebookPanel .jp-Notebook")).to_be_visible(timeout=LOAD_TIMEOUT)
    kernel_dialog = page.get_by_role("dialog").filter(has_text="Select Kernel")
    idle = page.get_by_text("Python 3 (ipykernel) | Idle", exact=True)
    expect(kernel_dialog.or_(idle).first, "the kernel should start (or JupyterLab ask which one)").to_be_visible(
        timeout=LOAD_TIMEOUT)
    if kernel_dialog.count():
        select = kernel_dialog.get_by_role("combobox")
        if select.count():
            select.first.select_option(label="Python 3 (ipykernel)")
        button(kernel_dialog, "Select").click()
        expect(idle).to_be_visible(timeout=LOAD_TIMEOUT)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()


def answered_text(count: int, total: int = 5) -> re.Pattern:
    """The progress line: "&nbsp;3 of 5 answered" (Playwright trims spaces but not the no-break space)."""
    return re.compile(rf"^\s*{count} of {total} answered$")


def answer(item: Locator, label: str, answered: int, progress: Locator, total: int = 5) -> None:
    """Click one answer and wait until the kernel has counted it."""
    choice = item.get_by_role("button", name=label, exact=True)
    choice.click()
    expect(choice).to_have_class(re.compile(r"\bmod-active\b"))
    expect(progress).to_have_text(answered_text(answered, total), timeout=STEP_TIMEOUT)


def take_part(participant: Locator, code: str, *, role: str, department: str | None,
              answers: dict[str, str], first_tries: dict[str, str] | None = None, shots: Path | None = None) -> None:
    """One participant's whole way through, by clicking: code, about you, pages A and B, summary, submit.

    ``answers`` maps item id to the label clicked last; ``first_tries`` the label clicked before it.
    Screenshots of the pages go to ``shots`` when given.
    """

    def shot(stage: str) -> None:
        if shots is not None:
            participant.page.screenshot(path=str(shots / f"jupyterlab-workshop-{code}-{stage}.png"))

    first_tries = first_tries or {}
    code_box = participant.get_by_role("combobox", name="Your code")
    expect(code_box).to_be_visible(timeout=STEP_TIMEOUT)
    expect(code_box).to_have_value("")
    # fill(), one input event: typed key by key, ipywidgets holds back all but the first value update
    # until the kernel has answered it, while a button click is sent at once, so a click straight
    # after typing can reach the kernel before the last characters (it then starts code "P-")
    code_box.fill(code)
    button(participant, "Start / resume").click()

    expect(participant.get_by_text(f"Participant {code} · Mini", exact=True),
           f"participant {code}'s pages should open after Start / resume").to_be_visible(timeout=STEP_TIMEOUT)
    expect(participant.get_by_role("heading", name="About you")).to_be_visible()
    progress = participant.get_by_text(re.compile(r"^\s*\d+ of 5 answered$"))
    saved = participant.get_by_text(re.compile(r"^saved \d\d:\d\d:\d\d$"))
    expect(progress).to_have_text(answered_text(0))
    participant.get_by_role("combobox", name="Role").select_option(role)
    expect(saved, "the role should be saved").to_be_visible(timeout=STEP_TIMEOUT)
    if department is not None:
        participant.get_by_role("combobox", name="Department").select_option(department)
    shot("about")
    button(participant, "Next").click()

    pages = {"A": ("1. Dimension A", ["First A statement", "Second A statement", "Third A statement"]),
             "B": ("2. Dimension B", ["First B statement", "Second B statement"])}
    texts = {"A1": "First A statement", "A2": "Second A statement", "A3": "Third A statement",
             "B1": "First B statement", "B2": "Second B statement"}
    answered = 0
    for dim, (heading, statements) in pages.items():
        expect(participant.get_by_role("heading", name=heading)).to_be_visible(timeout=STEP_TIMEOUT)
        for text in statements:
            expect(statement(participant, text)).to_have_count(1)
        for item_id, label in answers.items():
            if not item_id.startswith(dim):
                continue
            item = statement(participant, texts[item_id])
            if item_id in first_tries:  # a first answer, changed straight after: the count stays
                answer(item, first_tries[item_id], answered + 1, progress)
            answered += 1
            answer(item, label, answered, progress)
        expect(saved).to_be_visible()
        shot(f"page-{dim}")
        button(participant, "Next").click()

    expect(participant.get_by_role("heading", name="Summary")).to_be_visible(timeout=STEP_TIMEOUT)
    submit = button(participant, "Submit my answers")
    confirm = participant.get_by_role("checkbox", name="Submit with these statements unanswered")
    if len(answers) < 5:
        expect(participant.get_by_text(f"{5 - len(answers)} of 5 statements are still unanswered.")).to_be_visible()
        expect(confirm).to_be_visible()
        expect(submit).to_be_disabled()
        confirm.check()
        expect(submit).to_be_enabled(timeout=STEP_TIMEOUT)
    else:
        expect(participant.get_by_text("All 5 statements are answered.", exact=False)).to_be_visible()
        expect(confirm).to_be_hidden()
    shot("summary")
    submit.click()

    expect(participant.get_by_role("heading", name="Thank you")).to_be_visible(timeout=STEP_TIMEOUT)
    expect(participant.get_by_text(f"Your answers are submitted ({len(answers)} of 5 statements answered).",
                                   exact=False)).to_be_visible()
    button(participant, "Next participant").click()
    expect(participant.get_by_text(f"Participant {code} · Mini", exact=True)).to_have_count(0, timeout=STEP_TIMEOUT)
    expect(code_box).to_have_value("")


def kernel_errors(client: Any) -> list[str]:
    """Errors the kernel published since the client connected (widget callbacks that raised)."""
    from queue import Empty

    errors, msgs = [], []
    while True:  # not get_msgs(): it blocks once the queue is empty (jupyter_client 8.10)
        try:
            msgs.append(client.iopub_channel.get_msg(timeout=0))
        except Empty:
            break
    for msg in msgs:
        if msg["msg_type"] == "error":
            errors.append(f"{msg['content']['ename']}: {msg['content']['evalue']}")
        elif msg["msg_type"] == "stream" and "Traceback" in msg["content"].get("text", ""):
            errors.append(msg["content"]["text"][-2000:])
    return errors


def list_subshells(client: Any) -> list[str]:
    """The kernel's subshells (a control-channel request of the kernel subshells protocol)."""
    request = client.session.msg("list_subshell_request", {})
    client.control_channel.send(request)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        reply = client.control_channel.get_msg(timeout=10)
        if reply["parent_header"].get("msg_id") == request["header"]["msg_id"]:
            assert reply["msg_type"] == "list_subshell_reply", reply
            return reply["content"]["subshell_id"]
    raise AssertionError("no list_subshell_reply from the kernel")


def test_default_settings_route_comms_over_subshells(jupyterlab):
    """The setting this test is about is on: nothing overrides JupyterLab's default (one subshell per comm target)."""
    settings = jupyterlab.api("lab/api/settings/@jupyterlab/apputils-extension:kernels-settings")
    assert "commsOverSubshells" not in settings["raw"], settings["raw"]
    assert settings["schema"]["properties"]["commsOverSubshells"]["default"] == "perCommTarget"


def test_participants_answers_are_saved_in_jupyterlab(browser, jupyterlab, artifacts_dir: Path):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(STEP_TIMEOUT)
    page.add_init_script(WATCH_NOT_SAVED)
    page_errors: list[str] = []
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    # JupyterLab asks once whether to fetch its news feed; answer "No" whenever the toast gets in the way
    news = page.get_by_role("alert").filter(has_text="official Jupyter news")
    page.add_locator_handler(news, lambda toast: button(toast, "No").click())
    facilitator = code_cell_output(page, "app.facilitator.refresh()")
    participant = code_cell_output(page, "display(app.participant)")
    client = None
    try:
        open_notebook_and_run_all(page, jupyterlab.url(f"lab/tree/{NOTEBOOK}"))
        kernel_id = jupyterlab.kernel_id(NOTEBOOK)
        assert kernel_id, "JupyterLab started no kernel for the notebook"
        client = jupyterlab.kernel_client(kernel_id)  # listens to the kernel's published errors from now on
        info = client.kernel_info(reply=True, timeout=10)["content"]
        assert "kernel subshells" in info.get("supported_features", []), info

        expect(page.get_by_text(f"Session file: {jupyterlab.session_file}", exact=True),
               "the notebook should run with the test's session file").to_be_visible(timeout=LOAD_TIMEOUT)
        expect(facilitator.get_by_role("heading", name="Workshop: Demo client")).to_be_visible(timeout=LOAD_TIMEOUT)
        expect(participant.get_by_role("combobox", name="Your code")).to_be_visible(timeout=LOAD_TIMEOUT)

        take_part(participant, "P-ALPHA", role="Manager", department="Service", first_tries={"A1": "Disagree"},
                  answers={"A1": "Agree", "A2": "Strongly disagree", "A3": DONT_KNOW_LABEL,
                           "B1": "Strongly agree", "B2": "Neutral"}, shots=artifacts_dir)
        take_part(participant, "P-BRAVO", role="Front-line staff", department=None,
                  answers={"A1": DONT_KNOW_LABEL, "A2": "Agree", "A3": "Strongly agree", "B1": "Disagree"},
                  shots=artifacts_dir)

        # the facilitator's panel reads the file back on the kernel (also from the comm subshell)
        button(facilitator, "Refresh results").click()
        expect(facilitator.get_by_text(
            re.compile(r"^2 participant\(s\) started · 2 submitted · 0 still answering · 9 answers stored$")
        )).to_be_visible(timeout=STEP_TIMEOUT)
        # the code list offered for resuming now holds both participants
        options = participant.locator("datalist option")
        expect(options).to_have_count(2)

        # JupyterLab did route the widgets' messages over a subshell
        assert list_subshells(client), "the kernel has no subshell: JupyterLab sent the comms to the main shell"
        assert page.evaluate("window.__notSaved") == [], "a participant page showed 'Not saved'"
        expect(page.get_by_text("Not saved")).to_have_count(0)
        errors = kernel_errors(client)
        assert not errors, f"the kernel reported errors: {errors}"

        participant.scroll_into_view_if_needed()
        facilitator.locator(".widget-button").first.scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts_dir / "jupyterlab-workshop.png"))
    except Exception as exc:
        try:  # the participant's page with its message, if it is there
            participant.evaluate("e => e.scrollIntoView({block: 'end'})", timeout=2000)
        except Exception:
            pass
        page.screenshot(path=str(artifacts_dir / "jupyterlab-workshop-failure.png"))
        extra = []
        if client is not None:
            extra.append(f"kernel errors: {kernel_errors(client)}")
        extra.append(f"'Not saved' seen: {page.evaluate('window.__notSaved')}")
        extra.append(f"page errors: {page_errors}")
        raise AssertionError(f"{exc}\n" + "\n".join(extra)
                             + f"\nscreenshot: {artifacts_dir / 'jupyterlab-workshop-failure.png'}") from exc
    finally:
        if client is not None:
            client.stop_channels()
        context.close()

    # what the session file holds, read by this process
    with SessionStore(jupyterlab.session_file, create=False) as store:
        assert store.participant_codes() == ["P-ALPHA", "P-BRAVO"]
        alpha, bravo = store.participant("P-ALPHA"), store.participant("P-BRAVO")
        assert alpha.submitted and bravo.submitted
        assert alpha.attributes == {"role": "Manager", "department": "Service"}
        assert bravo.attributes == {"role": "Front-line staff"}
        assert alpha.answers == {"A1": 4.0, "A2": 1.0, "A3": DONT_KNOW, "B1": 5.0, "B2": 3.0}
        assert bravo.answers == {"A1": DONT_KNOW, "A2": 4.0, "A3": 5.0, "B1": 2.0}
        history = store.history("P-ALPHA")
        assert history.loc[history["item_id"] == "A1", "value"].tolist() == [2.0, 4.0]  # changed: latest wins
        assert store.counts() == {"started": 2, "in_progress": 0, "submitted": 2, "answers": 9}
