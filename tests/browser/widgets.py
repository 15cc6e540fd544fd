"""Locating ipywidgets in JupyterLab's page, shared by the browser tests."""

from __future__ import annotations

import json

from playwright.sync_api import Locator


def statement(scope: Locator, text: str) -> Locator:
    """The box of one statement: its text and its row of answer buttons."""
    return scope.locator(
        "xpath=.//div[contains(concat(' ', normalize-space(@class), ' '), ' widget-vbox ')]"
        f"[div[contains(@class, 'widget-html')][normalize-space(.) = {json.dumps(text)}]]"
        "[div[contains(@class, 'widget-toggle-buttons')]]")
