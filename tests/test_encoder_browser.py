"""The encoder in the browser, in a real headless Chromium, against PyTorch: ui/components/encoder.js on the
float16 file the app would serve (posterior mean and log-variance within 0.01 on 1,000 test digits of every
shipped model), and its preparation of a drawing against vae_core.preprocess (within 1/255 per pixel on strokes
drawn as the drawing pad draws them)."""

from __future__ import annotations

import base64
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
import torch

import vae_core as vc
from harness.browser import require_chromium, serving, shadowed, wait_ready
from tests.support.files import ROOT, SHIPPED_2D

pytestmark = pytest.mark.browser
require_chromium()

from playwright.sync_api import Browser  # noqa: E402

COMPONENTS = ROOT / "ui" / "components"
MODULE = (COMPONENTS / "decoder.js").read_bytes() + b"\n" + (COMPONENTS / "encoder.js").read_bytes()
SHIPPED = sorted((ROOT / "checkpoints").glob("*.safetensors"))

# Encode n images (a flat list of grey levels in [0, 1], 784 each) with the encoder file at a URL: every mean and
# log-variance, concatenated (n x 2D).
ENCODE_ALL_JS = """async ([url, pixels]) => {
    const { loadEncoder } = await import('/module.js');
    const encoder = await loadEncoder(url);
    const n = pixels.length / 784, out = [];
    for (let i = 0; i < n; i++) {
        const { mean, logvar } = encoder.encode(Float32Array.from(pixels.slice(i * 784, (i + 1) * 784)));
        out.push(...mean, ...logvar);
    }
    return out;
}"""

# Draw strokes as the drawing pad does (white, 22 px wide, round ends, on a black 280 x 280 canvas) and return
# the PNG the pad would send and the browser's own preparation of it.
DRAW_JS = """async (strokes) => {
    const { prepareDrawing } = await import('/module.js');
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 280;
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = '#000'; ctx.fillRect(0, 0, 280, 280);
    ctx.strokeStyle = '#fff'; ctx.lineWidth = 22; ctx.lineCap = 'round'; ctx.lineJoin = 'round';
    for (const stroke of strokes) {
        ctx.beginPath(); ctx.moveTo(...stroke[0]);
        for (const point of stroke.slice(1)) ctx.lineTo(...point);
        ctx.stroke();
    }
    const rgba = ctx.getImageData(0, 0, 280, 280).data;
    return { png: canvas.toDataURL('image/png'), input: Array.from(prepareDrawing(rgba, 280, 280)) };
}"""


def worst_differences(browser: Browser, paths: list[Path], images: int) -> dict[str, float]:
    """For each checkpoint, the largest difference between encoder.js's posterior means and log-variances
    and PyTorch's, on the first ``images`` test images of the model's own dataset."""
    files = {"/": ("text/html", b"<!doctype html><title>encoder</title>"), "/module.js": ("text/javascript", MODULE)}
    models = {path.stem: vc.load_checkpoint(path).eval() for path in paths}
    for name, model in models.items():
        files[f"/{name}.vaee"] = ("application/octet-stream", vc.encoder_bytes(model, bits=16))
    page = serving(browser, files)
    worst = {}
    for name, model in models.items():
        x = vc.prepare_inputs(model, vc.load_dataset(model.config.dataset, train=False)[0][:images])
        mean, logvar = vc.encode_dataset(model, x)  # x: what the model's own encoder sees (binarised or grey)
        ours = np.array(page.evaluate(ENCODE_ALL_JS, [f"/{name}.vaee", x.flatten().tolist()]))
        theirs = torch.cat([mean, logvar], 1).numpy()
        worst[name] = float(np.abs(ours.reshape(theirs.shape) - theirs).max())
    page.close()
    return worst


def test_the_browser_encodes_the_default_model_as_pytorch_does(browser):
    worst = worst_differences(browser, [SHIPPED_2D], 200)
    assert max(worst.values()) <= 0.01, worst


