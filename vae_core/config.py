"""Frozen configurations: what a model is, and how it was trained.

Both are plain dataclasses that round-trip through JSON, so a checkpoint can say what it holds
without running any code (the Pythae idea, without the class hierarchy). Every closed set of
choices is one ``Literal`` type below, and the three open ones (the prior, the likelihood, the
dataset) are the registries of vae_core/priors, vae_core/likelihoods and vae_core/data: validation,
the CLI's ``choices`` and the app's option lists all read them through ``field_choices``, so a
choice is written down once.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, fields
from typing import Any, ClassVar, Literal, Self, get_args, get_origin, get_type_hints

Binarize = Literal["none", "dynamic"]
LRSchedule = Literal["constant", "cosine"]
Optimizer = Literal["adam", "adamw"]
Precision = Literal["auto", "float32", "bfloat16"]
TCEstimator = Literal["discriminator", "minibatch"]


def options(choice: Any) -> tuple[str, ...]:
    """The values a ``Literal`` choice allows, in the order written: ``options(Likelihood)``."""
    return get_args(choice)


def field_choices(cls: type, name: str) -> tuple[str, ...] | None:
    """The values field ``name`` of a config class allows, or None for an open one (a number).

    ``prior``, ``likelihood`` and ``dataset`` read their registries now, not at import: a prior registered later
    (a new module, or a test's) is offered by the CLI and accepted by the config with no other change.
    The registries are imported here, not at the top: they import this module's neighbours."""
    if cls is VAEConfig and name == "prior":
        from .priors import prior_names

        return prior_names()
    if cls is VAEConfig and name == "likelihood":
        from .likelihoods import likelihood_names

        return likelihood_names()
    if cls is VAEConfig and name == "dataset":
        from .data import dataset_names

        return dataset_names()
    hint = get_type_hints(cls)[name]
    return get_args(hint) if get_origin(hint) is Literal else None


def _check(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"unknown {name} {value!r}: use one of {', '.join(map(repr, allowed))}")


class _JSON:
    """Round trip through a JSON object of the dataclass's fields; unknown fields are refused.

    A field missing from the JSON takes its value from ``ABSENT`` if listed there, else the default:
    a config stored before a field existed, or before its default changed, was made with the value
    of that time, and must say so when read back (a checkpoint's figures describe its own training).
    """

    ABSENT: ClassVar[dict[str, Any]] = {}

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)  # type: ignore[call-overload]

    @classmethod
    def from_json(cls, text: str) -> Self:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("config must be a JSON object")
        unknown = set(data) - {f.name for f in fields(cls)}  # type: ignore[arg-type]
        if unknown:
            raise ValueError(f"unknown config fields: {sorted(unknown)}")
        return cls(**(cls.ABSENT | data))


@dataclass(frozen=True)
class VAEConfig(_JSON):
    """The model: its shape, its likelihood p(x|z), its prior p(z) and the data it was made for."""

    latent_dim: int = 2
    # p(x|z): a name in vae_core/likelihoods' registry ("bernoulli", "gaussian", "continuous-bernoulli",
    # "discretized-logistic").
    likelihood: str = "bernoulli"
    # Fixed decoder standard deviation for the Gaussian likelihood. sigma^2 = 1/2 makes
    # -log p(x|z) = sum of squared errors + const, the classic "SSE" objective.
    gaussian_sigma: float = math.sqrt(0.5)
    conv_channels: tuple[int, int] = (32, 64)
    hidden: int = 400
    # The training data: a name in vae_core/data's registry ("mnist", "fashion-mnist", "kmnist", "sprites").
    dataset: str = "mnist"
    # "dynamic": train on a fresh Bernoulli sample of each grey-level image every time it is seen
    # (Burda et al. 2015); "none": use the grey levels themselves as targets.
    binarize: Binarize = "none"
    # p(z): a name in vae_core/priors' registry ("standard" N(0, I); "mixture" of K learnt Gaussians;
    # "vamp" the VampPrior, a mixture of the encoder's posteriors at K learnt pseudo-inputs).
    prior: str = "standard"
    prior_components: int = 10
    # Stochastic levels below z (vae_core.hierarchy), their sizes from the top down: () is the one-level VAE;
    # (32,) puts a 32-dimensional z_1 under a latent_dim-dimensional top level z_2, p(z_1 | z_2) learnt.
    lower_levels: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.latent_dim < 1:
            raise ValueError("latent_dim must be at least 1")
        _check("likelihood", self.likelihood, field_choices(VAEConfig, "likelihood") or ())
        _check("binarize", self.binarize, options(Binarize))
        _check("prior", self.prior, field_choices(VAEConfig, "prior") or ())
        _check("dataset", self.dataset, field_choices(VAEConfig, "dataset") or ())
        if not self.gaussian_sigma > 0:
            raise ValueError("gaussian_sigma must be positive")
        if len(self.conv_channels) != 2 or min(self.conv_channels) < 1 or self.hidden < 1:
            raise ValueError("conv_channels must be two positive widths and hidden positive")
        if self.prior_components < 1:
            raise ValueError("prior_components must be at least 1")
        # Bounds far above any sensible model, so a hostile checkpoint header cannot make us allocate
        # terabytes before its weights are even looked at.
        too_large = self.latent_dim > 1024 or self.hidden > 8192 or max(self.conv_channels) > 1024
        if too_large or self.prior_components > 8192:
            raise ValueError("the model is implausibly large (latent_dim <= 1024, hidden <= 8192, channels <= 1024)")
        if len(self.lower_levels) > 8 or any(int(d) < 1 or int(d) > 1024 for d in self.lower_levels):
            raise ValueError("lower_levels: at most 8 levels below the top, each of 1 to 1024 dimensions")
        object.__setattr__(self, "conv_channels", tuple(int(c) for c in self.conv_channels))
        object.__setattr__(self, "lower_levels", tuple(int(d) for d in self.lower_levels))


