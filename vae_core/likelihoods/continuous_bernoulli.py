"""The continuous Bernoulli likelihood (Loaiza-Ganem & Cunningham 2019, "The continuous Bernoulli:
fixing a pervasive error in variational autoencoders"): the Bernoulli cross-entropy on grey levels with
its missing normalising constant, so that p(x|z) is a true density of each pixel on [0, 1].

Per pixel, with lambda = sigmoid(logit) = sigmoid(l) (the paper's equations 2 and 3):

    p(x | lambda) = C(lambda) lambda^x (1 - lambda)^(1 - x),
    C(lambda) = 2 artanh(1 - 2 lambda) / (1 - 2 lambda)   (C(1/2) = 2),
    E[x] = lambda / (2 lambda - 1) + 1 / (2 artanh(1 - 2 lambda))   (1/2 at lambda = 1/2).

Everything here is written in the logit l, where it is simpler and stabler: 1 - 2 lambda = -tanh(l/2)
and 2 artanh(1 - 2 lambda) = -l, so

    C = l / tanh(l/2),   E[x] = 1/2 + (coth(l/2) - 2/l) / 2,   F^-1(u) = log(1 + u (e^l - 1)) / l.

lambda is *not* the mean: a decoder that outputs lambda = 0.9 means E[x] = 0.67 (0.99: 0.79). The pages show the
mean (``mean``, what the model expects to see); ``parameter_images`` gives lambda, so both can be shown
as the paper does (its Figure 2).

**The bound.** The density is unbounded at the ends: p(0 | lambda) = C(lambda)(1 - lambda), about |l| for
large negative l, so on MNIST, whose pixels are mostly exactly 0, the ELBO rewards ever larger logits
without limit. Measured here: trained unbounded (30 epochs, latent 2), the training loss fell without
end (-2,969 nats after one epoch, -7,603 after 28) while the test -ELBO at the end was -1,099, the
logits reached 7e9 and the reconstructions were grey blobs: the model bought density on the background
instead of drawing digits. So the decoder's logits are clamped to +-LOGIT_BOUND = 510, where the mean
is within half a grey level of 0 or 1 (E[x] ~ 1/|l|: 1/510), so every image it can show stays
reachable while the reward for confidence stops there (at most log 510 = 6.2 nats a pixel); as the
discretized logistic's scale is floored at PixelCNN++'s floor, for the same reason. Within the bound
everything here is the paper's continuous Bernoulli exactly.

``normalised_8bit_density`` is False: this is a density on [0, 1] (it may exceed 1, so -log p(x) can
be negative), not a probability of each of an 8-bit pixel's 256 grey levels. A discretised version
(the mass of each level's bin) would be; this one is not discretised.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from . import Likelihood, register_likelihood

# |l| below this: Taylor series instead of the closed forms, as the paper's code does near lambda = 1/2
# (it uses lambda in [0.49, 0.51]). In the logit, log C has no cancellation, only 0/0 at l = 0, but the
# mean's coth(l/2) - 2/l cancels; the band |l| < 0.2 (lambda in 0.45..0.55) keeps float32 cancellation
# under 1e-6 outside it, and the series' first dropped terms inside it under 1e-7
# (tests/test_likelihoods.py checks both against float64).
TAYLOR_BAND = 0.2
# |l| below this when sampling (in float64): F^-1(u) = u + u (1 - u) l / 2 + O(l^2).
SAMPLING_BAND = 1e-6
# Means are mapped back to logits by bisection over l in +-this (the mean there is about 1e-6 from 0 or 1).
LOGIT_SEARCH = 1e6
# The decoder's logits are clamped to +-this (the docstring's "The bound"): the mean at -510 is 1/510, half a
# grey level.
LOGIT_BOUND = 510.0


def bounded(logits: Tensor) -> Tensor:
    """The decoder's logits clamped to +-LOGIT_BOUND, as every method of the likelihood reads them."""
    return logits.clamp(-LOGIT_BOUND, LOGIT_BOUND)


def log_normaliser(logits: Tensor) -> Tensor:
    """log C(lambda) per pixel: log|l| - log|tanh(l/2)|, even in l, log 2 at l = 0 and about log|l|
    for large |l|. Inside the band: log 2 + l^2/12 - 7 l^4/1440 (the paper's log 2 + 4/3 (lambda - 1/2)^2
    + 104/45 (lambda - 1/2)^4, rewritten in l and to the same order)."""
    near = logits.abs() < TAYLOR_BAND
    safe = torch.where(near, torch.ones_like(logits), logits)  # keeps the unused branch's gradient finite
    closed = torch.log(safe.abs()) - torch.log(torch.tanh(safe / 2).abs())
    square = logits.square()
    taylor = math.log(2) + square / 12 - 7 * square.square() / 1440
    return torch.where(near, taylor, closed)


