"""p(z) = sum_k pi_k N(z; m_k, diag(s_k^2)): a Gaussian-mixture prior whose weights, means and
variances are all learnt with the model (Tomczak & Welling 2018, section 3). Its KL to a Gaussian
posterior has no closed form, so the ELBO estimates it from the posterior sample."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import torch
from torch import Tensor, nn

from ..losses import normal_log_prob
from . import Encoder, Prior, register_prior


def mixture_log_prob(z: Tensor, log_weights: Tensor, means: Tensor, logvars: Tensor) -> Tensor:
    """log sum_k w_k N(z; m_k, diag(exp(logvar_k))) for z N x D and K components, by logsumexp."""
    return torch.logsumexp(log_weights + normal_log_prob(z[:, None, :], means, logvars), dim=1)


def mixture_sample(
    n: int, weights: Tensor, means: Tensor, logvars: Tensor, generator: torch.Generator | None, temperature: float
) -> Tensor:
    """n draws: a component by its weight, then its Gaussian with the standard deviation x temperature."""
    component = torch.multinomial(weights.detach().cpu(), n, replacement=True, generator=generator)
    eps = torch.randn(n, means.shape[1], generator=generator)
    return means.detach().cpu()[component] + temperature * (0.5 * logvars.detach().cpu()[component]).exp() * eps


if TYPE_CHECKING:
    from ..config import VAEConfig


@register_prior
class MixturePrior(Prior):
    """p(z) = sum_k pi_k N(z; m_k, diag(s_k^2)) with pi = softmax(logits)."""

    name = "mixture"
    label = "Gaussian mixture"
    parameters: ClassVar[dict[str, str]] = {"prior_components": "K, the number of components"}

    def __init__(self, latent_dim: int, components: int, generator: torch.Generator | None = None) -> None:
        super().__init__(latent_dim)
        # Means spread like draws of N(0, I), unit variances, equal weights: with one component at 0
        # this is exactly the standard normal.
        self.logits = nn.Parameter(torch.zeros(components))
        self.means = nn.Parameter(torch.randn(components, latent_dim, generator=generator))
        self.logvars = nn.Parameter(torch.zeros(components, latent_dim))

    @classmethod
    def from_config(cls, config: VAEConfig, encode: Encoder, generator: torch.Generator | None = None) -> Prior:
        return cls(config.latent_dim, config.prior_components, generator)

    def describe(self) -> str:
        return f"{self.label}, K = {self.logits.shape[0]}"

    def log_prob(self, z: Tensor) -> Tensor:
        return mixture_log_prob(z, torch.log_softmax(self.logits, 0), self.means, self.logvars)

    def sample(self, n: int, generator: torch.Generator | None = None, temperature: float = 1.0) -> Tensor:
        return mixture_sample(n, torch.softmax(self.logits, 0), self.means, self.logvars, generator, temperature)
