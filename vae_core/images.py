"""Images in [0, 1] as 8-bit grey levels: the one conversion, wherever a figure, a PNG, a score or a
test compares pixels with the browser's.

The rule is x -> round(255 * clip(x, 0, 1)), computed in the input's own float precision and rounded
to the nearest level with ties to even. Ties to even is what ``numpy.round``, ``torch.round`` and the
browser's ``Uint8ClampedArray`` all do (the HTML spec's ToUint8Clamp), so the images the server sends,
the grey levels the anomaly scores compress and the digits ``ui/components/decoder.js`` draws on the
latent pad agree to within one level (tests/test_decoder_browser.py; bench/decoder.py). Flooring
instead (``astype(np.uint8)`` on its own) would put pixels up to one level below the browser's on top
of the float16 weights' own difference.
"""

from __future__ import annotations

import numpy as np
import torch


def to_uint8(images: torch.Tensor | np.ndarray) -> np.ndarray:
    """Pixel values in [0, 1] (any shape, a tensor on any device or an array) as uint8 grey levels
    0-255 in a numpy array of the same shape: clipped to [0, 1], times 255, rounded to the nearest
    level with ties to even (the module docstring says why). Images that are uint8 already are grey
    levels: returned as they are."""
    array = images.detach().cpu().numpy() if isinstance(images, torch.Tensor) else np.asarray(images)
    if array.dtype == np.uint8:
        return array
    return (np.clip(array, 0, 1) * 255).round().astype(np.uint8)
