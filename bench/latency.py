"""Interactive latency in a real headless Chromium: python -m bench.latency

``--quick`` (CI: proves it runs, in about a minute) takes a few of each interactive action and two cold
starts, and leaves out the anomaly and lesson pages' first views (minutes: they score 12,000 images).

Medians over repeated actions, timed in the page itself (performance.now) from the input event to
the moment the new content is in the DOM and its image has loaded:
- slider key press -> the new decoded image shown (explorer page)
- scatter click -> the clicked digit shown (scatter page)
- page switch -> the page ready (sidebar navigation), over all the Explore pages and for each (with the elements in
  its main area once ready: what the browser built); in the
  same run the floor, switches between the two pages of a minimal app, one a heading and the other the
  latent scatter's chart with 10,000 points (harness/floor_pages.py); ``--switches-to TITLE`` measures only
  switches from the explorer to one page and back (``--switch-rounds`` each way), for before/after runs
- cold start -> first page ready (a fresh `streamlit run`, from process start), with an empty browser
  cache and with Streamlit's JavaScript already cached; in the same run the floor, a minimal Streamlit
  app that shows one image (harness/floor_app.py), started the same way, and the ratio of the two;
  for both, when the server answered its health check and when the page showed its first heading,
  and for the app when the explorer's latent pad was drawn and draggable (what a person waits for;
  the page's grid and server-side image come after), as a ratio to the floor's page ready too, with the
  cache empty and warm. The app's starts and the floor's alternate, ``--start-rounds`` rounds of one
  empty-cache start and ``--cold-starts`` warm ones each
- ``--first-view ROUNDS`` (and one round in ``--quick``): the ceiling of a first view drawn with no torch in
  its path (harness/first_view.py, the explorer's pad from files on disk), with the app's warm-up at server
  start and after the first view, alternating with the floor, each as a ratio to the floor's page ready
- ``--first-visits N`` (and one in ``--quick``): a student's first visit to a server already running, a new
  browser context each (nothing cached), from the request to the explorer's latent pad drawn and draggable and
  to its first slider shown; over loopback and over a network Chromium emulates at ``--network-mbit`` (50 Mbit/s
  each way, 20 ms latency: a classroom's Wi-Fi), alternating (``--first-visits-only`` measures just these)
- the anomaly page: its first view on a fresh server with nothing cached (it scores 12,000 images),
  again after a restart (its scores come back from Streamlit's disk cache), and page switches to it
  and away from it once its scores are cached (``--anomaly-only`` measures just these)
- the lesson pages (the Theory section): each one's first view (sidebar click from the explorer on a
  fresh server, with an empty disk cache and again with the disk cache the first server left), and page switches among
  them once cached (python -m bench.latency --lessons-only runs just these; add --page FILE for one page)
- ``--lesson-walk SECONDS``: only a teacher's first walk through the default lesson on a fresh install
  (presenting at 1920 x 1080, the disk cache empty), SECONDS on each step: each step's wait for its figures

Page readiness is the moment the page became ready (title shown, Streamlit idle, images loaded),
confirmed 600 ms later; harness.browser.wait_ready returns that moment, not the end of the check.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

from playwright.sync_api import Browser, Page, sync_playwright

from harness import first_view, floor_app, floor_pages
from harness.browser import (
    CHARTS_DRAWN_JS,
    NEW_IMAGE_JS,
    OUTER_POINT_JS,
    PAD_READY_JS,
    SIGNATURE_JS,
    free_port,
    launch,
    running_app,
    running_server,
    wait_ready,
)
from ui import lessons, registry


def slider_latencies(page: Page, url: str, presses: int) -> list[float]:
    page.goto(url)
    wait_ready(page)
    slider = page.locator('[data-testid="stMain"]').get_by_role("slider").first
    slider.focus()
    times = []
    for i in range(presses):
        old = page.evaluate(SIGNATURE_JS)
        t0 = page.evaluate("performance.now()")
        page.keyboard.press("ArrowRight" if (i // 20) % 2 == 0 else "ArrowLeft")
        times.append(page.evaluate(NEW_IMAGE_JS, [old, t0]))
        page.wait_for_timeout(50)  # a person does not press faster than this
    return times


def scatter_latencies(page: Page, url: str, clicks: int) -> list[float]:
    page.goto(f"{url}/scatter")
    wait_ready(page)
    times = []
    for i in range(clicks):
        x, y, index = page.evaluate(OUTER_POINT_JS, i % 15)
        page.mouse.move(x + 2, y)
        t0 = page.evaluate("performance.now()")
        page.mouse.click(x, y)
        times.append(
            page.evaluate(
                """([index, t0]) => new Promise((resolve) => {
            const check = () => {
                const main = document.querySelector('[data-testid="stMain"]');
                const img = main.querySelector('[data-testid="stImage"] img');
                const now = performance.now() - t0;
                if (main.innerText.includes('#' + index + ' (') && img && img.complete) resolve(now);
                else if (now > 15000) resolve(-1);
                else requestAnimationFrame(check);
            };
            check();
        })""",
                [index, t0],
            )
        )
        page.wait_for_timeout(200)
        page.keyboard.press("Escape")
    return times


def page_switch_latencies(page: Page, url: str, rounds: int, section: str = "Explore") -> list[float]:
    return [switch.ms for switch in page_switches(page, url, rounds, section)]


def page_switches(page: Page, url: str, rounds: int, section: str = "Explore") -> list[Switch]:
    """``rounds`` sidebar switches among the section's pages in turn."""
    screens = [s for s in registry.SCREENS if s.section == section]
    screens = screens[1:] + screens[:1]  # start by leaving the page we are on
    return switches(page, url, [(s.title, s.heading) for s in screens], rounds)


