"""The sprites set: every combination of its factors once, each image its own, rendered the same way
every time, quickly, and loaded wherever a dataset is chosen."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

import vae_core as vc
from vae_core import sprites
from vae_core.config import VAEConfig, field_choices


@pytest.fixture(scope="module")
def by_factor() -> np.ndarray:
    """The images as an array indexed by factor values: (shape, scale, orientation, x, y, 28, 28)."""
    images = vc.load_dataset_with_factors("sprites")[0]
    return images.numpy().reshape(*sprites.factor_counts(), 28, 28)


def test_every_combination_of_the_factors_once():
    images, factors, names = vc.load_dataset_with_factors("sprites")
    counts = sprites.factor_counts()
    assert names == ("shape", "scale", "orientation", "x", "y")
    assert images.dtype == torch.uint8 and images.shape == (int(np.prod(counts)), 28, 28)
    assert factors.dtype == torch.int64 and factors.shape == (len(images), len(names))
    v = factors.numpy()
    assert [len(np.unique(v[:, k])) for k in range(len(names))] == list(counts)
    assert len(np.unique(v, axis=0)) == len(v)  # with the product equal to N: each combination once
    assert np.array_equal(np.ravel_multi_index(v.T, counts), np.arange(len(v)))  # the documented order


def test_two_images_differ_exactly_when_their_factors_do():
    """Each combination appears once, so 'iff' is: no two images are the same bytes. Orientation runs
    over each shape's symmetry period, so no square is drawn twice under two orientation values."""
    images, _, _ = vc.load_dataset_with_factors("sprites")
    assert len({image.tobytes() for image in images.numpy()}) == len(images)


def test_neighbours_along_every_factor_differ_visibly(by_factor):
    """Not by a rounding: one step of any factor changes at least one pixel by a fifth of the grey range
    (the smallest steps are the smallest square's 9-degree turns)."""
    pixels = by_factor.reshape(*by_factor.shape[:5], -1).astype(np.int32)
    for axis, name in enumerate(sprites.FACTOR_NAMES):
        largest_change = np.abs(np.diff(pixels, axis=axis)).max(axis=-1)
        assert largest_change.min() >= 255 // 5, name
    turned_full_circle = np.abs(pixels[:, :, -1] - pixels[:, :, 0]).max(axis=-1)  # the last turn and the first
    assert turned_full_circle.min() >= 255 // 5


def test_a_shapes_ink_grows_with_its_scale(by_factor):
    ink = by_factor.reshape(*by_factor.shape[:5], -1).sum(axis=-1, dtype=np.int64)
    assert (np.diff(ink, axis=1) > 0).all()


def test_position_moves_the_shape_and_changes_nothing_else(by_factor):
    """Every position has the same ink and the same picture, shifted: no shape is cut by the frame."""
    centre = sprites.POSITIONS // 2
    reference = by_factor[:, :, :, centre, centre]
    for x in (0, sprites.POSITIONS - 1):
        for y in (0, sprites.POSITIONS - 1):
            moved = np.roll(by_factor[:, :, :, x, y], (centre - y, centre - x), axis=(-2, -1))
            assert np.array_equal(moved, reference)


def test_the_largest_shape_reaches_the_border_pixels_without_leaving(by_factor):
    """The positions use the whole frame: the largest shapes at the extreme positions ink the
    outermost pixels (and, by the test above, lose nothing there)."""
    largest = by_factor[:, -1]
    assert largest[..., 0, :, :, 0].max() > 0  # x = 0: the left column
    assert largest[..., -1, :, :, -1].max() > 0  # x = last: the right column
    assert largest[..., :, 0, 0, :].max() > 0  # y = 0: the top row


def test_rendered_the_same_twice_and_fast():
    first = sprites.sprites()
    sprites.sprites.cache_clear()
    start = time.perf_counter()
    again = sprites.sprites()
    seconds = time.perf_counter() - start
    assert again[0] is not first[0]
    assert np.array_equal(again[0], first[0]) and np.array_equal(again[1], first[1])
    assert seconds < 10, f"rendering sprites took {seconds:.1f} s"  # 1.3-1.5 s on a shared 2-core machine


def test_the_splits_share_nothing_and_cover_everything():
    train_images, train_labels = vc.load_dataset("sprites", train=True)
    test_images = vc.load_dataset("sprites", train=False)[0]
    assert len(test_images) == sprites.TEST_IMAGES
    assert len(train_images) + len(test_images) == int(np.prod(sprites.factor_counts()))
    everything = {image.tobytes() for image in torch.cat([train_images, test_images]).numpy()}
    assert len(everything) == len(train_images) + len(test_images)
    for train in (True, False):
        images, factors, _ = vc.load_dataset_with_factors("sprites", train=train)
        split_images, labels = vc.load_dataset("sprites", train=train)
        assert torch.equal(images, split_images) and torch.equal(factors[:, 0], labels)  # label = shape
    # The training split is in random order, so its first images (the Train page's subset) mix the shapes.
    assert set(train_labels[:300].tolist()) == {0, 1, 2}
    assert vc.CLASS_NAMES["sprites"] == sprites.SHAPES


def test_sprites_is_offered_wherever_a_dataset_is_chosen():
    assert "sprites" in vc.DATASETS  # the Train page's list
    assert "sprites" in field_choices(VAEConfig, "dataset")  # the CLI's --dataset choices
    assert VAEConfig(dataset="sprites").dataset == "sprites"


def test_a_dataset_without_factors_says_which_have_them():
    with pytest.raises(ValueError, match="mnist has no known generative factors: choose one of sprites"):
        vc.load_dataset_with_factors("mnist")
    with pytest.raises(ValueError, match="unknown dataset"):
        vc.load_dataset_with_factors("dsprites")
