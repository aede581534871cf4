"""Fast by default: do today's TrainConfig defaults reach the old defaults' test loss at least as fast?

The old defaults (before issue 17): learning rate 1e-3 with no warm-up, Adam's beta2 = 0.999,
float32. Today's (``TrainConfig()``): 5e-3 after a one-epoch warm-up, beta2 = 0.99, precision
"auto" (bfloat16 where the CPU or GPU has it natively). Both with the half-cosine decay, batch 128.

Compared on the configurations a person actually trains: the Train page's default (2-D Bernoulli on
grey-level MNIST, 3 epochs) and the CLI's default (the same model, 10 epochs), for three seeds. For
each setting and seed the two runs follow each other in one process, their order alternating from
seed to seed, so that a slow spell of this shared machine hits both sides alike. The test -ELBO (all
10,000 test images, one posterior sample, seed 0) is checked every quarter epoch (3 epochs) or every
epoch (10); the checks are not timed. Reported for each pair: the old defaults' final test loss and
training time, and when (epochs, seconds) the new defaults first reached that loss.

    python -m bench.fast_defaults                       # both settings, seeds 0 1 2 (~1-2 h here)
    python -m bench.fast_defaults --settings page --seeds 0 --json out.json
    python -m bench.fast_defaults --quick             # seconds: one pair, 1 epoch on 2,000 images (CI)
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import asdict, replace
from typing import Any

import torch

from vae_core import TrainConfig, VAEConfig, evaluate, load_dataset, train
from vae_core.train import initial_model, pick_device, resolve_precision

MODEL = VAEConfig(latent_dim=2)  # what the Train page and `python -m vae_core train --latent-dim 2` make
OLD = TrainConfig(learning_rate=1e-3, lr_warmup_epochs=0.0, adam_betas=(0.9, 0.999), precision="float32")
NEW = TrainConfig()
SETTINGS = {"page": 3, "cli": 10}  # epochs: the Train page's default and the CLI's
CHECKS_PER_EPOCH = {"page": 4, "cli": 1}  # a check costs 8-20 s here (10,000 test images)


def run(config: TrainConfig, images: torch.Tensor, test_images: torch.Tensor, checks: int) -> dict[str, Any]:
    """Train, testing ``checks`` times an epoch (untimed); the curve is (epoch, training seconds, test -ELBO)."""
    model = initial_model(MODEL, images, random_state=config.seed)
    curve: list[tuple[float, float, float]] = []
    untimed = [0.0]
    start = time.perf_counter()

    def check(progress) -> None:
        every = max(1, progress.total_steps // (config.epochs * checks))
        if progress.step % every == 0 or progress.step == progress.total_steps:
            t0 = time.perf_counter()
            trained = t0 - start - untimed[0]  # seconds of training so far, earlier checks left out
            model.eval()
            loss = evaluate(model, test_images).negative_elbo
            model.train()
            untimed[0] += time.perf_counter() - t0
            curve.append((round(progress.epoch, 3), round(trained, 2), round(loss, 3)))

    result = train(MODEL, config, images, model=model, on_progress=check)
    return {
        "precision": result.precision,
        "train_seconds": curve[-1][1],  # at the last check, the end of training
        "final": curve[-1][2],
        "curve": curve,
    }


def first_reaching(curve: list[tuple[float, float, float]], target: float) -> tuple[float, float] | None:
    """(epoch, training seconds) of the first check at or below the target, or None."""
    return next(((e, s) for e, s, v in curve if v <= target), None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--settings", nargs="+", choices=list(SETTINGS), default=list(SETTINGS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--json", default=None, help="append each pair's figures to this file (JSON lines)")
    parser.add_argument(
        "--quick", action="store_true", help="the page setting, seed 0, 1 epoch on 2,000 images: proves it runs (CI)"
    )
    args = parser.parse_args()
    images, test_images = load_dataset("mnist", True)[0], load_dataset("mnist", False)[0]
    if args.quick:
        args.settings, args.seeds = ["page"], [0]
        images, test_images = images[:2000], test_images[:1000]
        SETTINGS["page"] = 1
    device = pick_device()
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, load average {os.getloadavg()[0]:.1f}; "
        f"new defaults compute in {resolve_precision(NEW, device)} here\nold: {OLD}\nnew: {NEW}",
        flush=True,
    )
    rows = []
    for setting in args.settings:
        for i, seed in enumerate(args.seeds):
            configs = {
                name: replace(base, epochs=SETTINGS[setting], seed=seed) for name, base in (("old", OLD), ("new", NEW))
            }
            order = ["old", "new"] if i % 2 == 0 else ["new", "old"]
            runs = {}
            for name in order:
                runs[name] = run(configs[name], images, test_images, CHECKS_PER_EPOCH[setting])
                print(f"{setting} seed {seed} {name}: {json.dumps({k: v for k, v in runs[name].items()})}", flush=True)
            target = runs["old"]["final"]
            reached = first_reaching(runs["new"]["curve"], target)
            row = {
                "setting": setting,
                "epochs": SETTINGS[setting],
                "seed": seed,
                "order": order,
                "load_average": round(os.getloadavg()[0], 1),
                "old_final": target,
                "old_seconds": runs["old"]["train_seconds"],
                "new_final": runs["new"]["final"],
                "new_seconds": runs["new"]["train_seconds"],
                "new_reached_old_final_at_epoch": reached and reached[0],
                "new_reached_old_final_after_seconds": reached and reached[1],
                "runs": runs,
                "configs": {k: asdict(v) for k, v in configs.items()},
            }
            rows.append(row)
            if args.json:
                with open(args.json, "a") as f:
                    f.write(json.dumps(row) + "\n")
    print("\nsetting | seed | old: final test -ELBO, training s | new: final, training s | new reached old's final at")
    for r in rows:
        at = (
            f"epoch {r['new_reached_old_final_at_epoch']:.2f}, {r['new_reached_old_final_after_seconds']:.0f} s"
            if r["new_reached_old_final_at_epoch"] is not None
            else "never"
        )
        print(
            f"{r['setting']} ({r['epochs']} ep) | {r['seed']} | {r['old_final']:.2f}, {r['old_seconds']:.0f} s | "
            f"{r['new_final']:.2f}, {r['new_seconds']:.0f} s | {at}"
        )


if __name__ == "__main__":
    main()
