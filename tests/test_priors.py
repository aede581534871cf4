"""The prior as a concern of its own: densities, the Monte-Carlo KL, samples, checkpoints."""

from __future__ import annotations

import math
import threading

import pytest
import torch

from vae_core import (
    VAE,
    MixturePrior,
    StandardNormal,
    TrainConfig,
    VAEConfig,
    checkpoint_bytes,
    elbo_per_image,
    iwae_log_likelihood,
    load_checkpoint,
    load_dataset,
    sample_prior,
    train,
)
from vae_core.data import to_float
from vae_core.inference import decode_grid
from vae_core.priors import PRIORS, Prior, register_prior

SMALL = dict(hidden=32, conv_channels=(4, 8))


def one_component_at_the_origin(model: VAE) -> VAE:
    """The same weights with a one-component mixture prior at 0 with unit variance: N(0, I) itself."""
    twin = VAE(VAEConfig(**{**model.config.__dict__, "prior": "mixture", "prior_components": 1}))
    state = {**model.state_dict(), "prior.logits": torch.zeros(1)}
    state |= {"prior.means": torch.zeros(1, model.latent_dim), "prior.logvars": torch.zeros(1, model.latent_dim)}
    twin.load_state_dict(state)
    return twin.eval()


def test_one_component_mixture_is_the_standard_normal(small_model, mnist_test):
    mixture = one_component_at_the_origin(small_model)
    z = torch.randn(500, 2) * 3
    torch.testing.assert_close(mixture.prior.log_prob(z), small_model.prior.log_prob(z), rtol=0, atol=1e-5)
    x = to_float(mnist_test[0][:10])
    iwae = [iwae_log_likelihood(m, x, 50, random_state=3) for m in (small_model, mixture)]
    torch.testing.assert_close(iwae[0], iwae[1], rtol=0, atol=1e-4)
    # The ELBO: the mixture's KL is the one-sample estimate log q(z|x) - log p(z), which for the same
    # sample is the standard normal's own estimate; averaged over many samples it is the closed form.
    many = x.repeat(1000, 1, 1, 1)
    with torch.no_grad():
        mean, logvar = small_model.encode(many)
    sample = VAE.reparameterize(mean, logvar, torch.Generator().manual_seed(9))
    assert mixture.prior.kl(mean, logvar) is None  # no closed form: the ELBO estimates it from the sample
    estimate = mixture.prior.kl_estimate(mean, logvar, sample)
    torch.testing.assert_close(estimate, small_model.prior.kl_estimate(mean, logvar, sample), rtol=0, atol=1e-4)
    per_image = estimate.reshape(1000, 10)
    error = per_image.std(0) / math.sqrt(1000)
    assert ((per_image.mean(0) - small_model.prior.kl(mean, logvar)[:10]).abs() < 4 * error).all()
    elbos = [elbo_per_image(m, many, random_state=5) for m in (small_model, mixture)]
    torch.testing.assert_close(elbos[0].reconstruction, elbos[1].reconstruction)  # the same samples


def test_monte_carlo_kl_matches_the_closed_form_for_the_standard_prior():
    prior = StandardNormal(3)
    mean, logvar = torch.tensor([[0.5, -1.0, 2.0]]), torch.tensor([[0.2, -1.5, 0.7]])
    n = 200_000
    z = mean + (0.5 * logvar).exp() * torch.randn(n, 3, generator=torch.Generator().manual_seed(0))
    estimates = prior.kl_estimate(mean.expand(n, -1), logvar.expand(n, -1), z)
    closed = prior.kl(mean, logvar)[0]
    assert abs(estimates.mean() - closed) < 4 * estimates.std() / math.sqrt(n)


def test_samples_of_a_mixture_have_its_moments():
    prior = MixturePrior(2, 3)
    with torch.no_grad():
        prior.logits.copy_(torch.log(torch.tensor([0.2, 0.3, 0.5])))
        prior.means.copy_(torch.tensor([[-2.0, 0.0], [1.0, 3.0], [2.0, -1.0]]))
        prior.logvars.copy_(torch.log(torch.tensor([[0.25, 1.0], [0.5, 0.1], [1.0, 2.0]])))
    z = prior.sample(200_000, torch.Generator().manual_seed(1))
    w, m, v = torch.tensor([0.2, 0.3, 0.5]), prior.means.detach(), prior.logvars.detach().exp()
    mean = (w[:, None] * m).sum(0)
    variance = (w[:, None] * (v + m**2)).sum(0) - mean**2
    torch.testing.assert_close(z.mean(0), mean, atol=0.02, rtol=0)
    torch.testing.assert_close(z.var(0), variance, atol=0.03, rtol=0)
    # The density integrates to one over a fine grid.
    axis = torch.linspace(-8, 8, 801)
    grid = torch.stack(torch.meshgrid(axis, axis, indexing="ij"), -1).reshape(-1, 2)
    assert prior.log_prob(grid).exp().sum().item() * (16 / 800) ** 2 == pytest.approx(1.0, abs=1e-3)


