"""Times the garbage collector's full passes in a Streamlit server started with this folder first on
PYTHONPATH (Python imports ``sitecustomize`` at start-up), e.g. the one bench.classroom starts:

    PYTHONPATH=harness/gcwatch:. python -m bench.classroom --steps 10 30 --seconds 45 --browser-students 3

Each generation-2 pass goes to ``gc-<pid>.log`` in $GC_WATCH_DIR (default: the working directory): the
time, its length in ms, the objects it found to be garbage, and how many objects generation 2 then
held. Other processes (the harness, the browsers' drivers) are left alone. docs/performance.md, "A class
of 30, run after run", has what it found.
"""

import gc
import os
import sys
import time

if "streamlit" in " ".join(getattr(sys, "orig_argv", sys.argv)):
    _log = open(  # noqa: SIM115 - open for the life of the process
        os.path.join(os.environ.get("GC_WATCH_DIR", "."), f"gc-{os.getpid()}.log"), "w", buffering=1
    )
    _started = [0.0]

    def _watch(phase: str, info: dict) -> None:
        if phase == "start":
            _started[0] = time.perf_counter()
        elif info["generation"] == 2:
            ms = (time.perf_counter() - _started[0]) * 1000
            held = len(gc.get_objects(generation=2))
            _log.write(f"{time.time():.3f} {ms:.1f} ms, garbage {info['collected']}, generation 2 holds {held}\n")

    gc.callbacks.append(_watch)
