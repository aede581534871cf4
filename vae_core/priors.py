"""The prior p(z), a concern of its own: its density, its samples and its KL term.

The ELBO's regulariser is KL(q(z|x) || p(z)) = E_q(z|x)[log q(z|x) - log p(z)].

- For the standard normal it has a closed form (Kingma & Welling 2014, Appendix B), used exactly.
- For any other prior it has none, and the expectation is estimated with the same reparameterised
  sample z = mu + sigma * eps that the reconstruction term uses: log q(z|x) - log p(z), an unbiased
  one-sample estimate (Kingma & Welling 2014, eq. 6, the generic SGVB estimator).

Every prior is an ``nn.Module`` whose learnt parameters sit in the model's state dict, so they are
saved in the checkpoint with the weights. ``make_prior`` builds the one a ``VAEConfig`` names.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor, nn

from .config import VAEConfig
from .data import to_float
from .losses import kl_standard_normal, normal_log_prob, standard_normal_log_prob

Encoder = Callable[[Tensor], tuple[Tensor, Tensor]]


class Prior(nn.Module):
    """p(z) over R^D: ``log_prob(z)`` for a batch of codes (N x D -> N) and ``sample``."""

    standard_normal = False  # True only for N(0, I): inverse-CDF grids and the closed-form KL need it

    def __init__(self, latent_dim: int) -> None:
        super().__init__()
        self.latent_dim = latent_dim

    def log_prob(self, z: Tensor) -> Tensor:
        raise NotImplementedError

    def sample(self, n: int, generator: torch.Generator | None = None, temperature: float = 1.0) -> Tensor:
        """n codes; ``temperature`` scales each Gaussian's standard deviation (1 = the prior itself)."""
        raise NotImplementedError

    def kl(self, mean: Tensor, logvar: Tensor, z: Tensor) -> Tensor:
        """KL(q(z|x) || p(z)) per image, estimated from the sample z ~ q(z|x): log q(z|x) - log p(z)."""
        return normal_log_prob(z, mean, logvar) - self.log_prob(z)

    def initialise_from(self, images: Tensor, generator: torch.Generator) -> None:
        """Called once before training with the uint8 training images; most priors need nothing."""


class StandardNormal(Prior):
    """p(z) = N(0, I), the prior of Kingma & Welling."""

    standard_normal = True

    def log_prob(self, z: Tensor) -> Tensor:
        return standard_normal_log_prob(z)

    def sample(self, n: int, generator: torch.Generator | None = None, temperature: float = 1.0) -> Tensor:
        return temperature * torch.randn(n, self.latent_dim, generator=generator)

    def kl(self, mean: Tensor, logvar: Tensor, z: Tensor) -> Tensor:
        """Exact: 1/2 sum_j (mu_j^2 + sigma_j^2 - 1 - log sigma_j^2) (Kingma & Welling 2014, Appendix B)."""
        return kl_standard_normal(mean, logvar)


def _mixture_log_prob(z: Tensor, log_weights: Tensor, means: Tensor, logvars: Tensor) -> Tensor:
    """log sum_k w_k N(z; m_k, diag(exp(logvar_k))) for z N x D and K components, by logsumexp."""
    return torch.logsumexp(log_weights + normal_log_prob(z[:, None, :], means, logvars), dim=1)


def _mixture_sample(
    n: int, weights: Tensor, means: Tensor, logvars: Tensor, generator: torch.Generator | None, temperature: float
) -> Tensor:
    component = torch.multinomial(weights.detach().cpu(), n, replacement=True, generator=generator)
    eps = torch.randn(n, means.shape[1], generator=generator)
    return means.detach().cpu()[component] + temperature * (0.5 * logvars.detach().cpu()[component]).exp() * eps


class MixturePrior(Prior):
    """p(z) = sum_k pi_k N(z; m_k, diag(s_k^2)) with pi = softmax(logits): weights, means and
    variances all learnt with the model (a Gaussian-mixture prior; Tomczak & Welling 2018, section 3)."""

    def __init__(self, latent_dim: int, components: int, generator: torch.Generator | None = None) -> None:
        super().__init__(latent_dim)
        # Means spread like draws of N(0, I), unit variances, equal weights: with one component at 0
        # this is exactly the standard normal.
        self.logits = nn.Parameter(torch.zeros(components))
        self.means = nn.Parameter(torch.randn(components, latent_dim, generator=generator))
        self.logvars = nn.Parameter(torch.zeros(components, latent_dim))

    def log_prob(self, z: Tensor) -> Tensor:
        return _mixture_log_prob(z, torch.log_softmax(self.logits, 0), self.means, self.logvars)

    def sample(self, n: int, generator: torch.Generator | None = None, temperature: float = 1.0) -> Tensor:
        return _mixture_sample(n, torch.softmax(self.logits, 0), self.means, self.logvars, generator, temperature)


class VampPrior(Prior):
    """p(z) = (1/K) sum_k q(z | u_k): the encoder's own posteriors at K learnt pseudo-inputs u_k
    (Tomczak & Welling 2018, eq. 9). The pseudo-inputs are images, sigmoid(pseudo_logits), learnt
    with the model and started at random training images."""

    def __init__(self, latent_dim: int, components: int, encode: Encoder) -> None:
        super().__init__(latent_dim)
        self.pseudo_logits = nn.Parameter(torch.zeros(components, 1, 28, 28))
        # A plain attribute, not a submodule: the encoder's weights belong to the VAE's state dict once.
        self._encode = encode

    def pseudo_inputs(self) -> Tensor:
        return torch.sigmoid(self.pseudo_logits)

    def components(self) -> tuple[Tensor, Tensor]:
        """(means, logvars) of the K components, each K x D."""
        return self._encode(self.pseudo_inputs())

    def log_prob(self, z: Tensor) -> Tensor:
        means, logvars = self.components()
        log_weights = torch.full((means.shape[0],), -math.log(means.shape[0]), device=z.device)
        return _mixture_log_prob(z, log_weights, means, logvars)

    def sample(self, n: int, generator: torch.Generator | None = None, temperature: float = 1.0) -> Tensor:
        with torch.no_grad():
            means, logvars = self.components()
        weights = torch.full((means.shape[0],), 1.0 / means.shape[0])
        return _mixture_sample(n, weights, means, logvars, generator, temperature)

    def initialise_from(self, images: Tensor, generator: torch.Generator) -> None:
        chosen = to_float(images[torch.randint(images.shape[0], (self.pseudo_logits.shape[0],), generator=generator)])
        with torch.no_grad():
            self.pseudo_logits.copy_(torch.logit(chosen.clamp(0.02, 0.98)))


def make_prior(config: VAEConfig, encode: Encoder, generator: torch.Generator | None = None) -> Prior:
    """The prior a config names; ``encode`` is the VAE's encoder (the VampPrior needs it)."""
    if config.prior == "mixture":
        return MixturePrior(config.latent_dim, config.prior_components, generator)
    if config.prior == "vamp":
        return VampPrior(config.latent_dim, config.prior_components, encode)
    return StandardNormal(config.latent_dim)
