"""harness/gcwatch: a process whose command line names streamlit logs each full collection (its two here,
and one at exit), and no other process is touched (the harness and the browsers' drivers share its
PYTHONPATH)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COLLECT = "import gc; gc.collect(); gc.collect()"


def run(tmp_path: Path, *argv: str) -> list[str]:
    env = {
        **os.environ,
        "PYTHONPATH": f"{ROOT / 'harness' / 'gcwatch'}{os.pathsep}{ROOT}",
        "GC_WATCH_DIR": str(tmp_path),
    }
    subprocess.run([sys.executable, "-c", COLLECT, *argv], env=env, check=True)
    return [line for log in tmp_path.glob("gc-*.log") for line in log.read_text().splitlines()]


def test_a_streamlit_process_logs_its_full_collections(tmp_path):
    lines = run(tmp_path, "streamlit")
    assert len(lines) >= 2 and all(" ms, garbage " in line and "generation 2 holds" in line for line in lines), lines


def test_any_other_process_is_left_alone(tmp_path):
    assert run(tmp_path, "harness") == []
