"""The Gaussian likelihood with a fixed standard deviation: -log p(x|z) is the squared error scaled
by 1/(2 sigma^2) plus a constant (with sigma^2 = 1/2: the classic sum of squared errors)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, ClassVar

import torch
from torch import Tensor

from ..losses import LOG_2PI
from . import Likelihood, register_likelihood

if TYPE_CHECKING:
    from ..config import VAEConfig


def gaussian_log_prob(x: Tensor, mean: Tensor, sigma: float) -> Tensor:
    """log N(x; mean, sigma^2 I) = sum_i [-(x_i - mean_i)^2 / (2 sigma^2) - log sigma - log(2 pi) / 2].

    The constant is kept, so the figure is a true log-density in nats. With sigma^2 = 1/2 the
    data term is minus the sum of squared errors.
    """
    squared = ((x - mean) / sigma).pow(2).flatten(1)
    return -0.5 * squared.sum(1) - squared.shape[1] * (math.log(sigma) + 0.5 * LOG_2PI)


@register_likelihood
class Gaussian(Likelihood):
    """N(x; sigmoid(logits), sigma^2 I). The mean is the sigmoid of the logits, so the decoder's output
    is read as for the Bernoulli likelihood (and the browser applies the same sigmoid).

    Not a normalised density of 8-bit images: it is a density over continuous pixel values (whose
    mass partly lies outside [0, 1]), not a probability of each of the 256 grey levels; that would
    need the discretised likelihood (the Gaussian's mass over each 1/256-wide bin)."""

    name = "gaussian"
    label = "Gaussian (squared error)"
    parameters: ClassVar[dict[str, str]] = {"gaussian_sigma": "the fixed standard deviation of every pixel"}
    normalised_8bit_density = False
    log_p_is = (
        "a density of continuous pixel values with σ fixed: the squared error plus a constant, "
        "not a probability of 8-bit images"
    )

    def __init__(self, sigma: float = math.sqrt(0.5)) -> None:
        self.sigma = sigma

    @classmethod
    def from_config(cls, config: VAEConfig) -> Likelihood:
        return cls(config.gaussian_sigma)

    def log_prob(self, x: Tensor, logits: Tensor) -> Tensor:
        return gaussian_log_prob(x, torch.sigmoid(logits), self.sigma)

    def sample(self, means: Tensor, generator: torch.Generator | None = None) -> Tensor:
        """mean + sigma * eps, clipped to [0, 1] to be shown."""
        noise = torch.randn(means.shape, generator=generator)
        return (means + self.sigma * noise).clamp(0, 1)
