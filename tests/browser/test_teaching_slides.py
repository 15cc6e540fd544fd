"""The teaching notebook presented as slides from JupyterLab (RISE), in Chromium with no internet.

A trainer in a room without a network opens the notebook in JupyterLab and presses RISE's
"Render as slideshow". Every request outside the local Jupyter server is refused here, as it would
fail there: the slides must still render, one per idea, and be navigable.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

LOAD_TIMEOUT = 60_000  # ms


def test_the_teaching_notebook_presents_offline_as_slides(browser, jupyterlab, artifacts_dir: Path):
    nb = nbformat.read(jupyterlab.root / "teaching.ipynb", as_version=4)
    kinds = [c.metadata["slideshow"]["slide_type"] for c in nb.cells]
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    outside: list[str] = []

    def only_local(route):
        if route.request.url.startswith(jupyterlab.base_url):
            route.continue_()
        else:  # a CDN, a font service: nothing outside the room's own server
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    try:
        page.goto(jupyterlab.url("rise/teaching.ipynb"))
        slides = page.locator(".reveal .slides > section")
        expect(slides.first).to_be_visible(timeout=LOAD_TIMEOUT)
        # one top-level section per "slide" cell (RISE nests sub-slides inside them)
        assert slides.count() == kinds.count("slide")
        expect(page.get_by_role("heading", name="Customer experience: a teaching session", level=1)).to_be_visible()
        page.screenshot(path=str(artifacts_dir / "teaching-slide-1.png"))
        page.keyboard.press("ArrowRight")
        expect(page.get_by_role("heading", name="1. What customer experience is, and what it is not (10 min)",
                                level=2)).to_be_visible(timeout=10_000)
        page.screenshot(path=str(artifacts_dir / "teaching-slide-2.png"))
        assert outside == [], f"the slideshow asked for files outside the local server: {outside}"
    finally:
        context.close()
