"""Frozen configurations: what a model is, and how it was trained.

Both are plain dataclasses that round-trip through JSON, so a checkpoint can say what it holds
without running any code (the Pythae idea, without the class hierarchy).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

Likelihood = Literal["bernoulli", "gaussian"]
Binarize = Literal["none", "dynamic"]


@dataclass(frozen=True)
class VAEConfig:
    """The model: its shape, its likelihood p(x|z) and the data it was made for."""

    latent_dim: int = 2
    likelihood: Likelihood = "bernoulli"
    # Fixed decoder standard deviation for the Gaussian likelihood. sigma^2 = 1/2 makes
    # -log p(x|z) = sum of squared errors + const, the classic "SSE" objective.
    gaussian_sigma: float = math.sqrt(0.5)
    conv_channels: tuple[int, int] = (32, 64)
    hidden: int = 400
    dataset: str = "mnist"
    # "dynamic": train on a fresh Bernoulli sample of each grey-level image every time it is seen
    # (Burda et al. 2015); "none": use the grey levels themselves as targets.
    binarize: Binarize = "none"

    def __post_init__(self) -> None:
        if self.latent_dim < 1:
            raise ValueError("latent_dim must be at least 1")
        if self.likelihood not in ("bernoulli", "gaussian"):
            raise ValueError(f"unknown likelihood {self.likelihood!r}: use 'bernoulli' or 'gaussian'")
        if self.binarize not in ("none", "dynamic"):
            raise ValueError(f"unknown binarize {self.binarize!r}: use 'none' or 'dynamic'")
        if not self.gaussian_sigma > 0:
            raise ValueError("gaussian_sigma must be positive")
        if len(self.conv_channels) != 2 or min(self.conv_channels) < 1 or self.hidden < 1:
            raise ValueError("conv_channels must be two positive widths and hidden positive")
        object.__setattr__(self, "conv_channels", tuple(int(c) for c in self.conv_channels))

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> VAEConfig:
        return cls(**_known_fields(cls, json.loads(text)))


@dataclass(frozen=True)
class TrainConfig:
    """How to train: the optimiser, the schedule and the beta-VAE weight."""

    epochs: int = 10
    batch_size: int = 128
    learning_rate: float = 1e-3
    beta: float = 1.0
    # Linear KL annealing: the KL weight rises from 0 to beta over this many epochs.
    kl_warmup_epochs: float = 0.0
    # "cosine": the learning rate decays to 0 along a half cosine over the run (Loshchilov & Hutter
    # 2017), which settles the weights and gains a few nats over a constant rate at the same cost.
    lr_schedule: Literal["constant", "cosine"] = "cosine"
    # Linear learning-rate warm-up from 0 over this many epochs (Goyal et al. 2017): lets a large
    # rate be used without the first steps wrecking the freshly initialised network.
    lr_warmup_epochs: float = 0.0
    # Adam's decay rates for its running mean and mean square of the gradient. (0.9, 0.999) is the
    # paper's default; beta2 = 0.99 forgets the large gradients of the first steps ten times sooner,
    # so the steps stay larger later on (the benchmark's fast settings use it).
    adam_betas: tuple[float, float] = (0.9, 0.999)
    seed: int = 0
    device: str = "auto"
    # "bfloat16": mixed precision (torch.autocast) for CPUs with native bfloat16 (AVX512-BF16, AMX)
    # and GPUs: layers compute in bfloat16; weights, optimiser and the bound stay float32.
    precision: Literal["float32", "bfloat16"] = "float32"

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 1:
            raise ValueError("epochs and batch_size must be at least 1")
        if not self.learning_rate > 0 or self.beta < 0 or self.kl_warmup_epochs < 0 or self.lr_warmup_epochs < 0:
            raise ValueError("learning_rate must be positive; beta and the warm-up epochs not negative")
        if self.lr_schedule not in ("constant", "cosine"):
            raise ValueError(f"unknown lr_schedule {self.lr_schedule!r}: use 'constant' or 'cosine'")
        if self.precision not in ("float32", "bfloat16"):
            raise ValueError(f"unknown precision {self.precision!r}: use 'float32' or 'bfloat16'")
        if len(self.adam_betas) != 2 or not all(0 <= b < 1 for b in self.adam_betas):
            raise ValueError("adam_betas must be two numbers in [0, 1)")
        object.__setattr__(self, "adam_betas", tuple(float(b) for b in self.adam_betas))

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> TrainConfig:
        return cls(**_known_fields(cls, json.loads(text)))


def _known_fields(cls: type, data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ValueError("config must be a JSON object")
    names = {f.name for f in fields(cls)}
    unknown = set(data) - names
    if unknown:
        raise ValueError(f"unknown config fields: {sorted(unknown)}")
    return data
