"""Training admission: a few runs at a time in order, a place and an estimate for those waiting, runs
given up when their browser has gone, and a maximum length."""

from __future__ import annotations

import os
import threading
import time

import pytest

import vae_core as vc
from server import admission
from server.training import TrainingJob


def test_runs_wait_their_turn_first_come_first_served():
    gate = admission.Admission(limit=lambda: 1)
    tickets = [admission.Ticket(seconds=10.0 * (i + 1), session_id=None) for i in range(3)]
    entered: list[int] = []

    def run(i: int) -> None:
        if gate.enter(tickets[i], lambda: False):
            entered.append(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
        time.sleep(0.2)  # in this order
    assert entered == [0] and gate.counts() == (1, 2)
    place, seconds = gate.place(tickets[2])
    assert place == 2 and seconds == pytest.approx(10.0 + 20.0, abs=1.0)  # what is left of the first, then the second
    assert gate.place(tickets[0]) is None  # running, not waiting
    gate.leave(tickets[0])
    threads[1].join(timeout=5)
    assert entered == [0, 1] and gate.place(tickets[2])[0] == 1
    gate.leave(tickets[1])
    threads[2].join(timeout=5)
    assert entered == [0, 1, 2]
    gate.leave(tickets[2])
    assert gate.counts() == (0, 0)


def test_a_waiting_run_can_give_up_and_leaves_the_queue():
    gate = admission.Admission(limit=lambda: 1)
    first, second = admission.Ticket(1.0, None), admission.Ticket(1.0, None)
    assert gate.enter(first, lambda: False)
    deadline = time.monotonic() + 0.5
    assert not gate.enter(second, lambda: time.monotonic() > deadline)
    assert gate.counts() == (1, 0)


def test_a_ticket_is_abandoned_once_its_browser_has_been_gone_long_enough(monkeypatch):
    monkeypatch.setattr(admission, "CHECK_EVERY", 0.0)
    monkeypatch.setattr(admission, "ABANDONED_AFTER", 0.3)
    ticket = admission.Ticket(1.0, session_id="a tab")
    connected = [True]
    alive = lambda _session: connected[0]  # noqa: E731
    assert not ticket.abandoned(alive)
    connected[0] = False
    assert not ticket.abandoned(alive)  # gone, but only just: a reconnect may follow
    connected[0] = True
    assert not ticket.abandoned(alive) and ticket.gone_since is None  # it came back
    connected[0] = False
    ticket.abandoned(alive)
    time.sleep(0.35)
    assert ticket.abandoned(alive)


def test_the_operators_limits_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("VAE_TRAINING_SLOTS", "3")
    monkeypatch.setenv("VAE_TRAINING_MAX_MINUTES", "0.5")
    assert admission.slots() == 3 and admission.max_seconds() == 30.0
    monkeypatch.delenv("VAE_TRAINING_SLOTS")
    assert admission.slots() >= 1


def test_a_run_stops_at_the_servers_maximum_length(monkeypatch):
    monkeypatch.setenv("VAE_TRAINING_MAX_MINUTES", str(0.5 / 60))  # half a second
    images = vc.load_dataset("mnist", train=True)[0]
    job = TrainingJob(
        vc.VAEConfig(latent_dim=2, hidden=32, conv_channels=(4, 8)),
        vc.TrainConfig(epochs=50, batch_size=50),
        images[:5000],
        vc.load_dataset("mnist", train=False)[0][:500],
    )
    deadline = time.monotonic() + 60
    while job.running and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not job.running and job.result is not None and job.result.stopped_early
    assert "limit of 0.00833333 minutes" in job.stopped_because


def _nice(thread_id: int) -> int:
    return int(open(f"/proc/self/task/{thread_id}/stat").read().rsplit(")", 1)[1].split()[16])


@pytest.mark.skipif(not hasattr(threading, "get_native_id") or not os.path.exists("/proc/self/task"), reason="Linux")
def test_a_training_thread_and_the_workers_it_starts_yield_to_the_sessions(monkeypatch):
    """A training thread's nice value is raised by the operator's setting (default 10), and the threads it
    starts (torch's OpenMP workers are started that way) inherit it; the server's other threads keep theirs."""
    monkeypatch.delenv("VAE_TRAINING_NICE", raising=False)
    assert admission.training_nice() == 10
    monkeypatch.setenv("VAE_TRAINING_NICE", "25")
    assert admission.training_nice() == 19
    monkeypatch.setenv("VAE_TRAINING_NICE", "7")
    seen: dict[str, int] = {}

    def train() -> None:
        admission.lower_this_threads_priority()
        worker = threading.Thread(target=lambda: seen.setdefault("worker", _nice(threading.get_native_id())))
        worker.start()
        worker.join()
        seen["training"] = _nice(threading.get_native_id())

    main = _nice(threading.get_native_id())
    thread = threading.Thread(target=train)
    thread.start()
    thread.join()
    assert seen == {"training": min(19, main + 7), "worker": min(19, main + 7)}
    assert _nice(threading.get_native_id()) == main
