"""A VAE with several stochastic levels and a top-down generative path: the Ladder VAE's structure
(Sønderby et al. 2016), built on vae_core.model's VAE.

Generative model, levels from the top z_L (the ``latent_dim``-dimensional code the pages drive) down to
z_1 (``VAEConfig.lower_levels`` lists the sizes below the top, from the top down):

    p(x, z_1..z_L) = p(z_L) prod_{l<L} p(z_l | z_{l+1}) p(x | z_1, ..., z_L)

p(z_L) is the model's prior (any of vae_core/priors); each p(z_l | z_{l+1}) = N(mu_p, diag(sigma_p^2)) is
learnt, a small network of z_{l+1}; the decoder reads every level's code (Kingma et al. 2016 and NVAE
feed all of them, so the top need not pass through the lower levels to reach the image).

Inference is **top-down, sharing the generative path** (the Ladder VAE's choice, also Kingma et al.
2016's and NVAE's): one bottom-up pass of the encoder gives each level an estimate N(mu_hat, sigma_hat^2)
of its code from x alone; then, from the top down,

    q(z_L | x) = N(mu_hat_L, sigma_hat_L^2)             (exactly the one-level VAE's encoder)
    q(z_l | x, z_{l+1}) = N(mu_q, sigma_q^2),  sigma_q^-2 = sigma_hat^-2 + sigma_p^-2,
                                              mu_q = (mu_hat sigma_hat^-2 + mu_p sigma_p^-2) sigma_q^2

the precision-weighted product of the bottom-up estimate and the generative p(z_l | z_{l+1}). Why top-down
rather than bottom-up: the posterior of a lower level then moves with the prior the model generates from,
so the KL of each level is between two Gaussians that share the path, and Sønderby et al. measured
fewer collapsed units and a better bound than with a bottom-up q (their Table 1). The top level's q is
the plain encoder's, so the browser encoder, the scatter and the holes map read it unchanged.

The bound, one sample of every level along the sampled path (Sønderby et al. 2016, eq. 14):

    ELBO = E_q[log p(x | z_1..z_L)] - KL(q(z_L|x) || p(z_L)) - sum_{l<L} E_q[KL(q(z_l|x,z_{l+1}) || p(z_l|z_{l+1}))]

each lower KL in closed form between the two Gaussians at the sampled z_{l+1} (vae_core.losses.gaussian_kl),
the top's as the prior gives it. A KL warm-up (``TrainConfig.kl_warmup_epochs``) weights every level's term
alike, Sønderby et al.'s warm-up. With no level below the top the model computes exactly what the
one-level VAE does, weight for weight (tests/test_hierarchy.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from .config import VAEConfig
from .evaluate import prepare_inputs
from .losses import ELBOTerms, gaussian_kl, normal_log_prob
from .model import VAE
from .randomness import RandomState, generator_for
from .usage import active_units


@dataclass(frozen=True)
class LevelSample:
    """One level of a sampled path: q's mean and log-variance, the sample z, and the conditional prior
    p(z_l | z_{l+1}) it was drawn against (None at the top, whose prior is the model's ``prior``)."""

    mean: Tensor
    logvar: Tensor
    z: Tensor
    prior_mean: Tensor | None = None
    prior_logvar: Tensor | None = None

    def kl_per_dimension(self) -> Tensor:
        """KL(q(z_l | x, z_{l+1}) || p(z_l | z_{l+1})) per image and dimension, in closed form (a lower level)."""
        assert self.prior_mean is not None and self.prior_logvar is not None, "the top level's KL is the prior's"
        return gaussian_kl(self.mean, self.logvar, self.prior_mean, self.prior_logvar)


# The lowest log-variance a level below the top may have: e^-80 and e^80 are ordinary float32 numbers, so
# densities and KLs stay finite. A trained p(z_l | z_{l+1}) pins some dimensions almost exactly (ladder-2d's
# reach e^-66 on training digits, within the floor), and far from the data, where the network only
# extrapolates (a near-blank image's top code), it went below e^-150, and the bound became NaN.
LOGVAR_FLOOR = -80.0


def precision_weighted(mean: Tensor, logvar: Tensor, prior_mean: Tensor, prior_logvar: Tensor) -> tuple[Tensor, Tensor]:
    """The product of N(mean, exp(logvar)) and N(prior_mean, exp(prior_logvar)), normalised: the Ladder
    VAE's q(z_l | x, z_{l+1}). Written with sigmoids of the log-variances' difference, so neither
    precision is ever formed (1 / sigma^2 overflows float32 for a very sure estimate)."""
    logvar_q = -torch.logaddexp(-logvar, -prior_logvar)
    weight = torch.sigmoid(prior_logvar - logvar)  # sigma_hat^-2 / (sigma_hat^-2 + sigma_p^-2)
    return weight * mean + (1 - weight) * prior_mean, logvar_q


class HierarchicalVAE(VAE):
    """The VAE with ``config.lower_levels`` below its latent code. ``latent_dim``, ``encode``, ``prior`` and
    ``decode`` keep their meaning for the top level z_L, so every page that drives a latent code drives
    this model's top; the levels below follow p(z_l | z_{l+1}), by their means (``decode``) or sampled
    (``descend`` with a generator)."""

    @staticmethod
    def code_size(config: VAEConfig) -> int:
        return config.latent_dim + sum(config.lower_levels)

    def build_lower_levels(self, config: VAEConfig) -> None:
        features = self.encoder[-1].in_features  # the encoder's last hidden layer, before the top's head
        # Bottom-up: each lower level's estimate N(mu_hat, sigma_hat^2) from the encoder's features of x.
        self.estimates = nn.ModuleList(nn.Linear(features, 2 * size) for size in config.lower_levels)
        # Top-down: p(z_l | z_{l+1}) = N(mu_p, sigma_p^2) from the level above's code.
        above = (config.latent_dim, *config.lower_levels)[:-1]
        self.conditionals = nn.ModuleList(
            nn.Sequential(nn.Linear(a, config.hidden), nn.ReLU(), nn.Linear(config.hidden, 2 * size))
            for a, size in zip(above, config.lower_levels, strict=True)
        )

    @property
    def levels(self) -> tuple[int, ...]:
        """Each level's size, from the top down."""
        return (self.config.latent_dim, *self.config.lower_levels)

    def mean_path(self) -> list[tuple[nn.Linear, nn.Linear]]:
        """Each level's conditional mean as two Linear layers (ReLU between): the first of its conditional
        network, and the mean's rows of the second (copies: the browser's decoder file reads them)."""
        path = []
        for network, size in zip(self.conditionals, self.config.lower_levels, strict=True):
            first, second = network[0], network[2]
            mean = nn.Linear(second.in_features, size)
            with torch.no_grad():
                mean.weight.copy_(second.weight[:size])
                mean.bias.copy_(second.bias[:size])
            path.append((first, mean))
        return path

    def conditional(self, level: int, above: Tensor) -> tuple[Tensor, Tensor]:
        """(mean, logvar) of p(z_l | z_{l+1}) for the ``level``-th level below the top, given its code above."""
        mean, logvar = self.conditionals[level](above).float().chunk(2, dim=1)
        return mean, logvar.clamp(min=LOGVAR_FLOOR)

    def descend(self, top: Tensor, generator: torch.Generator | None = None, temperature: float = 1.0) -> Tensor:
        """Every level's code under p(z_l | z_{l+1}) from a top code (N x latent_dim): each lower level its
        conditional's mean, or with ``generator`` a sample (standard deviation scaled by ``temperature``).
        Returns N x code_size, the top first: what the decoder reads."""
        codes = [top]
        for level in range(len(self.conditionals)):
            mean, logvar = self.conditional(level, codes[-1])
            if generator is not None:
                noise = torch.randn(mean.shape, generator=generator, device=mean.device, dtype=mean.dtype)
                mean = mean + temperature * (0.5 * logvar).exp() * noise
            codes.append(mean)
        return torch.cat(codes, dim=1)

    def decode_logits(self, z: Tensor) -> Tensor:
        """The decoder's output from a top code (the levels below at their conditional means) or from every
        level's code (N x code_size, the top first)."""
        if z.shape[1] == self.latent_dim:
            z = self.descend(z)
        return self.decoder(z).float()

    def posterior_path(
        self, x: Tensor, generator: torch.Generator | None = None, eps: Tensor | None = None, samples: int = 1
    ) -> list[LevelSample]:
        """``samples`` samples of every level from q for each image (an image's samples side by side:
        N * samples rows), from the top down, each with the distributions it was drawn from and against.
        ``eps``: the noise of every level side by side (N x code_size); zeros give the posterior means'
        path (each level at q's mean given the level above at its own)."""
        features = self.encoder[:-1](x).repeat_interleave(samples, 0)  # the bottom-up pass once per image
        mean, logvar = self.encoder[-1](features).float().chunk(2, dim=1)
        noises = [None] * len(self.levels) if eps is None else list(eps.split(self.levels, dim=1))
        path = [LevelSample(mean, logvar, self.reparameterize(mean, logvar, generator, noises[0]))]
        for level, estimate in enumerate(self.estimates):
            prior_mean, prior_logvar = self.conditional(level, path[-1].z)
            own_mean, own_logvar = estimate(features).float().chunk(2, dim=1)
            mean, logvar = precision_weighted(own_mean, own_logvar.clamp(min=LOGVAR_FLOOR), prior_mean, prior_logvar)
            z = self.reparameterize(mean, logvar, generator, noises[level + 1])
            path.append(LevelSample(mean, logvar, z, prior_mean, prior_logvar))
        return path

    def elbo_terms(self, x: Tensor, generator: torch.Generator | None = None, eps: Tensor | None = None) -> ELBOTerms:
        """The hierarchical bound's parts for one sample of every level (the module's docstring)."""
        path = self.posterior_path(x, generator, eps)
        top = path[0]
        top_kl = self.prior.kl(top.mean, top.logvar)
        kls = [self.prior.kl_estimate(top.mean, top.logvar, top.z) if top_kl is None else top_kl]
        kls += [level.kl_per_dimension().sum(1) for level in path[1:]]
        codes = torch.cat([level.z for level in path], dim=1)
        reconstruction = -self.log_likelihood(x, self.decoder(codes).float())
        per_level = torch.stack(kls, dim=1)
        return ELBOTerms(reconstruction, per_level.sum(1), top.mean, top.logvar, top.z, per_level)

    def log_importance_weights(self, x: Tensor, n: int, generator: torch.Generator | None = None) -> Tensor:
        """log w = log p(x | z_1..z_L) + log p(z_L) + sum_l log p(z_l | z_{l+1}) - log q(z_L | x)
        - sum_l log q(z_l | x, z_{l+1}), for n samples of the whole path per image: B x n."""
        b = x.shape[0]
        path = self.posterior_path(x, generator, samples=n)
        top = path[0]
        log_w = self.prior.log_prob(top.z) - normal_log_prob(top.z, top.mean, top.logvar)
        for level in path[1:]:
            log_w = log_w + normal_log_prob(level.z, level.prior_mean, level.prior_logvar)
            log_w = log_w - normal_log_prob(level.z, level.mean, level.logvar)
        codes = torch.cat([level.z for level in path], dim=1)
        log_w = log_w + self.log_likelihood(x.repeat_interleave(n, 0), self.decoder(codes).float())
        return log_w.reshape(b, n)


# ------------------------------------------------------------------------------- what each level encodes


@dataclass(frozen=True)
class LevelUsage:
    """One level's share of the bound on a data set: ``size`` dimensions, its KL term (nats per image,
    the mean over the images), each dimension's KL (None at a top whose prior has no closed form per
    dimension) and how many dimensions carry at least ``ACTIVE_UNIT_NATS`` (vae_core.usage's threshold)."""

    size: int
    kl: float
    kl_per_dim: tuple[float, ...] | None
    active_units: int | None


@torch.inference_mode()
def level_usage(
    model: HierarchicalVAE, images: Tensor, *, random_state: RandomState = 0, batch_size: int = 1000
) -> tuple[LevelUsage, ...]:
    """Each level's KL term and active units over ``images`` (uint8 N x 28 x 28, prepared as the model was
    trained), one posterior path per image drawn with ``random_state``, from the top down. A collapsed level
    shows as a KL near 0 and no active unit (Sønderby et al. 2016 count active units level by level too)."""
    model.eval()
    generator = generator_for(random_state, model.device)
    x = prepare_inputs(model, images, random_state=random_state)
    sums: list[Tensor | None] = [None] * len(model.levels)
    for batch in x.split(batch_size):
        path = model.posterior_path(batch.to(model.device), generator)
        top = model.prior.kl_per_dimension(path[0].mean, path[0].logvar)
        if top is None:  # no closed form per dimension: the level's total, estimated from its sample
            top = model.prior.kl_estimate(path[0].mean, path[0].logvar, path[0].z)[:, None]
        for i, per_dim in enumerate([top] + [level.kl_per_dimension() for level in path[1:]]):
            total = per_dim.double().sum(0).cpu()
            sums[i] = total if sums[i] is None else sums[i] + total
    usages = []
    for size, total in zip(model.levels, sums, strict=True):
        assert total is not None
        per_dim = total / x.shape[0]
        whole = per_dim.numel() == size
        usages.append(
            LevelUsage(
                size=size,
                kl=float(per_dim.sum()),
                kl_per_dim=tuple(round(v, 4) for v in per_dim.tolist()) if whole else None,
                active_units=active_units(per_dim) if whole else None,
            )
        )
    return tuple(usages)


def posterior_means(model: HierarchicalVAE, x: Tensor) -> Tensor:
    """Every level's code along the posterior means' path for each image of x (float N x 1 x 28 x 28):
    the top at q's mean, each level below at q's mean given the level above at its own. N x code_size."""
    with torch.inference_mode():
        path = model.posterior_path(x.to(model.device), eps=torch.zeros(x.shape[0], model.noise_size))
    return torch.cat([level.z for level in path], dim=1)


def hold_top(model: HierarchicalVAE, path: Tensor, n: int, *, random_state: RandomState = 0) -> Tensor:
    """Decodes of one image with its top code held at q's mean and the levels below drawn n times from
    p(z_l | z_{l+1}): what the top alone fixes (the same digit, other strokes, if the levels split the work
    that way). ``path``: the image's codes along the posterior means' path (a row of ``posterior_means``).
    n x 28 x 28 pixel means on the CPU, as vae_core.inference.decode gives."""
    return decode_drawn(model, path[: model.latent_dim], n, random_state=random_state)


def hold_lower(model: HierarchicalVAE, path: Tensor, n: int, *, random_state: RandomState = 0) -> Tensor:
    """The converse: one image's levels below the top held at their posterior means (``path`` as in
    ``hold_top``), the top drawn n times from the prior p(z_L); decoded. What the top adds once the lower
    levels are fixed. n x 28 x 28."""
    with torch.inference_mode():
        top = model.prior.sample(n, generator_for(random_state)).to(model.device)
        lower = path[model.latent_dim :].to(model.device).reshape(1, -1).expand(n, -1)
        return model.likelihood.mean(model.decoder(torch.cat([top, lower], dim=1)).float())[:, 0].cpu()


def decode_drawn(model: HierarchicalVAE, top: Tensor, n: int, *, random_state: RandomState = 0) -> Tensor:
    """n decodes of one top code (a D-vector) with the levels below drawn from p(z_l | z_{l+1}) rather than
    at their means (what ``decode`` takes): the strokes the top code leaves open. n x 28 x 28, CPU."""
    with torch.inference_mode():
        tops = top.reshape(1, -1).expand(n, -1).to(model.device)
        codes = model.descend(tops, generator_for(random_state, model.device))
        return model.likelihood.mean(model.decoder(codes).float())[:, 0].cpu()
