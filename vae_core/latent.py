"""What the theory says about where the codes lie, computed: traversals, which dimensions are used,
the aggregate posterior against the prior, and the prior's "holes".

- Traversals (Higgins et al. 2017, beta-VAE, Figure 1 onwards): decode z with one coordinate swept
  over the prior's +-3 standard deviations and the others held fixed; a dimension that matters
  changes the image, a collapsed one leaves it unchanged.
- Dimension usage over a data set (vae_core.usage holds the definition): the nats each dimension
  carries (its KL to p(z_d) where the prior gives it per dimension, else the information
  1/2 log(1 + Var_x(mu_d) / E_x[sigma_d^2])), active at ACTIVE_UNIT_NATS or more, with Burda et
  al.'s activity Cov_x(E_q[z_d]) beside it.
- The aggregate posterior q(z) = (1/N) sum_i q(z|x_i) = (1/N) sum_i N(z; mu_i, diag sigma_i^2)
  (Hoffman & Johnson 2016, "ELBO surgery"; Tomczak & Welling 2018, eq. 7). The ELBO's KL term
  averaged over the data equals I(x; z) + KL(q(z) || p(z)), so training pulls q(z) towards p(z) but
  never makes them equal: regions where p(z) has mass and q(z) has little are "holes" (Rosca,
  Lakshminarayanan & Mohamed 2018), and a prior sample that lands in one decodes to something the
  decoder never learnt to draw.

No Streamlit here; every function is plain torch, tested on small cases with known answers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from .evaluate import prepare_inputs
from .inference import decode, encode_dataset
from .losses import LOG_2PI
from .model import VAE
from .priors import Prior
from .train import EpochRecord
from .usage import ACTIVE_UNIT_NATS as ACTIVE_UNIT_NATS  # re-exported: the pages read usage through latent
from .usage import DimensionUsage, dimension_usage
from .usage import history_usage as history_usage

# A prior sample is "in a hole" where q(z) is lower than at all but this share of the data's own codes.
HOLE_QUANTILE = 0.01
# Raised whenever find_holes' answer changes for the same inputs: caches kept on disk key on it.
HOLES_VERSION = 2
PRIOR_SAMPLES = 10_000  # prior samples for the hole fraction: their binomial error is <= 0.5 percentage points


# ---------------------------------------------------------------------------------------- traversals


def prior_spread(prior: Prior, samples: int = PRIOR_SAMPLES, seed: int = 0) -> tuple[Tensor, Tensor]:
    """(centre, standard deviation) of each coordinate under p(z), as the prior gives them: exact where
    it knows them (N(0, I): 0 and 1), else the mean and standard deviation of ``samples`` prior draws
    (a mixture's marginals are not N(0, 1))."""
    return prior.marginal_spread(samples, seed)


def traversal_codes(base: Tensor, dims: Sequence[int], values: Tensor) -> Tensor:
    """Codes for a traversal, (len(dims) * S) x D: row block r sweeps coordinate dims[r] through
    ``values`` (S x D: the value of every coordinate at each step; only the swept one is used) with
    every other coordinate held at ``base`` (D)."""
    steps = values.shape[0]
    z = base.reshape(1, -1).float().repeat(len(dims) * steps, 1)
    for r, d in enumerate(dims):
        z[r * steps : (r + 1) * steps, d] = values[:, d]
    return z


def traversal_values(prior: Prior, steps: int, extent: float = 3.0) -> Tensor:
    """S x D sweep values: each coordinate from its prior centre - extent to + extent prior standard
    deviations (-3 ... 3 for N(0, I), as in Higgins et al. 2017)."""
    centre, spread = prior_spread(prior)
    t = torch.linspace(-extent, extent, steps)[:, None]
    return centre[None] + t * spread[None]


def traversals(model: VAE, dims: Sequence[int], steps: int = 9, base: Tensor | None = None) -> Tensor:
    """Decoded traversals, len(dims) x steps x 28 x 28: row r sweeps dimension dims[r] over the prior's
    +-3 standard deviations with the other coordinates at ``base`` (default: the prior's centre, 0
    for N(0, I))."""
    values = traversal_values(model.prior, steps)
    centre = prior_spread(model.prior)[0] if base is None else base
    images = decode(model, traversal_codes(centre, dims, values))
    return images.reshape(len(dims), steps, *images.shape[1:])


# ---------------------------------------------------------------------------------- dimension usage


def usage_on(model: VAE, images: Tensor) -> DimensionUsage:
    """How ``model`` uses each latent dimension on ``images`` (uint8 N x 28 x 28), seen as the model
    sees them in ``evaluate`` (``prepare_inputs``: binarised models get the same fixed Bernoulli
    draw), so a page's bars and count are the CLI's and the checkpoint's figures."""
    model.eval()
    means, logvars = encode_dataset(model, prepare_inputs(model, images))
    return dimension_usage(means, logvars, model.prior)


def active_count(model: VAE, images: Tensor) -> int:
    """How many latent dimensions of ``model`` are active on ``images`` (vae_core.usage's definition:
    at least ACTIVE_UNIT_NATS nats each): the figure a lesson's claim about active units checks."""
    return usage_on(model, images).active_units


def history_series(
    history: Sequence[EpochRecord], figure: Callable[[EpochRecord], float | Sequence[float] | None]
) -> tuple[list[float], Tensor] | None:
    """(epochs, values) of one figure of a per-epoch history (``Provenance.history``, train.py's
    records), read by ``figure`` (``lambda r: r.loss``): a list for a number, an E x D tensor for a
    per-dimension figure (``r.activity``, ``r.kl_per_dim``). None when no record has it (histories
    written before it was recorded, or ``kl_per_dim`` of a prior without a closed-form KL per dimension)."""
    rows = [(r.epoch, value) for r in history if (value := figure(r)) is not None]
    if not rows:
        return None
    return [epoch for epoch, _ in rows], torch.tensor([value for _, value in rows], dtype=torch.float32)


# -------------------------------------------------------------------- aggregate posterior and prior


def aggregate_posterior_log_density(
    z: Tensor, means: Tensor, logvars: Tensor, leave_out: Tensor | None = None, batch: int = 512
) -> Tensor:
    """log q(z) for each row of z (M x D), q(z) = (1/N) sum_i N(z; mu_i, diag exp(logvar_i)).

    Computed in float64 by logsumexp over the N posteriors, ``batch`` points at a time (memory
    batch x N). The squared distance is expanded, sum_d (z_d - mu_id)^2 / s_id^2 = z^2 . (1/s_i^2) -
    2 z . (mu_i / s_i^2) + sum_d mu_id^2 / s_id^2, so each batch costs two matrix products.
    ``leave_out`` (M indices): for point m, posterior leave_out[m] is left out of the sum (and N
    becomes N - 1): the density at a code drawn from posterior i, judged by all the others.
    """
    mu, logvar = means.double(), logvars.double()
    precision = torch.exp(-logvar)  # N x D
    constant = -0.5 * (mu.shape[1] * LOG_2PI + logvar.sum(1) + (mu.pow(2) * precision).sum(1))  # N
    weighted_mean = (mu * precision).T.contiguous()  # D x N
    half_precision = (-0.5 * precision).T.contiguous()  # D x N
    n = mu.shape[0] - (0 if leave_out is None else 1)
    out = torch.empty(z.shape[0], dtype=torch.float64)
    for start in range(0, z.shape[0], batch):
        zb = z[start : start + batch].double()
        log_n = torch.addmm(constant, zb, weighted_mean).addmm_(zb.pow(2), half_precision)  # B x N
        if leave_out is not None:
            log_n[torch.arange(zb.shape[0]), leave_out[start : start + batch]] = -math.inf
        out[start : start + batch] = torch.logsumexp(log_n, dim=1) - math.log(n)
    return out


def density_grid(extent: float, n: int) -> tuple[Tensor, Tensor]:
    """(axis, points): n evenly spaced coordinates in [-extent, extent] and the n^2 2-D points of the
    grid, row-major with z2 rising along the rows (point r * n + c is (axis[c], axis[r]))."""
    axis = torch.linspace(-extent, extent, n, dtype=torch.float64)
    z2, z1 = torch.meshgrid(axis, axis, indexing="ij")
    return axis, torch.stack([z1.reshape(-1), z2.reshape(-1)], dim=1)


def level_at_quantile(log_density: Tensor, quantile: float) -> float:
    """The log-density below which a share ``quantile`` of the given points lie: with points drawn
    from the density itself, the edge of its (1 - quantile) highest-density region."""
    return float(torch.quantile(log_density.double(), quantile))


@dataclass(frozen=True)
class Holes:
    """Where p(z) puts mass and q(z) has little, measured with prior samples.

    ``threshold``: log q at the data's own codes, HOLE_QUANTILE (1 %) quantile: z_i ~ q(z|x_i) for
    data points x_i, each judged by the other N - 1 posteriors (leave-one-out, so a narrow
    posterior does not vouch for its own sample). A perfect match q = p would put 1 % of prior
    samples below it, so ``fraction`` - 1 % is what the mismatch adds. ``samples``: M prior draws;
    ``log_q``: log q at each; ``in_hole``: log_q < threshold; ``fraction``: their share. ``prior_level``:
    log p at the edge of the prior's own 99 % region (its samples' 1 % quantile), for the hole map."""

    threshold: float
    fraction: float
    samples: Tensor
    log_q: Tensor
    in_hole: Tensor
    prior_level: float
    quantile: float = HOLE_QUANTILE


def find_holes(
    prior: Prior,
    means: Tensor,
    logvars: Tensor,
    samples: int = PRIOR_SAMPLES,
    seed: int = 0,
    quantile: float = HOLE_QUANTILE,
    own_codes: int | None = None,
) -> Holes:
    """The hole fraction: the share of ``samples`` prior draws z ~ p(z) at which the aggregate
    posterior of (means, logvars) is below its ``quantile`` level at the data's own codes.

    Why this threshold: it is stated in q's own terms, so it does not depend on the scale of the
    latent space (a learnt mixture prior may spread the codes wider than N(0, I), which would make
    any fixed density look like a hole), and it is calibrated: if p = q exactly, ``quantile`` of the
    prior samples fall below it. The data's codes are one z_i ~ q(z|x_i) for each data point (or for
    ``own_codes`` of them chosen at random), each judged by the other N - 1 posteriors.

    Seeded: the data codes come from generator ``seed``, the prior draws from ``seed`` + 1. The
    figure moves with the seed mostly through the threshold (a 1 % quantile rests on the data's
    least typical codes): on the shipped 2-D model, four seeds of the 10,000 codes moved the hole
    fraction over 3.4-3.9 % at fixed prior samples; half the codes spread it twice as wide."""
    generator = torch.Generator().manual_seed(seed)
    chosen = torch.randperm(means.shape[0], generator=generator)[: own_codes or means.shape[0]]
    eps = torch.randn(chosen.shape[0], means.shape[1], generator=generator)
    own = means[chosen] + torch.exp(0.5 * logvars[chosen]) * eps
    threshold = level_at_quantile(aggregate_posterior_log_density(own, means, logvars, leave_out=chosen), quantile)
    with torch.inference_mode():
        z = prior.sample(samples, torch.Generator().manual_seed(seed + 1)).float()
        prior_level = level_at_quantile(prior.log_prob(z).double(), quantile)
    log_q = aggregate_posterior_log_density(z, means, logvars)
    in_hole = log_q < threshold
    return Holes(threshold, float(in_hole.double().mean()), z, log_q, in_hole, prior_level, quantile)


@dataclass(frozen=True)
class DensityMap:
    """log q(z) and log p(z) on a 2-D grid: ``log_q[r, c]`` and ``log_p[r, c]`` are at
    (axis[c], axis[r]) (z2 rises with the row, as a plot's y axis does)."""

    axis: Tensor
    log_q: Tensor
    log_p: Tensor


def density_map(prior: Prior, means: Tensor, logvars: Tensor, extent: float, n: int = 80) -> DensityMap:
    """The aggregate posterior's and the prior's log-densities on an n x n grid over [-extent, extent]^2
    (2-D models only: a heat map of a higher-dimensional density would be a slice, not the density)."""
    if means.shape[1] != 2:
        raise ValueError("density maps need a 2-D latent space")
    axis, points = density_grid(extent, n)
    log_q = aggregate_posterior_log_density(points, means, logvars).reshape(n, n)
    with torch.inference_mode():
        log_p = prior.log_prob(points.float()).double().reshape(n, n)
    return DensityMap(axis, log_q, log_p)


def hole_map(density: DensityMap, holes: Holes) -> Tensor:
    """Per grid cell: 0 outside the prior's 99 % region, 1 inside it where q is above the hole
    threshold (covered), 2 inside it where q is below (a hole)."""
    inside = density.log_p >= holes.prior_level
    return inside.long() + (inside & (density.log_q < holes.threshold)).long()
