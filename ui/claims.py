"""A lesson's claims, measured: what a step's text says about a model, as a figure the app computes.

A teacher reads a step aloud; if the text says "the mixture prior leaves fewer holes", the Holes page
had better show it. So a lesson file can declare each measurable sentence of a step as a claim:

    [[step.claim]]
    says = "the learnt mixture prior leaves fewer holes than N(0, I)"
    measure = "hole_fraction"
    model = "mixture-2d"
    below = "standard-2d"        # a number, or another model's figure for the same measure

and ``check`` computes it with the very functions the pages draw from (``ui.derived``), so text and
figure cannot part: the tests check every claim of every lesson in lessons/, and the Lesson page
shows the measured figures beside the text. A measure is one function here, declared with
``@measure``; a lesson names it, and nothing else needs to know it exists.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ui import derived, models
from vae_core.losses import bits_per_dimension

Options = Mapping[str, str]


@dataclass(frozen=True)
class Measure:
    name: str
    what: str  # what the figure is, in words a class understands
    unit: str  # shown after the figure: "%", "nats", "of N dimensions", ...
    options: Mapping[str, str]  # the options it takes, with their defaults
    compute: Callable[[models.ActiveModel, Options], float]

    def format(self, value: float) -> str:
        if self.unit == "%":
            return f"{100 * value:.2f} %"
        if float(value).is_integer():
            return f"{int(value)}{' ' + self.unit if self.unit else ''}"
        return f"{value:.3g}{' ' + self.unit if self.unit else ''}"


MEASURES: dict[str, Measure] = {}


def measure(name: str, what: str, unit: str = "", **options: str) -> Callable[..., Any]:
    """Declare a measure a lesson can claim something about, with its options' defaults."""

    def register(compute: Callable[[models.ActiveModel, Options], float]) -> Callable[..., Any]:
        MEASURES[name] = Measure(name, what, unit, options, compute)
        return compute

    return register


# ------------------------------------------------------------------------------------------ measures


@measure("hole_fraction", "the share of prior samples in holes of the aggregate posterior", "%")
def _hole_fraction(active: models.ActiveModel, _options: Options) -> float:
    return derived.holes(active.key, active).fraction


@measure("active_units", "the number of active latent dimensions", "dimensions")
def _active_units(active: models.ActiveModel, _options: Options) -> float:
    return float(derived.usage(active.key, active).active_units)


@measure("kl", "the KL term on the test set", "nats")
def _kl(active: models.ActiveModel, _options: Options) -> float:
    return float(derived.test_figures(active.key, active).kl)


@measure("reconstruction", "the reconstruction term on the test set", "nats")
def _reconstruction(active: models.ActiveModel, _options: Options) -> float:
    return float(derived.test_figures(active.key, active).reconstruction)


@measure("bits_per_dimension", "−log p(x) of the test digits (IWAE) in bits per dimension", "bits")
def _bits_per_dimension(active: models.ActiveModel, _options: Options) -> float:
    """A code length of the 8-bit image only where the likelihood is a probability of 8-bit images:
    NaN otherwise (and when no IWAE figure is stored), so a claim about it cannot hold."""
    figures = derived.test_figures(active.key, active)
    if not active.model.likelihood.normalised_8bit_density or figures.iwae_nll is None:
        return math.nan
    return float(bits_per_dimension(figures.iwae_nll))


@measure("negative_log_likelihood", "−log p(x) of the test digits (IWAE), per image", "nats")
def _negative_log_likelihood(active: models.ActiveModel, _options: Options) -> float:
    """NaN where no IWAE figure is stored, so a claim about it cannot hold."""
    figures = derived.test_figures(active.key, active)
    return math.nan if figures.iwae_nll is None else float(figures.iwae_nll)


@measure(
    "drawn_end_share",
    "the share of the pixels of drawn prior samples x ~ p(x|z) that are exactly black or white",
    "%",
    n="5",
    seed="0",
)
def _drawn_end_share(active: models.ActiveModel, options: Options) -> float:
    """Of the n x n draws the Compare page shows for a seed (``derived.prior_draws``, the same cached pixels)."""
    n, seed = int(options["n"]), int(options["seed"])
    return float(np.isin(derived.prior_draws(active.key, active, n, seed), (0, 255)).mean())


