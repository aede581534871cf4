"""The likelihoods beyond the Bernoulli and the Gaussian, each checked against what it claims to be:

- the continuous Bernoulli's density integrates to 1 over [0, 1] and its mean formula is its
  integral (scipy's adaptive quadrature, float64), its draws follow that density;
- the discretized logistic's 256 levels hold all of each pixel's probability, each level's mass is
  right to float precision where a naive difference of sigmoids loses it (mpmath at 50 digits), its
  mean is the levels' average and its draws are real grey levels at the right frequencies;
- a model with either trains through vae_core.train, round-trips a checkpoint, is offered by the CLI,
  and is refused by the browser's decoder with a message saying why.
"""

from __future__ import annotations

import itertools
import math

import mpmath
import pytest
import torch
from scipy import integrate

from vae_core import (
    VAE,
    TrainConfig,
    VAEConfig,
    checkpoint_bytes,
    decoder_bytes,
    decoder_from_bytes,
    decoder_output,
    elbo_per_image,
    initial_model,
    load_checkpoint,
    load_dataset,
    train,
)
from vae_core.data import to_float
from vae_core.likelihoods import LIKELIHOODS, ContinuousBernoulli, DiscretizedLogistic
from vae_core.likelihoods.continuous_bernoulli import (
    TAYLOR_BAND,
    continuous_bernoulli_log_density,
    continuous_bernoulli_mean,
    log_normaliser,
    logits_from_means,
)
from vae_core.likelihoods.discretized_logistic import (
    HALF_BIN,
    LEVELS,
    MIN_LOG_SCALE,
    discretized_logistic_log_mass,
    discretized_logistic_mean,
)
from vae_core.losses import bits_per_dimension

SMALL = dict(hidden=32, conv_channels=(4, 8))
LAMBDAS = (0.01, 0.3, 0.5, 0.5001, 0.9)


def logit(probability: float) -> torch.Tensor:
    return torch.logit(torch.tensor([probability], dtype=torch.float64))


def density(probability: float):
    """The continuous Bernoulli's density at lambda as a function of a float x, for scipy."""
    logits = logit(probability)
    return lambda x: math.exp(continuous_bernoulli_log_density(torch.tensor([x], dtype=torch.float64), logits))


def binomial_tolerance(p: torch.Tensor, n: int) -> torch.Tensor:
    """Five standard deviations of a frequency over n draws (and a floor for bins of ~0 mass)."""
    return 5 * (p * (1 - p) / n).sqrt() + 1e-4


# ---------------------------------------------------------------------------- the continuous Bernoulli


@pytest.mark.parametrize("probability", LAMBDAS)
def test_continuous_bernoulli_density_integrates_to_one_and_its_mean_is_its_integral(probability):
    total, _ = integrate.quad(density(probability), 0, 1, epsabs=1e-13, epsrel=1e-13)
    assert total == pytest.approx(1, abs=1e-10)
    first_moment, _ = integrate.quad(lambda x: x * density(probability)(x), 0, 1, epsabs=1e-13, epsrel=1e-13)
    assert continuous_bernoulli_mean(logit(probability)).item() == pytest.approx(first_moment, abs=1e-10)
    # and in float32, as training and the pages compute it
    assert continuous_bernoulli_mean(logit(probability).float()).item() == pytest.approx(first_moment, abs=1e-6)


def test_continuous_bernoulli_mean_is_not_lambda():
    """The module's docstring's and the Samples page's figures: lambda = 0.9 means E[x] = 0.67, 0.99 means 0.79."""
    likelihood = ContinuousBernoulli()
    logits = torch.logit(torch.tensor([0.9, 0.99, 0.5])).reshape(1, 3, 1, 1)
    torch.testing.assert_close(likelihood.parameter_images(logits)["λ"].flatten(), torch.tensor([0.9, 0.99, 0.5]))
    assert likelihood.mean(logits).flatten().tolist() == pytest.approx([0.67, 0.79, 0.5], abs=0.005)


