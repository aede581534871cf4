"""server.heap and the warm-up it follows: the server's long-lived objects are left out of full garbage
collections, and a training's first optimizer imports nothing the warm-up has not (so its objects are
among them). Each check runs in a fresh interpreter, as app.py runs them: freezing is for the whole
process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

REPORT = """
import gc, json, sys
import torch
modules = set(sys.modules)
torch.optim.Adam(torch.nn.Linear(2, 2).parameters())  # a training's first optimizer
print(json.dumps({"frozen": frozen, "walked": len(gc.get_objects()), "imported": sorted(set(sys.modules) - modules)}))
"""


def run(code: str, freeze: str) -> dict:
    env = {**os.environ, "VAE_FREEZE_HEAP": freeze, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", code + REPORT], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_after_the_warm_up_a_full_collection_walks_only_what_came_later():
    """What app.py runs at start: ui.warmup, then server.heap. Torch's, plotly's and dynamo's 300,000
    objects are skipped by every later collection (a full one walked them all: 110-130 ms of held GIL
    on an idle core), and the first optimizer imports nothing: torch._dynamo came with the warm-up."""
    found = run(
        "from ui import warmup; from server import heap; warmup.warm_up(); frozen = heap.freeze_long_lived()", "1"
    )
    assert found["imported"] == [], found["imported"][:20]
    assert found["frozen"] > 200_000 and found["walked"] < found["frozen"] / 20, found


def test_the_baseline_setting_leaves_the_collector_as_python_sets_it():
    """VAE_FREEZE_HEAP=0 (what bench.classroom compares against) freezes nothing."""
    found = run("import plotly.graph_objects; from server import heap; frozen = heap.freeze_long_lived()", "0")
    assert found["frozen"] == 0 and found["walked"] > 100_000, found
