"""Data derived from a model, computed once and cached: test-set encodings and scores, decoded
grids, 2-D projections (the files the browser fetches are ui.browser_files').

Each function takes the ``ActiveModel`` (unhashed, as ``_active``) and its ``key``, which names the
weights, so a cache entry can never outlive the model it was computed from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import streamlit as st

import vae_core as vc  # imports no torch until a name in it is used (vae_core/__init__.py)
from ui import links
from ui.models import ActiveModel
from ui.state import Key

if TYPE_CHECKING:
    import pandas as pd
    import torch

# The explorer's grid as a page first opens (its link parameters declare it): what the server warms at start-up.
GRID_SIZE, GRID_EXTENT = links.default(Key.GRID_N), links.default(Key.GRID_EXTENT)


def tensor(data: Any) -> torch.Tensor:
    """``data`` as a tensor: an array's memory shared, numbers as float32 (``torch.as_tensor``). torch is
    imported here, when first needed, not with this module: the explorer imports this module and sends its
    first view before it needs torch (docs/performance.md, "Start-up")."""
    import torch

    return torch.as_tensor(data)


def dataset(name: str, train: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """A whole split, loaded once per process (vae_core caches it) and shared by all sessions."""
    return vc.load_dataset(name, train=train)


def test_set(active: ActiveModel) -> tuple[torch.Tensor, torch.Tensor]:
    return dataset(active.model.config.dataset, False)


# On disk too, so a restarted server opens the explorer without re-encoding (keys are content-unique:
# shipped path + mtime, upload digest, or a per-training uuid).
@st.cache_data(show_spinner="Encoding the test set ...", max_entries=8, persist="disk")
def encoded_test(key: str, _active: ActiveModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(means N x D, log-variances N x D, labels N) of the whole test split."""
    images, labels = test_set(_active)
    means, logvars = vc.encode_dataset(_active.model, images)
    return means.numpy(), logvars.numpy(), labels.numpy()


def first_of_each_class(active: ActiveModel, n: int) -> tuple[int, ...]:
    """Test-set indices: the first image of each class, then, for a dataset of fewer than ``n`` classes
    (sprites: 3 shapes), the next images in order, up to ``n``."""
    labels = test_set(active)[1].numpy()
    firsts = [int(np.flatnonzero(labels == c)[0]) for c in np.unique(labels)][:n]
    others = [i for i in range(n) if i not in firsts]  # within the first n, at least n - len(firsts) are others
    return tuple(firsts + others[: n - len(firsts)])


@st.cache_data(show_spinner="Scoring the test digits ...", max_entries=8)
def test_negative_elbos(key: str, _active: ActiveModel) -> np.ndarray:
    """-ELBO of every test image (one posterior sample, seed 0): the reference for percentiles."""
    x = vc.prepare_inputs(_active.model, test_set(_active)[0])
    return vc.elbo_per_image(_active.model, x, random_state=0).negative_elbo.numpy()


@st.cache_data(show_spinner=False, max_entries=64)
def manifold(
    key: str,
    _active: ActiveModel,
    n: int,
    extent: float,
    spacing: str,
    dims: tuple[int, int],
    base: tuple[float, ...] | None,
) -> np.ndarray:
    """The decoded n x n grid as a uint8 image; decoding 400 images costs ~30-200 ms, so it is cached."""
    base_tensor = None if base is None else tensor(base)
    return vc.to_uint8(vc.decode_grid(_active.model, n=n, extent=extent, spacing=spacing, dims=dims, base=base_tensor))


@st.cache_data(show_spinner="Projecting to 2-D ...", max_entries=8)
def projection(key: str, _active: ActiveModel, method: str, points: int) -> tuple[np.ndarray, np.ndarray, Any]:
    """(2-D coordinates, indices of the test images shown, PCA used for projecting new points or None);
    ``method``: "pca" or "tsne" (of the first ``points`` test images)."""
    means = encoded_test(key, _active)[0]
    if means.shape[1] == 2:
        return means, np.arange(len(means)), None
    # Imported only when a projection is needed: scikit-learn takes 1-6 s to import on the 2-core machine.
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    idx = np.arange(min(points, len(means)))
    if method == "pca":
        pca = PCA(n_components=2, random_state=0).fit(means)
        return pca.transform(means[idx]), idx, pca
    coords = TSNE(n_components=2, init="pca", random_state=0, perplexity=30).fit_transform(means[idx])
    return coords, idx, None


