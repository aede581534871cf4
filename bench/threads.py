"""Threads for a training: torch's default (one per core) against vae_core.threads' choice (one per
free core), beside a busy core and on an idle machine, in one run.

A busy core is made here: a process that spins, pinned to the last CPU of this process's affinity
mask. Each side trains the default model (TrainConfig's defaults, 2-D latent) for the same steps on the
same images, and the images per second of each are reported with their ratio. Runs are interleaved
(default, chosen, default, chosen ...) so a change in the machine's other load hits both sides alike.

    python -m bench.threads            # 3,000 images per run, 3 rounds (about 2 minutes here)
    python -m bench.threads --quick    # 300 images, 1 round (CI: proves it runs)

Then a neighbour that arrives mid-run: each side starts on the idle machine (so chooses every core), a
busy core is made a third of the way through, and the images per second from then on are compared:
threads chosen once at the start, against vae_core.threads.ThreadGovernor re-choosing them as the CLI
does, and as the Train page does (server.runtime.training_governor: only the training thread's own CPU
time is its own; everything else on the CPUs, the server's sessions too, is other work). Each side
trains in a thread of its own, as the server trains; both governors look every second here (5 s in
the CLI and the app).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace

import torch

from server.runtime import training_governor
from vae_core import Progress, TrainConfig, VAEConfig, load_dataset, train
from vae_core.threads import ThreadGovernor, available_cpus, training_threads

# How a training re-chooses its threads once it runs: not at all, as the CLI does, as the Train page does.
GOVERNORS: dict[str, Callable[[], ThreadGovernor] | None] = {
    "chosen once": None,
    "re-chosen, CLI": lambda: ThreadGovernor(every=1.0),
    "re-chosen, Train page": lambda: training_governor(every=1.0),
}


@contextmanager
def busy_core() -> Iterator[int]:
    """A process spinning on this process's last CPU for the duration; yields that CPU."""
    cpu = available_cpus()[-1]
    spin = f"import os\nos.sched_setaffinity(0, {{{cpu}}})\nwhile True:\n    pass\n"
    spinner = subprocess.Popen([sys.executable, "-c", spin])
    try:
        time.sleep(0.5)  # let it start spinning before anything is measured
        yield cpu
    finally:
        spinner.kill()
        spinner.wait()


def images_per_second(images: torch.Tensor, threads: int) -> float:
    torch.set_num_threads(threads)
    config = replace(TrainConfig(), epochs=1, seed=0)
    result = train(VAEConfig(latent_dim=2), config, images)
    return len(images) / result.seconds


def after_arrival(images: torch.Tensor, governor: Callable[[], ThreadGovernor] | None) -> float:
    """Images per second after a busy core appears a third of the way into one epoch (batch 128), trained
    in a thread of its own that chooses its threads at the start and then re-chooses with ``governor()``."""
    config = replace(TrainConfig(), epochs=1, seed=0)
    steps = -(-len(images) // config.batch_size)
    marks: dict[str, float] = {}

    def run() -> None:
        torch.set_num_threads(training_threads())
        looking = governor() if governor is not None else None
        with ExitStack() as stack:

            def progress(p: Progress) -> None:
                if p.step == steps // 3:
                    stack.enter_context(busy_core())
                    marks["arrived"] = time.perf_counter()
                if looking is not None:
                    looking.check()

            train(VAEConfig(latent_dim=2), config, images, on_progress=progress)
            marks["seconds"] = time.perf_counter() - marks["arrived"]

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return (steps - steps // 3) * config.batch_size / marks["seconds"]


def compare(images: torch.Tensor, rounds: int) -> tuple[int, list[float], list[float]]:
    """(the chosen thread count, images/s with every core's thread, images/s with the chosen count)."""
    chosen = training_threads()
    default, ours = [], []
    for _ in range(rounds):
        default.append(images_per_second(images, len(available_cpus())))
        ours.append(images_per_second(images, chosen))
    return chosen, default, ours


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="300 images, 1 round: proves the code runs (CI)")
    args = parser.parse_args()
    n, rounds = (300, 1) if args.quick else (args.images, args.rounds)
    images = load_dataset("mnist", train=True)[0][:n]
    images_per_second(images[:100], 1)  # one-time costs (oneDNN's kernels, the allocator) before timing
    cpus = len(available_cpus())
    print(f"{cpus} CPUs in this process's mask; load average {os.getloadavg()[0]:.1f} at the start")
    print("| machine | threads: default | images/s | threads: chosen | images/s | chosen / default |")
    print("|---|---|---|---|---|---|")
    with busy_core() as cpu:
        beside = compare(images, rounds)
    idle = compare(images, rounds)
    for what, (chosen, default, ours) in ((f"CPU {cpu} busy", beside), ("no busy core made", idle)):
        d, o = statistics.median(default), statistics.median(ours)
        print(f"| {what} | {cpus} | {d:,.0f} | {chosen} | {o:,.0f} | {o / d:.2f}x |")
    chosen, default, ours = beside
    ratio = statistics.median(ours) / statistics.median(default)
    print(f"beside a busy core: {chosen} thread(s) chosen, images/s ratio chosen/default: {ratio:.2f}x")
    after: dict[str, list[float]] = {name: [] for name in GOVERNORS}
    for _ in range(rounds):
        for name, governor in GOVERNORS.items():
            after[name].append(after_arrival(images, governor))
    medians = {name: statistics.median(speeds) for name, speeds in after.items()}
    once = medians.pop("chosen once")
    print(f"a neighbour arriving mid-run, images/s afterwards: chosen once {once:,.0f}")
    for name, speed in medians.items():
        print(f"images/s ratio after a neighbour arrives, {name}/once: {speed / once:.2f}x ({speed:,.0f} images/s)")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