# When the next press reached the page (the event's own time stamp, epoch ms), kept in window.__inputAt.
ARM_INPUT_JS = """() => { window.__inputAt = null; addEventListener('pointerdown',
    (e) => { window.__inputAt = performance.timeOrigin + e.timeStamp; }, {capture: true, once: true}); }"""


class Switch(NamedTuple):
    title: str
    ms: float  # from the press reaching the page to the new page ready, as the slider and scatter times are
    lead_ms: float  # before that: Playwright's checks that the link is visible and still, then its events
    elements: int  # in the page's main area once ready: what the browser built for it


ELEMENTS_JS = """() => document.querySelectorAll('[data-testid="stMain"] *').length"""


def switches(page: Page, url: str, pages: list[tuple[str, str]], rounds: int) -> list[Switch]:
    """Open ``url``, then click each (title, heading) of ``pages`` in the sidebar in turn, ``rounds`` clicks."""
    page.goto(url)
    wait_ready(page)
    times = []
    for i in range(rounds):
        title, heading = pages[i % len(pages)]
        page.evaluate(ARM_INPUT_JS)
        called = time.time() * 1000
        page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()
        ready = wait_ready(page, title=heading)
        pressed = page.evaluate("window.__inputAt")
        times.append(Switch(title, ready - pressed, pressed - called, page.evaluate(ELEMENTS_JS)))
    return times


