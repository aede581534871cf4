"""The latent scatter in a real browser: a box drawn with plotly's tool, reopened from the page's
link, selects exactly the same digits; each selected digit is drawn at its reconstruction's size."""

from __future__ import annotations

import re

import pytest

from harness.browser import box_select, require_chromium, wait_ready

pytestmark = pytest.mark.browser
require_chromium()

from playwright.sync_api import Page  # noqa: E402

# The page position of a data point on the first plotly chart, as plotly itself maps it.


# Each selected digit's two images (digit, reconstruction): their rendered sizes, column by column.
PAIR_SIZES_JS = """() => [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stColumn"]')]
    .flatMap((col) => {
        const sizes = [...col.querySelectorAll('img')].map((img) => {
            const r = img.getBoundingClientRect();
            return [r.width, r.height];
        });
        return sizes.filter((_, i) => i % 2 === 0).map((digit, i) => [digit, sizes[2 * i + 1]]);
    })"""


def selected(page: Page) -> tuple[str, list[str]]:
    """The count line ('123 selected ...') and the test digits shown, as the page states them."""
    text = page.locator('[data-testid="stMain"]').inner_text()
    count = re.search(r"[\d,]+ selected[^:]*", text)
    assert count, text[-500:]
    return count.group(0), re.findall(r"#\d+ \(", text)


def test_a_box_reopened_from_its_link_selects_the_same_digits(page):
    page.goto(f"{page.app_url}/scatter")
    wait_ready(page, title="Latent scatter")
    page.wait_for_selector(".js-plotly-plot")
    # Corners off any round number: 4 significant figures used to move one of them past a digit.
    box_select(page, (-0.8137, -0.6291), (0.4373, 0.9519))
    made = selected(page)
    link = page.url
    assert "sel=box" in link
    sizes = page.evaluate(PAIR_SIZES_JS)
    assert sizes, "no digit drawn above its reconstruction"
    for digit, reconstruction in sizes:
        assert digit == reconstruction, f"the digit is {digit}, its reconstruction {reconstruction}"

    page.goto(link)
    wait_ready(page, title="Latent scatter")
    page.wait_for_selector("text=selected", timeout=20_000)
    assert selected(page) == made
    assert page.url == link, "and the reopened view writes the same link"
