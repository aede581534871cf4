"""Interactive latency in a real headless Chromium: python -m bench.latency

Medians over repeated actions, timed in the page itself (performance.now) from the input event to
the moment the new content is in the DOM and its image has loaded:
- slider key press -> the new decoded image shown (explorer page)
- scatter click -> the clicked digit shown (scatter page)
- page switch -> the page ready (sidebar navigation)
- cold start -> first page ready (a fresh `streamlit run`, from process start)
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from playwright.sync_api import Page, sync_playwright

from tools.browser import NEW_IMAGE_JS, OUTER_POINT_JS, SIGNATURE_JS, launch, running_app, wait_ready


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
                if (main.innerText.includes('#' + index + ' (') && img && img.complete) resolve(performance.now() - t0);
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


def page_switch_latencies(page: Page, url: str, rounds: int) -> list[float]:
    page.goto(url)
    wait_ready(page)
    names = ["Samples", "Latent explorer", "Interpolation", "Latent scatter"]
    times = []
    for i in range(rounds):
        t0 = time.perf_counter()
        page.locator('[data-testid="stSidebarNav"]').get_by_text(names[i % len(names)], exact=True).click()
        wait_ready(page)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def cold_start(browser, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        with running_app() as url:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            wait_ready(page)
            times.append((time.perf_counter() - t0) * 1000)
            page.close()
    return times


def summary(times: list[float]) -> dict[str, float]:
    return {
        "median_ms": round(statistics.median(times), 1),
        "p90_ms": round(sorted(times)[int(0.9 * (len(times) - 1))], 1),
        "n": len(times),
    }


def measure(url: str, browser, presses: int = 40, clicks: int = 10, switches: int = 8) -> dict[str, dict[str, float]]:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    results = {
        "slider key press -> image": summary(slider_latencies(page, url, presses)),
        "scatter click -> digit": summary(scatter_latencies(page, url, clicks)),
        "page switch -> ready": summary(page_switch_latencies(page, url, switches)),
    }
    page.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cold-starts", type=int, default=3)
    args = parser.parse_args()
    with sync_playwright() as p:
        browser = launch(p)
        with running_app() as url:
            page = browser.new_page()
            page.goto(url)
            wait_ready(page)  # warm the caches once, as the first visitor does
            page.close()
            results = measure(url, browser)
        results["cold start -> first page ready"] = summary(cold_start(browser, args.cold_starts))
        browser.close()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