def switch_floor(browser: Browser, rounds: int) -> dict[str, dict[str, float]]:
    """Page switches in the floor app (harness/floor_pages.py), to each of its two pages."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    with running_server(script="harness/floor_pages.py") as server:
        found = switches(page, server.url, [(h, h) for h in reversed(floor_pages.HEADINGS)], rounds)
    page.close()
    return {f"floor: {name}": times for name, times in per_page(found).items()}


def lesson_latencies(browser: Browser, switches: int = 8, only: str | None = None) -> dict[str, dict[str, float]]:
    """Each lesson page's first view, by a sidebar click from the ready explorer, so the time is the
    page's own work (loading its models, encoding the test set, the hole fraction, ...): first on a
    fresh server whose disk cache is empty too (HOME is a new folder, where Streamlit keeps it),
    then on a second fresh server that finds the first one's disk cache (as after a restart: the
    encodings and hole fractions are kept on disk). On the first server, ``switches`` page switches
    among the lesson pages follow, their analyses now cached per model. ``only``: one page's file
    (its first views, no switches)."""
    lessons = [s for s in registry.SCREENS if s.section == "Theory" and only in (None, s.file)]
    results = {}
    with tempfile.TemporaryDirectory() as home:
        for disk in ("empty disk cache", "disk cache kept"):
            with running_app(env={"HOME": home}) as url:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(url)
                wait_ready(page, title=registry.DEFAULT.heading)
                for screen in lessons:
                    t0 = time.time() * 1000
                    page.locator('[data-testid="stSidebarNav"]').get_by_text(screen.title, exact=True).click()
                    ready = wait_ready(page, title=screen.heading, timeout=600_000)
                    results[f"first view -> ready, {disk}: {screen.title}"] = summary([ready - t0])
                if disk == "empty disk cache" and only is None:
                    times = page_switch_latencies(page, url, switches, "Theory")
                    results["lesson page switch -> ready"] = summary(times)
                page.close()
    return results


def lesson_walk(browser: Browser, dwell_s: float) -> dict[str, dict[str, float]]:
    """A teacher's first walk through the default lesson on a fresh install: a fresh server whose disk cache is
    empty (HOME a new folder), presenting at 1920 x 1080, Right pressed ``dwell_s`` seconds after each step is
    ready (its charts drawn), as a teacher talks over each step. Each step's wait, from the key (the first
    step's from opening its link), and the sum."""
    lesson = lessons.default()
    waits = {}
    with tempfile.TemporaryDirectory() as home, running_app(env={"HOME": home}) as url:
        page = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
        for number, step in enumerate(lesson.steps, 1):
            t0 = time.time() * 1000
            if number == 1:
                page.goto(f"{url}/lesson?present=1&step=1")
            else:
                page.keyboard.press("ArrowRight")
            wait_ready(page, title=step.title, timeout=600_000)
            page.wait_for_function(CHARTS_DRAWN_JS, timeout=60_000)
            waits[f"lesson walk: step {number} ({step.title}) ready"] = summary([time.time() * 1000 - t0])
            page.wait_for_timeout(dwell_s * 1000)
        page.context.close()
    total = sum(w["median_ms"] for w in waits.values())
    return waits | {"lesson walk: all the steps' waits": summary([total])}


USABLE = "the latent pad drawn and draggable"
EMPTY = ", empty browser cache"  # after a phase's name: the same phase in a start with nothing cached


