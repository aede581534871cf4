"""Files the browser fetches over plain HTTP from this server: bytes made on demand (a model's decoder
weights, the points a pad draws, the code of the components that decode) under a URL that names
their content.

A file is made the first time a page asks for it (for any model: shipped, uploaded or trained in the
app), kept in memory, and served as ``/api/files/<sha256 prefix>.<ext>`` with ``Cache-Control:
immutable``: the name changes whenever the content does, so a browser fetches each file once and keeps
it, and no URL can ever show stale weights. The store is process-wide (every session shares it: the
shipped models' files are made once) and bounded (the least recently used files go first); nothing
is served unless a page made it.

Why not the other ways: a component's data travels through the websocket with every rerun (7.4 MB
of weights on every slider move); Streamlit's static/ folder would mean writing every model's files
into the app's folder at run time, and it sends no caching header. And why a middleware
(``FileServer``, which app.py gives st.App) rather than a route: a route's response passes through
Streamlit's gzip middleware, which compresses it afresh on every request, 0.5 s of CPU for the 7.4 MB
decoder to save 7 % of its bytes (float16 weights hardly compress). Our middleware runs before
Streamlit's and answers these requests itself.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

PREFIX = "/api/files"
MAX_BYTES = 256 * 2**20  # ~30 of the largest decoders (7.4 MB); a few small files besides
CACHE_CONTROL = "public, max-age=31536000, immutable"
TYPES = {
    "vaed": "application/octet-stream",
    "vaee": "application/octet-stream",
    "pts": "application/octet-stream",
    "png": "image/png",
    "js": "text/javascript",
}
_NAME = re.compile(r"^([0-9a-f]{32})\.([a-z]{1,8})$")


@dataclass(frozen=True)
class File:
    name: str  # "<digest>.<ext>": what the URL ends with
    data: bytes

    @property
    def url(self) -> str:
        return f"{base_path()}{PREFIX}/{self.name}"


class _Store:
    """What has been made (by the caller's key: model key and what was made from it) and what can be
    served (by name), under one lock: script threads add, the server's event loop reads."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.lock = threading.Lock()
        self.by_key: OrderedDict[str, File] = OrderedDict()
        self.by_name: dict[str, File] = {}

    def get(self, key: str) -> File | None:
        with self.lock:
            file = self.by_key.get(key)
            if file is not None:
                self.by_key.move_to_end(key)
            return file

    def put(self, key: str, file: File) -> None:
        with self.lock:
            self.by_key[key] = file
            self.by_key.move_to_end(key)
            self.by_name[file.name] = file
            while sum(len(f.data) for f in self.by_key.values()) > self.max_bytes and len(self.by_key) > 1:
                self.by_key.popitem(last=False)
            self.by_name = {f.name: f for f in self.by_key.values()}

    def named(self, name: str) -> File | None:
        with self.lock:
            return self.by_name.get(name)


_store = _Store(MAX_BYTES)


def file(key: str, ext: str, make: Callable[[], bytes]) -> File:
    """The file ``make()`` returns, made the first time ``key`` is asked for; its ``url`` is where the
    browser fetches it, its ``data`` what it gets. ``key`` must name the content uniquely (a model's key
    names its weights: ui.models.ActiveModel.key)."""
    made = _store.get(key)
    if made is None:
        data = make()
        made = File(f"{hashlib.sha256(data).hexdigest()[:32]}.{ext}", data)
        _store.put(key, made)
    return made


def url(key: str, ext: str, make: Callable[[], bytes]) -> str:
    """The URL of ``file(key, ext, make)``."""
    return file(key, ext, make).url


def named(name: str) -> File | None:
    """The file served as ``name`` ("<digest>.<ext>", what its URL ends with), if a page made it."""
    return _store.named(name)


def base_path() -> str:
    """The server's base URL path ("" or "/something"), which our URLs sit under."""
    from streamlit import config

    base = str(config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


async def respond(request: Request) -> Response:
    """The answer to a GET of PREFIX/<name>: the file if a page made it, else 404."""
    name = request.url.path.rsplit("/", 1)[-1]
    match = _NAME.match(name)
    file = named(name) if match and match.group(2) in TYPES else None
    if file is None or match is None:
        return Response("no such file", status_code=404, headers={"Cache-Control": "no-store"})
    etag = f'"{match.group(1)}"'
    headers = {"Cache-Control": CACHE_CONTROL, "ETag": etag, "X-Content-Type-Options": "nosniff"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(file.data, media_type=TYPES[match.group(2)], headers=headers)


class FileServer:
    """ASGI middleware: answers GET and HEAD under PREFIX from the store, passes everything else on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(f"{base_path()}{PREFIX}/"):
            request = Request(scope, receive)
            if request.method in ("GET", "HEAD"):
                response = await respond(request)
            else:
                response = Response(status_code=405, headers={"Allow": "GET, HEAD"})
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
