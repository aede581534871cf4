"""Total-correlation penalties, FactorVAE's (Kim & Mnih 2018) and β-TCVAE's (Chen et al. 2018), and the
KL's decomposition that explains them.

**The decomposition** (Hoffman & Johnson 2016; Chen et al. 2018, eq. 2). Averaged over the data, the
ELBO's KL term splits into three parts, q(z) = E_x[q(z|x)] being the aggregate posterior:

    E_x[KL(q(z|x) || p(z))] = I_q(x; z)                       index-code mutual information
                            + KL(q(z) || prod_j q(z_j))        total correlation (TC)
                            + sum_j KL(q(z_j) || p(z_j))       dimension-wise KL

(the last for a prior that factorises, p(z) = prod_j p(z_j)). β-VAE's β > 1 weighs all three, so it
buys independent dimensions (a small TC) by also squeezing the information the code carries about x
(a smaller I_q), which costs reconstruction. FactorVAE penalises the TC alone:

    loss = -ELBO + γ TC(z)        (Kim & Mnih 2018, eq. 2, with β = 1)

**The density-ratio trick** (Kim & Mnih, section 3; Sugiyama et al. 2012). TC has no closed form: q(z)
is a mixture over the whole data set. A discriminator D is trained to tell codes z ~ q(z) (a batch's
samples) from codes of prod_j q(z_j) (the same batch with each dimension shuffled across the batch on
its own: ``permute_dimensions``, their Algorithm 1). At its optimum D(z) = q(z) / (q(z) + prod_j
q(z_j)), so

    TC = E_q[log q(z) - log prod_j q(z_j)] ~ E_q[log D(z) - log(1 - D(z))] = E_q[logit D(z)],

and the VAE's step adds γ times the batch mean of D's logit (D's own weights are not moved by it).
D's step minimises the cross-entropy of "real" (label 1) for the batch's codes and "permuted"
(label 0) for the shuffled ones, both detached from the VAE.

Choices, as the paper unless said: D is an MLP of 6 layers, 1000 units, LeakyReLU(0.2) (their
Appendix); Adam at 1e-4 with betas (0.5, 0.9) for D. The permuted codes come from the same batch, not
from a second batch as in their Algorithm 1: one encoder pass per step instead of two on a 2-core CPU;
with batches of 64 or more the shuffled codes are still (nearly) independent across dimensions.
D is not saved in the checkpoint: it is needed only while training (a resumed run trains a fresh one).
"""

from __future__ import annotations

import itertools
import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .losses import ELBOTerms, normal_log_prob
from .priors import Prior

DISCRIMINATOR_LAYERS = 6
DISCRIMINATOR_WIDTH = 1000
DISCRIMINATOR_LR = 1e-4
DISCRIMINATOR_BETAS = (0.5, 0.9)


def permute_dimensions(z: Tensor, generator: torch.Generator | None = None) -> Tensor:
    """Each column of z (N x D) shuffled across the batch on its own: a sample of prod_j q(z_j)."""
    order = torch.stack([torch.randperm(z.shape[0], generator=generator) for _ in range(z.shape[1])], 1)
    return torch.gather(z, 0, order.to(z.device))


class TotalCorrelationDiscriminator(nn.Module):
    """D(z) as a logit: log D(z) - log(1 - D(z)), which estimates log q(z) - log prod_j q(z_j)."""

    def __init__(self, latent_dim: int, width: int = DISCRIMINATOR_WIDTH, layers: int = DISCRIMINATOR_LAYERS) -> None:
        super().__init__()
        sizes = [latent_dim] + [width] * (layers - 1)
        blocks: list[nn.Module] = []
        for a, b in itertools.pairwise(sizes):
            blocks += [nn.Linear(a, b), nn.LeakyReLU(0.2)]
        self.net = nn.Sequential(*blocks, nn.Linear(sizes[-1], 1))

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z).squeeze(-1)


class NoPenalty:
    """The plain VAE (and β-VAE): nothing is added to the bound, nothing else is trained."""

    def __call__(self, terms: ELBOTerms) -> Tensor | float:
        return 0.0

    def update(self, terms: ELBOTerms) -> None:
        pass

    @property
    def last_estimate(self) -> float | None:
        return None


class TotalCorrelationPenalty:
    """γ TC(z) for the VAE's loss, and the discriminator's training step after each VAE step."""

    def __init__(
        self,
        latent_dim: int,
        weight: float,
        device: torch.device,
        generator: torch.Generator,
        *,
        width: int = DISCRIMINATOR_WIDTH,
        layers: int = DISCRIMINATOR_LAYERS,
        learning_rate: float = DISCRIMINATOR_LR,
    ) -> None:
        self.weight = weight
        self.generator = generator
        self.discriminator = TotalCorrelationDiscriminator(latent_dim, width, layers).to(device)
        self.optimizer = torch.optim.Adam(self.discriminator.parameters(), lr=learning_rate, betas=DISCRIMINATOR_BETAS)
        self._estimate = torch.zeros((), device=device)

    def __call__(self, terms: ELBOTerms) -> Tensor:
        """γ times the batch's TC estimate, E_q[logit D(z)]: its gradient reaches the encoder through z."""
        estimate = self.discriminator(terms.z).float().mean()
        self._estimate = estimate.detach()
        return self.weight * estimate

    def update(self, terms: ELBOTerms) -> None:
        """One step of D: cross-entropy of real (1) for z, permuted (0) for ``permute_dimensions(z)``.
        Clears whatever gradient the VAE's backward left in D first."""
        z = terms.z.detach().float()
        real, permuted = self.discriminator(z), self.discriminator(permute_dimensions(z, self.generator))
        loss = F.binary_cross_entropy_with_logits(real, torch.ones_like(real)) + F.binary_cross_entropy_with_logits(
            permuted, torch.zeros_like(permuted)
        )
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()

    @property
    def last_estimate(self) -> float | None:
        """The last batch's TC estimate in nats (what the progress line and the history show)."""
        return float(self._estimate)


