"""The Train page's form defaults (the run itself is server.training.TrainingJob)."""

from __future__ import annotations

import dataclasses

import vae_core as vc

# The Train page's form starts from these: the library's own defaults (the CLI's too, so the fast path
# is written down once, in vae_core.config), except 3 epochs instead of 10, so that a class sees a
# finished model in a minute or two. What the form does not show (warm-ups, Adam's betas, precision)
# is taken from here as it is.
MODEL_DEFAULTS = vc.VAEConfig()
TRAIN_DEFAULTS = dataclasses.replace(vc.TrainConfig(), epochs=3)
