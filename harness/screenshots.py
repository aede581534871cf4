"""Screenshots of every page in a real headless Chromium, for the README and for looking at:

python -m harness.screenshots                  # docs/screenshots/<page>.png at 1400 x 1000
python -m harness.screenshots --phone --maths  # artifacts/screenshots/, 390 x 844, maths panels open
python -m harness.screenshots --lesson         # docs/screenshots/lesson-step-NN.png: the default lesson
                                               # on a 1920 x 1080 projector, walked with the Right key
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from harness.browser import CHARTS_DRAWN_JS, ROOT, launch, running_app, wait_ready
from harness.uploads import digit_png
from ui import lessons, registry

DESKTOP, PHONE, PROJECTOR = (1400, 1000), (390, 844), (1920, 1080)


def show_a_result(page: Page, screen: registry.Screen) -> None:
    """Pages that are empty until a person gives them something get something (a real test digit)."""
    if screen.file == "reconstruct.py":
        page.locator('[data-testid="stMain"] [data-testid="stFileUploaderDropzoneInput"]').set_input_files(
            [{"name": "test-digit-1.png", "mimeType": "image/png", "buffer": digit_png(1, size=140)}]
        )
        page.wait_for_selector("text=-ELBO (nats)", timeout=60_000)
    if screen.file == "anomaly.py":  # the lesson: near-blank images fool the likelihood; a digit judged
        page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]').nth(1).click()
        page.get_by_role("option", name="near-blank", exact=True).click()
        page.wait_for_selector("text=−ELBO misleads here", timeout=300_000)
        wait_ready(page, timeout=300_000)
        page.locator('[data-testid="stMain"] [data-testid="stFileUploaderDropzoneInput"]').set_input_files(
            [{"name": "test-digit-1.png", "mimeType": "image/png", "buffer": digit_png(1, size=140)}]
        )
        page.wait_for_selector("text=test-digit-1.png: −ELBO", timeout=60_000)
        page.locator('[data-testid="stMain"] h1').click()  # the set's select box loses its focus ring
        page.mouse.move(700, 5)  # and the heading its link icon


def lesson_steps(page: Page, url: str, out: Path, phone: bool) -> None:
    """Every step of the default lesson as the room sees it when the step opens: in presentation mode,
    walked with the Right key as a clicker would. On a phone: the lesson as a student follows it (not
    presenting), each step's whole page."""
    lesson = lessons.default()
    page.goto(f"{url}/lesson?step=1" + ("" if phone else "&present=1"))
    for number, step in enumerate(lesson.steps, start=1):
        if number > 1:
            page.keyboard.press("ArrowRight")
        wait_ready(page, timeout=300_000, title=None if phone else step.title)
        page.wait_for_function(CHARTS_DRAWN_JS, timeout=60_000)
        page.mouse.move(5, 5)  # no hover label on a chart
        name = f"lesson-step-{number:02d}" + ("-phone" if phone else "")
        if phone:  # the whole page: Streamlit scrolls inside its own container
            width, height = PHONE
            tall = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
            page.set_viewport_size({"width": width, "height": min(max(tall, height), 8000)})
            wait_ready(page)
        page.screenshot(path=str(out / f"{name}.png"))
        if phone:
            page.set_viewport_size({"width": width, "height": height})
        print("wrote", out / f"{name}.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phone", action="store_true", help="390 x 844 instead of 1400 x 1000")
    parser.add_argument("--maths", action="store_true", help="open every maths panel; whole page")
    parser.add_argument("--out", type=Path, default=None, help="folder (default: docs/screenshots)")
    parser.add_argument("--only", nargs="+", metavar="FILE", help="only these pages (their files in pages/)")
    parser.add_argument("--lesson", action="store_true", help="the default lesson's steps, on a 1920 x 1080 projector")
    args = parser.parse_args()
    out = args.out or (ROOT / ("artifacts/screenshots" if args.phone or args.maths else "docs/screenshots"))
    out.mkdir(parents=True, exist_ok=True)
    width, height = PHONE if args.phone else PROJECTOR if args.lesson else DESKTOP
    with running_app() as url, sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": width, "height": height}, has_touch=args.phone)
        if args.lesson:
            lesson_steps(page, url, out, args.phone)
            browser.close()
            return
        for screen in [s for s in registry.SCREENS if not args.only or s.file in args.only]:
            page.goto(f"{url}/{screen.url_path}")
            wait_ready(page, title=screen.heading)
            show_a_result(page, screen)
            if args.maths:
                for summary in page.locator('[data-testid="stMain"] [data-testid="stExpander"] summary').all():
                    summary.click()
            wait_ready(page)
            if args.phone or args.maths:  # the whole page: Streamlit scrolls inside its own container
                tall = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
                page.set_viewport_size({"width": width, "height": min(max(tall, height), 8000)})
                wait_ready(page)
            name = Path(screen.file).stem + ("-phone" if args.phone else "") + ("-maths" if args.maths else "")
            page.screenshot(path=str(out / f"{name}.png"))
            page.set_viewport_size({"width": width, "height": height})
            print("wrote", out / f"{name}.png")
        browser.close()


if __name__ == "__main__":
    main()