@st.cache_data(show_spinner=False, max_entries=16)
def usage(key: str, _active: ActiveModel) -> vc.latent.DimensionUsage:
    """How the model uses each latent dimension on the test split, by vae_core.usage's one definition
    (active: at least ACTIVE_UNIT_NATS nats), on the inputs the CLI's evaluation sees: every page's
    bars, rows and counts read this, so they agree with each other and with ``python -m vae_core evaluate``."""
    return vc.latent.usage_on(_active.model, test_set(_active)[0])


def most_used_pair(active: ActiveModel) -> tuple[int, int]:
    """The two latent dimensions a plane shows for this model, in order: its two for a 2-D model, else the
    two that carry the most nats on the test split (``usage``)."""
    if active.model.latent_dim <= 2:
        return (0, 1)
    first, second = sorted(usage(active.key, active).order[:2])
    return first, second


# A shipped model's ``dimension_usage``, kept with its card (ui.cards); the name changes with its definition.
USAGE_PART = "usage-v1.json"


def dimension_usage(key: str, _active: ActiveModel) -> tuple[np.ndarray, str]:
    """How many nats each latent dimension carries on the test split, and what the figure is: the KL
    of q(z_d|x) to N(0, 1) for the standard normal prior, else the information 1/2 log(1 + Var μ / E σ²)
    (the KL of one dimension is not defined against a joint prior).

    A shipped model's figures are kept with its card: the explorer orders a model's dimensions by them to
    choose the two its pad shows, so with them kept a model of more than two dimensions has its pad drawn
    before the model is loaded, as a 2-D one has (docs/performance.md, "Start-up")."""

    def make() -> bytes:
        found = usage(key, _active)
        return json.dumps({"nats": found.nats.tolist(), "what": found.what}).encode()

    def read(data: bytes) -> tuple[np.ndarray, str]:
        kept = json.loads(data)
        nats = np.asarray(kept["nats"], dtype=np.float32)  # float32's values, as JSON wrote them: exactly
        if nats.shape != (_active.card.latent_dim,):
            raise ValueError("not this model's usage")
        return nats, str(kept["what"])

    return _active.kept(USAGE_PART, make, read)


@st.cache_data(show_spinner=False, max_entries=32)
def traversal_rows(
    key: str, _active: ActiveModel, dims: tuple[int, ...], steps: int, base: tuple[float, ...] | None
) -> np.ndarray:
    """Decoded traversals as uint8, len(dims) x steps x 28 x 28 (vae_core.latent.traversals)."""
    base_tensor = None if base is None else tensor(base)
    return vc.to_uint8(vc.latent.traversals(_active.model, list(dims), steps, base_tensor))


def disentanglement(key: str, _active: ActiveModel) -> vc.Disentanglement:
    """MIG, the FactorVAE metric (votes from seed 0) and each dimension's role, on every image of a
    model's dataset with known factors (sprites): what ``python -m vae_core disentanglement`` prints."""
    return _disentanglement(key, _active, vc.disentanglement.SCORE_VERSION)


# On disk too: encoding all 35,280 sprites takes about 5 s, and a shipped model's answer never changes.
@st.cache_data(show_spinner="Scoring the code against the known factors ...", max_entries=16, persist="disk")
def _disentanglement(key: str, _active: ActiveModel, version: int) -> vc.Disentanglement:
    return vc.score_disentanglement(_active.model, random_state=0)


def holes(key: str, _active: ActiveModel) -> vc.latent.Holes:
    """The hole fraction of the test set's aggregate posterior against the model's prior."""
    return _holes(key, _active, vc.latent.HOLES_VERSION)


