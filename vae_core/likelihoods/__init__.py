"""The likelihood p(x|z): one module per likelihood, each declaring what it is, and a registry by name.

The decoder outputs one real number per pixel, its *logits*; a likelihood says what they mean:

- ``log_prob(x, logits)``: log p(x|z) per image in nats (the ELBO's reconstruction term);
- ``mean(logits)``: the image E[x|z] the pages show;
- ``sample(means, generator)``: x ~ p(x|z) from those means;
- ``browser_output``: what the decoder running in the browser (ui/components/decoder.js) applies to
  the logits to draw E[x|z]; vae_core.export refuses a model whose likelihood needs another;
- ``normalised_8bit_density``: whether -log p(x) is a true code length of the 8-bit image (a
  normalised probability over the 256 grey levels of each pixel). The anomaly score ``complexity``
  (vae_core.anomaly: -log p(x) minus the PNG length of x, Serrà et al. 2020) is an exact
  log-likelihood ratio only then; otherwise it is a heuristic ratio.

Callers never test a likelihood's name. **Adding a likelihood** is one new module here (a subclass of
``Likelihood`` with ``@register_likelihood``, imported at the end of this file) plus its tests: its
``name`` is the value of ``VAEConfig.likelihood`` stored in checkpoints (never rename one), its
``parameters`` the ``VAEConfig`` fields it reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal, TypeVar

import torch
from torch import Tensor

if TYPE_CHECKING:  # config validates against this registry, so it cannot be imported here at run time
    from ..config import VAEConfig

BrowserOutput = Literal["sigmoid"]  # the output functions decoder.js implements


class Likelihood:
    """p(x|z) given the decoder's logits. Holds no learnt weights (a model's state dict is unchanged)."""

    name: ClassVar[str]
    label: ClassVar[str]
    parameters: ClassVar[dict[str, str]] = {}
    browser_output: ClassVar[BrowserOutput] = "sigmoid"
    normalised_8bit_density: ClassVar[bool] = False

    @classmethod
    def from_config(cls, config: VAEConfig) -> Likelihood:
        return cls()

    def describe(self) -> str:
        """The likelihood in a few words: what a model's facts line shows."""
        return self.name

    def log_prob(self, x: Tensor, logits: Tensor) -> Tensor:
        """log p(x|z) per image in nats, x N x 1 x 28 x 28 in [0, 1]."""
        raise NotImplementedError

    def mean(self, logits: Tensor) -> Tensor:
        """E[x|z], the pixel means in [0, 1]."""
        return torch.sigmoid(logits)

    def sample(self, means: Tensor, generator: torch.Generator | None = None) -> Tensor:
        """x ~ p(x|z) given the pixel means E[x|z], in [0, 1] so it can be shown."""
        raise NotImplementedError


LIKELIHOODS: dict[str, type[Likelihood]] = {}
L = TypeVar("L", bound=type[Likelihood])


def register_likelihood(cls: L) -> L:
    """Class decorator: list a likelihood under its ``name`` (a name already taken is refused)."""
    if cls.name in LIKELIHOODS and LIKELIHOODS[cls.name] is not cls:
        raise ValueError(f"a likelihood named {cls.name!r} is registered already")
    LIKELIHOODS[cls.name] = cls
    return cls


def likelihood_names() -> tuple[str, ...]:
    """Every registered likelihood's name, in registration order: the CLI's and the app's choices."""
    return tuple(LIKELIHOODS)


def make_likelihood(config: VAEConfig) -> Likelihood:
    return LIKELIHOODS[config.likelihood].from_config(config)


# The likelihoods that ship, registered in the order the CLI lists them.
from .bernoulli import Bernoulli  # noqa: E402
from .gaussian import Gaussian  # noqa: E402

__all__ = [
    "LIKELIHOODS",
    "Bernoulli",
    "Gaussian",
    "Likelihood",
    "likelihood_names",
    "make_likelihood",
    "register_likelihood",
]
