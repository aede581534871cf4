"""The maths, checked against torch.distributions and Monte Carlo."""

import math

import torch
from torch.distributions import Bernoulli, Independent, Normal, kl_divergence

from vae_core.likelihoods.bernoulli import bernoulli_log_prob
from vae_core.likelihoods.gaussian import gaussian_log_prob
from vae_core.losses import normal_log_prob
from vae_core.priors.standard_normal import kl_to_standard_normal, standard_normal_log_prob

kl_per_dimension = kl_to_standard_normal


def kl_standard_normal(mean: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    return kl_to_standard_normal(mean, logvar).sum(1)


def test_bernoulli_log_prob_matches_torch_distributions_on_binary_data():
    torch.manual_seed(0)
    logits = torch.randn(5, 1, 28, 28) * 3
    x = torch.bernoulli(torch.full_like(logits, 0.3))
    expected = Independent(Bernoulli(logits=logits), 3).log_prob(x)
    torch.testing.assert_close(bernoulli_log_prob(x, logits), expected)


def test_bernoulli_log_prob_is_minus_binary_cross_entropy_on_grey_levels():
    torch.manual_seed(1)
    logits, x = torch.randn(4, 1, 28, 28), torch.rand(4, 1, 28, 28)
    p = torch.sigmoid(logits).double()
    expected = (x * p.log() + (1 - x) * (1 - p).log()).flatten(1).sum(1)
    torch.testing.assert_close(bernoulli_log_prob(x, logits).double(), expected, rtol=1e-5, atol=1e-3)


def test_gaussian_log_prob_matches_torch_distributions_including_the_constant():
    torch.manual_seed(2)
    mean, x = torch.rand(3, 1, 28, 28), torch.rand(3, 1, 28, 28)
    for sigma in (0.1, math.sqrt(0.5), 1.0):
        expected = Independent(Normal(mean, sigma), 3).log_prob(x)
        torch.testing.assert_close(gaussian_log_prob(x, mean, sigma), expected)


def test_gaussian_with_half_variance_is_sum_of_squared_errors_plus_a_constant():
    torch.manual_seed(3)
    mean, x = torch.rand(3, 1, 28, 28), torch.rand(3, 1, 28, 28)
    nll = -gaussian_log_prob(x, mean, math.sqrt(0.5))
    sse = (x - mean).pow(2).flatten(1).sum(1)
    constant = 784 * (math.log(math.sqrt(0.5)) + 0.5 * math.log(2 * math.pi))
    torch.testing.assert_close(nll, sse + constant)


def test_closed_form_kl_matches_torch_and_a_monte_carlo_estimate():
    torch.manual_seed(4)
    mean, logvar = torch.randn(6, 3), torch.randn(6, 3) * 0.5
    q = Independent(Normal(mean, torch.exp(0.5 * logvar)), 1)
    p = Independent(Normal(torch.zeros(3), torch.ones(3)), 1)
    torch.testing.assert_close(kl_standard_normal(mean, logvar), kl_divergence(q, p))
    z = q.sample((200_000,))
    monte_carlo = (normal_log_prob(z, mean, logvar) - standard_normal_log_prob(z)).mean(0)
    torch.testing.assert_close(kl_standard_normal(mean, logvar), monte_carlo, atol=0.03, rtol=0.02)


def test_kl_is_zero_exactly_at_the_prior_and_positive_elsewhere():
    assert kl_per_dimension(torch.zeros(2, 4), torch.zeros(2, 4)).abs().max() == 0
    assert (kl_per_dimension(torch.randn(50, 4), torch.randn(50, 4)) > 0).all()


def test_normal_log_probs_match_torch_distributions():
    torch.manual_seed(5)
    z, mean, logvar = torch.randn(7, 4), torch.randn(7, 4), torch.randn(7, 4)
    expected = Independent(Normal(mean, torch.exp(0.5 * logvar)), 1).log_prob(z)
    torch.testing.assert_close(normal_log_prob(z, mean, logvar), expected)
    torch.testing.assert_close(standard_normal_log_prob(z), Independent(Normal(0.0, torch.ones(4)), 1).log_prob(z))


def test_every_registered_likelihood_declares_what_its_decoder_output_means():
    """Each likelihood: a log-likelihood per image that rewards the right image, a mean image in [0, 1],
    draws x ~ p(x|z) around that mean from the decoder's output (shown clipped to [0, 1]: hence a small
    sigma for a Gaussian) and from the means alone where they determine p(x|z) (else a ValueError
    saying so), and the output function the browser decoder must apply: where it says sigmoid, the
    mean is the logits' sigmoid."""
    from vae_core import VAEConfig
    from vae_core.export import OUTPUTS
    from vae_core.likelihoods import LIKELIHOODS

    generator = torch.Generator().manual_seed(6)
    for name, kind in LIKELIHOODS.items():
        logits = torch.randn(3, kind.decoder_channels, 28, 28, generator=generator) * 2
        likelihood = kind.from_config(VAEConfig(likelihood=name, gaussian_sigma=0.02))  # a sigma the clip leaves be
        assert likelihood.name == name and likelihood.label and isinstance(likelihood.normalised_8bit_density, bool)
        means = likelihood.mean(logits)
        assert means.shape == (3, 1, 28, 28) and means.min() >= 0 and means.max() <= 1
        assert bool(likelihood.parameter_images(logits)) == bool(likelihood.parameters_note), name
        assert likelihood.browser_output in OUTPUTS  # decoder.js implements it (vae_core.export checks it)
        if likelihood.browser_output == "sigmoid":
            torch.testing.assert_close(means, torch.sigmoid(logits))
        best, worse = likelihood.log_prob(means, logits), likelihood.log_prob(1 - means, logits)
        assert best.shape == (3,) and (best > worse).all(), name
        draws = likelihood.draw(logits.repeat(400, 1, 1, 1), generator).unflatten(0, (400, 3))  # 400 draws each
        assert draws.min() >= 0 and draws.max() <= 1
        assert (draws.mean(0) - means).abs().mean() < 0.05, name
        try:
            # 100 draws: the continuous Bernoulli finds each pixel's logit from its mean by bisection
            from_means = likelihood.sample(means.repeat(100, 1, 1, 1), generator).unflatten(0, (100, 3))
        except ValueError as refusal:
            assert "draw(logits)" in str(refusal)
        else:
            assert (from_means.mean(0) - means).abs().mean() < 0.05, name
