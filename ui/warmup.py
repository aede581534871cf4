"""The warm-up: what the default first page shows, computed before anyone asks for it.

It fills the UI's caches (ui.derived), so it lives with the UI. app.py arms it at server start; it then
runs once, in a thread of its own, as soon as the first run of any session has drawn its page, or
``FIRST_VISITOR_WAIT_S`` after the start if no one has come by then. Not at the start itself: the
warm-up imports torch, loads the model and scores the test set, and on two cores that would slow the
first visitor's first view (drawn without torch from the model's card, ui.cards) from 1.2x to 1.7x a
bare Streamlit page (docs/performance.md, "Start-up"). At the start it only imports, in a thread, the
torch-free modules the first run needs (``preload``). This module imports no torch; warming does.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ui.lessons import Lesson

FIRST_VISITOR_WAIT_S = 5.0  # a server started ahead of a class warms up before the class arrives

_armed = threading.Event()
_lock = threading.Lock()
_started = False
_lessons_measured: set[str] = set()


# What the first run imports beyond Streamlit itself (ui/navigation.py and the default page), none of it torch,
# and the list of icon names that st.Page checks its icons against.
FIRST_RUN_MODULES = (
    "server.housekeeping",
    "ui.links",
    "ui.models",
    "ui.widgets",
    "ui.derived",
    "ui.fragments",
    "ui.images",
    "ui.notes",
    "streamlit.material_icon_names",
)


def preload() -> threading.Thread:
    """At server start (app.py), in a thread: import what the first run would import, while the first browser
    is still loading Streamlit's JavaScript. Without it the first run spent about 250 ms on the 2-core machine
    before it sent its heading (docs/performance.md, "Start-up"); with it, about 20. Returns the thread."""
    thread = threading.Thread(target=_first_run_work, name="preload", daemon=True)
    thread.start()
    return thread


def _first_run_work() -> None:
    import importlib
    import inspect

    from PIL import Image

    for name in FIRST_RUN_MODULES:
        with contextlib.suppress(ImportError):  # a Streamlit release without that module: nothing to load early
            importlib.import_module(name)
    Image.preinit()  # the image plugins st.set_page_config opens the page's icon with
    # Streamlit calls inspect.stack() once, as the server's first element is sent (env_util.is_repl): the first
    # call maps each of the 1,000-odd loaded modules to its file, 120 ms; made here, later calls find it done.
    inspect.stack()


def arm(wait_s: float = FIRST_VISITOR_WAIT_S) -> None:
    """At server start (app.py): warm up after the first run that draws a page, or after ``wait_s``."""
    _armed.set()
    timer = threading.Timer(wait_s, _start)
    timer.daemon = True
    timer.start()


def page_drawn() -> None:
    """The navigation calls this as each run ends: the first starts an armed warm-up. Unarmed (a test's
    AppTest, a harness), it does nothing."""
    if _armed.is_set():
        _start()


def _start() -> None:
    global _started
    with _lock:
        if _started:
            return
        _started = True
    threading.Thread(target=warm_up, name="warm-up", daemon=True).start()


def warm_up() -> None:
    """Compute what the default first page shows (its latent pad's files and card too, kept on disk), once,
    then import plotly for the chart pages and score the test digits (a click on the scatter shows a digit's
    -ELBO), so neither a visitor, nor a page switch, nor a first click waits."""
    from server.runtime import use_free_cores
    from ui import browser_files, derived, models

    use_free_cores()
    default = models.DEFAULT_CHECKPOINT in models.shipped_checkpoints()
    active = models.shipped(models.DEFAULT_CHECKPOINT) if default else None
    if active is not None:
        derived.encoded_test(active.key, active)
        derived.manifold(active.key, active, derived.GRID_SIZE, derived.GRID_EXTENT, "linear", (0, 1), None)
        _ = active.card  # the picker's facts: kept on disk, so a restarted server shows them without torch
        browser_files.decoder_file(active)  # the latent pad's files, ready for the first browser to fetch (and kept)
        browser_files.points_url(active, (0, 1))
    import plotly.graph_objects  # noqa: F401

    if active is not None:
        derived.test_negative_elbos(active.key, active)


def measure_ahead(lesson: Lesson) -> threading.Thread | None:
    """The first time ``lesson`` is shown on this server (pages/lesson.py calls this on every run; armed only),
    measure every step's claims in a thread of its own, in step order. A claim is measured with the very
    figures its page draws (ui.claims, from ui.derived's caches), so this computes the slow ones while the
    class is still on the steps before them: on a fresh install a teacher otherwise waited 15-16 s at
    "Holes", 18-25 s at "Disentanglement" and 8-10 s at "Anomaly detection" (docs/performance.md, "Speed").
    Kept on disk, they cost nothing on the next server. The thread runs at a training's lower priority, so
    the people using the server meanwhile come first. Returns the thread, or None (unarmed, or done)."""
    with _lock:
        if not _armed.is_set() or lesson.name in _lessons_measured:
            return None
        _lessons_measured.add(lesson.name)
    thread = threading.Thread(target=_measure_claims, args=(lesson,), name=f"lesson {lesson.name}", daemon=True)
    thread.start()
    return thread


def _measure_claims(lesson: Lesson) -> None:
    from server import admission
    from ui import claims

    admission.lower_this_threads_priority()  # below the sessions' work, as a training runs: a class keeps its speed
    for step in lesson.steps:
        for claim in step.claims:
            try:
                claims.evaluate(claim)
            except Exception:  # the step itself says what is wrong when it is shown (python -m ui.lessons check)
                logging.getLogger(__name__).exception("measuring %r ahead of lesson %s", claim.says, lesson.name)
