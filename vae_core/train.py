"""One training loop for the CLI, the app and the benchmark.

Fast on a CPU because the whole split sits in memory as one uint8 tensor: each step indexes a
random batch, converts it to float and (for binarised models) draws its Bernoulli sample. There is no
DataLoader and no per-item transform.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import Tensor

from .config import TrainConfig, VAEConfig
from .data import binarize, to_float
from .model import VAE


@dataclass(frozen=True)
class Progress:
    """What a progress callback receives after every step."""

    step: int
    total_steps: int
    epoch: float  # fractional: 2.5 is half-way through the third epoch
    loss: float  # the objective: reconstruction + kl_weight * KL, nats per image
    reconstruction: float
    kl: float
    kl_weight: float
    images_per_second: float


@dataclass
class TrainResult:
    model: VAE
    # One row per logging interval: step, epoch, loss, reconstruction, kl (training batch means).
    history: list[dict[str, float]] = field(default_factory=list)
    seconds: float = 0.0
    stopped_early: bool = False


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite. ``result`` holds the last good weights and the history."""

    def __init__(self, message: str, result: TrainResult) -> None:
        super().__init__(message)
        self.result = result


def pick_device(preference: str = "auto") -> torch.device:
    """cuda, then mps, then cpu, unless a device is named."""
    if preference != "auto":
        return torch.device(preference)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def kl_weight(step: int, steps_per_epoch: int, config: TrainConfig) -> float:
    """beta, ramped linearly from 0 over the warm-up epochs (KL annealing, Bowman et al. 2016)."""
    warmup_steps = config.kl_warmup_epochs * steps_per_epoch
    if warmup_steps <= 0:
        return config.beta
    return config.beta * min(1.0, step / warmup_steps)


def learning_rate_factor(step: int, steps_per_epoch: int, total_steps: int, config: TrainConfig) -> float:
    """The multiple of the learning rate at a step: a linear warm-up, then constant or a half cosine.

    The warm-up keeps Adam's first, sign-like steps small: at full rate they can kill every ReLU
    of the decoder at once, and the model is then stuck at the mean image.
    """
    warmup_steps = config.lr_warmup_epochs * steps_per_epoch
    warmup = min(1.0, (step + 1) / warmup_steps) if warmup_steps > 0 else 1.0
    if config.lr_schedule == "constant":
        return warmup
    return warmup * 0.5 * (1.0 + math.cos(math.pi * min(step, total_steps) / total_steps))


def train(
    model_config: VAEConfig,
    train_config: TrainConfig,
    images: Tensor,
    *,
    on_progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    log_every: int = 50,
    model: VAE | None = None,
) -> TrainResult:
    """Train a VAE on uint8 images (N x 28 x 28) and return it with its loss history.

    ``should_stop`` is polled before every step, so a stop takes effect within one step.
    Seeded: two runs with the same configs on the CPU give identical weights.
    """
    device = pick_device(train_config.device)
    torch.manual_seed(train_config.seed)
    generator = torch.Generator(device="cpu").manual_seed(train_config.seed)
    # channels_last lets oneDNN run the convolutions without reordering memory at every layer.
    model = (model or VAE(model_config)).to(device, memory_format=torch.channels_last).train()
    # The fused Adam updates every parameter in one kernel: on a CPU the default per-tensor loop took
    # a quarter of a batch-64 step (7.5 of 31 ms), the fused one 1.9 ms.
    optimizer = torch.optim.Adam(
        model.parameters(),
        lr=train_config.learning_rate,
        betas=train_config.adam_betas,
        fused=device.type in ("cpu", "cuda"),
    )
    # bfloat16 autocast: matrix products and convolutions in bfloat16, losses and weights in float32.
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=train_config.precision == "bfloat16")
    data = images.to(device)
    n = data.shape[0]
    steps_per_epoch = max(1, math.ceil(n / train_config.batch_size))
    total_steps = steps_per_epoch * train_config.epochs
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: learning_rate_factor(step, steps_per_epoch, total_steps, train_config)
    )
    result = TrainResult(model=model)
    last_good = copy.deepcopy(model.state_dict())
    start = time.perf_counter()
    step = 0
    for _epoch in range(train_config.epochs):
        order = torch.randperm(n, generator=generator).to(device)
        for batch_start in range(0, n, train_config.batch_size):
            if should_stop is not None and should_stop():
                result.stopped_early = True
                break
            x = to_float(data[order[batch_start : batch_start + train_config.batch_size]])
            if model_config.binarize == "dynamic":
                x = binarize(x, generator)
            weight = kl_weight(step, steps_per_epoch, train_config)
            with autocast:
                terms = model.elbo_terms(x)
                loss = terms.loss(weight)
            if not torch.isfinite(loss):
                raise _diverged(result, last_good, start, f"the loss became {loss.item()} at step {step}")
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            step += 1
            if step % log_every == 0:
                if not all(torch.isfinite(p).all() for p in model.parameters()):
                    raise _diverged(result, last_good, start, f"the weights became NaN or infinite at step {step}")
                last_good = copy.deepcopy(model.state_dict())
            if on_progress is not None or step % log_every == 0:
                progress = Progress(
                    step=step,
                    total_steps=total_steps,
                    epoch=step / steps_per_epoch,
                    loss=loss.item(),
                    reconstruction=terms.reconstruction.mean().item(),
                    kl=terms.kl.mean().item(),
                    kl_weight=weight,
                    images_per_second=step * train_config.batch_size / max(time.perf_counter() - start, 1e-9),
                )
                if step % log_every == 0:
                    result.history.append(
                        {k: getattr(progress, k) for k in ("step", "epoch", "loss", "reconstruction", "kl")}
                    )
                if on_progress is not None:
                    on_progress(progress)
        if result.stopped_early:
            break
    result.seconds = time.perf_counter() - start
    model.to(memory_format=torch.contiguous_format).eval()
    model.train_config = train_config
    return result


def _diverged(result: TrainResult, last_good: dict[str, Tensor], start: float, what: str) -> TrainingDiverged:
    """Roll the model back to its last good weights and describe what happened."""
    result.model.load_state_dict(last_good)
    result.model.to(memory_format=torch.contiguous_format).eval()
    result.seconds = time.perf_counter() - start
    return TrainingDiverged(
        f"{what}; training stopped and the weights from the last good step were kept. "
        "Try a smaller learning rate, a smaller beta or a KL warm-up.",
        result,
    )