# On disk too: the hole fraction takes seconds (200 million Gaussian densities) and a shipped
# model's answer never changes. Streamlit keys an entry on this function's own source and the
# arguments passed, not on the library code it calls: ``version`` keeps an old answer from
# outliving a change to vae_core.latent.find_holes.
@st.cache_data(show_spinner="Measuring where the prior and the codes disagree ...", max_entries=8, persist="disk")
def _holes(key: str, _active: ActiveModel, version: int) -> vc.latent.Holes:
    means, logvars, _ = encoded_test(key, _active)
    mu, logvar = tensor(means), tensor(logvars)
    return vc.latent.find_holes(_active.model.prior, mu, logvar)


def map_extent(active: ActiveModel) -> float:
    """The half-width of a 2-D model's density maps (Holes, What each level encodes): the 99.5 % quantile of
    |code| over the test digits' encoder means and the hole test's prior samples, rounded up to half a unit,
    and half a unit more, so the data and the prior both fit with a margin."""
    codes = np.concatenate([encoded_test(active.key, active)[0], holes(active.key, active).samples.numpy()])
    return float(np.ceil(2 * np.quantile(np.abs(codes), 0.995)) / 2 + 0.5)


@st.cache_data(show_spinner="Mapping the two densities ...", max_entries=8, persist="disk")  # 2 s; restarts too
def density(key: str, _active: ActiveModel, extent: float, n: int) -> vc.latent.DensityMap:
    """log q(z) and log p(z) on an n x n grid over [-extent, extent]^2 (2-D models)."""
    means, logvars, _ = encoded_test(key, _active)
    return vc.latent.density_map(_active.model.prior, tensor(means), tensor(logvars), extent, n)


@st.cache_data(show_spinner="Evaluating on the test set ...", max_entries=16)
def test_figures(key: str, _active: ActiveModel) -> vc.Evaluation:
    """The model's test figures: those stored in its checkpoint (``info.test``) when present,
    else computed now on the whole test split (ELBO and its parts, activity, active units; no IWAE)."""
    stored = _active.model.info.test
    return stored if stored is not None else vc.evaluate(_active.model, test_set(_active)[0])


@st.cache_data(show_spinner="Measuring each level's share of the bound ...", max_entries=8)
def level_usage(key: str, _active: ActiveModel) -> tuple[vc.hierarchy.LevelUsage, ...]:
    """A hierarchical model's KL term and active units per level on the whole test split (seed 0)."""
    return vc.hierarchy.level_usage(_active.model, test_set(_active)[0], random_state=0)


