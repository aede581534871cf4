"""Which latent dimensions a model uses: one definition, read by the evaluation, the training history,
the command line and every page (the reasoning and the measurements: docs/theory.md, "Active units").

A dimension d is **active** when the information it carries about x is worth at least
``ACTIVE_UNIT_NATS`` nats:

- with the N(0, I) prior, where the ELBO's KL term splits by dimension, its mean over the data of
  KL(q(z_d|x) || N(0, 1)) (Kingma & Welling 2014, Appendix B): the nats the dimension costs;
- with a prior that does not split (a mixture, the VampPrior), the information of a Gaussian channel
  with the same signal and noise, 1/2 log(1 + Var_x(mu_d) / E_x[sigma_d^2]) (Shannon's capacity;
  Cover & Thomas 2006, ch. 9), computed from the posterior means and variances alone. It estimates
  I(x; z_d), and against N(0, 1) the mean KL per dimension is I(x; z_d) + KL(q(z_d) || p(z_d))
  (Hoffman & Johnson 2016, one dimension at a time): the information plus the aggregate posterior's
  mismatch, so the two agree where q(z_d) fits the prior (on the shipped models: 0.01-0.6 nats below
  it on active dimensions, within 0.001 on the inactive ones).

Burda et al.'s (2015, section 5.2) activity Cov_x(E_q[z_d]) > 0.01 is kept beside it for reference. It
measures the spread of the means only, in the prior's units, so it counts a dimension whose means
wander a little while its posteriors stay as wide as the prior: such a dimension carries a hundredth of
a nat and its traversal draws the same digit nine times (z7 of beta1-10d: activity 0.021, 0.011 nats).

No Streamlit here; plain torch, tested on synthetic posteriors with known answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import torch
from torch import Tensor

from .priors import Prior

if TYPE_CHECKING:  # train.py imports this module
    from .train import EpochRecord

# Nats a dimension must carry to count as active. Measured on the eight shipped models (docs/theory.md,
# "Active units"): their dimensions carry at most 0.03 nats, and then their traversal rows change no
# pixel by more than 0.14 of full scale, or at least 0.36 nats, and their rows draw different digits;
# 0.1 sits in the gap, a factor of three or more from both sides.
ACTIVE_UNIT_NATS = 0.1
# Burda et al. (2015, section 5.2): active when Cov_x(E_q(u|x)[u]) > 1e-2. Shown beside, not used.
BURDA_ACTIVITY_THRESHOLD = 0.01


def latent_activity(means: Tensor) -> Tensor:
    """Cov_x(E_q[z_d]) for each dimension d: the variance over the data of the posterior means."""
    return means.double().var(0, correction=0).float()


def information_per_dimension(means: Tensor, logvars: Tensor) -> Tensor:
    """1/2 log(1 + Var_x(mu_d) / E_x[sigma_d^2]) in nats, per dimension, from N x D posterior means
    and log-variances: the capacity of a Gaussian channel whose signal is the spread of the means and
    whose noise is the posteriors' own variance. Valid for any prior (it never reads p(z))."""
    mu, logvar = means.double(), logvars.double()
    signal = mu.var(0, correction=0)
    noise = logvar.exp().mean(0)
    return (0.5 * torch.log1p(signal / noise)).float()


def active_mask(nats: Tensor, threshold: float = ACTIVE_UNIT_NATS) -> Tensor:
    """Which dimensions are active: those carrying at least ``threshold`` nats (ACTIVE_UNIT_NATS)."""
    return torch.as_tensor(nats) >= threshold


def active_units(nats: Tensor | Sequence[float], *, threshold: float = ACTIVE_UNIT_NATS) -> int:
    """How many dimensions are active, from their nats (``DimensionUsage.nats``, a checkpoint's
    ``kl_per_dim`` or ``information_per_dim``)."""
    return int(active_mask(torch.as_tensor(nats, dtype=torch.float64), threshold).sum())


