"""Test-set figures, all in nats per image: the ELBO and its parts, which latent dimensions are
active (vae_core.usage's definition), and the importance-weighted bound on log p(x) (Burda, Grosse &
Salakhutdinov 2015)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from torch import Tensor

from .data import binarize, to_float
from .losses import ELBOTerms
from .model import VAE
from .randomness import RandomState, generator_for
from .records import as_json_record, from_json_record
from .usage import dimension_usage


def prepare_inputs(model: VAE, images: Tensor, *, random_state: RandomState = 0) -> Tensor:
    """uint8 N x 28 x 28 -> the float inputs the model was trained on. Binarised models see a
    Bernoulli sample drawn once on the CPU with ``random_state`` (vae_core.randomness; the default 0
    gives the same sample every time, so figures are reproducible)."""
    x = to_float(images) if images.dtype == torch.uint8 else images.float()
    if model.config.binarize == "dynamic":
        x = binarize(x, generator_for(random_state))
    return x


@torch.inference_mode()
def iwae_log_likelihood(
    model: VAE, x: Tensor, k: int, *, chunk: int = 1000, random_state: RandomState = None
) -> Tensor:
    """log p(x) >= log (1/k) sum_i p(x|z_i) p(z_i) / q(z_i|x), z_i ~ q(z|x): the IWAE bound, per image.

    k = 1 is the ELBO; the bound tightens as k grows. p(z) is the model's own prior. Samples are
    drawn ``chunk`` at a time and the log-weights combined with logsumexp, so memory does not grow
    with k. With small k, several images share one decoder call of about ``IWAE_SAMPLES_PER_CALL``
    samples: on a CPU, 10 samples per call run at less than half the speed of 250 (measured on the
    shipped models, one thread), and an anomaly benchmark scores thousands of images with k = 10-100.
    ``random_state`` (vae_core.randomness: an int seeds a generator on the model's device) makes the
    draws the caller's own.
    """
    device = model.device
    generator = generator_for(random_state, device)
    x = x.to(device)
    out = torch.empty(x.shape[0])
    per_call = max(1, IWAE_SAMPLES_PER_CALL // k)
    for start in range(0, x.shape[0], per_call):
        images = x[start : start + per_call]
        log_weights = [
            model.log_importance_weights(images, min(chunk, k - done), generator) for done in range(0, k, chunk)
        ]
        out[start : start + images.shape[0]] = (torch.logsumexp(torch.cat(log_weights, 1), 1) - math.log(k)).cpu()
    return out


# Samples per decoder call when several images share one (k below this): fastest on the shipped models.
IWAE_SAMPLES_PER_CALL = 256


@torch.inference_mode()
def elbo_per_image(model: VAE, x: Tensor, *, random_state: RandomState = None, batch_size: int = 1000) -> ELBOTerms:
    """The model's own ``elbo_terms`` over x in batches, on the CPU: one posterior sample per image,
    drawn with ``random_state`` (vae_core.randomness)."""
    generator = generator_for(random_state, model.device)
    parts = [model.elbo_terms(batch.to(model.device), generator) for batch in x.split(batch_size)]
    return ELBOTerms(
        *(
            None if getattr(parts[0], f) is None else torch.cat([getattr(p, f).cpu() for p in parts])
            for f in ELBOTerms.__dataclass_fields__
        )
    )


@dataclass(frozen=True)
class Evaluation:
    """A model's figures on a test set, nats per image. ``negative_elbo`` = ``reconstruction`` +
    ``kl``; ``kl_per_dim`` is the closed-form KL of each dimension to the prior (where the prior
    gives it, N(0, I); else None); ``information_per_dim`` is 1/2 log(1 + Var_x(mu_d) / E_x[sigma_d^2]) (every
    prior); ``activity`` is Burda et al.'s Cov_x(E_q[z_d]); ``active_units`` counts the dimensions that
    carry at least ``active_threshold`` nats (vae_core.usage: the KL where it exists, else the
    information); the IWAE estimate of -log p(x) is on the first ``iwae_images`` images; a hierarchy's
    ``kl_per_level`` is each level's KL term from the top down (vae_core.hierarchy; None with one level)."""

    images: int
    negative_elbo: float
    reconstruction: float
    kl: float
    activity: tuple[float, ...]
    active_units: int
    kl_per_dim: tuple[float, ...] | None = None
    information_per_dim: tuple[float, ...] | None = None
    active_threshold: float | None = None
    iwae_k: int | None = None
    iwae_images: int | None = None
    iwae_nll: float | None = None
    kl_per_level: tuple[float, ...] | None = None

    # What a record written before a field was stored means (vae_core.records): no activity, ().
    ABSENT: ClassVar[dict[str, Any]] = {"activity": ()}

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready record (what checkpoints store as ``Provenance.test``); unset figures left out."""
        return as_json_record(self)

    @classmethod
    def from_dict(cls, record: Mapping[str, Any]) -> Evaluation:
        """A stored record read back; ValueError naming the field when one is missing or malformed.
        Records written before the activity was stored (mnist-2d, mnist-32d) read with none (ABSENT)."""
        return from_json_record(cls, record, "test figures")


def evaluate(
    model: VAE,
    images: Tensor,
    *,
    k: int = 0,
    random_state: RandomState = 0,
    iwae_images: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> Evaluation:
    """Figures for a test set (uint8 N x 28 x 28 or float N x 1 x 28 x 28), in nats per image.

    Seeded through a generator of its own (``random_state``, vae_core.randomness: 0 by default), so
    the figures are reproducible and no other user of torch's global generator is disturbed. With
    k >= 1, -log p(x) is estimated by the IWAE bound with k samples
    on the first ``iwae_images`` images (all by default).
    """
    model.eval()
    generator = generator_for(random_state, model.device)
    x = prepare_inputs(model, images, random_state=random_state)
    terms = elbo_per_image(model, x, random_state=generator)
    usage = dimension_usage(terms.mean, terms.logvar, model.prior)
    iwae: dict[str, Any] = {}
    if k >= 1:
        subset = x[: iwae_images or x.shape[0]]
        nll = []
        for start in range(0, subset.shape[0], 100):
            nll.append(-iwae_log_likelihood(model, subset[start : start + 100], k, random_state=generator))
            if on_progress is not None:
                on_progress(min(start + 100, subset.shape[0]), subset.shape[0])
        iwae = {"iwae_k": k, "iwae_images": subset.shape[0], "iwae_nll": torch.cat(nll).mean().item()}
    return Evaluation(
        images=x.shape[0],
        negative_elbo=terms.negative_elbo.mean().item(),
        reconstruction=terms.reconstruction.mean().item(),
        kl=terms.kl.mean().item(),
        activity=tuple(round(v, 5) for v in usage.activity.tolist()),
        active_units=usage.active_units,
        kl_per_dim=None if usage.kl is None else tuple(round(v, 4) for v in usage.kl.tolist()),
        information_per_dim=tuple(round(v, 4) for v in usage.information.tolist()),
        active_threshold=usage.threshold,
        kl_per_level=None
        if terms.kl_per_level is None
        else tuple(round(v, 4) for v in terms.kl_per_level.mean(0).tolist()),
        **iwae,
    )
