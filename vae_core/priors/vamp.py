"""The VampPrior (Tomczak & Welling 2018, eq. 9): p(z) = (1/K) sum_k q(z | u_k), the encoder's own
posteriors at K learnt pseudo-inputs u_k. Like any mixture its KL has no closed form."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, ClassVar

import torch
from torch import Tensor, nn

from ..data import to_float
from . import Encoder, Prior, register_prior
from .mixture import mixture_log_prob, mixture_sample

if TYPE_CHECKING:
    from ..config import VAEConfig


@register_prior
class VampPrior(Prior):
    """The pseudo-inputs are images, sigmoid(pseudo_logits), learnt with the model and started at
    random training images (``initialise_from``)."""

    name = "vamp"
    label = "VampPrior"
    parameters: ClassVar[dict[str, str]] = {"prior_components": "K, the number of pseudo-inputs"}

    def __init__(self, latent_dim: int, components: int, encode: Encoder) -> None:
        super().__init__(latent_dim)
        self.pseudo_logits = nn.Parameter(torch.zeros(components, 1, 28, 28))
        # A plain attribute, not a submodule: the encoder's weights belong to the VAE's state dict once.
        self._encode = encode

    @classmethod
    def from_config(cls, config: VAEConfig, encode: Encoder, generator: torch.Generator | None = None) -> Prior:
        return cls(config.latent_dim, config.prior_components, encode)

    def describe(self) -> str:
        return f"{self.label}, K = {self.pseudo_logits.shape[0]}"

    def pseudo_inputs(self) -> Tensor:
        return torch.sigmoid(self.pseudo_logits)

    def components(self) -> tuple[Tensor, Tensor]:
        """(means, logvars) of the K components, each K x D."""
        return self._encode(self.pseudo_inputs())

    def log_prob(self, z: Tensor) -> Tensor:
        means, logvars = self.components()
        log_weights = torch.full((means.shape[0],), -math.log(means.shape[0]), device=z.device)
        return mixture_log_prob(z, log_weights, means, logvars)

    def sample(self, n: int, generator: torch.Generator | None = None, temperature: float = 1.0) -> Tensor:
        with torch.no_grad():
            means, logvars = self.components()
        weights = torch.full((means.shape[0],), 1.0 / means.shape[0])
        return mixture_sample(n, weights, means, logvars, generator, temperature)

    def initialise_from(self, images: Tensor, generator: torch.Generator) -> None:
        chosen = to_float(images[torch.randint(images.shape[0], (self.pseudo_logits.shape[0],), generator=generator)])
        with torch.no_grad():
            self.pseudo_logits.copy_(torch.logit(chosen.clamp(0.02, 0.98)))