@dataclass(frozen=True)
class TrainConfig(_JSON):
    """How to train: the optimiser, the schedule and the beta-VAE weight.

    The defaults are the fast path (docs/measurements.md, "Fast by default"): a 5e-3 learning rate
    after a one-epoch warm-up, Adam's beta2 = 0.99 and bfloat16 where the hardware has it. On the
    configurations people train (2-D MNIST, 3 and 10 epochs) they reached the old defaults' test loss
    (1e-3, no warm-up, beta2 = 0.999, float32) sooner for every seed measured. The CLI's flags and the
    Train page's form read their defaults from here.
    """

    epochs: int = 10
    batch_size: int = 128
    learning_rate: float = 5e-3
    beta: float = 1.0
    # FactorVAE's gamma (Kim & Mnih 2018): the weight of the total-correlation penalty, estimated by a
    # discriminator trained alongside (vae_core.factor_vae); 0 is the plain VAE (or beta-VAE).
    tc_weight: float = 0.0
    # How TC(z) is estimated: "discriminator" (FactorVAE's density-ratio trick) or "minibatch" (beta-TCVAE's
    # minibatch-weighted sampling, Chen et al. 2018, whose beta is 1 + tc_weight).
    tc_estimator: TCEstimator = "discriminator"
    # Linear KL annealing: the KL weight rises from 0 to beta over this many epochs.
    kl_warmup_epochs: float = 0.0
    # "cosine": the learning rate decays to 0 along a half cosine over the run (Loshchilov & Hutter
    # 2017), which settles the weights and gains a few nats over a constant rate at the same cost.
    lr_schedule: LRSchedule = "cosine"
    # Linear learning-rate warm-up from 0 over this many epochs (Goyal et al. 2017): lets a large
    # rate be used without the first steps wrecking the freshly initialised network (at 3e-3 without
    # it, the first steps killed the decoder's ReLUs and the model stayed at the mean image).
    lr_warmup_epochs: float = 1.0
    # "adamw" decouples the weight decay from the gradient step (Loshchilov & Hutter 2019); with
    # weight_decay 0.01 (PyTorch's default for AdamW) it is the classic tutorial recipe's optimiser.
    optimizer: Optimizer = "adam"
    weight_decay: float = 0.0
    # Adam's decay rates for its running mean and mean square of the gradient. (0.9, 0.999) is the
    # paper's default; beta2 = 0.99 forgets the large gradients of the first steps ten times sooner,
    # so the steps stay larger later on.
    adam_betas: tuple[float, float] = (0.9, 0.99)
    seed: int = 0
    device: str = "auto"
    # "bfloat16": mixed precision (torch.autocast) for CPUs with native bfloat16 (AVX512-BF16, AMX)
    # and GPUs: layers compute in bfloat16; weights, optimiser and the bound stay float32. "auto"
    # picks bfloat16 where the device supports it natively (train.resolve_precision), else float32.
    precision: Precision = "auto"

    # Stored configs without these fields were trained with these values: the defaults before issue
    # 17 made the fast path the default (the shipped mnist-2d and mnist-32d store no betas, warm-up or
    # precision), and fields that did not exist yet then.
    ABSENT: ClassVar[dict[str, Any]] = {
        "learning_rate": 1e-3,
        "lr_warmup_epochs": 0.0,
        "optimizer": "adam",
        "weight_decay": 0.0,
        "adam_betas": (0.9, 0.999),
        "precision": "float32",
    }

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 1:
            raise ValueError("epochs and batch_size must be at least 1")
        if not self.learning_rate > 0 or self.beta < 0 or self.kl_warmup_epochs < 0 or self.lr_warmup_epochs < 0:
            raise ValueError("learning_rate must be positive; beta and the warm-up epochs not negative")
        if self.weight_decay < 0 or self.tc_weight < 0:
            raise ValueError("weight_decay and tc_weight must not be negative")
        _check("lr_schedule", self.lr_schedule, options(LRSchedule))
        _check("optimizer", self.optimizer, options(Optimizer))
        _check("precision", self.precision, options(Precision))
        _check("tc_estimator", self.tc_estimator, options(TCEstimator))
        if len(self.adam_betas) != 2 or not all(0 <= b < 1 for b in self.adam_betas):
            raise ValueError("adam_betas must be two numbers in [0, 1)")
        object.__setattr__(self, "adam_betas", tuple(float(b) for b in self.adam_betas))

    @property
    def method(self) -> str:
        """The objective by its paper's name: "VAE" (β = 1), "β-VAE", or, with a total-correlation penalty,
        "FactorVAE" (TC estimated by a discriminator) or "β-TCVAE" (by minibatch-weighted sampling)."""
        if self.tc_weight > 0:
            return "FactorVAE" if self.tc_estimator == "discriminator" else "β-TCVAE"
        return "VAE" if self.beta == 1 else "β-VAE"
