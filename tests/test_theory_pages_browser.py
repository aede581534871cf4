"""Each lesson page walked as a teacher would, in a real headless Chromium against `streamlit run
app.py`; the page fixture leaves a screenshot of each in artifacts/browser/."""

from __future__ import annotations

import numpy as np
import pytest

from harness.browser import require_chromium, wait_ready

pytestmark = pytest.mark.browser
require_chromium()

from playwright.sync_api import Page  # noqa: E402

FIRST_VIEW_MS = 240_000  # a first view computes (encodings, the hole fraction); on a busy 2-core machine


def open_page(page: Page, path: str) -> None:
    page.goto(f"{page.app_url}/{path}")  # type: ignore[attr-defined]
    wait_ready(page, timeout=FIRST_VIEW_MS)


def main(page: Page):
    return page.locator('[data-testid="stMain"]')


def image_sources(page: Page) -> list[str]:
    return main(page).locator('[data-testid="stImage"] img').evaluate_all("els => els.map(e => e.src)")


def test_traversals_redraw_the_rows_when_the_steps_change(page):
    open_page(page, "traversals")
    assert main(page).locator(".js-plotly-plot").count() == 2  # KL per dimension, one per model
    before = image_sources(page)
    assert len(before) == 2
    steps = main(page).get_by_role("slider").first
    steps.focus()
    page.keyboard.press("ArrowLeft")  # 9 -> 7 steps per row
    wait_ready(page, timeout=FIRST_VIEW_MS)
    after = image_sources(page)
    assert len(after) == 2 and after[0] != before[0] and after[1] != before[1]


def test_collapse_draws_the_histories_and_offers_the_pair(page):
    open_page(page, "collapse")
    text = main(page).inner_text()
    assert "Train the pair yourself" in text
    assert main(page).get_by_role("button", name="Train both").is_enabled()
    charts = main(page).locator(".js-plotly-plot").count()
    assert charts >= 2 or "no per-dimension records" in text


@pytest.mark.slow  # a first view that computes for long (tests/support/stages.py)
def test_holes_maps_the_two_densities_and_decodes_samples_from_holes(page):
    open_page(page, "holes")
    assert main(page).locator(".js-plotly-plot").count() == 3  # log q, log p, the hole map
    assert "%" in main(page).locator('[data-testid="stMetricValue"]').first.inner_text()
    assert len(image_sources(page)) == 2
    assert main(page).locator('[data-testid="stDataFrame"]').count() == 1  # the standard/mixture comparison


@pytest.mark.slow  # a first view that computes for long (tests/support/stages.py)
def test_levels_shows_each_levels_share_and_a_new_seed_draws_other_levels(page):
    open_page(page, "levels?digit=7:0")
    text = main(page).inner_text()
    assert "Each level's share of the bound" in text and "one posterior path each" in text
    assert "z2 held at its posterior mean; z1 drawn from p(z1 | z2)" in text
    assert main(page).locator('[data-testid="stDataFrame"]').count() == 2  # the levels, the holes
    assert main(page).locator(".js-plotly-plot").count() == 2  # the top's q(z) and its prior
    before = image_sources(page)
    assert len(before) == 3
    main(page).get_by_label("Seed").fill("5")
    main(page).get_by_label("Seed").press("Enter")
    wait_ready(page, timeout=FIRST_VIEW_MS)
    after = image_sources(page)
    assert after[0] == before[0] and after[1:] != before[1:]
    assert "seed=5" in page.url


def test_compare_switches_presets_and_shows_the_classic_recipes_figures(page):
    open_page(page, "compare")
    assert len(image_sources(page)) == 6
    main(page).get_by_text("β = 1 vs β = 4", exact=True).click()
    wait_ready(page, timeout=FIRST_VIEW_MS)
    assert len(image_sources(page)) == 6
    main(page).get_by_text("The classic recipe's figures").click()
    wait_ready(page, timeout=FIRST_VIEW_MS)
    text = main(page).inner_text()
    assert "7 × 7 samples" in text and "14 × 14 decoded grid" in text


# Both latent pads on the page (each drawn in its own component's shadow root), in page order.
PADS = """[...document.querySelectorAll('[data-testid="stBidiComponentIsolated"]')]
    .map((host) => host.shadowRoot && host.shadowRoot.querySelector('.latent-pad')).filter(Boolean)"""
SPRITE_JS = (
    "() => Array.from("
    + PADS
    + "[1].querySelector('.digit canvas').getContext('2d').getImageData(0, 0, 28, 28).data)"
    + ".filter((_, i) => i % 4 === 0)"
)


def centre_of_ink(pixels: list[int]) -> tuple[float, float, float]:
    """(column, row) of the sprite's centre of mass, and its ink, from a 28 x 28 canvas's grey levels."""
    image = np.array(pixels, dtype=float).reshape(28, 28)
    rows, columns = np.mgrid[0:28, 0:28]
    ink = image.sum()
    return float((columns * image).sum() / ink), float((rows * image).sum() / ink), float(ink)


def test_disentanglement_a_drag_along_x_moves_the_sprite_sideways_only_and_asks_the_server_nothing(page):
    sent: list[object] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda frame: sent.append(frame)))
    open_page(page, "disentanglement?a=sprites-beta1&b=sprites-tcvae&pad=x-y")
    assert main(page).locator(".js-plotly-plot").count() == 2  # the two heat maps
    assert "sprites-tcvae: x on z" in main(page).inner_text()
    page.wait_for_function(f"() => {PADS}.length === 2 && {PADS}.every((p) => p.dataset.state === 'ready')")
    page.evaluate(f"() => {PADS}[1].scrollIntoView({{block: 'center'}})")  # the pads are below the fold
    box = page.evaluate(f"() => {PADS}[1].querySelector('.marker').getBoundingClientRect().toJSON()")
    cx, cy, side = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, box["width"]
    page.mouse.move(cx, cy)
    page.mouse.down()
    start = centre_of_ink(page.evaluate(SPRITE_JS))
    before = len(sent)
    for i in range(1, 41):  # along the pad's x axis only: the dimension that holds x, by 2.5 of its units
        page.mouse.move(cx + i * side / 128, cy)
    page.wait_for_timeout(200)
    end = centre_of_ink(page.evaluate(SPRITE_JS))
    during = len(sent) - before
    page.mouse.up()
    assert during == 0, f"{during} messages went to the server during the drag"
    assert abs(end[0] - start[0]) >= 3, f"the sprite's centre moved {end[0] - start[0]:.1f} px sideways"
    assert abs(end[1] - start[1]) <= 1, f"and {end[1] - start[1]:.1f} px up or down"
    assert 0.75 <= end[2] / start[2] <= 1.33, "its size stayed about the same"
