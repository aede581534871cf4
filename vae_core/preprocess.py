"""Turn any picture of a digit into an MNIST-like input, the way MNIST itself was made.

LeCun et al.: the NIST digits were size-normalised to fit a 20 x 20 box keeping their aspect ratio,
then centred in a 28 x 28 image by their centre of mass, white ink on black. We do the same after
making the picture grey, putting the ink light on a dark background, and cropping to the ink.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageOps, UnidentifiedImageError
from torch import Tensor

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 25_000_000  # 5000 x 5000: far more than a digit needs, far less than a decompression bomb
MIN_SIDE = 8
INK_THRESHOLD = 0.15  # a pixel is ink when it is this much brighter than the background (0..1)


class ImageError(ValueError):
    """An input that cannot become a digit; the message tells a person what to do about it."""


@dataclass(frozen=True)
class PreprocessSteps:
    """Every stage, as float arrays in [0, 1] (ink bright), for showing the pipeline."""

    grey: np.ndarray  # the picture in grey levels, as uploaded
    normalised: np.ndarray  # light ink on a black background, background level removed
    cropped: np.ndarray  # the bounding box of the ink
    fitted: np.ndarray  # scaled to fit 20 x 20, aspect ratio kept
    centred: np.ndarray  # 28 x 28, centre of mass in the middle: the model's input
    inverted: bool  # whether the picture had a light background and was inverted

    @property
    def tensor(self) -> Tensor:
        return torch.from_numpy(self.centred).float()[None]


def load_image(image: Image.Image | bytes | np.ndarray) -> np.ndarray:
    """A grey float array in [0, 1] from a PIL image, encoded bytes or a numeric array."""
    if isinstance(image, np.ndarray):
        return _array_to_grey(image)
    if isinstance(image, (bytes, bytearray)):
        if len(image) == 0:
            raise ImageError("the file is empty")
        if len(image) > MAX_UPLOAD_BYTES:
            raise ImageError(f"the file is larger than {MAX_UPLOAD_BYTES // 2**20} MB; a digit needs far less")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                image = Image.open(io.BytesIO(bytes(image)))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageError(_too_many_pixels()) from exc
        except UnidentifiedImageError as exc:
            raise ImageError(
                "this file is not an image that can be read "
                "(use PNG, JPEG, GIF, BMP, TIFF or WebP; SVG is not supported)"
            ) from exc
    if not isinstance(image, Image.Image):
        raise ImageError(f"expected an image, bytes or an array, not {type(image).__name__}")
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise ImageError(_too_many_pixels(f"{width} x {height} pixels"))
    try:
        image.seek(0)  # first frame of an animation
        image.load()
        image = ImageOps.exif_transpose(image)
        return _pil_to_grey(image)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ImageError(f"the image data are damaged or truncated and cannot be decoded ({exc})") from exc


def _too_many_pixels(size: str = "too large") -> str:
    return f"the image is {size}, more than the {MAX_PIXELS // 1_000_000} megapixels allowed; scale it down"


def _pil_to_grey(image: Image.Image) -> np.ndarray:
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N"):
        return np.asarray(image, dtype=np.float32) / 65535.0
    if image.mode in ("I", "F"):
        return _array_to_grey(np.asarray(image, dtype=np.float32))
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA"):
        rgba = np.asarray(image.convert("RGBA"), dtype=np.float32) / 255.0
        alpha = rgba[..., 3]
        grey = rgba[..., :3] @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
        opaque = alpha > 0.5
        # Transparent parts become the colour that contrasts with the ink: a background.
        background = 1.0 if (opaque.any() and grey[opaque].mean() < 0.5) else 0.0
        return grey * alpha + background * (1 - alpha)
    return np.asarray(image.convert("L"), dtype=np.float32) / 255.0


def _array_to_grey(array: np.ndarray) -> np.ndarray:
    a = np.asarray(array, dtype=np.float32)
    if a.ndim == 3 and a.shape[-1] in (3, 4):
        a = a[..., :3] @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    if a.ndim == 3 and a.shape[0] == 1:
        a = a[0]
    if a.ndim != 2 or not np.isfinite(a).all():
        raise ImageError("expected a 2-D grey (or H x W x 3 colour) array of finite numbers")
    if a.max() > 1.0:
        a = a / (255.0 if a.max() <= 255 else a.max())
    return np.clip(a, 0.0, 1.0)


def preprocess_steps(image: Image.Image | bytes | np.ndarray) -> PreprocessSteps:
    """Run the MNIST recipe and keep every stage. Raises ImageError for unusable input."""
    grey = load_image(image)
    if min(grey.shape) < MIN_SIDE:
        raise ImageError(
            f"the image is {grey.shape[1]} x {grey.shape[0]} pixels; a digit needs at least {MIN_SIDE} x {MIN_SIDE}"
        )
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    inverted = bool(np.median(border) > 0.5)
    ink = 1.0 - grey if inverted else grey
    background = float(np.median(np.concatenate([ink[0], ink[-1], ink[:, 0], ink[:, -1]])))
    peak = float(ink.max())
    if peak - background < INK_THRESHOLD:
        raise ImageError("no digit found: the image is blank (one flat colour); draw or upload a visible digit")
    normalised = np.clip((ink - background) / (peak - background), 0.0, 1.0)
    rows, cols = np.nonzero(normalised > INK_THRESHOLD)
    cropped = normalised[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    fitted = _fit(cropped, 20)
    centred = _centre_by_mass(fitted, 28)
    return PreprocessSteps(grey, normalised, cropped, fitted, centred, inverted)


def preprocess_image(image: Image.Image | bytes | np.ndarray) -> Tensor:
    """A 1 x 28 x 28 float tensor in [0, 1], MNIST-like, from any picture of one digit."""
    return preprocess_steps(image).tensor


def _fit(a: np.ndarray, box: int) -> np.ndarray:
    """Scale so the longer side is ``box`` pixels, keeping the aspect ratio (antialiased)."""
    h, w = a.shape
    scale = box / max(h, w)
    size = (max(1, round(h * scale)), max(1, round(w * scale)))
    t = torch.from_numpy(np.ascontiguousarray(a))[None, None]
    resized = F.interpolate(t, size=size, mode="bilinear", antialias=scale < 1, align_corners=False)
    return resized[0, 0].clamp(0, 1).numpy()


def _centre_by_mass(a: np.ndarray, size: int) -> np.ndarray:
    """Place ``a`` in a size x size black image with its centre of mass at pixel (size/2, size/2),
    where MNIST's digits have theirs (14, 14), as far as the frame allows."""
    h, w = a.shape
    total = a.sum()
    ys, xs = np.indices(a.shape)
    cy, cx = (ys * a).sum() / total, (xs * a).sum() / total
    top = int(np.clip(round(size / 2 - cy), 0, size - h))
    left = int(np.clip(round(size / 2 - cx), 0, size - w))
    out = np.zeros((size, size), dtype=np.float32)
    out[top : top + h, left : left + w] = a
    return out
