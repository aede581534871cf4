"""Anomaly scores against direct computation, and the metrics on cases with known answers."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
import torch
from PIL import Image
from torch.distributions import Bernoulli, Normal

from vae_core import VAE, VAEConfig, anomaly, load_dataset, prepare_inputs


@pytest.fixture(scope="module")
def binarised_model() -> VAE:
    """A small untrained model of binarised images (random weights are enough to check arithmetic)."""
    config = VAEConfig(latent_dim=3, hidden=32, conv_channels=(4, 8), binarize="dynamic")
    return VAE(config, generator=torch.Generator().manual_seed(1)).eval()


@pytest.fixture(scope="module")
def digits() -> torch.Tensor:
    return load_dataset("mnist", train=False)[0][:6]


def direct_negative_elbo(model: VAE, x: torch.Tensor, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """-ELBO and -log p(x|z) written out: one sample z = mu + sigma eps, Bernoulli likelihood and the
    closed-form KL to N(0, I) (Kingma & Welling 2014, eq. 10 and Appendix B)."""
    with torch.no_grad():
        mean, logvar = model.encode(x)
        eps = torch.randn(mean.shape, generator=torch.Generator().manual_seed(seed))
        z = mean + (0.5 * logvar).exp() * eps
        reconstruction = -Bernoulli(logits=model.decoder(z), validate_args=False).log_prob(x).flatten(1).sum(1)
    kl = 0.5 * (mean.pow(2) + logvar.exp() - 1 - logvar).sum(1)
    return reconstruction + kl, reconstruction


def direct_iwae(model: VAE, x: torch.Tensor, k: int, seed: int) -> torch.Tensor:
    """log (1/k) sum_i p(x|z_i) p(z_i) / q(z_i|x) with torch.distributions, the k draws of every
    image taken in one call (as the library takes them when k is small)."""
    with torch.no_grad():
        mean, logvar = model.encode(x)
        q = Normal(mean[:, None], (0.5 * logvar[:, None]).exp())
        z = q.loc + q.scale * torch.randn((len(x), k, mean.shape[1]), generator=torch.Generator().manual_seed(seed))
        logits = model.decoder(z.reshape(-1, mean.shape[1])).reshape(len(x), k, -1)
        log_px_z = Bernoulli(logits=logits, validate_args=False).log_prob(x.flatten(1)[:, None]).sum(-1)
        log_w = log_px_z + Normal(0.0, 1.0).log_prob(z).sum(-1) - q.log_prob(z).sum(-1)
    return torch.logsumexp(log_w, 1) - math.log(k)


def png_nats(image: np.ndarray, mode: str) -> float:
    buffer = io.BytesIO()
    Image.fromarray(image).convert(mode).save(buffer, "PNG", compress_level=9)
    return len(buffer.getvalue()) * 8 * math.log(2)


@pytest.mark.parametrize("which", ["grey", "binarised"])
def test_scores_match_direct_computation(which, small_model, binarised_model, digits):
    model = small_model if which == "grey" else binarised_model
    x = prepare_inputs(model, digits, random_state=4)  # binarised with the seed the scores use
    elbo, reconstruction = direct_negative_elbo(model, x, seed=4)
    scores = anomaly.score_many(model, digits, k=8, random_state=4)
    torch.testing.assert_close(scores["elbo"], elbo, rtol=1e-5, atol=1e-3)
    torch.testing.assert_close(scores["reconstruction"], reconstruction, rtol=1e-5, atol=1e-3)
    torch.testing.assert_close(scores["iwae"], -direct_iwae(model, x, 8, seed=4), rtol=1e-5, atol=1e-3)
    # The complexity term is the PNG length of the image the model scores: 8-bit grey levels, or the
    # binarised sample as a 1-bit PNG.
    pixels = (x[:, 0] * 255).round().to(torch.uint8).numpy()
    length = torch.tensor([png_nats(p, "L" if which == "grey" else "1") for p in pixels])
    torch.testing.assert_close(scores["complexity"], scores["iwae"] - length)
    if which == "grey":
        assert torch.equal(torch.from_numpy(pixels), digits), "grey-level models score the 8-bit image itself"
    else:
        assert set(np.unique(pixels)) <= {0, 255}


def test_each_score_is_the_same_alone_or_with_others(small_model, digits):
    together = anomaly.score_many(small_model, digits, scores=anomaly.SCORES, k=5, typical_nll=150.0)
    for name in anomaly.SCORES:
        alone = anomaly.anomaly_scores(small_model, digits, score=name, k=5, typical_nll=150.0)
        torch.testing.assert_close(alone, together[name])
    torch.testing.assert_close(together["typicality"], (together["iwae"] - 150.0).abs())
    # Float inputs are taken as prepared: the same figures as their uint8 originals for a grey-level model.
    torch.testing.assert_close(
        anomaly.anomaly_scores(small_model, digits.float() / 255, score="iwae", k=5), together["iwae"]
    )
    # A generator of the caller's own supplies the draws instead: seeded as the default int, the same.
    mine = anomaly.anomaly_scores(small_model, digits, score="elbo", random_state=torch.Generator().manual_seed(0))
    torch.testing.assert_close(mine, together["elbo"])


def test_bad_arguments_are_refused(small_model, digits):
    with pytest.raises(ValueError, match="unknown score 'likelihood'"):
        anomaly.anomaly_scores(small_model, digits, score="likelihood")
    with pytest.raises(ValueError, match="k must be"):
        anomaly.anomaly_scores(small_model, digits, score="iwae", k=0)
    with pytest.raises(ValueError, match="typicality score needs typical_nll"):
        anomaly.anomaly_scores(small_model, digits, score="typicality")
    with pytest.raises(ValueError, match="false-positive rate"):
        anomaly.threshold_at_fpr(np.arange(10), 0.0)


def test_a_trained_model_finds_noise_and_flipped_contrast_anomalous(small_model, digits):
    noise = torch.from_numpy(np.random.default_rng(0).integers(0, 256, (6, 28, 28), dtype=np.uint8))
    for name in ("elbo", "iwae", "reconstruction"):
        typical = anomaly.anomaly_scores(small_model, digits, score=name, k=5)
        assert anomaly.anomaly_scores(small_model, noise, score=name, k=5).min() > typical.max()
        assert anomaly.anomaly_scores(small_model, 255 - digits, score=name, k=5).min() > typical.max()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_scores_on_the_gpu_match_the_cpu(small_model, digits):
    gpu = VAE(small_model.config).cuda().eval()
    gpu.load_state_dict(small_model.state_dict())
    x = prepare_inputs(small_model, digits)
    # The same draws on both devices: eps from the CPU, through elbo_terms' own eps argument.
    eps = torch.randn(len(digits), 2, generator=torch.Generator().manual_seed(0))
    on_cpu = small_model.elbo_terms(x, eps=eps).negative_elbo.detach()
    on_gpu = gpu.elbo_terms(x.cuda(), eps=eps.cuda()).negative_elbo.detach().cpu()
    torch.testing.assert_close(on_gpu, on_cpu, rtol=1e-4, atol=1e-3)
    scores = anomaly.score_many(gpu, digits, k=50)
    assert all(s.device.type == "cpu" and s.shape == (6,) and torch.isfinite(s).all() for s in scores.values())
    reference = anomaly.score_many(small_model, digits, scores=("iwae",), k=2000)["iwae"]
    torch.testing.assert_close(
        anomaly.score_many(gpu, digits, scores=("iwae",), k=2000)["iwae"], reference, atol=1.0, rtol=0
    )


# ------------------------------------------------------------------------------------ the metrics


def test_auroc_of_two_gaussians_is_phi_of_half_the_gap():
    """For in-distribution scores N(0, 1) and out-of-distribution N(d, 1), P(out > in) = Phi(d / sqrt 2)."""
    rng = np.random.default_rng(0)
    inside, outside, held_out = rng.normal(0, 1, 100_000), rng.normal(1, 1, 100_000), rng.normal(0, 1, 100_000)
    result = anomaly.detection(inside, outside, held_out, fpr=0.05)
    expected = 0.5 * (1 + math.erf(1 / math.sqrt(2) / math.sqrt(2)))  # Phi(1 / sqrt 2) = 0.7602
    assert result.auroc == pytest.approx(expected, abs=0.004)
    assert result.threshold == pytest.approx(1.6449, abs=0.03)  # the 95th percentile of N(0, 1)
    assert result.false_alarms == pytest.approx(0.05, abs=0.003)
    assert result.detected == pytest.approx(1 - 0.5 * (1 + math.erf(0.6449 / math.sqrt(2))), abs=0.01)  # 0.26


def test_auroc_extremes_and_the_threshold_on_a_small_case():
    inside, outside = np.arange(10.0), np.arange(10.0) + 100
    perfect = anomaly.detection(inside, outside, inside)
    assert perfect.auroc == 1.0 and perfect.average_precision == pytest.approx(1.0)
    assert anomaly.detection(outside, inside, outside).auroc == 0.0  # the set looks more typical than the data
    assert anomaly.detection(inside, inside.copy(), inside).auroc == 0.5
    # 100 held-out scores 0..99 at a 5% false-positive rate: 5 scores (95-99) lie above the threshold.
    assert anomaly.threshold_at_fpr(np.arange(100.0), 0.05) == 94.0
    assert anomaly.threshold_at_fpr(np.arange(100.0), 0.10) == 89.0
    fpr, tpr, _ = anomaly.roc(inside, outside)
    assert fpr[0] == 0 and tpr[-1] == 1 and np.all(np.diff(fpr) >= 0)


# ------------------------------------------------------------------------------------ the benchmark


def test_benchmark_judges_every_score_on_every_set(small_model):
    result = anomaly.benchmark(small_model, ["uniform-noise", "rotated-180"], ("elbo", "complexity"), images=30, k=3)
    assert result.table()[0][0] == "uniform-noise" and len(result.table()[0]) == 3
    assert result.results["uniform-noise"]["elbo"].auroc == 1.0
    assert set(result.scores) == {"in-distribution", "held-out", "uniform-noise", "rotated-180"}
    again = anomaly.benchmark(small_model, ["rotated-180"], ("elbo",), images=30, k=3)
    np.testing.assert_array_equal(again.scores["rotated-180"]["elbo"], result.scores["rotated-180"]["elbo"])


def test_typicality_measures_from_the_held_out_images_mean_and_flags_the_too_likely(small_model):
    """H is the held-out half's mean IWAE score, from the same draws as its iwae column; near-blank
    images, which the likelihood finds *more* likely than digits, are flagged by typicality."""
    result = anomaly.benchmark(small_model, ["near-blank"], ("iwae", "typicality"), images=60, k=3)
    held_out = result.scores["held-out"]
    typical = held_out["iwae"].astype(np.float64).mean()
    np.testing.assert_allclose(held_out["typicality"], np.abs(held_out["iwae"] - typical), atol=1e-4)  # float32
    blank = result.scores["near-blank"]
    assert blank["iwae"].mean() < typical  # the pitfall: more likely than the model's own digits ...
    assert result.results["near-blank"]["iwae"].auroc < 0.5
    assert result.results["near-blank"]["typicality"].auroc > 0.9  # ... and typicality is not fooled


def test_an_upload_has_one_score_alone_beside_others_and_with_its_parts(small_model, digits):
    """The Reconstruct and Anomaly pages score an upload with these: the same image, the same figure,
    whatever else is uploaded with it, whether it comes as floats or as 8-bit grey levels."""
    images = digits[:5].float() / 255 + 0.001  # off the 8-bit levels, as a preprocessed photo is
    each = anomaly.score_each(small_model, images, scores=("elbo", "iwae"), k=5)
    reversed_order = anomaly.score_each(small_model, images.flip(0), scores=("elbo",), k=5)
    torch.testing.assert_close(reversed_order["elbo"].flip(0), each["elbo"])
    for i, image in enumerate(images):
        alone = anomaly.upload_elbo(small_model, image[None])
        assert alone.negative_elbo == pytest.approx(float(each["elbo"][i]), abs=1e-4)
        assert float(alone.terms.reconstruction[0] + alone.terms.kl[0]) == pytest.approx(alone.negative_elbo)
        pixels = anomaly.upload_pixels(image[None])
        assert pixels.dtype == torch.uint8 and anomaly.upload_elbo(small_model, pixels).negative_elbo == pytest.approx(
            alone.negative_elbo
        )
    # In a batch, the draws follow the batch: the second image's batch score is not its score alone.
    batch = anomaly.score_many(small_model, anomaly.upload_pixels(images), scores=("elbo",))["elbo"]
    assert not torch.allclose(batch[1:], each["elbo"][1:])


def test_share_below_counts_strictly_lower_reference_scores():
    assert anomaly.share_below(np.array([1.0, 2.0, 3.0, 4.0]), 3.0) == 0.5
    assert anomaly.share_below(np.array([1.0, 2.0]), 0.0) == 0.0
