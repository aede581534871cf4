"""Anomaly scores from a VAE, and how well they tell its data from what it never learnt.

A VAE trained on digits gives a digit a high ELBO: its code is near the prior and the decoder draws it
back well. An image it never learnt should get a low one, so -ELBO (or any estimate of -log p(x))
is an anomaly score: higher is more anomalous. Scores here, in nats per image:

- ``elbo``: -ELBO(x), the model's one-sample estimate (``VAE.elbo_terms``: the one place it is computed).
- ``iwae``: -log p(x) estimated by the IWAE bound with k samples (Burda et al. 2015).
- ``reconstruction``: -log p(x|z) alone, one sample z ~ q(z|x): how badly the decoder redraws x.
- ``complexity``: the ``iwae`` score minus L(x), the image's lossless compressed length in nats
  (Serrà et al. 2020, "Input complexity and out-of-distribution detection with likelihood-based
  generative models"): S(x) = -log p(x) - L(x).
- ``typicality``: |-log p(x) - H|, how far the ``iwae`` score lies from H, the mean -log p(x) of the
  model's own held-out test images (Nalisnick et al. 2019, "Detecting out-of-distribution inputs to deep
  generative models using typicality", their test with one input, M = 1). Chosen as the new score
  because it needs no second model: an image far too *likely* is flagged as surely as one far too
  unlikely, which is exactly the near-blank pitfall below, and it holds for every likelihood, true
  density or not. H is the entropy of the model's data as the model sees it; the caller gives it
  (``typical_nll``), computed on the held-out half that also sets the thresholds, as Nalisnick et al.
  use one validation set for both.

Why the correction: likelihood models can give *higher* likelihood to simple images they never saw
(a blank page, a flat grey) than to their own data (Nalisnick et al. 2019, "Do deep generative models
know what they don't know?"), because -log p(x) is dominated by how much information x holds, not by
how typical it is. A general-purpose lossless compressor is a crude model of *all* images; its code
length L(x) = -log2 p0(x) bits measures that complexity, and S(x) = -log p(x) + log p0(x) is a
log-likelihood ratio: how much worse the VAE explains x than a generic image model does.

**The compressor** is PNG (Pillow, deflate at level 9 after PNG's per-row prediction filters), as in
Serrà et al.: a standard lossless image format, deterministic and on every machine. L(x) is the whole
file's length (bits x ln 2 = nats), a code length a real encoder achieves. Its constant container
overhead (signature and chunk headers) shifts every score alike, so no ranking or AUROC depends on it.
It is computed on **the image the model scores**: for grey-level models the 8-bit image; for models
trained on binarised images (``binarize="dynamic"``), whose likelihood is a probability of *binary*
images, the binarised sample the model sees, as a 1-bit PNG, so that both terms measure the same
object. For grey-level Bernoulli models -log p(x) is the cross-entropy (not a normalised density over
8-bit images), so S(x) is then a heuristic ratio rather than an exact one.

Random numbers come from ``random_state`` (vae_core.randomness): an int makes fresh generators (one
for the binarisation, one for the ELBO sample, one for the IWAE draws, so a score is the same
whichever others are computed with it); a generator of the caller's own supplies every draw in turn.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import torch
from PIL import Image
from torch import Tensor

from .config import options
from .evaluate import elbo_per_image, iwae_log_likelihood, prepare_inputs
from .images import to_uint8
from .losses import ELBOTerms
from .model import VAE
from .ood import DEFAULT_IMAGES, SEED, in_distribution, ood_set
from .randomness import RandomState, generator_for

Score = Literal["elbo", "iwae", "reconstruction", "complexity", "typicality"]
SCORES: tuple[str, ...] = options(Score)
LIKELIHOOD_SCORES = ("elbo", "iwae")  # raw (bounds on) the likelihood: where Nalisnick et al.'s pitfall lives
IWAE_SCORES = ("iwae", "complexity", "typicality")  # need the k-sample IWAE estimate: the costly ones
ALONE_SCORES = tuple(s for s in SCORES if s != "typicality")  # what a set of images can be scored by on its own
DEFAULT_K = 100
DEFAULT_FPR = 0.05


def compressed_length(images: Tensor, binary: bool = False) -> Tensor:
    """L(x) in nats: the length of each image saved as a PNG at zlib level 9 (bits x ln 2).

    ``images``: uint8 N x 28 x 28 grey levels, or float in [0, 1] (N x 28 x 28 or N x 1 x 28 x 28),
    rounded to 8 bits. ``binary``: save as a 1-bit PNG (pixels above mid-grey are white), the format
    for binary images."""
    lengths = []
    for image in to_uint8(images.reshape(images.shape[0], *images.shape[-2:])):
        buffer = io.BytesIO()
        picture = Image.fromarray(image > 127) if binary else Image.fromarray(image)
        picture.save(buffer, "PNG", compress_level=9)
        lengths.append(8 * buffer.tell() * math.log(2))
    return torch.tensor(lengths)


def model_inputs(model: VAE, images: Tensor, *, random_state: RandomState = SEED) -> Tensor:
    """What the model scores: uint8 images prepared as it was trained (binarised once with
    ``random_state`` for binarised models: ``prepare_inputs``); float N x 1 x 28 x 28 images are taken
    as prepared."""
    if images.dtype == torch.uint8:
        return prepare_inputs(model, images, random_state=random_state)
    x = images.float()
    return x if x.dim() == 4 else x.unsqueeze(1)


def score_many(
    model: VAE,
    images: Tensor,
    *,
    scores: Sequence[str] = ALONE_SCORES,
    k: int = DEFAULT_K,
    random_state: RandomState = SEED,
    typical_nll: float | None = None,
) -> dict[str, Tensor]:
    """Several scores of the same images (higher = more anomalous), each N values on the CPU, with
    the shared work done once: ``elbo`` and ``reconstruction`` come from the same posterior sample,
    ``complexity`` and ``typicality`` reuse the ``iwae`` estimate. ``typicality`` needs ``typical_nll``,
    H above: the mean ``iwae`` score of the model's own held-out images (``typical_negative_log_likelihood``).

    ``images``: uint8 N x 28 x 28 (prepared as the model was trained) or float N x 1 x 28 x 28 taken
    as prepared. Runs on the model's device. ``random_state``: an int seeds a fresh generator for each
    part; a generator (on that device) supplies every draw in turn.
    """
    unknown = set(scores) - set(SCORES)
    if unknown:
        raise ValueError(f"unknown score {sorted(unknown)[0]!r}: choose from {', '.join(SCORES)}")
    if k < 1:
        raise ValueError("k must be at least 1")
    if "typicality" in scores and typical_nll is None:
        raise ValueError("the typicality score needs typical_nll, the mean -log p(x) of the model's held-out images")
    model.eval()
    x = model_inputs(model, images, random_state=random_state)

    def draws() -> torch.Generator | None:
        return generator_for(random_state, model.device)

    out: dict[str, Tensor] = {}
    if {"elbo", "reconstruction"} & set(scores):
        terms = elbo_per_image(model, x, random_state=draws())
        out["elbo"], out["reconstruction"] = terms.negative_elbo, terms.reconstruction
    if set(IWAE_SCORES) & set(scores):
        out["iwae"] = -iwae_log_likelihood(model, x, k, random_state=draws())
        if "complexity" in scores:
            out["complexity"] = out["iwae"] - compressed_length(x, binary=model.config.binarize == "dynamic")
        if "typicality" in scores:
            out["typicality"] = typicality(out["iwae"], typical_nll)  # type: ignore[arg-type] # checked above
    return {name: out[name] for name in scores}


def typicality(negative_log_likelihood: Tensor, typical_nll: float) -> Tensor:
    """|-log p(x) - H|: the distance from the typical set's level (Nalisnick et al. 2019, M = 1)."""
    return (negative_log_likelihood - typical_nll).abs()


