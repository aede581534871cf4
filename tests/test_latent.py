"""vae_core.latent: traversals, dimension usage, the aggregate posterior and the prior's holes, each
against a case whose answer is known."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import vae_core as vc
from tests.support.files import ROOT
from vae_core import latent
from vae_core.priors import MixturePrior, StandardNormal
from vae_core.train import EpochRecord

SHIPPED_BETA1 = ROOT / "checkpoints" / "beta1-10d.safetensors"


def test_aggregate_posterior_density_is_the_brute_force_mixture():
    g = torch.Generator().manual_seed(0)
    means, logvars = torch.randn(7, 3, generator=g), torch.randn(7, 3, generator=g) - 1
    z = 2 * torch.randn(5, 3, generator=g)
    brute = torch.stack(
        [
            torch.stack(
                [
                    torch.distributions.Normal(means[i], (0.5 * logvars[i]).exp()).log_prob(point).sum().exp()
                    for i in range(7)
                ]
            ).mean()
            for point in z.double()
        ]
    ).log()
    got = latent.aggregate_posterior_log_density(z, means, logvars, batch=2)  # batches of 2 points
    torch.testing.assert_close(got, brute.double(), rtol=1e-5, atol=1e-6)


def test_leaving_one_posterior_out_drops_it_from_the_sum():
    g = torch.Generator().manual_seed(1)
    means, logvars = torch.randn(6, 2, generator=g), torch.randn(6, 2, generator=g) - 2
    z = means[[4, 0]] + 0.01
    left_out = latent.aggregate_posterior_log_density(z, means, logvars, leave_out=torch.tensor([4, 0]))
    for point, got, keep in zip(z, left_out, ([0, 1, 2, 3, 5], [1, 2, 3, 4, 5]), strict=True):
        expected = latent.aggregate_posterior_log_density(point[None], means[keep], logvars[keep])
        torch.testing.assert_close(got, expected[0])


def test_the_density_is_stable_far_from_every_posterior():
    means, logvars = torch.zeros(3, 2), torch.full((3, 2), math.log(1e-4))
    far = latent.aggregate_posterior_log_density(torch.tensor([[30.0, -30.0]]), means, logvars)
    sigma = (0.5 * logvars[0].double()).exp()  # 0.01, as float32 stores it
    expected = torch.distributions.Normal(0.0, sigma).log_prob(torch.tensor([30.0, -30.0], dtype=torch.float64)).sum()
    assert torch.isfinite(far).all()
    torch.testing.assert_close(far[0], expected)


def synthetic_posteriors() -> tuple[torch.Tensor, torch.Tensor]:
    """Posteriors whose figures are known in closed form, 100 data points, three dimensions:

    z1: means +-sqrt(0.022), variance 1: KL to N(0, 1) = mu^2 / 2 = 0.011 nats, information
        1/2 log(1.022) = 0.0109, activity 0.022 (over Burda's 0.01): beta1-10d's z7 in miniature.
    z2: means +-sqrt(1 - e^-2), variance e^-2: KL = 1/2 (1 - e^-2 + e^-2 - 1 + 2) = 1 nat exactly, and
        information 1/2 log(1 + (1 - e^-2) / e^-2) = 1 nat exactly.
    z3: means 0, variance 1: the prior itself, 0 nats.
    """
    signs = torch.tensor([1.0, -1.0] * 50)
    means = torch.stack([math.sqrt(0.022) * signs, math.sqrt(1 - math.exp(-2)) * signs, 0 * signs], dim=1)
    logvars = torch.stack([torch.zeros(100), torch.full((100,), -2.0), torch.zeros(100)], dim=1)
    return means, logvars


def test_a_dimension_carrying_a_hundredth_of_a_nat_is_inactive_and_one_carrying_a_nat_is_active():
    means, logvars = synthetic_posteriors()
    used = latent.dimension_usage(means, logvars, StandardNormal(3))
    torch.testing.assert_close(used.kl, torch.tensor([0.011, 1.0, 0.0]))
    torch.testing.assert_close(used.information, torch.tensor([0.5 * math.log(1.022), 1.0, 0.0]))
    torch.testing.assert_close(used.activity, torch.tensor([0.022, 1 - math.exp(-2), 0.0]))
    assert used.active.tolist() == [False, True, False] and used.active_units == 1
    assert used.order == (1, 0, 2) and used.what == "KL"
    # Burda et al.'s activity would count z1; the pages list exactly that disagreement.
    assert used.burda_active.tolist() == [True, True, False] and used.disagreements == (0,)
    assert vc.active_units(used.kl) == 1 == vc.active_units([0.011, 1.0, 0.0])


def test_without_a_standard_prior_the_information_decides_with_the_same_threshold():
    means, logvars = synthetic_posteriors()
    used = latent.dimension_usage(means, logvars, MixturePrior(3, 2))
    assert used.kl is None and used.what == "information"
    torch.testing.assert_close(used.nats, used.information)
    assert used.active.tolist() == [False, True, False] and used.order == (1, 0, 2)


def test_the_threshold_is_inclusive_and_lies_between_the_two_groups():
    assert vc.ACTIVE_UNIT_NATS == 0.1
    assert vc.active_units([0.1, 0.0999]) == 1
    # the shipped models' dimensions carry at most 0.03 nats or at least 0.36 (docs/theory.md)
    assert 0.03 < vc.ACTIVE_UNIT_NATS < 0.36


def test_history_usage_recounts_old_records_from_their_nats():
    """Records written with Burda's count (10 of 10) are recounted from their KL per dimension."""
    parts = {"loss": 120.0, "reconstruction": 110.0, "kl": 10.0}
    history = [
        EpochRecord(0.99, **parts),  # before per-dimension records existed
        EpochRecord(1.0, **parts, activity=(1.0, 0.021), kl_per_dim=(2.1, 0.3), active_units=2),
        EpochRecord(2.0, **parts, activity=(1.0, 0.021), kl_per_dim=(2.1, 0.011), active_units=2),
    ]
    used = latent.history_usage(history)
    assert used.epochs == [1.0, 2.0] and used.what == "KL" and used.counts == [2, 1]
    # a learnt prior's new records hold the information per dimension
    mixture = [EpochRecord(1.0, **parts, activity=(4.0, 0.01), information_per_dim=(1.3, 0.004), active_units=1)]
    assert latent.history_usage(mixture).what == "information" and latent.history_usage(mixture).counts == [1]
    # older mixture records hold only the activity: no nats, so no count
    assert latent.history_usage([EpochRecord(1.0, **parts, activity=(4.0, 0.02), active_units=2)]) is None


def test_training_records_the_nats_of_every_prior():
    """A learnt prior's history keeps the information per dimension, so its count can be redone."""
    images = vc.load_dataset("mnist", train=True)[0][:200]
    config = vc.VAEConfig(latent_dim=2, hidden=32, conv_channels=(4, 8), prior="mixture", prior_components=2)
    record = vc.train(config, vc.TrainConfig(epochs=1, batch_size=100), images).history[-1]
    assert record.kl_per_dim is None and len(record.information_per_dim) == 2
    assert record.active_units == vc.active_units(record.information_per_dim)
    assert latent.history_usage([record]).counts == [record.active_units]


def test_the_evaluation_counts_what_the_pages_count(small_model):
    """vae evaluate's count is the pages' count: the same inputs, the same definition."""
    images = vc.load_dataset("mnist", train=False)[0][:1000]
    figures = vc.evaluate(small_model, images)
    used = latent.usage_on(small_model, images)
    assert figures.active_units == used.active_units == vc.active_units(figures.kl_per_dim)
    assert figures.active_threshold == vc.ACTIVE_UNIT_NATS
    np.testing.assert_allclose(figures.information_per_dim, used.information.numpy(), atol=2e-4)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("mnist-2d", 2), ("mnist-32d", 17), ("beta1-10d", 9), ("beta4-10d", 7), ("standard-2d", 2), ("classic-2d", 2)],
)
def test_the_shipped_checkpoints_stored_kl_recounts_with_a_wide_gap_at_the_threshold(name, expected):
    """Recounted from each checkpoint's stored test-set KL per dimension (the files are not rewritten):
    no dimension carries between 0.03 and 0.36 nats, so the count does not hang on the exact threshold."""
    kl = vc.load_checkpoint(ROOT / "checkpoints" / f"{name}.safetensors").info.test.kl_per_dim
    assert vc.active_units(kl) == expected
    assert not [v for v in kl if 0.03 < v < 0.36]


