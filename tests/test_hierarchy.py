"""The hierarchical VAE (vae_core.hierarchy): its bound, its IWAE bound, its one-level case, its files."""

from __future__ import annotations

import struct
import subprocess
import sys

import pytest
import torch

from tests.support.files import SHIPPED_LADDER
from vae_core import (
    VAE,
    HierarchicalVAE,
    TrainConfig,
    TrainResult,
    VAEConfig,
    anomaly,
    build_model,
    checkpoint_bytes,
    decoder_bytes,
    decoder_from_bytes,
    elbo_per_image,
    evaluate,
    iwae_log_likelihood,
    load_checkpoint,
    load_dataset,
    ood,
    train,
)
from vae_core.data import to_float
from vae_core.hierarchy import hold_lower, hold_top, level_usage, posterior_means, precision_weighted
from vae_core.losses import gaussian_kl

SMALL = dict(hidden=32, conv_channels=(4, 8))
LEVELS = VAEConfig(latent_dim=2, lower_levels=(6, 4), likelihood="bernoulli", **SMALL)


@pytest.fixture(scope="module")
def images() -> torch.Tensor:
    return load_dataset("mnist", train=False)[0][:64]


@pytest.fixture(scope="module")
def run() -> TrainResult:
    """Three levels (2 over 6 over 4), one short epoch: enough for the posteriors to move off the priors."""
    data = load_dataset("mnist", train=True)[0][:3000]
    return train(LEVELS, TrainConfig(epochs=1, batch_size=64, precision="float32"), data)


@pytest.fixture(scope="module")
def trained(run: TrainResult) -> HierarchicalVAE:
    assert isinstance(run.model, HierarchicalVAE)
    return run.model.eval()


def test_the_config_chooses_the_model_and_a_hierarchy_has_its_levels():
    assert type(build_model(VAEConfig(**SMALL))) is VAE
    model = build_model(LEVELS)
    assert isinstance(model, HierarchicalVAE) and model.levels == (2, 6, 4)
    assert model.noise_size == 12 and model.decoder[0].in_features == 12
    assert model.latent_dim == 2
    with pytest.raises(ValueError, match="lower_levels"):
        VAEConfig(lower_levels=(0,))


def test_a_one_level_hierarchy_is_the_plain_vae_on_the_same_weights(images):
    """With no level below the top, the hierarchy's code paths compute exactly what the VAE's do."""
    config = VAEConfig(latent_dim=3, **SMALL)
    plain = VAE(config, torch.Generator().manual_seed(0)).eval()
    one = HierarchicalVAE(config).eval()
    one.load_state_dict(plain.state_dict())
    x = to_float(images[:16])
    eps = torch.randn(16, 3, generator=torch.Generator().manual_seed(1))
    a, b = plain.elbo_terms(x, eps=eps), one.elbo_terms(x, eps=eps)
    torch.testing.assert_close(b.negative_elbo, a.negative_elbo)
    torch.testing.assert_close(b.kl_per_level[:, 0], a.kl)
    torch.testing.assert_close(
        iwae_log_likelihood(one, x, 50, random_state=2), iwae_log_likelihood(plain, x, 50, random_state=2)
    )
    torch.testing.assert_close(one.decode(eps), plain.decode(eps))


def test_each_levels_kl_is_the_closed_form_between_gaussians():
    mean, logvar, prior_mean, prior_logvar = torch.randn(4, 100, 5, generator=torch.Generator().manual_seed(0))
    expected = torch.distributions.kl_divergence(
        torch.distributions.Normal(mean, (0.5 * logvar).exp()),
        torch.distributions.Normal(prior_mean, (0.5 * prior_logvar).exp()),
    )
    torch.testing.assert_close(gaussian_kl(mean, logvar, prior_mean, prior_logvar), expected)