def cold_start(
    browser: Browser,
    runs: int,
    script: str = "app.py",
    heading: str = registry.DEFAULT.heading,
    phases: dict[str, list[float]] | None = None,
    usable: str | None = None,
    env: dict[str, str] | None = None,
) -> tuple[float, list[float]]:
    """From launching `streamlit run app.py` (or ``script``) to the first page ready, in a browser tab that
    is already open and asks as soon as the server answers its health check (a person is slower). The
    first run uses an empty browser cache; the others restart the server on the same port, so the browser
    has Streamlit's JavaScript cached, as when a teacher restarts the app. Returns (first, the others).
    Into ``phases``, for the others: when the server answered its health check, when the page showed its
    first heading and, with ``usable`` (a JavaScript expression), when that became true, from launch (ms):
    where a start's time goes; the first run's under the same names with EMPTY after them. ``env``: more
    environment for the server."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    port, times = free_port(), []
    for run in range(runs):
        page = context.new_page()
        t0 = time.time() * 1000
        with running_server(port, script=script, env=env) as server:
            found = {"health check answered": time.time() * 1000 - t0}
            page.goto(server.url, wait_until="commit")  # not "load": the clock must not wait on the load event
            page.wait_for_selector('[data-testid="stMain"] h1', timeout=60_000)
            found["first heading shown"] = time.time() * 1000 - t0
            if usable:
                page.wait_for_function(f"() => {usable}", timeout=60_000, polling=5)
                found[USABLE] = time.time() * 1000 - t0
            times.append(wait_ready(page, title=heading) - t0)
        if phases is not None:
            for phase, at in found.items():
                phases.setdefault(phase + (EMPTY if run == 0 else ""), []).append(at)
        page.close()
    context.close()
    return times[0], times[1:]


def cold_starts(browser: Browser, rounds: int, warm_starts: int) -> dict[str, dict[str, float]]:
    """The app's cold starts and the floor's (harness/floor_app.py), alternating: ``rounds`` rounds, each
    one start of the app with an empty browser cache and ``warm_starts`` with Streamlit's JavaScript
    cached, then as many of the floor, so that a slow spell of the machine hits both. Each phase and
    the ratio of the pad drawn and draggable to the floor's page ready, with the cache warm and empty."""
    app: dict[str, list[float]] = {}
    floor: dict[str, list[float]] = {}
    ready = {"app": [], "app" + EMPTY: [], "floor": [], "floor" + EMPTY: []}
    for _ in range(rounds):
        fresh, cached = cold_start(browser, warm_starts + 1, phases=app, usable=PAD_READY_JS)
        ready["app" + EMPTY].append(fresh)
        ready["app"] += cached
        fresh, cached = cold_start(browser, warm_starts + 1, "harness/floor_app.py", floor_app.HEADING, floor)
        ready["floor" + EMPTY].append(fresh)
        ready["floor"] += cached
    results = {}
    for cache in ("", EMPTY):
        label = EMPTY.lstrip(", ") if cache else "browser cache warm"
        for phase in ("health check answered", "first heading shown", USABLE):
            results[f"cold start, {label}: {phase}"] = summary(app[phase + cache])
            if phase + cache in floor:
                results[f"floor: cold start, {label}: {phase}"] = summary(floor[phase + cache])
        results[f"cold start -> first page ready, {label}"] = summary(ready["app" + cache])
        results[f"floor: a one-image Streamlit app's cold start, {label}"] = summary(ready["floor" + cache])
    median = statistics.median
    results["cold start / floor (medians), empty browser cache / warm"] = {
        "empty": round(median(ready["app" + EMPTY]) / median(ready["floor" + EMPTY]), 2),
        "warm": round(median(ready["app"]) / median(ready["floor"]), 2),
    }
    results[f"cold start -> {USABLE} / floor's page ready (medians)"] = {
        "empty": round(median(app[USABLE + EMPTY]) / median(ready["floor" + EMPTY]), 2),
        "warm": round(median(app[USABLE]) / median(ready["floor"]), 2),
    }
    return results


def first_visits(browser: Browser, url: str, visits: int, mbit: float) -> dict[str, dict[str, float]]:
    """``visits`` first visits to the running app at ``url`` over loopback and as many over an emulated
    network of ``mbit`` Mbit/s, alternating: each in a new browser context, so nothing is cached."""
    found: dict[str, list[float]] = {}
    for _ in range(visits):
        for network in ("loopback", f"{mbit:g} Mbit/s"):
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            if network != "loopback":
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                rate = mbit * 1e6 / 8  # bytes per second
                conditions = {"offline": False, "latency": 20, "downloadThroughput": rate, "uploadThroughput": rate}
                cdp.send("Network.emulateNetworkConditions", conditions)
            t0 = time.time() * 1000
            page.goto(url, wait_until="commit")
            page.wait_for_selector('[data-testid="stSlider"]', timeout=120_000)
            slider = time.time() * 1000 - t0
            page.wait_for_function(f"() => {PAD_READY_JS}", timeout=120_000, polling=5)
            found.setdefault(f"first visit over {network} -> the first slider shown", []).append(slider)
            found.setdefault(f"first visit over {network} -> {USABLE}", []).append(time.time() * 1000 - t0)
            context.close()
    return {name: summary(times) for name, times in found.items()}


WARM_UPS = {"start": "warm-up at server start", "after": "warm-up after the first view"}


