"""Fixtures shared by the tests, written once. Helpers are imported from tests/support (test-only) and
harness/ (shared with the benchmarks), never from here or from one another."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import torch

from tests.support.files import ROOT
from vae_core import TrainConfig, VAEConfig, load_dataset, train


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
    from harness.browser import running_app

    with running_app() as url:
        yield url


@pytest.fixture(scope="module")  # not longer: sync Playwright's event loop would block asyncio tests
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    from harness.browser import launch

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