def test_the_ladder_posterior_is_the_normalised_product_of_the_two_gaussians():
    mean, logvar, prior_mean, prior_logvar = torch.randn(4, 50, 3, generator=torch.Generator().manual_seed(3)).double()
    q_mean, q_logvar = precision_weighted(mean, logvar, prior_mean, prior_logvar)
    precision = (-logvar).exp() + (-prior_logvar).exp()
    torch.testing.assert_close(q_logvar, -precision.log())
    torch.testing.assert_close(q_mean, (mean * (-logvar).exp() + prior_mean * (-prior_logvar).exp()) / precision)
    # a very sure estimate (sigma^2 = e^-200) wins outright, with no overflow
    sure = precision_weighted(torch.tensor([1.0]), torch.tensor([-200.0]), torch.tensor([5.0]), torch.tensor([0.0]))
    assert torch.isfinite(sure[1]).all() and sure[0].item() == pytest.approx(1.0)


def test_the_bound_adds_one_kl_per_level_and_its_expectation_is_the_iwae_at_k_1(trained, images):
    """The ELBO's closed-form KLs and IWAE's sampled log-weights are two estimates of one expectation:
    E_q[log w] = ELBO. Averaged over many samples per image they agree to within their noise."""
    x = to_float(images[:8])
    terms = elbo_per_image(trained, x.repeat_interleave(400, 0), random_state=0)
    assert terms.kl_per_level.shape == (8 * 400, 3)
    torch.testing.assert_close(terms.kl_per_level.sum(1), terms.kl)
    assert (terms.kl_per_level >= 0).all()
    elbo = -terms.negative_elbo.reshape(8, 400).mean(1)
    with torch.inference_mode():
        log_w = trained.log_importance_weights(x, 400, torch.Generator().manual_seed(1))
    noise = (terms.negative_elbo.reshape(8, 400).std(1) + log_w.std(1)) / 400**0.5
    assert ((log_w.mean(1) - elbo).abs() < 4 * noise).all(), (log_w.mean(1) - elbo, noise)


def test_elbo_below_iwae_and_iwae_rises_with_k(trained, images):
    x = to_float(images)
    elbo = -elbo_per_image(trained, x, random_state=0).negative_elbo.mean()
    bounds = [iwae_log_likelihood(trained, x, k, random_state=0).mean() for k in (1, 10, 100)]
    assert elbo < bounds[1] < bounds[2], (elbo, bounds)
    assert abs(bounds[0] - elbo) < 3.0  # k = 1 is the ELBO itself, another sample


