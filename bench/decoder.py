"""The in-browser decoder inside the app, in a real headless Chromium: python -m bench.decoder

For each shipped model, on the Latent explorer page of a running `streamlit run app.py`:
- parity: 1,000 codes z ~ N(0, 2^2) (seed 0) decoded by the pad's own decoder (the float16 file the
  app serves) against PyTorch's to_uint8(decode(z)): the largest difference in 8-bit grey levels;
- decode time: 50 warm-up decodes, then rounds of 100 single-image decodes, each timed with
  performance.now() (which Chromium rounds to 0.1 ms on a page that is not cross-origin isolated);
- two scripted 3-second drags over the pad along a Lissajous curve: digits redrawn per second, animation
  frames per second (and those that had a new pointer position), and the reruns during the drag,
  counted twice: websocket messages the page sent and the times Streamlit's script state went to
  "running". The first drag is real input from Playwright, a move sent every ~4 ms without waiting
  for each (mouse.move resolves only once the renderer has handled the move, on the next frame, so
  awaiting each would cap the input at the frame rate); on a loaded machine the driver cannot keep
  every frame supplied, and a frame without a new position has nothing to redraw. The second drag
  moves the pointer from inside the page, once per animation frame (after a real pointerdown), which
  measures what the pad can redraw;
- model switch -> pad ready: from the click on the other model in the sidebar's picker until the pad
  has drawn its first digit with that model's decoder (the whole app reruns for the new model
  first). Three times each: in a fresh browser (the weights are downloaded), back to the model the
  page already had, and after a reload (the weights come from the browser's HTTP cache).

``--quick`` (CI: proves it runs) measures two models with 100 codes, one round, half-second drags
and one switch each, and writes its results to a temporary file.

Every model is opened once before measuring, so the server's own caches (test-set encodings, grid,
the decoder file) are warm, as on a server that has been running. Results go to
bench/results/decoder.json as well.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import math
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from playwright.async_api import Page, Playwright, async_playwright

import vae_core as vc
from harness.browser import CHROMIUM, CHROMIUM_ARGS, IDLE_JS, ROOT, decode_all_js, running_app, shadowed
from ui import models
from vae_core.images import to_uint8

PAD = shadowed(".latent-pad")
RESULTS = ROOT / "bench" / "results" / "decoder.json"

DECODE_JS = decode_all_js("window.__vaeDecoders.get(url)")


TIMING_JS = """async ([url, codes, d, warm, rounds, per]) => {
    const decoder = await window.__vaeDecoders.get(url);
    const n = codes.length / d, z = new Float32Array(d), out = new Uint8ClampedArray(784), times = [];
    const code = (i) => { for (let k = 0; k < d; k++) z[k] = codes[(i % n) * d + k]; return z; };
    for (let i = 0; i < warm; i++) decoder.decodeInto(code(i), out);
    let total = 0;
    for (let r = 0; r < rounds; r++) {
        const t0 = performance.now();
        for (let i = 0; i < per; i++) {
            const t = performance.now();
            decoder.decodeInto(code(r * per + i), out);
            times.push(performance.now() - t);
        }
        total += performance.now() - t0;
        await new Promise((resolve) => setTimeout(resolve, 20));  // let the page breathe between rounds
    }
    return { times, mean: total / (rounds * per) };
}"""

# Counts animation frames, those that had a new pointer position, the pad's redraws and Streamlit's
# script runs from now until stopWatch().
WATCH_JS = (
    """() => {
    const pad = """
    + PAD
    + """, app = document.querySelector('[data-testid="stApp"]'), marker = pad.querySelector('.marker');
    const w = { frames: 0, withInput: 0, moves: 0, pending: 0, gaps: [], runs: 0, redraws0: pad.stats.redraws,
                decodes0: pad.stats.decodeMs.length, t0: performance.now(), last: performance.now(), on: true };
    const moved = () => { w.moves++; w.pending++; };
    marker.addEventListener('pointermove', moved, true);
    const tick = (now) => {
        if (!w.on) return;
        w.frames++; w.gaps.push(now - w.last); w.last = now;
        if (w.pending) w.withInput++;
        w.pending = 0;
        requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    w.observer = new MutationObserver(() => { if (app.dataset.testScriptState === 'running') w.runs++; });
    w.observer.observe(app, { attributes: true, attributeFilter: ['data-test-script-state'] });
    window.stopWatch = () => {
        w.on = false; w.observer.disconnect(); marker.removeEventListener('pointermove', moved, true);
        const seconds = (performance.now() - w.t0) / 1000;
        return { seconds, frames: w.frames, withInput: w.withInput, moves: w.moves, runs: w.runs,
                 redraws: pad.stats.redraws - w.redraws0, longestGapMs: Math.max(...w.gaps.slice(1)),
                 decodeMs: pad.stats.decodeMs.slice(w.decodes0) };
    };
}"""
)

# A drag driven from inside the page: one pointermove on the pad per animation frame along the same
# curve (after a real pointerdown, so the pad holds the pointer), for when the test driver cannot
# deliver a move every frame.
PAGE_DRAG_JS = (
    """([seconds, cx, cy, r]) => new Promise((resolve) => {
    const marker = """
    + PAD
    + """.querySelector('.marker'), t0 = performance.now();
    const step = (now) => {
        const t = (now - t0) / 1000;
        if (t >= seconds) return resolve();
        const x = cx + r * Math.sin(2 * Math.PI * t / 1.3), y = cy + r * Math.sin(2 * Math.PI * t / 0.9);
        marker.dispatchEvent(new PointerEvent('pointermove', { clientX: x, clientY: y, pointerId: 1,
            pointerType: 'mouse', buttons: 1, bubbles: true, composed: true }));
        requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
})"""
)


def summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "median": round(statistics.median(ordered), 2),
        "p90": round(ordered[int(0.9 * (len(ordered) - 1))], 2),
        "n": len(ordered),
    }


async def open_explorer(page: Page, url: str, model: str) -> str:
    """The explorer on ``model``, its pad ready; returns the URL of the decoder the pad uses."""
    await page.goto(f"{url}/?model={model}")
    await page.wait_for_function(f"() => {PAD} && {PAD}.dataset.state === 'ready'", timeout=120_000)
    await page.wait_for_function(IDLE_JS, timeout=60_000)
    return await page.evaluate(f"() => {PAD}.dataset.decoder")


async def parity_and_speed(page: Page, decoder: str, model: vc.VAE, codes: int, rounds: int) -> dict[str, Any]:
    z = 2 * torch.randn(codes, model.latent_dim, generator=torch.Generator().manual_seed(0))
    flat, d = z.flatten().tolist(), model.latent_dim
    ours = np.frombuffer(base64.b64decode(await page.evaluate(DECODE_JS, [decoder, flat, d])), np.uint8)
    theirs = to_uint8(vc.decode(model, z)).reshape(-1)
    diff = np.abs(ours.astype(int) - theirs.astype(int))
    timing = await page.evaluate(TIMING_JS, [decoder, flat, d, 50, rounds, 100])
    return {
        "parity": {"codes": codes, "max_level_diff": int(diff.max()), "pixels_off_by_one": int((diff == 1).sum())},
        "decode_ms": summary(timing["times"]) | {"mean": round(timing["mean"], 3)},
    }


async def drag(page: Page, sent: list[float], seconds: float, driver: str) -> dict[str, Any]:
    """A drag along a Lissajous curve over the pad. ``driver`` "playwright": real input events, a move
    sent every ~4 ms without awaiting each; "page": one move per animation frame from inside the page.
    ``sent``: the page's websocket messages so far (listened to since before the page opened)."""
    box = await page.evaluate(f"() => {PAD}.querySelector('.marker').getBoundingClientRect().toJSON()")
    cx, cy, r = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, box["width"] * 0.4
    await page.mouse.move(cx, cy)
    await page.evaluate(WATCH_JS)
    before = len(sent)
    await page.mouse.down()
    moves = []
    if driver == "page":
        await page.evaluate(PAGE_DRAG_JS, [seconds, cx, cy, r])
    else:
        start = time.perf_counter()
        while (t := time.perf_counter() - start) < seconds:
            x, y = cx + r * math.sin(2 * math.pi * t / 1.3), cy + r * math.sin(2 * math.pi * t / 0.9)
            moves.append(asyncio.create_task(page.mouse.move(x, y)))
            await asyncio.sleep(0.004)
        await asyncio.gather(*moves)
    during = await page.evaluate("window.stopWatch()")
    sent_during = len(sent) - before
    await page.mouse.up()
    await page.wait_for_timeout(300)
    await page.wait_for_function(IDLE_JS, timeout=30_000)
    await page.wait_for_timeout(300)
    per_s = lambda n: round(n / during["seconds"], 1)  # noqa: E731
    return {
        "seconds": round(during["seconds"], 2),
        "redraws_per_s": per_s(during["redraws"]),
        "frames_per_s": per_s(during["frames"]),
        "frames_with_a_new_position_per_s": per_s(during["withInput"]),
        "pointer_moves_per_s": per_s(during["moves"]),
        "longest_frame_gap_ms": round(during["longestGapMs"], 1),
        "decode_ms_during_drag": summary(during["decodeMs"]),
        "reruns_during_drag": during["runs"],
        "websocket_messages_during_drag": sent_during,
        "websocket_messages_after_release": len(sent) - before - sent_during,  # the release's rerun: proof we count
    }


async def switch(page: Page, to: str) -> dict[str, float]:
    """Pick ``to`` in the sidebar; ms from the click until the pad is ready on its decoder (and until
    the app's rerun ended), and the bytes the decoder's fetch transferred (0: from the HTTP cache)."""
    old = await page.evaluate(f"() => {PAD}.dataset.decoder")
    await page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
    await page.evaluate(
        """() => {
        const app = document.querySelector('[data-testid="stApp"]');
        document.addEventListener('click', () => {
            window.clickAt = performance.now();
            window.rerunEndAt = null;
            const observer = new MutationObserver(() => {
                if (app.dataset.testScriptState !== 'running' && performance.now() - window.clickAt > 5) {
                    window.rerunEndAt = performance.now();
                    observer.disconnect();
                }
            });
            observer.observe(app, { attributes: true, attributeFilter: ['data-test-script-state'] });
        }, { capture: true, once: true });
    }"""
    )
    await page.get_by_role("option", name=to, exact=True).click()
    await page.wait_for_function(
        f"() => {PAD} && {PAD}.dataset.decoder !== {json.dumps(old)} && {PAD}.dataset.state === 'ready'",
        timeout=60_000,
    )
    times = await page.evaluate(
        f"() => {{ const s = {PAD}.stats; return [s.loadStartAt, s.loadedAt, s.readyAt, window.rerunEndAt]"
        ".map((t) => t && t - window.clickAt); }"
    )
    url = await page.evaluate(f"() => {PAD}.dataset.decoder")
    entries = await page.evaluate(
        "(url) => performance.getEntriesByType('resource').filter((e) => e.name.endsWith(url))"
        ".map((e) => e.transferSize)",
        url,
    )
    start, loaded, ready, rerun = times
    return {
        "pad_ready_ms": round(ready, 1),
        "pad_given_url_ms": round(start, 1),  # when the rerun's pad element arrived
        "decoder_loaded_ms": round(loaded, 1),
        "rerun_ended_ms": rerun and round(rerun, 1),
        "transferred_bytes": entries[-1] if entries else None,
    }


async def switches(playwright: Playwright, url: str, a: str, b: str, tries: int) -> dict[str, Any]:
    """Each try in a browser profile of its own on disk: an incognito context (new_context) keeps its
    HTTP cache in memory, where Chromium does not keep a 7.4 MB response at all."""
    first, back, cached = [], [], []
    for _ in range(tries):
        profile = tempfile.TemporaryDirectory(prefix="bench-decoder-")
        context = await playwright.chromium.launch_persistent_context(
            profile.name, executable_path=CHROMIUM, args=CHROMIUM_ARGS, viewport={"width": 1400, "height": 1000}
        )
        page = context.pages[0] if context.pages else await context.new_page()
        await open_explorer(page, url, a)
        first.append(await switch(page, b))  # b's weights downloaded
        await page.wait_for_function(IDLE_JS, timeout=60_000)
        back.append(await switch(page, a))  # a's decoder already in this page
        await open_explorer(page, url, a)  # a reload: a new session, the page's memory gone
        cached.append(await switch(page, b))  # b's weights from the HTTP cache
        await context.close()
        profile.cleanup()

    def med(rows: list[dict[str, float]]) -> dict[str, Any]:
        times = [r["pad_ready_ms"] for r in rows]
        return {"median_ms": statistics.median(times), "all": rows}

    return {"fresh browser": med(first), "back to the page's model": med(back), "after a reload": med(cached)}


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    shipped = [n for n in models.shipped_checkpoints() if not args.only or n in args.only][: args.models]
    results: dict[str, Any] = {"models": {}}
    with running_app() as url:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            results["chromium"] = browser.version
            warm = await browser.new_page()
            for name in shipped:  # the server's caches, as on a server that has been running
                await open_explorer(warm, url, name)
            await warm.close()
            for name in shipped:
                model = vc.load_checkpoint(models.shipped_checkpoints()[name]).eval()
                context = await browser.new_context(viewport={"width": 1400, "height": 1000})
                page = await context.new_page()
                sent: list[float] = []
                page.on("websocket", lambda ws, sent=sent: ws.on("framesent", lambda _: sent.append(time.time())))
                decoder = await open_explorer(page, url, name)
                row = await parity_and_speed(page, decoder, model, args.codes, args.rounds)
                for driver in ("playwright", "page"):
                    row[f"drag ({driver})"] = await drag(page, sent, args.drag_seconds, driver)
                row["weights_bytes"] = len(vc.decoder_bytes(model, bits=16))
                await context.close()
                other = next((m for m in shipped if m != name), None)
                if other is not None:
                    row[f"switch {other} -> {name}"] = await switches(p, url, other, name, args.tries)
                results["models"][name] = row
                print(json.dumps({name: row}, indent=1), flush=True)
            await browser.close()
    return results


def table(results: dict[str, Any]) -> str:
    lines = [
        "| model | parity: max level diff (codes) | decode median / p90 ms "
        "| drag, Playwright input: redraws/s (frames/s, frames with a new position/s) "
        "| drag, in-page input: redraws/s (frames/s) | reruns during the drags "
        "| switch -> pad ready ms: first / back / after reload |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in results["models"].items():
        d, g, h = r["decode_ms"], r["drag (playwright)"], r["drag (page)"]
        sw = next((v for k, v in r.items() if k.startswith("switch")), None)
        sw_text = " / ".join(f"{v['median_ms']:.0f}" for v in sw.values()) if sw else "-"
        reruns = g["reruns_during_drag"] + h["reruns_during_drag"]
        messages = g["websocket_messages_during_drag"] + h["websocket_messages_during_drag"]
        lines.append(
            f"| {name} | {r['parity']['max_level_diff']} ({r['parity']['codes']:,}) "
            f"| {d['median']:.1f} / {d['p90']:.1f} "
            f"| {g['redraws_per_s']:.1f} ({g['frames_per_s']:.1f}, {g['frames_with_a_new_position_per_s']:.1f}) "
            f"| {h['redraws_per_s']:.1f} ({h['frames_per_s']:.1f}) | {reruns} runs, {messages} messages | {sw_text} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--codes", type=int, default=1000, help="parity codes per model")
    parser.add_argument("--rounds", type=int, default=5, help="timing rounds of 100 decodes")
    parser.add_argument("--drag-seconds", type=float, default=3.0)
    parser.add_argument("--tries", type=int, default=3, help="model switches of each kind")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--models", type=int, default=None, help="only the first N shipped models")
    parser.add_argument("--only", nargs="+", metavar="NAME", default=None, help="only these shipped models")
    parser.add_argument("--quick", action="store_true", help="2 models, few codes and decodes (CI)")
    args = parser.parse_args()
    if args.quick:
        args.codes, args.rounds, args.drag_seconds, args.tries, args.models = 100, 1, 0.5, 1, 2
        args.out = Path(tempfile.mkdtemp(prefix="bench-decoder-")) / "decoder.json"
    results = asyncio.run(measure(args))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1))
    print(table(results))


if __name__ == "__main__":
    main()