def typical_negative_log_likelihood(held_out_iwae: Tensor | np.ndarray) -> float:
    """H, the typical set's level: the mean ``iwae`` score of the model's own held-out test images."""
    return float(np.mean(np.asarray(held_out_iwae, dtype=np.float64)))


def anomaly_scores(
    model: VAE,
    images: Tensor,
    *,
    score: str = "elbo",
    k: int = DEFAULT_K,
    random_state: RandomState = SEED,
    typical_nll: float | None = None,
) -> Tensor:
    """One score per image, higher = more anomalous, in nats: ``elbo`` (-ELBO), ``iwae`` (-log p(x)
    by IWAE with k samples), ``reconstruction`` (-log p(x|z), one sample), ``complexity`` (the IWAE
    score minus the PNG length, Serrà et al. 2020) or ``typicality`` (|IWAE score - typical_nll|,
    Nalisnick et al. 2019). See ``score_many`` for the inputs and the draws."""
    return score_many(model, images, scores=(score,), k=k, random_state=random_state, typical_nll=typical_nll)[score]


# ----------------------------------------------------------------------------------------- uploads
# An upload (a photo, a drawing) is scored exactly as the reference test digits are, so that a
# percentile compares like with like and every page shows the same figure for the same image:
# the preprocessed image rounded to 8 bits (the test digits are stored as uint8; the rounding alone
# moved a photo's -ELBO by up to a few nats), prepared with ``model_inputs``, and scored alone with a
# generator seeded ``random_state`` (in a batch, an image's posterior draw depends on its place in the batch).