@measure("mid_grey_share", "the share of the inked pixels of decoded prior samples that are mid-grey", n="7", seed="0")
def _mid_grey(active: models.ActiveModel, options: Options) -> float:
    return derived.sample_sharpness(active.key, active, int(options["n"]), int(options["seed"])).mid_grey_share


@measure("edge_strength", "the mean edge gradient of decoded prior samples", "grey levels per pixel", n="7", seed="0")
def _edge(active: models.ActiveModel, options: Options) -> float:
    return derived.sample_sharpness(active.key, active, int(options["n"]), int(options["seed"])).edge_strength


@measure(
    "sample_novelty",
    "the median distance of decoded prior samples to their nearest training image, over that of new test digits",
    "",
    n="7",
    seed="0",
)
def _sample_novelty(active: models.ActiveModel, options: Options) -> float:
    """As the Samples page's two medians show it, from the same cached samples: near 1, the samples are as new as
    digits nobody trained on."""
    images = derived.prior_images(active.key, active, int(options["n"]), int(options["seed"]))
    distances = derived.nearest_training(active.key, active, images)[1]
    return float(np.median(distances) / np.median(derived.training_set_distances(active.model.config.dataset)))


@measure(
    "class_neighbours",
    "the share of test codes whose 5 nearest codes mostly share their label",
    "%",
)
def _class_neighbours(active: models.ActiveModel, _options: Options) -> float:
    return derived.class_neighbours(active.key, active)


def _path(active: models.ActiveModel, options: Options) -> np.ndarray:
    """-ELBO of each decoded step of the linear path between two test digits (CLASS:INDEX)."""
    ends = tuple(tuple(int(v) for v in options[k].split(":")) for k in ("from", "to"))
    return derived.interpolation_scores(active.key, active, ends[0], ends[1], int(options["steps"]))["linear"]


PATH_OPTIONS = {"from": "7:0", "to": "1:0", "steps": "10"}  # two test digits as CLASS:INDEX, as links give them


@measure("path_peak_step", "the step (from 1) where the path's -ELBO is highest", "", **PATH_OPTIONS)
def _path_peak(active: models.ActiveModel, options: Options) -> float:
    return float(np.argmax(_path(active, options)) + 1)


@measure(
    "path_largest_rise",
    "the largest rise of -ELBO from one step of the path to the next",
    "nats",
    **PATH_OPTIONS,
)
def _path_rise(active: models.ActiveModel, options: Options) -> float:
    return float(max(np.diff(_path(active, options)).max(), 0.0))


@measure("auroc", "the AUROC of a score telling a set from the test digits", score="elbo", set="near-blank", fpr="0.05")
def _auroc(active: models.ActiveModel, options: Options) -> float:
    return derived.anomaly_detection(active, options["set"], options["score"], float(options["fpr"])).auroc


@measure("mig", "the mutual information gap of the encoder means against the known factors (sprites)")
def _mig(active: models.ActiveModel, _options: Options) -> float:
    return derived.disentanglement(active.key, active).mig.score


@measure(
    "factor_gap", "one factor's gap in MIG: its best dimension's share of its entropy, less the runner-up's", factor="x"
)
def _factor_gap(active: models.ActiveModel, options: Options) -> float:
    score = derived.disentanglement(active.key, active)
    if options["factor"] not in score.factor_names:
        raise ValueError(f"factor must be one of {', '.join(score.factor_names)} (not {options['factor']!r})")
    return float(score.mig.per_factor[score.factor_names.index(options["factor"])])


@measure("factor_vae_metric", "the FactorVAE metric of the encoder means (votes from seed 0)")
def _factor_vae_metric(active: models.ActiveModel, _options: Options) -> float:
    return derived.disentanglement(active.key, active).factor_vae.eval_accuracy


