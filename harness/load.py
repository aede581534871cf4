"""Many people at once: several browser sessions on one app, one of them training.

Each explorer session moves its own slider to its own value and checks, after switching pages, that
it got its own value back and still sees the shipped model: state must never leak between sessions.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import time
from dataclasses import dataclass, field

from playwright.async_api import ConsoleMessage, Page, async_playwright

from harness.browser import CHROMIUM, CHROMIUM_ARGS, IDLE_JS, NEW_IMAGE_JS, SIGNATURE_JS
from ui import registry
from ui.models import DEFAULT_CHECKPOINT


@dataclass
class SessionReport:
    name: str
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    rounds: int = 0
    lost_presses: int = 0


def record_console_error(message: ConsoleMessage, report: SessionReport) -> None:
    # Streamlit probes two optional endpoints that answer 404 by design.
    if message.type == "error" and "404" not in message.text:
        report.errors.append(message.text)


async def ready(page: Page) -> None:
    await page.wait_for_selector('[data-testid="stMain"] h1')
    for _ in range(2):
        await page.wait_for_function(IDLE_JS)
        await page.wait_for_timeout(250)


def caption_z(text: str) -> str | None:
    match = re.search(r"decoded at z = \([^)]*\)", text)
    return match.group(0) if match else None


async def slider_round(page: Page, report: SessionReport, presses: int, direction: str) -> None:
    slider = page.locator('[data-testid="stMain"]').get_by_role("slider").first
    for _ in range(presses):
        await page.wait_for_selector("text=decoded at z =")
        await slider.focus()  # a rerun may have re-created the element and taken the focus away
        before = await slider.get_attribute("aria-valuenow")
        old = await page.evaluate(SIGNATURE_JS)
        t0 = await page.evaluate("performance.now()")
        await page.keyboard.press(direction)
        latency = await page.evaluate(NEW_IMAGE_JS, [old, t0])
        if latency < 0:
            if await slider.get_attribute("aria-valuenow") != before:
                report.errors.append("the slider moved but no new image came within 15 s")
                return
            report.lost_presses += 1  # the key press never reached the slider (a browser-side miss)
            continue
        report.latencies_ms.append(latency)
        await page.wait_for_timeout(100)


async def explorer(page: Page, url: str, index: int, seconds: float, report: SessionReport) -> None:
    await page.goto(url)
    await ready(page)
    deadline = time.monotonic() + seconds
    presses = index + 2  # each session moves to its own slider value
    while time.monotonic() < deadline:
        await slider_round(page, report, presses, "ArrowRight")
        await ready(page)
        own = caption_z(await page.locator('[data-testid="stMain"]').inner_text())
        for file in ("scatter.py", "samples.py", registry.DEFAULT.file):  # away and back again
            title = registry.screen(file).title
            await page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()
            await ready(page)
        await page.wait_for_selector("text=decoded at z =")
        back = caption_z(await page.locator('[data-testid="stMain"]').inner_text())
        model = await page.get_by_role("combobox", name="Model").input_value()
        if back != own:
            report.leaks.append(f"round {report.rounds}: left the explorer at {own!r}, came back to {back!r}")
        if DEFAULT_CHECKPOINT not in model:
            report.leaks.append(f"round {report.rounds}: the sidebar no longer shows the shipped model")
        await slider_round(page, report, presses, "ArrowLeft")
        await ready(page)
        report.rounds += 1


async def trainer(page: Page, url: str, seconds: float, report: SessionReport) -> None:
    await page.goto(f"{url}/train")
    await ready(page)
    await page.get_by_role("button", name="Start training").click()
    deadline = time.monotonic() + seconds
    progress = page.locator('[data-testid="stProgress"]')
    await progress.wait_for(timeout=60_000)
    last = ""
    while time.monotonic() < deadline:
        await page.wait_for_timeout(2000)
        now = await progress.inner_text()
        report.rounds += now != last
        last = now
    await page.get_by_role("button", name="Stop").click()
    await page.wait_for_selector("text=stopped early")
    model = await page.get_by_role("combobox", name="Model").input_value()
    if "trained here" not in model:
        report.leaks.append("the trainer's sidebar does not show its own trained model")


async def run_load(url: str, seconds: float = 60.0, explorers: int = 4) -> list[SessionReport]:
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        reports = [SessionReport(f"explorer {i}") for i in range(explorers)] + [SessionReport("trainer")]
        pages = []
        for report in reports:
            context = await browser.new_context(viewport={"width": 1300, "height": 900})
            # The machine is overloaded on purpose (2 cores: 5 browsers, a server, a training run):
            # this test checks correctness under load, so it waits patiently rather than timing out.
            context.set_default_timeout(120_000)
            page = await context.new_page()
            page.on("console", lambda m, r=report: record_console_error(m, r))
            page.on("pageerror", lambda e, r=report: r.errors.append(str(e)))
            pages.append(page)
        tasks = [explorer(pages[i], url, i, seconds, reports[i]) for i in range(explorers)]
        tasks.append(trainer(pages[-1], url, seconds, reports[-1]))
        await asyncio.gather(*tasks)
        for page, report in zip(pages, reports, strict=True):
            report.errors += await page.locator('[data-testid="stException"]').all_inner_texts()
        await browser.close()
    return reports


async def idle_latencies(url: str, presses: int = 30) -> list[float]:
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 1300, "height": 900})
        await page.goto(url)
        await ready(page)
        report = SessionReport("idle")
        await slider_round(page, report, presses, "ArrowRight")
        await browser.close()
    return report.latencies_ms


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