@pytest.mark.slow
def test_the_browser_encodes_as_pytorch_does_for_every_shipped_model(browser):
    """1,000 test images for each of the thirteen (about 90 s): the same code, every architecture shipped."""
    worst = worst_differences(browser, SHIPPED, 1000)
    assert max(worst.values()) <= 0.01, worst


STROKES = {
    "a seven": [[(60, 60), (220, 60), (120, 230)]],
    "a one, leaning": [[(150, 40), (120, 240)]],
    "a zero": [[(140, 40), (200, 90), (200, 190), (140, 240), (80, 190), (80, 90), (140, 40)]],
    "a small four, off centre": [[(30, 30), (30, 90), (90, 90)], [(80, 20), (80, 140)]],
    "a wide stroke": [[(10, 140), (270, 150)]],
}


@pytest.mark.parametrize("name", STROKES)
def test_the_browser_prepares_a_drawing_as_vae_core_does(browser, name):
    page = serving(browser, {"/": ("text/html", b"<!doctype html>"), "/module.js": ("text/javascript", MODULE)})
    drawn = page.evaluate(DRAW_JS, [[list(p) for p in stroke] for stroke in STROKES[name]])
    page.close()
    png = base64.b64decode(drawn["png"].split(",", 1)[1])
    theirs = vc.preprocess_image(png)[0].numpy()
    ours = np.array(drawn["input"], dtype=np.float32).reshape(28, 28)
    assert np.abs(ours - theirs).max() <= 1 / 255, f"{(np.abs(ours - theirs) > 1 / 255).sum()} pixels differ"


# ------------------------------------------------------------------------- the drawing pad in the app

DRAWING_PAD = shadowed(".pad")


def test_a_pad_in_a_tab_not_shown_fetches_nothing_until_its_tab_is_shown(page):
    """Reconstruct opens on its upload tab: the drawing pad in the other tab waits, fetching no encoder (7 MB
    on a first visit), and loads when its tab is chosen."""
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(f"{page.app_url}/reconstruct")  # type: ignore[attr-defined]
    wait_ready(page)
    page.wait_for_function(f"() => {DRAWING_PAD}?.dataset.state === 'waiting'", timeout=30_000)
    assert not [url for url in asked if url.endswith(".vaee")], "the hidden pad fetched its encoder"
    page.get_by_role("tab", name="Draw a digit").click()
    page.wait_for_function(f"() => {DRAWING_PAD}.dataset.state === 'ready'", timeout=60_000)
    assert [url for url in asked if url.endswith(".vaee")]


def test_while_a_digit_is_drawn_its_posterior_moves_with_no_message_to_the_server(page):
    """On the default model's Reconstruct page: every stroke segment is encoded in the browser (the plane's
    mean moves), nothing is sent until the pen lifts, and then the server places the drawing where the browser
    had it (its star on the scatter: the posterior mean PyTorch computes from the PNG)."""
    sent: list[object] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda frame: sent.append(frame)))
    page.goto(f"{page.app_url}/reconstruct?input=draw")  # type: ignore[attr-defined]
    wait_ready(page)
    page.wait_for_function(f"() => {DRAWING_PAD} && {DRAWING_PAD}.dataset.state === 'ready'", timeout=60_000)
    box = page.locator("canvas[aria-label='drawing pad']").bounding_box()
    page.mouse.move(box["x"] + 60, box["y"] + 60)
    page.mouse.down()
    before, means = len(sent), []
    for x, y in [(120, 60), (180, 60), (220, 60), (190, 120), (160, 170), (130, 230)]:
        encodes = page.evaluate(f"() => {DRAWING_PAD}.stats.encodes")
        page.mouse.move(box["x"] + x, box["y"] + y)  # a 7, one segment at a time, each encoded before the next
        page.wait_for_function(f"() => {DRAWING_PAD}.stats.encodes > {encodes}", timeout=10_000)
        means.append(tuple(page.evaluate(f"() => {DRAWING_PAD}.stats.mean")))
    during = len(sent) - before
    page.mouse.up()
    assert during == 0, f"{during} messages went to the server while drawing"
    assert len(set(means)) == len(means), "the posterior mean moved with every segment"
    page.wait_for_selector("text=-ELBO (nats)", timeout=30_000)
    wait_ready(page)
    assert len(sent) > before, "the release's rerun was not seen: the count above proves nothing"
    star = page.evaluate(
        """() => { const gd = [...document.querySelectorAll('.js-plotly-plot')]
            .find((g) => g._fullData.some((d) => d.name === 'your drawing'));
        const t = gd._fullData.find((d) => d.name === 'your drawing'); return [t.x[0], t.y[0]]; }"""
    )
    assert np.abs(np.array(star) - np.array(means[-1])).max() <= 0.01, (star, means[-1])


