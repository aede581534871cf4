"""VAE Latent Explorer: `streamlit run app.py`.

The server. Its start-up hook arms the warm-up (ui/warmup.py: torch, the shipped model, its encoded
test set, manifold and scores, computed in a thread of its own), which starts once the first visitor's
page is drawn, or a few seconds after the start if no one has come: the first view itself needs no torch,
and the first run imports it only once the browser says the pad is drawn (server/first_view.py).
What every session runs is ui/navigation.py; the pages are in pages/; what the server does besides
drawing (files, admission, housekeeping) is in server/.
"""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import streamlit as st
from starlette.middleware import Middleware

from server import first_view, replies, served
from ui import warmup
from ui.registry import NAVIGATION

# One torch thread per task unless it asks for more (training does: server.runtime.use_free_cores). A
# slider's decode is tiny: two threads only add wake-ups, and under load (other sessions, a training
# run) they wait for each other, which made a slider move 2-5x slower. Must be set before torch loads.
os.environ.setdefault("OMP_NUM_THREADS", "1")


@asynccontextmanager
async def lifespan(_app: st.App) -> AsyncIterator[None]:
    warmup.preload()  # what the first run imports, imported while the first browser loads
    warmup.arm()
    first_view.arm()  # the first pad is drawn before torch is imported (server/first_view.py)
    from server import housekeeping  # gives back what ended sessions and trainings leave behind

    housekeeping.start()
    yield


# FileServer answers /api/files/...: what the browser fetches by URL (a model's decoder weights for
# in-browser decoding), made on demand and cached by the browser; server/served.py says why not the
# websocket, static/ or a route. FirstViewSignal hears the first pad say it is drawn: a fresh server waits for
# that before it imports torch (server/first_view.py).
# A reply the browser waits for (upload URLs) must outlive a run's start: server/replies.py says why.
replies.keep_replies()
MIDDLEWARE = [Middleware(served.FileServer), Middleware(first_view.FirstViewSignal)]
app = st.App(NAVIGATION, lifespan=lifespan, middleware=MIDDLEWARE)