def continuous_bernoulli_log_density(x: Tensor, logits: Tensor) -> Tensor:
    """log p(x|lambda) per pixel = x log lambda + (1 - x) log(1 - lambda) + log C(lambda), the first two
    terms being minus the Bernoulli cross-entropy (computed from the logits for stability)."""
    return -F.binary_cross_entropy_with_logits(logits, x, reduction="none") + log_normaliser(logits)


def continuous_bernoulli_mean(logits: Tensor) -> Tensor:
    """E[x] = 1/2 + L(l/2) / 2 with L(y) = coth(y) - 1/y (the Langevin function), which is the paper's
    lambda / (2 lambda - 1) + 1 / (2 artanh(1 - 2 lambda)) in the logit. Inside the band: the series
    L(y) = y/3 - y^3/45 + 2 y^5/945."""
    near = logits.abs() < TAYLOR_BAND
    half = torch.where(near, torch.ones_like(logits), logits) / 2
    closed = 1 / torch.tanh(half) - 1 / half
    y = logits / 2
    taylor = y / 3 - y.pow(3) / 45 + 2 * y.pow(5) / 945
    return 0.5 + 0.5 * torch.where(near, taylor, closed)


def continuous_bernoulli_quantile(u: Tensor, logits: Tensor) -> Tensor:
    """F^-1(u) = log(1 + u (e^l - 1)) / l, the inverse of the CDF F(x) = (lambda^x (1 - lambda)^(1 - x)
    + lambda - 1) / (2 lambda - 1). Computed for l <= 0 (where e^l - 1 cannot overflow) and reflected for
    l > 0: a continuous Bernoulli with -l is the mirror image x -> 1 - x. In float64."""
    u, logits = u.double(), logits.double()
    flipped = logits > 0
    a = -logits.abs()
    v = torch.where(flipped, 1 - u, u)
    near = a.abs() < SAMPLING_BAND
    safe = torch.where(near, -torch.ones_like(a), a)
    closed = torch.log1p(v * torch.expm1(safe)) / safe
    x = torch.where(near, v + v * (1 - v) * a / 2, closed).clamp(0, 1)
    return torch.where(flipped, 1 - x, x)


def logits_from_means(means: Tensor) -> Tensor:
    """The logits whose continuous Bernoulli has these means: the mean rises strictly with l, from 0 to
    1, so bisection finds the one l (float64, to a relative 1e-12 or better)."""
    target = means.double().clamp(1 / LOGIT_SEARCH, 1 - 1 / LOGIT_SEARCH)
    low = torch.full_like(target, -LOGIT_SEARCH)
    high = torch.full_like(target, LOGIT_SEARCH)
    for _ in range(90):  # 2e6 / 2^90: far below float64's spacing at any l that matters
        middle = (low + high) / 2
        below = continuous_bernoulli_mean(middle) < target
        low, high = torch.where(below, middle, low), torch.where(below, high, middle)
    return (low + high) / 2


@register_likelihood
class ContinuousBernoulli(Likelihood):
    """A true density of each grey level on [0, 1], but not a probability of 8-bit images
    (``normalised_8bit_density`` False). The pages show E[x], not lambda; the browser decoder applies
    E[x]'s formula to the logits too (``browser_output``), within the same bound."""

    name = "continuous-bernoulli"
    label = "continuous Bernoulli (normalised cross-entropy)"
    browser_output = "continuous_bernoulli_mean"
    normalised_8bit_density = False
    log_p_is = (
        "a density of grey levels on [0, 1]: it can exceed 1, so −log p(x) can be negative; "
        "not a probability of 8-bit images"
    )
    parameters_note = (
        "λ is not the mean: λ = 0.9 means E[x] = 0.67 and λ = 0.99 means 0.79, so to draw a white stroke the "
        "decoder must push λ far closer to 1 than the grey level it means."
    )

    def log_prob(self, x: Tensor, logits: Tensor) -> Tensor:
        return continuous_bernoulli_log_density(x, bounded(logits)).flatten(1).sum(1)

    def mean(self, logits: Tensor) -> Tensor:
        return continuous_bernoulli_mean(bounded(logits))

    def parameter_images(self, logits: Tensor) -> dict[str, Tensor]:
        return {"λ": torch.sigmoid(bounded(logits))}

    def draw(self, logits: Tensor, generator: torch.Generator | None = None) -> Tensor:
        """By the inverse CDF: x = F^-1(u), u ~ U(0, 1)."""
        u = torch.rand(logits.shape, generator=generator, dtype=torch.float64)
        return continuous_bernoulli_quantile(u, bounded(logits).cpu()).to(logits.device, logits.dtype)

    def sample(self, means: Tensor, generator: torch.Generator | None = None) -> Tensor:
        """Exact from the means too: the mean determines lambda (``logits_from_means``)."""
        return self.draw(logits_from_means(means).to(means.dtype), generator)
