"""The prior p(z): one module per prior, each declaring what it is, and a registry keyed by name.

The ELBO's regulariser is KL(q(z|x) || p(z)) = E_q(z|x)[log q(z|x) - log p(z)].

- Where it has a closed form (N(0, I): Kingma & Welling 2014, Appendix B) the prior returns it from
  ``kl`` and splits it by dimension in ``kl_per_dimension``.
- Where it has none, both return None and the caller estimates the expectation with the same
  reparameterised sample z = mu + sigma * eps that the reconstruction term uses: log q(z|x) - log p(z),
  an unbiased one-sample estimate (Kingma & Welling 2014, eq. 6, the generic SGVB estimator), which
  ``kl_estimate`` computes.

Callers never test a prior's name: they ask for what they need (``kl_per_dimension(...) is None``,
``marginal_spread()``, ``marginal_quantile(...)``, ``marginal_density(...)``), and the CLI's choices,
the app's labels and a checkpoint's description read ``PRIORS``.

**Adding a prior** is one new module here (a subclass of ``Prior`` with ``@register_prior``, imported
at the end of this file) plus its tests: its ``name`` is the value of ``VAEConfig.prior`` stored in
checkpoints (never rename one), its ``parameters`` the ``VAEConfig`` fields it reads.

Every prior is an ``nn.Module`` whose learnt parameters sit in the model's state dict under
``prior.``, so they are saved in the checkpoint with the weights.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar, TypeVar

import torch
from torch import Tensor, nn

from ..losses import normal_log_prob

if TYPE_CHECKING:  # config validates against this registry, so it cannot be imported here at run time
    from ..config import VAEConfig

Encoder = Callable[[Tensor], tuple[Tensor, Tensor]]
MARGINAL_SAMPLES = 10_000  # prior draws for a marginal's spread where it has no closed form


class Prior(nn.Module):
    """p(z) over R^D: ``log_prob(z)`` for a batch of codes (N x D -> N), ``sample``, and the KL terms.

    Class attributes every prior declares: ``name`` (the config's value), ``label`` (for people) and
    ``parameters`` (the ``VAEConfig`` fields it reads, with what each means for people)."""

    name: ClassVar[str]
    label: ClassVar[str]
    parameters: ClassVar[dict[str, str]] = {}

    def __init__(self, latent_dim: int) -> None:
        super().__init__()
        self.latent_dim = latent_dim

    @classmethod
    def from_config(cls, config: VAEConfig, encode: Encoder, generator: torch.Generator | None = None) -> Prior:
        """The prior ``config`` describes; ``encode`` is the VAE's encoder (the VampPrior needs it)."""
        return cls(config.latent_dim)

    def describe(self) -> str:
        """The prior in a few words, with its parameters: what a model's facts line shows."""
        return self.label

    def log_prob(self, z: Tensor) -> Tensor:
        raise NotImplementedError

    def sample(self, n: int, generator: torch.Generator | None = None, temperature: float = 1.0) -> Tensor:
        """n codes; ``temperature`` scales each Gaussian's standard deviation (1 = the prior itself)."""
        raise NotImplementedError

    def kl(self, mean: Tensor, logvar: Tensor) -> Tensor | None:
        """KL(q(z|x) || p(z)) per image in closed form, or None where it has none (then the caller
        estimates it with ``kl_estimate``)."""
        kl = self.kl_per_dimension(mean, logvar)
        return None if kl is None else kl.sum(1)

    def kl_per_dimension(self, mean: Tensor, logvar: Tensor) -> Tensor | None:
        """KL(q(z_d|x) || p(z_d)) per image and dimension (N x D), in closed form: only for a prior
        that factorises over dimensions and has the formula. None otherwise (the KL does not split)."""
        return None

    def log_prob_per_dimension(self, z: Tensor) -> Tensor | None:
        """log p(z_d) per code and dimension (N x D), for a prior that factorises, p(z) = prod_d p(z_d);
        None otherwise (the KL's dimension-wise part, vae_core.factor_vae, is then not defined)."""
        return None

    def kl_estimate(self, mean: Tensor, logvar: Tensor, z: Tensor) -> Tensor:
        """KL(q(z|x) || p(z)) per image, estimated from the sample z ~ q(z|x): log q(z|x) - log p(z)."""
        return normal_log_prob(z, mean, logvar) - self.log_prob(z)

    def marginal_spread(self, samples: int = MARGINAL_SAMPLES, seed: int = 0) -> tuple[Tensor, Tensor]:
        """(centre, standard deviation) of each coordinate under p(z): by default the mean and standard
        deviation of ``samples`` prior draws; priors that know them exactly say so by overriding this."""
        with torch.inference_mode():
            z = self.sample(samples, torch.Generator().manual_seed(seed)).double()
        return z.mean(0).float(), z.std(0).float()

    def marginal_quantile(self, probabilities: Tensor) -> Tensor | None:
        """The inverse CDF of each coordinate's marginal at ``probabilities`` (P -> P x D), for grids
        with equal prior mass per cell; None where it has no closed form."""
        return None

    def marginal_density(self, values: Tensor) -> Tensor | None:
        """Each coordinate's marginal density p(z_d) at ``values`` (V -> V x D) in closed form; None
        where the prior does not give it (a page then draws a histogram of prior samples)."""
        return None

    def initialise_from(self, images: Tensor, generator: torch.Generator) -> None:
        """Called once before training with the uint8 training images; most priors need nothing."""


PRIORS: dict[str, type[Prior]] = {}
P = TypeVar("P", bound=type[Prior])


def register_prior(cls: P) -> P:
    """Class decorator: list a prior under its ``name`` (a name already taken is refused)."""
    if cls.name in PRIORS and PRIORS[cls.name] is not cls:
        raise ValueError(f"a prior named {cls.name!r} is registered already")
    PRIORS[cls.name] = cls
    return cls


def prior_names() -> tuple[str, ...]:
    """Every registered prior's name, in registration order: the CLI's and the config's choices."""
    return tuple(PRIORS)


def make_prior(config: VAEConfig, encode: Encoder, generator: torch.Generator | None = None) -> Prior:
    """The prior a config names; ``encode`` is the VAE's encoder (the VampPrior needs it)."""
    return PRIORS[config.prior].from_config(config, encode, generator)


# The priors that ship, registered in the order the CLI lists them (imported last: they subclass Prior).
# isort: off
from .standard_normal import StandardNormal  # noqa: E402
from .mixture import MixturePrior  # noqa: E402
from .vamp import VampPrior  # noqa: E402
# isort: on

__all__ = [
    "PRIORS",
    "MixturePrior",
    "Prior",
    "StandardNormal",
    "VampPrior",
    "make_prior",
    "prior_names",
    "register_prior",
]
