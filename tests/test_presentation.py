"""The lesson on a projector, in a real browser: every step of the default lesson shows each chart whole
(axes, legend, colour bar inside the screen and inside its slot) and no table wider than its frame, at
1920 x 1080, 1280 x 720 and 1024 x 768; a clicker's keys scroll a step, change it and blank the
screen; hidden controls leave nothing behind; a view can open the drawing tab; and on a phone the
step controls stay on one row. One app, one browser, one tab for the module."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from harness.browser import CHARTS_DRAWN_JS, require_chromium, wait_ready
from ui import lessons

pytestmark = pytest.mark.browser
require_chromium()

from playwright.sync_api import Page  # noqa: E402

LESSON = lessons.default()
SIZES = [(1920, 1080), (1280, 720), (1024, 768)]
MAIN = '[data-testid="stMain"]'
SCROLL_TOP = f"() => document.querySelector('{MAIN}').scrollTop"

# What sticks out: each chart's drawing, tick labels, axis titles, legend and colour bar must lie inside
# the screen's width and inside the chart's own slot; a table must not be wider than the screen nor
# scroll sideways inside its frame. Returns [charts measured, tables measured, problems...].
MEASURE = """() => {
    const width = document.documentElement.clientWidth, problems = [];
    const box = (el) => el.getBoundingClientRect();
    const name = (el) => (el.getAttribute('class') || el.tagName).split(' ')[0];
    const charts = document.querySelectorAll('[data-testid="stMain"] .js-plotly-plot');
    charts.forEach((plot, n) => {
        const slot = box(plot.closest('[data-testid="stElementContainer"]') || plot.parentElement);
        const parts = plot.querySelectorAll(
            '.main-svg, .xtick text, .ytick text, .g-xtitle, .g-ytitle, .legend, .colorbar, .gtitle');
        for (const part of parts) {
            const r = box(part);
            if (r.width === 0 && r.height === 0) continue;
            const where = `chart ${n}: ${name(part)} spans ${Math.round(r.left)}..${Math.round(r.right)}`;
            if (r.left < -0.5 || r.right > width + 0.5) problems.push(`${where}, the screen 0..${width}`);
            else if (r.left < slot.left - 1 || r.right > slot.right + 1)
                problems.push(`${where}, its slot ${Math.round(slot.left)}..${Math.round(slot.right)}`);
        }
    });
    const drawings = document.querySelectorAll('[data-testid="stMain"] svg.svg-chart');  // ui/svg.py's charts
    drawings.forEach((chart, n) => {
        const r = box(chart), slot = box(chart.closest('[data-testid="stElementContainer"]'));
        const where = `SVG chart ${n} spans ${Math.round(r.left)}..${Math.round(r.right)}`;
        if (r.width < 200) problems.push(`SVG chart ${n} is only ${Math.round(r.width)} px wide`);
        else if (r.left < -0.5 || r.right > width + 0.5) problems.push(`${where}, the screen 0..${width}`);
        else if (r.left < slot.left - 1 || r.right > slot.right + 1)
            problems.push(`${where}, its slot ${Math.round(slot.left)}..${Math.round(slot.right)}`);
    });
    const tables = document.querySelectorAll(
        '[data-testid="stMain"] [data-testid="stDataFrame"], [data-testid="stMain"] [data-testid="stTable"]');
    tables.forEach((table, n) => {
        if (box(table).right > width + 0.5) problems.push(`table ${n} ends at ${Math.round(box(table).right)}`);
        const scrollers = [table, ...table.querySelectorAll('*')].filter(
            (el) => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX));
        for (const el of scrollers)
            if (el.scrollWidth > el.clientWidth + 1)
                problems.push(`table ${n}: ${el.scrollWidth} px wide in a ${el.clientWidth} px frame`);
    });
    return [charts.length + drawings.length, tables.length, ...problems];
}"""


@pytest.fixture(scope="module")
def projector(browser, app_url) -> Iterator[Page]:
    """One tab for the whole module (a fresh one per test would load every model's figures again)."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    tab = context.new_page()
    tab.app_url = app_url
    yield tab
    context.close()


def open_step(page: Page, number: int, present: bool = True) -> None:
    page.goto(f"{page.app_url}/lesson?{'present=1&' if present else ''}step={number}")
    ready(page, number, present)


def ready(page: Page, number: int, present: bool = True) -> None:
    """Step ``number`` (from 1) is on screen, its charts drawn (presenting, its title heads the page)."""
    wait_ready(page, timeout=180_000, title=LESSON.steps[number - 1].title if present else None)
    page.wait_for_function(CHARTS_DRAWN_JS, timeout=60_000)
    assert not page.locator('[data-testid="stException"]').count(), page.locator('[data-testid="stException"]')


def title(page: Page) -> str:
    return page.locator(f"{MAIN} h1").first.inner_text().strip()


# The two projector sizes the brief names run in the main stage; 1024 x 768 (an old projector) in the slow one.
@pytest.mark.parametrize(
    "size",
    [pytest.param(size, marks=[pytest.mark.slow] if size == (1024, 768) else []) for size in SIZES],
    ids=[f"{w}x{h}" for w, h in SIZES],
)
def test_every_step_shows_its_charts_and_tables_whole(projector: Page, size: tuple[int, int]) -> None:
    projector.set_viewport_size({"width": size[0], "height": size[1]})
    open_step(projector, 1)
    problems: list[str] = []
    charts = tables = 0
    for number in range(1, len(LESSON.steps) + 1):
        if number > 1:
            projector.keyboard.press("ArrowRight")
            ready(projector, number)
        assert title(projector) == LESSON.steps[number - 1].title
        n_charts, n_tables, *found = projector.evaluate(MEASURE)
        charts, tables = charts + n_charts, tables + n_tables
        problems += [f"step {number}: {problem}" for problem in found]
    assert charts >= 10 and tables >= 3, "the lesson's charts and tables were measured"
    assert not problems, "\n".join(problems)


def test_a_clicker_scrolls_a_step_before_it_moves_on(projector: Page) -> None:
    projector.set_viewport_size({"width": 1280, "height": 720})
    open_step(projector, 7)  # the traversals: several screens tall
    assert projector.evaluate(SCROLL_TOP) == 0
    projector.keyboard.press("PageDown")
    projector.wait_for_timeout(300)
    assert title(projector) == LESSON.steps[6].title and projector.evaluate(SCROLL_TOP) > 300
    for _ in range(120):  # to the bottom, then on to the next step, pressing faster than a step loads
        projector.keyboard.press("PageDown")
        projector.wait_for_timeout(50)
        if title(projector) == LESSON.steps[7].title:
            break
    ready(projector, 8)
    assert title(projector) == LESSON.steps[7].title, "Page Down at a step's bottom moves on, one step only"
    assert projector.evaluate(SCROLL_TOP) == 0, "a new step opens at its top"
    projector.keyboard.press("PageDown")
    projector.wait_for_timeout(300)
    assert projector.evaluate(SCROLL_TOP) > 0
    projector.keyboard.press("PageUp")
    projector.wait_for_timeout(300)
    assert projector.evaluate(SCROLL_TOP) == 0 and title(projector) == LESSON.steps[7].title
    projector.keyboard.press("PageUp")  # at the top: back a step, opened at its top
    ready(projector, 7)
    assert title(projector) == LESSON.steps[6].title and projector.evaluate(SCROLL_TOP) == 0
    projector.keyboard.press("PageDown")
    projector.wait_for_timeout(300)
    projector.keyboard.press("ArrowRight")  # Right moves on from anywhere in a step
    ready(projector, 8)
    assert title(projector) == LESSON.steps[7].title and projector.evaluate(SCROLL_TOP) == 0


def test_b_or_full_stop_blanks_the_screen_and_brings_it_back(projector: Page) -> None:
    projector.set_viewport_size({"width": 1280, "height": 720})
    open_step(projector, 3)
    blank = projector.locator("#vae-blank-screen")
    projector.keyboard.press("b")
    box = blank.bounding_box()
    assert box is not None and box["width"] >= 1280 and box["height"] >= 720
    projector.keyboard.press("ArrowRight")  # while blank, a moving key only brings the screen back
    blank.wait_for(state="detached")
    projector.wait_for_timeout(500)
    assert title(projector) == LESSON.steps[2].title
    projector.keyboard.press(".")
    blank.wait_for(state="visible")
    projector.keyboard.press(".")
    blank.wait_for(state="detached")


def test_hidden_controls_leave_no_trace(projector: Page) -> None:
    projector.set_viewport_size({"width": 1920, "height": 1080})
    open_step(projector, 1)  # samples, showing only the seed: it starts at the column's left edge
    seed, rule = projector.locator(".st-key-samples_seed"), projector.locator(f"{MAIN} hr").first
    assert abs(seed.bounding_box()["x"] - rule.bounding_box()["x"]) < 2, "no floating Seed box"
    open_step(projector, 7)  # traversals, showing only the rows: no presets, no model pickers
    main = projector.locator(MAIN)
    assert not main.get_by_text("Presets", exact=True).is_visible()
    assert not main.get_by_text("Model A", exact=True).is_visible()
    open_step(projector, 2, present=False)  # the explorer's grid controls are hidden, their heading too
    sidebar = projector.locator('[data-testid="stSidebar"]')
    sidebar.wait_for()
    assert not sidebar.get_by_role("heading", name="Grid").is_visible()


def test_a_step_can_open_the_drawing_tab(projector: Page) -> None:
    projector.set_viewport_size({"width": 1280, "height": 720})
    open_step(projector, next(n for n, step in enumerate(LESSON.steps, 1) if step.screen.file == "reconstruct.py"))
    selected = projector.locator(f'{MAIN} [role="tab"][aria-selected="true"]')
    assert selected.inner_text().strip() == "Draw a digit"
    assert "input=draw" in projector.url


def test_the_step_controls_stay_on_one_row_on_a_phone(browser: Any, app_url: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    phone = context.new_page()
    phone.goto(f"{app_url}/lesson?step=3")
    wait_ready(phone, timeout=180_000)
    controls = (".st-key-lesson_back button", f"{MAIN} [data-testid='stProgress']", ".st-key-lesson_next button")
    boxes = [phone.locator(selector).bounding_box() for selector in controls]
    context.close()
    back, progress, forward = boxes
    middles = [box["y"] + box["height"] / 2 for box in boxes]
    assert max(middles) - min(middles) < 20, f"one row: {boxes}"
    assert back["x"] + back["width"] <= progress["x"] and progress["x"] + progress["width"] <= forward["x"]
    assert forward["x"] + forward["width"] <= 390