LATENT_PAD = shadowed(".latent-pad")


def test_drawing_beside_the_explorers_pad_moves_its_point_to_the_posterior_and_releases_it_there(page):
    """The explorer's small drawing pad: each segment's posterior goes to the latent pad on the page (its point
    at the mean, the readout saying so), nothing reaches the server while drawing, and when the pen lifts the
    point is released there as after a drag: the sliders and the link follow. Until its expander is opened
    the pad fetches nothing: its encoder (7 MB) would compete with the latent pad's decoder on a first visit."""
    sent: list[object] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda frame: sent.append(frame)))
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(page.app_url)  # type: ignore[attr-defined]
    wait_ready(page)
    page.wait_for_function(f"() => {LATENT_PAD}?.dataset.state === 'ready'", timeout=60_000)
    assert page.evaluate(f"() => {DRAWING_PAD}.dataset.state") == "waiting"
    assert not [url for url in asked if url.endswith(".vaee")], "the closed pad fetched its encoder"
    page.get_by_text("Draw a digit: watch its posterior on the pad").click()
    page.wait_for_function(f"() => {DRAWING_PAD} && {DRAWING_PAD}.dataset.state === 'ready'", timeout=60_000)
    canvas = page.locator("canvas[aria-label='drawing pad']")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    scale = box["width"] / 280
    page.mouse.move(box["x"] + 140 * scale, box["y"] + 40 * scale)
    page.mouse.down()
    before, points = len(sent), []
    for y in (80, 120, 160, 200, 240):  # a 1, one segment at a time, each encoded before the next
        encodes = page.evaluate(f"() => {DRAWING_PAD}.stats.encodes")
        page.mouse.move(box["x"] + 140 * scale, box["y"] + y * scale)
        page.wait_for_function(f"() => {DRAWING_PAD}.stats.encodes > {encodes}", timeout=10_000)
        mean = page.evaluate(f"() => {DRAWING_PAD}.stats.mean")
        shown = f"z1 = {mean[0]:.2f}, z2 = {mean[1]:.2f}: your drawing's posterior mean"
        # the latent pad redraws on its next animation frame: each segment's posterior must reach it
        page.wait_for_function(
            f"() => {LATENT_PAD}.querySelector('.readout').textContent.startsWith({shown!r})", timeout=10_000
        )
        points.append(page.evaluate(f"() => {LATENT_PAD}.querySelector('.readout').textContent"))
    during, link = len(sent) - before, page.url
    page.mouse.up()
    assert during == 0, f"{during} messages went to the server while drawing"
    assert all("your drawing's posterior mean" in p for p in points) and len(set(points)) > 1, points
    page.wait_for_url(lambda url: url != link, timeout=15_000)  # released: the link follows
    query = parse_qs(urlparse(page.url).query)
    assert abs(float(query["z1"][0]) - mean[0]) <= 0.05 and abs(float(query["z2"][0]) - mean[1]) <= 0.05
