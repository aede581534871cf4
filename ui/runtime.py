"""The server's runtime settings: torch's threads, and the warm-up at start-up.

app.py runs torch single-threaded (one thread per task): a slider's decode is tiny, and two threads
only add wake-ups that, under load, wait for each other. Bulk work in a thread of its own (training,
the warm-up) asks for every core with ``use_all_cores``.
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


def warm_up() -> None:
    """Compute what the default first page shows (its latent pad's files too), once, at server start
    (app.py runs this in a thread), then import plotly for the chart pages and score the test digits
    (a click on the scatter shows a digit's -ELBO), so neither the first visitor, nor a page switch,
    nor a first click waits."""
    from ui import derived, models

    use_all_cores()
    default = models.DEFAULT_CHECKPOINT in models.shipped_checkpoints()
    active = models.shipped(models.DEFAULT_CHECKPOINT) if default else None
    if active is not None:
        derived.encoded_test(active.key, active)
        derived.manifold(active.key, active, derived.GRID_SIZE, derived.GRID_EXTENT, "linear", (0, 1), None)
        derived.decoder_url(active)  # the latent pad's files, ready for the first browser to fetch
        derived.points_url(active, (0, 1))
    import plotly.graph_objects  # noqa: F401

    if active is not None:
        derived.test_negative_elbos(active.key, active)
