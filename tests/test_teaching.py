"""Teacher mode in a real browser: every view is a link (the same images, pixel for pixel, in a fresh
browser), the copy-link control, and a lesson walked by keyboard in presentation mode."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from harness.browser import OUTER_POINT_JS, require_chromium, wait_ready
from tests.support.stages import per_screen
from ui import lessons, registry

pytestmark = pytest.mark.browser
require_chromium()

from playwright.sync_api import Page  # noqa: E402

SHOTS = registry.PAGES_DIR.parent / "artifacts" / "lesson"
IMAGES = '[data-testid="stMain"] [data-testid="stImage"] img'


def press(key: str, times: int, nth: int = 0) -> Callable[[Page], None]:
    def act(page: Page) -> None:
        page.locator('[data-testid="stMain"]').get_by_role("slider").nth(nth).focus()
        for _ in range(times):
            page.keyboard.press(key)
            page.wait_for_timeout(150)

    return act


def click_a_point(page: Page) -> None:
    page.wait_for_selector(".js-plotly-plot")
    x, y, _ = page.evaluate(OUTER_POINT_JS, 0)
    page.mouse.move(x + 3, y)
    page.mouse.click(x, y)
    page.wait_for_selector("text=selected", timeout=20_000)


def new_seed(page: Page) -> None:
    page.locator('[data-testid="stMain"]').get_by_role("spinbutton").first.fill("5")
    page.keyboard.press("Enter")


# What a person does on each page before copying the link (the train page's form sends its values
# only when a run starts, so its link is made by a link: it must come back the same).
ACTIONS: dict[str, tuple[str, Callable[[Page], None]]] = {
    "explorer.py": ("", press("ArrowRight", 4)),
    "interpolation.py": ("interpolation?from=7:0&to=1:0", press("ArrowLeft", 3)),
    "scatter.py": ("scatter", click_a_point),
    "samples.py": ("samples", new_seed),
    "reconstruct.py": ("reconstruct?k=100", lambda page: None),
    "train.py": ("train?latent=8&beta=4&images=5000", lambda page: None),
    "lesson.py": ("lesson?step=2", press("ArrowRight", 2)),
    "anomaly.py": ("anomaly?set=near-blank&score=elbo", lambda page: None),
    "traversals.py": ("traversals?a=mnist-2d&b=mnist-32d&rows=4&steps=7", lambda page: None),
    "disentanglement.py": (
        "disentanglement?a=sprites-beta4&b=sprites-factor",
        lambda page: page.locator('[data-testid="stMain"]').get_by_text("scale and orientation").click(),
    ),
    "collapse.py": ("collapse", lambda page: None),
    "holes.py": ("holes", lambda page: None),
    "levels.py": ("levels?digit=3:2&seed=4", lambda page: None),
    "compare.py": ("compare?show=two&a=mnist-2d&b=mnist-32d&seed=3", lambda page: None),
}


@pytest.mark.parametrize("screen", per_screen())
def test_a_view_opens_again_from_its_link_pixel_for_pixel(browser, page, screen):
    path, act = ACTIONS[screen.file]
    page.goto(f"{page.app_url}/{path}")
    wait_ready(page, title=screen.heading)
    act(page)
    wait_ready(page, title=screen.heading)
    page.wait_for_timeout(300)
    link, images, text = page.url, page.locator(IMAGES).evaluate_all("els => els.map(e => e.src)"), texts(page)
    fresh = browser.new_context(viewport={"width": 1400, "height": 1000})
    again = fresh.new_page()
    again.goto(link)
    wait_ready(again, title=screen.heading)
    assert again.url == link, "opening the link changes nothing"
    assert again.locator(IMAGES).evaluate_all("els => els.map(e => e.src)") == images
    assert texts(again) == text
    fresh.close()


def texts(page: Page) -> list[str]:
    """The captions and values a view shows (a digit's index, a metric, a number input)."""
    main = page.locator('[data-testid="stMain"]')
    captions = main.locator('[data-testid="stImage"] [data-testid="stCaptionContainer"], .stImageCaption')
    inputs = main.locator("input").evaluate_all("els => els.map(e => e.value)")
    return captions.all_inner_texts() + inputs


def test_the_copy_link_control_copies_this_views_link(page):
    page.goto(f"{page.app_url}/samples")
    wait_ready(page, title="Samples from the prior")
    new_seed(page)
    wait_ready(page)
    page.get_by_role("button", name="Copy link to this view").click()
    note = page.locator("text=Copied:")
    note.wait_for()
    assert note.inner_text() == f"Copied: {page.url}" and "seed=5" in page.url


# The lesson's third whole walk (test_presentation walks it at two sizes): the second CI stage (docs/testing.md).
@pytest.mark.slow
def test_a_lesson_walked_by_keyboard_in_presentation_mode(page):
    lesson = lessons.load_all()[0][0]
    page.goto(f"{page.app_url}/lesson?present=1")
    wait_ready(page, title=lesson.steps[0].title)  # on a projector the step's title heads the page
    assert not page.locator('[data-testid="stSidebar"]').is_visible(), "no sidebar on a projector"
    SHOTS.mkdir(parents=True, exist_ok=True)
    for number, step in enumerate(lesson.steps, start=1):
        wait_ready(page, title=step.title)
        assert f"step={number}" in page.url
        page.screenshot(path=str(SHOTS / f"step-{number:02d}.png"))
        page.keyboard.press("ArrowRight")  # Page Down scrolls a step first: tests/test_presentation.py
    wait_ready(page)
    assert f"step={len(lesson.steps)}" in page.url, "past the last step it stays there"
    page.keyboard.press("ArrowLeft")
    wait_ready(page, title=lesson.steps[-2].title)
    page.get_by_role("button", name="Leave presentation mode").click()
    page.locator('[data-testid="stSidebar"]').wait_for()
