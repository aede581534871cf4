"""One training loop for the CLI, the app and the benchmark, on one process or many.

Fast on a CPU because the whole split sits in memory as one uint8 tensor: each step indexes a
random batch, converts it to float and (for binarised models) draws its Bernoulli sample. There is no
DataLoader and no per-item transform.

Every random draw (initial weights, data order, binarisation, the reparameterisation noise) comes
from generators of the run's own, seeded from ``TrainConfig.seed``: two runs in one process (two
people training in one app server) never disturb each other, and a run is reproducible.

Under ``torchrun`` (torch.distributed initialised, see ``init_distributed``) the model is wrapped in
DistributedDataParallel: every process draws the same batch order and the same noise for each global
batch of ``batch_size`` images, computes the bound on its own shard (every N-th image) and the
gradients are averaged across processes: N processes follow the one-process run up to rounding.
"""

from __future__ import annotations

import copy
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from torch import Tensor, nn
from torch.nn.parallel import DistributedDataParallel

from .config import TrainConfig, VAEConfig
from .data import binarize, to_float
from .losses import ELBOTerms
from .model import VAE
from .randomness import RandomState, generator_for
from .usage import dimension_usage

PROBE_IMAGES = 2000  # training images re-encoded at each epoch's end for the per-dimension history


@dataclass(frozen=True)
class Progress:
    """What a progress callback receives after every step (this process's shard of the batch)."""

    step: int
    total_steps: int
    epoch: float  # fractional: 2.5 is half-way through the third epoch
    loss: float  # the objective: reconstruction + kl_weight * KL, nats per image
    reconstruction: float
    kl: float
    kl_weight: float
    images_per_second: float
    # The batch's closed-form KL of each latent dimension to the prior (None where it has no closed form).
    kl_per_dim: tuple[float, ...] | None = None


@dataclass
class TrainResult:
    model: VAE
    # One record per epoch: the training objective's parts (means over the epoch's batches) and,
    # for a fixed probe of training images at the epoch's end, each dimension's activity
    # Cov_x(E_q[z_d]), information and (standard-normal prior) KL, and the active units (vae_core.usage).
    history: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    stopped_early: bool = False
    world_size: int = 1
    precision: str = "float32"  # what the run computed in ("auto" resolved)


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite. ``result`` holds the last good weights and the history."""

    def __init__(self, message: str, result: TrainResult) -> None:
        super().__init__(message)
        self.result = result


def pick_device(preference: str = "auto") -> torch.device:
    """cuda, then mps, then cpu, unless a device is named (under torchrun: this process's GPU)."""
    if preference != "auto":
        return torch.device(preference)
    if torch.cuda.is_available():
        return torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def native_bfloat16(device: torch.device) -> bool:
    """Whether the device computes bfloat16 in hardware: CUDA GPUs that support it, CPUs with
    AVX512-BF16 or AMX (read from Linux's /proc/cpuinfo). Elsewhere bfloat16 is emulated: slower."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type != "cpu":
        return False
    try:
        flags = Path("/proc/cpuinfo").read_text().split()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def resolve_precision(config: TrainConfig, device: torch.device) -> str:
    """The precision a run uses: ``auto`` becomes bfloat16 where the device has it natively."""
    if config.precision == "auto":
        return "bfloat16" if native_bfloat16(device) else "float32"
    return config.precision


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


def init_distributed() -> tuple[int, int]:
    """Join the process group torchrun describes (WORLD_SIZE > 1 in the environment): gloo on CPUs,
    NCCL on GPUs. Returns (rank, world size); (0, 1) when not launched by torchrun."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        cuda = torch.cuda.is_available()
        if cuda:
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", 0)))
        dist.init_process_group("nccl" if cuda else "gloo")
    return (dist.get_rank(), dist.get_world_size()) if dist.is_initialized() else (0, 1)


def initial_model(config: VAEConfig, images: Tensor, *, random_state: RandomState) -> VAE:
    """A fresh model as a run seeded ``random_state`` (vae_core.randomness) starts it: PyTorch's
    default initialisation drawn from the seed's own generator, and the prior started from the
    training images where it needs them (from a second generator with the same seed)."""
    model = VAE(config, generator=generator_for(random_state))
    model.prior.initialise_from(images, generator_for(random_state))
    return model


class _Objective(nn.Module):
    """The bound as a module's forward, so DistributedDataParallel can wrap it."""

    def __init__(self, model: VAE) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: Tensor, eps: Tensor) -> ELBOTerms:
        return self.model.elbo_terms(x, eps=eps)


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
    """Train a VAE on uint8 images (N x 28 x 28) and return it with its per-epoch history.

    ``should_stop`` is polled before every step, so a stop takes effect within one step (single
    process only). Seeded: two runs with the same configs on the CPU give identical weights.
    ``log_every`` steps: how often the weights are checked for NaN and kept as the last good ones.
    """
    rank, world = (dist.get_rank(), dist.get_world_size()) if dist.is_initialized() else (0, 1)
    device = pick_device(train_config.device)
    seed = train_config.seed
    # The same draws on every process: batch order, binarisation, and eps of the reparameterisation.
    order_generator = torch.Generator().manual_seed(seed)
    data_generator = torch.Generator().manual_seed(seed + 1)
    noise_generator = torch.Generator(device=device).manual_seed(seed + 2)
    if model is None:
        model = initial_model(model_config, images, random_state=seed)
    # channels_last lets oneDNN run the convolutions without reordering memory at every layer.
    model = model.to(device, memory_format=torch.channels_last).train()
    objective: nn.Module = _Objective(model)
    if world > 1:
        objective = DistributedDataParallel(objective, device_ids=[device.index] if device.type == "cuda" else None)
    optimizer = _optimizer(model, train_config, device)
    precision = resolve_precision(train_config, device)
    # bfloat16 autocast: matrix products and convolutions in bfloat16, losses and weights in float32.
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision == "bfloat16")
    data = images.to(device)
    probe = to_float(images[:PROBE_IMAGES]).to(device)
    if model_config.binarize == "dynamic":  # as the model sees its inputs; one fixed draw
        probe = binarize(probe, torch.Generator(device=device).manual_seed(seed))
    n = data.shape[0]
    steps_per_epoch = max(1, math.ceil(n / train_config.batch_size))
    total_steps = steps_per_epoch * train_config.epochs
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: learning_rate_factor(step, steps_per_epoch, total_steps, train_config)
    )
    result = TrainResult(model=model, world_size=world, precision=precision)
    last_good = copy.deepcopy(model.state_dict())
    start = time.perf_counter()
    step = seen = 0
    for _epoch in range(train_config.epochs):
        order = torch.randperm(n, generator=order_generator).to(device)
        sums = torch.zeros(4, dtype=torch.float64, device=device)  # images, loss, reconstruction, kl
        for batch_start in range(0, n, train_config.batch_size):
            if should_stop is not None and should_stop():
                result.stopped_early = True
                break
            x = to_float(data[order[batch_start : batch_start + train_config.batch_size]])
            if model_config.binarize == "dynamic":
                x = binarize(x, data_generator)
            eps = torch.randn(x.shape[0], model.latent_dim, generator=noise_generator, device=device)
            x, eps = x[rank::world], eps[rank::world]  # this process's shard of the global batch
            weight = kl_weight(step, steps_per_epoch, train_config)
            with autocast:
                terms = objective(x, eps)
                loss = terms.loss(weight)
            if not _finite_everywhere(loss, world):
                raise _diverged(result, last_good, start, f"the loss became {loss.item()} at step {step}")
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            step += 1
            seen += x.shape[0] * world
            parts = torch.stack([loss.detach(), terms.reconstruction.detach().mean(), terms.kl.detach().mean()])
            sums += torch.cat([torch.ones(1, device=device), parts]).double() * x.shape[0]
            if step % log_every == 0:
                if not all(torch.isfinite(p).all() for p in model.parameters()):
                    raise _diverged(result, last_good, start, f"the weights became NaN or infinite at step {step}")
                last_good = copy.deepcopy(model.state_dict())
            if on_progress is not None:
                # None where the prior has no closed-form KL per dimension
                kl_dims = model.prior.kl_per_dimension(terms.mean.detach(), terms.logvar.detach())
                on_progress(
                    Progress(
                        step=step,
                        total_steps=total_steps,
                        epoch=step / steps_per_epoch,
                        loss=loss.item(),
                        reconstruction=parts[1].item(),
                        kl=parts[2].item(),
                        kl_weight=weight,
                        images_per_second=seen / max(time.perf_counter() - start, 1e-9),
                        kl_per_dim=None if kl_dims is None else tuple(kl_dims.mean(0).tolist()),
                    )
                )
        if sums[0] > 0:
            result.history.append(_epoch_record(model, probe, sums.cpu(), world, step / steps_per_epoch))
        if result.stopped_early:
            break
    result.seconds = time.perf_counter() - start
    model.to(memory_format=torch.contiguous_format).eval()
    model.train_config = train_config
    return result


