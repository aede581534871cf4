"""The Train page's default run, as the page runs it: what it draws after 10, 20 and 30 s, its test
-ELBO at 30 s, and at the end.

    python -m bench.train_page --out artifacts/train-page      # grids as PNG there, figures printed
    python -m bench.train_page --quick --out /tmp/train-page   # 1 epoch on 2,000 images, moments 1, 2, 3 s (CI)

The run is the page's own (server.training.TrainingJob with the form's defaults: ui.training's
MODEL_DEFAULTS and TRAIN_DEFAULTS, all 60,000 training images), started as the Start button starts
it, in a thread with every core. The clock starts when the job is made (the press of Start). The
page redraws "What it draws now" every 100 steps; the grid saved for a moment is the one the page
would show then. At 30 s the weights are copied between two steps, and tested afterwards on the
10,000 test images (one posterior sample, seed 0), so the test does not slow the run.
"""

from __future__ import annotations

import argparse
import copy
import os
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from PIL import Image

import vae_core as vc
from server.training import TrainingJob
from ui.training import MODEL_DEFAULTS, TRAIN_DEFAULTS

MOMENTS = (10.0, 20.0, 30.0)
QUICK_MOMENTS = (1.0, 2.0, 3.0)


class MeasuredJob(TrainingJob):
    """The page's job, noting what the page would show at each moment and copying the weights at 30 s."""

    def __init__(self, *args, moments: tuple[float, ...] = MOMENTS, **kwargs) -> None:
        self.started = time.monotonic()
        self.moments = moments
        self.shown: dict[float, tuple[np.ndarray | None, int]] = {}  # moment -> (grid shown, step)
        self.snapshot: vc.VAE | None = None
        self.snapshot_step = 0
        super().__init__(*args, **kwargs)

    def _on_progress(self, p: vc.Progress) -> None:
        elapsed = time.monotonic() - self.started
        for moment in self.moments:
            if elapsed >= moment and moment not in self.shown:
                self.shown[moment] = (self.grid, p.step)
        if elapsed >= self.moments[-1] and self.snapshot is None:
            self.snapshot, self.snapshot_step = copy.deepcopy(self.model), p.step
        super()._on_progress(p)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("artifacts/train-page"))
    parser.add_argument("--quick", action="store_true", help="1 epoch on 2,000 images: proves it runs (CI)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    images, test_images = vc.load_dataset("mnist", True)[0], vc.load_dataset("mnist", False)[0]
    train_config, moments = TRAIN_DEFAULTS, MOMENTS
    if args.quick:
        images, test_images, moments = images[:2000], test_images[:1000], QUICK_MOMENTS
        train_config = replace(TRAIN_DEFAULTS, epochs=1)
    print(f"model {MODEL_DEFAULTS}\ntraining {train_config}\nload average {os.getloadavg()[0]:.1f}", flush=True)
    job = MeasuredJob(MODEL_DEFAULTS, train_config, images, test_images, moments=moments)
    while job.running:
        time.sleep(0.5)
    ended = time.monotonic() - job.started
    if job.error or job.result is None:
        raise SystemExit(f"the run failed: {job.error}")
    steps = job.progress.total_steps if job.progress else 0
    for moment, (grid, step) in sorted(job.shown.items()):
        if grid is not None:
            Image.fromarray(grid).resize((grid.shape[1] * 2, grid.shape[0] * 2), Image.NEAREST).save(
                args.out / f"grid-{moment:.0f}s.png"
            )
        print(f"at {moment:.0f} s: step {step} of {steps}; the grid shown was drawn at step {step - step % 100}")
    Image.fromarray(job.grid).resize((job.grid.shape[1] * 2,) * 2, Image.NEAREST).save(args.out / "grid-end.png")
    if job.snapshot is not None:
        at_30 = vc.evaluate(job.snapshot.eval(), test_images).negative_elbo
        epoch = job.snapshot_step / steps * train_config.epochs
        print(f"test -ELBO at {moments[-1]:.0f} s (step {job.snapshot_step}, epoch {epoch:.2f}): {at_30:.2f}")
    final = job.result.model.info.test.negative_elbo
    print(
        f"at the end: {job.result.seconds:.0f} s of training, {ended:.0f} s with the test; "
        f"test -ELBO {final:.2f}; {job.result.precision}; load average {os.getloadavg()[0]:.1f}"
    )
    print(f"grids in {args.out}/")


if __name__ == "__main__":
    main()
