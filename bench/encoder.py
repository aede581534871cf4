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
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from playwright.sync_api import sync_playwright

import vae_core as vc
from harness.browser import launch, serving

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
        browser.close()


if __name__ == "__main__":
    main()
