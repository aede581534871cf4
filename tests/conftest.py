from __future__ import annotations

from pathlib import Path

import pytest
import torch

from vae_core import TrainConfig, VAEConfig, load_dataset, train

ROOT = Path(__file__).resolve().parents[1]
SHIPPED_2D = ROOT / "checkpoints" / "mnist-2d.safetensors"


@pytest.fixture(scope="session")
def mnist_test() -> tuple[torch.Tensor, torch.Tensor]:
    return load_dataset("mnist", train=False)


@pytest.fixture(scope="session")
def small_model():
    """A real model trained briefly on 2,000 real MNIST digits (seconds on a CPU)."""
    images, _ = load_dataset("mnist", train=True)
    result = train(
        VAEConfig(latent_dim=2, hidden=64, conv_channels=(8, 16)), TrainConfig(epochs=2, batch_size=100), images[:2000]
    )
    return result.model