def _optimizer(model: VAE, config: TrainConfig, device: torch.device) -> torch.optim.Optimizer:
    """Adam or AdamW, fused: one kernel updates every parameter (on a CPU the default per-tensor
    loop took a quarter of a batch-64 step, 7.5 of 31 ms; the fused one 1.9 ms)."""
    kind = torch.optim.AdamW if config.optimizer == "adamw" else torch.optim.Adam
    return kind(
        model.parameters(),
        lr=config.learning_rate,
        betas=config.adam_betas,
        weight_decay=config.weight_decay,
        fused=device.type in ("cpu", "cuda"),
    )


def _finite_everywhere(loss: Tensor, world: int) -> bool:
    """Whether the loss is finite on every process (all must stop together, or the others hang)."""
    finite = torch.isfinite(loss.detach()).to(torch.int32).reshape(1)
    if world > 1:
        dist.all_reduce(finite, op=dist.ReduceOp.MIN)
    return bool(finite.item())


@torch.no_grad()
def _epoch_record(model: VAE, probe: Tensor, sums: Tensor, world: int, epoch: float) -> dict[str, Any]:
    """The epoch's history row: objective parts averaged over every process's images, and the
    latent dimensions' usage (vae_core.usage: activity, information, KL to N(0, 1)) on the probe
    images, in eval mode."""
    if world > 1:
        dist.all_reduce(sums)
    count, loss, rec, kl = sums.tolist()
    model.eval()
    mean, logvar = model.encode(probe)
    model.train()
    usage = dimension_usage(mean.cpu(), logvar.cpu(), model.prior)
    record: dict[str, Any] = {
        "epoch": round(epoch, 4),
        "loss": round(loss / count, 4),
        "reconstruction": round(rec / count, 4),
        "kl": round(kl / count, 4),
        "activity": [round(v, 5) for v in usage.activity.tolist()],
        # every prior's nats per dimension, so a mixture's or VampPrior's history can be counted too
        "information_per_dim": [round(v, 4) for v in usage.information.tolist()],
        "active_units": usage.active_units,  # vae_core.usage's definition; displays recount from the nats
    }
    if usage.kl is not None:
        record["kl_per_dim"] = [round(v, 4) for v in usage.kl.tolist()]
    return record


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
