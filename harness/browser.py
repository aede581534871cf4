"""Run the app on loopback and drive it with a real headless Chromium (Debian's, via Playwright).

Shared by the browser tests, the screenshot script, the latency benchmark and the load test.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from playwright.sync_api import Browser, Page, Playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Server:
    url: str
    pid: int

    def rss_mb(self) -> float:
        """The server process's resident memory, in MB (Linux /proc)."""
        status = Path(f"/proc/{self.pid}/status").read_text()
        return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))) / 1024


@dataclass
class _Starting:
    """A ``streamlit run`` process started, not yet known to answer."""

    process: subprocess.Popen
    url: str
    log_path: Path
    log: Any

    def wait_healthy(self, timeout: float) -> Server:
        """Poll the health check until it answers 200 (the only request a server gets before it is used)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return Server(self.url, self.process.pid)
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start: {self.log_path.read_text()[-2000:]}")
            time.sleep(0.05)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
        self.log_path.unlink(missing_ok=True)


def _start(
    port: int | None = None,
    env: dict[str, str] | None = None,
    options: dict[str, str] | None = None,
    script: str = "app.py",
) -> _Starting:
    port = port or free_port()
    flags = {"server.address": "127.0.0.1", "server.port": str(port), "server.headless": "true"}
    flags |= {"browser.gatherUsageStats": "false"} | (options or {})
    log_path = ROOT / f".streamlit-{port}.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed by stop()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, *(f"--{k}={v}" for k, v in flags.items())],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
    )
    return _Starting(process, f"http://127.0.0.1:{port}", log_path, log)


@contextlib.contextmanager
def running_server(
    port: int | None = None,
    timeout: float = 90.0,
    env: dict[str, str] | None = None,
    options: dict[str, str] | None = None,
    script: str = "app.py",
) -> Iterator[Server]:
    """Start ``streamlit run app.py`` (or another ``script``, with the project's .streamlit/config.toml)
    on 127.0.0.1, with extra ``--server.*``-style ``options``, and yield it once it answers its health
    check."""
    starting = _start(port, env, options, script)
    try:
        yield starting.wait_healthy(timeout)
    finally:
        starting.stop()


@contextlib.contextmanager
def running_app(port: int | None = None, timeout: float = 90.0, env: dict[str, str] | None = None) -> Iterator[str]:
    """Start ``streamlit run app.py`` on 127.0.0.1 and yield its URL once it answers its health check."""
    with running_server(port, timeout, env) as server:
        yield server.url


class FreshApps:
    """Up to ``count`` fresh ``streamlit run app.py`` servers, each started ``ahead`` servers before it
    is wanted, so that the next ones boot while a test uses the current one (on two cores a server's
    start and a browser's first page overlap). Until ``take()`` hands a server out it has had no
    request at all, not even its health check."""

    def __init__(self, count: int, ahead: int = 2, timeout: float = 90.0) -> None:
        self.left, self.ahead, self.timeout = count, ahead, timeout
        self.queue: list[_Starting] = []

    def _fill(self, n: int) -> None:
        while self.left > 0 and len(self.queue) < n:
            self.queue.append(_start())
            self.left -= 1

    @contextlib.contextmanager
    def take(self) -> Iterator[str]:
        """The oldest started server's URL once it answers its health check; stopped afterwards."""
        self._fill(1)
        if not self.queue:
            raise RuntimeError("every fresh server has been taken")
        starting = self.queue.pop(0)
        self._fill(self.ahead)  # these boot while this one is used
        try:
            yield starting.wait_healthy(self.timeout).url
        finally:
            starting.stop()

    def close(self) -> None:
        """Stop the servers started and never taken."""
        while self.queue:
            self.queue.pop().stop()


@contextlib.contextmanager
def fresh_apps(count: int, ahead: int = 2, timeout: float = 90.0) -> Iterator[FreshApps]:
    """A FreshApps of ``count`` servers, the unused ones stopped on leaving."""
    apps = FreshApps(count, ahead, timeout)
    try:
        yield apps
    finally:
        apps.close()


def require_chromium() -> None:
    """Skip the calling test module where Chromium is not installed, except in CI, where the browser
    tests must run: there a missing browser is an error (scripts/setup.sh --browser installs it)."""
    import pytest

    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            raise RuntimeError(f"{CHROMIUM} is missing: CI must run the browser tests (scripts/setup.sh --browser)")
        pytest.skip(f"{CHROMIUM} is not installed", allow_module_level=True)


def launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


# What changes on screen when the slider moves: the decoded image and its caption (two nearby
# points can decode to the same pixels, and so to the same image URL).
SIGNATURE_JS = """() => {
    const main = document.querySelector('[data-testid="stMain"]');
    const img = main && main.querySelector('[data-testid="stImage"] img');
    const z = main && main.innerText.match(/decoded at z = [(][^)]*[)]/);
    return img && z ? img.src + '|' + z[0] : null;
}"""


# Resolves with the ms from t0 until the slider's new image is on screen (-1 after 15 s).
NEW_IMAGE_JS = (
    """([old, t0]) => new Promise((resolve) => {
    const signature = """
    + SIGNATURE_JS
    + """;
    const check = () => {
        const now = performance.now() - t0;
        const sig = signature();
        const img = document.querySelector('[data-testid="stMain"] [data-testid="stImage"] img');
        if (sig && sig !== old && img.complete) resolve(now);
        else if (now > 15000) resolve(-1);
        else requestAnimationFrame(check);
    };
    check();
})"""
)


# The page position and test index of the rank-th point farthest from the origin on the scatter
# (outer points have nothing drawn over them, so a click there hits that point), as plotly computes it,
# among the digits of the classes shown (one trace per class, meta "test digits"; ui.charts.scatter_figure).
OUTER_POINT_JS = """(rank) => {
    const gd = document.querySelector('.js-plotly-plot');
    const L = gd._fullLayout, box = gd.getBoundingClientRect();
    const points = gd._fullData.filter((t) => t.meta === 'test digits' && t.visible === true)
        .flatMap((t) => [...t.x.keys()].map((i) => [t.x[i], t.y[i], t.customdata[i][0]]));
    const [x, y, index] = points.sort((a, b) => b[0] ** 2 + b[1] ** 2 - a[0] ** 2 - a[1] ** 2)[rank];
    return [box.left + L._size.l + L.xaxis.d2p(x), box.top + L._size.t + L.yaxis.d2p(y), index];
}"""


IDLE_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    const busy = !app || app.dataset.testScriptState === "running" || app.dataset.testConnectionState !== "CONNECTED";
    const spinning = document.querySelector('[data-testid="stSpinner"], [data-testid="stSkeleton"]');
    return !busy && !spinning && [...document.images].every((img) => img.complete);
}"""


# Every Plotly chart on the page has drawn itself (Streamlit loads Plotly lazily, after the page is idle).
CHARTS_DRAWN_JS = """() => [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stPlotlyChart"]')]
    .every((chart) => chart.querySelector('.main-svg'))"""


def serving(browser: Browser, files: dict[str, tuple[str, bytes]], host: str = "http://files.test") -> Page:
    """A new page at ``host``/ whose requests to ``host`` are answered from ``files`` (path -> (content type,
    bytes)): the browser side of the decoder, the encoder and their benchmarks, without an app."""
    page = browser.new_page()

    def answer(route: Any) -> None:
        kind, body = files[urlparse(route.request.url).path]
        route.fulfill(status=200, content_type=kind, body=body)

    page.route(f"{host}/**", answer)
    page.goto(f"{host}/")
    return page


def decode_all_js(get_decoder: str) -> str:
    """JavaScript for ``page.evaluate(js, [url, codes, d])``: decode the codes (a flat list, d per code)
    with the in-browser decoder that ``get_decoder`` (an expression of ``url``) resolves to, and return
    every image's grey levels, concatenated, in base64 (the test and the benchmark share it)."""
    return f"""async ([url, codes, d]) => {{
    const decoder = await {get_decoder};
    const n = codes.length / d, out = new Uint8Array(n * 784), z = new Float32Array(d);
    for (let i = 0; i < n; i++) {{
        for (let k = 0; k < d; k++) z[k] = codes[i * d + k];
        out.set(decoder.decode(z), i * 784);
    }}
    let text = '';
    for (let i = 0; i < out.length; i += 8192) text += String.fromCharCode(...out.subarray(i, i + 8192));
    return btoa(text);
}}"""


# Resolves with the wall-clock time (ms since the epoch) at which the page became ready: a title
# (the given one, if any) and Streamlit idle, and still so `hold` ms later (a rerun can start just
# after a first idle moment). Ready means ready then, not when the check ended.
READY_SINCE_JS = (
    """([title, hold, timeout]) => new Promise((resolve, reject) => {
    const idle = """
    + IDLE_JS
    + """;
    const start = performance.now();
    let since = null;
    const check = () => {
        const now = performance.timeOrigin + performance.now();
        const h1 = document.querySelector('[data-testid="stMain"] h1');
        if (h1 && (!title || h1.innerText.trim() === title) && idle()) {
            since = since ?? now;
            if (now - since >= hold) return resolve(since);
        } else since = null;
        if (performance.now() - start > timeout) reject(new Error(`page not ready after ${timeout} ms`));
        else setTimeout(check, 5);
    };
    check();
})"""
)


def wait_ready(page: Page, timeout: float = 60_000, title: str | None = None) -> float:
    """Wait until the page is ready (see READY_SINCE_JS) and return when it became so, in epoch ms."""
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=timeout)
    return page.evaluate(READY_SINCE_JS, [title, 600, timeout])


# The root element of a component drawn in a shadow root (v2 components isolate their styles there),
# found by a selector inside it: e.g. PAD = "() => shadowed('.latent-pad')".
SHADOWED_JS = """(selector) => [...document.querySelectorAll('[data-testid="stBidiComponentIsolated"]')]
    .map((host) => host.shadowRoot && host.shadowRoot.querySelector(selector)).find(Boolean) || null"""


def shadowed(selector: str) -> str:
    """A JavaScript expression for the first element matching ``selector`` inside any component's
    shadow root (null if there is none): for page.evaluate and wait_for_function."""
    return f"({SHADOWED_JS})({selector!r})"


# True once the page's latent pad has loaded its decoder and drawn its digit: drawn and draggable.
PAD_READY_JS = shadowed(".latent-pad") + "?.dataset.state === 'ready'"


# The page position of a data point on the index-th plotly chart, as plotly itself maps it.
DATA_TO_PAGE_JS = """([chart, x, y]) => {
    const gd = document.querySelectorAll('.js-plotly-plot')[chart];
    const L = gd._fullLayout, box = gd.getBoundingClientRect();
    return [box.left + L._size.l + L.xaxis.d2p(x), box.top + L._size.t + L.yaxis.d2p(y)];
}"""


def box_select(page: Page, corner: tuple[float, float], other: tuple[float, float]) -> None:
    """Drag plotly's box tool from one data point to another on the scatter, as a mouse would."""
    page.locator(".js-plotly-plot").hover()
    page.locator('.modebar-btn[data-title="Box Select"]').click()
    (x0, y0), (x1, y1) = (page.evaluate(DATA_TO_PAGE_JS, [0, *c]) for c in (corner, other))
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=5)
    page.mouse.move(x1, y1, steps=5)
    page.mouse.up()
    page.wait_for_selector("text=selected", timeout=20_000)
    wait_ready(page)
