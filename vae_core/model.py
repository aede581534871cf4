"""The convolutional VAE: encoder q(z|x), reparameterised sample, decoder p(x|z), prior p(z).

Shapes follow the classic MNIST recipe: conv(1->32, stride 2) -> conv(32->64, stride 2) -> fc 400 ->
(mean, log-variance); the decoder mirrors it back to 28 x 28 logits, as many maps as the likelihood
reads (``decoder_channels``: one for most). Images are float tensors
N x 1 x 28 x 28 in [0, 1].
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from .config import TrainConfig, VAEConfig
from .likelihoods import Likelihood, make_likelihood
from .losses import ELBOTerms, normal_log_prob
from .priors import Prior, make_prior


class VAE(nn.Module):
    """``generator``: draw the initial weights from it (PyTorch's default initialisation, but from a
    generator of the caller's own, so concurrent training runs in one process never share draws)."""

    def __init__(self, config: VAEConfig, generator: torch.Generator | None = None) -> None:
        super().__init__()
        self.config = config
        # How it was trained and what is known of it (command, time, test figures, history): set by
        # training and by checkpoint loading, saved in the checkpoint's header. Imported here, not at
        # the top: provenance reads the evaluation and training records, whose modules import this one.
        from .provenance import Provenance

        self.train_config = TrainConfig()
        self.info: Provenance = Provenance()
        # No weights of its own; it says how many maps per pixel the decoder makes (decoder_channels).
        self.likelihood: Likelihood = make_likelihood(config)
        c1, c2 = config.conv_channels
        self.encoder = nn.Sequential(
            nn.Conv2d(1, c1, 4, stride=2, padding=1),  # 28 -> 14
            nn.ReLU(),
            nn.Conv2d(c1, c2, 4, stride=2, padding=1),  # 14 -> 7
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(c2 * 7 * 7, config.hidden),
            nn.ReLU(),
            nn.Linear(config.hidden, 2 * config.latent_dim),  # mean and log-variance
        )
        self.decoder = nn.Sequential(
            nn.Linear(self.code_size(config), config.hidden),
            nn.ReLU(),
            nn.Linear(config.hidden, c2 * 7 * 7),
            nn.ReLU(),
            nn.Unflatten(1, (c2, 7, 7)),
            nn.ConvTranspose2d(c2, c1, 4, stride=2, padding=1),  # 7 -> 14
            nn.ReLU(),
            nn.ConvTranspose2d(c1, self.likelihood.decoder_channels, 4, stride=2, padding=1),  # 14 -> 28: logits
        )
        self.build_lower_levels(config)
        if generator is not None:
            _initialise(self, generator)
        self.prior: Prior = make_prior(config, self.encode, generator)

    @staticmethod
    def code_size(config: VAEConfig) -> int:
        """Numbers the decoder reads, one per latent dimension of every level (one level here)."""
        return config.latent_dim

    def build_lower_levels(self, config: VAEConfig) -> None:
        """The stochastic levels below the top: none in this VAE (vae_core.hierarchy adds them)."""

    @property
    def latent_dim(self) -> int:
        return self.config.latent_dim

    @property
    def levels(self) -> tuple[int, ...]:
        """Each stochastic level's size, from the top down: one level here (vae_core.hierarchy has more)."""
        return (self.config.latent_dim,)

    @property
    def noise_size(self) -> int:
        """Standard normal draws one sample of every level takes (the reparameterisation's eps per image)."""
        return self.code_size(self.config)

    def mean_path(self) -> list[tuple[nn.Linear, nn.Linear]]:
        """The levels below the latent code, each as the two Linear layers (ReLU between) that give its
        conditional mean from the level above: none here (vae_core.hierarchy has them; vae_core.export
        writes them for the browser's decoder)."""
        return []

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    def encode(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """q(z|x) = N(mean, diag(exp(logvar))): returns (mean, logvar), each N x latent_dim."""
        # .float(): under bfloat16 autocast the layers run in bfloat16 but the bound is computed in
        # float32 (exp(logvar) - 1 - logvar cancels catastrophically in 8 mantissa bits).
        mean, logvar = self.encoder(x).float().chunk(2, dim=1)
        return mean, logvar

    @staticmethod
    def reparameterize(
        mean: Tensor, logvar: Tensor, generator: torch.Generator | None = None, eps: Tensor | None = None
    ) -> Tensor:
        """z = mean + sigma * eps, eps ~ N(0, I): a sample through which gradients reach the encoder.

        ``generator`` (on the tensors' device) makes the draw the caller's own; without one it
        comes from torch's process-wide generator. ``eps`` gives the noise itself instead."""
        if eps is None:
            eps = torch.randn(mean.shape, generator=generator, device=mean.device, dtype=mean.dtype)
        return mean + torch.exp(0.5 * logvar) * eps

    def decode_logits(self, z: Tensor) -> Tensor:
        """The decoder's raw output, the logits the likelihood reads (``self.likelihood.mean``)."""
        return self.decoder(z).float()

    def decode(self, z: Tensor) -> Tensor:
        """Pixel means E[x|z] in [0, 1], N x 1 x 28 x 28."""
        return self.likelihood.mean(self.decode_logits(z))

    def log_likelihood(self, x: Tensor, logits: Tensor) -> Tensor:
        """log p(x|z) per image under the configured likelihood, in nats."""
        return self.likelihood.log_prob(x, logits)

    def elbo_terms(self, x: Tensor, generator: torch.Generator | None = None, eps: Tensor | None = None) -> ELBOTerms:
        """One-sample estimate of the bound's two terms for each image of x (the only place they are
        computed: training, evaluation and the app all call this). The sample's noise comes from
        ``generator``, or is ``eps`` itself."""
        mean, logvar = self.encode(x)
        z = self.reparameterize(mean, logvar, generator, eps)
        reconstruction = -self.log_likelihood(x, self.decode_logits(z))
        kl = self.prior.kl(mean, logvar)  # closed form where the prior has one, else estimated from z
        return ELBOTerms(reconstruction, self.prior.kl_estimate(mean, logvar, z) if kl is None else kl, mean, logvar, z)

    def log_importance_weights(self, x: Tensor, n: int, generator: torch.Generator | None = None) -> Tensor:
        """IWAE's log importance weights log w_i = log p(x|z_i) + log p(z_i) - log q(z_i|x) for n samples
        z_i ~ q(z|x) of each image of x: B x n (Burda, Grosse & Salakhutdinov 2015; their bound is the
        expectation of log (1/k) sum_i w_i). vae_core.evaluate.iwae_log_likelihood combines them, and every
        IWAE figure (``evaluate``, the anomaly scores, the Reconstruct page) comes through it;
        tests/test_anomaly.py checks them against torch.distributions."""
        mean, logvar = self.encode(x)
        b = x.shape[0]
        z = self.reparameterize(mean[:, None].expand(b, n, -1), logvar[:, None].expand(b, n, -1), generator)
        flat = z.reshape(b * n, -1)
        log_px_z = self.log_likelihood(x.repeat_interleave(n, 0), self.decode_logits(flat)).reshape(b, n)
        return log_px_z + self.prior.log_prob(flat).reshape(b, n) - normal_log_prob(z, mean[:, None], logvar[:, None])

    def forward(self, x: Tensor) -> Tensor:
        """Reconstruction of x through the posterior mean (no sampling), as pixel means."""
        return self.decode(self.encode(x)[0])


def _initialise(model: nn.Module, generator: torch.Generator) -> None:
    """PyTorch's default initialisation of linear and (transposed) convolution layers (weights
    Kaiming-uniform with a = sqrt(5), biases uniform in +-1/sqrt(fan_in)), drawn from ``generator``."""
    with torch.no_grad():
        for layer in model.modules():
            if isinstance(layer, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
                nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
                fan_in, _ = nn.init._calculate_fan_in_and_fan_out(layer.weight)
                bound = 1 / math.sqrt(fan_in)
                nn.init.uniform_(layer.bias, -bound, bound, generator=generator)


def build_model(config: VAEConfig, generator: torch.Generator | None = None) -> VAE:
    """The model ``config`` describes: this module's VAE, or with levels below the top
    (``config.lower_levels``) vae_core.hierarchy's, whose first level is this VAE's latent code."""
    from .hierarchy import HierarchicalVAE  # it subclasses VAE

    return (HierarchicalVAE if config.lower_levels else VAE)(config, generator)
