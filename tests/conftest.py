"""Fixtures and helpers shared by the tests, written once. Test modules import helpers from here
(tests.conftest) and from tests/support, never from one another."""

from __future__ import annotations

import io
import os
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from PIL import Image

from vae_core import TrainConfig, VAEConfig, load_dataset, train

ROOT = Path(__file__).resolve().parents[1]
SHIPPED_2D = ROOT / "checkpoints" / "mnist-2d.safetensors"
SHIPPED_32D = ROOT / "checkpoints" / "mnist-32d.safetensors"
# A hostile pickle touches this file when it is unpickled: its existence proves that code ran.
HOSTILE_MARKER = Path("/tmp/vae-explorer-hostile-pickle-ran")


class RunsCode:
    """Unpickling this runs a shell command: what a malicious checkpoint would do."""

    def __reduce__(self):
        return (os.system, (f"touch {HOSTILE_MARKER}",))


def hostile_pickle(with_torch_save: bool = False) -> bytes:
    """A file that runs code if anyone unpickles it: plain pickle, or torch.save's zip of pickles."""
    if not with_torch_save:
        return pickle.dumps(RunsCode())
    buffer = io.BytesIO()
    torch.save({"weights": RunsCode()}, buffer)
    return buffer.getvalue()


def digit_png(index: int = 0, invert: bool = True, size: int = 112) -> bytes:
    """A real MNIST test digit as a person's upload would be: enlarged PNG, dark ink on white by default."""
    digit = load_dataset("mnist", train=False)[0][index].numpy()
    buffer = io.BytesIO()
    Image.fromarray(255 - digit if invert else digit).resize((size, size)).save(buffer, "PNG")
    return buffer.getvalue()


def colourful_photo(seed: int = 0, width: int = 400, height: int = 300) -> bytes:
    """A JPEG like a holiday snapshot with no digit in it: a blue-to-pink sky, green grass, a yellow sun,
    a red house with a brown roof, a little sensor noise."""
    from PIL import ImageDraw

    rows, cols = np.mgrid[0:height, 0:width] / np.array([height, width])[:, None, None]
    sky = np.stack([120 + 100 * cols, 160 + 80 * rows, 230 - 120 * cols], -1)
    picture = Image.fromarray(sky.clip(0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(picture)
    draw.rectangle([0, int(height * 0.65), width, height], fill=(40, 160, 60))
    draw.ellipse([60, 40, 160, 140], fill=(250, 200, 30))
    draw.rectangle([230, 120, 340, 230], fill=(200, 30, 40))
    draw.polygon([(220, 125), (285, 60), (350, 125)], fill=(120, 60, 30))
    noisy = np.asarray(picture, dtype=np.float64) + np.random.default_rng(seed).normal(0, 6, (height, width, 3))
    buffer = io.BytesIO()
    Image.fromarray(noisy.clip(0, 255).astype(np.uint8)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture(scope="session")
def mnist_test() -> tuple[torch.Tensor, torch.Tensor]:
    return load_dataset("mnist", train=False)


@pytest.fixture(scope="session")
def small_model():
    """A real model trained briefly on 2,000 real MNIST digits (seconds on a CPU)."""
    images, _ = load_dataset("mnist", train=True)
    # 6 epochs of 20 steps: with the default one-epoch learning-rate warm-up, 2 epochs left the encoder's
    # means too still for any unit to count as active (Burda et al.'s 0.01).
    config = TrainConfig(epochs=6, batch_size=100)
    result = train(VAEConfig(latent_dim=2, hidden=64, conv_channels=(8, 16)), config, images[:2000])
    return result.model


# ---------------------------------------------------------------- a real browser against the real app


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    """One `streamlit run app.py` on loopback for the whole session's browser tests."""
    from tests.support.browser import running_app

    with running_app() as url:
        yield url


@pytest.fixture(scope="module")  # not longer: sync Playwright's event loop would block asyncio tests
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    from tests.support.browser import launch

    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


SHOTS = ROOT / "artifacts" / "browser"


@pytest.fixture
def page(browser, app_url, request) -> Iterator[Any]:
    """A fresh browser tab at 1400 x 1000 on the app. Afterwards: a full-page screenshot in
    artifacts/browser/, and the test fails on any exception box, console error or page error, except
    those a test expects (tab.expected_console_errors: substrings)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.app_url = app_url
    tab.expected_console_errors = []
    yield tab
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / f"{request.node.name}.png"), full_page=True)
    exceptions = tab.locator('[data-testid="stException"]').all_inner_texts()
    context.close()
    assert not exceptions, exceptions
    # Streamlit probes two optional endpoints that answer 404 by design; nothing else may fail.
    real = [e for e in errors if "404" not in e and not any(x in e for x in tab.expected_console_errors)]
    assert not real, real