def upload_pixels(images: Tensor) -> Tensor:
    """Preprocessed images (float in [0, 1], N x 28 x 28 or N x 1 x 28 x 28) as uint8 N x 28 x 28: the
    form the reference test digits are stored in."""
    pixels = images.reshape(images.shape[0], *images.shape[-2:])
    return pixels if pixels.dtype == torch.uint8 else torch.from_numpy(to_uint8(pixels))


@dataclass(frozen=True)
class UploadELBO:
    """One upload's -ELBO as the model scores it: ``x`` the model's input (1 x 1 x 28 x 28) and
    ``terms`` its bound from one posterior sample (the ``elbo`` score of ``score_each``)."""

    x: Tensor
    terms: ELBOTerms

    @property
    def negative_elbo(self) -> float:
        return float(self.terms.negative_elbo[0])


def upload_elbo(model: VAE, image: Tensor, *, random_state: int = SEED) -> UploadELBO:
    """The ``elbo`` score of one preprocessed image (float 1 x 28 x 28 or 28 x 28 in [0, 1]), with its
    parts: the same figure ``score_each`` gives it, whatever else is scored beside it."""
    model.eval()
    x = model_inputs(model, upload_pixels(image.reshape(1, *image.shape[-2:])), random_state=random_state)
    terms = elbo_per_image(model, x, random_state=random_state)
    return UploadELBO(x, terms)


def score_each(
    model: VAE,
    images: Tensor,
    *,
    scores: Sequence[str] = ALONE_SCORES,
    k: int = DEFAULT_K,
    random_state: int = SEED,
    typical_nll: float | None = None,
) -> dict[str, Tensor]:
    """``score_many`` of each image alone (uploads, drawings): an image's score does not depend on
    which images are scored with it. Float images are rounded to 8 bits first (``upload_pixels``)."""
    pixels = upload_pixels(images)
    each = [
        score_many(model, pixels[i : i + 1], scores=scores, k=k, random_state=random_state, typical_nll=typical_nll)
        for i in range(len(pixels))
    ]
    return {s: torch.cat([e[s] for e in each]) if each else torch.empty(0) for s in scores}


def share_below(reference: np.ndarray, value: float) -> float:
    """The fraction of the ``reference`` scores strictly below ``value``: "less typical than this
    share of the test digits" when the reference is the test digits' scores."""
    return float((np.asarray(reference) < value).mean())


# ---------------------------------------------------------------------------------------- metrics


def threshold_at_fpr(reference: np.ndarray, fpr: float = DEFAULT_FPR) -> float:
    """The lowest threshold t with at most a fraction ``fpr`` of the in-distribution ``reference``
    scores above it: flagging x when score(x) > t then raises false alarms on at most that fraction
    of the reference images (and, on new in-distribution data, about that fraction)."""
    if not 0 < fpr < 1:
        raise ValueError("the false-positive rate must be between 0 and 1")
    ordered = np.sort(np.asarray(reference, dtype=np.float64))
    return float(ordered[math.ceil((1 - fpr) * len(ordered)) - 1])


@dataclass(frozen=True)
class Detection:
    """How one score separates an out-of-distribution set (the positives) from in-distribution data.

    ``auroc``: the chance that a random out-of-distribution image scores higher than a random
    in-distribution one (0.5 is chance; below 0.5 the set looks *more* typical than the data).
    ``average_precision``: the area under the precision-recall curve with the set as positives.
    ``threshold``: chosen on held-out in-distribution scores at the false-positive rate ``fpr``;
    ``detected``: the fraction of the set above it; ``false_alarms``: the fraction of the evaluation
    in-distribution images above it (near ``fpr`` when the held-out data are like them)."""

    auroc: float
    average_precision: float
    threshold: float
    fpr: float
    detected: float
    false_alarms: float


