"""Test-set figures, all in nats per image: the ELBO and its parts, KL per latent dimension,
and the importance-weighted bound on log p(x) (Burda, Grosse & Salakhutdinov 2015)."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor

from .data import binarize, to_float
from .losses import kl_per_dimension, normal_log_prob, standard_normal_log_prob
from .model import VAE

# A latent dimension is "active" when its KL, averaged over the data, exceeds this (Burda et al. use
# the variance of the posterior mean over data > 0.01; KL is the same idea in nats).
ACTIVE_UNIT_NATS = 0.01


def prepare_inputs(model: VAE, images: Tensor, seed: int = 0) -> Tensor:
    """uint8 N x 28 x 28 -> the float inputs the model was trained on. Binarised models see a
    Bernoulli sample drawn once with a fixed seed, so figures are reproducible."""
    x = to_float(images) if images.dtype == torch.uint8 else images.float()
    if model.config.binarize == "dynamic":
        x = binarize(x, torch.Generator().manual_seed(seed))
    return x


@torch.inference_mode()
def iwae_log_likelihood(model: VAE, x: Tensor, k: int, chunk: int = 1000) -> Tensor:
    """log p(x) >= log (1/k) sum_i p(x, z_i) / q(z_i|x), z_i ~ q(z|x): the IWAE bound, per image.

    k = 1 is the ELBO; the bound tightens as k grows. Samples are drawn ``chunk`` at a time and the
    log-weights combined with logsumexp, so memory does not grow with k.
    """
    device = model.device
    out = torch.empty(x.shape[0])
    for i, image in enumerate(x.to(device)):
        mean, logvar = model.encode(image[None])
        log_weights = []
        for start in range(0, k, chunk):
            n = min(chunk, k - start)
            z = mean + torch.exp(0.5 * logvar) * torch.randn(n, mean.shape[1], device=device)
            log_px_z = model.log_likelihood(image.expand(n, -1, -1, -1), model.decode_logits(z))
            log_weights.append(log_px_z + standard_normal_log_prob(z) - normal_log_prob(z, mean, logvar))
        out[i] = torch.logsumexp(torch.cat(log_weights), 0).cpu() - math.log(k)
    return out


@torch.inference_mode()
def elbo_per_image(model: VAE, x: Tensor, batch_size: int = 1000) -> tuple[Tensor, Tensor, Tensor]:
    """(reconstruction NLL, KL, KL per dimension) per image, one posterior sample each."""
    recs, kls, kl_dims = [], [], []
    for batch in x.split(batch_size):
        batch = batch.to(model.device)
        mean, logvar = model.encode(batch)
        z = model.reparameterize(mean, logvar)
        recs.append(-model.log_likelihood(batch, model.decode_logits(z)).cpu())
        kl_dim = kl_per_dimension(mean, logvar).cpu()
        kl_dims.append(kl_dim)
        kls.append(kl_dim.sum(1))
    return torch.cat(recs), torch.cat(kls), torch.cat(kl_dims)


def evaluate(
    model: VAE,
    images: Tensor,
    k: int = 0,
    seed: int = 0,
    iwae_images: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> dict[str, float | int | list[float]]:
    """Figures for a test set (uint8 N x 28 x 28 or float N x 1 x 28 x 28), in nats per image.

    ``negative_elbo`` = ``reconstruction`` + ``kl``; ``kl_per_dim`` and ``active_units`` show which
    latent dimensions carry information; with k >= 1, ``iwae_nll`` is -log p(x) estimated by the
    IWAE bound with k samples on the first ``iwae_images`` images (all by default).
    """
    torch.manual_seed(seed)
    model.eval()
    x = prepare_inputs(model, images, seed)
    rec, kl, kl_dims = elbo_per_image(model, x)
    kl_dim_means = kl_dims.mean(0)
    figures: dict[str, float | int | list[float]] = {
        "images": x.shape[0],
        "negative_elbo": (rec + kl).mean().item(),
        "reconstruction": rec.mean().item(),
        "kl": kl.mean().item(),
        "kl_per_dim": [round(v, 4) for v in kl_dim_means.tolist()],
        "active_units": int((kl_dim_means > ACTIVE_UNIT_NATS).sum()),
    }
    if k >= 1:
        subset = x[: iwae_images or x.shape[0]]
        nll = []
        for start in range(0, subset.shape[0], 100):
            nll.append(-iwae_log_likelihood(model, subset[start : start + 100], k))
            if on_progress is not None:
                on_progress(min(start + 100, subset.shape[0]), subset.shape[0])
        figures.update(iwae_k=k, iwae_images=subset.shape[0], iwae_nll=torch.cat(nll).mean().item())
    return figures
