"""What the explorer asks of a trained model: decode points, grids, paths and samples."""

from __future__ import annotations

import torch
from torch import Tensor

from .data import to_float
from .model import VAE
from .randomness import RandomState, generator_for


@torch.inference_mode()
def decode(model: VAE, z: Tensor) -> Tensor:
    """Pixel means for latent points z (N x D), as N x 28 x 28 on the CPU."""
    return model.decode(z.to(model.device, torch.float32))[:, 0].cpu()


def sample_prior(
    model: VAE, n: int, *, random_state: RandomState = 0, temperature: float = 1.0, pixels: bool = False
) -> Tensor:
    """n images decoded from z ~ p(z), the model's prior, its Gaussians' standard deviations scaled by
    ``temperature`` (for N(0, I): z ~ N(0, T^2 I)); T < 1 trades variety for typicality. The codes are
    drawn on the CPU with ``random_state`` (vae_core.randomness).

    By default each image is the decoder's mean E[x|z]. ``pixels``: x ~ p(x|z) instead, drawn by the
    model's likelihood from the decoder's whole output (Bernoulli: each pixel 1 with probability its
    mean; Gaussian: mean + sigma * eps; discretized logistic: a real grey level per pixel), clipped to
    [0, 1] to be shown, with the same generator after the codes. Figures show means because these
    draws are mostly the likelihood's own noise."""
    generator = generator_for(random_state)
    with torch.inference_mode():
        z = model.prior.sample(n, generator, temperature)
        if not pixels:
            return decode(model, z)
        logits = model.decode_logits(z.to(model.device, torch.float32)).cpu().float()
        return model.likelihood.draw(logits, generator)[:, 0]


def sample_prior_parameters(
    model: VAE, n: int, *, random_state: RandomState = 0, temperature: float = 1.0
) -> dict[str, Tensor]:
    """The likelihood's own parameters (``Likelihood.parameter_images``: the continuous Bernoulli's lambda,
    the discretized logistic's location and scale) for the n codes ``sample_prior`` draws with the same
    arguments, each N x 28 x 28 on the CPU; empty where the mean says it all (Bernoulli, Gaussian).
    Loaiza-Ganem & Cunningham show lambda beside the mean (their Figure 2): they differ."""
    generator = generator_for(random_state)
    with torch.inference_mode():
        z = model.prior.sample(n, generator, temperature)
        logits = model.decode_logits(z.to(model.device, torch.float32)).cpu().float()
        return {label: image[:, 0] for label, image in model.likelihood.parameter_images(logits).items()}


def equal_mass_probabilities(n: int) -> Tensor:
    """(i + 1/2) / n for i < n: the centres of n cells of equal probability, for inverse-CDF grids."""
    return (torch.arange(n, dtype=torch.float64) + 0.5) / n


def grid_axis(n: int, *, extent: float = 3.0, spacing: str = "linear") -> Tensor:
    """n coordinates along one latent axis.

    "linear": evenly spaced in [-extent, extent]. "normal": the inverse normal CDF of evenly spaced
    probabilities (Kingma & Welling's Figure 4), so each cell holds equal prior mass and the grid
    covers the prior evenly; ``extent`` is then unused.
    """
    if spacing == "linear":
        return torch.linspace(-extent, extent, n)
    if spacing == "normal":
        return torch.distributions.Normal(0.0, 1.0).icdf(equal_mass_probabilities(n)).float()
    raise ValueError(f"unknown grid spacing {spacing!r}: use 'linear' or 'normal'")


def grid_points(
    axis_x: Tensor,
    axis_y: Tensor,
    *,
    dims: tuple[int, int] = (0, 1),
    base: Tensor | None = None,
    latent_dim: int = 2,
) -> Tensor:
    """Latent points for a grid, row-major with y falling down the rows (as an image is read).

    The two chosen dimensions vary; the others are held at ``base`` (zeros by default).
    """
    ys, xs = torch.meshgrid(axis_y.flip(0), axis_x, indexing="ij")
    base = torch.zeros(latent_dim) if base is None else base.reshape(-1).float()
    z = base.repeat(xs.numel(), 1)
    z[:, dims[0]] = xs.reshape(-1)
    z[:, dims[1]] = ys.reshape(-1)
    return z