def test_the_lower_levels_follow_their_conditionals(trained):
    top = torch.randn(5, 2, generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():
        means = trained.descend(top)
        drawn = trained.descend(top, torch.Generator().manual_seed(1))
        again = trained.descend(top, torch.Generator().manual_seed(1))
        mean_1, _ = trained.conditional(0, top)
        decoded, expected = trained.decode(top), trained.likelihood.mean(trained.decoder(means).float())
    assert means.shape == (5, 12) and torch.equal(means[:, :2], top) and torch.equal(drawn, again)
    torch.testing.assert_close(means[:, 2:8], mean_1)
    assert not torch.allclose(drawn[:, 2:], means[:, 2:])
    torch.testing.assert_close(decoded, expected)  # the pages' decode: the lower levels at their means


def test_a_hierarchical_checkpoint_round_trips_with_its_figures(run, trained, images, tmp_path):
    figures = evaluate(trained, images, k=5)
    assert len(figures.kl_per_level) == 3 and sum(figures.kl_per_level) == pytest.approx(figures.kl, abs=0.01)
    path = tmp_path / "levels.safetensors"
    path.write_bytes(checkpoint_bytes(trained, info=trained.info.with_test(figures)))
    back = load_checkpoint(path)
    assert isinstance(back, HierarchicalVAE) and back.config.lower_levels == (6, 4)
    for name, tensor in trained.state_dict().items():
        assert torch.equal(back.state_dict()[name], tensor), name
    assert back.info.test.kl_per_level == figures.kl_per_level
    assert len(run.history[-1].kl_per_level) == 3 and min(run.history[-1].kl_per_level) >= 0
    x = to_float(images[:4])
    torch.testing.assert_close(
        iwae_log_likelihood(back, x, 20, random_state=3), iwae_log_likelihood(trained, x, 20, random_state=3)
    )


def test_the_cli_trains_levels_and_prints_each_levels_kl(tmp_path):
    out = tmp_path / "cli-levels.safetensors"
    tiny = ["--epochs", "1", "--train-images", "300", "--hidden", "16", "--conv-channels", "4", "8", "--threads", "1"]
    flags = [*tiny, "--lower-levels", "5", "--eval-k", "3", "--eval-images", "20", "--out", str(out)]
    done = subprocess.run(
        [sys.executable, "-m", "vae_core", "train", *flags], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "KL per level, from the top down (nats):" in done.stdout
    assert load_checkpoint(out).config.lower_levels == (5,)


def test_the_browsers_decoder_file_carries_the_mean_path(trained):
    """Version 2 of the decoder file (vae_core.export): read back, it decodes a top code as the model does."""
    top = torch.randn(6, 2, generator=torch.Generator().manual_seed(4))
    data = decoder_bytes(trained, bits=32)
    assert struct.unpack_from("<I", data, 4)[0] == 2 and struct.unpack_from("<3I", data, 32) == (2, 6, 4)
    with torch.inference_mode():
        torch.testing.assert_close(decoder_from_bytes(data)(top), trained.decode_logits(top), atol=1e-5, rtol=1e-5)
        half = decoder_from_bytes(decoder_bytes(trained, bits=16))(top)
    assert (trained.likelihood.mean(half) - trained.decode(top)).abs().max() < 0.5 / 255
    with pytest.raises(ValueError, match="size does not match"):
        decoder_from_bytes(data[:-4])
    with pytest.raises(ValueError, match="levels"):
        decoder_from_bytes(data[:32] + struct.pack("<I", 99) + data[36:])


def test_each_levels_usage_adds_up_to_the_bound_s_kl(trained, images):
    usage = level_usage(trained, images, random_state=0)
    assert [u.size for u in usage] == [2, 6, 4]
    assert all(len(u.kl_per_dim) == u.size and 0 <= u.active_units <= u.size for u in usage)
    assert all(u.kl == pytest.approx(sum(u.kl_per_dim), abs=1e-3) for u in usage)
    figures = evaluate(trained, images)  # another posterior sample per image: the same expectation
    assert sum(u.kl for u in usage) == pytest.approx(figures.kl, rel=0.1)
    assert usage[0].active_units == sum(v >= 0.1 for v in usage[0].kl_per_dim)


def test_holding_one_level_and_drawing_the_others(trained, images):
    x = to_float(images[:1])
    means = posterior_means(trained, x)
    torch.testing.assert_close(means[:, :2], trained.encode(x)[0].detach())  # the top at q's mean
    held = hold_top(trained, means[0], 6, random_state=0)
    assert held.shape == (6, 28, 28) and torch.equal(held, hold_top(trained, means[0], 6, random_state=0))
    assert not torch.allclose(held[0], held[1])  # the lower levels were drawn, not fixed
    converse = hold_lower(trained, means[0], 6, random_state=0)
    assert converse.shape == (6, 28, 28) and not torch.allclose(converse[0], converse[1])


def test_far_from_the_data_the_shipped_hierarchys_scores_stay_finite():
    """Near-blank images put ladder-2d's top code where p(z_1 | z_2) only extrapolates: its log-variances
    went below e^-150 and the bound was NaN, until the floor (hierarchy.LOGVAR_FLOOR)."""
    model = load_checkpoint(SHIPPED_LADDER)
    scores = anomaly.score_many(model, ood.ood_set("near-blank", 100, "mnist", 0, None), scores=("elbo", "iwae"), k=20)
    assert all(torch.isfinite(v).all() for v in scores.values())
