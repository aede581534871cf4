import pytest
import torch

from vae_core import decode_grid, encode_dataset, grid_axis, grid_edge, grid_points, lerp, sample_prior, slerp, tile


def test_lerp_and_slerp_end_at_the_endpoints():
    a, b = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 2.0])
    for path in (lerp(a, b, 5), slerp(a, b, 5)):
        torch.testing.assert_close(path[0], a)
        torch.testing.assert_close(path[-1], b)
        assert path.shape == (5, 2)


def test_slerp_keeps_the_norm_where_lerp_cuts_through_the_origin():
    a, b = torch.tensor([3.0, 0.0, 0.0]), torch.tensor([-3.0, 0.1, 0.0])
    assert slerp(a, b, 11).norm(dim=1).min() > 2.99
    assert lerp(a, b, 11).norm(dim=1).min() < 0.1


def test_normal_grid_has_equal_prior_mass_per_cell():
    axis = grid_axis(10, spacing="normal")
    cdf = torch.distributions.Normal(0.0, 1.0).cdf(axis)
    torch.testing.assert_close(cdf, (torch.arange(10) + 0.5) / 10)
    torch.testing.assert_close(grid_axis(3, extent=2.0), torch.tensor([-2.0, 0.0, 2.0]))


def test_grid_points_put_high_y_on_the_top_row_and_hold_other_dims():
    z = grid_points(
        torch.tensor([-1.0, 1.0]), torch.tensor([-1.0, 1.0]), dims=(2, 0), base=torch.full((4,), 0.5), latent_dim=4
    )
    assert z.shape == (4, 4)
    assert z[0, 0] == 1.0 and z[-1, 0] == -1.0  # y on dim 0: top row high
    assert z[0, 2] == -1.0 and z[1, 2] == 1.0  # x on dim 2
    assert (z[:, [1, 3]] == 0.5).all()


def test_decoded_grid_and_samples(small_model):
    grid = decode_grid(small_model, n=4)
    assert grid.shape == (112, 112) and grid.min() >= 0 and grid.max() <= 1
    a, b = sample_prior(small_model, 6, random_state=1), sample_prior(small_model, 6, random_state=1)
    assert torch.equal(a, b) and a.shape == (6, 28, 28)
    assert not torch.equal(a, sample_prior(small_model, 6, random_state=2))
    assert tile(a, 3, pad=2).shape == (58, 88)


def test_random_state_is_an_int_a_generator_or_none_as_in_scikit_learn(small_model):
    """vae_core.randomness: an int seeds a fresh generator, a generator continues its own stream."""
    by_int = sample_prior(small_model, 4, random_state=7)
    stream = torch.Generator().manual_seed(7)
    assert torch.equal(sample_prior(small_model, 4, random_state=stream), by_int)
    assert not torch.equal(sample_prior(small_model, 4, random_state=stream), by_int), "the stream goes on"
    assert sample_prior(small_model, 4, random_state=None).shape == by_int.shape
    with pytest.raises(TypeError, match="random_state must be"):
        sample_prior(small_model, 4, random_state="7")


def test_encode_dataset_matches_encoding_one_by_one(small_model, mnist_test):
    images = mnist_test[0][:7]
    means, logvars = encode_dataset(small_model, images, batch_size=3)
    with torch.no_grad():
        direct = small_model.encode(images[:, None].float() / 255)[0]
    torch.testing.assert_close(means, direct)
    assert logvars.shape == (7, 2)


@pytest.mark.parametrize("spacing", ["linear", "normal"])
def test_the_grids_edge_is_its_outermost_point(spacing: str) -> None:
    """The explorer sizes its pad by grid_edge before torch is loaded: it must be grid_axis's reach."""
    for n in (1, 2, 5, 15, 30):
        for extent in (1.0, 3.0, 6.0):
            axis = grid_axis(n, extent=extent, spacing=spacing)
            assert grid_edge(n, extent=extent, spacing=spacing) == pytest.approx(float(axis.abs().max()), abs=1e-6)
