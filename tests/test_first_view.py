"""The explorer's first view needs no torch (docs/performance.md, "Start-up"): a fresh server draws the
latent pad from the default model's card (ui.cards) and imports torch only once the browser says the pad is
drawn (server/first_view.py), and its warm-up waits for that first page."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from harness.browser import PAD_READY_JS, launch, require_chromium, running_server, wait_ready
from server import first_view
from ui import registry, warmup

ROOT = Path(__file__).resolve().parents[1]

KEEP_THE_CARD = """
from ui import browser_files, models
active = models.shipped(models.DEFAULT_CHECKPOINT)
_ = active.card
browser_files.decoder_file(active)
browser_files.points_url(active, (0, 1))
"""

OPEN_THE_EXPLORER = """
import sys
from streamlit.testing.v1 import AppTest
from ui import widgets
seen = []
pad = widgets._latent_pad
def watched(**kwargs):
    handed = pad(**kwargs)
    seen.append("torch" in sys.modules or "pyarrow" in sys.modules)  # as the pad is handed over
    return handed
widgets._latent_pad = watched
at = AppTest.from_file(sys.argv[1], default_timeout=120)
if len(sys.argv) > 2:
    at.query_params["model"] = sys.argv[2]
at.run()
assert not at.exception, at.exception
print(seen, "torch" in sys.modules, any("manifold" in c.value for c in at.caption))
for box in at.sidebar.selectbox:  # a model of more than two dimensions: the pad's two, as chosen and labelled
    if box.label.startswith("Pad"):
        print(repr(box.format_func(box.value)))
"""


def run(code: str, cards: Path, *args: str) -> str:
    env = {"VAE_CARDS_DIR": str(cards), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip()


def test_the_explorers_pad_is_drawn_before_torch_is_imported(tmp_path: Path) -> None:
    """With the default model's card kept, the whole first run draws the pad with no torch (nor pandas and
    pyarrow, which Streamlit imports to look for dataframes) imported, then loads the model and draws the rest
    of the page. Without the card, the pad waits for the model."""
    cards = tmp_path / "cards"
    assert run(OPEN_THE_EXPLORER, cards, str(registry.NAVIGATION)).split() == ["[True]", "True", "True"]
    run(KEEP_THE_CARD, cards)
    assert run(OPEN_THE_EXPLORER, cards, str(registry.NAVIGATION)).split() == ["[False]", "True", "True"]


def test_a_model_of_more_than_two_dimensions_has_its_pad_drawn_before_torch_too(tmp_path: Path) -> None:
    """Its pad shows the two dimensions it uses most, ordered by their nats on the test split
    (ui.derived.dimension_usage): the first view that makes its card waits for the model to measure them, the
    next one reads them from the card and draws the pad with no torch imported, on the same two dimensions
    labelled with the same figures."""
    cards, explorer = tmp_path / "cards", str(registry.NAVIGATION)
    first = run(OPEN_THE_EXPLORER, cards, explorer, "gaussian-10d").splitlines()
    again = run(OPEN_THE_EXPLORER, cards, explorer, "gaussian-10d").splitlines()
    assert first[0].split() == ["[True]", "True", "True"]
    assert again[0].split() == ["[False]", "True", "True"]
    assert len(first) == 3 and first[1:] == again[1:], (first, again)  # e.g. 'z4 (KL 2.95)', 'z7 (KL 2.71)'


def test_the_warm_up_waits_for_the_first_page_or_the_timer(monkeypatch: pytest.MonkeyPatch) -> None:
    started = threading.Event()
    calls: list[str] = []

    def warm_up() -> None:
        calls.append(threading.current_thread().name)
        started.set()

    monkeypatch.setattr(warmup, "warm_up", warm_up)
    monkeypatch.setattr(warmup, "_armed", threading.Event())
    monkeypatch.setattr(warmup, "_started", False)
    warmup.page_drawn()  # not armed (a test, a harness): nothing
    assert not started.wait(0.2)
    warmup.arm(wait_s=60)
    assert not started.wait(0.2)  # armed: waits for a page
    warmup.page_drawn()
    assert started.wait(5)
    warmup.page_drawn()  # once only
    monkeypatch.setattr(warmup, "_started", False)
    started.clear()
    warmup.arm(wait_s=0.1)  # no one comes: the timer starts it
    assert started.wait(5)
    assert calls == ["warm-up", "warm-up"]


def torch_loaded(pid: int) -> bool:
    """Whether process ``pid`` has torch's library mapped: it is importing torch, or has."""
    return "libtorch_cpu" in Path(f"/proc/{pid}/maps").read_text()


@pytest.mark.browser
def test_a_fresh_server_imports_torch_only_after_the_first_pad_says_it_is_drawn(tmp_path: Path) -> None:
    """The first visitor's pad calls the server once it has drawn its digit, and only then does the server load
    torch for the rest of the page; once torch is in, no pad is asked again."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    cards = tmp_path / "cards"
    run(KEEP_THE_CARD, cards)
    with sync_playwright() as p, running_server(env={"VAE_CARDS_DIR": str(cards)}) as server:
        browser = launch(p)
        page = browser.new_page()
        calls: list[tuple[str, bool]] = []
        signal = server.url + first_view.PATH
        page.on("request", lambda r: calls.append((r.method, torch_loaded(server.pid))) if r.url == signal else None)
        page.goto(server.url)
        page.wait_for_function(f"() => {PAD_READY_JS}", timeout=60_000)
        wait_ready(page)
        assert calls == [("POST", False)]  # said once, and torch waited for it
        assert torch_loaded(server.pid)  # the rest of the page needed it
        page.reload()
        wait_ready(page)
        assert len(calls) == 1
        with pytest.raises(urllib.error.HTTPError, match="405"):
            urllib.request.urlopen(signal, timeout=10)  # a GET is refused
        browser.close()


def test_the_first_model_load_waits_for_the_pad_at_most_wait_s(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(first_view, "WAIT_S", 0.3)
    monkeypatch.setattr(first_view, "_armed", threading.Event())
    monkeypatch.setattr(first_view, "_drawn", threading.Event())
    monkeypatch.setattr(first_view, "_asked_at", None)
    monkeypatch.delitem(sys.modules, "torch", raising=False)  # as in a fresh server; put back after the test
    assert first_view.ping_url() is None  # not armed (a test, a harness): no pad is asked
    assert first_view.await_first_view() == 0.0
    first_view.arm()
    assert first_view.await_first_view() == 0.0  # armed, but no pad asked: a page without one never waits
    assert first_view.ping_url() == first_view.PATH
    assert 0.25 < first_view.await_first_view() < 1.0  # asked and not drawn: waits until WAIT_S after the asking
    monkeypatch.setattr(first_view, "_asked_at", time.monotonic())
    threading.Timer(0.05, first_view.drawn).start()
    assert first_view.await_first_view() < 0.25  # the call ends the wait
    assert first_view.ping_url() is None  # and no pad is asked again
