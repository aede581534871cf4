"""The server's thread settings for torch.

app.py runs torch single-threaded (one thread per task): a slider's decode is tiny, and two threads
only add wake-ups that, under load, wait for each other. Bulk work in a thread of its own (training,
the warm-up of ui/warmup.py) asks for one thread per CPU nothing else is using with ``use_free_cores``
(vae_core.threads): the server's sessions and its other trainings count as busy, so a second
training, or one started while a class is clicking, does not fight them for the same cores.
"""

from __future__ import annotations

import threading

import torch

from vae_core.threads import use_free_cpus


def use_free_cores() -> int:
    """Let torch use every free CPU in the calling thread only; returns the thread count set."""
    default = torch.get_num_threads()
    threads = use_free_cpus()
    # set_num_threads also changes the default that threads started later adopt (Streamlit starts
    # one per script run); a throwaway thread puts it back without touching this thread's setting.
    restore = threading.Thread(target=torch.set_num_threads, args=(default,))
    restore.start()
    restore.join()
    return threads
