"""A class in miniature (the CI version of bench/classroom.py): 1 student, then 8 at once, paced as
people, one of them training; no errors, no state leaking between sessions, every student making
progress. The 30-session run with its latency table is `python -m bench.classroom`."""

from __future__ import annotations

import asyncio
import os

import pytest

from harness.browser import require_chromium, running_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # the second CI stage (docs/testing.md)
require_chromium()

STUDENTS = int(os.environ.get("CLASSROOM_STUDENTS", "8"))
SECONDS = float(os.environ.get("CLASSROOM_SECONDS", "25"))


def test_a_small_class_no_errors_no_leaks_everyone_progresses():
    from harness.classroom import classroom, table

    with running_server() as server:
        report = asyncio.run(
            classroom(
                server.url,
                server.pid,
                steps=(1, STUDENTS),
                seconds=SECONDS,
                trainers=(STUDENTS - 1,),
                train_link="train?images=1000&epochs=1",  # a short run, so that it finishes in the test
                finish_trainings=True,
            )
        )
    print("\n", table(report))
    assert not report.errors, report.errors
    assert not report.leaks, report.leaks
    for session in report.sessions:
        assert session.rounds + len(session.latencies_ms) >= 1, f"{session.name} made no progress"
    assert report.trainings_finished >= 1
    assert len(report.latencies(STUDENTS)) >= STUDENTS  # about one press per student every 5 s
