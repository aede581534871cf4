"""What the pages compute from a model and keep (ui.derived), checked outside the app."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import vae_core as vc
from ui import derived, models


@pytest.mark.parametrize("name", ["mnist-2d", "mnist-32d"])  # mnist-32d sees a Bernoulli sample of its inputs
def test_the_paths_between_two_test_digits_are_kept_as_the_page_computed_them(name, monkeypatch) -> None:
    """The Interpolation page's paths between test digits come from a cache: the same codes, images and -ELBO
    the page computed on every run before, and a second run asks nothing of the model."""
    active = models.shipped(name)
    pair, steps = (3, 2024), 7
    kept = derived.test_interpolation(active.key, active, pair, steps)
    images = derived.test_set(active)[0][list(pair)]
    fresh = derived.interpolation(active.model, list(vc.prepare_inputs(active.model, images)), steps)
    assert kept.keys() == fresh.keys() == {"linear", "spherical"}
    for path in ("linear", "spherical"):
        assert torch.equal(kept[path].codes, fresh[path].codes)
        assert torch.equal(kept[path].images, fresh[path].images)
        assert np.array_equal(kept[path].negative_elbo, fresh[path].negative_elbo)

    def computed_again(*_args: object) -> None:
        raise AssertionError("the paths were computed again")

    monkeypatch.setattr(derived, "interpolation", computed_again)
    again = derived.test_interpolation(active.key, active, pair, steps)
    assert torch.equal(again["spherical"].images, kept["spherical"].images)
    with pytest.raises(AssertionError, match="computed again"):
        derived.test_interpolation(active.key, active, pair, steps + 1)  # another step count is another entry
