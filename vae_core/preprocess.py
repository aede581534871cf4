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
    # Colour of the original, per pixel: max(R, G, B) - min(R, G, B) in [0, 1], 0 for grey pictures
    chroma: np.ndarray | None = None

    @property
    def tensor(self) -> Tensor:
        return torch.from_numpy(self.centred).float()[None]


def load_image(image: Image.Image | bytes | np.ndarray) -> np.ndarray:
    """A grey float array in [0, 1] from a PIL image, encoded bytes or a numeric array."""
    return _load(image)[0]


def _load(image: Image.Image | bytes | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(grey levels, chroma), both H x W floats in [0, 1]: ``load_image`` and how colourful each pixel is."""
    if isinstance(image, np.ndarray):
        return _array_to_grey(image), _chroma(np.asarray(image, dtype=np.float32))
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
        return _pil_to_grey(image), _pil_chroma(image)
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


def _pil_chroma(image: Image.Image) -> np.ndarray:
    """max(R, G, B) - min(R, G, B) of each pixel in [0, 1], weighed by opacity; 0 for grey modes."""
    if image.mode in ("L", "LA", "1", "I", "F", "I;16", "I;16B", "I;16L", "I;16N"):
        return np.zeros((image.height, image.width), dtype=np.float32)
    rgba = np.asarray(image.convert("RGBA"), dtype=np.float32) / 255.0
    return (rgba[..., :3].max(-1) - rgba[..., :3].min(-1)) * rgba[..., 3]


def _chroma(a: np.ndarray) -> np.ndarray:
    """The same for an array: H x W x 3 (or 4) colour, else grey (chroma 0)."""
    if a.ndim == 3 and a.shape[-1] in (3, 4) and np.isfinite(a).all():
        rgb = a[..., :3] / (255.0 if a.max() > 1.0 else 1.0)
        return np.clip(rgb.max(-1) - rgb.min(-1), 0.0, 1.0)
    shape = a.shape[-2:] if a.ndim == 3 and a.shape[0] == 1 else a.shape[:2]
    return np.zeros(shape, dtype=np.float32)


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
    grey, chroma = _load(image)
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
    return PreprocessSteps(grey, normalised, cropped, fitted, centred, inverted, chroma)


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


# ------------------------------------------------------------------------------ a second opinion
# The ELBO says how well the model explains an image, not whether it is a digit: a colourful photo
# reduced to grey levels and squeezed into 20 x 20 can score like a typical test digit. These plain
# measurements of the upload ask the other question. Each is compared with the range it takes on
# MNIST's own test digits put through the same preprocessing (``calibrate``; docs/anomaly.md), so a
# check fires only where fewer than 0.5 % of real digits would.

COLOUR_CHROMA = 0.25  # a pixel is in strong colour when max(R, G, B) - min(R, G, B) exceeds a quarter
INK_LEVEL = 0.5  # in the 28 x 28 input, a pixel is ink when brighter than half
CENTRAL_BOX = slice(4, 24)  # MNIST's 20 x 20 box, centred in 28 x 28
CALIBRATION_PERCENT = 0.5  # each limit lets through all but this percentage of test digits on its side


@dataclass(frozen=True)
class DigitLook:
    """Plain measurements of one preprocessed upload."""

    colour: float  # share of the original picture's pixels in strong colour (``COLOUR_CHROMA``)
    ink_share: float  # share of the 28 x 28 input's pixels with any ink (``INK_THRESHOLD``)
    coverage: float  # share of the 28 x 28 input's pixels that are ink (``INK_LEVEL``)
    strokes: int  # separate pieces of ink in the 28 x 28 input (8-neighbour connected)
    in_box: float  # share of the input's ink (summed grey levels) inside the central 20 x 20 box


@dataclass(frozen=True)
class DigitRanges:
    """What MNIST test digits measure, from ``calibrate``: each limit the ``CALIBRATION_PERCENT`` or
    100 - ``CALIBRATION_PERCENT`` percentile of its measurement over ``images`` digits."""

    ink_share_max: float
    coverage_min: float
    coverage_max: float
    strokes_max: int
    in_box_min: float
    images: int


def measure(steps: PreprocessSteps) -> DigitLook:
    """The measurements of ``DigitLook`` for one preprocessed image."""
    from scipy.ndimage import label  # scipy comes with scikit-learn

    ink = steps.centred > INK_LEVEL
    total = float(steps.centred.sum())
    return DigitLook(
        colour=float((steps.chroma > COLOUR_CHROMA).mean()) if steps.chroma is not None else 0.0,
        ink_share=float((steps.centred > INK_THRESHOLD).mean()),
        coverage=float(ink.mean()),
        strokes=int(label(ink, structure=np.ones((3, 3)))[1]),
        in_box=float(steps.centred[CENTRAL_BOX, CENTRAL_BOX].sum()) / total if total > 0 else 0.0,
    )


def calibrate(images: Tensor | np.ndarray) -> DigitRanges:
    """The ranges of ``DigitLook`` over digits (uint8 N x 28 x 28, light ink on black, as MNIST stores
    them), each put through ``preprocess_steps`` as an upload would be."""
    looks = [measure(preprocess_steps(np.asarray(image))) for image in np.asarray(images)]

    def column(name: str) -> np.ndarray:
        return np.array([getattr(look, name) for look in looks], dtype=np.float64)

    low, high = CALIBRATION_PERCENT, 100 - CALIBRATION_PERCENT
    return DigitRanges(
        ink_share_max=round(float(np.percentile(column("ink_share"), high)), 3),
        coverage_min=round(float(np.percentile(column("coverage"), low)), 3),
        coverage_max=round(float(np.percentile(column("coverage"), high)), 3),
        strokes_max=int(np.ceil(np.percentile(column("strokes"), high))),
        in_box_min=round(float(np.percentile(column("in_box"), low)), 3),
        images=len(looks),
    )


# ``calibrate`` on the 10,000 MNIST test digits (tests/test_preprocess.py checks these figures).
MNIST_RANGES = DigitRanges(
    ink_share_max=0.314, coverage_min=0.043, coverage_max=0.274, strokes_max=3, in_box_min=0.866, images=10_000
)


def digit_doubts(look: DigitLook, ranges: DigitRanges = MNIST_RANGES) -> list[str]:
    """Each check the upload fails, as a sentence a person can act on (empty: it looks like a digit).
    The colour check comes first: a colour photo fails the others for that reason."""
    found = f"of {ranges.images:,} MNIST test digits"
    doubts = []
    if look.colour > ranges.ink_share_max:
        doubts.append(
            f"this looks like a colour photo, not a handwritten digit: {look.colour:.0%} of the picture is in "
            f"strong colour, but ink covers at most {ranges.ink_share_max:.0%} of a digit's 28 × 28 image in "
            f"{100 - CALIBRATION_PERCENT:g}% {found}, so the colour cannot all be ink"
        )
    if look.coverage > ranges.coverage_max:
        doubts.append(
            f"too much ink for a digit: {look.coverage:.0%} of the 28 × 28 input is bright, where "
            f"{100 - CALIBRATION_PERCENT:g}% {found} have at most {ranges.coverage_max:.0%}"
        )
    if look.coverage < ranges.coverage_min:
        doubts.append(
            f"too little ink for a digit: {look.coverage:.1%} of the 28 × 28 input is bright, where "
            f"{100 - CALIBRATION_PERCENT:g}% {found} have at least {ranges.coverage_min:.1%}"
        )
    if look.strokes > ranges.strokes_max:
        doubts.append(
            f"the ink is in {look.strokes} separate pieces, where {100 - CALIBRATION_PERCENT:g}% {found} "
            f"have at most {ranges.strokes_max}"
        )
    if look.in_box < ranges.in_box_min:
        doubts.append(
            f"the central 20 × 20 box holds only {look.in_box:.0%} of the ink, where "
            f"{100 - CALIBRATION_PERCENT:g}% {found} keep at least {ranges.in_box_min:.0%} there"
        )
    return doubts
