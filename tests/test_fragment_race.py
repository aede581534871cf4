"""Under load, a page switch followed by a fragment rerun blanked the page with Streamlit's front-end
error "Cannot set a node at a delta path" (8 of 30 students in the classroom benchmark). The race is
forced by tests/apps/fragment_after_page_switch.py; the project's config (no message cache) must
survive it, and the same app with Streamlit's default cache must still show the error, so that this
test keeps proving the setting is what matters."""

from __future__ import annotations

import pytest
from playwright.sync_api import sync_playwright

from harness.browser import launch, require_chromium, running_server

# Each starts a server of its own and waits out the race: the second CI stage (docs/testing.md).
pytestmark = [pytest.mark.browser, pytest.mark.slow]
require_chromium()

APP = "tests/apps/fragment_after_page_switch.py"


def errors_after_switching_back(options: dict[str, str]) -> tuple[list[str], bool]:
    """Open A, go to B and back to A; the page's errors, and whether A came back whole."""
    errors: list[str] = []
    with running_server(script=APP, options=options) as server, sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: m.type == "error" and "delta path" in m.text and errors.append(m.text))
        page.goto(server.url)
        page.wait_for_selector('[data-testid="stImage"]')
        nav = page.locator('[data-testid="stSidebarNav"]')
        nav.get_by_text("B", exact=True).click()
        page.wait_for_selector("text=now go back to A")
        page.wait_for_timeout(1000)
        nav.get_by_text("A", exact=True).click()
        page.wait_for_timeout(7000)  # the held-up run, the fragment run after it, two timer reruns
        whole = page.locator('[data-testid="stImage"]').count() == 1 and page.get_by_text("Notes after").count() == 1
        browser.close()
    return errors, whole


def test_the_projects_config_survives_a_fragment_rerun_after_a_page_switch():
    errors, whole = errors_after_switching_back({})
    assert not errors, errors
    assert whole, "page A did not come back with its image and its notes"


def test_with_streamlits_default_message_cache_the_race_still_breaks_the_page():
    errors, _ = errors_after_switching_back({"global.minCachedMessageSize": "10000"})
    assert any("delta path" in e for e in errors), errors
