"""Data derived from a model, computed once and cached: test-set encodings and scores, decoded
grids, 2-D projections.

Each function takes the ``ActiveModel`` (unhashed, as ``_active``) and its ``key``, which names the
weights, so a cache entry can never outlive the model it was computed from.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st
import torch

import vae_core as vc
from ui.images import to_uint8
from ui.models import ActiveModel
from vae_core import latent

# The explorer's grid as a page first opens: what the server warms at start-up.
GRID_SIZE, GRID_EXTENT = 15, 3.0


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


@st.cache_data(show_spinner="Scoring the test digits ...", max_entries=8)
def test_negative_elbos(key: str, _active: ActiveModel) -> np.ndarray:
    """-ELBO of every test image (one posterior sample, seed 0): the reference for percentiles."""
    x = vc.prepare_inputs(_active.model, test_set(_active)[0])
    return vc.elbo_per_image(_active.model, x, torch.Generator().manual_seed(0)).negative_elbo.numpy()


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
    base_tensor = None if base is None else torch.tensor(base)
    return to_uint8(vc.decode_grid(_active.model, n, extent, spacing, dims, base_tensor))


@st.cache_data(show_spinner="Projecting to 2-D ...", max_entries=8)
def projection(key: str, _active: ActiveModel, method: str, points: int) -> tuple[np.ndarray, np.ndarray, Any]:
    """(2-D coordinates, indices of the test images shown, PCA used for projecting new points or None)."""
    means = encoded_test(key, _active)[0]
    if means.shape[1] == 2:
        return means, np.arange(len(means)), None
    # Imported only when a projection is needed: scikit-learn takes 1-6 s to import on the 2-core machine.
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    idx = np.arange(min(points, len(means)))
    if method == "PCA":
        pca = PCA(n_components=2, random_state=0).fit(means)
        return pca.transform(means[idx]), idx, pca
    coords = TSNE(n_components=2, init="pca", random_state=0, perplexity=30).fit_transform(means[idx])
    return coords, idx, None


@st.cache_data(show_spinner=False, max_entries=16)
def usage(key: str, _active: ActiveModel) -> latent.DimensionUsage:
    """Each latent dimension's activity Cov_x(E_q[z_d]), whether it is active (> 0.01, Burda et al.),
    its KL to N(0, 1) averaged over the test set (standard normal prior) and the order by either."""
    means, logvars, _ = encoded_test(key, _active)
    return latent.dimension_usage(
        torch.from_numpy(means), torch.from_numpy(logvars), _active.model.prior.standard_normal
    )


def dimension_usage(key: str, _active: ActiveModel) -> tuple[np.ndarray, str]:
    """How much each latent dimension is used, and what the figure is: for the standard normal prior
    the closed-form KL of q(z_d|x) to N(0, 1) averaged over the test set (nats), else Burda et al.'s
    activity Cov_x(E_q[z_d]) (the KL of one dimension is not defined against a joint prior)."""
    found = usage(key, _active)
    return found.measure.numpy(), "Var μ" if found.kl is None else "KL"


@st.cache_data(show_spinner=False, max_entries=32)
def traversal_rows(
    key: str, _active: ActiveModel, dims: tuple[int, ...], steps: int, base: tuple[float, ...] | None
) -> np.ndarray:
    """Decoded traversals as uint8, len(dims) x steps x 28 x 28 (vae_core.latent.traversals)."""
    base_tensor = None if base is None else torch.tensor(base)
    return to_uint8(latent.traversals(_active.model, list(dims), steps, base_tensor))


def holes(key: str, _active: ActiveModel) -> latent.Holes:
    """The hole fraction of the test set's aggregate posterior against the model's prior."""
    return _holes(key, _active, latent.HOLES_VERSION)


# On disk too: the hole fraction takes seconds (200 million Gaussian densities) and a shipped
# model's answer never changes. Streamlit keys an entry on this function's own source and the
# arguments passed, not on the library code it calls: ``version`` keeps an old answer from
# outliving a change to vae_core.latent.find_holes.
@st.cache_data(show_spinner="Measuring where the prior and the codes disagree ...", max_entries=8, persist="disk")
def _holes(key: str, _active: ActiveModel, version: int) -> latent.Holes:
    means, logvars, _ = encoded_test(key, _active)
    mu, logvar = torch.from_numpy(means), torch.from_numpy(logvars)
    return latent.find_holes(_active.model.prior, mu, logvar)


@st.cache_data(show_spinner="Mapping the two densities ...", max_entries=8, persist="disk")  # 2 s; restarts too
def density(key: str, _active: ActiveModel, extent: float, n: int) -> latent.DensityMap:
    """log q(z) and log p(z) on an n x n grid over [-extent, extent]^2 (2-D models)."""
    means, logvars, _ = encoded_test(key, _active)
    return latent.density_map(_active.model.prior, torch.from_numpy(means), torch.from_numpy(logvars), extent, n)


@st.cache_data(show_spinner="Evaluating on the test set ...", max_entries=16)
def test_figures(key: str, _active: ActiveModel) -> dict[str, Any]:
    """The model's test figures: those stored in its checkpoint (``info["test"]``) when present,
    else computed now on the whole test split (ELBO and its parts, activity, active units; no IWAE)."""
    stored = _active.model.info.get("test")
    if stored:
        return dict(stored)
    return vc.evaluate(_active.model, test_set(_active)[0]).as_dict()


@st.cache_data(show_spinner=False, max_entries=32)
def prior_samples(key: str, _active: ActiveModel, n: int, seed: int) -> np.ndarray:
    """n x n images decoded from z ~ p(z) with generator ``seed``, tiled with 2-pixel gaps, as uint8."""
    return to_uint8(vc.tile(vc.sample_prior(_active.model, n * n, seed), n, pad=2))


@st.cache_data(show_spinner=False, max_entries=32)
def reconstructions(key: str, _active: ActiveModel, indices: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(inputs, reconstructions through the posterior mean) of the given test images, each uint8 N x 28 x 28.
    Inputs are as the model sees them (binarised with a fixed seed for binarised models)."""
    x = vc.prepare_inputs(_active.model, test_set(_active)[0][list(indices)])
    return to_uint8(x[:, 0]), to_uint8(vc.reconstruct(_active.model, x))
