"""The files the browser fetches for a model: the decoder and the encoder its components run, the test
digits' means a pad draws and the explorer's decoded manifold, each served by server.served under a URL
that names its content.

Made the first time any session asks, for any model; a shipped model's are also kept with its card
(ui.cards), so that after a restart the explorer's first view sends its latent pad without loading
the model or importing torch. This module imports no torch; making a file does.
"""

from __future__ import annotations

import numpy as np

import vae_core as vc  # imports no torch until a name in it is used (vae_core/__init__.py)
from server import served
from ui import derived
from ui.images import png_bytes
from ui.models import ActiveModel


def decoder_file(active: ActiveModel) -> served.File:
    """The model's decoder as the browser runs it (vae_core.export, float16 weights: half the bytes, and still
    within one 8-bit level of PyTorch): its ``url``, and its ``data``, whose length a pad shows as it loads.
    The URL names the content, so the browser fetches it once."""
    return served.file(
        f"decoder:{active.key}",
        "vaed",
        lambda: active.kept("decoder.vaed", lambda: vc.decoder_bytes(active.model, bits=16), bytes),
    )


def encoder_file(active: ActiveModel) -> served.File:
    """The model's encoder as the browser runs it while a person draws (vae_core.export, float16: posterior
    means and log-variances within 0.01 of PyTorch's, tests/test_encoder_browser.py), as ``decoder_file``."""
    return served.file(
        f"encoder:{active.key}",
        "vaee",
        lambda: active.kept("encoder.vaee", lambda: vc.encoder_bytes(active.model, bits=16), bytes),
    )


def points_url(active: ActiveModel, dims: tuple[int, int]) -> str:
    """The URL of the test digits' encoder means in dimensions ``dims`` with their labels, for a latent
    pad to draw (90 KB once per model and pair of dimensions, rather than with every rerun). Format:
    uint32 N, then N float32 x, N float32 y, N uint8 labels, all little-endian."""

    def make() -> bytes:
        means, _, labels = derived.encoded_test(active.key, active)
        return _points_bytes(means[:, list(dims)], labels)

    return served.url(
        f"points:{active.key}:{dims[0]},{dims[1]}",
        "pts",
        lambda: active.kept(f"points-{dims[0]}-{dims[1]}.pts", make, bytes),
    )


def projected_points_url(active: ActiveModel) -> str:
    """As ``points_url``, with the means of a model of more than two dimensions projected on their first
    two principal components (ui.derived.projection, the Latent scatter's default view)."""

    def make() -> bytes:
        labels = derived.encoded_test(active.key, active)[2]
        coords, indices, _ = derived.projection(active.key, active, "pca", len(labels))
        return _points_bytes(coords, labels[indices])

    return served.url(f"points:{active.key}:pca", "pts", lambda: active.kept("points-pca.pts", make, bytes))


def _points_bytes(xy: np.ndarray, labels: np.ndarray) -> bytes:
    xy = np.asarray(xy, "<f4")
    n = np.array([len(xy)], "<u4")
    return b"".join((n.tobytes(), xy[:, 0].tobytes(), xy[:, 1].tobytes(), labels.astype(np.uint8).tobytes()))


def manifold_url(active: ActiveModel, grid: np.ndarray, spec: tuple[object, ...]) -> str:
    """The URL of ``grid``, a model's decoded manifold (uint8), as a lossless PNG. ``spec`` names what
    shaped it besides the model (size, extent, spacing, dimensions, base code): a point that moves over
    the grid leaves the URL as it is, so the browser shows the image it already has (150 kB for 15 x 15
    digits, which used to travel with every slider step and page switch)."""
    return served.url(f"manifold:{active.key}:{spec}", "png", lambda: png_bytes(grid))
