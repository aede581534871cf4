"""One training loop for the CLI, the app and the benchmark, on one process or many.

``train`` is the textbook loop: for every epoch, for every batch, the loss is −ELBO (its KL term
weighted by β), backward, one step of the optimiser; then the epoch is recorded. What makes it fast,
safe and parallel stands beside it as named helpers:

- ``_Run``: what a run works with (device, processes, model, optimiser, schedule, precision) and its
  batches. Fast on a CPU because the whole split sits in memory as one uint8 tensor: each step indexes
  a random batch, converts it to float and (for binarised models) draws its Bernoulli sample. There is
  no DataLoader and no per-item transform.
- ``_mixed_precision``: bfloat16 autocast, where asked for or native.
- ``_share_across_processes``: DistributedDataParallel under ``torchrun`` (see ``init_distributed``):
  every process draws the same batch order and the same noise for each global batch of ``batch_size``
  images, computes the bound on its own shard (every N-th image) and the gradients are averaged across
  processes: N processes follow the one-process run up to rounding.
- ``_NaNGuard``: stops a run whose loss or weights stop being finite, and hands back the last good weights.
- ``_Tally``: steps, images and time for the progress callback, and the epoch's sums for its
  ``EpochRecord`` in the history.

Every random draw (initial weights, data order, binarisation, the reparameterisation noise) comes
from generators of the run's own, seeded from ``TrainConfig.seed``: two runs in one process (two
people training in one app server) never disturb each other, and a run is reproducible.
"""

from __future__ import annotations

import copy
import math
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from torch import Tensor, nn
from torch.nn.parallel import DistributedDataParallel

from .config import TrainConfig, VAEConfig
from .data import binarize, to_float
from .factor_vae import Penalty, kl_decomposition, make_penalty
from .losses import ELBOTerms
from .model import VAE, build_model
from .randomness import RandomState, generator_for
from .records import as_json_record, from_json_record
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


@dataclass(frozen=True)
class EpochRecord:
    """One epoch of a run's history (``TrainResult.history``; a checkpoint keeps it in ``Provenance.history``).

    ``loss`` = ``reconstruction`` + the KL weight × ``kl``: the objective's parts, means over every
    process's images of the epoch, nats per image. At the epoch's end a fixed probe of training images
    is encoded in eval mode for each latent dimension's usage (vae_core.usage): ``activity``
    Cov_x(E_q[z_d]), ``information_per_dim`` (nats, every prior), ``kl_per_dim`` (nats, a prior with a
    closed-form KL per dimension, else None) and ``active_units`` as counted when the record was
    written (older records counted Burda's criterion: displays recount from the nats). The probe's
    KL split three ways (vae_core.factor_vae.kl_decomposition, the probe's own aggregate posterior):
    ``mutual_information`` I(x; z), ``total_correlation`` and ``dimensionwise_kl`` (None for a prior
    that does not factorise). A hierarchy's (vae_core.hierarchy) ``kl_per_level``: the probe's KL term of
    each level from the top down, nats (None with one level). Records written before these were kept
    lack them (None); the oldest carry the ``step`` they were written at.
    """

    epoch: float
    loss: float
    reconstruction: float
    kl: float
    activity: tuple[float, ...] | None = None
    information_per_dim: tuple[float, ...] | None = None
    kl_per_dim: tuple[float, ...] | None = None
    active_units: int | None = None
    step: int | None = None
    mutual_information: float | None = None
    total_correlation: float | None = None
    dimensionwise_kl: float | None = None
    kl_per_level: tuple[float, ...] | None = None

    def as_dict(self) -> dict[str, Any]:
        """The JSON-ready record a checkpoint stores (unset figures left out)."""
        return as_json_record(self)

    @classmethod
    def from_dict(cls, record: Mapping[str, Any]) -> EpochRecord:
        """A stored record read back; ValueError naming the field when one is missing or malformed."""
        return from_json_record(cls, record, "history record")


