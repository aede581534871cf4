"""A VAE's decoder as one small binary file, for the decoder that runs in the browser
(ui/components/decoder.js), and back.

Format, all little-endian:

    offset  size  field
    0       4     magic b"VAED"
    4       4     uint32 version, 1
    8       4     uint32 bits per weight value: 16 (IEEE float16) or 32 (IEEE float32)
    12      4     uint32 D, the latent dimension
    16      4     uint32 H, the hidden width
    20      4     uint32 C2, channels of the 7 x 7 map
    24      4     uint32 C1, channels of the 14 x 14 map
    28      4     uint32 0, reserved (keeps the arrays 4-byte aligned)
    32      ...   the decoder's eight tensors, exactly as in the PyTorch state dict (row-major, no padding):
                  fc1.weight (H, D), fc1.bias (H),
                  fc2.weight (C2*49, H), fc2.bias (C2*49),
                  deconv1.weight (C2, C1, 4, 4), deconv1.bias (C1),
                  deconv2.weight (C1, 1, 4, 4), deconv2.bias (1)

The decoder is Linear(D, H) ReLU Linear(H, C2*7*7) ReLU Unflatten(C2, 7, 7)
ConvTranspose2d(C2, C1, 4, stride 2, padding 1) ReLU ConvTranspose2d(C1, 1, 4, stride 2, padding 1), and sigmoid
gives the 28 x 28 pixel means: the output function every shipped likelihood declares
(``Likelihood.browser_output``); a model whose likelihood declares another is refused. The file is
32 + (bits / 8) * (number of decoder parameters) bytes.

Why this and not ONNX: the browser side is ~150 lines of plain JavaScript that read exactly these
tensors (measured against ONNX Runtime Web and TensorFlow.js in docs/decoder.md); float16 halves the
bytes on the wire and still keeps every pixel within one 8-bit level of PyTorch's float32.
"""

from __future__ import annotations

import struct

import numpy as np
import torch
from torch import nn

from .model import VAE

MAGIC = b"VAED"
VERSION = 1
HEADER = struct.Struct("<4s7I")
BROWSER_OUTPUT = "sigmoid"  # what decoder.js applies to the logits


def _layers(decoder: nn.Sequential) -> list[nn.Linear | nn.ConvTranspose2d]:
    return [m for m in decoder if isinstance(m, nn.Linear | nn.ConvTranspose2d)]


def decoder_bytes(model: VAE, *, bits: int = 16) -> bytes:
    """The decoder of ``model`` in the format above, its weights as float16 (bits=16) or float32 (bits=32).
    Raises ValueError for a decoder of another shape, a likelihood whose mean is not the logits'
    sigmoid (the one output function decoder.js applies), or a weight too large for float16."""
    if bits not in (16, 32):
        raise ValueError(f"bits must be 16 or 32, not {bits}")
    if model.likelihood.browser_output != BROWSER_OUTPUT:
        raise ValueError(
            f"the browser decoder (decoder.js) applies only the logits' {BROWSER_OUTPUT}; the "
            f"{model.likelihood.label} likelihood's mean needs {model.likelihood.browser_output} "
            f"(from {model.likelihood.decoder_channels} decoder output channel(s)), which it does not "
            "implement yet: this model decodes on the server"
        )
    layers = _layers(model.decoder)
    fc1, fc2, deconv1, deconv2 = layers
    d, h = fc1.in_features, fc1.out_features
    c2, c1 = deconv1.in_channels, deconv1.out_channels
    expected = (
        (fc2.in_features, fc2.out_features) == (h, c2 * 49)
        and (deconv1.kernel_size, deconv1.stride, deconv1.padding) == ((4, 4), (2, 2), (1, 1))
        and (deconv2.in_channels, deconv2.out_channels, deconv2.kernel_size, deconv2.stride, deconv2.padding)
        == (c1, 1, (4, 4), (2, 2), (1, 1))
    )
    if not expected:
        raise ValueError(f"unexpected decoder shape: {model.decoder}")
    dtype = np.dtype("<f2") if bits == 16 else np.dtype("<f4")
    parts = [HEADER.pack(MAGIC, VERSION, bits, d, h, c2, c1, 0)]
    for layer in layers:
        for tensor in (layer.weight, layer.bias):
            with np.errstate(over="ignore"):  # a weight past float16's range becomes inf: refused just below
                values = tensor.detach().to("cpu", torch.float32).contiguous().numpy().astype(dtype)
            if not np.isfinite(values).all():
                raise ValueError(f"a decoder weight does not fit in float{bits}")
            parts.append(values.tobytes())
    return b"".join(parts)


def decoder_from_bytes(data: bytes) -> nn.Sequential:
    """The decoder (without its final sigmoid) that a file in the format above describes, with float32
    weights: the reverse of ``decoder_bytes``, so the format can be checked without a browser."""
    if len(data) < HEADER.size:
        raise ValueError("not a decoder file: too short")
    magic, version, bits, d, h, c2, c1, _ = HEADER.unpack_from(data)
    if magic != MAGIC or version != VERSION or bits not in (16, 32):
        raise ValueError("not a version-1 decoder file")
    decoder = nn.Sequential(
        nn.Linear(d, h),
        nn.ReLU(),
        nn.Linear(h, c2 * 49),
        nn.ReLU(),
        nn.Unflatten(1, (c2, 7, 7)),
        nn.ConvTranspose2d(c2, c1, 4, stride=2, padding=1),
        nn.ReLU(),
        nn.ConvTranspose2d(c1, 1, 4, stride=2, padding=1),
    )
    tensors = [t for layer in _layers(decoder) for t in (layer.weight, layer.bias)]
    count = sum(t.numel() for t in tensors)
    if len(data) != HEADER.size + count * bits // 8:
        raise ValueError("decoder file: size does not match its header")
    values = np.frombuffer(data, "<f2" if bits == 16 else "<f4", count, HEADER.size).astype(np.float32)
    at = 0
    with torch.no_grad():
        for tensor in tensors:
            tensor.copy_(torch.from_numpy(values[at : at + tensor.numel()].copy()).reshape(tensor.shape))
            at += tensor.numel()
    return decoder.eval()
