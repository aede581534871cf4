"""The nearest training image: is a generated digit new, or a copy of one the model learnt from?

A sample "not in the training set" can still be a near copy of a training image. The plainest check is
the distance in pixel space to every training image: Euclidean, on grey levels in [0, 1] (so a distance
of 1 is one pixel flipped from black to white). Its meaning comes from a reference: how far a *new*
handwritten digit, one of the test split, is from its own nearest training image. A sample as far from
the training set as test digits are is as new as a digit somebody else wrote.

All 60,000 distances of a query come from one matrix product per chunk of training images,
||a - b||^2 = ||a||^2 + ||b||^2 - 2 a.b, with a running minimum: no 60,000 x 784 float copy is kept;
the winner's distance is then measured directly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

CHUNK = 10_000  # training images per matrix product: 31 MB of floats at a time
REFERENCE_DIGITS = 1000  # test digits whose nearest training image gives the reference distances
SEED = 0


@dataclass(frozen=True)
class Nearest:
    """For each query: the index of its nearest reference image and the Euclidean distance to it."""

    indices: Tensor  # N, int64
    distances: Tensor  # N, float32, in units of grey levels in [0, 1]


def _flat(images: Tensor) -> Tensor:
    """N x 784 float32 in [0, 1] from uint8 or float images (N x 28 x 28 or N x 1 x 28 x 28)."""
    flat = images.reshape(images.shape[0], -1)
    return flat.float() / 255.0 if flat.dtype == torch.uint8 else flat.float()


@torch.inference_mode()
def nearest_images(queries: Tensor, references: Tensor, chunk: int = CHUNK) -> Nearest:
    """The nearest of ``references`` (e.g. the 60,000 training images, uint8) to each of ``queries``
    (uint8 or float in [0, 1]), by Euclidean distance on grey levels in [0, 1]."""
    if len(references) == 0:
        raise ValueError("no reference images to compare with")
    q = _flat(queries)
    q_norms = (q * q).sum(1, keepdim=True)
    best = torch.full((len(q),), float("inf"))
    best_index = torch.zeros(len(q), dtype=torch.int64)
    for start in range(0, len(references), chunk):
        r = _flat(references[start : start + chunk])
        squared = q_norms + (r * r).sum(1)[None] - 2.0 * q @ r.T
        value, index = squared.min(1)
        better = value < best
        best = torch.where(better, value, best)
        best_index = torch.where(better, index + start, best_index)
    # The expanded square loses precision near 0 (a copy came out at 0.009): measure the winners directly.
    return Nearest(best_index, (q - _flat(references[best_index])).norm(dim=1))


def reference_distances(
    test_images: Tensor, train_images: Tensor, n: int = REFERENCE_DIGITS, seed: int = SEED
) -> np.ndarray:
    """The distance from each of ``n`` test digits (a seeded random choice) to its nearest training
    image: how far a new handwritten digit is from the training set."""
    chosen = torch.from_numpy(np.random.default_rng(seed).permutation(len(test_images))[:n])
    return nearest_images(test_images[chosen], train_images).distances.numpy()
