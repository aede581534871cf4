"""The server for harness/first_view.py (bench.latency --first-view): that page, the app's file server
for the pad's files and, with FIRST_VIEW_WARM=start, the app's warm-up started with the server as
app.py starts it. Here, not in bench/, because it is not a benchmark but what one starts."""

import os
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `streamlit run` puts harness/ there, not the root
os.environ.setdefault("OMP_NUM_THREADS", "1")  # as app.py

from harness import first_view
from server import served
from ui import warmup


@asynccontextmanager
async def lifespan(_app: st.App) -> AsyncIterator[None]:
    if os.environ.get("FIRST_VIEW_WARM") == "start":
        threading.Thread(target=warmup.warm_up, name="warm-up", daemon=True).start()
    yield


app = st.App(Path(first_view.__file__), lifespan=lifespan, middleware=[Middleware(served.FileServer)])
