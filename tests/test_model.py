import pytest
import torch

from vae_core import VAE, TrainConfig, VAEConfig, evaluate, iwae_log_likelihood, load_dataset, train
from vae_core.data import to_float


def test_shapes_and_pixel_range():
    model = VAE(VAEConfig(latent_dim=5))
    x = torch.rand(3, 1, 28, 28)
    mean, logvar = model.encode(x)
    assert mean.shape == logvar.shape == (3, 5)
    images = model.decode(torch.randn(4, 5))
    assert images.shape == (4, 1, 28, 28)
    assert images.min() >= 0 and images.max() <= 1


def test_gradients_reach_the_encoder_through_the_sample():
    torch.manual_seed(0)
    model = VAE(VAEConfig(latent_dim=2))
    x = torch.rand(8, 1, 28, 28)
    mean, logvar = model.encode(x)
    z = model.reparameterize(mean, logvar)
    recon = -model.log_likelihood(x, model.decode_logits(z)).sum()
    recon.backward()  # the reconstruction term alone: no KL, so only the sample carries gradient
    first_conv = model.encoder[0].weight.grad
    assert first_conv is not None and first_conv.abs().sum() > 0


def test_sample_varies_with_the_variance():
    mean, logvar = torch.zeros(10_000, 2), torch.full((10_000, 2), 2 * torch.log(torch.tensor(3.0)))
    z = VAE.reparameterize(mean, logvar)
    assert abs(z.std().item() - 3.0) < 0.1


def test_loss_falls_when_training_on_real_mnist():
    images, _ = load_dataset("mnist", train=True)
    result = train(
        VAEConfig(latent_dim=2, hidden=64, conv_channels=(8, 16)), TrainConfig(epochs=3, batch_size=50), images[:1500]
    )
    losses = [record.loss for record in result.history]
    assert len(losses) == 3 and losses[-1] < 0.8 * losses[0]


def test_elbo_is_below_iwae_and_iwae_rises_with_k(small_model, mnist_test):
    x = to_float(mnist_test[0][:20])
    torch.manual_seed(0)
    bounds = {k: iwae_log_likelihood(small_model, x, k).mean().item() for k in (1, 10, 100, 1000)}
    assert bounds[1] < bounds[10] < bounds[100] < bounds[1000]
    figures = evaluate(small_model, mnist_test[0][:20], k=200)
    assert -figures.negative_elbo < -figures.iwae_nll
    assert figures.negative_elbo == pytest.approx(figures.reconstruction + figures.kl)
    assert figures.kl_per_dim is not None and len(figures.kl_per_dim) == 2 and figures.active_units >= 1
    assert evaluate(small_model, mnist_test[0][:20], k=200) == figures, "seeded: the same figures every time"


def test_training_is_reproducible_on_the_cpu():
    images, _ = load_dataset("mnist", train=True)
    config = VAEConfig(latent_dim=2, hidden=32, conv_channels=(4, 8), binarize="dynamic")
    a = train(config, TrainConfig(epochs=1, batch_size=100, seed=7), images[:400]).model
    b = train(config, TrainConfig(epochs=1, batch_size=100, seed=7), images[:400]).model
    for (name, pa), pb in zip(a.state_dict().items(), b.state_dict().values(), strict=True):
        assert torch.equal(pa, pb), name
