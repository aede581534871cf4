"""Memory housekeeping for a server a class visits for hours: what Python, Streamlit and glibc hold
on to after sessions have ended, given back.

Measured with the soak (bench/soak.py --probe; docs/measurements.md, "Memory"): over 10 minutes of
visitors coming and going, resident memory climbed from 1.1 to 1.9 GB and kept climbing, while the
memory in use stayed at 300-400 MB. Two things held the rest:

- **Memory freed but not given back.** glibc keeps freed memory in its arenas for reuse; each
  training step frees tens of MB of activations, and after three trainings the server held over 1 GB
  of free heap. ``malloc_trim(0)`` hands free pages back to the operating system; it runs every
  pass (without the GIL: a foreign call) and after every training.
- **Sessions that ended, not yet collected.** A closed tab's session is kept for a reconnect
  (``server.disconnectedSessionTTL``, 120 s), then dropped; Streamlit frees its uploaded and media
  files (a download button's bytes: a trained checkpoint is ~10 MB) only when the AppSession object
  is garbage-collected (``AppSession.__del__`` calls ``shutdown()``). It sits in reference cycles,
  and with the collection after every rerun turned off (``runner.postScriptGC = false``, for the
  sliders' sake) that waits for Python's rare full collection. So this module remembers the
  sessions it has seen; once one has been gone for longer than the reconnect window, it clears that
  session's files itself and runs ``gc.collect()`` (100-200 ms, at most once a pass, only then).

Every call into Streamlit here is public API, and the reconnect window is read as people set it.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import threading
import time

import streamlit as st
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

# Seconds between two passes (an environment variable for tests, which cannot wait half a minute).
CHECK_EVERY = float(os.environ.get("VAE_HOUSEKEEPING_SECONDS", 30))
_lock = threading.Lock()
_inactive_since: dict[str, float | None] = {}  # session id -> since when it has not been connected
_started = threading.Event()


def track() -> None:
    """Remember the calling script run's session (the navigation script calls this once per session)."""
    context = get_script_run_ctx()
    if context is not None:
        with _lock:
            _inactive_since.setdefault(context.session_id, None)


def reconnect_window() -> float:
    """How long Streamlit keeps a closed tab's session for a reconnect, in seconds."""
    return float(st.get_option("server.disconnectedSessionTTL") or 0)


def forget_gone_sessions(now: float | None = None) -> list[str]:
    """Clear the uploaded and media files of every tracked session that has not been connected for
    longer than the reconnect window (so it can no longer be resumed); returns their ids."""
    if not Runtime.exists():
        return []
    runtime = Runtime.instance()
    now = time.monotonic() if now is None else now
    grace = reconnect_window() + CHECK_EVERY
    gone = []
    with _lock:
        for session_id, since in list(_inactive_since.items()):
            if runtime.is_active_session(session_id):
                _inactive_since[session_id] = None
            elif since is None:
                _inactive_since[session_id] = now
            elif now - since > grace:
                gone.append(session_id)
                del _inactive_since[session_id]
    for session_id in gone:
        runtime.uploaded_file_mgr.remove_session_files(session_id)
        runtime.media_file_mgr.clear_session_refs(session_id)
    if gone:
        runtime.media_file_mgr.remove_orphaned_files()
    return gone


def give_back_free_memory() -> None:
    """Return free heap pages to the operating system (glibc only; elsewhere nothing to do)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)


def sweep() -> None:
    """One pass: forget the sessions that are gone, collect their state, give free memory back."""
    if forget_gone_sessions():
        gc.collect()
    give_back_free_memory()


def start() -> None:
    """Sweep every CHECK_EVERY seconds in a daemon thread, once per server (app.py's start-up calls it)."""
    if _started.is_set():
        return
    _started.set()

    def loop() -> None:
        while True:
            time.sleep(CHECK_EVERY)
            try:
                sweep()
            except Exception:  # housekeeping must never take the server down; try again next pass
                continue

    threading.Thread(target=loop, name="housekeeping", daemon=True).start()
