"""An offline out-of-distribution suite for 28 x 28 models, built from what ships with the project.

Anomaly detection is judged on images the model never learnt, against the test images it should
find typical. Every set here is made from data on this machine (the embedded MNIST, scikit-learn's
bundled UCI digits) or from seeded random numbers, so the suite runs offline and gives the same
images every time; Fashion-MNIST and KMNIST join it only when their files are in the data root.

The in-distribution reference is the test split of the model's own dataset, shuffled once with a
seeded permutation and cut in two halves: the first is **held out** to choose a threshold at a stated
false-positive rate, the second is the **evaluation** half the out-of-distribution sets are compared
with. The transformed sets (rotated, flipped, ...) are made from the evaluation digits themselves,
image for image, so the transformation is the only difference between the two.

Each set is named, and its recipe is ``SETS[name]``. A set's random draws come from a generator of
its own, seeded by (seed, name): a set is the same whichever other sets are built with it.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from .data import DATASETS, DatasetUnavailable, data_root, load_dataset
from .images import to_uint8
from .preprocess import preprocess_image

SEED = 0
DEFAULT_IMAGES = 1000
NOISE_SIGMA = 0.3  # "noisy": Gaussian noise with this standard deviation, in units of the full 0-255 range
SHIFT = 6  # "shifted": pixels moved along each axis (MNIST's 20 x 20 box keeps 4 pixels of margin)
SPECK_PROBABILITY = 0.005  # "near-blank": each pixel lit with this probability (about 4 of 784)...
SPECK_MAX = 63  # ... at a grey level from 1 to this (faint: under a quarter of full brightness)

SETS: dict[str, str] = {
    "rotated-90": "test images turned a quarter turn anticlockwise",
    "rotated-180": "test images turned upside down",
    "flipped": "test images mirrored left to right (0, 1 and 8 hardly change)",
    "inverted": "test images in negative: dark ink on a white background",
    "noisy": f"test images with heavy Gaussian noise (σ = {NOISE_SIGMA} of the full range, clipped to 0-255)",
    "shifted": f"test images moved {SHIFT} pixels off-centre along both axes, each in a random direction",
    "uniform-noise": "pure noise: every pixel an independent uniform grey level 0-255",
    "constant": "one flat grey level per image, uniform in 0-255 (black and white included)",
    "near-blank": f"black images with a few faint specks (each pixel lit with chance {SPECK_PROBABILITY}, "
    f"at a grey level 1-{SPECK_MAX})",
    "uci-digits": "scikit-learn's 8 x 8 UCI digits, scaled up to fit 20 x 20 and centred by mass in 28 x 28 "
    "as MNIST was made: the same concept in another style",
    "mnist": "MNIST test digits (for models trained on another dataset)",
    "fashion-mnist": "Fashion-MNIST test images: clothes (only when its files are in the data root)",
    "kmnist": "KMNIST test images: handwritten Japanese characters (only when its files are in the data root)",
}
DATASET_SETS = tuple(name for name in SETS if name in DATASETS)  # other datasets' test splits


@dataclass(frozen=True)
class InDistribution:
    """The model's own test split, shuffled once and halved: uint8 images N x 28 x 28."""

    images: Tensor  # the evaluation half (its first n images)
    labels: Tensor
    indices: Tensor  # positions of ``images`` in the test split
    held_out: Tensor  # the held-out half (its first n images): for choosing the threshold
    held_out_indices: Tensor


def in_distribution(
    n: int = DEFAULT_IMAGES, dataset: str = "mnist", seed: int = SEED, root: str | None = None
) -> InDistribution:
    """The first ``n`` images of each half of the shuffled test split (at most half the split each).
    MNIST is always the copy embedded in the package; other datasets are read from the data root."""
    images, labels = load_dataset(dataset, train=False, root=None if dataset == "mnist" else root)
    order = torch.from_numpy(np.random.default_rng(seed).permutation(len(images)))
    half = len(images) // 2
    evaluation, held_out = order[half:][:n], order[:half][:n]
    return InDistribution(images[evaluation], labels[evaluation], evaluation, images[held_out], held_out)


def available_sets(dataset: str = "mnist", root: str | None = None) -> list[str]:
    """The sets that can be built here for a model of ``dataset``: every generated one, and each other
    dataset whose test files are on disk (nothing is downloaded)."""
    return [name for name in SETS if name not in DATASET_SETS or (name != dataset and _loadable(name, root))]


def _loadable(dataset: str, root: str | None) -> bool:
    return dataset == "mnist" or on_disk(dataset, root)  # MNIST: the copy embedded in the package


