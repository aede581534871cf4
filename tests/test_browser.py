"""Each page walked as a person would, in a real headless Chromium against `streamlit run app.py`."""

from __future__ import annotations

import io
import re
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
from PIL import Image

from harness.browser import DATA_TO_PAGE_JS, OUTER_POINT_JS, box_select, require_chromium, wait_ready
from harness.uploads import digit_png

pytestmark = pytest.mark.browser
require_chromium()

from playwright.sync_api import Page  # noqa: E402


def open_page(page: Page, path: str = "") -> None:
    page.goto(f"{page.app_url}/{path}")  # type: ignore[attr-defined]
    wait_ready(page)


def main(page: Page):
    return page.locator('[data-testid="stMain"]')


def image_sources(page: Page) -> list[str]:
    return page.locator('[data-testid="stMain"] [data-testid="stImage"] img').evaluate_all("els => els.map(e => e.src)")


def test_explorer_slider_key_press_redraws_the_digit(page):
    open_page(page)
    before = image_sources(page)
    main(page).get_by_role("slider").first.focus()
    for _ in range(10):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(
        '(old) => { const img = document.querySelector(\'[data-testid="stMain"] [data-testid="stImage"] img\');'
        " return img && img.src !== old; }",
        arg=before[0],
        timeout=10_000,
    )
    wait_ready(page)
    assert "z = (1.00, 0.00)" in page.locator('[data-testid="stMain"]').inner_text()


def test_interpolation_strip_follows_the_steps_slider(page):
    open_page(page, "interpolation")
    before = image_sources(page)
    assert curve_lengths(page) == {"linear": 10, "spherical": 10}
    steps = main(page).get_by_role("slider").first
    steps.focus()
    page.keyboard.press("ArrowLeft")
    wait_ready(page)
    assert image_sources(page)[:2] != before[:2]
    assert curve_lengths(page) == {"linear": 9, "spherical": 9}  # the -ELBO chart follows the strips
    with page.expect_download() as download:
        page.get_by_role("button", name="linear walk (GIF)").click()
    assert download.value.suggested_filename == "interpolation-linear.gif"


# Each curve of the page's SVG chart (ui.svg) that the browser lays out with some size: its name and number of points.
CURVES_JS = """() => Object.fromEntries([...document.querySelectorAll('svg.svg-chart g.series')]
  .filter((g) => g.getBoundingClientRect().width > 100)
  .map((g) => [g.dataset.name, g.querySelector('polyline').points.numberOfItems]))"""


def curve_lengths(page: Page) -> dict[str, int]:
    return page.evaluate(CURVES_JS)


def click_outermost_point(page: Page) -> int:
    """Click the point farthest from the origin (nothing drawn over it) at the pixel position plotly
    itself computes; returns the test index of that point."""
    x, y, index = page.evaluate(OUTER_POINT_JS, 0)
    page.mouse.move(x + 3, y)
    page.mouse.click(x, y)
    return int(index)


def test_scatter_click_shows_the_digit(page):
    open_page(page, "scatter")
    page.wait_for_selector(".js-plotly-plot")
    page.wait_for_timeout(500)
    index = click_outermost_point(page)
    page.wait_for_selector("text=selected", timeout=15_000)
    wait_ready(page)
    assert f"#{index} (" in main(page).inner_text()
    assert len(image_sources(page)) == 2  # the digit and its reconstruction


# How many digits of each class shown lie in the box [xa, xb] x [ya, yb], as the chart has them.
CLASSES_IN_BOX_JS = """([xa, xb, ya, yb]) => Object.fromEntries(document.querySelector('.js-plotly-plot')._fullData
    .filter((t) => t.meta === 'test digits' && t.visible === true)
    .map((t) => [t.name, [...t.x.keys()]
        .filter((i) => t.x[i] >= xa && t.x[i] <= xb && t.y[i] >= ya && t.y[i] <= yb).length]))"""

# Each class's trace on the scatter and whether it is shown (true) or hidden by its key ('legendonly').
CLASSES_SHOWN_JS = """() => Object.fromEntries(document.querySelector('.js-plotly-plot')._fullData
    .filter((t) => t.meta === 'test digits').map((t) => [t.name, t.visible]))"""


def class_key(page: Page, name: str):
    """The clickable part of a class's entry in the scatter's key (plotly's second legend, legend2)."""
    entry = page.locator(".js-plotly-plot g.traces").filter(
        has=page.locator("text.legend2text", has_text=re.compile(f"^{name}$"))
    )
    return entry.locator("rect.legend2toggle")