def first_view_ceiling(browser: Browser, rounds: int, cached: int = 2) -> dict[str, dict[str, float]]:
    """The ceiling of a torch-free first view (harness/first_view.py): its latent pad drawn and draggable,
    with the app's warm-up started with the server (as app.py does) and only after the first view, against
    the floor's page ready; the three alternate, ``rounds`` times, each with ``cached`` warm-cache starts
    (after one with an empty cache, not counted), so a slow spell of the machine hits all three."""
    found: dict[str, list[float]] = {mode: [] for mode in WARM_UPS} | {"floor": []}
    with tempfile.TemporaryDirectory() as folder:
        first_view.write_files(Path(folder))
        for _ in range(rounds):
            found["floor"] += cold_start(browser, cached + 1, "harness/floor_app.py", floor_app.HEADING)[1]
            for mode in WARM_UPS:
                phases: dict[str, list[float]] = {}
                env = {"FIRST_VIEW_FILES": folder, "FIRST_VIEW_WARM": mode}
                cold_start(
                    browser, cached + 1, "harness/first_view_app.py", first_view.HEADING, phases, PAD_READY_JS, env
                )
                found[mode] += phases[USABLE]
    floor = statistics.median(found["floor"])
    results = {f"first view without torch, {WARM_UPS[mode]}: {USABLE}": summary(found[mode]) for mode in WARM_UPS}
    results["first view without torch: floor's page ready, same run"] = summary(found["floor"])
    results[f"first view without torch: {USABLE} / floor's page ready (medians)"] = {
        mode: round(statistics.median(found[mode]) / floor, 2) for mode in WARM_UPS
    }
    return results


def anomaly_latencies(browser: Browser, switches: int = 6) -> dict[str, dict[str, float]]:
    """The anomaly page's first view in a running server (a visitor opens the app, then the page),
    with Streamlit's disk cache empty (a HOME of its own), then the same after a restart (its scores
    come back from the disk cache), then page switches between it and the explorer. Each view is
    timed from the click in the navigation to the page ready."""
    anomaly = registry.screen("anomaly.py")
    first: list[float] = []
    to_page: list[float] = []
    away: list[float] = []

    def switch(page: Page, screen: registry.Screen) -> float:
        t0 = time.time() * 1000
        page.locator('[data-testid="stSidebarNav"]').get_by_text(screen.title, exact=True).click()
        return wait_ready(page, timeout=300_000, title=screen.heading) - t0

    with tempfile.TemporaryDirectory() as home:
        for restart in (False, True):
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            with running_app(env={"HOME": home}) as url:
                page.goto(url)
                wait_ready(page, title=registry.DEFAULT.heading)
                first.append(switch(page, anomaly))
                for _ in range(switches if restart else 0):
                    away.append(switch(page, registry.DEFAULT))
                    to_page.append(switch(page, anomaly))
            page.close()
    return {
        "anomaly page: first view, nothing cached": summary(first[:1]),
        "anomaly page: first view after a restart (disk cache)": summary(first[1:]),
        "page switch -> anomaly page ready (cached)": summary(to_page),
        "page switch anomaly -> explorer ready": summary(away),
    }


def summary(times: list[float]) -> dict[str, float]:
    """Median and 90th percentile; an action whose result never showed (-1) counts as missed."""
    missed = sum(t < 0 for t in times)
    times = [t for t in times if t >= 0] or [float("nan")]
    return {
        "median_ms": round(statistics.median(times), 1),
        "p90_ms": round(sorted(times)[math.ceil(0.9 * len(times)) - 1], 1),  # nearest rank: of 2 or 3, the largest
        "n": len(times),
        "missed": missed,
    }


def per_page(found: list[Switch]) -> dict[str, dict[str, float]]:
    """Page switches summarised per page, with the most elements the page had once ready."""
    titles = dict.fromkeys(switch.title for switch in found)
    return {
        f"page switch -> '{title}' ready": summary([s.ms for s in found if s.title == title])
        | {"elements": max(s.elements for s in found if s.title == title)}
        for title in titles
    }


def measure(url: str, browser, presses: int = 40, clicks: int = 10, rounds: int = 8) -> dict[str, dict[str, float]]:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    results = {
        "slider key press -> image": summary(slider_latencies(page, url, presses)),
        "scatter click -> digit": summary(scatter_latencies(page, url, clicks)),
    }
    found = page_switches(page, url, rounds)
    results["page switch -> ready"] = summary([switch.ms for switch in found])
    results["page switch: Playwright's lead before the press"] = summary([switch.lead_ms for switch in found])
    results.update(per_page(found))
    page.close()
    return results


