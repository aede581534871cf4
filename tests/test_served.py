"""server.served: files made on demand, under URLs that name their content, served with long-lived caching."""

from __future__ import annotations

import asyncio
import hashlib

from server import served


class Answer:
    """What an ASGI app sent back."""

    def __init__(self) -> None:
        self.status, self.headers, self.body = 0, {}, b""

    async def __call__(self, message: dict) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = {k.decode(): v.decode() for k, v in message["headers"]}
        else:
            self.body += message.get("body", b"")


def call(path: str, headers: dict[str, str] | None = None, method: str = "GET") -> Answer:
    """The app's middleware stack as the server calls it, with Streamlit's own app behind it."""

    async def streamlit(scope, receive, send) -> None:
        await send({"type": "http.response.start", "status": 299, "headers": []})
        await send({"type": "http.response.body", "body": b"streamlit"})

    async def receive() -> dict:
        return {"type": "http.request", "body": b""}

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        "query_string": b"",
    }
    answer = Answer()
    asyncio.run(served.FileServer(streamlit)(scope, receive, answer))
    return answer


def test_a_file_is_made_once_and_its_url_names_its_content():
    made = []

    def make() -> bytes:
        made.append(1)
        return b"weights of model A"

    url = served.url("test:model-a", "vaed", make)
    assert served.url("test:model-a", "vaed", make) == url and len(made) == 1
    assert url == f"{served.PREFIX}/{hashlib.sha256(b'weights of model A').hexdigest()[:32]}.vaed"
    response = call(url)
    assert response.status == 200 and response.body == b"weights of model A"
    assert "immutable" in response.headers["cache-control"] and "max-age=31536000" in response.headers["cache-control"]
    assert "content-encoding" not in response.headers  # not gzipped on every request: weights hardly compress
    again = call(url, {"If-None-Match": response.headers["etag"]})
    assert again.status == 304 and not again.body
    assert call(url, method="POST").status == 405


def test_only_what_a_page_made_is_served():
    real = served.url("test:b", "vaed", lambda: b"b")
    for path in (f"{served.PREFIX}/{'0' * 32}.vaed", f"{served.PREFIX}/../../app.py", real.replace(".vaed", ".js")):
        response = call(path)
        assert response.status == 404 and response.headers["cache-control"] == "no-store"
    assert call("/").body == b"streamlit" and call("/api/filesx").body == b"streamlit"  # the rest passes on


def test_the_least_recently_used_files_go_first_when_the_store_is_full():
    store = served._Store(max_bytes=10)
    files = {key: served.File(f"{key}.vaed", b"1234") for key in "abc"}
    store.put("a", files["a"])
    store.put("b", files["b"])
    assert store.get("a") is files["a"]  # a is now the most recently used
    store.put("c", files["c"])  # 12 bytes > 10: b goes
    assert store.get("b") is None and store.named("b.vaed") is None
    assert store.named("a.vaed") is files["a"] and store.named("c.vaed") is files["c"]
