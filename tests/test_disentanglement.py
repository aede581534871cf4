"""MIG and the FactorVAE metric on codes whose answer is known, against the sprites' real factors:
the factors themselves, noise, codes that mix the factors, and codes reordered or rescaled."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import vae_core as vc
from vae_core import disentanglement


@pytest.fixture(scope="module")
def factors() -> np.ndarray:
    return vc.load_dataset_with_factors("sprites")[1].numpy()


@pytest.fixture(scope="module")
def standardised(factors) -> np.ndarray:
    """The factors as a code, each dimension scaled to mean 0 and variance 1."""
    return (factors - factors.mean(0)) / factors.std(0)


def test_the_factors_themselves_score_one(factors):
    mig = vc.mutual_information_gap(factors, factors)
    assert mig.score == pytest.approx(1.0, abs=1e-9)
    # The heat map: each factor's information in its own dimension, none elsewhere (the factors are a
    # full product, so independent).
    assert np.allclose(np.diag(mig.mutual_information), mig.factor_entropy)
    assert np.allclose(mig.mutual_information - np.diag(np.diag(mig.mutual_information)), 0, atol=1e-9)
    assert np.allclose(mig.factor_entropy, np.log(vc.sprites.factor_counts()))  # uniform factors
    score = vc.factor_vae_metric(factors, factors)
    assert score.eval_accuracy == 1.0 and score.train_accuracy == 1.0
    assert score.classifier == {k: k for k in range(factors.shape[1])}


def test_noise_scores_near_zero_and_chance(factors):
    noise = np.random.default_rng(1).normal(size=(len(factors), 10))
    assert vc.mutual_information_gap(noise, factors).score < 0.01
    chance = 1 / factors.shape[1]
    assert vc.factor_vae_metric(noise, factors).eval_accuracy == pytest.approx(chance, abs=0.04)


def test_a_code_where_every_dimension_mixes_every_factor_scores_low(factors, standardised):
    """Each dimension the sum of all five factors with one of them subtracted (all-ones minus twice the
    identity: full rank, every weight +-1): the information is all there, but no dimension holds a
    factor of its own, so both metrics see nothing disentangled."""
    signs = np.ones((5, 5)) - 2 * np.eye(5)
    assert np.linalg.matrix_rank(signs) == 5
    mixed = standardised @ signs
    assert vc.mutual_information_gap(mixed, factors).score < 0.05
    assert vc.factor_vae_metric(mixed, factors).eval_accuracy < 0.3


def xy_mixed(standardised: np.ndarray) -> np.ndarray:
    """The factors as a code with x and y turned by 45 degrees into (x + y, x - y) / sqrt 2."""
    code = standardised.copy()
    code[:, 3] = (standardised[:, 3] + standardised[:, 4]) / np.sqrt(2)
    code[:, 4] = (standardised[:, 3] - standardised[:, 4]) / np.sqrt(2)
    return code


def test_mixing_two_factors_takes_exactly_those_two_out_of_mig(factors, standardised):
    """Each of the two turned dimensions knows both positions equally, so their gaps vanish and MIG
    falls from 1 to 3/5; the FactorVAE metric confuses the two and loses about one of five factors."""
    code = xy_mixed(standardised)
    mig = vc.mutual_information_gap(code, factors)
    assert np.allclose(mig.per_factor, [1, 1, 1, 0, 0], atol=1e-9)
    assert mig.score == pytest.approx(0.6, abs=1e-9)
    assert 0.6 < vc.factor_vae_metric(code, factors).eval_accuracy < 0.9


def test_a_random_rotation_lowers_mig_far_more_than_the_factorvae_metric(factors, standardised):
    """A generic rotation leaves each factor a dimension that varies least when it is fixed, which is
    all the FactorVAE metric asks; MIG also asks that the dimension hold that factor alone."""
    rotation, _ = np.linalg.qr(np.random.default_rng(1).normal(size=(5, 5)))
    code = standardised @ rotation
    assert vc.mutual_information_gap(code, factors).score < 0.4
    assert vc.factor_vae_metric(code, factors).eval_accuracy > 0.7


def test_reordering_and_rescaling_the_dimensions_changes_nothing(factors, standardised):
    rng = np.random.default_rng(2)
    turned = standardised.copy()  # x and y turned by 30 degrees: partly mixed, and no two variances tie
    turned[:, 3] = np.cos(np.pi / 6) * standardised[:, 3] + np.sin(np.pi / 6) * standardised[:, 4]
    turned[:, 4] = -np.sin(np.pi / 6) * standardised[:, 3] + np.cos(np.pi / 6) * standardised[:, 4]
    code = np.concatenate([turned + 0.5 * rng.normal(size=turned.shape), rng.normal(size=(len(factors), 3))], 1)
    order = rng.permutation(code.shape[1])
    moved = code[:, order] * rng.uniform(0.1, 10, size=code.shape[1]) + rng.normal(size=code.shape[1])
    before, after = vc.mutual_information_gap(code, factors), vc.mutual_information_gap(moved, factors)
    assert after.score == pytest.approx(before.score, abs=1e-12) and 0.05 < before.score < 0.95
    assert np.allclose(after.mutual_information, before.mutual_information[order])
    first, second = (
        vc.factor_vae_metric(code, factors, random_state=3),
        vc.factor_vae_metric(moved, factors, random_state=3),
    )
    assert second.eval_accuracy == first.eval_accuracy and 0.3 < first.eval_accuracy < 1, (
        before.score,
        first.eval_accuracy,
    )
    assert {int(order[d]): k for d, k in second.classifier.items()} == first.classifier


def test_collapsed_dimensions_take_no_part(factors):
    """A dimension that barely varies (a collapsed latent) would vote for every factor at once, since
    its variance is smallest whatever is fixed: it is pruned."""
    code = np.concatenate(
        [factors, np.full((len(factors), 1), 0.5) + 1e-4 * np.arange(len(factors))[:, None] / len(factors)], 1
    )
    score = vc.factor_vae_metric(code, factors)
    assert score.active_dims == (0, 1, 2, 3, 4) and score.eval_accuracy == 1.0
    everything_collapsed = vc.factor_vae_metric(np.zeros((len(factors), 4)), factors)
    assert everything_collapsed.eval_accuracy == 0.0 and everything_collapsed.active_dims == ()


def test_the_same_random_state_gives_the_same_votes(factors, standardised):
    noise = np.random.default_rng(4).normal(size=(len(factors), 6))
    assert vc.factor_vae_metric(noise, factors, random_state=5) == vc.factor_vae_metric(noise, factors, random_state=5)
    assert vc.factor_vae_metric(noise, factors, random_state=5) != vc.factor_vae_metric(noise, factors, random_state=6)
    stream = torch.Generator().manual_seed(5)  # a generator is the same stream, and continues it
    assert vc.factor_vae_metric(noise, factors, random_state=stream) == vc.factor_vae_metric(
        noise, factors, random_state=5
    )
    assert vc.factor_vae_metric(noise, factors, random_state=stream) != vc.factor_vae_metric(
        noise, factors, random_state=5
    )


def test_bins_are_equal_width_between_each_dimensions_extremes():
    code = np.array([[0.0, 7.0], [0.5, 7.0], [0.99, 7.0], [1.0, 7.0]])
    assert disentanglement.discretise(code, bins=2).tolist() == [[0, 0], [1, 0], [1, 0], [1, 0]]


@pytest.mark.parametrize(
    ("codes", "factors", "message"),
    [
        (np.zeros((4, 2)), np.zeros((3, 2), int), "same images"),
        (np.zeros((4, 2)), np.zeros((4, 2)), "must be integers"),
        (np.zeros(4), np.zeros((4, 2), int), "2-D"),
        (np.full((4, 2), np.nan), np.zeros((4, 2), int), "NaN"),
        (np.zeros((4, 1)), np.array([[0], [1], [0], [1]]), "at least 2"),
        (np.zeros((4, 2)), np.zeros((4, 1), int), "single value"),
    ],
)
def test_bad_input_is_a_clear_error(codes, factors, message):
    with pytest.raises(ValueError, match=message):
        vc.mutual_information_gap(codes, factors)


def test_each_dimension_is_labelled_by_the_factor_it_holds_or_as_mixed_or_inactive(factors, standardised):
    names = vc.load_dataset_with_factors("sprites")[2]
    noise = np.random.default_rng(2).normal(size=(len(factors), 1))
    code = np.concatenate([xy_mixed(standardised), noise], axis=1)  # x and y turned 45°, then a dimension of noise
    roles = disentanglement.dimension_roles(vc.mutual_information_gap(code, factors), names)
    assert roles == ["shape", "scale", "orientation", "mixed", "mixed", "inactive"]
    assert disentanglement.dimension_roles(vc.mutual_information_gap(factors, factors), names) == list(names)


def test_the_pad_takes_two_different_dimensions_even_where_one_holds_both_factors(factors, standardised):
    names = vc.load_dataset_with_factors("sprites")[2]
    mig = vc.mutual_information_gap(standardised, factors)
    score = vc.Disentanglement(names, mig, vc.factor_vae_metric(standardised, factors), tuple(names))
    assert score.pad_dimensions(("x", "y")) == (3, 4) and score.pad_dimensions(("y", "shape")) == (4, 0)
    mixed = xy_mixed(standardised)  # dimensions 3 and 4 each hold x and y half and half
    entangled = vc.Disentanglement(names, vc.mutual_information_gap(mixed, factors), score.factor_vae, tuple(names))
    first, second = entangled.pad_dimensions(("x", "y"))
    assert {first, second} == {3, 4}