def test_beta1_10d_has_nine_active_units_and_z7_is_not_one_of_them():
    """The shipped checkpoint's stored figures said 10 of 10 (Burda's criterion): z7 carries 0.011 nats
    and its traversal row is nine identical 8s. Recounted from the stored KL and measured on the test
    set, both say 9 of 10."""
    model = vc.load_checkpoint(SHIPPED_BETA1)
    stored = model.info.test
    assert vc.active_units(stored.kl_per_dim) == 9
    used = latent.usage_on(model, vc.load_dataset("mnist", train=False)[0])
    assert used.active_units == 9 and not used.active[6] and used.order[-1] == 6
    assert float(used.kl[6]) == pytest.approx(0.011, abs=0.002) and bool(used.burda_active[6])
    row = latent.traversals(model, [6, used.order[0]], steps=9)
    change = (row.amax(1) - row.amin(1)).flatten(1).mean(1)  # each pixel's range along the row, averaged
    assert change[0] < 0.01 < 0.1 < change[1]  # z7's row barely moves; the most used one draws new digits


@pytest.mark.parametrize(("spread", "expected"), [(1.0, 0.01), (0.5, 100**-0.25)])
def test_the_hole_fraction_where_it_is_known(spread, expected):
    """q = N(0, s^2 I) exactly (every posterior the same), p = N(0, I) in 2-D. q's 1 % level at its own
    codes is the circle of radius r with exp(-r^2 / 2 s^2) = 0.01, and a prior sample lies outside it
    with probability exp(-r^2 / 2) = 100^(-s^2): 1 % when q = p, 31.6 % when q is half as wide."""
    n = 10_000
    means, logvars = torch.zeros(n, 2), torch.full((n, 2), 2 * math.log(spread))
    holes = latent.find_holes(StandardNormal(2), means, logvars, samples=20_000)
    assert holes.fraction == pytest.approx(expected, abs=max(0.15 * expected, 0.004))
    assert holes.in_hole.float().mean().item() == pytest.approx(holes.fraction)
    # The threshold is q's log-density on that circle; the prior level is p's at radius sqrt(2 ln 100).
    r2 = 2 * spread**2 * math.log(100)
    # (Within 3 standard errors of a 1 % quantile of n draws: 3 sqrt(0.0099 / n) / 0.01 = 0.3 for n = 10,000.)
    assert holes.threshold == pytest.approx(-math.log(2 * math.pi * spread**2) - r2 / (2 * spread**2), abs=0.3)
    assert holes.prior_level == pytest.approx(-math.log(2 * math.pi) - math.log(100), abs=0.3)


