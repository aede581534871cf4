"""Five browser sessions at once on loopback (one training) for LOAD_SECONDS (default 60)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from harness.browser import CHROMIUM, running_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # the second CI stage (docs/testing.md)
if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
    pytest.skip(f"{CHROMIUM} is not installed", allow_module_level=True)


def test_five_sessions_one_training_no_errors_no_leaks():
    from harness.load import idle_latencies, median, run_load

    seconds = float(os.environ.get("LOAD_SECONDS", "60"))
    with running_app() as url:
        idle = asyncio.run(idle_latencies(url))
        reports = asyncio.run(run_load(url, seconds))
    explorer_latencies = [t for r in reports if r.name.startswith("explorer") for t in r.latencies_ms]
    print(
        f"\nslider -> image median: idle {median(idle):.0f} ms, under load {median(explorer_latencies):.0f} ms "
        f"({len(explorer_latencies)} presses in {len(reports) - 1} sessions, training alongside)"
    )
    for report in reports:
        assert not report.errors, (report.name, report.errors)
        assert not report.leaks, (report.name, report.leaks)
        assert report.rounds >= 1, f"{report.name} made no progress"
    assert len(explorer_latencies) >= 20