def warm(browser: Browser, url: str) -> None:
    """Open the app once, as the first visitor does, so that the server's caches are warm for what follows."""
    page = browser.new_page()
    page.goto(url)
    wait_ready(page)
    page.close()


def switches_to(browser: Browser, url: str, title: str, rounds: int) -> dict[str, dict[str, float]]:
    """``rounds`` sidebar switches from the explorer to the page titled ``title`` and as many back, in turn;
    each way summarised (the first switch to the page includes its first visit's work)."""
    screen = next(s for s in registry.SCREENS if s.title == title)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    there_and_back = [(screen.title, screen.heading), (registry.DEFAULT.title, registry.DEFAULT.heading)]
    found = per_page(switches(page, url, there_and_back, 2 * rounds))
    page.close()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cold-starts", type=int, default=2, help="warm-cache starts a round")
    parser.add_argument("--start-rounds", type=int, default=2, help="app and floor starts in turn")
    parser.add_argument("--anomaly-only", action="store_true", help="measure only the anomaly page")
    parser.add_argument("--lessons-only", action="store_true", help="only the lesson pages' first views and switches")
    parser.add_argument(
        "--page", default=None, metavar="FILE", help="with --lessons-only: one page (disentanglement.py)"
    )
    parser.add_argument(
        "--lesson-walk",
        type=float,
        default=None,
        metavar="SECONDS",
        help="only a first walk through the default lesson on a fresh install, SECONDS on each step",
    )
    parser.add_argument("--quick", action="store_true", help="a few actions, 2 cold starts, no anomaly/lessons (CI)")
    parser.add_argument("--starts-only", action="store_true", help="only the cold starts, the app's and the floor's")
    parser.add_argument(
        "--actions-only", action="store_true", help="only the slider, scatter and page-switch actions, and their floor"
    )
    parser.add_argument(
        "--first-view", type=int, default=0, metavar="ROUNDS", help="also the torch-free first view's ceiling"
    )
    parser.add_argument("--first-visits", type=int, default=0, metavar="N", help="also N first visits each way")
    parser.add_argument("--first-visits-only", action="store_true", help="only the first visits (default N: 5)")
    parser.add_argument("--network-mbit", type=float, default=50.0, help="the emulated network's speed for them")
    parser.add_argument(
        "--switches-to", default=None, metavar="TITLE", help="only switches from the explorer to this page and back"
    )
    parser.add_argument("--switch-rounds", type=int, default=6, metavar="N", help="with --switches-to: N each way")
    args = parser.parse_args()
    visits = 1 if args.quick else args.first_visits or (5 if args.first_visits_only else 0)
    with sync_playwright() as p:
        browser = launch(p)
        if args.lessons_only:
            print(json.dumps(lesson_latencies(browser, only=args.page), indent=2))
            browser.close()
            return
        if args.anomaly_only:
            print(json.dumps(anomaly_latencies(browser), indent=2))
            return
        if args.lesson_walk is not None:
            print(json.dumps(lesson_walk(browser, args.lesson_walk), indent=2))
            return
        results = {}
        if args.first_visits_only or args.switches_to:
            with running_app() as url:
                warm(browser, url)
                if args.switches_to:
                    results = switches_to(browser, url, args.switches_to, args.switch_rounds)
                else:
                    results = first_visits(browser, url, visits, args.network_mbit)
            browser.close()
            print(json.dumps(results, indent=2))
            return
        if not args.starts_only:
            with running_app() as url:
                warm(browser, url)
                results = measure(url, browser, 5, 2, 2) if args.quick else measure(url, browser)
                if visits:
                    results |= first_visits(browser, url, visits, args.network_mbit)
            results |= switch_floor(browser, 2 if args.quick else 8)
        if args.actions_only:
            browser.close()
            print(json.dumps(results, indent=2))
            return
        results |= cold_starts(browser, 1 if args.quick else args.start_rounds, 1 if args.quick else args.cold_starts)
        if args.first_view or args.quick:
            results |= first_view_ceiling(browser, args.first_view or 1, 1 if args.quick else 2)
        if not args.quick and not args.starts_only:
            results |= anomaly_latencies(browser)
            results |= lesson_latencies(browser)
        browser.close()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