def test_a_prior_with_a_region_the_data_never_use_has_that_regions_share_as_holes():
    """p: two equal, well-separated components; q: posteriors on one of them only. Half the prior
    samples land in the empty component."""
    prior = MixturePrior(2, 2)
    with torch.no_grad():
        prior.means.copy_(torch.tensor([[-6.0, 0.0], [6.0, 0.0]]))
        prior.logvars.zero_()
    g = torch.Generator().manual_seed(0)
    means = torch.randn(3000, 2, generator=g) * 0.9 + torch.tensor([-6.0, 0.0])
    logvars = torch.full((3000, 2), math.log(0.19))  # 0.9^2 + 0.19 = 1: q is about N((-6, 0), I)
    holes = latent.find_holes(prior, means, logvars, samples=10_000, own_codes=2000)  # a subset sets the level
    assert holes.fraction == pytest.approx(0.5 + 0.01 / 2, abs=0.03)
    assert (holes.samples[holes.in_hole][:, 0] > 0).float().mean() > 0.95


def test_density_map_and_hole_map_on_the_grid():
    means, logvars = torch.zeros(500, 2), torch.full((500, 2), 2 * math.log(0.5))
    prior = StandardNormal(2)
    dm = latent.density_map(prior, means, logvars, extent=4.0, n=41)
    assert dm.log_q.shape == dm.log_p.shape == (41, 41)
    centre, corner = 20, 0
    assert dm.axis[centre].item() == pytest.approx(0, abs=1e-12) and dm.axis[corner] == -4
    torch.testing.assert_close(dm.log_p[centre, centre], torch.tensor(-math.log(2 * math.pi), dtype=torch.float64))
    torch.testing.assert_close(
        dm.log_q[centre, centre], torch.tensor(-math.log(2 * math.pi * 0.25), dtype=torch.float64)
    )
    # z2 rises with the row: the point (axis[35], axis[5]) = (3, -3)
    _, points = latent.density_grid(4.0, 41)
    torch.testing.assert_close(points[5 * 41 + 35], torch.tensor([3.0, -3.0], dtype=torch.float64))
    holes = latent.find_holes(prior, means, logvars, samples=4000)
    cells = latent.hole_map(dm, holes)
    assert cells[centre, centre] == 1  # covered
    assert cells[corner, corner] == 0  # outside the prior's 99 % region
    radius = dm.axis[torch.nonzero(cells[centre] == 2)[0, 0]].abs()
    assert 1.5 < radius < 3.1  # the ring between q's 99 % circle (r = 1.5) and p's (r = 3.03)
    with pytest.raises(ValueError, match="2-D"):
        latent.density_map(StandardNormal(3), torch.zeros(4, 3), torch.zeros(4, 3), 3.0)


