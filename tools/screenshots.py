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


def _digit_photo() -> bytes:
    """MNIST test digit 1, dark on light and enlarged, as a person's upload would be."""
    import io

    from PIL import Image

    from vae_core import load_dataset

    buffer = io.BytesIO()
    Image.fromarray(255 - load_dataset("mnist", False)[0][1].numpy()).resize((140, 140)).save(buffer, "PNG")
    return buffer.getvalue()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with running_app() as url, sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        for name, path in PAGES.items():
            page.goto(f"{url}/{path}")
            wait_ready(page)
            if name == "reconstruct":  # show a result, not the empty page: a real test digit, photographed
                page.locator('[data-testid="stMain"] [data-testid="stFileUploaderDropzoneInput"]').set_input_files(
                    [{"name": "test-digit-1.png", "mimeType": "image/png", "buffer": _digit_photo()}]
                )
                page.wait_for_selector("text=-ELBO (nats)", timeout=60_000)
                wait_ready(page)
            page.screenshot(path=str(OUT / f"{name}.png"), full_page=False)
            print("wrote", OUT / f"{name}.png")
        browser.close()


if __name__ == "__main__":
    main()