@dataclass
class TrainResult:
    model: VAE
    history: list[EpochRecord] = field(default_factory=list)  # one record per epoch
    seconds: float = 0.0
    stopped_early: bool = False
    world_size: int = 1
    precision: str = "float32"  # what the run computed in ("auto" resolved)


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite. ``result`` holds the last good weights and the history."""

    def __init__(self, message: str, result: TrainResult) -> None:
        super().__init__(message)
        self.result = result


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

    Minimises −ELBO = −E_q[log p(x|z)] + β·KL(q(z|x) ‖ p(z)) per image (Kingma & Welling 2014, eq. 3;
    β = 1 is the bound itself, and a KL warm-up ramps β from 0). ``should_stop`` is polled before
    every step, so a stop takes effect within one step (single process only). Seeded: two runs with
    the same configs on the CPU give identical weights. ``log_every`` steps: how often the weights are
    checked for NaN and kept as the last good ones. ``model``: train these weights instead of fresh ones.
    """
    run = _Run.prepare(model_config, train_config, images, model)
    result = TrainResult(model=run.model, world_size=run.world, precision=run.precision)
    tally = _Tally(run)
    guard = _NaNGuard(result, tally, every=log_every)
    for _epoch in range(train_config.epochs):
        for x, eps in run.batches():  # this process's share of the batch, and its reparameterisation noise
            if should_stop is not None and should_stop():
                result.stopped_early = True
                break
            weight = kl_weight(tally.step, run.steps_per_epoch, train_config)
            with run.mixed_precision:
                terms = run.objective(x, eps)
                bound = terms.loss(weight)  # −ELBO with the KL weighted, nats per image
                loss = bound + run.penalty(terms)  # + γ·TC(z) for FactorVAE and β-TCVAE
            guard.check_loss(loss)
            run.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            run.optimizer.step()
            run.schedule.step()
            run.penalty.update(terms)  # FactorVAE: one step of its discriminator; nothing otherwise
            tally.add(bound, terms, x.shape[0])  # the history keeps the bound's parts, not the penalty
            guard.check_weights()
            if on_progress is not None:
                on_progress(tally.progress(terms, weight))
        tally.end_epoch(result.history)
        if result.stopped_early:
            break
    return _handed_back(result, tally.seconds, train_config)


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
    model = build_model(config, generator=generator_for(random_state))
    model.prior.initialise_from(images, generator_for(random_state))
    return model


# ----------------------------------------------------------------------------- what the loop is made of


@dataclass
class _Run:
    """What one run works with: where it computes, which of how many processes this is, the model and
    its objective (wrapped for several processes), the optimiser and its learning-rate schedule, the
    precision, the training data on the device and the generators that order and draw it."""

    config: TrainConfig
    device: torch.device
    rank: int
    world: int
    model: VAE
    objective: nn.Module
    optimizer: torch.optim.Optimizer
    schedule: torch.optim.lr_scheduler.LRScheduler
    precision: str
    mixed_precision: torch.autocast
    data: Tensor
    dynamic_binarisation: bool
    probe: Tensor  # the training images whose codes each epoch's record measures
    steps_per_epoch: int
    total_steps: int
    order_generator: torch.Generator
    data_generator: torch.Generator
    noise_generator: torch.Generator
    penalty: Penalty  # γ·TC(z) (FactorVAE, β-TCVAE), or nothing

    @classmethod
    def prepare(cls, model_config: VAEConfig, config: TrainConfig, images: Tensor, model: VAE | None) -> _Run:
        rank, world = (dist.get_rank(), dist.get_world_size()) if dist.is_initialized() else (0, 1)
        device = pick_device(config.device)
        seed = config.seed
        # The same draws on every process: batch order, binarisation, and eps of the reparameterisation.
        order_generator = torch.Generator().manual_seed(seed)
        data_generator = torch.Generator().manual_seed(seed + 1)
        noise_generator = torch.Generator(device=device).manual_seed(seed + 2)
        if model is None:
            model = initial_model(model_config, images, random_state=seed)
        # channels_last lets oneDNN run the convolutions without reordering memory at every layer.
        model = model.to(device, memory_format=torch.channels_last).train()
        if config.tc_weight > 0 and world > 1:
            raise ValueError("FactorVAE (tc_weight > 0) trains on one process: its discriminator is not shared")
        penalty = make_penalty(
            config.tc_weight,
            config.tc_estimator,
            latent_dim=model.latent_dim,
            dataset_size=images.shape[0],
            device=device,
            seed=seed + 3,
        )
        objective = _share_across_processes(_Objective(model), world, device)
        optimizer = _optimizer(model, config, device)
        precision = resolve_precision(config, device)
        steps_per_epoch = max(1, math.ceil(images.shape[0] / config.batch_size))
        total_steps = steps_per_epoch * config.epochs
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: learning_rate_factor(step, steps_per_epoch, total_steps, config)
        )
        return cls(
            config=config,
            device=device,
            rank=rank,
            world=world,
            model=model,
            objective=objective,
            optimizer=optimizer,
            schedule=schedule,
            precision=precision,
            mixed_precision=_mixed_precision(precision, device),
            data=images.to(device),
            dynamic_binarisation=model_config.binarize == "dynamic",
            probe=_probe(images, model_config, device, seed),
            steps_per_epoch=steps_per_epoch,
            total_steps=total_steps,
            order_generator=order_generator,
            data_generator=data_generator,
            noise_generator=noise_generator,
            penalty=penalty,
        )

    def batches(self) -> Iterator[tuple[Tensor, Tensor]]:
        """One epoch of (inputs, eps): the images in a fresh random order, each global batch converted
        to float, binarised for a binarised model and given its reparameterisation noise, then cut to
        this process's shard (every world-th image from its rank; the whole batch on one process)."""
        n, size = self.data.shape[0], self.config.batch_size
        order = torch.randperm(n, generator=self.order_generator).to(self.device)
        for start in range(0, n, size):
            x = to_float(self.data[order[start : start + size]])
            if self.dynamic_binarisation:
                x = binarize(x, self.data_generator)
            eps = torch.randn(x.shape[0], self.model.noise_size, generator=self.noise_generator, device=self.device)
            yield x[self.rank :: self.world], eps[self.rank :: self.world]


