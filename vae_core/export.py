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
    28      2     uint16 the output function, an index into OUTPUTS: 0 sigmoid, 1 the continuous Bernoulli's
                  mean, 2 the discretized logistic's mean
    30      2     uint16 O, the decoder's output channels per pixel (0, in files written before this field, is 1)
    32      ...   the decoder's eight tensors, exactly as in the PyTorch state dict (row-major, no padding):
                  fc1.weight (H, D), fc1.bias (H),
                  fc2.weight (C2*49, H), fc2.bias (C2*49),
                  deconv1.weight (C2, C1, 4, 4), deconv1.bias (C1),
                  deconv2.weight (C1, O, 4, 4), deconv2.bias (O)

A hierarchical model (vae_core.hierarchy) is written as **version 2**: D is its top level's size, and between
the header and the decoder's tensors come

    32      4     uint32 L, the levels below the top
    36      4L    uint32 each level's size d_l, from the top down
    36+4L   ...   for each level below the top, from the top down, the mean half of p(z_l | z_{l+1}), always
                  as float32 (in float16 they moved ladder-2d's pixels by up to 4 levels; they are 56 KB):
                  cond.weight (H, d_above), cond.bias (H), mean.weight (d_l, H), mean.bias (d_l)

and the decoder's first layer reads every level's code, fc1.weight (H, D + sum d_l). The browser then decodes a
top code as the pages do (``HierarchicalVAE.decode``): each lower level at its conditional mean
mean.weight ReLU(cond.weight z_above + cond.bias) + mean.bias, the codes side by side, then the decoder.

The decoder is Linear(D, H) ReLU Linear(H, C2*7*7) ReLU Unflatten(C2, 7, 7)
ConvTranspose2d(C2, C1, 4, stride 2, padding 1) ReLU ConvTranspose2d(C1, O, 4, stride 2, padding 1): the
logits, O per pixel. The output function turns them into the 28 x 28 pixel means E[x|z], as the model's
likelihood declares (``Likelihood.browser_output``; the formulas are in each likelihood's module). The
file is 32 + (bits / 8) * (number of decoder parameters) bytes; the arrays stay 4-byte aligned.

Why this and not ONNX: the browser side is ~150 lines of plain JavaScript that read exactly these
tensors (measured against ONNX Runtime Web and TensorFlow.js in docs/decoder.md); float16 halves the
bytes on the wire and still keeps every pixel within one 8-bit level of PyTorch's float32.
"""

from __future__ import annotations

import struct

import numpy as np
import torch
from torch import Tensor, nn

from .likelihoods import BrowserOutput
from .model import VAE

MAGIC = b"VAED"
VERSION = 1
LEVELS_VERSION = 2  # a decoder file with levels below the top (the format above)
HEADER = struct.Struct("<4s7I")
# The output functions decoder.js implements, by their index in the header.
OUTPUTS: tuple[BrowserOutput, ...] = ("sigmoid", "continuous_bernoulli_mean", "discretized_logistic_mean")


def _layers(decoder: nn.Sequential) -> list[nn.Linear | nn.ConvTranspose2d]:
    return [m for m in decoder if isinstance(m, nn.Linear | nn.ConvTranspose2d)]


def decoder_bytes(model: VAE, *, bits: int = 16) -> bytes:
    """The decoder of ``model`` in the format above, its weights as float16 (bits=16) or float32 (bits=32).
    Raises ValueError for a decoder of another shape, a likelihood whose output function decoder.js does
    not implement (not in OUTPUTS), or a weight too large for float16."""
    if bits not in (16, 32):
        raise ValueError(f"bits must be 16 or 32, not {bits}")
    output = model.likelihood.browser_output
    if output not in OUTPUTS:
        raise ValueError(
            f"the browser decoder (decoder.js) does not implement {output}, the {model.likelihood.label} "
            "likelihood's mean: this model decodes on the server"
        )
    layers = _layers(model.decoder)
    fc1, fc2, deconv1, deconv2 = layers
    levels = model.mean_path()  # the levels below the top: (cond, mean) pairs of Linear layers
    d, h = model.latent_dim, fc1.out_features
    c2, c1 = deconv1.in_channels, deconv1.out_channels
    channels = model.likelihood.decoder_channels
    sizes = [mean.out_features for _, mean in levels]
    above = [d, *sizes]
    expected = (
        fc1.in_features == d + sum(sizes)
        and all(
            (cond.in_features, cond.out_features, mean.in_features) == (a, h, h)
            for (cond, mean), a in zip(levels, above, strict=False)
        )
        and (fc2.in_features, fc2.out_features) == (h, c2 * 49)
        and (deconv1.kernel_size, deconv1.stride, deconv1.padding) == ((4, 4), (2, 2), (1, 1))
        and (deconv2.in_channels, deconv2.out_channels, deconv2.kernel_size, deconv2.stride, deconv2.padding)
        == (c1, channels, (4, 4), (2, 2), (1, 1))
    )
    if not expected:
        raise ValueError(f"unexpected decoder shape: {model.decoder}")
    last = OUTPUTS.index(output) | channels << 16
    if not levels:
        return _pack(MAGIC, bits, (d, h, c2, c1), layers, "a decoder", last)
    head = HEADER.pack(MAGIC, LEVELS_VERSION, bits, d, h, c2, c1, last)
    head += struct.pack(f"<I{len(sizes)}I", len(sizes), *sizes)
    path = _weights([layer for pair in levels for layer in pair], 32, "a level's mean")  # always float32
    return head + path + _weights(layers, bits, "a decoder")


def decoder_output(data: bytes) -> BrowserOutput:
    """The output function a decoder file declares (what turns its logits into pixel means)."""
    if len(data) < HEADER.size:
        raise ValueError("not a decoder file: too short")
    code = HEADER.unpack_from(data)[-1] & 0xFFFF
    if code >= len(OUTPUTS):
        raise ValueError(f"decoder file: unknown output function {code}")
    return OUTPUTS[code]


class MeanPathDecoder(nn.Module):
    """A hierarchical model's decoder as the browser runs it: a top code, each level below at its conditional
    mean (``path``: per level a Linear, the ReLU, and the mean's Linear), the codes side by side, the decoder."""

    def __init__(self, path: list[tuple[nn.Linear, nn.Linear]], decoder: nn.Sequential) -> None:
        super().__init__()
        self.path = nn.ModuleList(nn.Sequential(cond, nn.ReLU(), mean) for cond, mean in path)
        self.decoder = decoder

    def forward(self, top: Tensor) -> Tensor:
        codes = [top]
        for level in self.path:
            codes.append(level(codes[-1]))
        return self.decoder(torch.cat(codes, dim=1))


def decoder_from_bytes(data: bytes) -> nn.Module:
    """The decoder (to its logits, without the output function: ``decoder_output``) that a file in the
    format above describes, with float32 weights: the reverse of ``decoder_bytes``, so the format can be
    checked without a browser. A version-2 file gives a ``MeanPathDecoder`` of the top code."""
    if len(data) < HEADER.size:
        raise ValueError("not a decoder file: too short")
    magic, version, bits, d, h, c2, c1, output = HEADER.unpack_from(data)
    if magic != MAGIC or version not in (VERSION, LEVELS_VERSION) or bits not in (16, 32):
        raise ValueError("not a version-1 or version-2 decoder file")
    start, sizes = HEADER.size, []
    if version == LEVELS_VERSION:
        if len(data) < start + 4:
            raise ValueError("decoder file: too short")
        (count,) = struct.unpack_from("<I", data, start)
        if not 1 <= count <= 8 or len(data) < start + 4 + 4 * count:
            raise ValueError("decoder file: bad number of levels")
        sizes = list(struct.unpack_from(f"<{count}I", data, start + 4))
        start += 4 + 4 * count
    channels = max(output >> 16, 1)
    path = [(nn.Linear(a, h), nn.Linear(h, size)) for a, size in zip([d, *sizes], sizes, strict=False)]
    decoder = nn.Sequential(
        nn.Linear(d + sum(sizes), h),
        nn.ReLU(),
        nn.Linear(h, c2 * 49),
        nn.ReLU(),
        nn.Unflatten(1, (c2, 7, 7)),
        nn.ConvTranspose2d(c2, c1, 4, stride=2, padding=1),
        nn.ReLU(),
        nn.ConvTranspose2d(c1, channels, 4, stride=2, padding=1),
    )
    path_tensors = [t for pair in path for layer in pair for t in (layer.weight, layer.bias)]
    tensors = [t for layer in _layers(decoder) for t in (layer.weight, layer.bias)]
    path_count, count = sum(t.numel() for t in path_tensors), sum(t.numel() for t in tensors)
    if len(data) != start + 4 * path_count + count * bits // 8:
        raise ValueError("decoder file: size does not match its header")
    _fill(path_tensors, np.frombuffer(data, "<f4", path_count, start))
    _fill(tensors, np.frombuffer(data, "<f2" if bits == 16 else "<f4", count, start + 4 * path_count))
    return (MeanPathDecoder(path, decoder) if path else decoder).eval()


def _fill(tensors: list[Tensor], values: np.ndarray) -> None:
    """Copy consecutive runs of ``values`` into the tensors, in order."""
    values, at = values.astype(np.float32), 0
    with torch.no_grad():
        for tensor in tensors:
            tensor.copy_(torch.from_numpy(values[at : at + tensor.numel()].copy()).reshape(tensor.shape))
            at += tensor.numel()


# ---------------------------------------------------------------------------------------- the encoder
# The same header with magic b"VAEE", then the encoder's eight tensors as in the state dict:
# conv1.weight (C1, 1, 4, 4), conv1.bias (C1), conv2.weight (C2, C1, 4, 4), conv2.bias (C2),
# fc1.weight (H, C2*49), fc1.bias (H), fc2.weight (2D, H), fc2.bias (2D). The network is Conv2d(1, C1, 4, 2, 1)
# ReLU Conv2d(C1, C2, 4, 2, 1) ReLU Flatten Linear(C2*49, H) ReLU Linear(H, 2D); the output's first D values are
# the posterior mean, the next D its log-variance (ui/components/encoder.js runs it).

ENCODER_MAGIC = b"VAEE"


def encoder_bytes(model: VAE, *, bits: int = 16) -> bytes:
    """The encoder of ``model`` in the format above (float16 or float32 weights), for the browser to encode
    a drawing while it is drawn. Raises ValueError for an encoder of another shape or a weight too large
    for float16."""
    if bits not in (16, 32):
        raise ValueError(f"bits must be 16 or 32, not {bits}")
    layers = [m for m in model.encoder if isinstance(m, nn.Conv2d | nn.Linear)]
    conv1, conv2, fc1, fc2 = layers
    c1, c2, h = conv1.out_channels, conv2.out_channels, fc1.out_features
    d = fc2.out_features // 2
    expected = all((c.kernel_size, c.stride, c.padding) == ((4, 4), (2, 2), (1, 1)) for c in (conv1, conv2)) and (
        conv1.in_channels,
        conv2.in_channels,
        fc1.in_features,
        fc2.in_features,
    ) == (1, c1, c2 * 49, h)
    if not expected:
        raise ValueError(f"unexpected encoder shape: {model.encoder}")
    return _pack(ENCODER_MAGIC, bits, (d, h, c2, c1), layers, "an encoder")


def _pack(
    magic: bytes, bits: int, sizes: tuple[int, int, int, int], layers: list[nn.Module], what: str, last: int = 0
) -> bytes:
    return HEADER.pack(magic, VERSION, bits, *sizes, last) + _weights(layers, bits, what)


def _weights(layers: list[nn.Module], bits: int, what: str) -> bytes:
    """The layers' weights and biases, in order, as little-endian float16 or float32."""
    dtype = np.dtype("<f2") if bits == 16 else np.dtype("<f4")
    parts = []
    for layer in layers:
        for tensor in (layer.weight, layer.bias):
            with np.errstate(over="ignore"):  # a weight past float16's range becomes inf: refused just below
                values = tensor.detach().to("cpu", torch.float32).contiguous().numpy().astype(dtype)
            if not np.isfinite(values).all():
                raise ValueError(f"{what}'s weight does not fit in float{bits}")
            parts.append(values.tobytes())
    return b"".join(parts)
