"""The terms of the evidence lower bound, in nats per image.

-ELBO(x) = -E_q(z|x)[log p(x|z)] + KL(q(z|x) || p(z))        (Kingma & Welling 2014, eq. 3)

The likelihood p(x|z) is one module of vae_core/likelihoods/, the prior p(z) and its KL term one of
vae_core/priors/; this module holds the posterior's density and the bound's named parts.

Every function returns one value per image (summed over pixels or latent dimensions), so callers
average over a batch themselves and the units stay "nats per image".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from torch import Tensor

LOG_2PI = math.log(2 * math.pi)


def bits_per_dimension(nats: Tensor | float, dimensions: int = 28 * 28) -> Tensor | float:
    """Nats per image as bits per dimension, nats / (dimensions ln 2): the literature's unit for image
    likelihoods (Salimans et al. 2017; 784 pixels for MNIST). It is a code length of the 8-bit image
    only where the likelihood is a probability of 8-bit images (``Likelihood.normalised_8bit_density``);
    8 bits per dimension is what storing the raw bytes costs."""
    return nats / (dimensions * math.log(2))


def normal_log_prob(z: Tensor, mean: Tensor, logvar: Tensor) -> Tensor:
    """log N(z; mean, diag(exp(logvar))), summed over the last dimension (for importance weights)."""
    return -0.5 * (LOG_2PI + logvar + (z - mean).pow(2) / logvar.exp()).sum(-1)


def gaussian_kl(mean: Tensor, logvar: Tensor, prior_mean: Tensor, prior_logvar: Tensor) -> Tensor:
    """KL(N(mean, exp(logvar)) || N(prior_mean, exp(prior_logvar))) per dimension, for diagonal Gaussians:
    1/2 (log s_p^2 - log s^2 + (s^2 + (m - m_p)^2) / s_p^2 - 1). With the prior N(0, 1) it is Kingma &
    Welling's Appendix B; between the levels of a hierarchy it is each level's KL term (vae_core.hierarchy)."""
    return 0.5 * (prior_logvar - logvar + (logvar.exp() + (mean - prior_mean).pow(2)) / prior_logvar.exp() - 1.0)


@dataclass(frozen=True)
class ELBOTerms:
    """One batch's bound, each field a tensor of one value (or row) per image."""

    reconstruction: Tensor  # -log p(x|z) for one sample z ~ q(z|x): a one-sample estimate, nats
    kl: Tensor  # KL(q(z|x) || p(z)), nats: the prior's closed form, else the one-sample estimate (vae_core/priors)
    mean: Tensor  # the posterior q(z|x) = N(mean, diag(exp(logvar))), N x D (a hierarchy's: its top level's)
    logvar: Tensor
    z: Tensor  # the sample z ~ q(z|x) the reconstruction term was computed at, N x D
    # A hierarchy's KL term of each level, N x L from the top down (their sum is ``kl``); None for one level.
    kl_per_level: Tensor | None = None

    @property
    def negative_elbo(self) -> Tensor:
        return self.reconstruction + self.kl

    def loss(self, beta: float = 1.0) -> Tensor:
        """The training objective: mean over the batch of reconstruction + beta * KL (beta-VAE)."""
        return (self.reconstruction + beta * self.kl).mean()
