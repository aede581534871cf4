"""What one student's actions cost the machine, in CPU time: python -m bench.action_cost

One Chromium tab on the explorer: 20 slider key presses (1 s apart), then 5 page switches away
(Samples) and back. Printed: CPU seconds per action of the server and of the browser's processes (by
kind: renderer, browser, GPU process, ...), less what the same tab uses when idle for as long. It says
why 30 Chromium tabs on a 2-core machine cannot show the server's own latency (bench/classroom.py).
``--quick``: 3 presses and 1 switch (CI: proves it runs).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time
import uuid
from pathlib import Path

from playwright.async_api import async_playwright

from harness.browser import CHROMIUM, CHROMIUM_ARGS, running_server
from harness.classroom import CAPTION, cpu_seconds, find_process, process_tree
from harness.load import ready
from ui import registry


def by_kind(root: int) -> dict[str, float]:
    """CPU seconds of the browser's processes, summed by Chromium's --type (the main one: "browser")."""
    kinds: dict[str, float] = {}
    for pid in process_tree(root):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        match = re.search(r"--type=(\S+)", command)
        kind = match.group(1) if match else "browser"
        kinds[kind] = kinds.get(kind, 0.0) + cpu_seconds({pid})
    return kinds


async def settled(pid: int, window: float = 1.0, most: float = 0.05, timeout: float = 90.0) -> None:
    """Wait until the server has used less than ``most`` of a core over ``window`` seconds: until its warm-up
    (torch, the model, the test set's encodings and scores: about 5 s of a core after the first view here)
    is done, so that what follows counts the actions and not the warm-up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = cpu_seconds({pid})
        await asyncio.sleep(window)
        if cpu_seconds({pid}) - before < most * window:
            return
    raise TimeoutError(f"the server was still busy after {timeout:g} s")


async def measure(url: str, server_pid: int, presses: int = 20, switches: int = 5) -> dict[str, dict[str, float]]:
    marker = f"--vae-action-cost={uuid.uuid4().hex}"
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, marker])
        root = find_process(marker)
        page = await browser.new_page(viewport={"width": 1280, "height": 800})
        await page.goto(f"{url}/?z2=0.3")
        await ready(page)
        await page.wait_for_selector(f"text={CAPTION}")
        await settled(server_pid)

        async def cpu_of(action, count: int) -> dict[str, float]:
            server, kinds, began = cpu_seconds({server_pid}), by_kind(root), time.monotonic()
            for i in range(count):
                await action(i)
            seconds = time.monotonic() - began
            server_used, after = cpu_seconds({server_pid}) - server, by_kind(root)
            used = {k: after[k] - kinds.get(k, 0.0) for k in after}
            await asyncio.sleep(min(seconds, 10))  # the same tab, idle, for comparison
            idle = sum(by_kind(root).values()) - sum(after.values())
            idle_share = idle * seconds / min(seconds, 10)
            return {
                "server_ms": round(1000 * server_used / count, 1),
                "browser_ms": round(1000 * (sum(used.values()) - idle_share) / count, 1),
                **{f"  {k}_ms": round(1000 * v / count, 1) for k, v in sorted(used.items(), key=lambda kv: -kv[1])},
            }

        slider = page.locator('[data-testid="stMain"]').get_by_role("slider").first
        await slider.focus()

        async def press(i: int) -> None:
            await page.keyboard.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
            await asyncio.sleep(1.0)

        nav = page.locator('[data-testid="stSidebarNav"]')

        async def switch(_i: int) -> None:
            await nav.get_by_text(registry.screen("samples.py").title, exact=True).click()
            await ready(page)
            await nav.get_by_text(registry.DEFAULT.title, exact=True).click()
            await ready(page)
            await page.wait_for_selector(f"text={CAPTION}")

        result = {"slider key press": await cpu_of(press, presses)}
        result["page switch and back"] = await cpu_of(switch, switches)
        await browser.close()
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="3 presses and 1 switch (CI)")
    args = parser.parse_args()
    counts = {"presses": 3, "switches": 1} if args.quick else {}
    with running_server() as server:
        print(json.dumps(asyncio.run(measure(server.url, server.pid, **counts)), indent=2))
