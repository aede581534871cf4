"""Screenshots of every page in a real headless Chromium, for the README: python -m tools.screenshots"""

from __future__ import annotations

from playwright.sync_api import sync_playwright

from tools.browser import ROOT, launch, running_app, wait_ready

PAGES = {
    "explorer": "",
    "interpolation": "interpolation",
    "scatter": "scatter",
    "reconstruct": "reconstruct",
    "train": "train",
    "samples": "samples",
}
OUT = ROOT / "docs" / "screenshots"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with running_app() as url, sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        for name, path in PAGES.items():
            page.goto(f"{url}/{path}")
            wait_ready(page)
            page.screenshot(path=str(OUT / f"{name}.png"), full_page=False)
            print("wrote", OUT / f"{name}.png")
        browser.close()


if __name__ == "__main__":
    main()
