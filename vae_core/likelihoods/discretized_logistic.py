"""The discretized logistic likelihood (Salimans et al. 2017, PixelCNN++, section 2.1; Kingma et al.
2016, IAF): a true probability of each of an 8-bit pixel's 256 grey levels.

Images are on the [0, 1] scale, grey level k (0..255) at x = k/255, and level k owns the bin
[x - 1/510, x + 1/510] (half a level, 1/2/255, either side: PixelCNN++'s x +- 1/255 on its [-1, 1]
scale, halved). The decoder gives each pixel a logistic(mu, s) and the level gets that logistic's mass
over its bin, the end levels taking the tails:

    P(k) = F((x + 1/510 - mu) / s) - F((x - 1/510 - mu) / s)   for 0 < k < 255,
    P(0) = F((1/510 - mu) / s),   P(255) = 1 - F((1 - 1/510 - mu) / s),   F = sigmoid,

so the 256 masses sum to 1 and -log p(x) summed over the 784 pixels is a code length of the 8-bit
image in nats (``normalised_8bit_density`` True; in bits per dimension: vae_core.losses.bits_per_dimension).

The scale is per pixel and per image: the decoder's second output channel is log s (so the model can be
sure of the background and unsure along a stroke's edge, as PixelCNN++'s network outputs its scales),
hence ``decoder_channels`` = 2. Channel 0 is mu, unbounded (a background pixel's mu may sit well below 0,
putting nearly all the mass on level 0).

Numerics: a difference of sigmoids loses everything when both are near 1 (or the mass is tiny), so
PixelCNN++ falls back to the density at the bin's centre times the bin's width where the difference
is below 1e-5. Here the mass is written exactly in log-sigmoids, which needs no fallback:

    sigmoid(b) - sigmoid(a) = sigmoid(b) sigmoid(-a) (1 - e^(a - b)),
    log P(k) = logsigmoid(b) + logsigmoid(-a) + log(-expm1(-(1/255) / s)),

finite and accurate for every mu and s (tests/test_likelihoods.py compares it with float64 and with
PixelCNN++'s fallback where that applies).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from . import Likelihood, register_likelihood

LEVELS = 256
HALF_BIN = 0.5 / (LEVELS - 1)  # half a grey level on the [0, 1] scale
# log s is floored at PixelCNN++'s floor, e^-7 on its [-1, 1] scale and so e^-7 / 2 on ours: it keeps
# 1/s, the gradients and float32's placing of the bin edges in check (an edge's error is about
# ulp(x) / s standard units), and an interior level can still hold 97.3 % of a pixel's mass.
MIN_LOG_SCALE = -7.0 - math.log(2)


def location_and_log_scale(logits: Tensor) -> tuple[Tensor, Tensor]:
    """The decoder's two channels as (mu, log s), each N x 1 x 28 x 28, log s floored at MIN_LOG_SCALE."""
    return logits[:, 0:1], logits[:, 1:2].clamp(min=MIN_LOG_SCALE)


def grey_levels(x: Tensor) -> Tensor:
    """Each pixel's level k in 0..255 (x = k/255 for 8-bit data; anything else is read as its nearest level)."""
    return (x * (LEVELS - 1)).round().clamp(0, LEVELS - 1)


def discretized_logistic_log_mass(x: Tensor, location: Tensor, log_scale: Tensor) -> Tensor:
    """log P(level of x) per pixel, in nats, by the log-sigmoid form above."""
    level = grey_levels(x)
    inverse_scale = torch.exp(-log_scale)
    centred = level / (LEVELS - 1) - location
    upper = (centred + HALF_BIN) * inverse_scale  # b: the bin's upper edge, standardised
    lower = (centred - HALF_BIN) * inverse_scale  # a: its lower edge
    bottom = F.logsigmoid(upper)  # level 0: F(b)
    top = F.logsigmoid(-lower)  # level 255: 1 - F(a)
    interior = bottom + top + torch.log(-torch.expm1(-2 * HALF_BIN * inverse_scale))
    return torch.where(level == 0, bottom, torch.where(level == LEVELS - 1, top, interior))


def discretized_logistic_mean(location: Tensor, log_scale: Tensor) -> Tensor:
    """E[x] = sum_k (k/255) P(k) = (1/255) sum_{k=1}^{255} P(level >= k) = (1/255) sum_k sigmoid((mu -
    (k - 1/2)/255) / s): exact, one level edge at a time (memory of one image batch, not 255 of them).
    Within half a level of the logistic's mean clipped to [0, 1], but not mu itself."""
    inverse_scale = torch.exp(-log_scale)
    total = torch.zeros_like(location)
    for k in range(1, LEVELS):
        total += torch.sigmoid((location - (k - 0.5) / (LEVELS - 1)) * inverse_scale)
    return total / (LEVELS - 1)


@register_likelihood
class DiscretizedLogistic(Likelihood):
    """A true probability of 8-bit images (``normalised_8bit_density``). Its mean needs both decoder
    channels and a sum over the levels (``browser_output``), which decoder.js computes too."""

    name = "discretized-logistic"
    label = "discretized logistic (256 grey levels)"
    decoder_channels = 2
    browser_output = "discretized_logistic_mean"
    normalised_8bit_density = True
    log_p_is = "the probability of the 8-bit image's exact grey levels: a code length, so bits per dimension apply"
    parameters_note = (
        "The location μ is the centre of each pixel's logistic (it may lie beyond [0, 1]: the end levels take the "
        "tails), the scale s its spread: where s is small the model is sure of the pixel's grey level."
    )

    def log_prob(self, x: Tensor, logits: Tensor) -> Tensor:
        return discretized_logistic_log_mass(x, *location_and_log_scale(logits)).flatten(1).sum(1)

    def mean(self, logits: Tensor) -> Tensor:
        return discretized_logistic_mean(*location_and_log_scale(logits))

    def parameter_images(self, logits: Tensor) -> dict[str, Tensor]:
        location, log_scale = location_and_log_scale(logits)
        return {"location μ": location, "scale s": log_scale.exp()}

    def draw(self, logits: Tensor, generator: torch.Generator | None = None) -> Tensor:
        """A real grey level per pixel (a multiple of 1/255): y = mu + s log(u / (1 - u)) is logistic(mu,
        s) by the inverse CDF, and the level whose bin holds y (the end levels: everything beyond) has
        exactly the probability P(k) above."""
        location, log_scale = location_and_log_scale(logits)
        u = torch.rand(location.shape, generator=generator, dtype=torch.float64).to(location.device)
        u = u.clamp(1e-12, 1 - 1e-12)
        y = location.double() + log_scale.double().exp() * (torch.log(u) - torch.log1p(-u))
        return (grey_levels(y) / (LEVELS - 1)).to(logits.dtype)

    def sample(self, means: Tensor, generator: torch.Generator | None = None) -> Tensor:
        raise ValueError(
            "the discretized logistic's draws need its scale, the decoder's second channel, which the "
            "pixel means do not carry: use draw(logits), from the decoder's output"
        )