@st.cache_data(show_spinner=False, max_entries=32)
def held_levels(key: str, _active: ActiveModel, index: int, n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """For test image ``index`` of a hierarchical model: n decodes holding the top code and drawing the levels
    below, and n holding the levels below and drawing the top (vae_core.hierarchy), as pixel means."""
    x = vc.prepare_inputs(_active.model, test_set(_active)[0][index : index + 1])
    path = vc.hierarchy.posterior_means(_active.model, x)[0]
    return (
        vc.hierarchy.hold_top(_active.model, path, n, random_state=seed),
        vc.hierarchy.hold_lower(_active.model, path, n, random_state=seed),
    )


@st.cache_data(show_spinner=False, max_entries=256)
def decoded(key: str, _active: ActiveModel, z: tuple[float, ...]) -> np.ndarray:
    """The decoder's mean E[x|z] at one code, as 28 x 28 grey levels (uint8). Kept, so a switch back to the
    explorer decodes nothing for the point it left; a new point costs one decode either way."""
    return vc.to_uint8(vc.decode(_active.model, tensor([z]))[0])


@st.cache_data(show_spinner=False, max_entries=32)
def prior_images(
    key: str, _active: ActiveModel, n: int, seed: int, temperature: float = 1.0, pixels: bool = False
) -> np.ndarray:
    """The n * n images ``vc.sample_prior`` decodes from z ~ p(z) with generator ``seed`` and ``temperature``
    (floats in [0, 1], N x 28 x 28): the means E[x|z], or with ``pixels`` draws x ~ p(x|z). Kept, so a page
    switch back to Samples, or a change of anything but the codes, decodes nothing (64 images: ~40 ms)."""
    images = vc.sample_prior(_active.model, n * n, random_state=seed, temperature=temperature, pixels=pixels)
    return (images[:, 0] if images.dim() == 4 else images).numpy()


@st.cache_data(show_spinner=False, max_entries=32)
def prior_samples(
    key: str, _active: ActiveModel, n: int, seed: int, temperature: float = 1.0, pixels: bool = False
) -> np.ndarray:
    """``prior_images`` tiled n x n with 2-pixel gaps, as uint8."""
    return vc.to_uint8(vc.tile(tensor(prior_images(key, _active, n, seed, temperature, pixels)), n, pad=2))


def prior_draws(key: str, _active: ActiveModel, n: int, seed: int) -> np.ndarray:
    """The codes of ``prior_samples(key, _active, n, seed)``, each decoded as a draw x ~ p(x|z) by the model's
    likelihood rather than as its mean: n * n images of 28 x 28 grey levels (uint8), untiled, so that a
    lesson's measure reads the very pixels the Compare page tiles."""
    return vc.to_uint8(prior_images(key, _active, n, seed, pixels=True))


@st.cache_data(show_spinner=False, max_entries=32)
def prior_parameters(
    key: str, _active: ActiveModel, n: int, seed: int, temperature: float = 1.0
) -> dict[str, tuple[np.ndarray, float, float]]:
    """The likelihood's own parameters (``Likelihood.parameter_images``) for the n x n codes z ~ p(z) drawn with
    ``seed`` and ``temperature`` (vae_core.sample_prior_parameters; at 1, those of ``prior_samples``): by label,
    (the tile stretched from its least to its greatest value over black to white, as uint8 with 2-pixel gaps,
    that least, that greatest). Empty where the mean says it all."""
    shown = {}
    drawn = vc.sample_prior_parameters(_active.model, n * n, random_state=seed, temperature=temperature)
    for label, images in drawn.items():
        low, high = float(images.min()), float(images.max())
        stretched = (images - low) / max(high - low, 1e-12)
        shown[label] = (vc.to_uint8(vc.tile(stretched, n, pad=2)), low, high)
    return shown


@st.cache_data(show_spinner=False, max_entries=32)
def reconstructions(key: str, _active: ActiveModel, indices: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(inputs, reconstructions through the posterior mean) of the given test images, each uint8 N x 28 x 28.
    Inputs are as the model sees them (binarised with a fixed seed for binarised models)."""
    x = vc.prepare_inputs(_active.model, test_set(_active)[0][list(indices)])
    return vc.to_uint8(x[:, 0]), vc.to_uint8(vc.reconstruct(_active.model, x))


# Anomaly detection: the CLI's sets, images and seeds (so the cheap columns match its table exactly),
# but the IWAE with k = 10 instead of 100: a tenth of the time for a bound about a nat looser on the
# test digits (0.95 nats for both shipped models), which moves their AUROCs by at most 0.03 (the
# 2-D model's IWAE on near-blank images: 0.185 against 0.155) and all others by under 0.01.
ANOMALY_IMAGES = 1000
ANOMALY_K = 10
IN_DISTRIBUTION, HELD_OUT = "in-distribution", "held-out"  # the model's own test images, as in vae_core.anomaly


def anomaly_sets(active: ActiveModel) -> list[str]:
    """The out-of-distribution sets that can be built for this model here (nothing is downloaded)."""
    return vc.ood.available_sets(active.model.config.dataset)


@st.cache_data(show_spinner="Building the image sets ...", max_entries=32, persist="disk")
def anomaly_images(dataset: str, name: str) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """(uint8 images, labels or None, test-split indices or None) of a set of the suite: an
    out-of-distribution set, or the model's own test images (``IN_DISTRIBUTION``, ``HELD_OUT``)."""
    if name in (IN_DISTRIBUTION, HELD_OUT):
        reference = vc.ood.in_distribution(ANOMALY_IMAGES, dataset)
        if name == HELD_OUT:
            return reference.held_out.numpy(), None, reference.held_out_indices.numpy()
        return reference.images.numpy(), reference.labels.numpy(), reference.indices.numpy()
    return vc.ood.ood_set(name, ANOMALY_IMAGES, dataset).numpy(), None, None


# On disk too: the IWAE columns take tens of seconds per model, worth keeping across restarts.
@st.cache_data(show_spinner="Scoring the images with the model ...", max_entries=256, persist="disk")
def _anomaly_scores(key: str, _active: ActiveModel, name: str, iwae: bool) -> dict[str, np.ndarray]:
    """Every score of one family for one set: the IWAE-based ones, or the one-sample ones (which cost
    a single encoder and decoder pass). Typicality measures from the held-out images' mean IWAE score."""
    family = vc.anomaly.IWAE_SCORES if iwae else tuple(s for s in vc.anomaly.SCORES if s not in vc.anomaly.IWAE_SCORES)
    images = tensor(anomaly_images(_active.model.config.dataset, name)[0])
    scores = vc.anomaly.score_many(_active.model, images, scores=[s for s in family if s != "typicality"], k=ANOMALY_K)
    if "typicality" in family:
        level = scores["iwae"] if name == HELD_OUT else tensor(anomaly_scores(_active, HELD_OUT, "iwae"))
        scores["typicality"] = vc.anomaly.typicality(scores["iwae"], vc.anomaly.typical_negative_log_likelihood(level))
    return {s: v.numpy() for s, v in scores.items()}


def what_the_likelihood_measures(model: vc.VAE) -> str:
    """Whether the model's −log p(x) is a code length of the images it scores, which decides whether the
    complexity-corrected score is an exact likelihood ratio (vae_core.anomaly) or a heuristic."""
    if model.config.binarize == "dynamic":
        return (
            f"This model's −log p(x) ({model.likelihood.label}) is a code length of the *binarised* image, as is "
            "the 1-bit PNG it is compared with: the complexity-corrected score is an exact likelihood ratio."
        )
    if model.likelihood.normalised_8bit_density:
        return (
            f"This model's −log p(x) ({model.likelihood.label}) is a code length of the 8-bit image, as is the PNG: "
            "the complexity-corrected score is an exact likelihood ratio."
        )
    return (
        f"This model's −log p(x) ({model.likelihood.label}) is not a probability of 8-bit images, so the "
        "complexity-corrected score is a heuristic; typicality does not need one."
    )


def steadiest_score(table: pd.DataFrame) -> str:
    """Which score's worst set is best in the page's AUROC table (one column per score): the one to use."""
    worst = table.min()
    best = worst.idxmax()
    return f"Here **{best}** holds best over every set: its worst is {worst[best]:.3f} ({table[best].idxmin()})."


def upload_scores(active: ActiveModel, pixels: torch.Tensor, scores: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The anomaly page's scores of uploads (uint8 N x 28 x 28), each image alone as Reconstruct scores it;
    typicality from the held-out images' mean IWAE score, as the page's own sets."""
    typical = None
    if "typicality" in scores:
        typical = vc.anomaly.typical_negative_log_likelihood(anomaly_scores(active, HELD_OUT, "iwae"))
    figures = vc.anomaly.score_each(active.model, pixels, scores=scores, k=ANOMALY_K, typical_nll=typical)
    return {s: v.numpy() for s, v in figures.items()}


def anomaly_scores(active: ActiveModel, name: str, score: str) -> np.ndarray:
    """One score of every image of a set (``IN_DISTRIBUTION``, ``HELD_OUT`` or an out-of-distribution
    set), computed once per model with the rest of its family and cached."""
    return _anomaly_scores(active.key, active, name, score in vc.anomaly.IWAE_SCORES)[score]


@st.cache_data(show_spinner=False, max_entries=1024)
def _anomaly_detection(key: str, _active: ActiveModel, name: str, score: str, fpr: float) -> vc.anomaly.Detection:
    return vc.anomaly.detection(
        anomaly_scores(_active, IN_DISTRIBUTION, score),
        anomaly_scores(_active, name, score),
        anomaly_scores(_active, HELD_OUT, score),
        fpr,
    )


def anomaly_detection(active: ActiveModel, name: str, score: str, fpr: float) -> vc.anomaly.Detection:
    """How ``score`` tells the set from the model's test images, at a threshold for false-positive
    rate ``fpr`` (cached: the page's table asks for a score on every set at every rerun)."""
    return _anomaly_detection(active.key, active, name, score, fpr)


@st.cache_data(show_spinner=False, max_entries=32)
def least_typical(key: str, _active: ActiveModel, score: str, n: int) -> tuple[list[np.ndarray], list[int]]:
    """The n test images of the anomaly page with the highest ``score``, each drawn above its
    reconstruction (uint8 56 x 28), and their positions among the page's test images, most anomalous first."""
    images = anomaly_images(_active.model.config.dataset, IN_DISTRIBUTION)[0]
    worst = np.argsort(-anomaly_scores(_active, IN_DISTRIBUTION, score), kind="stable")[:n]
    x = vc.prepare_inputs(_active.model, tensor(images))[worst]  # as scored: binarised with the set
    recon = vc.reconstruct(_active.model, x).numpy()
    return [np.concatenate([images[i], vc.to_uint8(r)]) for i, r in zip(worst, recon, strict=True)], worst.tolist()


@dataclass(frozen=True)
class UploadScore:
    """One drawn or uploaded image as the model sees it, and how typical it is."""

    steps: vc.PreprocessSteps
    x: torch.Tensor  # the model's input, 1 x 1 x 28 x 28
    recon: np.ndarray
    mean: np.ndarray
    logvar: np.ndarray
    terms: vc.ELBOTerms
    percentile: float  # share of the test digits with a lower -ELBO
    doubts: list[str]  # the plain checks of whether it looks like a digit at all that fired


def score_upload(active: ActiveModel, data: bytes) -> UploadScore:
    """Image bytes prepared the MNIST way and scored as the Anomaly page scores an upload
    (vae_core.anomaly.upload_elbo: -ELBO = reconstruction + KL with one posterior sample, seed 0),
    against the same test digits: the same image gets the same -ELBO and percentile on both pages.
    Raises vae_core.ImageError for bytes that are not a picture."""
    steps = vc.preprocess_steps(data)
    scored = vc.anomaly.upload_elbo(active.model, steps.tensor)
    reference = anomaly_scores(active, IN_DISTRIBUTION, "elbo")
    return UploadScore(
        steps=steps,
        x=scored.x,
        recon=vc.reconstruct(active.model, scored.x)[0].numpy(),
        mean=scored.terms.mean[0].numpy(),
        logvar=scored.terms.logvar[0].numpy(),
        terms=scored.terms,
        percentile=100 * vc.anomaly.share_below(reference, scored.negative_elbo),
        doubts=vc.preprocess.digit_doubts(vc.preprocess.measure(steps)),
    )


def iwae_nats(active: ActiveModel, x: torch.Tensor, k: int) -> float:
    """-log p(x) of one input by the importance-weighted bound with ``k`` samples (Burda et al. 2016:
    log (1/k) sum_i p(x, z_i) / q(z_i | x), z_i ~ q(z | x)), seed 0: the same figure on every rerun."""
    return -float(vc.iwae_log_likelihood(active.model, x, k, random_state=0)[0])


@st.cache_data(show_spinner=False, max_entries=32)
def sample_sharpness(key: str, _active: ActiveModel, n: int, seed: int) -> vc.sharpness.Sharpness:
    """How sharp the n x n prior samples of ``prior_samples(key, _active, n, seed)`` are: the same codes,
    so two models of one latent size are compared on the same draws of z."""
    return vc.sharpness.sharpness(vc.sample_prior(_active.model, n * n, random_state=seed))


@st.cache_data(show_spinner=False, max_entries=4)
def test_sharpness(dataset_name: str) -> vc.sharpness.Sharpness:
    """How sharp real digits are: the same figures on the first 1,000 test images, for reference."""
    return vc.sharpness.sharpness(vc.to_float(dataset(dataset_name, False)[0][:1000]))


@st.cache_data(show_spinner=False, max_entries=16)
def class_neighbours(key: str, _active: ActiveModel) -> float:
    """The share of test codes whose 5 nearest other codes mostly (3 or more) share their label: how
    much the encoder's means group by class, though it never saw a label."""
    from sklearn.neighbors import NearestNeighbors  # here: importing scikit-learn costs the server's start ~2 s

    means, _, labels = encoded_test(key, _active)
    neighbours = NearestNeighbors(n_neighbors=6).fit(means).kneighbors(means, return_distance=False)[:, 1:]
    return float(((labels[neighbours] == labels[:, None]).sum(1) >= 3).mean())


class Path(NamedTuple):
    codes: torch.Tensor  # steps x D
    images: torch.Tensor  # steps x 28 x 28, decoded means
    negative_elbo: np.ndarray  # of each decoded image, one posterior sample (seed 0)


def interpolation(model: vc.VAE, ends: list[torch.Tensor], steps: int) -> dict[str, Path]:
    """The straight (lerp) and round (slerp) paths between two images' posterior means, as the
    Interpolation page draws them: each path's codes, decoded steps and the -ELBO of each decoded image."""
    import torch  # here, not above: see ``tensor``

    with torch.inference_mode():
        za, zb = (model.encode(x[None].to(model.device))[0][0].cpu() for x in ends)
    paths = {"linear": vc.lerp(za, zb, steps), "spherical": vc.slerp(za, zb, steps)}
    found = {}
    for name, z in paths.items():
        images = vc.decode(model, z)
        x = images[:, None]
        if model.config.binarize == "dynamic":
            x = vc.prepare_inputs(model, x)
        terms = vc.elbo_per_image(model, x, random_state=0)
        found[name] = Path(z, images, terms.negative_elbo.numpy())
    return found


def test_index(active: ActiveModel, cls: int, within: int) -> int:
    """The test split's index of the ``within``-th test image of class ``cls`` (the digit picker's choice)."""
    return int(np.flatnonzero(test_set(active)[1].numpy() == cls)[within])


@st.cache_data(show_spinner=False, max_entries=32)
def test_interpolation(key: str, _active: ActiveModel, pair: tuple[int, int], steps: int) -> dict[str, Path]:
    """``interpolation`` between two test digits (their indices in the test split), kept: without it each run
    of the Interpolation page (a switch back to it, a new step count) decoded and scored both paths again,
    about 45 ms of its 95 ms of server time on the 2-core machine (docs/performance.md, "Speed")."""
    images = test_set(_active)[0][list(pair)]
    return interpolation(_active.model, list(vc.prepare_inputs(_active.model, images)), steps)


def interpolation_scores(
    key: str, _active: ActiveModel, start: tuple[int, int], end: tuple[int, int], steps: int
) -> dict[str, np.ndarray]:
    """-ELBO along both paths between two test digits given as (class, index within the class)."""
    pair = test_index(_active, *start), test_index(_active, *end)
    return {name: path.negative_elbo for name, path in test_interpolation(key, _active, pair, steps).items()}


# The Samples page's check that its digits are new: each sample's nearest training image, and how far
# new (test) digits are from theirs for reference (vae_core.nearest).
@st.cache_data(show_spinner="Comparing with every training image ...", max_entries=32)
def nearest_training(key: str, _active: ActiveModel, images: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(indices, distances, uint8 images) of the nearest training image of each of ``images`` (float
    N x 28 x 28 in [0, 1]). Cached per model and per images, which the seed, the temperature, the grid's
    side and the kind of pixels all shape; under a second for 144 images against 60,000."""
    train = dataset(_active.model.config.dataset, True)[0]
    found = vc.nearest.nearest_images(tensor(images), train)
    return found.indices.numpy(), found.distances.numpy(), train[found.indices].numpy()


@st.cache_data(show_spinner="Measuring how far new test digits are from the training set ...", persist="disk")
def training_set_distances(dataset_name: str) -> np.ndarray:
    """The distance from each of ``vc.nearest.REFERENCE_DIGITS`` test digits to its nearest training image
    (about 8 s on two cores, once per dataset; kept on disk across restarts)."""
    return vc.nearest.reference_distances(dataset(dataset_name, False)[0], dataset(dataset_name, True)[0])
