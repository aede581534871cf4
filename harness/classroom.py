"""A class in one browser: many sessions paced as people, joining in steps, some of them training.

Used by bench/classroom.py (30 sessions) and tests/test_classroom_load.py (a short run in CI).

One Chromium, one context per student (each its own Streamlit session). Students join in steps
(1, 5, 10, 20, 30); once every student of a step is on the page, the step is measured for a while.
Each explorer thinks 2-6 s, then either moves its slider one step (three times in four) or switches
to another page and back, checking that it comes back to its own point (its z2 is its identity, set
by its link: a value no other student has) and to the shipped model. Students 10, 20 and 30 train
instead: Start training with the page's defaults, watch it to the end (or wait their turn), check
that their own model is now in their sidebar, and start again.

A slider press is timed in the page, from the keydown event to the new decoded image loaded, and
split three ways by a WebSocket hook: the browser until it sends the rerun request; the server (and
loopback) until the message carrying the new image's caption arrives; the browser again until the
image is on screen. The CPU time of the server, of the browser's processes and of this harness is
read from /proc for every step, so the browser's own cost can be seen next to the server's.

With ``browser_students`` only that many explorers (and the trainers) are Chromium tabs; the other
explorers are protocol students (harness/protocol_student.py): sessions driven over the app's
WebSocket exactly as the front end drives them, paced and checked the same way, costing the machine
almost nothing, as if their browsers ran on their own computers. Their presses are timed from the
rerun request sent to the new image's caption received (no rendering).

The slider is found by its role (the first slider of the page's main area), and the image by its
caption ("decoded at z = (...)"), not by position: the explorer may gain a latent pad beside the
sliders (issue 15) without this harness noticing.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import statistics
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path

from playwright.async_api import Browser, Page, async_playwright

from harness.browser import CHROMIUM, CHROMIUM_ARGS
from harness.load import SessionReport, ready, record_console_error
from harness.protocol_student import AWAY, ProtocolStudent
from ui import registry
from ui.models import DEFAULT_CHECKPOINT

STEPS = (1, 5, 10, 20, 30)
TRAINERS = (9, 19, 29)  # 0-based: students 10, 20 and 30
THINK_SECONDS = (2.0, 6.0)
SWITCH_SHARE = 0.25  # of actions: a page switch (away and back), else a slider step
CAPTION = "decoded at z"

# Before any page script: wrap WebSocket so that, while a press is being measured, the times of the
# request sent and of each message received (and whether it carries the image's caption) are logged.
WS_HOOK_JS = """(() => {
    const Native = window.WebSocket;
    const needle = new TextEncoder().encode(CAPTION);
    const carries = (data) => {
        if (!(data instanceof ArrayBuffer)) return typeof data === "string" && data.includes(CAPTION);
        const bytes = new Uint8Array(data);
        outer: for (let i = 0; i + needle.length <= bytes.length; i++) {
            for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue outer;
            return true;
        }
        return false;
    };
    window.__wsLog = null;
    class Logged extends Native {
        constructor(...args) {
            super(...args);
            this.addEventListener("message", (e) => {
                const log = window.__wsLog;
                if (log) log.push({t: performance.now(), sent: false, image: carries(e.data)});
            });
        }
        send(data) {
            const log = window.__wsLog;
            if (log) log.push({t: performance.now(), sent: true, image: false});
            return super.send(data);
        }
    }
    window.WebSocket = Logged;
})();""".replace("CAPTION", repr(CAPTION))

# The decoded image and its caption, found by the caption: returns "src|caption" or null.
IMAGE_SIGNATURE_JS = """() => {
    for (const box of document.querySelectorAll('[data-testid="stMain"] [data-testid="stImage"]')) {
        const match = box.textContent.match(/decoded at z = [(][^)]*[)]/);
        const img = box.querySelector("img");
        if (match && img) return {signature: img.src + "|" + match[0], complete: img.complete};
    }
    return null;
}"""

# Arm the measurement of one press: note the keydown's time, start logging the WebSocket, and watch
# every frame for the new image (a different signature, loaded).
ARM_JS = (
    """(old) => {
    const find = """
    + IMAGE_SIGNATURE_JS
    + """;
    const press = window.__press = {t0: null, t1: null};
    window.__wsLog = [];
    window.addEventListener("keydown", (e) => { press.t0 = press.t0 ?? e.timeStamp; }, {capture: true, once: true});
    const start = performance.now();
    const check = () => {
        const now = find();
        if (now && now.signature !== old && now.complete) press.t1 = performance.now();
        else if (performance.now() - start > 20000) press.t1 = -1;
        else requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
}"""
)

# Resolve once the armed press has its image (or gave up): the times, and the WebSocket log.
COLLECT_JS = """() => new Promise((resolve) => {
    const poll = () => {
        const press = window.__press;
        if (press.t1 === null) return setTimeout(poll, 20);
        const log = window.__wsLog;
        window.__wsLog = null;
        resolve({t0: press.t0, t1: press.t1, log: log});
    };
    poll();
})"""


@dataclass(frozen=True)
class Press:
    step: int | None  # students on the app when it was pressed (None: between two measured steps)
    total_ms: float  # keydown -> new image loaded
    before_send_ms: float | None  # keydown -> rerun request sent (browser)
    server_ms: float | None  # request sent -> the message with the new image received (server, loopback)
    after_ms: float | None  # that message -> the image loaded (browser)


@dataclass(frozen=True)
class ProtocolPress:
    step: int | None
    ms: float  # rerun request sent -> the message with the new image's caption received


@dataclass
class Step:
    students: int
    seconds: float = 0.0
    cpu_server: float = 0.0  # CPU seconds used in the step, by the server (its training included)
    cpu_browser: float = 0.0
    cpu_harness: float = 0.0  # this Python process and Playwright's driver
    load_average: float = 0.0
    joined_after: float = 0.0  # seconds until every student of this step was ready


@dataclass
class ClassroomReport:
    sessions: list[SessionReport] = field(default_factory=list)
    presses: list[Press] = field(default_factory=list)  # by the Chromium students
    protocol_presses: list[ProtocolPress] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    trainings_finished: int = 0
    queued_seen: int = 0  # times a trainer saw its place in the training queue

    @property
    def errors(self) -> list[str]:
        return [f"{s.name}: {e}" for s in self.sessions for e in s.errors]

    @property
    def leaks(self) -> list[str]:
        return [f"{s.name}: {e}" for s in self.sessions for e in s.leaks]

    def latencies(self, students: int) -> list[Press]:
        return [p for p in self.presses if p.step == students]


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100), linear between the nearest ranks; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: list[float | None]) -> float:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else float("nan")


def cpu_seconds(pids: set[int]) -> float:
    """User + system CPU seconds used so far by these processes (Linux /proc; gone ones count 0)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone since the listing
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def process_tree(root: int) -> set[int]:
    """root and every process descended from it."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError):
            continue
    tree, grew = {root}, True
    while grew:
        new = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= new
        grew = bool(new)
    return tree


def find_process(marker: str) -> int | None:
    """The process whose command line contains ``marker`` (a unique flag it was started with)."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if marker.encode() in cmdline.read_bytes():
                return int(cmdline.parent.name)
        except OSError:
            continue
    return None


class _Clock:
    """CPU seconds of the server, the browser and the harness, read together."""

    def __init__(self, server_pid: int, browser_pid: int | None) -> None:
        self.server_pid, self.browser_pid = server_pid, browser_pid

    def read(self) -> tuple[float, float, float]:
        browser = process_tree(self.browser_pid) if self.browser_pid else set()
        harness = process_tree(os.getpid()) - browser - process_tree(self.server_pid)
        return cpu_seconds({self.server_pid}), cpu_seconds(browser), cpu_seconds(harness)


@dataclass
class _Shared:
    step: int | None = None
    train_link: str = "train"  # the Train page's defaults; a link can preset a shorter run
    finish_trainings: bool = False  # when the class is over, trainers wait for their run to finish
    stop: asyncio.Event = field(default_factory=asyncio.Event)


async def _think(shared: _Shared, rng: random.Random) -> bool:
    """Wait like a person before the next action; False once the class is over."""
    try:
        await asyncio.wait_for(shared.stop.wait(), rng.uniform(*THINK_SECONDS))
    except TimeoutError:
        return True
    return False


async def _press(page: Page, key: str, shared: _Shared, report: ClassroomReport, session: SessionReport) -> None:
    slider = page.locator('[data-testid="stMain"]').get_by_role("slider").first
    await slider.focus()  # a rerun may have re-created the element and taken the focus away
    before = await slider.get_attribute("aria-valuenow")
    old = await page.evaluate(IMAGE_SIGNATURE_JS)
    if old is None:
        session.errors.append("the explorer shows no decoded image to move")
        return
    await page.evaluate(ARM_JS, old["signature"])
    step = shared.step
    await page.keyboard.press(key)
    result = await page.evaluate(COLLECT_JS)
    if result["t1"] < 0 or result["t0"] is None:
        if await slider.get_attribute("aria-valuenow") != before:
            session.errors.append("the slider moved but no new image came within 20 s")
        else:
            session.lost_presses += 1  # the key press never reached the slider (a browser-side miss)
        return
    t0, t1, log = result["t0"], result["t1"], result["log"] or []
    sent = next((e["t"] for e in log if e["sent"] and e["t"] >= t0), None)
    image = next((e["t"] for e in log if e["image"] and not e["sent"] and sent is not None and e["t"] >= sent), None)
    report.presses.append(
        Press(
            step=step,
            total_ms=t1 - t0,
            before_send_ms=None if sent is None else sent - t0,
            server_ms=None if sent is None or image is None else image - sent,
            after_ms=None if image is None else t1 - image,
        )
    )
    session.latencies_ms.append(t1 - t0)


def _own_point(text: str) -> str | None:
    match = re.search(r"decoded at z = \([^)]*\)", text)
    return match.group(0) if match else None


def _identity(index: int) -> float:
    """Student ``index``'s z2, set by its link: a value no other student has, so a leak shows."""
    return round(0.1 * (index + 1) - 1.5, 1)


async def _switch_and_back(page: Page, session: SessionReport, rng: random.Random) -> None:
    """Glance at another page and come back: the explorer must show this session's own point and model."""
    main = page.locator('[data-testid="stMain"]')
    left = _own_point(await main.inner_text())
    nav = page.locator('[data-testid="stSidebarNav"]')
    await nav.get_by_text(registry.screen(rng.choice(AWAY)).title, exact=True).click()
    await ready(page)
    await nav.get_by_text(registry.DEFAULT.title, exact=True).click()
    await ready(page)
    await page.wait_for_selector(f"text={CAPTION}")
    back = _own_point(await main.inner_text())
    model = await page.get_by_role("combobox", name="Model").input_value()
    if back != left:
        session.leaks.append(f"left the explorer at {left!r}, came back to {back!r}")
    if DEFAULT_CHECKPOINT not in model or "trained here" in model:
        session.leaks.append(f"the sidebar shows {model!r}, not the shipped model")
    session.rounds += 1


async def _explorer(
    page: Page, url: str, index: int, shared: _Shared, joined: asyncio.Event, report: ClassroomReport
) -> None:
    session = report.sessions[index]
    rng = random.Random(index)
    identity = _identity(index)
    await page.goto(f"{url}/?z2={identity}")
    await ready(page)
    await page.wait_for_selector(f"text={CAPTION}")
    if f", {identity:.2f})" not in (_own_point(await page.locator('[data-testid="stMain"]').inner_text()) or ""):
        session.leaks.append(f"opened with z2 = {identity} but the page shows another point")
    joined.set()
    direction = "ArrowRight"
    while await _think(shared, rng):
        if rng.random() < SWITCH_SHARE:
            await _switch_and_back(page, session, rng)
        else:
            await _press(page, direction, shared, report, session)
            direction = "ArrowLeft" if direction == "ArrowRight" else "ArrowRight"  # back and forth near home


async def _protocol_explorer(
    url: str, index: int, shared: _Shared, joined: asyncio.Event, report: ClassroomReport
) -> None:
    """An explorer whose browser is elsewhere: the same pacing and checks as ``_explorer``, over the
    WebSocket (harness/protocol_student.py)."""
    session = report.sessions[index]
    rng = random.Random(index)
    identity = _identity(index)
    async with ProtocolStudent(url, identity, timeout=120.0) as student:
        if f", {identity:.2f})" not in student.decoded_caption():
            session.leaks.append(f"opened with z2 = {identity} but the page shows {student.decoded_caption()!r}")
        joined.set()
        direction = 1
        while await _think(shared, rng):
            if rng.random() < SWITCH_SHARE:
                switch = await student.switch(rng.choice(AWAY))
                if not switch.kept:
                    session.leaks.append(f"came back from {switch.away} to {switch.caption!r}")
                session.rounds += 1
            else:
                step = shared.step
                press = await student.press(direction)
                report.protocol_presses.append(ProtocolPress(step, press.caption_s * 1000))
                session.latencies_ms.append(press.caption_s * 1000)
                direction = -direction
        session.errors += [f"a widget of type {kind} was not sent" for kind in sorted(student.unhandled)]


async def _trainer(
    page: Page, url: str, index: int, shared: _Shared, joined: asyncio.Event, report: ClassroomReport
) -> None:
    session = report.sessions[index]
    await page.goto(f"{url}/{shared.train_link}")
    await ready(page)
    joined.set()
    main = page.locator('[data-testid="stMain"]')
    while not shared.stop.is_set():
        await page.get_by_role("button", name="Start training").click()
        await page.get_by_role("button", name="Stop").wait_for()  # the new run exists (training or queued)
        session.rounds += 1
        queued = False
        # Watch it to the end; when the class is over, leave at once unless runs are to be finished.
        while await page.get_by_text("Finished in").count() == 0:
            if shared.stop.is_set() and not shared.finish_trainings:
                break
            queued = queued or await page.get_by_text("in the queue").count() > 0
            await asyncio.sleep(2.0)
        report.queued_seen += queued
        if await page.get_by_text("Finished in").count() == 0:
            break
        model = await page.get_by_role("combobox", name="Model").input_value()
        if "trained here" not in model:
            session.leaks.append(f"after training, the sidebar shows {model!r}, not this session's model")
        report.trainings_finished += 1
        session.errors += await main.locator('[data-testid="stException"]').all_inner_texts()


async def classroom(
    url: str,
    server_pid: int,
    steps: tuple[int, ...] = STEPS,
    seconds: float = 60.0,
    trainers: tuple[int, ...] = TRAINERS,
    join_timeout: float = 300.0,
    train_link: str = "train",
    finish_trainings: bool = False,
    on_step: Callable[[ClassroomReport, Step], None] | None = None,
    browser_students: int | None = None,
) -> ClassroomReport:
    """Students join in ``steps``; each step is measured for ``seconds`` once all its students are on
    the page. Trainers open ``train_link`` (the Train page with its defaults unless it presets others)
    and, with ``finish_trainings``, see their last run to its end after the class is over. With ``browser_students``,
    explorers past the first that many are protocol students (module docstring)."""
    report = ClassroomReport()
    shared = _Shared(train_link=train_link, finish_trainings=finish_trainings)
    marker = f"--vae-classroom={uuid.uuid4().hex}"  # finds this browser's processes for the CPU figures
    async with async_playwright() as p:
        browser: Browser = await p.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, marker])
        clock = _Clock(server_pid, find_process(marker))
        tasks: list[asyncio.Task] = []
        pages: list[Page | None] = []  # None for a protocol student
        joined: list[asyncio.Event] = []
        for students in steps:
            began = time.monotonic()
            while len(tasks) < students:
                index = len(tasks)
                if index not in trainers and browser_students is not None and index >= browser_students:
                    report.sessions.append(SessionReport(f"protocol student {index + 1}"))
                    joined.append(asyncio.Event())
                    pages.append(None)
                    work = _protocol_explorer(url, index, shared, joined[-1], report)
                    tasks.append(asyncio.create_task(_guarded(work, report.sessions[-1])))
                    continue
                context = await browser.new_context(viewport={"width": 1280, "height": 800})
                context.set_default_timeout(120_000)  # 30 pages and a server on 2 cores: patience, not failure
                await context.add_init_script(WS_HOOK_JS)
                page = await context.new_page()
                role = _trainer if index in trainers else _explorer
                session = SessionReport(f"{'trainer' if index in trainers else 'student'} {index + 1}")
                page.on("console", lambda m, s=session: record_console_error(m, s))
                page.on("pageerror", lambda e, s=session: s.errors.append(str(e)))
                report.sessions.append(session)
                joined.append(asyncio.Event())
                pages.append(page)
                tasks.append(asyncio.create_task(_guarded(role(page, url, index, shared, joined[-1], report), session)))
            await asyncio.wait_for(asyncio.gather(*(e.wait() for e in joined)), join_timeout)
            step = Step(students=students, joined_after=round(time.monotonic() - began, 1))
            cpu0, t0 = clock.read(), time.monotonic()
            shared.step = students
            await asyncio.sleep(seconds)
            shared.step = None
            cpu1 = clock.read()
            step.seconds = time.monotonic() - t0
            step.cpu_server, step.cpu_browser, step.cpu_harness = (b - a for a, b in zip(cpu0, cpu1, strict=True))
            step.load_average = os.getloadavg()[0]
            report.steps.append(step)
            if on_step is not None:
                on_step(report, step)
        shared.stop.set()
        await asyncio.gather(*tasks)
        for page, session in zip(pages, report.sessions, strict=True):
            if page is not None:
                session.errors += await page.locator('[data-testid="stException"]').all_inner_texts()
        await browser.close()
    return report


