"""How the library takes randomness: one keyword, ``random_state``, with scikit-learn's meaning.

Every public function that draws random numbers (prior samples, posterior samples, pixel samples, the
binarisation of grey levels, a model's initial weights) takes ``random_state: RandomState`` and
nothing else:

- an ``int``: a fresh ``torch.Generator`` seeded with it, made by the function on the device its
  draws happen on. The usual case: a page, a link, a CLI flag, a lesson and a checkpoint's stored
  figures all hold an int, a Streamlit cache can hash it, and the same int gives the same figures
  on any device the model is on (a CPU generator cannot drive a CUDA model's draws).
- a ``torch.Generator``: used as it is, so several calls can share one stream (``evaluate`` draws
  the ELBO sample and then the IWAE samples from one); it must be on the device of the draws.
- ``None``: torch's global generator, as scikit-learn's None is numpy's global one. The app never
  passes None: its draws come from generators of their own, so one session's page view cannot
  change another's training.

Why not an explicit generator everywhere: a caller would then have to know the model's device and
build a generator for every call, and an int (what every caller holds) would have to be turned into
one at each of them. Why not a bare ``seed``: it cannot continue a stream. scikit-learn's convention
(``check_random_state``) is the one both needs meet, and the one its users know.
"""

from __future__ import annotations

from numbers import Integral

import torch

RandomState = int | torch.Generator | None


def generator_for(random_state: RandomState, device: torch.device | str = "cpu") -> torch.Generator | None:
    """The generator ``random_state`` stands for (the module docstring): a fresh one on ``device``
    seeded with an int, a given generator itself, or None for torch's global generator."""
    if random_state is None or isinstance(random_state, torch.Generator):
        return random_state
    if isinstance(random_state, bool) or not isinstance(random_state, Integral):
        raise TypeError(f"random_state must be an int, a torch.Generator or None, not {random_state!r}")
    return torch.Generator(device=device).manual_seed(int(random_state))