@measure("total_correlation", "the total correlation of the code at the last epoch (the training probe)", "nats")
def _total_correlation(active: models.ActiveModel, _options: Options) -> float:
    last = active.model.info.last_epoch
    if last is None or last.total_correlation is None:
        raise ValueError(f"{active.name} keeps no KL split in its history")
    return float(last.total_correlation)


# -------------------------------------------------------------------------------------------- claims

COMPARISONS = ("below", "above", "between", "equals")


@dataclass(frozen=True)
class Claim:
    """One sentence of a step, as a comparison: ``measure`` of ``model`` is below / above / between /
    equal to a bound; a bound is a number or the name of another shipped model (its figure)."""

    says: str
    measure: str
    model: str
    comparison: str
    bound: Any  # float, str (a model), or (low, high)
    options: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    claim: Claim
    value: float
    bound_values: tuple[float, ...]
    holds: bool

    def __str__(self) -> str:
        m = MEASURES[self.claim.measure]
        figure = f"{m.format(self.value)} for {self.claim.model}"
        if isinstance(self.claim.bound, str):
            against = f"{m.format(self.bound_values[0])} for {self.claim.bound}"
        else:
            against = " and ".join(m.format(v) for v in self.bound_values)
        word = {"below": "below", "above": "above", "between": "between", "equals": "equal to"}[self.claim.comparison]
        return f"{'✓' if self.holds else '✗'} {self.claim.says}: {figure}, {word} {against}"


def parse(raw: Any) -> tuple[Claim | None, str | None]:
    """A claim from a lesson file's [[step.claim]] table, or what is wrong with it."""
    if not isinstance(raw, dict):
        return None, "a claim must be a table"
    name = raw.get("measure")
    if name not in MEASURES:
        return None, f"a claim's measure must be one of: {', '.join(MEASURES)} (not {name!r})"
    shipped = models.shipped_checkpoints()
    model = raw.get("model")
    if model not in shipped:
        return None, f"claim '{name}' names no shipped model {model!r} (one of: {', '.join(shipped)})"
    given = [c for c in COMPARISONS if c in raw]
    if len(given) != 1:
        return None, f"claim '{name}' needs exactly one of {', '.join(COMPARISONS)}"
    comparison, bound = given[0], raw[given[0]]
    if comparison == "between":
        if not (isinstance(bound, list) and len(bound) == 2 and all(_number(b) for b in bound)):
            return None, f"claim '{name}': between takes two numbers, [low, high]"
        bound = (float(bound[0]), float(bound[1]))
    elif isinstance(bound, str):
        if bound not in shipped:
            return None, f"claim '{name}': {comparison} names no shipped model {bound!r}"
    elif _number(bound):
        bound = float(bound)
    else:
        return None, f"claim '{name}': {comparison} takes a number or a shipped model's name"
    options = raw.get("options", {})
    if not isinstance(options, dict) or set(options) - set(MEASURES[name].options):
        allowed = ", ".join(MEASURES[name].options) or "none"
        return None, f"claim '{name}': options must be a table of {allowed}"
    says = raw.get("says")
    if not isinstance(says, str) or not says.strip():
        return None, f"claim '{name}' needs says = \"the sentence of the text it checks\""
    return Claim(says.strip(), name, model, comparison, bound, {k: str(v) for k, v in options.items()}), None


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def evaluate(claim: Claim) -> Verdict:
    """Measure the claim on the shipped models, with the functions the pages draw from."""
    m = MEASURES[claim.measure]
    options = dict(m.options) | claim.options
    value = m.compute(models.shipped(claim.model), options)
    if isinstance(claim.bound, str):
        bounds: tuple[float, ...] = (m.compute(models.shipped(claim.bound), options),)
    elif isinstance(claim.bound, tuple):
        bounds = claim.bound
    else:
        bounds = (claim.bound,)
    holds = {
        "below": lambda: value < bounds[0],
        "above": lambda: value > bounds[0],
        "between": lambda: bounds[0] <= value <= bounds[1],
        "equals": lambda: math.isclose(value, bounds[0], rel_tol=1e-9, abs_tol=1e-9),
    }[claim.comparison]()
    return Verdict(claim, value, bounds, holds)
