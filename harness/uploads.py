"""Files a person uploads, made from real data: a digit as a phone photo of paper would give it, and a
holiday snapshot with no digit in it. Used by the tests and by the screenshot tool."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw

from vae_core import load_dataset


def digit_png(index: int = 0, invert: bool = True, size: int = 112) -> bytes:
    """A real MNIST test digit as a person's upload would be: enlarged PNG, dark ink on white by default."""
    digit = load_dataset("mnist", train=False)[0][index].numpy()
    buffer = io.BytesIO()
    Image.fromarray(255 - digit if invert else digit).resize((size, size)).save(buffer, "PNG")
    return buffer.getvalue()


def colourful_photo(seed: int = 0, width: int = 400, height: int = 300) -> bytes:
    """A JPEG like a holiday snapshot with no digit in it: a blue-to-pink sky, green grass, a yellow sun,
    a red house with a brown roof, a little sensor noise."""
    rows, cols = np.mgrid[0:height, 0:width] / np.array([height, width])[:, None, None]
    sky = np.stack([120 + 100 * cols, 160 + 80 * rows, 230 - 120 * cols], -1)
    picture = Image.fromarray(sky.clip(0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(picture)
    draw.rectangle([0, int(height * 0.65), width, height], fill=(40, 160, 60))
    draw.ellipse([60, 40, 160, 140], fill=(250, 200, 30))
    draw.rectangle([230, 120, 340, 230], fill=(200, 30, 40))
    draw.polygon([(220, 125), (285, 60), (350, 125)], fill=(120, 60, 30))
    noisy = np.asarray(picture, dtype=np.float64) + np.random.default_rng(seed).normal(0, 6, (height, width, 3))
    buffer = io.BytesIO()
    Image.fromarray(noisy.clip(0, 255).astype(np.uint8)).save(buffer, "JPEG")
    return buffer.getvalue()
