"""Paths and hostile files the tests share: the shipped checkpoints (in git, so always here) and a
pickle that runs code when unpickled, which every loader must refuse."""

from __future__ import annotations

import io
import os
import pickle
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
SHIPPED_2D = ROOT / "checkpoints" / "mnist-2d.safetensors"
SHIPPED_32D = ROOT / "checkpoints" / "mnist-32d.safetensors"
# The two true likelihoods of grey levels, whose means the browser decoder computes from the logits otherwise.
SHIPPED_LOGISTIC = ROOT / "checkpoints" / "logistic-2d.safetensors"
SHIPPED_CONTINUOUS_BERNOULLI = ROOT / "checkpoints" / "cbernoulli-2d.safetensors"
# The hierarchy (vae_core.hierarchy): a 2-D top over a 32-D level, whose decoder file is version 2.
SHIPPED_LADDER = ROOT / "checkpoints" / "ladder-2d.safetensors"
# A hostile pickle touches this file when it is unpickled: its existence proves that code ran.
HOSTILE_MARKER = Path("/tmp/vae-explorer-hostile-pickle-ran")


class RunsCode:
    """Unpickling this runs a shell command: what a malicious checkpoint would do."""

    def __reduce__(self):
        return (os.system, (f"touch {HOSTILE_MARKER}",))


def hostile_pickle(with_torch_save: bool = False) -> bytes:
    """A file that runs code if anyone unpickles it: plain pickle, or torch.save's zip of pickles."""
    if not with_torch_save:
        return pickle.dumps(RunsCode())
    buffer = io.BytesIO()
    torch.save({"weights": RunsCode()}, buffer)
    return buffer.getvalue()
