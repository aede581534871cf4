"""The decoder file the browser reads (vae_core.export): its format round trip and its refusals."""

from __future__ import annotations

import struct

import numpy as np
import pytest
import torch

from tests.support.files import SHIPPED_2D
from vae_core import VAE, VAEConfig, decoder_bytes, decoder_from_bytes, encoder_bytes, load_checkpoint
from vae_core.export import HEADER


def decoder_parameters(model: VAE) -> int:
    return sum(p.numel() for p in model.decoder.parameters())


SMALL = VAEConfig(latent_dim=2, hidden=64, conv_channels=(8, 16))


@pytest.mark.parametrize("config", [SMALL, VAEConfig(latent_dim=10)], ids=["small-2d", "classic-10d"])
def test_float32_round_trip_is_exact(config):
    model = VAE(config, torch.Generator().manual_seed(0)).eval()
    data = decoder_bytes(model, bits=32)
    assert len(data) == HEADER.size + 4 * decoder_parameters(model)
    magic, version, bits, d, h, c2, c1, _ = HEADER.unpack_from(data)
    assert (magic, version, bits) == (b"VAED", 1, 32)
    assert (d, h, (c1, c2)) == (config.latent_dim, config.hidden, config.conv_channels)
    decoder = decoder_from_bytes(data)
    for ours, theirs in zip(decoder.state_dict().values(), model.decoder.state_dict().values(), strict=True):
        assert torch.equal(ours, theirs)


def test_float16_keeps_the_shipped_models_images_within_one_level():
    """Half the bytes on the wire; the pixels (as the app shows them, 8-bit) move by at most one level."""
    model = load_checkpoint(SHIPPED_2D).eval()
    data = decoder_bytes(model, bits=16)
    assert len(data) == HEADER.size + 2 * decoder_parameters(model)
    z = 2 * torch.randn(200, 2, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        ours = torch.sigmoid(decoder_from_bytes(data)(z))
        theirs = model.decode(z)
    assert ((ours * 255).round() - (theirs * 255).round()).abs().max() <= 1


def test_a_weight_too_large_for_float16_is_refused():
    model = VAE(VAEConfig(latent_dim=2, hidden=16, conv_channels=(4, 8)))
    with torch.no_grad():
        model.decoder[0].weight[0, 0] = 1e6
    with pytest.raises(ValueError, match="float16"):
        decoder_bytes(model, bits=16)
    decoder_bytes(model, bits=32)  # float32 holds it


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda b: b[:20], "too short"),
        (lambda b: b"XXXX" + b[4:], "version-1"),
        (lambda b: b[:4] + struct.pack("<I", 3) + b[8:], "version-1 or version-2"),
        (lambda b: b[:-2], "size does not match"),
        (lambda b: b + b"\0\0", "size does not match"),
    ],
)
def test_a_damaged_file_is_refused(damage, message):
    data = decoder_bytes(VAE(VAEConfig(latent_dim=2, hidden=16, conv_channels=(4, 8))), bits=16)
    with pytest.raises(ValueError, match=message):
        decoder_from_bytes(damage(data))


def test_bits_must_be_16_or_32():
    with pytest.raises(ValueError, match="16 or 32"):
        decoder_bytes(VAE(VAEConfig(latent_dim=2, hidden=16, conv_channels=(4, 8))), bits=8)


def test_the_encoder_file_is_its_header_and_every_encoder_weight_in_order():
    model = VAE(VAEConfig(latent_dim=3, hidden=16, conv_channels=(4, 8)))
    data = encoder_bytes(model, bits=32)
    weights = [p.detach().flatten() for p in model.encoder.parameters()]
    assert data[:4] == b"VAEE" and struct.unpack_from("<7I", data, 4) == (1, 32, 3, 16, 8, 4, 0)
    assert np.array_equal(np.frombuffer(data, "<f4", offset=32), torch.cat(weights).numpy())
    assert len(encoder_bytes(model, bits=16)) == 32 + 2 * sum(w.numel() for w in weights)
    with torch.no_grad():
        model.encoder[0].weight[0, 0, 0, 0] = 1e6
    with pytest.raises(ValueError, match="float16"):
        encoder_bytes(model, bits=16)