@pytest.mark.parametrize("prior", ["mixture", "vamp"])
def test_a_flexible_prior_trains_and_round_trips_through_a_checkpoint(prior):
    images = load_dataset("mnist", train=True)[0][:600]
    config = VAEConfig(latent_dim=2, prior=prior, prior_components=5, **SMALL)
    result = train(config, TrainConfig(epochs=2, batch_size=100), images)
    model = result.model
    assert result.history[-1].loss < result.history[0].loss
    assert result.history[-1].kl_per_dim is None and len(result.history[-1].activity) == 2
    loaded = load_checkpoint(checkpoint_bytes(model))
    assert loaded.config.prior == prior
    for (name, a), b in zip(model.state_dict().items(), loaded.state_dict().values(), strict=True):
        assert torch.equal(a, b), name
    z = torch.randn(50, 2)
    torch.testing.assert_close(loaded.prior.log_prob(z), model.prior.log_prob(z))
    assert torch.equal(sample_prior(loaded, 9, random_state=4), sample_prior(model, 9, random_state=4))
    with pytest.raises(ValueError, match="inverse-CDF spacing needs a prior whose marginals are known"):
        decode_grid(loaded, n=5, spacing="normal")


def test_vamp_pseudo_inputs_start_at_training_images():
    images = load_dataset("mnist", train=True)[0][:50]
    model = VAE(VAEConfig(latent_dim=2, prior="vamp", prior_components=4, **SMALL))
    model.prior.initialise_from(images, torch.Generator().manual_seed(0))
    pseudo = model.prior.pseudo_inputs().detach().flatten(1)
    candidates = to_float(images).clamp(0.02, 0.98).flatten(1)  # sigmoid(logit(x)) = x, clamped
    distance = torch.cdist(pseudo, candidates, compute_mode="donot_use_mm_for_euclid_dist").min(1).values
    assert (distance < 1e-4).all(), "each pseudo-input is one of the training images"


def test_training_runs_are_not_disturbed_by_other_threads_drawing_random_numbers():
    """Two sessions in one server: a page view that draws from torch's global generator while
    another person trains must not change that person's training (every draw is the run's own)."""
    images = load_dataset("mnist", train=True)[0][:400]
    config = VAEConfig(latent_dim=2, binarize="dynamic", **SMALL)

    def run() -> VAE:
        return train(config, TrainConfig(epochs=1, batch_size=50, seed=3), images).model

    quiet = run()
    stop = threading.Event()

    def page_views() -> None:  # what a careless page would do: reseed and draw, over and over
        while not stop.is_set():
            torch.manual_seed(123)
            torch.randn(100)

    noisy = threading.Thread(target=page_views)
    noisy.start()
    try:
        busy = run()
    finally:
        stop.set()
        noisy.join()
    for (name, a), b in zip(quiet.state_dict().items(), busy.state_dict().values(), strict=True):
        assert torch.equal(a, b), name


@pytest.mark.parametrize("name", list(PRIORS))
def test_every_registered_prior_declares_itself_and_its_kl_per_dimension_sums_to_its_kl(name):
    """Where a prior has a closed-form KL, its per-dimension terms sum to it and match a Monte Carlo
    estimate of KL(q || p); where it has none, both say so with None (the ELBO then estimates it)."""
    prior = VAE(VAEConfig(latent_dim=3, prior=name, prior_components=4, **SMALL)).prior
    assert prior.name == name and prior.label and prior.describe().startswith(prior.label)
    generator = torch.Generator().manual_seed(0)
    mean, logvar = torch.randn(5, 3, generator=generator), 0.5 * torch.randn(5, 3, generator=generator)
    per_dimension, total = prior.kl_per_dimension(mean, logvar), prior.kl(mean, logvar)
    assert (per_dimension is None) == (total is None)
    if per_dimension is None:
        return
    assert per_dimension.shape == (5, 3)
    torch.testing.assert_close(per_dimension.sum(1), total)
    n = 100_000
    eps = torch.randn(n, 5, 3, generator=generator)
    z = mean + (0.5 * logvar).exp() * eps
    with torch.no_grad():
        estimates = prior.kl_estimate(mean.expand(n, -1, -1), logvar.expand(n, -1, -1), z)
    assert ((estimates.mean(0) - total).abs() < 5 * estimates.std(0) / math.sqrt(n)).all()


class ToyLaplace(Prior):
    """A prior no module of vae_core names: p(z) = prod_d Laplace(z_d; 0, 1)."""

    name = "toy-laplace"
    label = "Laplace(0, 1)"

    def log_prob(self, z: torch.Tensor) -> torch.Tensor:
        return (-z.abs() - math.log(2)).sum(-1)

    def sample(self, n: int, generator: torch.Generator | None = None, temperature: float = 1.0) -> torch.Tensor:
        u = torch.rand(n, self.latent_dim, generator=generator) - 0.5
        return -temperature * u.sign() * torch.log1p(-2 * u.abs())


def test_a_prior_registered_in_one_place_is_offered_by_the_cli_and_trains(tmp_path):
    from vae_core.cli import _parser

    register_prior(ToyLaplace)
    try:
        args = _parser().parse_args(["train", "--prior", "toy-laplace", "--out", str(tmp_path / "m.safetensors")])
        assert args.prior == "toy-laplace"
        config = VAEConfig(latent_dim=2, prior="toy-laplace", **SMALL)
        result = train(config, TrainConfig(epochs=1, batch_size=100), load_dataset("mnist", train=True)[0][:200])
        model = result.model
        assert isinstance(model.prior, ToyLaplace) and result.history[-1].kl_per_dim is None
        assert load_checkpoint(checkpoint_bytes(model)).prior.describe() == "Laplace(0, 1)"
    finally:
        del PRIORS["toy-laplace"]
    with pytest.raises(ValueError, match="unknown prior 'toy-laplace'"):
        VAEConfig(prior="toy-laplace")
