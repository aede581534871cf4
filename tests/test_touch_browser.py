"""A phone in a real browser (touch, 390 px): its instructions speak of fingers, not keys, a tap on a
scatter point shows that digit, and a displayed equation wider than the screen shows that it scrolls."""

from __future__ import annotations

import re

import pytest

from harness.browser import OUTER_POINT_JS, require_chromium, wait_ready

pytestmark = pytest.mark.browser
require_chromium()

KEYS = ("arrow key", "Page Up", "Click a point")


def open_on(browser, url: str, touch: bool, scheme: str = "light"):
    context = browser.new_context(
        viewport={"width": 390, "height": 844} if touch else {"width": 1400, "height": 1000},
        has_touch=touch,
        is_mobile=touch,
        color_scheme=scheme,  # Streamlit follows the system's theme
    )
    tab = context.new_page()
    tab.goto(url)
    wait_ready(tab)
    return context, tab


@pytest.mark.parametrize(("path", "finger"), [("", "with your finger"), ("scatter", "Tap a point")])
def test_a_touch_screen_is_told_to_drag_and_tap(browser, app_url, path, finger):
    context, tab = open_on(browser, f"{app_url}/{path}", touch=True)
    assert tab.evaluate("() => matchMedia('(hover: none) and (pointer: coarse)').matches"), "not a touch screen"
    shown = tab.locator('[data-testid="stMain"]').inner_text()  # what is displayed, not what is hidden
    context.close()
    assert finger in shown
    assert not any(key in shown for key in KEYS), shown[:600]
    context, tab = open_on(browser, f"{app_url}/{path}", touch=False)
    shown = tab.locator('[data-testid="stMain"]').inner_text()
    context.close()
    assert finger not in shown and any(key in shown for key in KEYS), "a mouse and keyboard keep theirs"


# Every displayed equation that is wider than its box: whether it scrolls and what marks that it does.
WIDE_EQUATIONS_JS = """() => [...document.querySelectorAll('[data-testid="stMain"] .katex-display')]
    .filter((e) => e.scrollWidth > e.clientWidth + 1)
    .map((e) => [getComputedStyle(e).overflowX, getComputedStyle(e).backgroundImage])"""


PAGE_COLOUR_JS = """() => getComputedStyle(document.querySelector('[data-testid="stApp"]')).backgroundColor"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_wide_equation_scrolls_with_a_shadow_at_its_cut_edge(browser, app_url, scheme):
    """The shadows' covers, which hide a shadow where nothing is cut, take the page's colour: in the dark theme
    white ones were white blocks beside every displayed equation."""
    context, tab = open_on(browser, f"{app_url}/holes", touch=True, scheme=scheme)
    for summary in tab.locator('[data-testid="stMain"] [data-testid="stExpander"] summary').all():
        summary.click()
    tab.wait_for_timeout(500)
    wide = tab.evaluate(WIDE_EQUATIONS_JS)
    page_colour = tab.evaluate(PAGE_COLOUR_JS)
    context.close()
    assert wide, "no equation wider than a phone here: the test shows nothing"
    for overflow, background in wide:
        assert overflow == "auto"
        assert background.count("radial-gradient") == 2, "no shadow marks the edge where it is cut"
        covers = re.findall(r"linear-gradient\(to (?:right|left), (rgb\([^)]*\))", background)
        assert covers == [page_colour] * 2, (covers, page_colour)


def test_a_tap_on_a_scatter_point_shows_that_digit_every_time(browser, app_url):
    """Plotly's select-on-click takes the point from the last hover, which a finger never makes: without
    ui/components/tap_select.js the first tap showed nothing and each later tap the digit tapped before."""
    context, tab = open_on(browser, f"{app_url}/scatter", touch=True)
    tab.wait_for_selector(".js-plotly-plot .main-svg")
    for rank in (0, 3, 7):
        tab.locator(".js-plotly-plot").scroll_into_view_if_needed()
        x, y, index = tab.evaluate(OUTER_POINT_JS, rank)
        tab.touchscreen.tap(x, y)
        tab.wait_for_selector(f"text=#{index} (", timeout=20_000)
        wait_ready(tab, title="Latent scatter")
        shown = re.findall(r"#(\d+) \(", tab.locator('[data-testid="stMain"]').inner_text())
        assert shown == [str(index)], (index, shown)
    context.close()
