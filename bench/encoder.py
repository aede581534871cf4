"""The encoder in the browser, timed in a real headless Chromium: python -m bench.encoder

For each shipped model (``--quick``: mnist-2d and mnist-32d, fewer rounds; CI runs it), on a bare page that
loads ui/components/decoder.js + encoder.js as the app serves them, with the model's float16 files:

- prepare: a drawing on the drawing pad's 280 x 280 canvas made ready for the encoder (grey, crop, scale into
  20 x 20, centre of mass at the centre: encoder.js's prepareDrawing, vae_core.preprocess's recipe);
- encode: the prepared drawing through the encoder, the posterior mean and log-variance;
- decode: the decoder on that mean (the baseline: the latent pad decodes once per frame today);
- all: prepare + encode + decode, what one stroke segment of a live drawing costs.

Each is timed over rounds of 20 calls with performance.now() after 20 warm-up calls; the table gives medians
per call in ms, and the ratio of "all" to "decode" from the same run.

- read: the decoder's float16 file made into the decoder's float32 arrays (parseDecoder: reading the weights,
  then re-laying them for the inner loops), what the latent pad does once per model after its fetch. In a
  fresh page each time, as on a first view: with the browser's own Float16Array, and through decoder.js's
  lookup table (Float16Array removed, as in a browser without it), alternating, 6 times each (2 with
  ``--quick``); medians in ms.

Then, in the app (a `streamlit run app.py` of its own), the Reconstruct page's drawing pad on the default model:
after a real pointerdown, one pointermove per animation frame along a zigzag for 3 s (1 s with ``--quick``),
driven from inside the page; it reports the animation frames per second and the drawings encoded (prepared,
encoded, decoded and drawn) per second while drawing, and the websocket messages sent meanwhile.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from playwright.sync_api import sync_playwright

import vae_core as vc
from harness.browser import launch, running_app, serving, shadowed, wait_ready

ROOT = Path(__file__).resolve().parents[1]
COMPONENTS = ROOT / "ui" / "components"

TIME_JS = """async ([encoderUrl, decoderUrl, rounds]) => {
    const { loadEncoder, loadDecoder, prepareDrawing } = await import('/module.js');
    const [encoder, decoder] = await Promise.all([loadEncoder(encoderUrl), loadDecoder(decoderUrl)]);
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 280;
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = '#000'; ctx.fillRect(0, 0, 280, 280);
    ctx.strokeStyle = '#fff'; ctx.lineWidth = 22; ctx.lineCap = 'round'; ctx.lineJoin = 'round';
    ctx.beginPath(); ctx.moveTo(60, 60); ctx.lineTo(220, 60); ctx.lineTo(120, 230); ctx.stroke();
    const rgba = ctx.getImageData(0, 0, 280, 280).data, out = new Uint8ClampedArray(784);
    const input = prepareDrawing(rgba, 280, 280), mean = Float32Array.from(encoder.encode(input).mean);
    const steps = {
        prepare: () => prepareDrawing(rgba, 280, 280),
        encode: () => encoder.encode(input),
        decode: () => decoder.decodeInto(mean, out),
        all: () => decoder.decodeInto(Float32Array.from(encoder.encode(prepareDrawing(rgba, 280, 280)).mean), out),
    };
    const result = {};
    for (const [name, step] of Object.entries(steps)) {
        for (let i = 0; i < 20; i++) step();
        const times = [];
        for (let r = 0; r < rounds; r++) {
            const t0 = performance.now();
            for (let i = 0; i < 20; i++) step();
            times.push((performance.now() - t0) / 20);
        }
        result[name] = times;
    }
    return result;
}"""


# The decoder file at url read as the latent pad reads it, in ms; natively or, with Float16Array removed, by table.
READ_JS = """async ([url, native]) => {
    if (!native) delete globalThis.Float16Array;
    const { parseDecoder } = await import('/module.js');
    const bytes = await (await fetch(url)).arrayBuffer();
    const t0 = performance.now();
    parseDecoder(bytes);
    return performance.now() - t0;
}"""


def reading(browser, files: dict[str, tuple[str, bytes]], names: list[str], tries: int) -> None:
    """The read measurement above, as a table."""
    print("\n| model | decoder file read: Float16Array | through the table | table / Float16Array |")
    print("|---|---|---|---|")
    for name in names:
        times: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(tries):
            for native in (True, False):
                page = serving(browser, files)
                times[native].append(page.evaluate(READ_JS, [f"/{name}.vaed", native]))
                page.close()
        native, table = statistics.median(times[True]), statistics.median(times[False])
        print(f"| {name} | {native:.1f} ms | {table:.1f} ms | {table / native:.2f}x |")


PAD = shadowed(".pad")

# One pointermove per animation frame on the drawing pad's canvas for `seconds` (a zigzag over it), after a
# real pointerdown so the pad holds the pointer; resolves with the frames counted and the drawings encoded.
DRAW_JS = (
    """([seconds, left, top, side]) => new Promise((resolve) => {
    const pad = """
    + PAD
    + """, canvas = pad.querySelector('.ink'), encodes = pad.stats.encodes, t0 = performance.now();
    let frames = 0;
    const step = (now) => {
        const t = (now - t0) / 1000;
        if (t >= seconds) return resolve({ frames, encodes: pad.stats.encodes - encodes, seconds: t });
        frames++;
        const x = left + side * (0.2 + 0.6 * Math.abs(((t * 1.7) % 2) - 1));
        const y = top + side * (0.2 + 0.6 * (t / seconds));
        canvas.dispatchEvent(new PointerEvent('pointermove', { clientX: x, clientY: y, pointerId: 1,
            pointerType: 'mouse', buttons: 1, bubbles: true, composed: true }));
        requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
})"""
)


def while_drawing(browser, seconds: float) -> str:
    """The in-app measurement above, as a sentence."""
    with running_app() as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        sent: list[object] = []
        page.on("websocket", lambda ws: ws.on("framesent", lambda frame: sent.append(frame)))
        page.goto(f"{url}/reconstruct?input=draw")
        wait_ready(page)
        page.wait_for_function(f"() => {PAD} && {PAD}.dataset.state === 'ready'", timeout=120_000)
        box = page.locator("canvas[aria-label='drawing pad']").bounding_box()
        page.mouse.move(box["x"] + 40, box["y"] + 40)
        page.mouse.down()
        before = len(sent)
        result = page.evaluate(DRAW_JS, [seconds, box["x"], box["y"], box["width"]])
        during = len(sent) - before
        page.mouse.up()
        page.close()
    fps, eps = result["frames"] / result["seconds"], result["encodes"] / result["seconds"]
    return (
        f"while drawing (mnist-2d, {result['seconds']:.1f} s): {fps:.1f} frames/s, {eps:.1f} drawings encoded/s, "
        f"{during} messages to the server"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="two models, 3 rounds (CI)")
    args = parser.parse_args()
    paths = sorted((ROOT / "checkpoints").glob("*.safetensors"))
    if args.quick:
        paths = [p for p in paths if p.stem in ("mnist-2d", "mnist-32d")]
    module = (COMPONENTS / "decoder.js").read_bytes() + b"\n" + (COMPONENTS / "encoder.js").read_bytes()
    files = {"/": ("text/html", b"<!doctype html><title>encoder</title>"), "/module.js": ("text/javascript", module)}
    for path in paths:
        model = vc.load_checkpoint(path)
        files[f"/{path.stem}.vaee"] = ("application/octet-stream", vc.encoder_bytes(model, bits=16))
        files[f"/{path.stem}.vaed"] = ("application/octet-stream", vc.decoder_bytes(model, bits=16))
    print("| model | prepare | encode | decode | all (prepare + encode + decode) | all / decode |")
    print("|---|---|---|---|---|---|")
    with sync_playwright() as p:
        browser = launch(p)
        page = serving(browser, files)
        for path in paths:
            times = page.evaluate(TIME_JS, [f"/{path.stem}.vaee", f"/{path.stem}.vaed", 3 if args.quick else 25])
            median = {name: statistics.median(values) for name, values in times.items()}
            cells = [f"{median[name]:.2f} ms" for name in ("prepare", "encode", "decode", "all")]
            print(f"| {path.stem} | " + " | ".join(cells) + f" | {median['all'] / median['decode']:.1f}x |")
        page.close()
        reading(browser, files, [path.stem for path in paths], 2 if args.quick else 6)
        print(while_drawing(browser, 1 if args.quick else 3))
        browser.close()


if __name__ == "__main__":
    main()