def test_traversal_codes_sweep_one_dimension_per_row():
    values = latent.traversal_values(StandardNormal(3), steps=5)
    torch.testing.assert_close(values[:, 0], torch.tensor([-3.0, -1.5, 0.0, 1.5, 3.0]))
    base = torch.tensor([0.1, 0.2, 0.3])
    z = latent.traversal_codes(base, [2, 0], values).reshape(2, 5, 3)
    torch.testing.assert_close(z[0, :, 2], values[:, 2])
    torch.testing.assert_close(z[0, :, :2], base[:2].expand(5, 2))
    torch.testing.assert_close(z[1, :, 0], values[:, 0])
    torch.testing.assert_close(z[1, :, 1:], base[1:].expand(5, 2))


def test_traversals_decode_each_row(small_model):
    images = latent.traversals(small_model, [1, 0], steps=4)
    assert images.shape == (2, 4, 28, 28)
    z = latent.traversal_codes(torch.zeros(2), [0], latent.traversal_values(small_model.prior, 4))
    torch.testing.assert_close(images[1], vc.decode(small_model, z))


def test_a_mixture_priors_traversal_is_centred_on_its_spread():
    prior = MixturePrior(2, 1)
    with torch.no_grad():
        prior.means.copy_(torch.tensor([[5.0, -1.0]]))
        prior.logvars.copy_(torch.log(torch.tensor([[4.0, 0.25]])))
    centre, spread = latent.prior_spread(prior)
    torch.testing.assert_close(centre, torch.tensor([5.0, -1.0]), atol=0.05, rtol=0)
    torch.testing.assert_close(spread, torch.tensor([2.0, 0.5]), atol=0.03, rtol=0)


def test_history_series_reads_per_dimension_fields_and_tolerates_old_records():
    history = [
        EpochRecord(0.99, loss=120.0, reconstruction=100.0, kl=20.0),  # written before per-dimension records
        EpochRecord(2.0, loss=110.0, reconstruction=92.0, kl=18.0, activity=(1.0, 0.001), active_units=1),
        EpochRecord(3.0, loss=105.0, reconstruction=88.0, kl=17.0, activity=(1.1, 0.002), active_units=1),
    ]
    epochs, activity = latent.history_series(history, lambda record: record.activity)
    assert epochs == [2.0, 3.0] and activity.shape == (2, 2)
    assert latent.history_series(history, lambda record: record.loss)[1].tolist() == [120.0, 110.0, 105.0]
    assert latent.history_series(history, lambda record: record.kl_per_dim) is None
