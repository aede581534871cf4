"""The terms of the evidence lower bound, in nats per image.

-ELBO(x) = -E_q(z|x)[log p(x|z)] + KL(q(z|x) || p(z))        (Kingma & Welling 2014, eq. 3)

The prior p(z) and its KL term live in priors.py; this module holds the densities they are made of.

Every function returns one value per image (summed over pixels or latent dimensions), so callers
average over a batch themselves and the units stay "nats per image".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch.nn.functional as F
from torch import Tensor

LOG_2PI = math.log(2 * math.pi)


def bernoulli_log_prob(x: Tensor, logits: Tensor) -> Tensor:
    """log p(x|z) = sum_i x_i log p_i + (1 - x_i) log(1 - p_i), with p = sigmoid(logits).

    Written with logits for numerical stability. For grey-level x in (0, 1) this is the usual
    cross-entropy objective (not a normalised density: the continuous Bernoulli of Loaiza-Ganem &
    Cunningham 2019 would add log C(p)); for binary x it is the exact log-likelihood.
    """
    return -F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)


def gaussian_log_prob(x: Tensor, mean: Tensor, sigma: float) -> Tensor:
    """log N(x; mean, sigma^2 I) = sum_i [-(x_i - mean_i)^2 / (2 sigma^2) - log sigma - log(2 pi) / 2].

    The constant is kept, so the figure is a true log-density in nats. With sigma^2 = 1/2 the
    data term is minus the sum of squared errors.
    """
    squared = ((x - mean) / sigma).pow(2).flatten(1)
    return -0.5 * squared.sum(1) - squared.shape[1] * (math.log(sigma) + 0.5 * LOG_2PI)


def kl_per_dimension(mean: Tensor, logvar: Tensor) -> Tensor:
    """KL(N(mean, exp(logvar)) || N(0, 1)) for each latent dimension, shape N x D.

    Closed form of Kingma & Welling 2014, Appendix B: -KL = 1/2 sum_j (1 + log s_j^2 - m_j^2 - s_j^2).
    """
    return 0.5 * (mean.pow(2) + logvar.exp() - 1.0 - logvar)


def kl_standard_normal(mean: Tensor, logvar: Tensor) -> Tensor:
    """KL(q(z|x) || N(0, I)) per image: the per-dimension terms summed."""
    return kl_per_dimension(mean, logvar).sum(1)


def normal_log_prob(z: Tensor, mean: Tensor, logvar: Tensor) -> Tensor:
    """log N(z; mean, diag(exp(logvar))), summed over the last dimension (for importance weights)."""
    return -0.5 * (LOG_2PI + logvar + (z - mean).pow(2) / logvar.exp()).sum(-1)


def standard_normal_log_prob(z: Tensor) -> Tensor:
    """log N(z; 0, I), summed over the last dimension: the prior p(z)."""
    return -0.5 * (LOG_2PI + z.pow(2)).sum(-1)


@dataclass(frozen=True)
class ELBOTerms:
    """One batch's bound, each field a tensor of one value (or row) per image."""

    reconstruction: Tensor  # -log p(x|z) for one sample z ~ q(z|x): a one-sample estimate, nats
    kl: Tensor  # KL(q(z|x) || p(z)), nats: exact for N(0, I), else the one-sample estimate (priors.py)
    mean: Tensor  # the posterior q(z|x) = N(mean, diag(exp(logvar))), N x D
    logvar: Tensor

    @property
    def negative_elbo(self) -> Tensor:
        return self.reconstruction + self.kl

    def loss(self, beta: float = 1.0) -> Tensor:
        """The training objective: mean over the batch of reconstruction + beta * KL (beta-VAE)."""
        return (self.reconstruction + beta * self.kl).mean()
