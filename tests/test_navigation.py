"""The app's navigation and maths in a real browser: every page's deep link on a fresh server, every
"maths behind it" panel rendered by KaTeX with nothing left raw, and no page wider than a phone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness.browser import FreshApps, require_chromium, wait_ready
from harness.browser import fresh_apps as fresh_apps_of
from tests.support.stages import per_screen
from ui import registry

pytestmark = pytest.mark.browser
require_chromium()

NAV_LINKS = '[data-testid="stSidebarNav"] [data-testid="stSidebarNavLink"]'

# What is left of a panel's text once KaTeX's own output is taken out: raw TeX must not remain.
TEXT_OUTSIDE_MATHS_JS = """(panel) => {
    const copy = panel.cloneNode(true);
    copy.querySelectorAll('.katex, .katex-display').forEach((k) => k.remove());
    return copy.textContent;
}"""


@pytest.fixture(scope="module")
def fresh_apps(request) -> Iterator[FreshApps]:
    """As many fresh servers as this run has deep-link tests, each started while the test before it runs
    (12 one after another took 123 s of a 2-core machine's time)."""
    wanted = sum(
        1
        for item in request.session.items
        if getattr(item, "module", None) is request.module
        and getattr(item, "originalname", "") == test_a_deep_link_is_right_as_a_fresh_servers_first_request.__name__
    )
    with fresh_apps_of(max(wanted, 1), ahead=1) as apps:
        yield apps


@pytest.mark.slow  # a server boot and a cold first view per page: the second CI stage (docs/testing.md)
@pytest.mark.parametrize("screen", registry.SCREENS, ids=lambda s: s.file)
def test_a_deep_link_is_right_as_a_fresh_servers_first_request(browser, fresh_apps, screen):
    """Streamlit runs a folder named pages/ beside the main script as a file-name app until
    st.navigation has run once; with the navigation script in ui/, the first request to any
    page's URL shows that page under the app's own navigation."""
    with fresh_apps.take() as url:
        tab = browser.new_page(viewport={"width": 1400, "height": 1000})
        tab.goto(f"{url}/{screen.url_path}")
        wait_ready(tab, title=screen.heading)
        links = tab.locator(f"{NAV_LINKS} span[label]").evaluate_all("els => els.map(e => e.getAttribute('label'))")
        current = tab.locator(f'{NAV_LINKS}[aria-current="page"] span[label]').get_attribute("label")
        tab.close()
    assert links == [s.title for s in registry.SCREENS]
    assert current == screen.title


@pytest.mark.parametrize("screen", per_screen())
def test_nothing_overflows_a_phone_screen_and_every_maths_panel_renders(page, screen):
    """One tab per page, for two checks of what it shows. First, at 390 px (a phone), nothing may make
    the page scroll sideways: the 420 px manifold once did. Then, at 1400 px, every "maths behind it"
    panel opened is rendered by KaTeX, with no error and nothing left raw."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{page.app_url}/{screen.url_path}")
    wait_ready(page, title=screen.heading)
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    wide = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid="stMain"] img, [data-testid="stMain"] canvas')]
        .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1).map((e) => e.outerHTML.slice(0, 80))"""
    )
    assert widths[0] <= widths[1], f"the page is {widths[0]} px wide on a {widths[1]} px screen"
    assert not wide, wide

    page.set_viewport_size({"width": 1400, "height": 1000})
    expanders = page.locator('[data-testid="stMain"] [data-testid="stExpander"]')
    panels = expanders.filter(has=page.locator("summary", has_text="the maths behind it"))
    assert panels.count() >= 1
    for i in range(panels.count()):
        panels.nth(i).locator("summary").click()
    page.wait_for_timeout(300)
    for i in range(panels.count()):
        panel = panels.nth(i)
        assert panel.locator(".katex").count() >= 1, "the panel shows no rendered maths"
        assert panel.locator(".katex-error").count() == 0, panel.locator(".katex-error").all_inner_texts()
        text = panel.evaluate(TEXT_OUTSIDE_MATHS_JS)
        assert "$" not in text, f"raw maths delimiters left: {text!r}"
        assert "\\" not in text, f"raw TeX left: {text!r}"


def test_an_unknown_address_gives_one_answer_and_links_every_page(page):
    """One clear answer: the app's own list of pages, and no Streamlit "Page not found" box over it;
    its links lead on."""
    page.goto(f"{page.app_url}/no-such-page")
    wait_ready(page, title="No such page")
    page.wait_for_timeout(500)  # Streamlit's box arrives with the run's first messages, if it comes
    main = page.locator('[data-testid="stMain"]')
    assert "There is no page at /no-such-page" in main.inner_text()
    links = main.locator('[data-testid="stPageLink"] [data-testid="stMarkdownContainer"]').all_inner_texts()
    assert links == [s.title for s in registry.SCREENS]
    assert page.get_by_text("Page not found").count() == 0, "Streamlit's own notice as well as the app's"
    main.locator('[data-testid="stPageLink"]').nth(2).click()
    wait_ready(page, title=registry.SCREENS[2].heading)
    page.locator(NAV_LINKS).first.click()
    wait_ready(page, title=registry.DEFAULT.heading)


def test_the_explorer_answers_at_its_name_too(page):
    """Lessons call the root page "explorer": /explorer opens it, with the link's state."""
    page.goto(f"{page.app_url}/explorer?z1=1.5")
    wait_ready(page, title=registry.DEFAULT.heading)
    main = page.locator('[data-testid="stMain"]')
    main.get_by_text("decoded at z = (1.50, 0.00)").first.wait_for()
    assert page.get_by_text("Page not found").count() == 0
    current = page.locator(f'{NAV_LINKS}[aria-current="page"] span[label]').get_attribute("label")
    assert current == registry.DEFAULT.title
    assert "z1=1.5" in page.url


def test_a_long_model_name_is_shown_whole(page):
    """A trained run's or an upload's name is longer than the sidebar's select box: the caption under
    it says it whole, and the open list is as wide as the name."""
    name = "2-d bernoulli, β 1, stopped at epoch 0.97 of 3 epochs · ab12.safetensors"
    checkpoint = (registry.PAGES_DIR.parent / "checkpoints" / "standard-2d.safetensors").read_bytes()  # the smallest
    page.goto(page.app_url)
    wait_ready(page, title=registry.DEFAULT.heading)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.locator('[data-testid="stExpander"] summary').first.click()
    sidebar.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        [{"name": name, "mimeType": "application/octet-stream", "buffer": checkpoint}]
    )
    sidebar.get_by_text(f"uploaded: {name}").wait_for()
    sidebar.locator('[data-testid="stSelectbox"]').first.click()
    option = page.get_by_role("option", name=f"uploaded: {name}")
    text = option.locator("div").first
    assert text.evaluate("(e) => e.scrollWidth <= e.clientWidth + 1"), "the option's name is cut"
    assert option.bounding_box()["x"] + option.bounding_box()["width"] <= 1400
