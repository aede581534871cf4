"""Four browser sessions through HAProxy in front of two replicas (deploy/replicas.py), on loopback.

Each session must stay on one replica for every request (page, scripts, images, the WebSocket and
its reconnection) and keep its own state there: its own slider value survives a trip to another page
and a forced WebSocket reconnect (HAProxy cuts every connection; the browser reconnects, by its
cookie, to the replica that still holds its session).
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from deploy.replicas import Balanced, balanced_app, haproxy_path
from harness.browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # HAProxy and two servers: the second CI stage
MISSING = [name for name, there in (("chromium", Path(CHROMIUM).exists()), ("haproxy", haproxy_path())) if not there]
if MISSING:
    if os.environ.get("CI"):
        raise RuntimeError(f"{' and '.join(MISSING)} missing: CI must run this test (scripts/setup.sh --browser)")
    pytest.skip(f"{' and '.join(MISSING)} not installed", allow_module_level=True)

from playwright.async_api import Browser, Page, async_playwright  # noqa: E402

from harness.load import SessionReport, caption_z, ready, slider_round  # noqa: E402
from ui import registry  # noqa: E402

SESSIONS = 4
AGENT = "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36 replica-test-session-{}"
# One line of HAProxy's `option httplog` log: the replica that served it, the status, the captured
# User-Agent (which session sent it) and the request line.
LOG_LINE = re.compile(
    r"explorer replicas/(?P<server>\S+) \S+ (?P<status>-?\d+) .*\{[^}]*replica-test-session-(?P<session>\d+)\} "
    r'"(?P<method>\S+) (?P<uri>\S+)'
)
STREAM = "/_stcore/stream"


@dataclass
class Session:
    index: int
    page: Page
    errors: list[str] = field(default_factory=list)
    replica: str | None = None  # the X-Replica header of its page load
    cookie: str | None = None  # the SERVERID cookie HAProxy gave it
    own: str | None = None  # the point its slider was moved to, as the caption shows it
    after: list[str | None] = field(default_factory=list)  # that caption after each trip to another page


async def new_session(browser: Browser, index: int) -> Session:
    context = await browser.new_context(viewport={"width": 1300, "height": 900}, user_agent=AGENT.format(index))
    context.set_default_timeout(60_000)  # 2 cores: two servers and four browsers share them
    session = Session(index, await context.new_page())
    # Streamlit probes two optional endpoints that answer 404 by design (the log check below lists every 404).
    session.page.on("console", lambda m: session.errors.append(m.text) if m.type == "error" else None)
    session.page.on("pageerror", lambda e: session.errors.append(str(e)))
    return session


async def open_and_move(session: Session, url: str) -> None:
    page = session.page
    response = await page.goto(url)
    assert response is not None
    session.replica = response.headers.get("x-replica")
    await ready(page)
    session.cookie = next((c["value"] for c in await page.context.cookies() if c["name"] == "SERVERID"), None)
    report = SessionReport(f"session {session.index}")
    await slider_round(page, report, session.index + 2, "ArrowRight")  # each session to its own value
    session.errors += report.errors
    await ready(page)
    session.own = caption_z(await page.locator('[data-testid="stMain"]').inner_text())


async def go_to(session: Session, name: str) -> None:
    page = session.page
    await page.locator('[data-testid="stSidebarNav"]').get_by_text(name, exact=True).click()
    await ready(page)


async def back_to_explorer(session: Session) -> None:
    """Back on the explorer page (whose sliders were not on screen), note the point it shows."""
    page = session.page
    await go_to(session, registry.DEFAULT.title)
    await page.wait_for_selector("text=decoded at z =")
    session.after.append(caption_z(await page.locator('[data-testid="stMain"]').inner_text()))
    # Every image on the page came back (a session's images live only in its replica's memory).
    broken = await page.evaluate("() => [...document.images].filter((i) => !i.naturalWidth).map((i) => i.src)")
    session.errors += [f"image not loaded: {src}" for src in broken]


def read_log(path: Path) -> list[dict[str, str]]:
    return [m.groupdict() for m in map(LOG_LINE.search, path.read_text().splitlines()) if m]


async def drive(app: Balanced) -> list[Session]:
    assert app.log is not None
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        sessions = [await new_session(browser, i) for i in range(SESSIONS)]
        await asyncio.gather(*(open_and_move(s, app.url) for s in sessions))
        await asyncio.gather(*(go_to(s, registry.screen("samples.py").title) for s in sessions))
        await asyncio.gather(*(back_to_explorer(s) for s in sessions))
        # Away from the explorer (its slider values now only in the server's session state), cut every
        # connection at the balancer, as a restart of HAProxy or a network blip would.
        await asyncio.gather(*(go_to(s, registry.screen("samples.py").title) for s in sessions))
        for replica in app.replicas:
            app.command(f"shutdown sessions server replicas/{replica.name}")
        deadline = time.monotonic() + 30
        while sum(line["uri"] == STREAM for line in read_log(app.log)) < 2 * SESSIONS:
            assert time.monotonic() < deadline, "the sessions did not open a new WebSocket within 30 s"
            await asyncio.sleep(0.2)
        await asyncio.gather(*(ready(s.page) for s in sessions))
        await asyncio.gather(*(back_to_explorer(s) for s in sessions))
        for s in sessions:
            s.errors += await s.page.locator('[data-testid="stException"]').all_inner_texts()
        await browser.close()
    return sessions


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024  # type: ignore[union-attr]


def test_each_session_stays_on_its_replica_with_its_state(tmp_path):
    start = time.monotonic()
    with balanced_app(replicas=2, log_dir=tmp_path) as app:
        started = time.monotonic() - start
        sessions = asyncio.run(drive(app))
        rss = {r.name: rss_mb(r.process.pid) for r in app.replicas}
    log = read_log(tmp_path / "haproxy.log")

    servers: dict[int, set[str]] = defaultdict(set)
    for line in log:
        servers[int(line["session"])].add(line["server"])
    spread = {s.index: s.replica for s in sessions}
    print(
        f"\n2 replicas up in {started:.1f} s; sessions -> replicas {spread}; {len(log)} requests; "
        f"RSS after the test: {', '.join(f'{name} {mb:.0f} MB' for name, mb in rss.items())}; "
        f"{time.monotonic() - start:.0f} s in all"
    )
    problems = []
    for s in sessions:
        if servers[s.index] != {s.replica}:
            problems.append(f"session {s.index}: page from {s.replica}, requests served by {sorted(servers[s.index])}")
        if s.cookie != s.replica:
            problems.append(f"session {s.index}: cookie {s.cookie!r}, page from {s.replica!r}")
        if not s.own or s.after != [s.own, s.own]:
            problems.append(f"session {s.index}: set {s.own!r}, back on the explorer saw {s.after}")
        streams = [line["status"] for line in log if int(line["session"]) == s.index and line["uri"] == STREAM]
        if streams != ["101", "101"]:
            problems.append(f"session {s.index}: WebSocket opened {streams}, want one and one reconnection")
        problems += [f"session {s.index}: {e}" for e in s.errors if "404" not in e]
    if sorted(Counter(spread.values()).values()) != [SESSIONS // 2] * 2:
        problems.append(f"the sessions were not spread evenly over the two replicas: {spread}")
    if len({s.own for s in sessions}) != SESSIONS:
        problems.append("two sessions moved to the same point, so a leak between them would not show")
    failed = [(line["status"], line["uri"]) for line in log if not line["status"].startswith(("1", "2", "3"))]
    problems += [f"{status} {uri}" for status, uri in failed if not (status == "404" and "/_stcore/" in uri)]
    assert not problems, "\n".join(problems)
