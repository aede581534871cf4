"""One epoch by the CLI with its default flags against the classic tutorial loop, each as a whole process.

    python -m bench.cli_speed                 # 3 runs of each, alternated (~10 min here)
    python -m bench.cli_speed --runs 5 --epochs 1
    python -m bench.cli_speed --quick         # one run each on 1,000 images: proves it runs (CI)

Both sides start a fresh Python, import what they need, read MNIST, train the same network (2-D
latent, classic widths, Gaussian likelihood: sum of squared errors + KL) for one epoch, test it on the
10,000 test images and write the weights. The CLI side is exactly

    python -m vae_core train --likelihood gaussian --epochs 1 --out OUT

(every other flag at its default: batch 128, the fast path of docs/measurements.md); the classic
side is ``python -m bench.classic_loop`` (a DataLoader calling ToTensor per item, batch 32, AdamW at
1e-3). The two alternate (classic, CLI, CLI, classic, ...) so that a slow spell of this shared machine
hits both alike; reported are each process's wall time, the medians and their ratio, the load
average, and each side's test -ELBO (one epoch: only to show both trained).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def command(side: str, epochs: int, train_images: int | None = None) -> list[str]:
    """The process of one side; ``train_images`` (quick mode) limits both to the first N training images
    (and the classic side's test to 1,000 images: the CLI has no such flag and tests all 10,000)."""
    subset = [] if train_images is None else ["--train-images", str(train_images)]
    if side == "cli":
        return [sys.executable, "-m", "vae_core", "train", "--likelihood", "gaussian", "--epochs", str(epochs), *subset]
    tests = [] if train_images is None else ["--test-images", "1000"]
    return [sys.executable, "-m", "bench.classic_loop", "--epochs", str(epochs), *subset, *tests]


def timed(side: str, epochs: int, folder: Path, train_images: int | None = None) -> dict[str, float | str]:
    out = folder / ("cli.safetensors" if side == "cli" else "classic.pt")
    load = os.getloadavg()[0]
    start = time.perf_counter()
    process = [*command(side, epochs, train_images), "--out", str(out)]
    done = subprocess.run(process, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{side} failed: {done.stderr[-2000:]}")
    loss = re.search(r"test -ELBO ([0-9.]+)", done.stdout)
    nelbo = float(loss.group(1)) if loss else float("nan")
    return {"side": side, "seconds": seconds, "load": load, "test_nelbo": nelbo}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="runs of each side")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="one run of each on 1,000 images (CI: proves it runs)")
    args = parser.parse_args()
    train_images = 1000 if args.quick else None
    if args.quick:
        args.runs = 1
    print("CLI:     ", " ".join(command("cli", args.epochs)[1:]), "--out OUT")
    print("classic: ", " ".join(command("classic", args.epochs)[1:]), "--out OUT", flush=True)
    times: dict[str, list[float]] = {"classic": [], "cli": []}
    with tempfile.TemporaryDirectory() as folder:
        for i in range(args.runs):
            for side in ("classic", "cli") if i % 2 == 0 else ("cli", "classic"):
                r = timed(side, args.epochs, Path(folder), train_images)
                times[side].append(r["seconds"])
                print(
                    f"run {i + 1} {side:7}: {r['seconds']:6.1f} s  test -ELBO {r['test_nelbo']:.2f}  "
                    f"(load average {r['load']:.1f})",
                    flush=True,
                )
    classic, cli = statistics.median(times["classic"]), statistics.median(times["cli"])
    print(
        f"medians: classic {classic:.1f} s, CLI {cli:.1f} s: the CLI is {classic / cli:.2f}x faster "
        f"(per run: {', '.join(f'{a / b:.2f}x' for a, b in zip(times['classic'], times['cli'], strict=True))})"
    )


if __name__ == "__main__":
    main()
