"""Checkpoints as safetensors: weights plus JSON metadata, never a pickle.

A safetensors file is a JSON header and raw tensor bytes; reading one cannot run code, so a
checkpoint someone uploads is safe to open. The header carries the model config, the training
config and the model's ``Provenance`` (training command, time, history, test figures) as JSON.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_bytes
from safetensors.torch import save as save_bytes

from .config import TrainConfig, VAEConfig
from .model import VAE, build_model
from .provenance import Provenance

FORMAT = "vae-latent-explorer/1"
MAX_CHECKPOINT_BYTES = 200 * 1024 * 1024


class CheckpointError(ValueError):
    """A checkpoint file that cannot be used; the message says why in plain words."""


def checkpoint_bytes(model: VAE, train_config: TrainConfig | None = None, info: Provenance | None = None) -> bytes:
    """The checkpoint as bytes (for downloads), with the configs and the provenance (by default the
    model's own ``train_config`` and ``info``) in the header."""
    metadata = {
        "format": FORMAT,
        "config": model.config.to_json(),
        "train_config": (train_config or model.train_config).to_json(),
        "info": (info if info is not None else model.info).to_json(),
    }
    tensors = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    return save_bytes(tensors, metadata=metadata)


def save_checkpoint(
    model: VAE,
    path: str | os.PathLike[str],
    train_config: TrainConfig | None = None,
    info: Provenance | None = None,
) -> Path:
    """Write atomically: a temporary file in the same folder, then a rename, so no reader ever
    sees half a checkpoint and a crash leaves the old file intact."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = checkpoint_bytes(model, train_config, info)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a checkpoint is meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_checkpoint(source: str | os.PathLike[str] | bytes, map_location: str | torch.device = "cpu") -> VAE:
    """A VAE in eval mode from a path or raw bytes, with ``config``, ``train_config`` and ``info`` set.

    Raises CheckpointError for anything that is not a well-formed checkpoint of this project.
    """
    if isinstance(source, (bytes, bytearray)):
        data = bytes(source)
    else:
        path = Path(source)
        if not path.is_file():
            raise CheckpointError(f"no checkpoint file at {path}")
        if path.stat().st_size > MAX_CHECKPOINT_BYTES:
            raise CheckpointError(f"{path.name} is larger than {MAX_CHECKPOINT_BYTES // 2**20} MB")
        data = path.read_bytes()
    return model_from_bytes(data, map_location)


def _safetensors_layout(data: bytes) -> bool:
    """An 8-byte little-endian header length, then a JSON header that fits in the data."""
    return len(data) > 8 and data[8:9] == b"{" and 8 + int.from_bytes(data[:8], "little") <= len(data)


def model_from_bytes(data: bytes, map_location: str | torch.device = "cpu") -> VAE:
    if len(data) > MAX_CHECKPOINT_BYTES:
        raise CheckpointError(f"checkpoint is larger than {MAX_CHECKPOINT_BYTES // 2**20} MB")
    # pickle protocol 2+ or torch.save's zip; but a safetensors file begins with its header's length,
    # whose first byte is 0x80 for one length in 256: the header's "{" after the length tells them apart.
    if (data[:1] == b"\x80" or data[:2] == b"PK") and not _safetensors_layout(data):
        raise CheckpointError(
            "this is a pickle-based file (torch.save / .pt / .pth); pickles can run code when opened, "
            "so they are refused. Save checkpoints with this project's CLI or app (.safetensors)."
        )
    try:
        tensors = load_bytes(data)
        metadata = read_metadata(data)
    except (SafetensorError, ValueError, OSError) as exc:
        raise CheckpointError(f"not a readable safetensors checkpoint (truncated or corrupt?): {exc}") from exc
    if metadata.get("format") != FORMAT:
        raise CheckpointError(f"not a checkpoint of this project (expected format {FORMAT!r} in the header)")
    try:
        config = VAEConfig.from_json(metadata["config"])
        train_config = TrainConfig.from_json(metadata.get("train_config", "{}"))
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(f"the checkpoint's config is missing or invalid: {exc}") from exc
    try:
        info = Provenance.from_json(metadata.get("info", "{}"))
    except ValueError as exc:  # json's errors are ValueErrors too
        raise CheckpointError(f"the checkpoint's record of itself (info) is invalid: {exc}") from exc
    model = build_model(config)
    expected = model.state_dict()
    if set(tensors) != set(expected):
        raise CheckpointError(
            "the weights do not belong to this architecture (other layer names: "
            f"missing {sorted(set(expected) - set(tensors))[:3]}, "
            f"unexpected {sorted(set(tensors) - set(expected))[:3]})"
        )
    for name, tensor in tensors.items():
        if tensor.shape != expected[name].shape:
            raise CheckpointError(
                f"weight {name} has shape {tuple(tensor.shape)} but the config needs {tuple(expected[name].shape)}"
            )
        if not tensor.is_floating_point():
            raise CheckpointError(f"weight {name} is of type {tensor.dtype}, not floating point: the file is not ours")
        if not torch.isfinite(tensor).all():
            raise CheckpointError(f"weight {name} contains NaN or infinite values: the model is unusable")
    model.load_state_dict(tensors)
    model.train_config = train_config
    model.info = info
    return model.to(map_location).eval()


def read_metadata(data: bytes) -> dict[str, str]:
    """The ``__metadata__`` of a safetensors header (8-byte little-endian length, then JSON)."""
    length = int.from_bytes(data[:8], "little")
    if not 0 < length <= len(data) - 8:
        raise ValueError("bad header length")
    header = json.loads(data[8 : 8 + length])
    metadata = header.get("__metadata__") or {}
    if not isinstance(metadata, dict):
        raise ValueError("bad metadata")
    return metadata


def describe(model: VAE) -> dict[str, Any]:
    """The facts a person wants to see about a model, as plain values."""
    test = model.info.test
    elbo = None if test is None else test.negative_elbo
    config = model.config
    return {
        "dataset": config.dataset,
        "latent size": model.latent_dim,
        "likelihood": model.likelihood.describe() + (" (binarised data)" if config.binarize == "dynamic" else ""),
        "prior": model.prior.describe(),
        "beta": model.train_config.beta,
        "test -ELBO (nats)": round(elbo, 2) if elbo is not None and math.isfinite(elbo) else None,
    }