def test_continuous_bernoulli_reads_its_logits_within_the_bound():
    """Past +-510 (the mean there is half a grey level from 0 or 1) the logits change nothing: the density's
    reward for confidence, unbounded at the ends, stops (the module's "The bound")."""
    likelihood = ContinuousBernoulli()
    far = torch.tensor([-7e9, -600.0, 600.0, 7e9]).reshape(1, 4, 1, 1)
    edge = torch.tensor([-510.0, -510.0, 510.0, 510.0]).reshape(1, 4, 1, 1)
    torch.testing.assert_close(likelihood.mean(far), likelihood.mean(edge))
    assert likelihood.mean(edge).flatten().tolist() == pytest.approx([1 / 510, 1 / 510, 1 - 1 / 510, 1 - 1 / 510])
    x = torch.tensor([0.0, 0.3, 0.7, 1.0]).reshape(1, 4, 1, 1)
    torch.testing.assert_close(likelihood.log_prob(x, far), likelihood.log_prob(x, edge))


def test_continuous_bernoulli_numerics_in_and_around_the_taylor_band():
    """float32 log C and mean against float64 closed forms, from far tails into the band's edges and
    to lambda = 1/2 itself; continuous across the band's edge; the same as torch.distributions'
    independent implementation where that one is accurate."""
    grid = torch.cat([torch.linspace(-60, 60, 2401), TAYLOR_BAND * torch.tensor([-1.0, 1.0, 0.999, 1.001, 0.5])])
    grid = grid[grid != 0].double()
    exact_log_c = torch.log(grid.abs()) - torch.log(torch.tanh(grid / 2).abs())
    exact_mean = 0.5 + 0.5 * (1 / torch.tanh(grid / 2) - 2 / grid)
    torch.testing.assert_close(log_normaliser(grid.float()).double(), exact_log_c, atol=2e-6, rtol=1e-6)
    torch.testing.assert_close(continuous_bernoulli_mean(grid.float()).double(), exact_mean, atol=1e-6, rtol=0)
    # the series inside the band, in float64, against the closed form (float64 is exact enough there)
    inside = torch.linspace(-TAYLOR_BAND, TAYLOR_BAND, 101, dtype=torch.float64)[1:-1]
    inside = inside[inside.abs() > 1e-3]
    torch.testing.assert_close(
        log_normaliser(inside), torch.log(inside.abs()) - torch.log(torch.tanh(inside / 2).abs()), atol=1e-7, rtol=0
    )
    torch.testing.assert_close(
        continuous_bernoulli_mean(inside), 0.5 + 0.5 * (1 / torch.tanh(inside / 2) - 2 / inside), atol=1e-9, rtol=0
    )
    assert log_normaliser(torch.zeros(1)).item() == pytest.approx(math.log(2))
    assert continuous_bernoulli_mean(torch.zeros(1)).item() == 0.5
    moderate = torch.linspace(-8, 8, 321, dtype=torch.float64)
    reference = torch.distributions.ContinuousBernoulli(logits=moderate, lims=(0.4999, 0.5001))
    x = torch.rand(moderate.shape, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    torch.testing.assert_close(continuous_bernoulli_log_density(x, moderate), reference.log_prob(x), atol=1e-6, rtol=0)
    torch.testing.assert_close(continuous_bernoulli_mean(moderate), reference.mean, atol=1e-6, rtol=0)


def test_continuous_bernoulli_gradients_are_finite_at_and_near_one_half():
    logits = torch.tensor([0.0, 1e-8, -TAYLOR_BAND, TAYLOR_BAND / 2, 3.0, -40.0], requires_grad=True)
    x = torch.full_like(logits, 0.3)
    (continuous_bernoulli_log_density(x, logits).sum() + continuous_bernoulli_mean(logits).sum()).backward()
    assert torch.isfinite(logits.grad).all()


@pytest.mark.parametrize("probability", LAMBDAS)
def test_continuous_bernoulli_draws_follow_its_density(probability):
    n, edges = 200_000, torch.linspace(0, 1, 11, dtype=torch.float64)
    logits = logit(probability).float().expand(n).reshape(n, 1, 1, 1)
    draws = ContinuousBernoulli().draw(logits, torch.Generator().manual_seed(1)).double().flatten()
    assert draws.min() >= 0 and draws.max() <= 1
    expected = torch.tensor(
        [integrate.quad(density(probability), a, b, epsabs=1e-13)[0] for a, b in itertools.pairwise(edges)],
        dtype=torch.float64,
    )
    observed = torch.histogram(draws, edges).hist / n
    assert ((observed - expected).abs() < binomial_tolerance(expected, n)).all(), (observed, expected)


def test_continuous_bernoulli_means_give_back_their_logits_so_sampling_from_means_is_exact():
    logits = torch.cat([torch.linspace(-200, 200, 801), torch.tensor([0.0, 1e-5, -0.1])]).double()
    recovered = logits_from_means(continuous_bernoulli_mean(logits))
    torch.testing.assert_close(recovered, logits, atol=1e-6, rtol=1e-8)
    n = 100_000
    likelihood, logits = ContinuousBernoulli(), torch.full((n, 1, 1, 1), 1.3)
    from_means = likelihood.sample(likelihood.mean(logits), torch.Generator().manual_seed(2)).double().flatten()
    from_logits = likelihood.draw(logits, torch.Generator().manual_seed(3)).double().flatten()
    edges = torch.linspace(0, 1, 11, dtype=torch.float64)
    a, b = (torch.histogram(d, edges).hist / n for d in (from_means, from_logits))
    assert ((a - b).abs() < 2 * binomial_tolerance(b, n)).all()


# ---------------------------------------------------------------------------- the discretized logistic


def every_level(location: float, log_scale: float, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """log P(k) for k = 0..255 of one pixel, through the likelihood's public log_prob (a 1 x 1 image each)."""
    x = (torch.arange(LEVELS, dtype=dtype) / (LEVELS - 1)).reshape(LEVELS, 1, 1, 1)
    logits = torch.tensor([location, log_scale], dtype=dtype).reshape(1, 2, 1, 1).expand(LEVELS, 2, 1, 1)
    return DiscretizedLogistic().log_prob(x, logits)


PIXELS = [
    (mu, log_s) for mu in (-0.5, 0.0, 0.2, 0.5, 0.77, 1.0, 1.7) for log_s in (MIN_LOG_SCALE, -6.0, -3.0, 0.0, 2.0)
]


# float32 places a bin's edge to within about ulp(x) / s = 6e-8 / 4.6e-4 standard units at the smallest
# scale, so a level's mass to within ~3e-5 there; float64 is exact to its own precision.
@pytest.mark.parametrize("dtype, tolerance", [(torch.float32, 5e-5), (torch.float64, 1e-12)])
def test_discretized_logistic_levels_hold_all_of_each_pixels_probability(dtype, tolerance):
    for location, log_scale in PIXELS:
        total = every_level(location, log_scale, dtype).exp().sum().item()
        assert total == pytest.approx(1, abs=tolerance), (location, log_scale)


def test_the_scale_floor_leaves_an_interior_level_at_most_97_percent():
    """The floor's stated consequence: at mu on a level's centre and the smallest scale, that level holds
    97.3 % (PixelCNN++'s own bound), and no smaller scale is reachable from the decoder."""
    centre = 100 / 255
    held = every_level(centre, MIN_LOG_SCALE, torch.float64)[100].exp().item()
    assert held == pytest.approx(0.973, abs=5e-4)
    assert torch.equal(
        every_level(centre, MIN_LOG_SCALE - 5, torch.float64), every_level(centre, MIN_LOG_SCALE, torch.float64)
    )


def exact_log_mass(level: int, location: float, scale: float) -> float:
    """log P(level) at 1,000 digits: no cancellation to hide behind (a mass of e^-900 is 1 - 1e-391 minus
    another such number)."""
    with mpmath.workdps(1000):
        cdf = lambda edge: 1 / (1 + mpmath.exp(-(edge - mpmath.mpf(location)) / mpmath.mpf(scale)))  # noqa: E731
        x = mpmath.mpf(level) / (LEVELS - 1)
        upper = mpmath.mpf(1) if level == LEVELS - 1 else cdf(x + mpmath.mpf(HALF_BIN))
        lower = mpmath.mpf(0) if level == 0 else cdf(x - mpmath.mpf(HALF_BIN))
        return float(mpmath.log(upper - lower))


def pixelcnn_log_mass(level: torch.Tensor, location: torch.Tensor, log_scale: torch.Tensor) -> torch.Tensor:
    """PixelCNN++'s own formula (Salimans et al.'s discretized_mix_logistic_loss, one component, on the
    [0, 1] scale): a difference of sigmoids, and the density at the bin's centre times its width
    where that difference is below 1e-5."""
    centred, inverse_scale = level / (LEVELS - 1) - location, torch.exp(-log_scale)
    plus, minus = inverse_scale * (centred + HALF_BIN), inverse_scale * (centred - HALF_BIN)
    delta = torch.sigmoid(plus) - torch.sigmoid(minus)
    middle = inverse_scale * centred
    log_pdf_mid = middle - log_scale - 2 * torch.nn.functional.softplus(middle)
    interior = torch.where(delta > 1e-5, torch.log(delta.clamp(min=1e-12)), log_pdf_mid + math.log(2 * HALF_BIN))
    bottom, top = plus - torch.nn.functional.softplus(plus), -torch.nn.functional.softplus(minus)
    return torch.where(level == 0, bottom, torch.where(level == LEVELS - 1, top, interior))


def test_discretized_logistic_mass_is_exact_where_a_difference_of_sigmoids_fails():
    cases = [  # (level, mu, log s): ordinary, far in a tail, both sigmoids ~1, a tiny scale, the end bins
        (128, 0.5, -3.0),
        (3, 0.9, -4.0),
        (250, 0.01, -6.0),
        (100, 0.0, MIN_LOG_SCALE),
        (200, 0.784, MIN_LOG_SCALE),
        (0, 0.6, -5.0),
        (255, 0.1, -5.0),
        (255, 1.4, -2.0),
        (17, 0.2, 3.0),
    ]
    level, location, log_scale = (torch.tensor(c, dtype=torch.float32) for c in zip(*cases, strict=True))
    ours = discretized_logistic_log_mass(level / 255, location, log_scale)
    exact = torch.tensor([exact_log_mass(int(k), m, math.exp(s)) for k, m, s in cases], dtype=torch.float64)
    torch.testing.assert_close(ours.double(), exact, rtol=1e-5, atol=1e-5)
    naive = torch.log(
        torch.sigmoid((level / 255 + HALF_BIN - location) / log_scale.exp())
        - torch.sigmoid((level / 255 - HALF_BIN - location) / log_scale.exp())
    )
    assert not torch.isfinite(naive[2:4]).any(), "the float32 difference of sigmoids loses these masses entirely"
    # PixelCNN++'s fallback agrees with the exact mass where its approximation holds (a wide scale)
    fallback = pixelcnn_log_mass(level.double(), location.double(), log_scale.double())
    ordinary = [0, 1, 4, 5, 6, 7, 8]
    torch.testing.assert_close(fallback[ordinary], exact[ordinary], rtol=1e-4, atol=1e-4)


def test_discretized_logistic_mean_is_the_average_level():
    for location, log_scale in PIXELS:
        levels = torch.arange(LEVELS, dtype=torch.float64) / (LEVELS - 1)
        average = (levels * every_level(location, log_scale, torch.float64).exp()).sum()
        mean = discretized_logistic_mean(
            torch.tensor([location], dtype=torch.float64), torch.tensor([log_scale]).double()
        )
        assert mean.item() == pytest.approx(average.item(), abs=1e-10)
        # within half a level of the continuous logistic's mean clipped to [0, 1] (so it is not mu)
        s = math.exp(log_scale)
        softplus = torch.nn.functional.softplus
        clipped = s * (softplus(torch.tensor(location / s)) - softplus(torch.tensor((location - 1) / s))).item()
        assert abs(mean.item() - clipped) <= HALF_BIN + 1e-9


@pytest.mark.parametrize("location, log_scale", [(0.3, -4.0), (-0.01, -5.0), (0.98, -3.0), (0.5, 0.5)])
def test_discretized_logistic_draws_real_grey_levels_at_their_probabilities(location, log_scale):
    n = 200_000
    logits = torch.tensor([location, log_scale]).reshape(1, 2, 1, 1).expand(n, 2, 1, 1)
    draws = DiscretizedLogistic().draw(logits, torch.Generator().manual_seed(4)).flatten()
    levels = draws * (LEVELS - 1)
    assert torch.equal(levels, levels.round()), "every draw is a multiple of 1/255"
    observed = torch.bincount(levels.round().long(), minlength=LEVELS).double() / n
    expected = every_level(location, log_scale, torch.float64).exp()
    assert ((observed - expected).abs() < binomial_tolerance(expected, n)).all()


def test_discretized_logistic_is_a_code_length_in_bits_per_dimension():
    """A pixel model that puts 1/256 on every level costs 8 bits per dimension: the raw bytes."""
    assert DiscretizedLogistic.normalised_8bit_density and not ContinuousBernoulli.normalised_8bit_density
    assert bits_per_dimension(784 * math.log(256)) == pytest.approx(8)
    x = torch.full((1, 1, 28, 28), 0.2)
    logits = torch.cat([torch.full_like(x, 0.25), torch.full_like(x, -3.0)], dim=1)
    nats = -DiscretizedLogistic().log_prob(x, logits).item()
    per_pixel = -discretized_logistic_log_mass(torch.tensor(0.2), torch.tensor(0.25), torch.tensor(-3.0)).item()
    assert bits_per_dimension(nats) == pytest.approx(per_pixel / math.log(2), rel=1e-5)


def test_discretized_logistic_draws_need_the_decoder_output_not_the_means():
    with pytest.raises(ValueError, match="use draw\\(logits\\)"):
        DiscretizedLogistic().sample(torch.full((1, 1, 28, 28), 0.5))


# ---------------------------------------------------------------------------- in a model


@pytest.mark.parametrize("name", list(LIKELIHOODS))
def test_every_likelihood_shapes_the_decoder_and_a_tiny_training_run_works(name):
    """The decoder makes decoder_channels maps (one: the same weights as ever), a couple of training
    steps through vae_core.train lower the bound, and the checkpoint round-trips."""
    images = load_dataset("mnist", train=True)[0][:200]
    config = VAEConfig(latent_dim=2, likelihood=name, **SMALL)
    likelihood = LIKELIHOODS[name]
    model = VAE(config)
    assert model.decoder[-1].out_channels == likelihood.decoder_channels
    if likelihood.decoder_channels == 1:
        plain = VAE(VAEConfig(latent_dim=2, **SMALL)).state_dict()
        assert {k: v.shape for k, v in model.state_dict().items()} == {k: v.shape for k, v in plain.items()}
    x = to_float(images)
    before = elbo_per_image(initial_model(config, images, random_state=0), x, random_state=0).negative_elbo
    result = train(config, TrainConfig(epochs=2, batch_size=100, lr_warmup_epochs=0.0, seed=0), images)
    after = elbo_per_image(result.model, x, random_state=0).negative_elbo
    assert torch.isfinite(after).all() and after.mean() < before.mean()
    loaded = load_checkpoint(checkpoint_bytes(result.model))
    assert isinstance(loaded.likelihood, likelihood)
    z = torch.randn(4, 2, generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        torch.testing.assert_close(loaded.decode(z), result.model.decode(z))
        means = loaded.decode(z)
    assert means.shape == (4, 1, 28, 28) and means.min() >= 0 and means.max() <= 1


@pytest.mark.parametrize("name", list(LIKELIHOODS))
def test_the_browser_decoders_file_carries_every_likelihoods_output_channels_and_mean(name):
    """The file names the output function and holds every output channel: its logits, through the
    likelihood's own mean, give the model's decode (float32 weights: to float32's rounding)."""
    model = VAE(VAEConfig(latent_dim=2, likelihood=name, **SMALL)).eval()
    data = decoder_bytes(model, bits=32)
    assert decoder_output(data) == model.likelihood.browser_output
    z = torch.randn(16, 2, generator=torch.Generator().manual_seed(1)) * 2
    with torch.no_grad():
        torch.testing.assert_close(model.likelihood.mean(decoder_from_bytes(data)(z)), model.decode(z))


def test_the_cli_offers_every_registered_likelihood(tmp_path, capsys):
    from vae_core.cli import _parser

    for name in LIKELIHOODS:
        args = _parser().parse_args(["train", "--likelihood", name, "--out", str(tmp_path / "m.safetensors")])
        assert args.likelihood == name
    with pytest.raises(SystemExit):
        _parser().parse_args(["train", "--help"])
    shown = "".join(capsys.readouterr().out.split())  # argparse wraps lines, at hyphens too
    assert all("".join(f"{kind.name}: {kind.label}".split()) in shown for kind in LIKELIHOODS.values())
