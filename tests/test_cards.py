"""A shipped model's card (ui.cards): what the picker and the explorer's first view show of it, kept on
disk so that a restarted server draws them without loading the model (or importing torch)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import vae_core as vc
from ui import browser_files, cards, derived, models


@pytest.fixture
def cards_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(cards.CARDS_SETTING, str(tmp_path / "cards"))
    return tmp_path / "cards"


def unloadable(path: Path) -> models.ActiveModel:
    """A shipped model whose loading fails the test: what it shows must come from its card."""

    def load() -> vc.VAE:
        raise AssertionError("the model was loaded")

    return models.ActiveModel(f"shipped:{path.stem}:test", path.stem, load, path)


def test_a_card_is_kept_and_read_back_without_loading_the_model(cards_dir: Path) -> None:
    active = models.shipped(models.DEFAULT_CHECKPOINT)
    assert active.card == cards.Card.of(active.model)
    assert active.card.facts == vc.describe(active.model) and active.class_names == vc.CLASS_NAMES["mnist"]
    again = unloadable(active.checkpoint)
    assert again.card == active.card
    data = active.kept("decoder.vaed", lambda: vc.decoder_bytes(active.model, bits=16), bytes)
    assert again.kept("decoder.vaed", lambda: b"made again", bytes) == data
    assert browser_files.decoder_file(again).data == data  # the pad's file, from the card


def test_a_changed_checkpoint_gets_a_card_of_its_own(cards_dir: Path, tmp_path: Path) -> None:
    shipped = models.shipped_checkpoints()
    one, other = tmp_path / "a.safetensors", tmp_path / "b.safetensors"
    shutil.copy(shipped[models.DEFAULT_CHECKPOINT], one)
    shutil.copy(shipped[models.DEFAULT_CHECKPOINT], other)
    assert cards._folder(one) == cards._folder(other)  # the same file in two places: one card
    shutil.copy(shipped["mnist-32d"], other)  # replaced in place by another model
    assert cards._folder(one) != cards._folder(other)
    made = models.ActiveModel("shipped:b", "b", lambda: vc.load_checkpoint(other), other)
    assert made.card.latent_dim == 32


def test_a_broken_card_is_made_again_and_an_unwritable_disk_keeps_none(cards_dir: Path, tmp_path: Path) -> None:
    active = models.shipped(models.DEFAULT_CHECKPOINT)
    expected = active.card
    card_file = cards._folder(active.checkpoint) / cards.CARD_FILE
    card_file.write_text('{"facts": {}, "latent_dim": "two"}')
    assert models.shipped(models.DEFAULT_CHECKPOINT).card == expected
    assert cards.Card.from_json(card_file.read_bytes()) == expected  # and kept whole again
    blocked = tmp_path / "a file, not a folder"
    blocked.write_text("")
    cards_dir.rename(tmp_path / "moved")
    cards_dir.symlink_to(blocked)  # nothing can be written under it
    assert models.shipped(models.DEFAULT_CHECKPOINT).card == expected


def test_a_file_that_is_not_a_checkpoint_has_no_card_folder(tmp_path: Path) -> None:
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"\xff" * 64)
    assert cards._folder(junk) is None
    assert cards._folder(tmp_path / "missing.safetensors") is None


def test_a_broken_part_is_made_again_and_kept_whole(cards_dir: Path) -> None:
    """A part its reader refuses (written by hand, cut short, another version's) is made anew and rewritten,
    as the card itself is: the explorer's dimension usage (ui.derived) here."""
    active = models.shipped(models.DEFAULT_CHECKPOINT)
    nats, what = derived.dimension_usage(active.key, active)
    part = cards._folder(active.checkpoint) / derived.USAGE_PART
    kept = part.read_bytes()
    for broken in (b'{"nats": [1.0], "what": "one dimension"}', b'{"nats": [1.0, 2.0]}', b"\xff{", b""):
        part.write_bytes(broken)
        again_nats, again_what = derived.dimension_usage(active.key, models.shipped(models.DEFAULT_CHECKPOINT))
        assert again_nats.tolist() == nats.tolist() and again_what == what
        assert part.read_bytes() == kept, broken