def on_disk(dataset: str, root: str | None = None) -> bool:
    """Whether a torchvision dataset's four IDX files are in the data root, uncompressed: torchvision
    reads a dataset only when all four are there (else it tries to download them)."""
    raw = data_root(root) / TORCHVISION_FOLDERS[dataset] / "raw"
    return all((raw / f"{split}-{kind}").exists() for split in ("train", "t10k") for kind in IDX_FILES)


IDX_FILES = ("images-idx3-ubyte", "labels-idx1-ubyte")
TORCHVISION_FOLDERS = {"mnist": "MNIST", "fashion-mnist": "FashionMNIST", "kmnist": "KMNIST"}


def check_set(name: str, dataset: str = "mnist", root: str | None = None) -> None:
    """Whether ``ood_set`` can build the set, before any work: ValueError for an unknown name or the
    model's own dataset, DatasetUnavailable for a dataset whose files are not in the data root."""
    if name not in SETS:
        raise ValueError(f"unknown out-of-distribution set {name!r}: choose from {', '.join(SETS)}")
    if name == dataset:
        raise ValueError(f"{name} is the model's own dataset, not out of its distribution")
    if name in DATASET_SETS and not _loadable(name, root):
        raise DatasetUnavailable(
            f"{name} is not in the data root {data_root(root)}: put its four IDX files in "
            f"{data_root(root)}/{TORCHVISION_FOLDERS[name]}/raw to add it to the suite"
        )


def ood_set(
    name: str, n: int = DEFAULT_IMAGES, dataset: str = "mnist", seed: int = SEED, root: str | None = None
) -> Tensor:
    """The named out-of-distribution set for a model of ``dataset``: uint8 n x 28 x 28 (fewer only
    where the source has fewer: the UCI digits are 1,797). Raises DatasetUnavailable for a dataset
    whose files are not on disk, ValueError for an unknown name."""
    check_set(name, dataset, root)
    rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    if name in DATASET_SETS:
        images = load_dataset(name, train=False, root=None if name == "mnist" else root)[0]
        return images[torch.from_numpy(rng.permutation(len(images))[:n])]
    if name == "uci-digits":
        return _uci_digits(n, rng)
    if name in ("uniform-noise", "constant", "near-blank"):
        return torch.from_numpy(_generated(name, n, rng))
    digits = in_distribution(n, dataset, seed, root).images
    return torch.from_numpy(_transformed(name, digits.numpy(), rng))


def _transformed(name: str, digits: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    if name == "rotated-90":
        return np.rot90(digits, 1, axes=(1, 2)).copy()
    if name == "rotated-180":
        return np.rot90(digits, 2, axes=(1, 2)).copy()
    if name == "flipped":
        return digits[:, :, ::-1].copy()
    if name == "inverted":
        return 255 - digits
    if name == "noisy":
        noisy = digits / 255.0 + rng.normal(0.0, NOISE_SIGMA, digits.shape)
        return to_uint8(noisy)
    if name == "shifted":
        out = np.zeros_like(digits)
        for i, (dy, dx) in enumerate(rng.choice([-SHIFT, SHIFT], size=(len(digits), 2))):
            out[i] = _shift(digits[i], int(dy), int(dx))
        return out
    raise ValueError(name)


def _shift(image: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Moved dy pixels down and dx right; black comes in, ink that leaves the frame is lost."""
    out = np.zeros_like(image)
    h, w = image.shape
    out[max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = image[
        max(-dy, 0) : h + min(-dy, 0), max(-dx, 0) : w + min(-dx, 0)
    ]
    return out


def _generated(name: str, n: int, rng: np.random.Generator) -> np.ndarray:
    if name == "uniform-noise":
        return rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    if name == "constant":
        return np.broadcast_to(rng.integers(0, 256, size=(n, 1, 1), dtype=np.uint8), (n, 28, 28)).copy()
    lit = rng.random((n, 28, 28)) < SPECK_PROBABILITY
    return np.where(lit, rng.integers(1, SPECK_MAX + 1, size=(n, 28, 28)), 0).astype(np.uint8)


def _uci_digits(n: int, rng: np.random.Generator) -> Tensor:
    """scikit-learn's copy of the UCI handwritten digits (8 x 8, grey levels 0-16, 1,797 images), each
    made MNIST-like by the app's own preprocessing: cropped to the ink, scaled to fit 20 x 20 keeping
    its aspect ratio, centred by its centre of mass in 28 x 28."""
    from sklearn.datasets import load_digits

    images = load_digits().images / 16.0
    chosen = rng.permutation(len(images))[:n]
    made = [preprocess_image(images[i].astype(np.float32))[0] for i in chosen]
    return torch.from_numpy(to_uint8(torch.stack(made)))


def describe(name: str) -> str:
    """One line on how the set is made."""
    return SETS[name]
