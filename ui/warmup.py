"""The warm-up at server start: what the default first page shows, computed before anyone asks.

It fills the UI's caches (ui.derived), so it lives with the UI; app.py's start-up runs it in a thread.
"""

from __future__ import annotations

from server.runtime import use_free_cores


def warm_up() -> None:
    """Compute what the default first page shows (its latent pad's files too), once, at server start
    (app.py runs this in a thread), then import plotly for the chart pages and score the test digits
    (a click on the scatter shows a digit's -ELBO), so neither the first visitor, nor a page switch,
    nor a first click waits."""
    from ui import browser_files, derived, models

    use_free_cores()
    default = models.DEFAULT_CHECKPOINT in models.shipped_checkpoints()
    active = models.shipped(models.DEFAULT_CHECKPOINT) if default else None
    if active is not None:
        derived.encoded_test(active.key, active)
        derived.manifold(active.key, active, derived.GRID_SIZE, derived.GRID_EXTENT, "linear", (0, 1), None)
        active.card  # noqa: B018  the picker's facts: kept on disk, so a restarted server shows them without torch
        browser_files.decoder_file(active)  # the latent pad's files, ready for the first browser to fetch (and kept)
        browser_files.points_url(active, (0, 1))
    import plotly.graph_objects  # noqa: F401

    if active is not None:
        derived.test_negative_elbos(active.key, active)
