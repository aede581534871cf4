"""A training run in a background thread of its own, one per browser session: pages stay responsive,
sessions never share state, and the page polls the run from a fragment."""

from __future__ import annotations

import threading
import uuid

import numpy as np
import torch

import vae_core as vc
from ui.runtime import use_all_cores

PROBE_DIGITS = 2000  # test digits re-encoded every 100 steps for the live scatter of 2-D models


class TrainingJob:
    """One session's training run; the page may call ``stop()``. With ``after``, it waits for that
    run to end before it starts (two runs one after the other, each with every core)."""

    def __init__(
        self,
        model_config: vc.VAEConfig,
        train_config: vc.TrainConfig,
        images: torch.Tensor,
        test_images: torch.Tensor,
        after: TrainingJob | None = None,
    ) -> None:
        self.model_config, self.train_config = model_config, train_config
        self.model = vc.initial_model(model_config, images, train_config.seed)
        self.serial = uuid.uuid4().hex  # names this model in caches, also those kept on disk
        self.progress: vc.Progress | None = None
        self.curve: list[tuple[float, float, float]] = []  # (epoch, reconstruction, kl), appended only
        # (epoch, the batch's KL to N(0, 1) of each dimension), appended only; standard prior only
        self.kl_curve: list[tuple[float, tuple[float, ...]]] = []
        self.latents: np.ndarray | None = None  # the probe digits' means, for the live scatter
        self.result: vc.TrainResult | None = None
        self.error: str | None = None
        self.kept = False  # whether the page has put the result in the session's model list
        self._test_images = test_images
        self._probe = test_images[:PROBE_DIGITS] if model_config.latent_dim == 2 else None
        self._stop = threading.Event()
        self._after = after
        self._thread = threading.Thread(target=self._run, args=(images,), daemon=True)
        self._thread.start()

    def _run(self, images: torch.Tensor) -> None:
        if self._after is not None:
            self._after._thread.join()
        use_all_cores()
        try:
            self.result = vc.train(
                self.model_config,
                self.train_config,
                images,
                model=self.model,
                on_progress=self._on_progress,
                should_stop=self._stop.is_set,
            )
        except vc.TrainingDiverged as exc:
            self.result, self.error = exc.result, str(exc)
        except Exception as exc:  # shown to the person; the thread must not die silently
            self.error = f"training failed: {exc}"
            return
        # The test figures the model picker shows, as for the shipped models (a few seconds).
        test = vc.evaluate(self.result.model, self._test_images)
        self.result.model.info = {
            "train_seconds": round(self.result.seconds, 1),
            "source": "trained in the app",
            "history": self.result.history,
            "test": test.as_dict(),
        }

    def _on_progress(self, p: vc.Progress) -> None:
        """Runs in the training thread between steps, so reading the model here is safe."""
        self.progress = p
        if p.step % 10 == 0 or p.step == p.total_steps:
            self.curve.append((p.epoch, p.reconstruction, p.kl))
            if p.kl_per_dim is not None:
                self.kl_curve.append((p.epoch, p.kl_per_dim))
        if self._probe is not None and (p.step % 100 == 0 or p.step == p.total_steps):
            self.latents = vc.encode_dataset(self.model, self._probe)[0].numpy()

    @property
    def name(self) -> str:
        """How the run is listed among the session's models."""
        c, t = self.model_config, self.train_config
        warmup = f", KL warm-up {t.kl_warmup_epochs:g}" if t.kl_warmup_epochs > 0 else ""
        return f"latent {c.latent_dim}, {c.likelihood}, β {t.beta:g}{warmup}, {t.epochs} epochs ({self.serial[:4]})"

    def stop(self) -> None:
        self._stop.set()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()