class _Objective(nn.Module):
    """The bound as a module's forward, so DistributedDataParallel can wrap it."""

    def __init__(self, model: VAE) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: Tensor, eps: Tensor) -> ELBOTerms:
        return self.model.elbo_terms(x, eps=eps)


def _share_across_processes(objective: nn.Module, world: int, device: torch.device) -> nn.Module:
    """Under torchrun, DistributedDataParallel: each backward averages the gradients of every process
    (gloo on CPUs, NCCL on GPUs: ``init_distributed``). On one process, the objective as it is."""
    if world == 1:
        return objective
    return DistributedDataParallel(objective, device_ids=[device.index] if device.type == "cuda" else None)


def _mixed_precision(precision: str, device: torch.device) -> torch.autocast:
    """bfloat16 autocast: matrix products and convolutions in bfloat16, losses and weights in float32
    (the model computes its bound in float32: VAE.encode). Disabled for float32."""
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision == "bfloat16")


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


def _probe(images: Tensor, config: VAEConfig, device: torch.device, seed: int) -> Tensor:
    """The first PROBE_IMAGES training images as the model sees them (a binarised model: one fixed
    draw), encoded at each epoch's end for its record."""
    probe = to_float(images[:PROBE_IMAGES]).to(device)
    if config.binarize == "dynamic":
        probe = binarize(probe, torch.Generator(device=device).manual_seed(seed))
    return probe


class _Tally:
    """Steps taken, images seen and time since the start, for the progress callback; and the sums of
    the objective's parts over the epoch's images, for the epoch's record in the history."""

    def __init__(self, run: _Run) -> None:
        self.run = run
        self.step = 0
        self.seen = 0
        self.started = time.perf_counter()
        self._sums = self._zeros()  # images, loss, reconstruction, kl
        self._parts = torch.zeros(3, device=run.device)  # the last step's loss, reconstruction, kl

    def _zeros(self) -> Tensor:
        return torch.zeros(4, dtype=torch.float64, device=self.run.device)

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started

    def add(self, loss: Tensor, terms: ELBOTerms, images: int) -> None:
        """One step taken on ``images`` images of this process."""
        self.step += 1
        self.seen += images * self.run.world
        self._parts = torch.stack([loss.detach(), terms.reconstruction.detach().mean(), terms.kl.detach().mean()])
        self._sums += torch.cat([torch.ones(1, device=self.run.device), self._parts]).double() * images

    def progress(self, terms: ELBOTerms, weight: float) -> Progress:
        """The last step, as the progress callback sees it."""
        run = self.run
        # None where the prior has no closed-form KL per dimension
        kl_dims = run.model.prior.kl_per_dimension(terms.mean.detach(), terms.logvar.detach())
        return Progress(
            step=self.step,
            total_steps=run.total_steps,
            epoch=self.step / run.steps_per_epoch,
            loss=self._parts[0].item(),
            reconstruction=self._parts[1].item(),
            kl=self._parts[2].item(),
            kl_weight=weight,
            images_per_second=self.seen / max(self.seconds, 1e-9),
            kl_per_dim=None if kl_dims is None else tuple(kl_dims.mean(0).tolist()),
        )

    def end_epoch(self, history: list[EpochRecord]) -> None:
        """Append the epoch's record to ``history`` (if it took a step) and start the next epoch's sums."""
        if self._sums[0] > 0:
            run = self.run
            history.append(
                _epoch_record(run.model, run.probe, self._sums.cpu(), run.world, self.step / run.steps_per_epoch)
            )
        self._sums = self._zeros()


