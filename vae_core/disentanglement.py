"""How far a code separates known generative factors: MIG and the FactorVAE metric.

Both score a code (N x D, usually the encoder means of every image) against the factors that made
the images (N x F integers, vae_core.sprites), and both follow their paper with the settings of
Locatello et al. 2019's disentanglement_lib, the reference implementation most published figures use.

**MIG**, the mutual information gap (Chen et al. 2018, eq. 7):

    MIG = 1/F * sum_k [ I(z_(1); v_k) - I(z_(2); v_k) ] / H(v_k)

where z_(1), z_(2) are the two latent dimensions with the most mutual information with factor v_k.
A factor captured by one dimension alone scores 1; one spread over two dimensions, or not captured,
scores near 0. Chen et al. estimate I(z_j; v_k) from q(z|x) directly; like disentanglement_lib we
discretise each dimension's values into ``MIG_BINS`` = 20 equal-width bins between its minimum and
maximum and take the plug-in mutual information of the two discrete variables
(``sklearn.metrics.mutual_info_score``, in nats), over every code given (no subsample).

**The FactorVAE metric** (Kim & Mnih 2018, section 4): scale each dimension by its standard deviation
over the data and drop the dimensions that barely vary; then, many times, fix one factor at a random
value, draw a batch of L images with the other factors random, and note which dimension of their
codes varies least: that dimension "votes" for the fixed factor. A majority-vote classifier maps each
dimension to the factor it voted for most; the score is its accuracy on fresh votes. A code with one
dimension per factor scores 1; a code that ignores the factors scores chance, 1/F.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch
from numpy.typing import ArrayLike

from .data import load_dataset_with_factors
from .inference import encode_dataset
from .randomness import RandomState, generator_for

if TYPE_CHECKING:
    from .model import VAE

MIG_BINS = 20  # equal-width bins per latent dimension (disentanglement_lib's histogram_discretizer)
VOTE_BATCH = 64  # L, the codes per vote (disentanglement_lib's factor_vae_score.batch_size)
TRAIN_VOTES = 10_000  # votes that fit the majority-vote classifier (factor_vae_score.num_train)
EVAL_VOTES = 5_000  # fresh votes it is scored on (factor_vae_score.num_eval)
PRUNE_STD = 0.05  # a dimension whose standard deviation over the data is below this is dropped
# A dimension's role, from its row of I(z_j; v_k) / H(v_k) (the share of a factor's entropy it holds):
SILENT_SHARE = 0.05  # below this for every factor: the dimension says nothing about any factor
MIXED_RATIO = 0.5  # a second factor with at least half the top one's share: the dimension mixes them
INACTIVE, MIXED = "inactive", "mixed"
# Bumped whenever a figure ``disentanglement()`` returns would change: the app keeps scores on disk under it.
SCORE_VERSION = 1


@dataclass(frozen=True)
class MIG:
    """The mutual information gap and the parts it is made of."""

    score: float  # the mean of ``per_factor``
    per_factor: np.ndarray  # F: each factor's gap between its top two dimensions, over its entropy
    mutual_information: np.ndarray  # D x F, nats: I(z_j; v_k) of the discretised dimension j
    factor_entropy: np.ndarray  # F, nats: H(v_k)


@dataclass(frozen=True)
class FactorVAEScore:
    """The FactorVAE metric: the majority-vote classifier's accuracy on held-out votes, and on its own."""

    eval_accuracy: float  # the metric
    train_accuracy: float
    active_dims: tuple[int, ...]  # dimensions kept after pruning those that barely vary
    classifier: dict[int, int]  # active dimension -> the factor it voted for most


