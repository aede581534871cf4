"""The server's thread settings for torch.

app.py runs torch single-threaded (one thread per task): a slider's decode is tiny, and two threads
only add wake-ups that, under load, wait for each other. Bulk work in a thread of its own (training,
the warm-up of ui/warmup.py) asks for every core with ``use_all_cores``.
"""

from __future__ import annotations

import os
import threading

import torch


def use_all_cores() -> None:
    """Let torch use every core in the calling thread only."""
    default = torch.get_num_threads()
    torch.set_num_threads(os.cpu_count() or 1)
    # set_num_threads also changes the default that threads started later adopt (Streamlit starts
    # one per script run); a throwaway thread puts it back without touching this thread's setting.
    restore = threading.Thread(target=torch.set_num_threads, args=(default,))
    restore.start()
    restore.join()
