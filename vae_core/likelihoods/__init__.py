"""The likelihood p(x|z): one module per likelihood, each declaring what it is, and a registry by name.

The decoder outputs ``decoder_channels`` real numbers per pixel (one for most), its *logits*
(N x decoder_channels x 28 x 28); a likelihood says what they mean:

- ``decoder_channels``: how many maps the decoder's last layer makes (vae_core.model reads it); a
  likelihood with one leaves a model's state dict exactly as it was;
- ``log_prob(x, logits)``: log p(x|z) per image in nats (the ELBO's reconstruction term);
- ``mean(logits)``: the image E[x|z] the pages show;
- ``parameter_images(logits)``: the distribution's own parameters as images where they are not the
  mean (the continuous Bernoulli's lambda, the discretized logistic's location and scale);
- ``draw(logits, generator)``: x ~ p(x|z) from the decoder's output, exact for every likelihood;
- ``sample(means, generator)``: x ~ p(x|z) from the means alone, where they determine p(x|z);
- ``browser_output``: what the decoder running in the browser (ui/components/decoder.js) must apply to
  the logits to draw E[x|z] (vae_core.export.OUTPUTS lists those decoder.js implements; export refuses
  a model whose likelihood needs another, and its pages then decode on the server);
- ``normalised_8bit_density``: whether -log p(x) is a true code length of the 8-bit image (a
  normalised probability over the 256 grey levels of each pixel). The anomaly score ``complexity``
  (vae_core.anomaly: -log p(x) minus the PNG length of x, Serrà et al. 2020) is an exact
  log-likelihood ratio only then; otherwise it is a heuristic ratio;
- ``log_p_is``: what its -log p(x) is, in a sentence a page shows beside the figure.

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

# What the browser's decoder must apply to the logits to draw E[x|z]: "sigmoid" (the one decoder.js
# implements), the continuous Bernoulli's mean of the sigmoid's lambda, or the discretized logistic's
# mean over the 256 levels from its two channels.
BrowserOutput = Literal["sigmoid", "continuous_bernoulli_mean", "discretized_logistic_mean"]


class Likelihood:
    """p(x|z) given the decoder's logits. Holds no learnt weights: what it needs beyond its config comes
    from the decoder, ``decoder_channels`` maps per pixel (with one, a model's state dict is unchanged)."""

    name: ClassVar[str]
    label: ClassVar[str]
    parameters: ClassVar[dict[str, str]] = {}
    decoder_channels: ClassVar[int] = 1
    browser_output: ClassVar[BrowserOutput] = "sigmoid"
    normalised_8bit_density: ClassVar[bool] = False
    # What -log p(x) of a grey-level image is under this likelihood, in a sentence beside the figure.
    log_p_is: ClassVar[str] = ""
    # What ``parameter_images`` shows, in a sentence for the page that draws them (none: nothing to show).
    parameters_note: ClassVar[str] = ""

    @classmethod
    def from_config(cls, config: VAEConfig) -> Likelihood:
        return cls()

    def describe(self) -> str:
        """The likelihood in a few words: what a model's facts line shows."""
        return self.name

    def log_prob(self, x: Tensor, logits: Tensor) -> Tensor:
        """log p(x|z) per image in nats, x N x 1 x 28 x 28 in [0, 1], logits N x decoder_channels x 28 x 28."""
        raise NotImplementedError

    def mean(self, logits: Tensor) -> Tensor:
        """E[x|z], the pixel means in [0, 1], N x 1 x 28 x 28."""
        return torch.sigmoid(logits)

    def parameter_images(self, logits: Tensor) -> dict[str, Tensor]:
        """The distribution's parameters as N x 1 x 28 x 28 images, by a short label, where they are not
        the mean itself (a page can show them beside it); none where the mean says it all."""
        return {}

    def draw(self, logits: Tensor, generator: torch.Generator | None = None) -> Tensor:
        """x ~ p(x|z) given the decoder's output, in [0, 1] so it can be shown. By default from the
        means, which is exact wherever the means determine p(x|z) (``sample``)."""
        return self.sample(self.mean(logits), generator)

    def sample(self, means: Tensor, generator: torch.Generator | None = None) -> Tensor:
        """x ~ p(x|z) given the pixel means E[x|z] alone (what a caller holding only images has), in
        [0, 1]. A likelihood whose means do not determine p(x|z) raises ValueError: use ``draw``."""
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
# isort: off
from .bernoulli import Bernoulli  # noqa: E402
from .gaussian import Gaussian  # noqa: E402
from .continuous_bernoulli import ContinuousBernoulli  # noqa: E402
from .discretized_logistic import DiscretizedLogistic  # noqa: E402
# isort: on

__all__ = [
    "LIKELIHOODS",
    "Bernoulli",
    "ContinuousBernoulli",
    "DiscretizedLogistic",
    "Gaussian",
    "Likelihood",
    "likelihood_names",
    "make_likelihood",
    "register_likelihood",
]