async def _guarded(work: Coroutine, session: SessionReport) -> None:
    """A student's failure is reported, not raised: the class goes on and the report says what broke."""
    try:
        await work
    except Exception as exc:
        session.errors.append(f"{type(exc).__name__}: {exc}")


def table(report: ClassroomReport) -> list[dict[str, float | int]]:
    """One row per measured step: latency of the Chromium students' slider presses (total, and split), of
    the protocol students' (sent -> caption received), CPU use per second."""
    rows = []
    for step in report.steps:
        presses = report.latencies(step.students)
        totals = [p.total_ms for p in presses]
        protocol = [p.ms for p in report.protocol_presses if p.step == step.students]
        rows.append(
            {
                "sessions": step.students,
                "presses": len(presses),
                "median_ms": round(median(totals), 0),
                "p90_ms": round(percentile(totals, 90), 0),
                "browser_before_send_ms": round(median([p.before_send_ms for p in presses]), 0),
                "server_ms": round(median([p.server_ms for p in presses]), 0),
                "server_p90_ms": round(percentile([p.server_ms for p in presses if p.server_ms is not None], 90), 0),
                "browser_after_ms": round(median([p.after_ms for p in presses]), 0),
                "protocol_presses": len(protocol),
                "protocol_median_ms": round(median(protocol), 0),
                "protocol_p90_ms": round(percentile(protocol, 90), 0),
                "server_cores": round(step.cpu_server / step.seconds, 2),
                "browser_cores": round(step.cpu_browser / step.seconds, 2),
                "harness_cores": round(step.cpu_harness / step.seconds, 2),
                "load_average": round(step.load_average, 1),
                "joined_after_s": step.joined_after,
            }
        )
    return rows