def decode_grid(
    model: VAE,
    *,
    n: int = 20,
    extent: float = 3.0,
    spacing: str = "linear",
    dims: tuple[int, int] = (0, 1),
    base: Tensor | None = None,
) -> Tensor:
    """The manifold: an n x n grid of decoded images tiled into one (28 n) x (28 n) image.

    Inverse-CDF ("normal") spacing follows each coordinate's prior marginal, so it is refused for a
    prior whose marginal quantiles have no closed form."""
    if spacing == "normal":
        quantiles = model.prior.marginal_quantile(equal_mass_probabilities(n))
        if quantiles is None:
            raise ValueError(
                f"inverse-CDF spacing needs a prior whose marginals are known in closed form, not the "
                f"{model.prior.label}; use linear spacing"
            )
        axis_x, axis_y = quantiles[:, dims[0]], quantiles[:, dims[1]]
    else:
        axis_x = axis_y = grid_axis(n, extent=extent, spacing=spacing)
    images = decode(model, grid_points(axis_x, axis_y, dims=dims, base=base, latent_dim=model.latent_dim))
    return tile(images, n)


def tile(images: Tensor, columns: int, *, pad: int = 0) -> Tensor:
    """N x H x W images laid out row by row into one image of their dtype (the last row padded with black)."""
    n, h, w = images.shape
    rows = -(-n // columns)
    canvas = images.new_zeros(rows * (h + pad) - pad if rows else 0, columns * (w + pad) - pad)
    for i, image in enumerate(images):
        r, c = divmod(i, columns)
        canvas[r * (h + pad) : r * (h + pad) + h, c * (w + pad) : c * (w + pad) + w] = image
    return canvas


def lerp(a: Tensor, b: Tensor, steps: int) -> Tensor:
    """steps points on the straight line from a to b, both ends included."""
    t = torch.linspace(0, 1, steps)[:, None]
    return (1 - t) * a.reshape(1, -1) + t * b.reshape(1, -1)


def slerp(a: Tensor, b: Tensor, steps: int) -> Tensor:
    """Spherical interpolation (Shoemake 1985; White 2016 for latent spaces): follows the great circle
    between a and b with the norm interpolated linearly, so intermediate points keep a typical
    distance from the origin instead of cutting through the low-density centre of the prior."""
    a, b = a.reshape(-1).double(), b.reshape(-1).double()
    t = torch.linspace(0, 1, steps, dtype=torch.float64)[:, None]
    na, nb = a.norm(), b.norm()
    if na < 1e-8 or nb < 1e-8:
        return lerp(a, b, steps).float()
    ua, ub = a / na, b / nb
    omega = torch.arccos(torch.clamp(ua @ ub, -1.0, 1.0))
    if omega < 1e-6:
        return lerp(a, b, steps).float()
    direction = (torch.sin((1 - t) * omega) * ua + torch.sin(t * omega) * ub) / torch.sin(omega)
    return (direction * ((1 - t) * na + t * nb)).float()


@torch.inference_mode()
def encode_dataset(model: VAE, images: Tensor, *, batch_size: int = 2000) -> tuple[Tensor, Tensor]:
    """Posterior means and log-variances for a whole split (uint8 N x 28 x 28 or float N x 1 x 28 x 28)."""
    means, logvars = [], []
    for batch in images.split(batch_size):
        x = to_float(batch) if batch.dtype == torch.uint8 else batch.float()
        mean, logvar = model.encode(x.to(model.device))
        means.append(mean.cpu())
        logvars.append(logvar.cpu())
    return torch.cat(means), torch.cat(logvars)


@torch.inference_mode()
def reconstruct(model: VAE, x: Tensor) -> Tensor:
    """Reconstruction through the posterior mean, as N x 28 x 28."""
    return model(x.to(model.device).float())[:, 0].cpu()