def mixture_log_densities(z: Tensor, mean: Tensor, logvar: Tensor, log_normaliser: float) -> tuple[Tensor, Tensor]:
    """For each code z_i (rows of z, N x D): log sum_m q(z_i | x_m) and, per dimension, log sum_m q(z_i,d | x_m),
    each minus ``log_normaliser`` (log N for the M = N codes' own mixture, log(N M) for minibatch-weighted
    sampling). The M x N x D log-densities are made 256 rows at a time to bound memory."""
    log_qz = z.new_empty(z.shape[0])
    log_qz_dims = torch.empty_like(z)
    for start in range(0, z.shape[0], 256):
        rows = z[start : start + 256, None, :]
        per_dim = -0.5 * (math.log(2 * math.pi) + logvar + (rows - mean).pow(2) / logvar.exp())
        log_qz[start : start + 256] = torch.logsumexp(per_dim.sum(-1), 1) - log_normaliser
        log_qz_dims[start : start + 256] = torch.logsumexp(per_dim, 1) - log_normaliser
    return log_qz, log_qz_dims


class MinibatchTotalCorrelation:
    """β-TCVAE (Chen et al. 2018): γ TC(z) with TC estimated on the batch itself by minibatch-weighted
    sampling (their section 3.1), no second network. With M codes of a batch from a data set of N,

        log q(z_i) ~ logsumexp_j log q(z_i | x_j) - log(N M),
        log q(z_i,d) ~ logsumexp_j log q(z_i,d | x_j) - log(N M)   for each dimension d,

    and TC ~ mean_i [log q(z_i) - sum_d log q(z_i,d)]. Their β is 1 + γ: -ELBO + γ TC is their
    I + β TC + dimension-wise KL with β = 1 + γ. The estimate is biased upwards where posteriors are
    narrow (by up to (D - 1) log(N M): each q(z_i) then sums one term, each q(z_i,d) several), so its
    value is not the TC; what trains is its gradient, as in their code."""

    def __init__(self, weight: float, dataset_size: int) -> None:
        self.weight = weight
        self.dataset_size = dataset_size
        self._estimate: Tensor | None = None

    def __call__(self, terms: ELBOTerms) -> Tensor:
        z, mean, logvar = terms.z.float(), terms.mean.float(), terms.logvar.float()
        log_qz, log_qz_dims = mixture_log_densities(z, mean, logvar, math.log(self.dataset_size * z.shape[0]))
        estimate = (log_qz - log_qz_dims.sum(1)).mean()
        self._estimate = estimate.detach()
        return self.weight * estimate

    def update(self, terms: ELBOTerms) -> None:
        pass  # nothing else to train

    @property
    def last_estimate(self) -> float | None:
        return None if self._estimate is None else float(self._estimate)


Penalty = NoPenalty | TotalCorrelationPenalty | MinibatchTotalCorrelation


def make_penalty(
    weight: float, estimator: str, *, latent_dim: int, dataset_size: int, device: torch.device, seed: int
) -> Penalty:
    """The penalty a training config asks for: nothing at γ = 0, else γ TC(z) by ``estimator``
    ("discriminator": FactorVAE; "minibatch": β-TCVAE)."""
    if weight == 0:
        return NoPenalty()
    generator = torch.Generator().manual_seed(seed)
    makers = {
        "discriminator": lambda: TotalCorrelationPenalty(latent_dim, weight, device, generator),
        "minibatch": lambda: MinibatchTotalCorrelation(weight, dataset_size),
    }
    return makers[estimator]()


def kl_decomposition(mean: Tensor, logvar: Tensor, z: Tensor, prior: Prior) -> tuple[float, float, float | None]:
    """(index-code mutual information, total correlation, dimension-wise KL), nats, for the N images
    whose posteriors are N(mean, exp(logvar)) and whose samples are z (N x D), taking q(z) to be the
    aggregate posterior of these N images themselves: q(z) = 1/N sum_m q(z|x_m), exactly (Chen et al.'s
    minibatch-weighted sampling with the batch as the whole data set). The dimension-wise KL is None for
    a prior that does not factorise (``Prior.log_prob_per_dimension``). O(N^2 D): a few thousand images."""
    n = z.shape[0]
    z64, mean64, logvar64 = z.double(), mean.double(), logvar.double()
    log_qz, log_qz_dims = mixture_log_densities(z64, mean64, logvar64, math.log(n))
    log_qz_given_x = normal_log_prob(z64, mean64, logvar64)
    information = float((log_qz_given_x - log_qz).mean())
    total_correlation = float((log_qz - log_qz_dims.sum(1)).mean())
    log_pz_dims = prior.log_prob_per_dimension(z.float())
    dimensionwise = None if log_pz_dims is None else float((log_qz_dims - log_pz_dims.double()).sum(1).mean())
    return information, total_correlation, dimensionwise
