"""Every benchmark in bench/ runs in its quick mode and prints a sane result, so none can rot unseen
(bench/train_speed.py once indexed a dataclass like a dict and failed at once, and nothing noticed).

Each quick mode is the benchmark's own code path on a little data or a few actions: seconds to a
minute each, not a measurement. They run in the second CI stage (marker ``slow``), as whole processes,
as a person runs them. A new file in bench/ must be added to QUICK below, or the first test fails.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from collections.abc import Callable

import pytest

from tests.support.files import ROOT

pytestmark = pytest.mark.slow


def number(pattern: str) -> Callable[[str], bool]:
    """The output has ``pattern``'s first group, a finite positive number."""

    def check(output: str) -> bool:
        found = re.search(pattern, output)
        return found is not None and math.isfinite(float(found.group(1))) and float(found.group(1)) > 0

    return check


def shows(pattern: str) -> Callable[[str], bool]:
    """The output has a line matching ``pattern`` (a table row with its figures)."""
    return lambda output: re.search(pattern, output) is not None


def last_json(output: str) -> dict:
    """The JSON object the benchmark printed last (those that print a JSON report)."""
    start = output.rindex("\n{\n") + 1 if "\n{\n" in output else output.index("{\n")
    return json.loads(output[start : output.index("\n}", start) + 2])


def medians_measured(output: str) -> bool:
    """Every timed action has a finite median over at least one action; every ratio is finite (the cold
    start over the floor's)."""
    report = last_json(output)
    timed = [v for v in report.values() if "median_ms" in v]
    ratios = [r for v in report.values() if "median_ms" not in v for r in v.values()]
    return (
        bool(timed)
        and all(v["n"] >= 1 and math.isfinite(v["median_ms"]) for v in timed)
        and all(math.isfinite(r) and r > 0 for r in ratios)
    )


def load_is_clean(output: str) -> bool:
    report = last_json(output)
    return report["errors"] == 0 and report["leaks"] == 0 and report["presses under load"] > 0


def action_costs(output: str) -> bool:
    report = last_json(output)
    return all(report[k]["server_ms"] > 0 for k in ("slider key press", "page switch and back"))


# module -> (its quick command line's arguments, what its output must show)
QUICK: dict[str, tuple[list[str], Callable[[str], bool]]] = {
    "train_speed": (["--quick"], number(r"images/s ratio: ([0-9.]+)x")),
    "cli_speed": (["--quick"], number(r"the CLI is ([0-9.]+)x faster")),
    # the baseline process of cli_speed, run there; here on its own with its own flags
    "classic_loop": (
        ["--epochs", "1", "--train-images", "500", "--test-images", "500", "--out", "{tmp}/c.pt"],
        number(r"test -ELBO ([0-9.]+) nats/image"),
    ),
    "fast_defaults": (["--quick"], number(r"page \(1 ep\) \| 0 \| ([0-9.]+),")),
    "server_time": (
        ["--quick"],
        lambda out: (
            number(r"median ([0-9.]+) ms over 5 moves")(out) and number(r"samples.py: median ([0-9.]+) ms")(out)
        ),
    ),
    "train_page": (["--quick", "--out", "{tmp}"], number(r"at the end: .* test -ELBO ([0-9.]+)")),
    "latency": (["--quick"], medians_measured),
    "decoder": (["--quick"], shows(r"\| mnist-2d \| \d+ \(100\) \| [0-9.]+ / [0-9.]+ \|")),
    "encoder": (["--quick"], number(r"while drawing \(mnist-2d, [0-9.]+ s\): [0-9.]+ frames/s, ([0-9.]+) drawings")),
    "action_cost": (["--quick"], action_costs),
    "classroom": (["--quick"], shows(r"errors 0, leaks 0")),
    "load": (["--quick"], load_is_clean),
    "soak": (["--quick"], shows(r", 0 errors\n(.|\n)*MB per minute")),
    "threads": (["--quick"], number(r"images/s ratio chosen/default: ([0-9.]+)x")),
}


def test_every_benchmark_has_a_quick_mode_here():
    benchmarks = {p.stem for p in (ROOT / "bench").glob("*.py") if p.stem != "__init__"}
    assert benchmarks == set(QUICK), f"add a quick mode and its check here for: {benchmarks ^ set(QUICK)}"


@pytest.mark.parametrize("module", sorted(QUICK))
def test_the_quick_mode_runs_and_prints_a_sane_result(module, tmp_path):
    arguments, sane = QUICK[module]
    command = [sys.executable, "-m", f"bench.{module}", *(a.format(tmp=tmp_path) for a in arguments)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=400)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert sane(done.stdout), done.stdout[-3000:]
