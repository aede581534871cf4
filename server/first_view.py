"""The first visitor's first view comes before torch: a fresh server waits for the browser to say its latent pad
is drawn before it imports torch.

Why: a fresh server draws the explorer's pad without torch (from the model's card, ui.cards), then loads the
model for the rest of the page. Importing torch holds the interpreter for about 1.6 s here, and while it does,
the server answers the browser slowly: the pad's code and decoder came 0.8 s later than with the script thread
idle (docs/performance.md, "Start-up"). So while torch is not imported yet, the pad is handed a URL to call
once it has drawn its digit (``ping_url``), and the run's first model load waits for that call
(``await_first_view``), at most ``WAIT_S`` after the pad was handed over: a browser that never calls (no
JavaScript, a lost request, a slow network) delays the rest of the page by that much, once.

Only a server whose start-up armed it (app.py) does this, only before torch is imported, and only after a pad
asked; a page with no latent pad never waits. The call carries nothing and can only end a wait early.
"""

from __future__ import annotations

import sys
import threading
import time

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from server.served import base_path

PATH = "/api/first-view-drawn"
WAIT_S = 2.0  # here the pad calls 0.5-0.6 s after it is handed over; the model load waits 0.3-0.5 s of that

_armed = threading.Event()
_drawn = threading.Event()
_lock = threading.Lock()
_asked_at: float | None = None  # time.monotonic() when a pad was first handed the URL


def arm() -> None:
    """At server start (app.py): from now on, a pad drawn before torch is imported is asked to say so."""
    _armed.set()


def ping_url() -> str | None:
    """The URL a latent pad calls (POST) once its digit is drawn, or None when nothing waits for it: the server
    was not armed, torch is already imported, or a pad has already called."""
    global _asked_at
    if not _armed.is_set() or _drawn.is_set() or "torch" in sys.modules:
        return None
    with _lock:
        if _asked_at is None:
            _asked_at = time.monotonic()
    return f"{base_path()}{PATH}"


def await_first_view() -> float:
    """Before a first model load: if a pad was handed ``ping_url()`` and has not called it, wait until it does,
    or until ``WAIT_S`` after it was handed over. Returns the seconds waited (0 where nothing was asked)."""
    if _asked_at is None or _drawn.is_set() or "torch" in sys.modules:
        return 0.0
    start = time.monotonic()
    _drawn.wait(max(0.0, _asked_at + WAIT_S - start))
    return time.monotonic() - start


def drawn() -> None:
    """The browser says the pad is drawn: every wait ends, and no pad is asked again."""
    _drawn.set()


class FirstViewSignal:
    """ASGI middleware: a POST to PATH calls ``drawn()`` and is answered 204; everything else passes on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == f"{base_path()}{PATH}":
            if scope["method"] == "POST":
                drawn()
                response = Response(status_code=204, headers={"Cache-Control": "no-store"})
            else:
                response = Response(status_code=405, headers={"Allow": "POST"})
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
