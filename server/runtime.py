"""The server's thread settings for torch.

app.py runs torch single-threaded (one thread per task): a slider's decode is tiny, and two threads
only add wake-ups that, under load, wait for each other. Bulk work in a thread of its own (training,
the warm-up of ui/warmup.py) asks for one thread per CPU nothing else is using with ``use_free_cores``
(vae_core.threads): the server's sessions and its other trainings count as busy, so a second
training, or one started while a class is clicking, does not fight them for the same cores. A training
keeps choosing while it runs (``training_governor``): a program started beside the server later, a
class that starts clicking, another training admitted, all take cores it counted on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import torch

from vae_core.threads import ThreadGovernor, training_threads


def _in_a_new_thread(work: Callable[[], int | None]) -> int | None:
    result: list[int | None] = []
    thread = threading.Thread(target=lambda: result.append(work()))
    thread.start()
    thread.join()
    return result[0]


def set_threads_here(threads: int) -> int:
    """torch's thread count for the calling thread only; returns it. set_num_threads also changes the
    default that threads started later adopt (Streamlit starts one per script run): a throwaway thread
    reads that default first and another puts it back, without touching this thread's setting. This
    thread reads its count once before: torch sets a thread's count from that default at the thread's
    first read, so a first read after the put-back would undo the setting."""
    default = _in_a_new_thread(torch.get_num_threads)
    torch.get_num_threads()
    torch.set_num_threads(max(1, threads))
    _in_a_new_thread(lambda: torch.set_num_threads(default))
    return torch.get_num_threads()


def use_free_cores() -> int:
    """Let torch use every free CPU in the calling thread only; returns the thread count set."""
    return set_threads_here(training_threads())


class TrainingSeconds:
    """CPU-seconds of the calling thread's training: its own CPU time times its torch threads (OpenMP
    splits every operation evenly over them, the calling thread one of them), summed interval by
    interval so that a change of the count only weighs what comes after it. Read in that thread only."""

    def __init__(self) -> None:
        self._last, self._total = time.thread_time(), 0.0

    def __call__(self) -> float:
        now = time.thread_time()
        self._total += (now - self._last) * torch.get_num_threads()
        self._last = now
        return self._total


def training_governor(every: float = 5.0) -> ThreadGovernor:
    """A ThreadGovernor for a training thread of the server, made in that thread: its sessions' work, other
    trainings and other programs all count as others; only this thread's count changes."""
    return ThreadGovernor(every=every, own_seconds=TrainingSeconds(), set_threads=set_threads_here)
