"""Datasets as whole uint8 tensors, loaded once: no per-item transform in the training loop.

MNIST ships inside the package (``vae_core/mnist``), so nothing needs the network. Fashion-MNIST and
KMNIST come through torchvision's own download into the data root: ``root`` if given, else the
``VAE_DATA_ROOT`` environment variable, else ``~/.cache/vae-latent-explorer/datasets``.
"""

from __future__ import annotations

import gzip
import os
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from .config import Dataset, options

EMBEDDED_MNIST = Path(__file__).with_name("mnist")
DATASETS = options(Dataset)
DIGIT_CLASSES = tuple(str(i) for i in range(10))
CLASS_NAMES = {
    "mnist": DIGIT_CLASSES,
    "kmnist": ("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"),
    "fashion-mnist": (
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
}


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
    """(uint8 images N x 28 x 28, int64 labels N) for a split of ``mnist``, ``fashion-mnist`` or ``kmnist``.

    ``mnist`` without a root is the copy embedded in this package. Results are cached per process
    and shared, so treat them as read-only.
    """
    name = name.lower()
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}: choose one of {', '.join(DATASETS)}")
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
