"""Sprites: 28 x 28 grey images made by a program from five known factors, every combination once.

In the spirit of dSprites (Matthey et al. 2017), which is itself rendered by a program from its
factors, so a model's code can be scored against the truth (vae_core.disentanglement). Nothing is
downloaded: the whole set is rendered here, deterministically, in well under a second.

The factors and how many values each takes (3 x 6 x 10 x 14 x 14 = 35,280 images):

- ``shape`` (3): square, ellipse (2:1), heart: dSprites' three, told apart at 28 px by their outlines.
- ``scale`` (6): the shape's circumscribed radius, 3.5 to 7 px in equal steps: dSprites' 0.5 to 1 in
  six steps, so the smallest is half the largest and still has a recognisable outline.
- ``orientation`` (10): anticlockwise turns in equal steps over the shape's *own* symmetry period:
  a square looks the same after 90 degrees and an ellipse after 180, so their ten steps span
  0-81 and 0-162 degrees and the heart's 0-324. dSprites turns every shape over 360 degrees, which
  draws the same square four times under four orientation values; here two images differ exactly
  when their factors do, and "orientation" means the fraction of the way round the symmetry period.
- ``x``, ``y`` (14 each): the centre, at every whole pixel from 7.5 to 20.5 px (pixel centres), the
  positions where the largest shape at any turn stays inside the frame (its 7 px radius leaves half
  a pixel to each border). Whole-pixel steps make a move exact: each shape is rendered once in a
  15 x 15 patch and pasted at 14 x 14 offsets, so position changes nothing but position.

Rendering: each pixel is the fraction of a 16 x 16 grid of points inside it that fall inside the shape
(supersampled anti-aliasing), times 255, rounded. About 35,000 images keep a 2-core CPU's training
short while every factor still has as many values as the 28 px frame can show apart; dSprites'
737,280 come from 64 x 64 frames and 40 orientations.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
from torch import Tensor

from .data import DatasetSource, register_dataset

SHAPES = ("square", "ellipse", "heart")
SYMMETRY_ORDER = {"square": 4, "ellipse": 2, "heart": 1}  # the shape looks the same after 360/order degrees
FACTOR_NAMES = ("shape", "scale", "orientation", "x", "y")
SCALES = 6
ORIENTATIONS = 10
POSITIONS = 14
FRAME = 28
PATCH = FRAME - POSITIONS + 1  # 15: the patch a shape is drawn in, pasted at POSITIONS offsets per axis
LARGEST_RADIUS = 7.0  # px: the largest circumscribed radius, half a pixel inside the patch's border
SMALLEST_RADIUS = LARGEST_RADIUS / 2
SUPERSAMPLING = 16  # points per pixel side: coverage in steps of 1/256, as fine as uint8 holds
ELLIPSE_MINOR = 0.5  # semi-minor over semi-major axis
TEST_IMAGES = 5_000  # held out for the test split (a fixed random draw)
SPLIT_SEED = 0


@dataclass(frozen=True)
class FactorValues:
    """What each factor's integer values mean, for people: one array per factor, indexed by value."""

    shape: tuple[str, ...]
    radius_px: np.ndarray  # scale
    degrees: np.ndarray  # orientation, per shape (shape x ORIENTATIONS): the period differs
    x_px: np.ndarray
    y_px: np.ndarray


def factor_values() -> FactorValues:
    """The physical value behind each factor value: radii and centres in pixels, turns in degrees."""
    periods = np.array([360.0 / SYMMETRY_ORDER[s] for s in SHAPES])
    centres = np.arange(POSITIONS) + PATCH / 2  # pixel 7's centre, 7.5, then every whole pixel on
    return FactorValues(
        shape=SHAPES,
        radius_px=np.linspace(SMALLEST_RADIUS, LARGEST_RADIUS, SCALES),
        degrees=periods[:, None] * np.arange(ORIENTATIONS)[None, :] / ORIENTATIONS,
        x_px=centres,
        y_px=centres.copy(),
    )


def factor_counts() -> tuple[int, ...]:
    """How many values each factor takes, in ``FACTOR_NAMES`` order."""
    return (len(SHAPES), SCALES, ORIENTATIONS, POSITIONS, POSITIONS)


