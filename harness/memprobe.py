"""What holds a running server's memory: a probe started inside the server process by the soak.

``probe_env(path)`` returns environment variables for ``running_server(env=...)``: Python then imports
a ``sitecustomize`` from a temporary folder, which starts a daemon thread in the server that appends
one JSON line to ``path`` every few seconds. Nothing in the app knows about it. Each line has:

- ``rss``, split into anonymous memory and file pages (the libraries' code, as far as it has run);
- glibc's view of the heap (``mallinfo2``): bytes in use, free inside the arenas (held but unused:
  fragmentation, or pages not yet given back; it still counts pages given back by ``malloc_trim``),
  and in mmap'd blocks; Python's allocated blocks;
- Streamlit's own accounting (its stats manager): session state, st.cache_data, st.cache_resource,
  uploaded files and media files (download buttons, st.image of arrays), in MB;
- sessions connected and kept for a reconnect; the sessions whose uploaded or media files are still
  held; live AppSession, VAE and TrainingJob objects; threads.
"""

from __future__ import annotations

import ctypes
import gc
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SITECUSTOMIZE = """
import os
if os.environ.get("VAE_MEMPROBE"):
    import sys
    sys.path.insert(0, {root!r})
    from harness import memprobe
    memprobe.start(os.environ["VAE_MEMPROBE"], float(os.environ.get("VAE_MEMPROBE_EVERY", "5")))
"""


def probe_env(path: Path, every: float = 5.0) -> dict[str, str]:
    """Environment for a server process that writes its memory breakdown to ``path``."""
    folder = Path(tempfile.mkdtemp(prefix="memprobe-"))
    (folder / "sitecustomize.py").write_text(SITECUSTOMIZE.format(root=str(ROOT)))
    python_path = os.pathsep.join(p for p in (str(folder), os.environ.get("PYTHONPATH", "")) if p)
    return {"PYTHONPATH": python_path, "VAE_MEMPROBE": str(path), "VAE_MEMPROBE_EVERY": str(every)}


class _MallInfo2(ctypes.Structure):
    _fields_ = [  # glibc's struct mallinfo2, in order
        ("arena", ctypes.c_size_t),
        ("ordblks", ctypes.c_size_t),
        ("smblks", ctypes.c_size_t),
        ("hblks", ctypes.c_size_t),
        ("hblkhd", ctypes.c_size_t),
        ("usmblks", ctypes.c_size_t),
        ("fsmblks", ctypes.c_size_t),
        ("uordblks", ctypes.c_size_t),
        ("fordblks", ctypes.c_size_t),
        ("keepcost", ctypes.c_size_t),
    ]


def _malloc() -> dict[str, float]:
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = _MallInfo2
        info = libc.mallinfo2()
    except (OSError, AttributeError):
        return {}
    mb = 1 / 2**20
    return {
        "heap_in_use": round(info.uordblks * mb, 1),
        "heap_free": round(info.fordblks * mb, 1),
        "mmapped": round(info.hblkhd * mb, 1),
    }


def _status_mb(field: str) -> float:
    status = Path("/proc/self/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith(f"{field}:"))) / 1024


def _rss_mb() -> float:
    return _status_mb("VmRSS")


def _streamlit() -> dict[str, Any]:
    from streamlit.runtime import Runtime

    if not Runtime.exists():
        return {}
    runtime = Runtime.instance()
    by_category: dict[str, float] = {}
    for stats in runtime.stats_mgr.get_stats().values():
        for stat in stats:
            if not hasattr(stat, "byte_length"):  # counters (sessions connected, ...), not memory
                continue
            by_category[stat.category_name] = by_category.get(stat.category_name, 0.0) + stat.byte_length / 2**20
    manager = runtime._session_mgr  # a probe may look inside
    active = {s.session.id for s in manager.list_active_sessions()}
    known = {s.session.id for s in manager.list_sessions()}
    uploads = set(getattr(runtime.uploaded_file_mgr, "file_storage", {}))
    media = set(getattr(runtime.media_file_mgr, "_files_by_session_and_coord", {}))
    return {
        "mb": {k: round(v, 1) for k, v in sorted(by_category.items())},
        "sessions_active": len(active),
        "sessions_kept": len(known - active),
        "sessions_gone_with_uploads": len(uploads - known),
        "sessions_gone_with_media": len(media - known),
    }


def _objects() -> dict[str, int]:
    counts = {"AppSession": 0, "VAE": 0, "TrainingJob": 0}
    for obj in gc.get_objects():
        name = type(obj).__name__
        if name in counts:
            counts[name] += 1
    return counts


def sample() -> dict[str, Any]:
    return {
        "t": round(time.time(), 1),
        "rss": round(_rss_mb(), 1),
        "rss_anon": round(_status_mb("RssAnon"), 1),  # the heap, Python's objects, stacks
        "rss_file": round(_status_mb("RssFile"), 1),  # code and data of the libraries, as far as touched
        **_malloc(),
        "py_blocks": sys.getallocatedblocks(),
        "threads": threading.active_count(),
        **_streamlit(),
        **_objects(),
    }


def start(path: str, every: float) -> None:
    def loop() -> None:
        while True:
            time.sleep(every)
            try:
                line = sample()
            except Exception as exc:  # the probe must never take the server down
                line = {"t": round(time.time(), 1), "error": repr(exc)}
            with open(path, "a") as f:
                f.write(json.dumps(line) + "\n")

    threading.Thread(target=loop, name="memprobe", daemon=True).start()
