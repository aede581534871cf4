"""A training run in a background thread of its own, one per browser session: pages stay responsive,
sessions never share state, and the page polls the run from a fragment. Runs wait their turn with the
server's admission (server.admission): a few at a time, stopped when their browser is gone or they run
too long. The Train page's form defaults are the UI's (ui/training.py)."""

from __future__ import annotations

import threading
import time
import uuid

import numpy as np
import torch
from streamlit.runtime.scriptrunner import get_script_run_ctx

import vae_core as vc
from server import admission, housekeeping
from server.runtime import training_governor, use_free_cores
from vae_core.threads import ThreadGovernor

BROWSER_GONE = "its browser tab was closed"
PROBE_DIGITS = 2000  # test digits re-encoded every 100 steps for the live scatter of 2-D models
_speed = [3000.0]  # images per second of the last run on this server: how long queued runs will take


def run_label(model: vc.VAEConfig, training: vc.TrainConfig, stopped_at: float | None, serial: str) -> str:
    """A run's name in the model picker, short enough for the sidebar (the picker's caption lists the
    rest): what sets runs apart (latent size, likelihood, data set when not MNIST, β, the KL warm-up
    when there is one: the Collapse page's pair differs in nothing else) and the epochs it trained, the
    epoch it was stopped at if it was (a run stopped at 0.97 of 3 epochs was once listed as "3 epochs")."""
    planned = f"{training.epochs} epoch{'s' if training.epochs != 1 else ''}"
    epochs = planned if stopped_at is None else f"stopped at epoch {stopped_at:.2f} of {training.epochs}"
    data = "" if model.dataset == "mnist" else f" {model.dataset}"
    warmup = training.kl_warmup_epochs
    annealed = f", warm-up {warmup:g} epoch{'s' if warmup != 1 else ''}" if warmup > 0 else ""
    return f"{model.latent_dim}-d {model.likelihood}{data}, β {training.beta:g}{annealed}, {epochs} · {serial[:4]}"


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
        self.model = vc.initial_model(model_config, images, random_state=train_config.seed)
        self.serial = uuid.uuid4().hex  # names this model in caches, also those kept on disk
        self.progress: vc.Progress | None = None
        self.curve: list[tuple[float, float, float]] = []  # (epoch, reconstruction, kl), appended only
        # (epoch, the batch's KL to N(0, 1) of each dimension), appended only; standard prior only
        self.kl_curve: list[tuple[float, tuple[float, ...]]] = []
        self.latents: np.ndarray | None = None  # the probe digits' means, for the live scatter
        self.grid: np.ndarray | None = None  # what the decoder draws now: the manifold (2-D) or prior samples
        self.result: vc.TrainResult | None = None
        self.error: str | None = None
        self.kept = False  # whether the page has put the result in the session's model list
        self.stopped_because: str | None = None  # why the server stopped it, if it did
        context = get_script_run_ctx()
        expected = len(images) * train_config.epochs / _speed[0]
        self.ticket = admission.Ticket(expected, context.session_id if context else None)
        self._test_images = test_images
        self._probe = test_images[:PROBE_DIGITS] if model_config.latent_dim == 2 else None
        self._stop = threading.Event()
        self.governor: ThreadGovernor | None = None  # made in the training thread once it is admitted
        self._after = after
        self._thread = threading.Thread(target=self._run, args=(images,), daemon=True)
        self._thread.start()

    def _run(self, images: torch.Tensor) -> None:
        if self._after is not None:
            self._after._thread.join()
        if not admission.SERVER.enter(self.ticket, self._give_up):
            self._let_go()
            return
        admission.lower_this_threads_priority()  # before use_free_cores starts torch's workers: they inherit it
        use_free_cores()
        self.governor = training_governor()
        try:
            self.result = vc.train(
                self.model_config,
                self.train_config,
                images,
                model=self.model,
                on_progress=self._on_progress,
                should_stop=self._should_stop,
            )
        except vc.TrainingDiverged as exc:
            self.result, self.error = exc.result, str(exc)
        except Exception as exc:  # shown to the person; the thread must not die silently
            self.error = f"training failed: {exc}"
            return
        finally:
            admission.SERVER.leave(self.ticket)
            housekeeping.give_back_free_memory()  # the run's activations, freed step by step
        if self.progress is not None:
            _speed[0] = max(self.progress.images_per_second, 1.0)
        if self.stopped_because == BROWSER_GONE:
            self._let_go()
            return
        # The test figures the model picker shows, as for the shipped models (a few seconds).
        test = vc.evaluate(self.result.model, self._test_images)
        self.result.model.info = vc.Provenance.of_run(self.result, test, source="trained in the app")

    def _on_progress(self, p: vc.Progress) -> None:
        """Runs in the training thread between steps, so reading the model here is safe."""
        self.progress = p
        if self.governor is not None:
            self.governor.check()  # the load beside the run changed: one thread per core it leaves free
        if p.step % 10 == 0 or p.step == p.total_steps:
            self.curve.append((p.epoch, p.reconstruction, p.kl))
            if p.kl_per_dim is not None:
                self.kl_curve.append((p.epoch, p.kl_per_dim))
        if p.step % 100 == 0 or p.step == p.total_steps:
            if self._probe is not None:
                self.latents = vc.encode_dataset(self.model, self._probe)[0].numpy()
            self.grid = self._drawing()

    def _drawing(self) -> np.ndarray:
        """An 8 x 8 grid of what the decoder draws at this point of training (a few ms): the 2-D manifold
        over [-2, 2]^2, or samples from the prior (a fixed seed, so the grid changes only as the model does)."""
        model = self.model
        was_training = model.training
        model.eval()
        if model.latent_dim == 2:
            images = vc.decode_grid(model, n=8, extent=2.0)
        else:
            images = vc.tile(vc.sample_prior(model, 64, random_state=0), 8)
        model.train(was_training)
        return vc.to_uint8(images)

    @property
    def name(self) -> str:
        """How the run is listed among the session's models: what it trained, as far as it got."""
        stopped = self.result is None or self.result.stopped_early
        reached = self.progress.epoch if self.progress is not None else 0.0
        return run_label(self.model_config, self.train_config, reached if stopped else None, self.serial)

    def _should_stop(self) -> bool:
        """Polled before every training step: a stop asked for, the browser gone, or too long."""
        if self._give_up():
            return True
        if time.monotonic() - (self.ticket.started or time.monotonic()) > admission.max_seconds():
            self.stopped_because = f"it reached this server's limit of {admission.max_seconds() / 60:g} minutes"
            return True
        return False

    def _give_up(self) -> bool:
        if self.ticket.abandoned():
            self.stopped_because = BROWSER_GONE
        return self._stop.is_set() or self.stopped_because == BROWSER_GONE

    def _let_go(self) -> None:
        """Nobody will look at this run again: free its model and data now, not when the session ends."""
        self.model = self.result = self.latents = self._probe = None  # type: ignore[assignment]
        self._test_images = None  # type: ignore[assignment]

    def stop(self) -> None:
        self._stop.set()

    @property
    def running(self) -> bool:
        """Training or waiting for its turn."""
        return self._thread.is_alive()

    @property
    def place(self) -> tuple[int, float] | None:
        """(place in the server's queue, about how many seconds until it starts), while it waits."""
        return admission.SERVER.place(self.ticket)
