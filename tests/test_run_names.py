"""How a training run is listed in the model picker: what it trained, as far as it got."""

from __future__ import annotations

import dataclasses

from server.training import run_label
from ui.training import MODEL_DEFAULTS, TRAIN_DEFAULTS


def test_a_stopped_run_is_listed_at_the_epoch_it_reached():
    """A run stopped at epoch 0.97 of 3 was listed as "3 epochs"."""
    stopped = run_label(MODEL_DEFAULTS, TRAIN_DEFAULTS, 0.9731, "ab12cd")
    assert "stopped at epoch 0.97 of 3" in stopped and "3 epochs" not in stopped
    finished = run_label(MODEL_DEFAULTS, TRAIN_DEFAULTS, None, "ab12cd")
    assert finished.endswith("3 epochs · ab12")
    one = run_label(MODEL_DEFAULTS, dataclasses.replace(TRAIN_DEFAULTS, epochs=1), None, "ab12cd")
    assert "1 epoch ·" in one


def test_runs_that_differ_in_beta_or_latent_size_have_different_names():
    """Two runs of one session compared (two values of β) are told apart by name, not by serial alone."""
    a = run_label(MODEL_DEFAULTS, TRAIN_DEFAULTS, None, "aaaa")
    b = run_label(MODEL_DEFAULTS, dataclasses.replace(TRAIN_DEFAULTS, beta=4.0), None, "bbbb")
    c = run_label(dataclasses.replace(MODEL_DEFAULTS, latent_dim=16), TRAIN_DEFAULTS, None, "cccc")
    assert "β 1," in a and "β 4," in b and c.startswith("16-d")


def test_a_run_with_kl_warm_up_says_so():
    """The Collapse page's pair differs only in the KL warm-up: without it both runs had one name."""
    plain = run_label(MODEL_DEFAULTS, TRAIN_DEFAULTS, None, "aaaa")
    warm = run_label(MODEL_DEFAULTS, dataclasses.replace(TRAIN_DEFAULTS, kl_warmup_epochs=2), None, "bbbb")
    one = run_label(MODEL_DEFAULTS, dataclasses.replace(TRAIN_DEFAULTS, kl_warmup_epochs=1), None, "cccc")
    half = run_label(MODEL_DEFAULTS, dataclasses.replace(TRAIN_DEFAULTS, kl_warmup_epochs=0.5), None, "dddd")
    assert "warm-up" not in plain
    assert "β 1, warm-up 2 epochs, " in warm and "warm-up 1 epoch, " in one and "warm-up 0.5 epochs, " in half


def test_a_run_on_another_data_set_names_it():
    """A Fashion-MNIST run and an MNIST run with the same settings are told apart by name."""
    fashion = run_label(dataclasses.replace(MODEL_DEFAULTS, dataset="fashion-mnist"), TRAIN_DEFAULTS, None, "aaaa")
    assert fashion.startswith("2-d bernoulli fashion-mnist, β 1,")
    assert "mnist" not in run_label(MODEL_DEFAULTS, TRAIN_DEFAULTS, None, "bbbb")
