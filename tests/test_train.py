import pytest
import torch

from vae_core import TrainConfig, TrainingDiverged, VAEConfig, load_dataset, train
from vae_core.train import kl_weight

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
