"""Training admission: how many training runs one server runs at once, who waits, and when a run is
given up.

A class may press "Start training" together. Each run asks for every core, so two at once on a small
server each take twice as long and every slider waits behind them: at most ``slots()`` runs train at a
time and the rest wait in order, each told its place in the queue and about how long it will wait.
A run whose browser tab has closed is stopped (its thread ends and it lets go of its model), and every
run has a maximum length. These are the server operator's settings, as environment variables:

- ``VAE_TRAINING_SLOTS``: runs at once (default: half the cores, at least 1).
- ``VAE_TRAINING_MAX_MINUTES``: the longest a run may train (default 60).
- ``VAE_TRAINING_NICE``: how far below the sessions' work a training thread runs (a Linux nice value,
  0-19, default 10): a slider move waiting behind a training step is what makes a class's sliders
  lag, while a run that waits a few milliseconds for a slider is not noticed.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

ABANDONED_AFTER = 15.0  # seconds with the session's browser gone before its run is stopped
CHECK_EVERY = 5.0  # seconds between two looks at whether the browser is still there: stopped within 20 s


def slots() -> int:
    return max(1, int(os.environ.get("VAE_TRAINING_SLOTS", max(1, (os.cpu_count() or 2) // 2))))


def max_seconds() -> float:
    return 60.0 * float(os.environ.get("VAE_TRAINING_MAX_MINUTES", 60))


def training_nice() -> int:
    return min(19, max(0, int(os.environ.get("VAE_TRAINING_NICE", 10))))


def lower_this_threads_priority() -> None:
    """Lower the calling thread's priority by ``training_nice()`` (a nice value up to 19), and so that of the
    threads it starts later (torch's OpenMP workers). On Linux the nice value is a thread's own: the
    server's other threads keep theirs."""
    with contextlib.suppress(AttributeError, OSError):  # not Linux, or not allowed: run as is
        thread = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, thread, min(19, os.getpriority(os.PRIO_PROCESS, thread) + training_nice()))


def session_alive(session_id: str | None) -> bool:
    """Whether the browser session is still connected (True outside a Streamlit server: AppTest, scripts)."""
    if session_id is None:
        return True
    from streamlit.runtime import Runtime

    return not Runtime.exists() or Runtime.instance().is_active_session(session_id)


@dataclass(eq=False)
class Ticket:
    """A run's place with the admission: its estimated length, and whether it still wants to run."""

    seconds: float  # the run's expected length, for the estimates given to those waiting behind it
    session_id: str | None
    started: float | None = None  # when it was admitted (monotonic)
    gone_since: float | None = None  # since when its browser has been gone
    last_check: float = field(default_factory=time.monotonic)
    cancelled: bool = False

    def abandoned(self, alive: Callable[[str | None], bool] = session_alive) -> bool:
        """True once the browser has been gone for ABANDONED_AFTER seconds (looked at every CHECK_EVERY)."""
        now = time.monotonic()
        if now - self.last_check >= CHECK_EVERY:
            self.last_check = now
            self.gone_since = None if alive(self.session_id) else (self.gone_since or now)
        return self.gone_since is not None and now - self.gone_since >= ABANDONED_AFTER


class Admission:
    """At most ``limit`` tickets run at once; the others wait first come, first served."""

    def __init__(self, limit: Callable[[], int] = slots) -> None:
        self._limit = limit
        self._lock = threading.Condition()
        self._running: list[Ticket] = []
        self._waiting: list[Ticket] = []

    def enter(self, ticket: Ticket, should_give_up: Callable[[], bool]) -> bool:
        """Block until the ticket may run (True), or until ``should_give_up()`` (False)."""
        with self._lock:
            self._waiting.append(ticket)
            while self._waiting[0] is not ticket or len(self._running) >= self._limit():
                if should_give_up():
                    self._waiting.remove(ticket)
                    self._lock.notify_all()
                    return False
                self._lock.wait(timeout=1.0)
            self._waiting.pop(0)
            ticket.started = time.monotonic()
            self._running.append(ticket)
            self._lock.notify_all()
            return True

    def leave(self, ticket: Ticket) -> None:
        with self._lock:
            if ticket in self._running:
                self._running.remove(ticket)
            self._lock.notify_all()

    def place(self, ticket: Ticket) -> tuple[int, float] | None:
        """(1-based place in the queue, estimated seconds until it starts), or None if it is not waiting.
        The estimate: the runs ahead, each taking its expected length (those running, what is left of it),
        shared out over the slots."""
        with self._lock:
            if ticket not in self._waiting:
                return None
            now = time.monotonic()
            ahead = [max(t.seconds - (now - (t.started or now)), 0.0) for t in self._running]
            ahead += [t.seconds for t in self._waiting[: self._waiting.index(ticket)]]
            return self._waiting.index(ticket) + 1, sum(ahead) / self._limit()

    def counts(self) -> tuple[int, int]:
        """(runs training now, runs waiting) on this server."""
        with self._lock:
            return len(self._running), len(self._waiting)


SERVER = Admission()  # one per server process: every session's runs go through it
