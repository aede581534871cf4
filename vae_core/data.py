"""Datasets as whole uint8 tensors, loaded once: no per-item transform in the training loop.

A registry keyed by name, like the priors' and likelihoods': each dataset is a ``DatasetSource``
that says how to load a split, what its labels are called and, where it has them, its generative
factors. The CLI's ``--dataset`` choices, the config's validation and the Train page's list all read
the registry (``dataset_names``), so a new dataset is one module that registers itself (imported at
the end of this file), and no caller names one.

MNIST ships inside the package (``vae_core/mnist``), so nothing needs the network. Fashion-MNIST and
KMNIST come through torchvision's own download into the data root: ``root`` if given, else the
``VAE_DATA_ROOT`` environment variable, else ``~/.cache/vae-latent-explorer/datasets``. Sprites
(vae_core/sprites.py) are rendered in memory from their known factors.
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

EMBEDDED_MNIST = Path(__file__).with_name("mnist")
DIGIT_CLASSES = tuple(str(i) for i in range(10))

Split = Callable[[bool, str | None], tuple[Tensor, Tensor]]
FactorSplit = Callable[[bool | None], tuple[Tensor, Tensor, tuple[str, ...]]]


@dataclass(frozen=True)
class DatasetSource:
    """A dataset by name: ``load(train, root)`` gives a split's (uint8 images N x 28 x 28, int64 labels
    N), ``class_names`` what the labels mean, and ``with_factors(train)`` (only for data made from known
    generative factors) the images with their factors: ``train`` None for every image."""

    name: str
    class_names: tuple[str, ...]
    load: Split
    description: str
    with_factors: FactorSplit | None = None


DATASET_SOURCES: dict[str, DatasetSource] = {}


def register_dataset(source: DatasetSource) -> DatasetSource:
    """List a dataset under its name (a name already taken by another source is refused)."""
    if DATASET_SOURCES.get(source.name, source) is not source:
        raise ValueError(f"a dataset named {source.name!r} is registered already")
    DATASET_SOURCES[source.name] = source
    return source


def dataset_names() -> tuple[str, ...]:
    """Every registered dataset's name, in registration order: the CLI's and the config's choices."""
    return tuple(DATASET_SOURCES)


class DatasetUnavailable(RuntimeError):
    """The dataset is neither on disk nor downloadable; the message says where to put the files."""


def data_root(root: str | os.PathLike[str] | None = None) -> Path:
    """Where torchvision datasets live: the argument, then $VAE_DATA_ROOT, then a per-user cache."""
    if root is not None:
        return Path(root)
    if env := os.environ.get("VAE_DATA_ROOT"):
        return Path(env)
    return Path.home() / ".cache" / "vae-latent-explorer" / "datasets"