@torch.no_grad()
def _epoch_record(model: VAE, probe: Tensor, sums: Tensor, world: int, epoch: float) -> EpochRecord:
    """The epoch's record: objective parts averaged over every process's images, and the latent
    dimensions' usage (vae_core.usage: activity, information, KL to N(0, 1)) on the probe images,
    in eval mode."""
    if world > 1:
        dist.all_reduce(sums)
    count, loss, rec, kl = sums.tolist()
    model.eval()
    mean, logvar = model.encode(probe)
    levels = model.elbo_terms(probe, torch.Generator(device=probe.device).manual_seed(0)).kl_per_level
    model.train()
    mean, logvar = mean.float().cpu(), logvar.float().cpu()
    usage = dimension_usage(mean, logvar, model.prior)
    noise = torch.randn(mean.shape, generator=torch.Generator().manual_seed(0))
    information, total_correlation, dimensionwise = kl_decomposition(
        mean, logvar, mean + (0.5 * logvar).exp() * noise, model.prior
    )
    return EpochRecord(
        epoch=round(epoch, 4),
        loss=round(loss / count, 4),
        reconstruction=round(rec / count, 4),
        kl=round(kl / count, 4),
        activity=tuple(round(v, 5) for v in usage.activity.tolist()),
        # every prior's nats per dimension, so a mixture's or VampPrior's history can be counted too
        information_per_dim=tuple(round(v, 4) for v in usage.information.tolist()),
        kl_per_dim=None if usage.kl is None else tuple(round(v, 4) for v in usage.kl.tolist()),
        active_units=usage.active_units,  # vae_core.usage's definition; displays recount from the nats
        # the probe's KL split into I(x; z) + TC + dimension-wise KL (vae_core.factor_vae)
        mutual_information=round(information, 4),
        total_correlation=round(total_correlation, 4),
        dimensionwise_kl=None if dimensionwise is None else round(dimensionwise, 4),
        kl_per_level=None if levels is None else tuple(round(v, 4) for v in levels.mean(0).tolist()),
    )


class _NaNGuard:
    """Stops a run whose loss or weights are no longer finite. The weights are checked, and kept as the
    last good ones, every ``every`` steps; a run that diverges is rolled back to them and raised as
    TrainingDiverged with its history so far."""

    def __init__(self, result: TrainResult, tally: _Tally, every: int) -> None:
        self.result, self.tally, self.every = result, tally, every
        self.last_good = copy.deepcopy(result.model.state_dict())

    def check_loss(self, loss: Tensor) -> None:
        """Before the step: a loss that is not finite on every process stops all of them together."""
        finite = torch.isfinite(loss.detach()).to(torch.int32).reshape(1)
        if self.result.world_size > 1:  # all must stop together, or the others hang
            dist.all_reduce(finite, op=dist.ReduceOp.MIN)
        if not finite.item():
            raise self._diverged(f"the loss became {loss.item()} at step {self.tally.step}")

    def check_weights(self) -> None:
        """After the step, every ``every`` steps: weights still finite are kept as the last good ones."""
        if self.tally.step % self.every != 0:
            return
        model = self.result.model
        if not all(torch.isfinite(p).all() for p in model.parameters()):
            raise self._diverged(f"the weights became NaN or infinite at step {self.tally.step}")
        self.last_good = copy.deepcopy(model.state_dict())

    def _diverged(self, what: str) -> TrainingDiverged:
        """Roll the model back to its last good weights and describe what happened."""
        self.result.model.load_state_dict(self.last_good)
        self.result.model.to(memory_format=torch.contiguous_format).eval()
        self.result.seconds = self.tally.seconds
        return TrainingDiverged(
            f"{what}; training stopped and the weights from the last good step were kept. "
            "Try a smaller learning rate, a smaller beta or a KL warm-up.",
            self.result,
        )


def _handed_back(result: TrainResult, seconds: float, config: TrainConfig) -> TrainResult:
    """The finished run: its time, and its model in eval mode, in the usual memory layout, knowing
    how it was trained."""
    result.seconds = seconds
    result.model.to(memory_format=torch.contiguous_format).eval()
    result.model.train_config = config
    return result
