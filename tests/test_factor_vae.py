"""FactorVAE's total-correlation penalty and the KL's three-way split (vae_core.factor_vae)."""

from __future__ import annotations

import math

import pytest
import torch

from vae_core import TrainConfig, VAEConfig, load_dataset_with_factors, train
from vae_core.factor_vae import (
    MinibatchTotalCorrelation,
    TotalCorrelationPenalty,
    kl_decomposition,
    permute_dimensions,
)
from vae_core.losses import ELBOTerms, normal_log_prob
from vae_core.priors import make_prior


def correlated_codes(n: int, rho: float, generator: torch.Generator) -> torch.Tensor:
    """n draws of a 2-D Gaussian, unit variances, correlation rho: its TC is -1/2 log(1 - rho^2)."""
    a, b = torch.randn(2, n, generator=generator)
    return torch.stack([a, rho * a + math.sqrt(1 - rho**2) * b], 1)


def as_terms(z: torch.Tensor) -> ELBOTerms:
    """A batch's terms as the penalties read them: only the sample z matters to the discriminator."""
    return ELBOTerms(torch.zeros(len(z)), torch.zeros(len(z)), z, torch.zeros_like(z), z)


def test_permuting_dimensions_keeps_each_marginal_and_breaks_the_dependence():
    generator = torch.Generator().manual_seed(0)
    z = correlated_codes(4000, 0.95, generator)
    shuffled = permute_dimensions(z, generator)
    for d in range(2):  # each column is a permutation of itself
        assert torch.equal(shuffled[:, d].sort().values, z[:, d].sort().values)
    assert torch.corrcoef(z.T)[0, 1] > 0.9 and abs(torch.corrcoef(shuffled.T)[0, 1]) < 0.05


def test_the_three_parts_add_up_to_the_kl_and_the_total_correlation_sees_dependence():
    """I(x; z) + TC + dimension-wise KL = E[log q(z|x) - log p(z)] at the same samples, exactly; and a
    code whose two dimensions carry the same thing has a large TC, one with independent ones a small."""
    generator = torch.Generator().manual_seed(1)
    prior = make_prior(VAEConfig(latent_dim=2), encode=None)
    logvar = torch.full((1500, 2), math.log(0.05))
    for means, expected in ((torch.randn(1500, 2, generator=generator), "small"), (None, "large")):
        if means is None:
            means = torch.randn(1500, 1, generator=generator).expand(-1, 2).contiguous()
        z = means + (0.5 * logvar).exp() * torch.randn(1500, 2, generator=generator)
        information, tc, dimensionwise = kl_decomposition(means, logvar, z, prior)
        kl = (normal_log_prob(z, means, logvar) - prior.log_prob(z)).mean()
        assert information + tc + dimensionwise == pytest.approx(float(kl), abs=1e-6)
        assert (tc < 0.2) if expected == "small" else (tc > 1.0), (expected, tc)


@pytest.mark.parametrize("rho", [0.0, 0.9])
def test_the_discriminator_estimates_the_total_correlation(rho):
    """The density-ratio trick on codes whose TC is known: -1/2 log(1 - rho^2) = 0 and 0.83 nats."""
    generator = torch.Generator().manual_seed(2)
    # A small D at a larger rate than training's (1e-4): it converges in 600 steps (0.77 for 0.83 measured)
    penalty = TotalCorrelationPenalty(2, 1.0, torch.device("cpu"), generator, width=64, layers=3, learning_rate=1e-3)
    for _ in range(600):
        penalty.update(as_terms(correlated_codes(512, rho, generator)))
    with torch.no_grad():
        estimate = float(penalty(as_terms(correlated_codes(20_000, rho, generator))))
    assert estimate == pytest.approx(-0.5 * math.log(1 - rho**2), abs=0.15)


def test_minibatch_weighted_sampling_sees_the_total_correlation():
    """β-TCVAE's estimate on one batch is larger when both dimensions carry the same thing than when they
    vary independently over the data. (Not near 0 for the independent code: the estimator is biased
    upwards for narrow posteriors, by up to (D - 1) log(N M); Chen et al. train on its gradient.)"""
    generator = torch.Generator().manual_seed(3)
    logvar = torch.full((512, 2), math.log(0.01))
    shared = torch.randn(512, 1, generator=generator).expand(-1, 2)
    estimates = {}
    for name, means in (("independent", torch.randn(512, 2, generator=generator)), ("shared", shared)):
        z = means + 0.1 * torch.randn(512, 2, generator=generator)
        terms = ELBOTerms(torch.zeros(512), torch.zeros(512), means, logvar, z)
        estimates[name] = float(MinibatchTotalCorrelation(2.0, dataset_size=512)(terms)) / 2.0
    assert estimates["shared"] > estimates["independent"] + 1.0, estimates


@pytest.mark.parametrize("estimator", ["discriminator", "minibatch"])
def test_a_tc_penalised_run_trains_and_its_history_splits_the_kl(estimator):
    """A few steps on sprites with the penalty on: the history holds the KL's three parts."""
    images = load_dataset_with_factors("sprites")[0][::35][:1000]
    result = train(
        VAEConfig(latent_dim=4, dataset="sprites", hidden=64, conv_channels=(8, 16)),
        TrainConfig(epochs=1, batch_size=100, tc_weight=6.0, tc_estimator=estimator),
        images,
    )
    (record,) = result.history
    assert all(v is not None and math.isfinite(v) for v in (record.mutual_information, record.total_correlation))
    assert record.dimensionwise_kl is not None and record.loss > 0
    # the recorded loss is the bound's (reconstruction + KL), so its parts add up; the penalty is not in it
    assert record.loss == pytest.approx(record.reconstruction + record.kl, abs=2e-3)
    with pytest.raises(ValueError, match="tc_weight must not be negative"):
        TrainConfig(tc_weight=-1.0)
    with pytest.raises(ValueError, match="unknown tc_estimator 'critic'"):
        TrainConfig(tc_estimator="critic")
