"""vae_core.threads: a training asks for one torch thread per CPU nothing else is using."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
import torch

from vae_core.threads import ThreadGovernor, available_cpus, busy_shares, free_cpus, training_threads


def test_free_cpus_are_shared_among_the_processes_training_together():
    assert training_threads(free=4) == 4
    assert training_threads(processes=2, free=4) == 2
    assert training_threads(processes=2, free=3) == 1  # never more threads than free CPUs
    assert training_threads(processes=4, free=2) == 1  # but at least one each


def test_a_cpu_kept_busy_by_another_program_is_not_counted_free():
    """A spinning process pinned to one of our CPUs: that CPU reads busy, so at most the others are free."""
    cpus = available_cpus()
    busy_cpu = cpus[-1]
    spin = f"import os\nos.sched_setaffinity(0, {{{busy_cpu}}})\nwhile True:\n    pass\n"
    spinner = subprocess.Popen([sys.executable, "-c", spin])
    try:
        time.sleep(0.5)  # the interpreter starts and begins to spin
        assert busy_shares([busy_cpu], 0.3)[busy_cpu] > 0.9
        assert free_cpus() <= max(1, len(cpus) - 1)
    finally:
        spinner.kill()
        spinner.wait()


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="affinity masks are a Linux facility")
def test_only_the_cpus_of_the_affinity_mask_count():
    """A process that may run on one CPU gets one thread, whatever the machine has."""
    code = "import os\nos.sched_setaffinity(0, {0})\nfrom vae_core.threads import free_cpus\nprint(free_cpus())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "1"


def test_the_governor_follows_a_neighbour_that_arrives_and_leaves():
    """Scripted readings: CPU-seconds of all the process's CPUs and of the process itself, every 5 s. The
    training alone uses both cores; a neighbour takes one core's worth; it leaves. The governor sets one
    thread per core the neighbour leaves free, and never looks more often than ``every``."""
    if len(available_cpus()) != 2:
        pytest.skip("the script is written for the 2-core machine's two CPUs")
    clock = iter([0.0, 2.0, 5.0, 10.0, 15.0, 20.0])
    busy = iter([0.0, 10.0, 20.0, 30.0, 40.0])  # both CPUs busy all the time
    own = iter([0.0, 10.0, 14.0, 19.0, 29.0])  # alone, then sharing (4 s, 5 s of 10), then alone again
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        governor = ThreadGovernor(
            clock=lambda: next(clock), busy_seconds=lambda cpus: next(busy), own_seconds=lambda: next(own)
        )
        assert governor.check() is None  # 2 s: too soon to look
        assert governor.check() is None and torch.get_num_threads() == 2  # 5 s: the training alone
        assert governor.check() == 1 and torch.get_num_threads() == 1  # 10 s: 1.2 cores of other work
        assert governor.check() is None  # 15 s: one core each, still one thread
        assert governor.check() == 2  # 20 s: the neighbour has gone
        assert governor.changes == [(10.0, 1), (20.0, 2)]
    finally:
        torch.set_num_threads(before)


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity") or len(available_cpus()) < 2, reason="needs two CPUs")
def test_a_server_training_gives_up_the_core_a_neighbour_takes_and_only_its_own_threads_change():
    """The Train page's governor (server.runtime.training_governor), for real: a training thread of a fresh
    server process on two CPUs starts with two torch threads; a spinner pinned to one of them arrives; the
    governor goes down to one thread within a few looks, while a thread started afterwards (a session's
    script run) still has the server's single thread. Only the training's own CPU time is its own."""
    code = """
import os, subprocess, sys, threading, time
os.environ["OMP_NUM_THREADS"] = "1"
cpus = sorted(os.sched_getaffinity(0))[:2]
os.sched_setaffinity(0, set(cpus))
import torch
from server.runtime import set_threads_here, training_governor
seen = {}
def train():
    set_threads_here(2)
    governor = training_governor(every=0.5)
    a = torch.randn(300, 300)
    spinner = None
    started = time.monotonic()
    while time.monotonic() - started < 8 and 1 not in [t for _, t in governor.changes]:
        if spinner is None and time.monotonic() - started > 1:
            spin = f"import os\\nos.sched_setaffinity(0, {{{cpus[0]}}})\\nwhile True:\\n    pass\\n"
            spinner = subprocess.Popen([sys.executable, "-c", spin])
        a = torch.tanh(a @ a) * 0.1
        governor.check()
    if spinner is not None:  # a machine busy already: the governor went down before the spinner came
        spinner.kill()
    seen["changes"] = governor.changes
    seen["later"] = []
    later = threading.Thread(target=lambda: seen["later"].append(torch.get_num_threads())); later.start(); later.join()
t = threading.Thread(target=train); t.start(); t.join()
print(seen["changes"], seen["later"])
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    changes, later = out.stdout.strip().rsplit(" ", 1)
    assert ", 1)" in changes, f"the governor never went down to one thread: {changes}"
    assert later == "[1]"