def test_a_class_hidden_from_the_key_is_left_out_of_a_box_and_a_double_click_isolates_one(page):
    """Click a class in the key: its points go; a box drawn then selects none of its digits, and the
    class stays hidden when the page draws the selection. A double-click shows one class alone."""
    open_page(page, "scatter")
    page.wait_for_selector(".js-plotly-plot")
    box = [-0.6, 1.4, -0.6, 1.4]
    everything = page.evaluate(CLASSES_IN_BOX_JS, box)
    assert everything["6"] > 0 and sum(everything.values()) > everything["6"], everything
    class_key(page, "6").click()
    page.wait_for_function("() => document.querySelector('.js-plotly-plot')._fullData[6].visible === 'legendonly'")
    shown = page.evaluate(CLASSES_SHOWN_JS)
    assert shown == {str(c): "legendonly" if c == 6 else True for c in range(10)}, shown
    assert "6" not in page.evaluate(CLASSES_IN_BOX_JS, box)

    box_select(page, (box[0], box[2]), (box[1], box[3]))
    selection = parse_qs(urlparse(page.url).query)["sel"][0]
    assert selection.startswith("box:") and selection.endswith(";hidden:6"), selection
    assert page.evaluate(CLASSES_SHOWN_JS)["6"] == "legendonly", "the class stays hidden after the rerun"
    x0, x1, y0, y1 = map(float, selection.removeprefix("box:").removesuffix(";hidden:6").split(","))
    visible = page.evaluate(CLASSES_IN_BOX_JS, [min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)])
    text = main(page).inner_text()
    assert f"{sum(visible.values()):,} selected" in text
    classes = re.findall(r"#\d+ \((\w+)\)", text)
    assert len(classes) == 24 and "6" not in classes, classes

    class_key(page, "3").dblclick()
    page.wait_for_function("() => document.querySelector('.js-plotly-plot')._fullData[0].visible === 'legendonly'")
    assert page.evaluate(CLASSES_SHOWN_JS) == {str(c): True if c == 3 else "legendonly" for c in range(10)}


def test_a_box_selection_counts_every_point_it_holds(page):
    """The count was taken after the list was cut to the 24 shown (982 selected read as 24)."""
    open_page(page, "scatter")
    page.wait_for_selector(".js-plotly-plot")
    box_select(page, (-0.6, -0.6), (1.4, 1.4))
    # The box as the page keeps it (in its link, in data units): count the points inside it here.
    box = parse_qs(urlparse(page.url).query)["sel"][0]
    assert box.startswith("box:")
    x0, x1, y0, y1 = map(float, box.removeprefix("box:").split(","))
    inside = sum(page.evaluate(CLASSES_IN_BOX_JS, [min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)]).values())
    assert inside > 24
    shown = re.search(r"[\d,]+ selected.*shown\)", main(page).inner_text())
    assert shown and shown.group(0) == f"{inside:,} selected (first 24 shown)", shown
    assert len(image_sources(page)) == 48  # the 24 digits shown and their reconstructions


def test_reconstruct_upload_and_bad_file(page):
    open_page(page, "reconstruct")
    main(page).locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        [
            {"name": "two.png", "mimeType": "image/png", "buffer": digit_png(1, size=140)},
            {"name": "broken.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\n broken"},
        ]
    )
    page.wait_for_selector("text=-ELBO (nats)", timeout=30_000)
    wait_ready(page)
    text = page.locator('[data-testid="stMain"]').inner_text()
    assert "reconstruction" in text and "of test digits" in text
    assert "broken.png" in page.locator('[data-testid="stAlertContentError"]').inner_text()
    # The star that marks where it lands is drawn on top of the 10,000 WebGL points (it was an SVG
    # trace under them, invisible): gold pixels at its position in the first chart.
    star = page.evaluate(
        """() => { const gd = document.querySelectorAll('.js-plotly-plot')[0];
        const t = gd._fullData.find((d) => d.name === 'two.png'); return [t.type, t.x[0], t.y[0]]; }"""
    )
    assert star[0] == "scattergl"
    page.locator(".js-plotly-plot").first.scroll_into_view_if_needed()  # the chart may start below the fold
    x, y = page.evaluate(DATA_TO_PAGE_JS, [0, star[1], star[2]])
    shot = Image.open(io.BytesIO(page.screenshot(clip={"x": x - 6, "y": y - 6, "width": 12, "height": 12})))
    pixels = np.asarray(shot.convert("RGB")).reshape(-1, 3).astype(int)
    gold = (pixels[:, 0] > 200) & (pixels[:, 1] > 150) & (pixels[:, 2] < 90)
    assert gold.sum() >= 20, "the star is not visible"