def _inside(shape: str, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Whether points (x right, y up, in units of the circumscribed radius) fall inside ``shape``
    centred on the origin, unturned."""
    if shape == "square":
        half_side = 1 / np.sqrt(2)  # corners on the unit circle
        return np.maximum(np.abs(x), np.abs(y)) <= half_side
    if shape == "ellipse":
        return x**2 + (y / ELLIPSE_MINOR) ** 2 <= 1
    centre, radius = _heart_frame()
    u, v = x * radius + centre[0], y * radius + centre[1]
    return _heart(u, v)


def _heart(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The classic algebraic heart (x^2 + y^2 - 1)^3 <= x^2 y^3 (point down, lobes up)."""
    return (u**2 + v**2 - 1) ** 3 - u**2 * v**3 <= 0


@lru_cache(maxsize=1)
def _heart_frame() -> tuple[tuple[float, float], float]:
    """The heart's centroid (it turns about its centre of mass) and its farthest point from there,
    measured on a fine grid once, so every shape has circumscribed radius 1 about its turning centre."""
    grid = np.linspace(-1.5, 1.5, 1501)
    u, v = np.meshgrid(grid, grid)
    inside = _heart(u, v)
    centre = (float(u[inside].mean()), float(v[inside].mean()))
    radius = float(np.sqrt((u[inside] - centre[0]) ** 2 + (v[inside] - centre[1]) ** 2).max())
    return centre, radius


def _glyphs() -> np.ndarray:
    """uint8 (shapes, scales, orientations, PATCH, PATCH): each shape, scale and turn centred in its
    patch, anti-aliased by the coverage of SUPERSAMPLING^2 points per pixel."""
    values = factor_values()
    samples = (np.arange(PATCH * SUPERSAMPLING) + 0.5) / SUPERSAMPLING - PATCH / 2  # px from the centre
    right, down = np.meshgrid(samples, samples)  # image rows go down
    up = -down
    glyphs = np.empty((len(SHAPES), SCALES, ORIENTATIONS, PATCH, PATCH), np.uint8)
    for s, shape in enumerate(SHAPES):
        for o, degrees in enumerate(values.degrees[s]):
            turn = np.deg2rad(degrees)
            # A point of the turned shape is the unturned shape's point turned back by -turn.
            x = np.cos(turn) * right + np.sin(turn) * up
            y = -np.sin(turn) * right + np.cos(turn) * up
            for r, radius in enumerate(values.radius_px):
                covered = _inside(shape, x / radius, y / radius)
                coverage = covered.reshape(PATCH, SUPERSAMPLING, PATCH, SUPERSAMPLING).mean(axis=(1, 3))
                glyphs[s, r, o] = np.rint(coverage * 255).astype(np.uint8)
    return glyphs


@lru_cache(maxsize=1)
def sprites() -> tuple[np.ndarray, np.ndarray]:
    """(uint8 images N x 28 x 28, int64 factors N x 5), every combination of the factors once, in
    ``np.ndindex`` order of ``factor_counts()`` (so an image's row is ``np.ravel_multi_index`` of its
    factors). Cached per process: treat the arrays as read-only."""
    glyphs = _glyphs()
    counts = factor_counts()
    images = np.zeros((*counts, FRAME, FRAME), np.uint8)
    for x in range(POSITIONS):
        for y in range(POSITIONS):
            images[:, :, :, x, y, y : y + PATCH, x : x + PATCH] = glyphs
    factors = np.stack(np.unravel_index(np.arange(int(np.prod(counts))), counts), axis=1).astype(np.int64)
    images = images.reshape(-1, FRAME, FRAME)
    images.flags.writeable = False
    factors.flags.writeable = False
    return images, factors


def split_rows(train: bool) -> np.ndarray:
    """The rows of a split: a fixed random draw of TEST_IMAGES for the test split, the rest for
    training, each in that random order (so the first n training images are a fair sample)."""
    order = np.random.default_rng(SPLIT_SEED).permutation(int(np.prod(factor_counts())))
    return order[TEST_IMAGES:] if train else order[:TEST_IMAGES]


def _load(train: bool, root: str | None) -> tuple[Tensor, Tensor]:
    """The split's images and, as its labels, the shape (the class a scatter colours by)."""
    del root  # rendered here: there is nothing on disk to point at
    images, factors = sprites()
    rows = split_rows(train)
    return torch.from_numpy(images[rows].copy()), torch.from_numpy(factors[rows, 0].copy())


def _with_factors(train: bool | None) -> tuple[Tensor, Tensor, tuple[str, ...]]:
    images, factors = sprites()
    rows = np.arange(len(images)) if train is None else split_rows(train)
    return torch.from_numpy(images[rows].copy()), torch.from_numpy(factors[rows].copy()), FACTOR_NAMES


register_dataset(
    DatasetSource(
        name="sprites",
        class_names=SHAPES,
        load=_load,
        with_factors=_with_factors,
        description="sprites with known factors (shape, scale, orientation, x, y), rendered here",
    )
)