def _codes_and_factors(codes: ArrayLike, factors: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    z = np.asarray(codes, dtype=np.float64)
    v = np.asarray(factors)
    if z.ndim != 2 or v.ndim != 2:
        raise ValueError(f"codes and factors must be 2-D (N x D, N x F); got shapes {z.shape} and {v.shape}")
    if len(z) != len(v) or len(z) == 0:
        raise ValueError(f"codes and factors must describe the same images; got {len(z)} codes, {len(v)} factors")
    if not np.issubdtype(v.dtype, np.integer):
        raise ValueError(f"factors must be integers (each factor's value index); got {v.dtype}")
    if not np.isfinite(z).all():
        raise ValueError("codes contain NaN or infinite values")
    return z, v


def discretise(codes: ArrayLike, bins: int = MIG_BINS) -> np.ndarray:
    """Each dimension's values as the index of one of ``bins`` equal-width bins between its minimum
    and maximum (N x D integers); a constant dimension falls in a single bin."""
    z = np.asarray(codes, dtype=np.float64)
    if bins < 2:
        raise ValueError("bins must be at least 2")
    low, high = z.min(axis=0), z.max(axis=0)
    width = np.where(high > low, (high - low) / bins, 1.0)
    return np.clip(np.floor((z - low) / width), 0, bins - 1).astype(np.int64)


def mutual_information_matrix(codes: ArrayLike, factors: ArrayLike, bins: int = MIG_BINS) -> np.ndarray:
    """I(z_j; v_k) in nats for every latent dimension j (rows) and factor k (columns), each dimension
    discretised into ``bins`` equal-width bins: the heat map where a disentangled code has one bright
    cell per factor's column, in a row of its own."""
    z, v = _codes_and_factors(codes, factors)
    binned = discretise(z, bins)
    return np.array([[_mutual_info(v[:, k], binned[:, j]) for k in range(v.shape[1])] for j in range(z.shape[1])])


def _mutual_info(a: np.ndarray, b: np.ndarray) -> float:
    """The plug-in mutual information of two discrete variables, in nats (scikit-learn's). Imported here,
    not at the top: importing scikit-learn adds about 2 s to every ``import vae_core`` (each CLI run, each
    torchrun process), and only the metrics need it."""
    from sklearn.metrics import mutual_info_score

    return float(mutual_info_score(a, b))


def factor_entropies(factors: ArrayLike) -> np.ndarray:
    """H(v_k) in nats for each factor, from the values' frequencies (I(v; v) = H(v))."""
    v = np.asarray(factors)
    return np.array([_mutual_info(v[:, k], v[:, k]) for k in range(v.shape[1])])


def mutual_information_gap(codes: ArrayLike, factors: ArrayLike, bins: int = MIG_BINS) -> MIG:
    """MIG (Chen et al. 2018, eq. 7) of ``codes`` (N x D, D >= 2) against integer ``factors`` (N x F),
    over all N rows. Unchanged by reordering, shifting or rescaling the dimensions (equal-width bins
    move with them). Every factor must take at least two values (its entropy divides)."""
    z, v = _codes_and_factors(codes, factors)
    if z.shape[1] < 2:
        raise ValueError("MIG compares a factor's two most informative dimensions: the code needs at least 2")
    entropy = factor_entropies(v)
    if (entropy <= 0).any():
        constant = [k for k in range(v.shape[1]) if entropy[k] <= 0]
        raise ValueError(f"factors {constant} take a single value here: they carry no information to capture")
    information = mutual_information_matrix(z, v, bins)
    top_two = np.sort(information, axis=0)[::-1][:2]
    per_factor = (top_two[0] - top_two[1]) / entropy
    return MIG(float(per_factor.mean()), per_factor, information, entropy)


def factor_vae_metric(
    codes: ArrayLike,
    factors: ArrayLike,
    *,
    batch_size: int = VOTE_BATCH,
    train_votes: int = TRAIN_VOTES,
    eval_votes: int = EVAL_VOTES,
    prune_std: float = PRUNE_STD,
    random_state: RandomState = 0,
) -> FactorVAEScore:
    """The FactorVAE disentanglement metric (Kim & Mnih 2018) of ``codes`` (N x D) against ``factors``.

    The codes must be those of images covering the factors' combinations (all of sprites, say): a
    batch with factor k fixed at value u is ``batch_size`` rows drawn with replacement from the rows
    where v_k = u, which for a full product of factors is drawing the other factors uniformly. For each
    vote, k is uniform over the factors and u is the value of a row drawn at random. Each dimension is
    divided by its standard deviation over all N codes (the argmin must not depend on a dimension's
    scale); dimensions whose standard deviation is below ``prune_std`` (collapsed ones) take no part.
    The vote is the active dimension with the smallest variance (ddof 1) over the batch. The draws
    come from ``random_state`` (vae_core.randomness: an int seeds them, a CPU ``torch.Generator``
    continues its stream), so a figure names its int.
    """
    z, v = _codes_and_factors(codes, factors)
    if batch_size < 2 or train_votes < 1 or eval_votes < 1:
        raise ValueError("batch_size must be at least 2 and the numbers of votes at least 1")
    spread = z.std(axis=0, ddof=1) if len(z) > 1 else np.zeros(z.shape[1])
    active = np.flatnonzero(spread >= prune_std)
    if active.size == 0:
        return FactorVAEScore(0.0, 0.0, (), {})
    scaled = z[:, active] / spread[active]
    generator = generator_for(random_state)
    train = _votes(scaled, v, batch_size, train_votes, generator)
    held_out = _votes(scaled, v, batch_size, eval_votes, generator)
    table = np.zeros((active.size, v.shape[1]), np.int64)  # votes per (dimension, factor)
    np.add.at(table, (train[1], train[0]), 1)
    majority = table.argmax(axis=1)  # a dimension that never voted says factor 0, as a tie would
    train_accuracy = float(table.max(axis=1).sum() / train_votes)
    eval_accuracy = float(np.mean(majority[held_out[1]] == held_out[0]))
    seen = table.sum(axis=1) > 0
    classifier = {int(active[d]): int(majority[d]) for d in range(active.size) if seen[d]}
    return FactorVAEScore(eval_accuracy, train_accuracy, tuple(int(d) for d in active), classifier)


def _votes(
    scaled: np.ndarray, factors: np.ndarray, batch_size: int, votes: int, generator: torch.Generator | None
) -> tuple[np.ndarray, np.ndarray]:
    """(fixed factor, dimension of least variance) for each of ``votes`` batches."""
    n, count = factors.shape
    fixed = torch.randint(count, (votes,), generator=generator).numpy()
    value = factors[torch.randint(n, (votes,), generator=generator).numpy(), fixed]
    picks = torch.rand(votes, batch_size, generator=generator, dtype=torch.float64).numpy()  # a row in the group
    argmin = np.empty(votes, np.int64)
    groups: dict[tuple[int, int], np.ndarray] = {}
    for i, (k, u) in enumerate(zip(fixed.tolist(), value.tolist(), strict=True)):
        rows = groups.get((k, u))
        if rows is None:
            rows = groups[(k, u)] = np.flatnonzero(factors[:, k] == u)
        batch = scaled[rows[(picks[i] * len(rows)).astype(np.int64)]]
        argmin[i] = int(np.argmin(batch.var(axis=0, ddof=1)))
    return fixed, argmin


def dimension_roles(mig: MIG, names: tuple[str, ...]) -> list[str]:
    """What each latent dimension captures, read from its row of the normalised mutual information
    I(z_j; v_k) / H(v_k): the factor it holds most, ``MIXED`` where a second factor holds at least
    ``MIXED_RATIO`` of that share, ``INACTIVE`` where it holds under ``SILENT_SHARE`` of every factor.
    The labels of the traversal rows; a disentangled code has one factor per row and no mixed ones."""
    share = mig.mutual_information / mig.factor_entropy
    roles = []
    for row in share:
        first, second = np.sort(row)[::-1][:2]
        if first < SILENT_SHARE:
            roles.append(INACTIVE)
        elif second >= MIXED_RATIO * first:
            roles.append(MIXED)
        else:
            roles.append(names[int(row.argmax())])
    return roles


@dataclass(frozen=True)
class Disentanglement:
    """A model's disentanglement on every image of its dataset: both metrics, from the encoder means."""

    factor_names: tuple[str, ...]
    mig: MIG
    factor_vae: FactorVAEScore
    roles: tuple[str, ...]  # per latent dimension: dimension_roles

    @property
    def share(self) -> np.ndarray:
        """D x F: I(z_j; v_k) / H(v_k), the share of each factor's entropy each dimension holds (the heat map)."""
        return self.mig.mutual_information / self.mig.factor_entropy

    @property
    def most_informative_first(self) -> tuple[int, ...]:
        """The dimensions by the largest share of any factor they hold, most first (the traversal rows' order)."""
        return tuple(int(d) for d in np.argsort(-self.share.max(axis=1), kind="stable"))

    def dimension_for(self, factor: str) -> int:
        """The latent dimension holding most of ``factor`` (MIG's z_(1) for it)."""
        return int(self.mig.mutual_information[:, self.factor_names.index(factor)].argmax())

    def pad_dimensions(self, factors: tuple[str, str]) -> tuple[int, int]:
        """Two different dimensions for two factors: each one's best, the second factor's runner-up
        where both factors are held most by the same dimension (an entangled code)."""
        first = self.dimension_for(factors[0])
        column = self.mig.mutual_information[:, self.factor_names.index(factors[1])].copy()
        column[first] = -np.inf
        return first, int(column.argmax())


def score_disentanglement(model: VAE, *, random_state: RandomState = 0) -> Disentanglement:
    """Encode every image of ``model``'s dataset (it must have known factors: sprites) and score the
    means: MIG over all images, the FactorVAE metric with votes from ``random_state``. What the CLI's
    ``disentanglement`` command prints and the Disentanglement page shows (about 5 s for 35,280 sprites
    on two cores, most of it the encoding)."""
    images, factors, names = load_dataset_with_factors(model.config.dataset)
    means, _ = encode_dataset(model, images)
    mig = mutual_information_gap(means, factors)
    score = factor_vae_metric(means, factors, random_state=random_state)
    return Disentanglement(tuple(names), mig, score, tuple(dimension_roles(mig, tuple(names))))
