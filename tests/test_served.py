"""ui.served: files made on demand, under URLs that name their content, served with long-lived caching."""

from __future__ import annotations

import asyncio
import hashlib

from starlette.requests import Request

from ui import served


def call(name: str, headers: dict[str, str] | None = None):
    """Our route's endpoint, called as the server calls it."""
    route = served.routes()[0]
    scope = {
        "type": "http",
        "method": "GET",
        "path": f"{served.PREFIX}/{name}",
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        "path_params": {"name": name},
        "query_string": b"",
    }
    return asyncio.run(route.endpoint(Request(scope)))


def test_a_file_is_made_once_and_its_url_names_its_content():
    made = []

    def make() -> bytes:
        made.append(1)
        return b"weights of model A"

    url = served.url("test:model-a", "vaed", make)
    assert served.url("test:model-a", "vaed", make) == url and len(made) == 1
    assert url == f"{served.PREFIX}/{hashlib.sha256(b'weights of model A').hexdigest()[:32]}.vaed"
    response = call(url.rsplit("/", 1)[1])
    assert response.status_code == 200 and response.body == b"weights of model A"
    assert "immutable" in response.headers["cache-control"] and "max-age=31536000" in response.headers["cache-control"]
    again = call(url.rsplit("/", 1)[1], {"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304 and not again.body


def test_only_what_a_page_made_is_served():
    real = served.url("test:b", "vaed", lambda: b"b").rsplit("/", 1)[1]
    for name in ("0" * 32 + ".vaed", "../../app.py", real.replace(".vaed", ".js"), real.removesuffix(".vaed")):
        response = call(name)
        assert response.status_code == 404 and response.headers["cache-control"] == "no-store"


def test_the_least_recently_used_files_go_first_when_the_store_is_full():
    store = served._Store(max_bytes=10)
    files = {key: served.File(f"{key}.vaed", b"1234") for key in "abc"}
    store.put("a", files["a"])
    store.put("b", files["b"])
    assert store.get("a") is files["a"]  # a is now the most recently used
    store.put("c", files["c"])  # 12 bytes > 10: b goes
    assert store.get("b") is None and store.named("b.vaed") is None
    assert store.named("a.vaed") is files["a"] and store.named("c.vaed") is files["c"]