def roc(in_scores: np.ndarray, out_scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(false-positive rates, true-positive rates, thresholds) of scikit-learn's ``roc_curve``, with the
    out-of-distribution images as positives."""
    from sklearn.metrics import roc_curve

    labels, scores = _labelled(in_scores, out_scores)
    return roc_curve(labels, scores)


def detection(
    in_scores: np.ndarray, out_scores: np.ndarray, held_out_scores: np.ndarray, fpr: float = DEFAULT_FPR
) -> Detection:
    """AUROC and average precision (scikit-learn) of in- against out-of-distribution scores, and the
    outcome at the threshold chosen on held-out in-distribution scores at false-positive rate ``fpr``."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    labels, scores = _labelled(in_scores, out_scores)
    threshold = threshold_at_fpr(held_out_scores, fpr)
    return Detection(
        auroc=float(roc_auc_score(labels, scores)),
        average_precision=float(average_precision_score(labels, scores)),
        threshold=threshold,
        fpr=fpr,
        detected=float((np.asarray(out_scores) > threshold).mean()),
        false_alarms=float((np.asarray(in_scores) > threshold).mean()),
    )


def _labelled(in_scores: np.ndarray, out_scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    in_scores, out_scores = np.asarray(in_scores, np.float64), np.asarray(out_scores, np.float64)
    labels = np.concatenate([np.zeros(len(in_scores)), np.ones(len(out_scores))])
    return labels, np.concatenate([in_scores, out_scores])


# -------------------------------------------------------------------------------------- benchmark


@dataclass(frozen=True)
class Benchmark:
    """Every score on every set: ``results[set][score]`` is a ``Detection``, ``scores[set][score]`` the
    raw scores (``"in-distribution"`` and ``"held-out"`` included)."""

    sets: tuple[str, ...]
    score_names: tuple[str, ...]
    images: int
    k: int
    fpr: float
    seed: int
    results: dict[str, dict[str, Detection]]
    scores: dict[str, dict[str, np.ndarray]] = field(repr=False)

    def table(self, metric: str = "auroc") -> list[list[str | float]]:
        """Rows of [set, one figure per score]: the AUROC table by default."""
        return [[s, *(getattr(self.results[s][n], metric) for n in self.score_names)] for s in self.sets]


def benchmark(
    model: VAE,
    sets: Sequence[str],
    scores: Sequence[str] = SCORES,
    images: int = DEFAULT_IMAGES,
    k: int = DEFAULT_K,
    fpr: float = DEFAULT_FPR,
    seed: int = SEED,
    root: str | None = None,
    on_set: Callable[[str], None] | None = None,
) -> Benchmark:
    """Score the model's own test images (the evaluation and held-out halves, ``images`` each) and
    every named out-of-distribution set (``images`` each), and judge each score on each set.
    ``on_set(name)`` is called as each set is done (progress)."""
    dataset = model.config.dataset
    reference = in_distribution(images, dataset, seed, root)
    # Typicality needs H, the held-out images' mean iwae score: every set is scored without it (with iwae), then
    # it is added from the iwae column once the held-out half has been scored, so no set is scored twice.
    alone = [s for s in scores if s != "typicality"] + (["iwae"] if "typicality" in scores else [])
    each: dict[str, dict[str, Tensor]] = {}
    named = [("in-distribution", reference.images), ("held-out", reference.held_out)]
    for name, data in (*named, *((s, ood_set(s, images, dataset, seed, root)) for s in sets)):
        each[name] = score_many(model, data, scores=list(dict.fromkeys(alone)), k=k, random_state=seed)
        if on_set is not None:
            on_set(name)
    if "typicality" in scores:
        typical_nll = typical_negative_log_likelihood(each["held-out"]["iwae"])
        for figures in each.values():
            figures["typicality"] = typicality(figures["iwae"], typical_nll)
    scored = {name: {s: figures[s].numpy() for s in scores} for name, figures in each.items()}
    results = {
        name: {s: detection(scored["in-distribution"][s], scored[name][s], scored["held-out"][s], fpr) for s in scores}
        for name in sets
    }
    return Benchmark(tuple(sets), tuple(scores), images, k, fpr, seed, results, scored)