def test_reconstruct_draw_a_digit(page):
    open_page(page, "reconstruct")
    page.get_by_role("tab", name="Draw a digit").click()
    canvas = page.locator("canvas[aria-label='drawing pad']")
    canvas.wait_for()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 140, box["y"] + 40)
    page.mouse.down()
    for y in range(40, 250, 15):  # a "1": one vertical stroke
        page.mouse.move(box["x"] + 140, box["y"] + y)
    page.mouse.up()
    page.wait_for_selector("text=your drawing", timeout=30_000)
    page.wait_for_selector("text=-ELBO (nats)", timeout=30_000)
    wait_ready(page)
    # The newest result sits beside the pad that made it, not below earlier uploads.
    beside = page.get_by_text("as the model sees it")
    assert beside.is_visible()
    assert abs(beside.bounding_box()["y"] - box["y"]) < 300 and beside.bounding_box()["x"] > box["x"] + box["width"]


def test_explore_from_here_opens_the_explorer_at_an_uploaded_digits_code(page):
    open_page(page, "reconstruct")
    main(page).locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        [{"name": "two.png", "mimeType": "image/png", "buffer": digit_png(1, size=140)}]
    )
    page.wait_for_selector("text=-ELBO (nats)", timeout=30_000)
    wait_ready(page)
    mean = page.evaluate(  # the star on the 2-D model's latent plane: the posterior mean itself
        """() => { const gd = document.querySelectorAll('.js-plotly-plot')[0];
        const t = gd._fullData.find((d) => d.name === 'two.png'); return [t.x[0], t.y[0]]; }"""
    )
    main(page).get_by_role("button", name="Explore from here").click()
    page.wait_for_function("() => document.body.innerText.includes('decoded at z =')", timeout=30_000)
    wait_ready(page)
    z = [round(v, 2) for v in mean]
    assert f"decoded at z = ({z[0]:.2f}, {z[1]:.2f})" in main(page).inner_text()
    query = parse_qs(urlparse(page.url).query)
    assert [float(query["z1"][0]), float(query["z2"][0])] == z, "and the link says so"


@pytest.mark.slow  # the anomaly page's first view (tests/support/stages.py)
def test_anomaly_upload_is_scored_marked_and_judged(page):
    open_page(page, "anomaly")
    assert "Every set, every score: AUROC" in main(page).inner_text()
    main(page).locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        [
            {"name": "two.png", "mimeType": "image/png", "buffer": digit_png(1, size=140)},
            {"name": "square.png", "mimeType": "image/png", "buffer": filled_square_png()},
            {"name": "broken.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\n broken"},
        ]
    )
    page.wait_for_selector("text=square.png: −ELBO", timeout=60_000)
    wait_ready(page)
    text = main(page).inner_text()
    assert re.search(r"two\.png: −ELBO = [\d.]+ nats, not above the threshold [\d.]+: typical", text), text
    assert re.search(r"square\.png: −ELBO = [\d.]+ nats, above the threshold [\d.]+: anomalous", text), text
    assert "broken.png" in page.locator('[data-testid="stAlertContentError"]').inner_text()
    histogram = page.locator(".js-plotly-plot").first
    assert histogram.locator("text=two.png").count() == 1 and histogram.locator("text=square.png").count() == 1


def filled_square_png() -> bytes:
    """A filled black square on white: an image nothing like a digit."""
    square = Image.new("L", (120, 120), 255)
    square.paste(0, (30, 30, 90, 90))
    buffer = io.BytesIO()
    square.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.slow  # a real training: the second CI stage (docs/testing.md)
def test_train_shows_moving_curves_and_stops(page):
    open_page(page, "train")
    page.get_by_role("button", name="Start training").click()
    progress = page.locator('[data-testid="stProgress"]')
    progress.wait_for(timeout=30_000)
    first = progress.inner_text()
    page.wait_for_function(
        "(old) => { const p = document.querySelector('[data-testid=\"stProgress\"]');"
        " return p && p.innerText !== old; }",
        arg=first,
        timeout=30_000,
    )
    page.wait_for_selector("text=Training loss", timeout=30_000)
    page.get_by_role("button", name="Stop").click()
    page.wait_for_selector("text=stopped early", timeout=30_000)
    wait_ready(page)


def test_samples_seed_changes_the_grid(page):
    open_page(page, "samples")
    before = image_sources(page)
    main(page).get_by_role("spinbutton").first.fill("5")
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    wait_ready(page)
    assert image_sources(page) != before
