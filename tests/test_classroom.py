"""A class on one server, in a real browser: a second training waits its turn with its place shown,
and a run whose tab is closed is stopped within 30 s, letting the next one in."""

from __future__ import annotations

import time

import pytest

from harness.browser import require_chromium, running_app, wait_ready

pytestmark = pytest.mark.browser
require_chromium()


@pytest.mark.slow  # waits out a closed tab's 30 s: the second CI stage (docs/testing.md)
def test_a_closed_tabs_run_stops_within_30_s_and_the_next_in_the_queue_starts(browser):
    with running_app(env={"VAE_TRAINING_SLOTS": "1"}) as url:
        first = browser.new_context(viewport={"width": 1300, "height": 900})
        second = browser.new_context(viewport={"width": 1300, "height": 900})
        a, b = first.new_page(), second.new_page()
        for page in (a, b):
            page.goto(f"{url}/train?epochs=200")
            wait_ready(page, title="Train a VAE")
        a.get_by_role("button", name="Start training").click()
        a.locator('[data-testid="stProgress"]').wait_for(timeout=60_000)
        b.get_by_role("button", name="Start training").click()
        b.get_by_text("1st in the queue").wait_for(timeout=30_000)
        assert "1 training now, 1 waiting" in b.locator('[data-testid="stMain"]').inner_text()
        closed = time.monotonic()
        first.close()  # the first student closes the tab mid-run
        b.locator('[data-testid="stProgress"]').wait_for(timeout=45_000)
        waited = time.monotonic() - closed
        assert waited <= 30, f"the closed tab's run held the server for {waited:.0f} s"
        b.get_by_role("button", name="Stop").click()
        b.get_by_text("stopped early").wait_for(timeout=30_000)
        second.close()
