"""vae_core: a small PyTorch library for variational autoencoders on 28 x 28 images.

Kingma & Welling, "Auto-Encoding Variational Bayes" (2014), with a convolutional encoder and decoder.
One module per concern: config, losses, priors and likelihoods (packages: one module each, with a
registry keyed by name), model, hierarchy (levels of latent codes under the model's), data, images
(pixels in [0, 1] as 8-bit grey levels: the one conversion), train, evaluate, checkpoint, inference,
preprocess, sprites (images made from known factors), disentanglement (MIG and the FactorVAE metric
against those factors), anomaly (scores and how well they detect the unfamiliar), ood (an offline out-of-distribution
suite), usage (which latent dimensions are active: one definition), latent (traversals, dimension usage
over a data set, the aggregate posterior against the prior), export (the decoder for the browser), and
the command line in cli.

One argument order across the public API: the data first (the model, then the images, codes or
whatever it acts on, then what is required of it, such as the number of samples n, the IWAE k or the
steps of a path), then every option keyword-only, so a call names what it sets and a new option
cannot shift another's place: ``sample_prior(model, 49, random_state=3, temperature=0.8)``,
``evaluate(model, images, k=1000)``, ``decode_grid(model, n=15, extent=2.0)``.

One way to give randomness: ``random_state`` (vae_core.randomness), with scikit-learn's meaning. An
int seeds a fresh generator on the device the draws happen on; a ``torch.Generator`` is used as it is,
to continue one stream over several calls; None is torch's global generator. Chosen over an explicit
generator because an int is what every caller holds (a page's seed, a link, a CLI flag, a lesson, a
checkpoint's stored figures, a Streamlit cache key) and only the function knows the model's device;
chosen over a bare seed because a seed cannot continue a stream (``evaluate`` draws the ELBO and IWAE
samples from one). Below the public API, the model's and priors' torch methods (``reparameterize``,
``Prior.sample``, ``Likelihood.sample``) take a ``generator`` as torch's own functions do.

Importing the package imports no torch: each public name is loaded from its submodule on first use
(PEP 562's module ``__getattr__``), so ``import vae_core as vc`` costs nothing until ``vc.decode`` or
the like is touched. Why: the app's first view (the navigation, the picker, the explorer's latent pad,
which decodes in the browser) needs no torch, and importing it is 1.6 s of a cold start on the
2-core machine (docs/performance.md, "Start-up"). A submodule is reached the same way
(``vc.hierarchy``); the names that need no torch (``VAEConfig``, ``TrainConfig``) keep needing none
until a config is validated against the registries, which are torch modules.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

_SOURCES: dict[str, tuple[str, ...]] = {  # submodule -> the public names it gives
    "anomaly": ("anomaly_scores",),
    "checkpoint": ("CheckpointError", "checkpoint_bytes", "describe", "load_checkpoint", "save_checkpoint"),
    "config": ("TrainConfig", "VAEConfig", "options"),
    "data": (
        "CLASS_NAMES",
        "DATASETS",
        "DatasetUnavailable",
        "data_root",
        "dataset_names",
        "has_known_factors",
        "load_dataset",
        "load_dataset_with_factors",
        "to_float",
    ),
    "disentanglement": (
        "MIG",
        "Disentanglement",
        "FactorVAEScore",
        "factor_vae_metric",
        "mutual_information_gap",
        "mutual_information_matrix",
        "score_disentanglement",
    ),
    "evaluate": ("Evaluation", "elbo_per_image", "evaluate", "iwae_log_likelihood", "prepare_inputs"),
    "export": ("decoder_bytes", "decoder_from_bytes", "decoder_output", "encoder_bytes"),
    "grid": ("grid_edge",),
    "hierarchy": ("HierarchicalVAE",),
    "images": ("to_uint8",),
    "inference": (
        "decode",
        "decode_grid",
        "encode_dataset",
        "grid_axis",
        "grid_points",
        "lerp",
        "reconstruct",
        "sample_prior",
        "sample_prior_parameters",
        "slerp",
        "tile",
    ),
    "likelihoods": ("LIKELIHOODS", "Likelihood", "make_likelihood", "register_likelihood"),
    "losses": ("ELBOTerms",),
    "model": ("VAE", "build_model"),
    "preprocess": ("ImageError", "PreprocessSteps", "preprocess_image", "preprocess_steps"),
    "priors": ("PRIORS", "MixturePrior", "Prior", "StandardNormal", "VampPrior", "register_prior"),
    "provenance": ("Provenance", "TrainingStage"),
    "randomness": ("RandomState",),
    "train": (
        "EpochRecord",
        "Progress",
        "TrainingDiverged",
        "TrainResult",
        "init_distributed",
        "initial_model",
        "pick_device",
        "train",
    ),
    "usage": ("ACTIVE_UNIT_NATS", "DimensionUsage", "active_units", "dimension_usage", "latent_activity"),
}
_SOURCE_OF = {name: module for module, names in _SOURCES.items() for name in names}
__all__ = sorted(_SOURCE_OF)


def __getattr__(name: str) -> Any:
    """A public name (or a submodule) on first use: imported from where it lives, then kept here."""
    module = _SOURCE_OF.get(name)
    if module is None:
        try:
            return importlib.import_module(f".{name}", __name__)  # a submodule: vc.hierarchy
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_SOURCE_OF))


class _Package(types.ModuleType):
    """Two public functions share their module's name (``evaluate``, ``train``). Importing such a module
    sets the package's attribute of that name to the module; the function must win, as it did when this
    file imported it eagerly, so ``vc.evaluate(...)`` calls the function whoever imported the module first."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _SOURCE_OF.get(name) == name:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
