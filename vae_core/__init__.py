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
"""

from .anomaly import anomaly_scores
from .checkpoint import CheckpointError, checkpoint_bytes, describe, load_checkpoint, save_checkpoint
from .config import TrainConfig, VAEConfig, options
from .data import (
    CLASS_NAMES,
    DATASETS,
    DatasetUnavailable,
    data_root,
    dataset_names,
    has_known_factors,
    load_dataset,
    load_dataset_with_factors,
    to_float,
)
from .disentanglement import (
    MIG,
    Disentanglement,
    FactorVAEScore,
    factor_vae_metric,
    mutual_information_gap,
    mutual_information_matrix,
    score_disentanglement,
)
from .evaluate import Evaluation, elbo_per_image, evaluate, iwae_log_likelihood, prepare_inputs
from .export import decoder_bytes, decoder_from_bytes, decoder_output, encoder_bytes
from .hierarchy import HierarchicalVAE
from .images import to_uint8
from .inference import (
    decode,
    decode_grid,
    encode_dataset,
    grid_axis,
    grid_points,
    lerp,
    reconstruct,
    sample_prior,
    sample_prior_parameters,
    slerp,
    tile,
)
from .likelihoods import LIKELIHOODS, Likelihood, make_likelihood, register_likelihood
from .losses import ELBOTerms
from .model import VAE, build_model
from .preprocess import ImageError, PreprocessSteps, preprocess_image, preprocess_steps
from .priors import PRIORS, MixturePrior, Prior, StandardNormal, VampPrior, register_prior
from .provenance import Provenance, TrainingStage
from .randomness import RandomState
from .train import (
    EpochRecord,
    Progress,
    TrainingDiverged,
    TrainResult,
    init_distributed,
    initial_model,
    pick_device,
    train,
)
from .usage import ACTIVE_UNIT_NATS, DimensionUsage, active_units, dimension_usage, latent_activity

__all__ = [
    "ACTIVE_UNIT_NATS",
    "CLASS_NAMES",
    "DATASETS",
    "LIKELIHOODS",
    "MIG",
    "PRIORS",
    "VAE",
    "CheckpointError",
    "DatasetUnavailable",
    "DimensionUsage",
    "Disentanglement",
    "ELBOTerms",
    "EpochRecord",
    "Evaluation",
    "FactorVAEScore",
    "HierarchicalVAE",
    "ImageError",
    "Likelihood",
    "MixturePrior",
    "PreprocessSteps",
    "Prior",
    "Progress",
    "Provenance",
    "RandomState",
    "StandardNormal",
    "TrainConfig",
    "TrainResult",
    "TrainingDiverged",
    "TrainingStage",
    "VAEConfig",
    "VampPrior",
    "active_units",
    "anomaly_scores",
    "build_model",
    "checkpoint_bytes",
    "data_root",
    "dataset_names",
    "decode",
    "decode_grid",
    "decoder_bytes",
    "decoder_from_bytes",
    "decoder_output",
    "describe",
    "dimension_usage",
    "elbo_per_image",
    "encode_dataset",
    "encoder_bytes",
    "evaluate",
    "factor_vae_metric",
    "grid_axis",
    "grid_points",
    "has_known_factors",
    "init_distributed",
    "initial_model",
    "iwae_log_likelihood",
    "latent_activity",
    "lerp",
    "load_checkpoint",
    "load_dataset",
    "load_dataset_with_factors",
    "make_likelihood",
    "mutual_information_gap",
    "mutual_information_matrix",
    "options",
    "pick_device",
    "prepare_inputs",
    "preprocess_image",
    "preprocess_steps",
    "reconstruct",
    "register_likelihood",
    "register_prior",
    "sample_prior",
    "sample_prior_parameters",
    "save_checkpoint",
    "score_disentanglement",
    "slerp",
    "tile",
    "to_float",
    "to_uint8",
    "train",
]
