"""The offline out-of-distribution suite: deterministic, each set what its name says, and other
datasets joining only when their files are on disk."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from vae_core import load_dataset, ood
from vae_core.data import DatasetUnavailable


def test_the_suite_is_deterministic_and_every_set_is_right_sized():
    for name in ood.available_sets():
        first, again = ood.ood_set(name, 40), ood.ood_set(name, 40)
        assert first.dtype == torch.uint8 and first.shape == (40, 28, 28), name
        assert torch.equal(first, again), f"{name} changed between two builds"
    reference = ood.in_distribution(40)
    assert torch.equal(reference.images, ood.in_distribution(40).images)
    assert len(set(reference.indices.tolist()) & set(reference.held_out_indices.tolist())) == 0
    test_images = load_dataset("mnist", train=False)[0]
    assert torch.equal(test_images[reference.indices], reference.images)
    # Another seed draws other images.
    assert not torch.equal(ood.ood_set("uniform-noise", 40, seed=1), ood.ood_set("uniform-noise", 40))
    assert not torch.equal(ood.in_distribution(40, seed=1).images, reference.images)


def test_each_set_is_what_its_name_says():
    digits = ood.in_distribution(20).images
    assert torch.equal(ood.ood_set("rotated-180", 20), digits.flip(1, 2))
    assert torch.equal(ood.ood_set("rotated-90", 20), torch.rot90(digits, 1, (1, 2)))
    assert torch.equal(ood.ood_set("flipped", 20), digits.flip(2))
    assert torch.equal(ood.ood_set("inverted", 20), 255 - digits)
    constant = ood.ood_set("constant", 20)
    assert (constant == constant[:, :1, :1]).all()
    near_blank = ood.ood_set("near-blank", 20)
    assert near_blank.max() <= ood.SPECK_MAX and (near_blank > 0).float().mean() < 0.02
    shifted = ood.ood_set("shifted", 20).float()
    ys, xs = torch.meshgrid(torch.arange(28.0), torch.arange(28.0), indexing="ij")
    centre = torch.stack([(shifted * ys).sum((1, 2)), (shifted * xs).sum((1, 2))], 1) / shifted.sum((1, 2))[:, None]
    assert ((centre - 13.5).abs() > 3).all(), "every shifted digit is off-centre on both axes"
    # On the black background, noise N(0, sigma^2) clipped at 0: half the pixels lit, by sigma sqrt(2/pi) on average.
    background = ood.ood_set("noisy", 20).float()[digits == 0] / 255
    assert (background > 0).float().mean() == pytest.approx(0.5, abs=0.03)
    assert background[background > 0].mean() == pytest.approx(ood.NOISE_SIGMA * math.sqrt(2 / math.pi), abs=0.01)
    uci = ood.ood_set("uci-digits", 20).float()
    rows, cols = (uci > 38).any(2), (uci > 38).any(1)
    assert (rows.sum(1).max() <= 21) and (cols.sum(1).max() <= 21), "the UCI digits fit a 20 x 20 box"


def write_idx(path: Path, array: np.ndarray) -> None:
    """An uncompressed IDX file (the MNIST format) of unsigned bytes."""
    header = bytes([0, 0, 8, array.ndim]) + b"".join(d.to_bytes(4, "big") for d in array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def test_other_datasets_join_only_when_their_files_are_in_the_data_root(tmp_path: Path):
    root = str(tmp_path)
    assert "kmnist" not in ood.available_sets(root=root) and "fashion-mnist" not in ood.available_sets(root=root)
    with pytest.raises(DatasetUnavailable, match="not in the data root"):
        ood.ood_set("kmnist", 10, root=root)
    raw = tmp_path / "KMNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for split, n in (("train", 30), ("t10k", 25)):
        write_idx(raw / f"{split}-images-idx3-ubyte", rng.integers(0, 256, (n, 28, 28)))
        write_idx(raw / f"{split}-labels-idx1-ubyte", rng.integers(0, 10, n))
    assert "kmnist" in ood.available_sets(root=root) and "fashion-mnist" not in ood.available_sets(root=root)
    kmnist = ood.ood_set("kmnist", 10, root=root)
    assert kmnist.shape == (10, 28, 28) and torch.equal(kmnist, ood.ood_set("kmnist", 10, root=root))
    assert "mnist" not in ood.available_sets("mnist") and "mnist" in ood.available_sets("kmnist", root=root)
    with pytest.raises(ValueError, match="own dataset"):
        ood.ood_set("mnist", 10)