def read_idx(path: Path) -> np.ndarray:
    """Parse an IDX file (the MNIST format), gzip-compressed or not."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[:2] != b"\0\0" or raw[2] != 0x08:
        raise ValueError(f"{path} is not an unsigned-byte IDX file")
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path} is truncated: expected {shape}")
    return data.reshape(shape)


@lru_cache(maxsize=8)
def load_dataset(name: str, train: bool, *, root: str | None = None) -> tuple[Tensor, Tensor]:
    """(uint8 images N x 28 x 28, int64 labels N) for a split of a registered dataset (``DATASETS``).

    ``root`` is where a downloaded dataset lives (``data_root``); ``mnist`` without one is the copy
    embedded in this package. Results are cached per process and shared, so treat them as read-only.
    """
    return _source(name).load(train, root)


@lru_cache(maxsize=4)
def load_dataset_with_factors(name: str, train: bool | None = None) -> tuple[Tensor, Tensor, tuple[str, ...]]:
    """(uint8 images N x 28 x 28, int64 factors N x F, the F factor names) for a dataset made from
    known generative factors (``sprites``): every image when ``train`` is None, else the rows of that
    split, in the order ``load_dataset`` gives them. Cached per process: treat them as read-only."""
    source = _source(name)
    if source.with_factors is None:
        with_factors = [n for n, s in DATASET_SOURCES.items() if s.with_factors is not None]
        raise ValueError(f"{source.name} has no known generative factors: choose one of {', '.join(with_factors)}")
    return source.with_factors(train)


def has_known_factors(name: str) -> bool:
    """Whether ``load_dataset_with_factors(name)`` gives the factors that made the images (sprites)."""
    source = DATASET_SOURCES.get(name.lower())
    return source is not None and source.with_factors is not None


def _source(name: str) -> DatasetSource:
    source = DATASET_SOURCES.get(name.lower())
    if source is None:
        raise ValueError(f"unknown dataset {name!r}: choose one of {', '.join(DATASET_SOURCES)}")
    return source


def _mnist_family(name: str, train: bool, root: str | None) -> tuple[Tensor, Tensor]:
    """The IDX datasets: ``mnist`` without a root from the package, any of them through torchvision."""
    if name == "mnist" and root is None:
        prefix = "train" if train else "t10k"
        images = read_idx(EMBEDDED_MNIST / f"{prefix}-images-idx3-ubyte.gz")
        labels = read_idx(EMBEDDED_MNIST / f"{prefix}-labels-idx1-ubyte.gz")
        return torch.from_numpy(images.copy()), torch.from_numpy(labels.astype(np.int64))
    return _torchvision_dataset(name, train, data_root(root))


def _torchvision_dataset(name: str, train: bool, root: Path) -> tuple[Tensor, Tensor]:
    from torchvision import datasets

    cls = {"mnist": datasets.MNIST, "fashion-mnist": datasets.FashionMNIST, "kmnist": datasets.KMNIST}[name]
    try:
        ds = cls(root=str(root), train=train, download=True)
    except Exception as exc:  # torchvision raises RuntimeError or URLError depending on the failure
        raw = root / cls.__name__ / "raw"
        raise DatasetUnavailable(
            f"{name} is not on this machine and could not be downloaded ({exc.__class__.__name__}). "
            f"With a network, it downloads by itself; offline, put its four IDX files "
            f"(train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, "
            f"t10k-labels-idx1-ubyte) in {raw} or point --data-root / VAE_DATA_ROOT at a folder that has them."
        ) from exc
    return ds.data.to(torch.uint8), ds.targets.to(torch.int64)


def to_float(images: Tensor) -> Tensor:
    """uint8 N x 28 x 28 -> float N x 1 x 28 x 28 in [0, 1]."""
    return images.unsqueeze(1).float().div_(255.0)


def binarize(images: Tensor, generator: torch.Generator | None = None) -> Tensor:
    """Dynamic binarisation: each pixel is 1 with probability equal to its grey level."""
    return torch.bernoulli(images, generator=generator)


register_dataset(
    DatasetSource("mnist", DIGIT_CLASSES, partial(_mnist_family, "mnist"), "handwritten digits (built in)")
)
register_dataset(
    DatasetSource(
        "fashion-mnist",
        (
            "T-shirt/top",
            "Trouser",
            "Pullover",
            "Dress",
            "Coat",
            "Sandal",
            "Shirt",
            "Sneaker",
            "Bag",
            "Ankle boot",
        ),
        partial(_mnist_family, "fashion-mnist"),
        "Zalando's clothes (downloads)",
    )
)
register_dataset(
    DatasetSource(
        "kmnist",
        ("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"),
        partial(_mnist_family, "kmnist"),
        "cursive Japanese characters (downloads)",
    )
)
# Datasets in modules of their own register themselves on import (after the registry exists).
from . import sprites  # noqa: E402, F401

DATASETS = dataset_names()
CLASS_NAMES = {name: source.class_names for name, source in DATASET_SOURCES.items()}
