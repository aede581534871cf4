"""Files the browser fetches over plain HTTP from this server: bytes made on demand (a model's decoder
weights, the points a pad draws) under a URL that names their content.

Why not the component's data or Streamlit's static/ folder: a component's data travels through the
websocket with every rerun (7.4 MB of weights on every slider move), and static/ serves only files
that exist when the server starts, without a Cache-Control header. Here a file is made the first time
a page asks for it (for any model: shipped, uploaded or trained in the app), kept in memory, and
served by a route of our own (app.py mounts ``routes()``) as ``/api/files/<sha256 prefix>.<ext>``
with ``Cache-Control: immutable``: the name changes whenever the content does, so a browser fetches
each file once and keeps it, and no URL can ever show stale weights.

The store is process-wide (every session shares it: the shipped models' files are made once) and
bounded (the least recently used files go first); a file is never served unless a page made it.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

PREFIX = "/api/files"
MAX_BYTES = 256 * 2**20  # ~30 of the largest decoders (7.4 MB); a few small files besides
CACHE_CONTROL = "public, max-age=31536000, immutable"
TYPES = {"vaed": "application/octet-stream", "pts": "application/octet-stream"}
_NAME = re.compile(r"^([0-9a-f]{32})\.([a-z]{1,8})$")


@dataclass(frozen=True)
class File:
    name: str  # "<digest>.<ext>": what the URL ends with
    data: bytes


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


def url(key: str, ext: str, make: Callable[[], bytes]) -> str:
    """The URL of the file ``make()`` returns, made the first time ``key`` is asked for. ``key`` must
    name the content uniquely (a model's key names its weights: ui.models.ActiveModel.key)."""
    file = _store.get(key)
    if file is None:
        data = make()
        file = File(f"{hashlib.sha256(data).hexdigest()[:32]}.{ext}", data)
        _store.put(key, file)
    return f"{base_path()}{PREFIX}/{file.name}"


def base_path() -> str:
    """The server's base URL path ("" or "/something"), which our route and its URLs sit under."""
    from streamlit import config

    base = str(config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def routes() -> list:
    """The Starlette route that serves the store (for st.App(routes=...))."""
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    async def serve(request: Request) -> Response:
        name = request.path_params["name"]
        match = _NAME.match(name)
        file = _store.named(name) if match and match.group(2) in TYPES else None
        if file is None:
            return Response("no such file", status_code=404, headers={"Cache-Control": "no-store"})
        etag = f'"{match.group(1)}"'
        headers = {"Cache-Control": CACHE_CONTROL, "ETag": etag, "X-Content-Type-Options": "nosniff"}
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        return Response(file.data, media_type=TYPES[match.group(2)], headers=headers)

    return [Route(f"{base_path()}{PREFIX}/{{name}}", serve, methods=["GET"])]
