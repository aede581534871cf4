import math

import pytest
import torch

from vae_core import VAE, TrainConfig, TrainingDiverged, VAEConfig, load_dataset, train
from vae_core.train import kl_weight, learning_rate_factor

SMALL = VAEConfig(latent_dim=2, hidden=32, conv_channels=(4, 8))


def test_stop_flag_is_honoured_within_a_step():
    images, _ = load_dataset("mnist", train=True)
    steps = []
    result = train(
        SMALL,
        TrainConfig(epochs=5, batch_size=50),
        images[:1000],
        on_progress=lambda p: steps.append(p.step),
        should_stop=lambda: len(steps) >= 3,
    )
    assert result.stopped_early and steps[-1] == 3


def test_progress_reports_every_step_with_loss_parts():
    images, _ = load_dataset("mnist", train=True)
    seen = []
    train(SMALL, TrainConfig(epochs=2, batch_size=100), images[:300], on_progress=seen.append)
    assert [p.step for p in seen] == list(range(1, 7))
    assert seen[-1].epoch == pytest.approx(2.0)
    assert all(p.loss == pytest.approx(p.reconstruction + p.kl_weight * p.kl, rel=1e-4) for p in seen)


def test_nan_loss_stops_with_a_clear_error_and_keeps_the_last_good_weights():
    images, _ = load_dataset("mnist", train=True)
    # An absurd learning rate makes the weights blow up within a few steps.
    with pytest.raises(TrainingDiverged) as info:
        train(
            SMALL,
            TrainConfig(epochs=20, batch_size=100, learning_rate=1e12, lr_schedule="constant"),
            images[:500],
            log_every=1,
        )
    model = info.value.result.model
    assert "last good" in str(info.value)
    assert all(torch.isfinite(p).all() for p in model.parameters())
    assert torch.isfinite(model.decode(torch.zeros(1, 2))).all()


def test_kl_warmup_rises_linearly_to_beta():
    config = TrainConfig(beta=2.0, kl_warmup_epochs=2)
    assert kl_weight(0, 10, config) == 0
    assert kl_weight(10, 10, config) == pytest.approx(1.0)
    assert kl_weight(20, 10, config) == kl_weight(50, 10, config) == 2.0
    assert kl_weight(0, 10, TrainConfig(beta=0.5)) == 0.5


def test_learning_rate_warms_up_linearly_then_follows_the_half_cosine():
    warm = TrainConfig(epochs=4, lr_warmup_epochs=1)  # 10 steps per epoch, 40 in all
    assert learning_rate_factor(0, 10, 40, warm) == pytest.approx(0.1)
    assert learning_rate_factor(4, 10, 40, warm) == pytest.approx(0.5 * 0.5 * (1 + math.cos(math.pi * 4 / 40)))
    assert learning_rate_factor(20, 10, 40, warm) == pytest.approx(0.5)  # half-way down the cosine
    assert learning_rate_factor(40, 10, 40, warm) == pytest.approx(0.0)
    constant = TrainConfig(lr_schedule="constant", lr_warmup_epochs=2)
    assert learning_rate_factor(9, 10, 40, constant) == pytest.approx(0.5)
    assert learning_rate_factor(19, 10, 40, constant) == learning_rate_factor(39, 10, 40, constant) == 1.0
    assert learning_rate_factor(0, 10, 40, TrainConfig(lr_schedule="constant", lr_warmup_epochs=0)) == 1.0


def test_the_warm_up_reaches_the_optimiser():
    images, _ = load_dataset("mnist", train=True)

    def weight_change(warmup_epochs: float) -> float:
        config = TrainConfig(epochs=1, batch_size=50, learning_rate=1e-2, lr_warmup_epochs=warmup_epochs)
        model = VAE(SMALL)
        before = model.state_dict()["encoder.0.weight"].clone()
        train(SMALL, config, images[:50], model=model)  # one step
        return (model.state_dict()["encoder.0.weight"] - before).abs().max().item()

    # Adam's first step moves each weight by about the learning rate; a long warm-up scales it down.
    assert weight_change(0) > 5e-3
    assert weight_change(1e4) < 1e-5


def test_bfloat16_training_learns_and_hands_back_a_float32_model():
    images, _ = load_dataset("mnist", train=True)
    config = VAEConfig(latent_dim=2, hidden=64, conv_channels=(8, 16))
    result = train(config, TrainConfig(epochs=3, batch_size=50, precision="bfloat16"), images[:1500])
    losses = [record.loss for record in result.history]
    assert len(losses) == 3 and losses[-1] < 0.8 * losses[0]
    assert all(p.dtype == torch.float32 and p.is_contiguous() for p in result.model.parameters())
    with pytest.raises(ValueError, match="precision"):
        TrainConfig(precision="float16")


def test_adam_betas_reach_the_optimiser():
    images, _ = load_dataset("mnist", train=True)

    def second_step_sizes(betas: tuple[float, float]) -> torch.Tensor:
        config = TrainConfig(epochs=1, batch_size=50, learning_rate=1e-3, lr_schedule="constant", adam_betas=betas)
        model = VAE(SMALL)
        after = []
        train(
            SMALL,
            config,
            images[:100],
            model=model,
            on_progress=lambda p: after.append(model.encoder[5].weight.detach().clone()),
        )
        sizes = (after[1] - after[0]).abs().flatten()
        return sizes[sizes > 0]  # weights of dead units get no gradient and stay put

    # With both decay rates 0, Adam forgets everything but the current gradient: every weight with a
    # gradient moves by exactly the learning rate. With the defaults the second step's sizes spread out.
    # (Only "almost every": a gradient smaller than Adam's epsilon, 1e-8, moves its weight less.)
    def share_moved_by_the_rate(betas: tuple[float, float]) -> float:
        return ((second_step_sizes(betas) - 1e-3).abs() < 1e-5).float().mean().item()

    assert share_moved_by_the_rate((0.0, 0.0)) > 0.95
    assert share_moved_by_the_rate((0.9, 0.999)) < 0.5
    with pytest.raises(ValueError, match="adam_betas"):
        TrainConfig(adam_betas=(0.9, 1.0))
    assert TrainConfig.from_json(TrainConfig(adam_betas=(0.9, 0.99)).to_json()).adam_betas == (0.9, 0.99)
