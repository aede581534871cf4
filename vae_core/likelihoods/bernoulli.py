"""The Bernoulli likelihood: each pixel is 1 with probability sigmoid(logit) (Kingma & Welling 2014,
Appendix C.1), the cross-entropy objective of most VAE tutorials."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from . import Likelihood, register_likelihood


def bernoulli_log_prob(x: Tensor, logits: Tensor) -> Tensor:
    """log p(x|z) = sum_i x_i log p_i + (1 - x_i) log(1 - p_i), with p = sigmoid(logits).

    Written with logits for numerical stability. For grey-level x in (0, 1) this is the usual
    cross-entropy objective (not a normalised density: the continuous Bernoulli of Loaiza-Ganem &
    Cunningham 2019 would add log C(p)); for binary x it is the exact log-likelihood.
    """
    return -F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)


@register_likelihood
class Bernoulli(Likelihood):
    """Not a normalised density of 8-bit images: on grey levels the figure is a cross-entropy, and on
    binarised data (``binarize="dynamic"``) it is the exact probability of a *binary* image."""

    name = "bernoulli"
    label = "Bernoulli (cross-entropy)"
    normalised_8bit_density = False
    log_p_is = (
        "the probability of a black-and-white image; on grey levels a cross-entropy, not a probability of anything"
    )

    def log_prob(self, x: Tensor, logits: Tensor) -> Tensor:
        return bernoulli_log_prob(x, logits)

    def sample(self, means: Tensor, generator: torch.Generator | None = None) -> Tensor:
        """Each pixel 1 with probability its mean, else 0."""
        return torch.bernoulli(means, generator=generator)
