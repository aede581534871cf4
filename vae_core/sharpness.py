"""How sharp a set of grey images is, in two figures a class can read off a slide.

Why a VAE's decoded means blur: the mean of p(x|z) is E[x|z], the average of every image the code z
could stand for. Under a Gaussian likelihood with fixed variance, -log p(x|z) = ||x - mu(z)||^2 /
(2 sigma^2) + const, so the best decoder mean is exactly that average, and an average of several
strokes is a soft, grey stroke. Two measures of it, both on grey levels in [0, 1]:

- ``mid_grey_share``: of the pixels with ink (>= INK), the share that is neither near-black nor
  near-white (INK <= x < SOLID). A crisp stroke is mostly solid with a thin rim; a blurred one is
  mostly rim. MNIST's own test digits give the reference.
- ``edge_strength``: the mean gradient magnitude (central differences, grey levels per pixel, on the
  0-255 scale of an 8-bit image) over the inked pixels and their neighbours: steep edges are sharp ones.

Both are averaged over the images, each image weighing the same.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

INK = 0.1  # a pixel darker than this (on white-on-black MNIST: dimmer) is background
SOLID = 0.9  # a pixel at least this bright is the stroke's solid core


def _as_images(images: Tensor) -> Tensor:
    """N x H x W floats in [0, 1] from N x H x W or N x 1 x H x W."""
    return images.reshape(-1, images.shape[-2], images.shape[-1]).double().clamp(0.0, 1.0)


def mid_grey_share(images: Tensor) -> float:
    """Mean over images of the share of inked pixels that are mid-grey (INK <= x < SOLID)."""
    x = _as_images(images)
    inked = x >= INK
    grey = inked & (x < SOLID)
    share = grey.sum((1, 2)).double() / inked.sum((1, 2)).clamp(min=1).double()
    return float(share.mean())


def edge_strength(images: Tensor) -> float:
    """Mean over images of the gradient magnitude (0-255 grey levels per pixel) over the inked pixels
    and their neighbours."""
    x = _as_images(images) * 255.0
    padded = torch.nn.functional.pad(x[:, None], (1, 1, 1, 1), mode="replicate")[:, 0]
    gx = (padded[:, 1:-1, 2:] - padded[:, 1:-1, :-2]) / 2
    gy = (padded[:, 2:, 1:-1] - padded[:, :-2, 1:-1]) / 2
    magnitude = torch.sqrt(gx**2 + gy**2)
    # the inked pixels and their neighbours, so the outer rim of each stroke counts too
    inked = torch.nn.functional.max_pool2d((x >= INK * 255.0).double()[:, None], 3, 1, 1)[:, 0]
    per_image = (magnitude * inked).sum((1, 2)) / inked.sum((1, 2)).clamp(min=1)
    return float(per_image.mean())


@dataclass(frozen=True)
class Sharpness:
    """Both figures for one set of images."""

    mid_grey_share: float
    edge_strength: float

    def __str__(self) -> str:
        return f"mid-grey share {self.mid_grey_share:.2f}, edge strength {self.edge_strength:.1f}"


def sharpness(images: Tensor) -> Sharpness:
    return Sharpness(mid_grey_share(images), edge_strength(images))
