"""How many threads a training should ask torch for: the CPUs it may run on that nothing else is using.

torch's default is one OpenMP thread per core the machine has. That is right on an idle machine and
badly wrong on a busy one: a convolution splits its work evenly over the threads and every thread
waits at a barrier for the slowest, so when one of two cores is taken by another program the thread
that has to share it holds up the other, and each step waits for the scheduler to give that core back.
Measured here: a CLI training beside other work on a 2-core machine ran 10-30x slower with two
threads (docs/performance.md, "Threads"). One thread per *free* core avoids it, and costs little when
the machine is idle (``bench.threads`` compares both, beside a busy core and without).

"Free" is measured, not guessed: the CPUs in this process's affinity mask (what a container, taskset
or a cgroup leaves it), each counted free when it was busy less than half of a short interval
(``/proc/stat`` on Linux; elsewhere the load average is subtracted from the CPU count). Work already
running counts whoever started it: another program, another training in the same server, the
server's sessions. Processes started together (torchrun) share the free CPUs among them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import torch

PROC_STAT = Path("/proc/stat")
BUSY_SHARE = 0.5  # a CPU busy at least this share of the interval is not free
INTERVAL = 0.1  # seconds between the two readings of /proc/stat


def available_cpus() -> list[int]:
    """The CPUs this process may run on (its affinity mask where the system has one)."""
    if hasattr(os, "sched_getaffinity"):
        return sorted(os.sched_getaffinity(0))
    return list(range(os.cpu_count() or 1))


def _cpu_times() -> dict[int, tuple[int, int]]:
    """CPU number -> (busy, total) jiffies since boot, from /proc/stat's per-CPU lines."""
    times = {}
    for line in PROC_STAT.read_text().splitlines():
        name, *fields = line.split()
        if name.startswith("cpu") and name != "cpu":
            values = [int(v) for v in fields]
            idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
            times[int(name[3:])] = (sum(values) - idle, sum(values))
    return times


def busy_shares(cpus: list[int], interval: float = INTERVAL) -> dict[int, float] | None:
    """Each CPU's busy share (0..1) over ``interval`` seconds; None where /proc/stat cannot be read."""
    try:
        before = _cpu_times()
        time.sleep(interval)
        after = _cpu_times()
    except (OSError, ValueError, IndexError):
        return None
    shares = {}
    for cpu in cpus:
        if cpu in before and cpu in after:
            busy, total = (a - b for a, b in zip(after[cpu], before[cpu], strict=True))
            shares[cpu] = busy / total if total > 0 else 0.0
    return shares


def free_cpus(interval: float = INTERVAL) -> int:
    """How many of this process's CPUs are free now (at least one: there is always the one it runs on)."""
    cpus = available_cpus()
    shares = busy_shares(cpus, interval)
    if shares is not None and shares:
        return max(1, sum(share < BUSY_SHARE for share in shares.values()))
    try:
        load = os.getloadavg()[0]
    except OSError:
        return len(cpus)
    return max(1, len(cpus) - round(load))


def training_threads(*, processes: int = 1, free: int | None = None) -> int:
    """Threads for each of ``processes`` processes training together: the free CPUs shared evenly,
    at least one each. ``free``: the count of free CPUs if already known (else measured now)."""
    free = free_cpus() if free is None else free
    return max(1, free // max(1, processes))


def use_free_cpus(*, processes: int = 1, requested: int | None = None) -> int:
    """Set the calling thread's torch thread count to ``requested`` or, if None, to
    ``training_threads``; returns the count set."""
    threads = requested if requested is not None else training_threads(processes=processes)
    torch.set_num_threads(max(1, threads))
    return torch.get_num_threads()


class ThreadGovernor:
    """Re-chooses a running training's thread count as the machine's load changes.

    ``training_threads`` chooses once, at the start; a program started beside the training later takes a
    core the training's threads still count on, and every step waits at the barrier for the thread that
    shares it (measured: 28 steps/s fell to 1.6 when one busy process joined a 2-thread training on the
    2-core machine). ``check`` is cheap (a clock read) and is called every step; every ``every`` seconds
    it measures how much of the CPUs *other* work used since the last look (the busy jiffies of this
    process's CPUs in /proc/stat, less the training's own CPU time) and sets torch's thread count to one
    per CPU that other work left free: down when a neighbour arrives, up again when it leaves.
    ``own_seconds``: the training's CPU-seconds so far (default: the whole process's, right for a CLI
    training; a server counts only its training thread's, so that its sessions count as other work).
    ``set_threads``: how to set the count (a server keeps its other threads' default). ``clock`` and
    ``busy_seconds`` are for tests."""

    def __init__(
        self,
        *,
        every: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        busy_seconds: Callable[[list[int]], float | None] | None = None,
        own_seconds: Callable[[], float] = time.process_time,
        set_threads: Callable[[int], object] = torch.set_num_threads,
    ) -> None:
        self.cpus = available_cpus()
        self.every = every
        self._clock, self._own, self._set = clock, own_seconds, set_threads
        self._busy = busy_seconds or _busy_seconds
        self._last = (clock(), self._busy(self.cpus), own_seconds())
        self.changes: list[tuple[float, int]] = []  # (seconds since the start, threads set) at each change
        self._started = self._last[0]

    def check(self) -> int | None:
        """Every ``every`` seconds: the thread count set now if it changed, else None."""
        now = self._clock()
        if now - self._last[0] < self.every:
            return None
        busy, own = self._busy(self.cpus), self._own()
        then, busy_then, own_then = self._last
        self._last = (now, busy, own)
        if busy is None or busy_then is None:
            return None
        others = max(0.0, (busy - busy_then) - (own - own_then)) / (now - then)  # cores' worth of other work
        threads = max(1, len(self.cpus) - round(others))
        if threads == torch.get_num_threads():
            return None
        self._set(threads)
        self.changes.append((round(now - self._started, 1), threads))
        return threads


def _busy_seconds(cpus: list[int]) -> float | None:
    """CPU-seconds the given CPUs have been busy since boot (all programs), or None without /proc/stat."""
    try:
        times = _cpu_times()
    except (OSError, ValueError, IndexError):
        return None
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    return sum(times[c][0] for c in cpus if c in times) / ticks
