"""Images as uint8 arrays and their PNG/GIF bytes: what the pages show and offer for download.

No Streamlit here: every function is plain numpy/PIL, tested on its own.
"""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image

import vae_core as vc  # imports no torch until a name in it is used (vae_core/__init__.py)

RED = (230, 30, 30)  # the mark on a grid's cell (ui.widgets.marked_grid)


def tiled(images: np.ndarray, columns: int, pad: int = 2) -> np.ndarray:
    """N x H x W grey levels (uint8) laid out row by row, ``pad`` black pixels between them."""
    import torch  # here, not above: the explorer's first view uses this module before torch is loaded

    return vc.tile(torch.from_numpy(np.ascontiguousarray(images)), columns, pad=pad).numpy()


def enlarge(image: np.ndarray, factor: int) -> np.ndarray:
    """Nearest-neighbour enlargement: pixels stay crisp squares, as a teacher wants to show them."""
    if factor <= 1:
        return image
    return image.repeat(factor, axis=0).repeat(factor, axis=1)


def square(image: np.ndarray) -> np.ndarray:
    """Pad a grey image with black to a centred square, so a thin crop is not stretched on screen."""
    h, w = image.shape
    side = max(h, w)
    out = np.zeros((side, side), dtype=image.dtype)
    out[(side - h) // 2 : (side - h) // 2 + h, (side - w) // 2 : (side - w) // 2 + w] = image
    return out


def png_bytes(image: np.ndarray) -> bytes:
    """Lossless PNG at zlib level 1: 3x faster than the default level on decoded grids (6 vs 18 ms
    for 15 x 15 digits, sent on every slider move) and no bigger, as their smooth greys barely compress."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def png_uri(image: np.ndarray) -> str:
    """An image for st.image as an inline, lossless PNG. Given an array, Streamlit would send a JPEG
    (smudging 28 x 28 digits) from a media URL that the next rerun may already have deleted while
    the browser still fetches it; inline, a slider's image also arrives with the rerun itself."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(image)).decode()


def gif_bytes(frames: list[np.ndarray], ms_per_frame: int = 120) -> bytes:
    """An animated GIF that walks forward and back again, looping."""
    images = [Image.fromarray(f) for f in frames + frames[-2:0:-1]]
    buffer = io.BytesIO()
    images[0].save(buffer, "GIF", save_all=True, append_images=images[1:], duration=ms_per_frame, loop=0)
    return buffer.getvalue()


def heatmap(error: np.ndarray) -> np.ndarray:
    """|x - x_hat| in [0, 1] as an RGB image: black for no error, through red to yellow."""
    e = np.clip(error, 0, 1)
    rgb = np.stack([np.clip(2 * e, 0, 1), np.clip(2 * e - 1, 0, 1), np.zeros_like(e)], axis=-1)
    return vc.to_uint8(rgb)


def nearest_cell(axis: np.ndarray, z1: float, z2: float) -> tuple[int, int, bool]:
    """(row, column) of the grid cell whose centre is nearest to the point (z1, z2), row 0 at the top,
    and whether the point lies on the grid at all: within half a cell's spacing of its outer centres.
    The axis holds the cell centres in increasing order (even or inverse-CDF spacing)."""
    col = int(np.abs(axis - z1).argmin())
    row = len(axis) - 1 - int(np.abs(axis - z2).argmin())
    first, last = axis[1] - axis[0], axis[-1] - axis[-2]
    low, high = axis[0] - first / 2, axis[-1] + last / 2
    return row, col, bool(low <= z1 <= high and low <= z2 <= high)


EXPORT_SIDES = (256, 512, 1024)  # px offered for downloads: a projector wants 512 or more


def for_export(image: np.ndarray, side: int) -> np.ndarray:
    """Enlarged by the smallest whole factor that makes its height at least ``side`` pixels, with
    crisp nearest-neighbour pixels (a strip's height, a square grid's side)."""
    return enlarge(image, max(1, -(-side // image.shape[0])))


def labelled_rows(rows: np.ndarray, labels: list[str], scale: int = 2, pad: int = 2) -> np.ndarray:
    """Rows of digits (R x S x H x W, uint8) as one grey image: each row enlarged ``scale`` times with
    ``pad`` black pixels between digits and rows, its label written in white at its left (so a saved
    or projected figure still says which dimension each row sweeps)."""
    from PIL import ImageDraw, ImageFont

    r, s, h, w = rows.shape
    font = ImageFont.load_default(size=7 * scale + 2)
    label_width = max((int(font.getlength(label)) for label in labels), default=0) + 4 * scale
    cell_h, cell_w = h * scale + pad, w * scale + pad
    canvas = Image.new("L", (label_width + s * cell_w - pad, r * cell_h - pad), 0)
    draw = ImageDraw.Draw(canvas)
    for i, (row, label) in enumerate(zip(rows, labels, strict=True)):
        for j, digit in enumerate(row):
            canvas.paste(Image.fromarray(enlarge(digit, scale)), (label_width + j * cell_w, i * cell_h))
        draw.text((2 * scale, i * cell_h + h * scale // 2), label, fill=255, font=font, anchor="lm")
    return np.asarray(canvas)