@dataclass(frozen=True)
class DimensionUsage:
    """How much a model uses each latent dimension over a data set.

    ``kl``: mean KL(q(z_d|x) || p(z_d)) in nats (a prior with it in closed form, N(0, I); else None);
    ``information``: 1/2 log(1 + Var_x(mu_d) / E_x[sigma_d^2]) in nats (every prior);
    ``activity``: Burda et al.'s Cov_x(E_q[z_d]). ``nats`` is what the definition reads (the KL where
    it exists, else the information), ``active`` whether it reaches ``threshold``, ``order`` the
    dimensions by ``nats``, largest first: the order traversal rows and bars are shown in."""

    activity: Tensor
    information: Tensor
    kl: Tensor | None
    threshold: float = ACTIVE_UNIT_NATS

    @property
    def nats(self) -> Tensor:
        return self.information if self.kl is None else self.kl

    @property
    def measure(self) -> Tensor:
        """The nats per dimension (an older name, kept for the pages that read it)."""
        return self.nats

    @property
    def what(self) -> str:
        """What ``nats`` is, in a chart's words."""
        return "information" if self.kl is None else "KL"

    @property
    def active(self) -> Tensor:
        return active_mask(self.nats, self.threshold)

    @property
    def active_units(self) -> int:
        return int(self.active.sum())

    @property
    def burda_active(self) -> Tensor:
        """Burda et al.'s criterion, activity > 0.01: where it differs from ``active``, the pages say so."""
        return self.activity > BURDA_ACTIVITY_THRESHOLD

    @property
    def disagreements(self) -> tuple[int, ...]:
        """The dimensions the two criteria classify differently, in ``order``."""
        return tuple(d for d in self.order if bool(self.active[d]) != bool(self.burda_active[d]))

    @property
    def order(self) -> tuple[int, ...]:
        return tuple(int(d) for d in torch.argsort(self.nats, descending=True, stable=True))


def dimension_usage(
    means: Tensor, logvars: Tensor, prior: Prior, *, threshold: float = ACTIVE_UNIT_NATS
) -> DimensionUsage:
    """``DimensionUsage`` from the posterior means and log-variances (N x D) of a data set, with the
    KL per dimension where ``prior`` has it in closed form."""
    kl = prior.kl_per_dimension(means.double(), logvars.double())
    kl = None if kl is None else kl.mean(0).float()
    return DimensionUsage(latent_activity(means), information_per_dimension(means, logvars), kl, threshold)


@dataclass(frozen=True)
class HistoryUsage:
    """Dimension usage epoch by epoch, recomputed from a checkpoint's stored history with today's
    definition (the ``active_units`` stored in old records used Burda's criterion and are not read).

    ``nats``: E x D, ``what``: "KL" or "information"; ``counts``: active dimensions per epoch."""

    epochs: list[float]
    nats: Tensor
    what: str
    counts: list[int]
    threshold: float = ACTIVE_UNIT_NATS


class NatsRecord(Protocol):
    """A stored record with nats per dimension: an ``Evaluation`` (a model's test figures) or an
    ``EpochRecord`` (one epoch of its training history)."""

    @property
    def kl_per_dim(self) -> Sequence[float] | None: ...

    @property
    def information_per_dim(self) -> Sequence[float] | None: ...


def record_nats(record: NatsRecord) -> tuple[Tensor, str] | None:
    """(nats per dimension, what they are) from one stored record, an evaluation (``Provenance.test``)
    or an epoch of the history: its ``kl_per_dim`` ("KL", N(0, I) prior), else its
    ``information_per_dim`` ("information"). None when it holds neither (older records of a mixture or
    VampPrior model hold only the activity, and the nats cannot be recovered from it: it lacks the
    posterior variances)."""
    if record.kl_per_dim is not None:
        return torch.tensor(record.kl_per_dim, dtype=torch.float32), "KL"
    if record.information_per_dim is not None:
        return torch.tensor(record.information_per_dim, dtype=torch.float32), "information"
    return None


def history_usage(history: Sequence[EpochRecord], threshold: float = ACTIVE_UNIT_NATS) -> HistoryUsage | None:
    """Per-epoch usage from train.py's records (``record_nats`` of each), counted with today's
    definition. None when no record holds the nats per dimension."""
    found = [(r.epoch, nats) for r in history if (nats := record_nats(r)) is not None]
    if not found:
        return None
    what = found[-1][1][1]
    rows = [(epoch, values) for epoch, (values, kind) in found if kind == what]  # one kind per chart
    nats = torch.stack([values for _, values in rows])
    counts = [int(c) for c in active_mask(nats, threshold).sum(1)]
    return HistoryUsage([epoch for epoch, _ in rows], nats, what, counts, threshold)
