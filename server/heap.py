"""The server's long-lived objects, kept out of Python's full garbage collections.

A full (generation 2) collection walks every container object the process holds. Once the warm-up
has imported torch, plotly and Streamlit and filled the first page's caches, that is some 260,000
objects, and a walk takes 110-130 ms on an idle core, holding the GIL; among 30 sessions' script runs
on 2 cores one took 300-770 ms, every 3-10 s, and every session's slider waited behind it (a class
of 30's p90: docs/performance.md, "A class of 30, run after run"). Those objects live as long as the
server: none of them can become garbage that only a collection would find. ``gc.freeze`` moves them
into a permanent generation that collections skip, so a full collection walks only what sessions
made since (their own garbage is collected as before).

``VAE_FREEZE_HEAP=0`` leaves the collector as Python sets it: the baseline `bench.classroom` compares.
"""

from __future__ import annotations

import gc
import os


def freeze_long_lived() -> int:
    """Collect what is garbage now, then exclude every object left from later collections; returns how
    many objects were frozen (0 when ``VAE_FREEZE_HEAP=0``). Call it once the warm-up is done."""
    if os.environ.get("VAE_FREEZE_HEAP", "1") == "0":
        return 0
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
