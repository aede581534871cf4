"""The explorer's first view needs no torch (docs/performance.md, "Start-up"): a fresh server draws the
latent pad from the default model's card (ui.cards) and imports torch only afterwards, and its warm-up
waits for that first page."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

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
at.run()
assert not at.exception, at.exception
print(seen, "torch" in sys.modules, any("manifold" in c for image in at.get("image") for c in image.captions))
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
