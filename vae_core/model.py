"""The convolutional VAE: encoder q(z|x), reparameterised sample, decoder p(x|z).

Shapes follow the classic MNIST recipe: conv(1->32, stride 2) -> conv(32->64, stride 2) -> fc 400 ->
(mean, log-variance); the decoder mirrors it back to 1 x 28 x 28 logits. Images are float tensors
N x 1 x 28 x 28 in [0, 1].
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .config import VAEConfig
from .losses import ELBOTerms, bernoulli_log_prob, gaussian_log_prob, kl_standard_normal


class VAE(nn.Module):
    def __init__(self, config: VAEConfig) -> None:
        super().__init__()
        self.config = config
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
            nn.Linear(config.latent_dim, config.hidden),
            nn.ReLU(),
            nn.Linear(config.hidden, c2 * 7 * 7),
            nn.ReLU(),
            nn.Unflatten(1, (c2, 7, 7)),
            nn.ConvTranspose2d(c2, c1, 4, stride=2, padding=1),  # 7 -> 14
            nn.ReLU(),
            nn.ConvTranspose2d(c1, 1, 4, stride=2, padding=1),  # 14 -> 28: logits
        )

    @property
    def latent_dim(self) -> int:
        return self.config.latent_dim

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
    def reparameterize(mean: Tensor, logvar: Tensor) -> Tensor:
        """z = mean + sigma * eps, eps ~ N(0, I): a sample through which gradients reach the encoder."""
        return mean + torch.exp(0.5 * logvar) * torch.randn_like(mean)

    def decode_logits(self, z: Tensor) -> Tensor:
        """The decoder's raw output: Bernoulli logits, or the Gaussian mean before its sigmoid."""
        return self.decoder(z).float()

    def decode(self, z: Tensor) -> Tensor:
        """Pixel means E[x|z] in [0, 1], N x 1 x 28 x 28."""
        return torch.sigmoid(self.decode_logits(z))

    def log_likelihood(self, x: Tensor, logits: Tensor) -> Tensor:
        """log p(x|z) per image under the configured likelihood, in nats."""
        if self.config.likelihood == "bernoulli":
            return bernoulli_log_prob(x, logits)
        return gaussian_log_prob(x, torch.sigmoid(logits), self.config.gaussian_sigma)

    def elbo_terms(self, x: Tensor) -> ELBOTerms:
        """One-sample estimate of the bound's two terms for each image of x."""
        mean, logvar = self.encode(x)
        z = self.reparameterize(mean, logvar)
        reconstruction = -self.log_likelihood(x, self.decode_logits(z))
        return ELBOTerms(reconstruction=reconstruction, kl=kl_standard_normal(mean, logvar))

    def forward(self, x: Tensor) -> Tensor:
        """Reconstruction of x through the posterior mean (no sampling), as pixel means."""
        return self.decode(self.encode(x)[0])
