"""The shared charts drawn by plotly.js itself in a real browser, at a desktop column's width and a
phone's: no legend over a title or an axis title, and an overlaid axis ticks at round numbers."""

from __future__ import annotations

import numpy as np
import pytest

from harness.browser import launch, require_chromium
from ui import charts

pytestmark = pytest.mark.browser
require_chromium()

from playwright.sync_api import sync_playwright  # noqa: E402

# Boxes of what must not overlap: the title, each axis title, the legend (page pixels).
BOXES_JS = """() => {
    const box = (e) => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
    const all = (sel) => [...document.querySelectorAll(sel)].filter((e) => e.getBBox().width > 0).map(box);
    return {titles: all('.gtitle'), axes: all('.xtitle, .ytitle, .y2title'), legend: all('.legend .bg')};
}"""


def figures():
    rng = np.random.default_rng(0)
    fpr = np.linspace(0, 1, 50)
    groups = {"test digits": rng.normal(100, 10, 500), "near-blank images (a long name)": rng.normal(60, 5, 500)}
    means = rng.normal(size=(300, 8))
    return {
        "roc": charts.roc_figure(
            {"−ELBO: AUROC 0.612": (fpr, fpr**0.5), "complexity-corrected: AUROC 1.000": (fpr, fpr**0.1)},
            (0.05, 0.9),
        ),
        "histogram": charts.score_histogram(groups, 80.0, title="complexity-corrected: AUROC 1.000, a long title"),
        "marginals": charts.marginal_histograms(means, None, tuple(range(8)), [f"z{d + 1}" for d in range(8)]),
        "loss": charts.loss_curves(
            np.linspace(0, 3, 40), 200 - 30 * np.log1p(np.arange(40)), 0.44 + 8.79 * (1 - np.exp(-np.arange(40) / 5))
        ),
    }


def overlap(a, b) -> bool:
    return a[0] < b[2] - 1 and b[0] < a[2] - 1 and a[1] < b[3] - 1 and b[1] < a[3] - 1


@pytest.fixture(scope="module")
def tab():
    with sync_playwright() as p:
        browser = launch(p)
        yield browser.new_page()
        browser.close()


@pytest.mark.parametrize("width", [700, 360])
@pytest.mark.parametrize("name", ["roc", "histogram", "marginals", "loss"])
def test_no_legend_covers_a_title(tab, tmp_path, name, width):
    page = tmp_path / "figure.html"
    page.write_text(figures()[name].to_html(include_plotlyjs=True, config={"responsive": True}))
    tab.set_viewport_size({"width": width, "height": 900})
    tab.goto(page.as_uri())
    tab.wait_for_selector(".legend .bg")
    boxes = tab.evaluate(BOXES_JS)
    assert boxes["legend"], "no legend drawn"
    for legend in boxes["legend"]:
        for title in boxes["titles"] + boxes["axes"]:
            assert not overlap(legend, title), (legend, title)
        assert legend[2] <= width + 1, "the legend runs off the side"


def test_the_kl_axis_ticks_at_round_numbers(tab, tmp_path):
    """Seen on the Train page: 9.23 / 6.3 / 3.37 / 0.44, the KL axis ticked at the other axis's grid."""
    page = tmp_path / "loss.html"
    page.write_text(figures()["loss"].to_html(include_plotlyjs=True))
    tab.set_viewport_size({"width": 700, "height": 500})
    tab.goto(page.as_uri())
    tab.wait_for_selector(".y2tick")
    ticks = tab.evaluate("() => document.querySelector('.js-plotly-plot')._fullLayout.yaxis2._vals.map((t) => t.x)")
    assert len(ticks) >= 3
    steps = np.diff(ticks)
    assert np.allclose(steps, steps[0]), ticks
    mantissa = steps[0] / 10 ** np.floor(np.log10(steps[0]))
    assert any(np.isclose(mantissa, m) for m in (1, 2, 2.5, 5)), f"ticks every {steps[0]:g}: {ticks}"
    assert all(np.isclose(t / steps[0], round(t / steps[0])) for t in ticks), ticks
