"""The decoder in the browser, in a real headless Chromium: its parity with PyTorch, the latent pad
(drag, frame by frame, zero reruns, the server following on release, the sliders moving the point),
the interpolation scrubber, and the fallback where the browser cannot decode."""

from __future__ import annotations

import base64
import io
import itertools
import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
import torch
from PIL import Image

import vae_core as vc
from harness.browser import decode_all_js, require_chromium, serving, shadowed, wait_ready
from tests.support.files import (
    SHIPPED_2D,
    SHIPPED_32D,
    SHIPPED_CONTINUOUS_BERNOULLI,
    SHIPPED_LADDER,
    SHIPPED_LOGISTIC,
)
from ui import links
from ui.images import nearest_cell
from ui.state import Key
from vae_core.images import to_uint8

pytestmark = pytest.mark.browser
require_chromium()

from playwright.sync_api import Page  # noqa: E402

DECODER_JS = Path(__file__).resolve().parents[1] / "ui" / "components" / "decoder.js"
PAD, SCRUB = shadowed(".latent-pad"), shadowed(".latent-scrub")

# Decode codes (a flat list, D per code) with the decoder at a URL: all the images, base64.
DECODE_ALL_JS = decode_all_js("(await import('/decoder.js')).loadDecoder(url)")


# The grey levels of a 28 x 28 canvas (the red channel), as a list.
CANVAS_PIXELS_JS = """(canvas) => Array.from(canvas.getContext('2d').getImageData(0, 0, 28, 28).data)
    .filter((_, i) => i % 4 === 0)"""

# Record a hash of the pad's digit on every animation frame until __sampling is set to false.
SAMPLE_FRAMES_JS = (
    """() => {
    const canvas = """
    + PAD
    + """.querySelector('.digit canvas'), ctx = canvas.getContext('2d');
    window.__samples = [];
    window.__sampling = true;
    const tick = () => {
        if (!window.__sampling) return;
        const data = ctx.getImageData(0, 0, 28, 28).data;
        let hash = 0;
        for (let i = 0; i < data.length; i += 4) hash = (hash * 31 + data[i]) | 0;
        window.__samples.push(hash);
        requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
}"""
)


# ---------------------------------------------------------------- parity, without the app


@pytest.mark.parametrize(
    "checkpoint",
    [SHIPPED_2D, SHIPPED_32D, SHIPPED_LOGISTIC, SHIPPED_CONTINUOUS_BERNOULLI, SHIPPED_LADDER],
    ids=lambda p: p.stem,
)
def test_the_browser_decodes_as_pytorch_does_within_one_level(browser, checkpoint):
    """200 random codes z ~ N(0, 2^2) per shipped model (bench/decoder.py does 1,000): decoder.js on the
    float16 file the app serves against PyTorch's float32 decode, as 8-bit grey levels. Each output
    function: the sigmoid (Bernoulli), the continuous Bernoulli's mean, the discretized logistic's; and a
    hierarchy's levels below the top at their conditional means (ladder-2d, a version-2 file)."""
    model = vc.load_checkpoint(checkpoint).eval()
    files = {
        "/": ("text/html", b"<!doctype html><title>decoder</title>"),
        "/decoder.js": ("text/javascript", DECODER_JS.read_bytes()),
        "/model.vaed": ("application/octet-stream", vc.decoder_bytes(model, bits=16)),
    }
    page = serving(browser, files, "http://decoder.test")
    z = 2 * torch.randn(200, model.latent_dim, generator=torch.Generator().manual_seed(0))
    ours = base64.b64decode(page.evaluate(DECODE_ALL_JS, ["/model.vaed", z.flatten().tolist(), model.latent_dim]))
    page.close()
    theirs = to_uint8(vc.decode(model, z))
    diff = np.abs(np.frombuffer(ours, np.uint8).reshape(theirs.shape).astype(int) - theirs.astype(int))
    assert diff.max() <= 1, f"{(diff > 1).sum()} pixels differ by more than one level"


def test_float16_weights_read_the_same_natively_and_by_table_for_every_bit_pattern(browser):
    """decoder.js reads float16 weights with the browser's Float16Array where it has one, else through a
    table: both ways, all 65,536 bit patterns give numpy's float32 values (every NaN a NaN). The parity
    tests above run the native way in this Chromium; this one is what keeps the table honest."""
    files = {
        "/": ("text/html", b"<!doctype html><title>float16</title>"),
        "/decoder.js": ("text/javascript", DECODER_JS.read_bytes()),
    }
    page = serving(browser, files, "http://decoder.test")
    native, table, has_native = page.evaluate(
        """async () => {
            const m = await import('/decoder.js');
            const bits = new Uint16Array(65536).map((_, i) => i);
            const b64 = (a) => btoa(Array.from(new Uint8Array(a.buffer), (b) => String.fromCharCode(b)).join(''));
            return [b64(m.halfToFloat(bits)), b64(m.halfToFloatByTable(bits)), typeof Float16Array === 'function'];
        }"""
    )
    page.close()
    assert has_native, "this Chromium has Float16Array, so the app's usual path is the native one"
    expected = np.arange(65536, dtype=np.uint16).view(np.float16).astype(np.float32)
    for name, encoded in (("native", native), ("table", table)):
        got = np.frombuffer(base64.b64decode(encoded), np.float32)
        nan = np.isnan(expected)
        assert np.array_equal(np.isnan(got), nan), name
        assert np.array_equal(got[~nan], expected[~nan]), name


def test_the_browser_decodes_a_hierarchy_through_its_levels_means_as_pytorch_does(browser):
    """A three-level model (vae_core.hierarchy; the version-2 file): decoder.js takes each level below the top
    at its conditional mean, as HierarchicalVAE.decode does. Seeded weights, made bolder so that the logits
    spread over the whole grey scale (at PyTorch's initialisation every pixel is near mid-grey)."""
    config = vc.VAEConfig(latent_dim=2, lower_levels=(32, 16), likelihood="discretized-logistic")
    model = vc.build_model(config, torch.Generator().manual_seed(0)).eval()
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.mul_(3)
    files = {
        "/": ("text/html", b"<!doctype html><title>decoder</title>"),
        "/decoder.js": ("text/javascript", DECODER_JS.read_bytes()),
        "/model.vaed": ("application/octet-stream", vc.decoder_bytes(model, bits=32)),
    }
    page = serving(browser, files, "http://decoder.test")
    z = 2 * torch.randn(100, 2, generator=torch.Generator().manual_seed(1))
    ours = base64.b64decode(page.evaluate(DECODE_ALL_JS, ["/model.vaed", z.flatten().tolist(), 2]))
    page.close()
    theirs = to_uint8(vc.decode(model, z))
    assert theirs.std() > 40, "the test's images are not flat grey"
    diff = np.abs(np.frombuffer(ours, np.uint8).reshape(theirs.shape).astype(int) - theirs.astype(int))
    assert diff.max() <= 1, f"{(diff > 1).sum()} pixels differ by more than one level"


# ---------------------------------------------------------------- the latent pad in the app


def messages_to_server(page: Page) -> list[object]:
    """Every websocket message the page sends from now on (a rerun is one: Streamlit's BackMsg)."""
    sent: list[object] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda frame: sent.append(frame)))
    return sent


def open_explorer(page: Page, query: str = "") -> None:
    page.goto(f"{page.app_url}/{query}")  # type: ignore[attr-defined]
    wait_ready(page)
    page.wait_for_function(f"() => {PAD} && {PAD}.dataset.state === 'ready'", timeout=30_000)


def grey(src: str) -> np.ndarray:
    """A data-URI image as grey levels."""
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))).convert("L"))


def server_image(page: Page) -> tuple[np.ndarray, str]:
    """The server's decoded digit (the first image on the page) as grey levels, and its caption."""
    figure = page.locator('[data-testid="stMain"] [data-testid="stImage"]').first
    src = figure.locator("img").get_attribute("src")
    return grey(src), figure.inner_text()


def pad_digit(page: Page) -> np.ndarray:
    return np.array(page.evaluate(f"() => ({CANVAS_PIXELS_JS})({PAD}.querySelector('.digit canvas'))")).reshape(28, 28)


def pad_point(page: Page) -> tuple[float, float]:
    readout = page.evaluate(f"() => {PAD}.querySelector('.readout').textContent")
    x, y = re.findall(r"= (-?\d+\.\d+)", readout)
    return float(x), float(y)


def wait_for_server_at(page: Page, x: float, y: float) -> None:
    page.wait_for_function(
        "(text) => document.querySelector('[data-testid=\"stMain\"]').innerText.includes(text)",
        arg=f"decoded at z = ({x:.2f}, {y:.2f})",
        timeout=15_000,
    )
    wait_ready(page)


def slider_values(page: Page) -> list[float]:
    """The values the explorer's two z sliders show."""
    thumbs = page.locator('[data-testid="stMain"] [data-testid="stSliderThumbValue"]')
    return [float(v) for v in thumbs.all_inner_texts()]


def assert_same_digit(page: Page) -> None:
    """The pad's digit, decoded in the browser, is the server's within one grey level."""
    server, _ = server_image(page)
    assert np.abs(pad_digit(page).astype(int) - server.astype(int)).max() <= 1


# Where the manifold's frame lies on its image, as shares of the image's side: (left, top, size), and the
# image's own width in pixels once loaded (ui.widgets.marked_grid draws the frame over the image).
GRID_FRAME_JS = """() => {
    const grid = document.querySelector('[data-testid="stMain"] .marked-grid');
    const img = grid.querySelector('img'), image = img.getBoundingClientRect();
    const frame = grid.querySelector('span').getBoundingClientRect();
    return [img.naturalWidth, (frame.left - image.left) / image.width, (frame.top - image.top) / image.height,
            frame.width / image.width, getComputedStyle(grid.querySelector('span')).borderTopColor];
}"""


def assert_grid_framed_at(page: Page, x: float, y: float) -> None:
    """The manifold's red frame is drawn over the cell nearest (x, y) of the default 15 x 15 grid."""
    n, extent = links.default(Key.GRID_N), links.default(Key.GRID_EXTENT)
    row, col, _ = nearest_cell(vc.grid_axis(n, extent=extent).numpy(), x, y)
    page.wait_for_function("() => document.querySelector('.marked-grid img')?.complete")
    natural, left, top, size, colour = page.evaluate(GRID_FRAME_JS)
    assert natural == 28 * n and colour == "rgb(230, 30, 30)"
    assert (left, top, size) == pytest.approx((col / n, row / n, 1 / n), abs=0.004)


def test_dragging_the_pad_morphs_the_digit_every_frame_and_the_server_follows_on_release(page):
    sent = messages_to_server(page)
    open_explorer(page)
    box = page.evaluate(f"() => {PAD}.querySelector('.marker').getBoundingClientRect().toJSON()")
    left, top, side = box["x"], box["y"], box["width"]
    cx, cy = left + side / 2, top + side / 2
    redraws = page.evaluate(f"() => {PAD}.stats.redraws")
    link = page.url
    page.mouse.move(cx, cy)
    page.evaluate(SAMPLE_FRAMES_JS)
    before = len(sent)
    page.mouse.down()
    for i in range(1, 41):  # up and to the right: z from (0, 0) towards (2.5, 1.2)
        page.mouse.move(cx + i * side / 128, cy - i * side / 256)
    during = len(sent) - before
    samples = page.evaluate("() => { window.__sampling = false; return window.__samples; }")
    drawn = page.evaluate(f"() => {PAD}.stats.redraws") - redraws
    page.mouse.up()

    assert during == 0, f"{during} messages went to the server during the drag"
    changes = sum(a != b for a, b in itertools.pairwise(samples))
    assert drawn >= 20, f"only {drawn} redraws for 40 moves"
    assert changes >= 0.9 * drawn - 2, f"the digit changed in {changes} frames of {drawn} redraws"

    page.wait_for_url(lambda url: url != link, timeout=15_000)  # the released point, snapped to the sliders' step
    query = parse_qs(urlparse(page.url).query)
    x, y = float(query["z1"][0]), float(query["z2"][0])
    assert x > 1 and y > 0.5
    wait_for_server_at(page, x, y)
    assert len(sent) > before, "the release's rerun was not seen: the count above proves nothing"
    assert pad_point(page) == (x, y) and slider_values(page) == [x, y]
    assert_same_digit(page)
    assert_grid_framed_at(page, x, y)


def test_the_sliders_move_the_point_and_the_arrow_keys_move_it_too(page):
    open_explorer(page)
    main = page.locator('[data-testid="stMain"]')
    main.get_by_role("slider").first.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    wait_for_server_at(page, 0.3, 0.0)
    page.wait_for_function(f"() => {PAD}.querySelector('.readout').textContent === 'z1 = 0.30, z2 = 0.00'")
    assert_same_digit(page)
    # The pad from the keyboard: the point moves at once; 0.4 s after the last key the server follows.
    page.evaluate(f"() => {PAD}.querySelector('.marker').focus()")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Shift+ArrowUp")
    page.wait_for_function(f"() => {PAD}.querySelector('.readout').textContent === 'z1 = 0.30, z2 = 1.10'")
    wait_for_server_at(page, 0.3, 1.1)
    assert_same_digit(page)
    assert slider_values(page) == [0.3, 1.1]


def test_the_decoder_file_is_cached_by_the_browser_for_good(page):
    open_explorer(page)
    url = page.evaluate(f"() => {PAD}.dataset.decoder")
    response = page.request.get(f"{page.app_url}{url}")  # type: ignore[attr-defined]
    assert response.ok and "immutable" in response.headers["cache-control"]
    assert len(response.body()) == vc.decoder_bytes(vc.load_checkpoint(SHIPPED_2D), bits=16).__len__()
    assert page.request.get(f"{page.app_url}/api/files/{'0' * 32}.vaed").status == 404  # type: ignore[attr-defined]


@pytest.mark.parametrize("broken", ["weights blocked", "code blocked", "no canvas"])
def test_without_in_browser_decoding_the_sliders_still_work(page, broken):
    if broken == "no canvas":
        page.add_init_script("HTMLCanvasElement.prototype.getContext = () => null;")
    else:
        page.route(f"**/api/files/*.{'vaed' if broken == 'weights blocked' else 'js'}", lambda route: route.abort())
        page.expected_console_errors.append("ERR_FAILED")  # type: ignore[attr-defined]
    page.goto(page.app_url)  # type: ignore[attr-defined]
    wait_ready(page)
    page.wait_for_function(f"() => {PAD} && {PAD}.dataset.state === 'unavailable'", timeout=30_000)
    status = page.evaluate(f"() => {PAD}.querySelector('.status').textContent")
    assert any(words in status for words in ("unavailable here", "cannot draw", "could not load")), status
    before, _ = server_image(page)
    page.locator('[data-testid="stMain"]').get_by_role("slider").first.focus()
    for _ in range(10):
        page.keyboard.press("ArrowRight")
    wait_for_server_at(page, 1.0, 0.0)
    after, _ = server_image(page)
    assert not np.array_equal(before, after)


def test_the_decoder_needs_neither_webassembly_nor_webgl(page):
    page.add_init_script(
        "delete window.WebAssembly; const get = HTMLCanvasElement.prototype.getContext;"
        "HTMLCanvasElement.prototype.getContext = function (kind, ...rest) {"
        "  return kind.startsWith('webgl') ? null : get.call(this, kind, ...rest); };"
    )
    open_explorer(page)
    assert_same_digit(page)


# ---------------------------------------------------------------- the interpolation scrubber


def test_scrubbing_t_decodes_both_paths_in_the_browser_as_the_server_does(page):
    sent = messages_to_server(page)
    page.goto(f"{page.app_url}/interpolation")  # type: ignore[attr-defined]
    wait_ready(page)
    page.wait_for_function(f"() => {SCRUB} && {SCRUB}.dataset.state === 'ready'", timeout=30_000)
    images = page.locator('[data-testid="stMain"] [data-testid="stImage"] img')
    # The strips: 10 steps of 28 px, 2 px apart, enlarged twice: step k's pixel (r, c) is at (2r, 2(30k + c)).
    strips = [grey(src) for src in images.evaluate_all("els => els.map(e => e.src)")[:2]]
    before = len(sent)
    for k in (0, 3, 7, 9):
        page.evaluate(
            f"""(t) => {{ const input = {SCRUB}.querySelector('input'); input.value = String(t);
            input.dispatchEvent(new Event('input')); }}""",
            k / 9,
        )
        page.wait_for_timeout(100)  # the next animation frame draws it
        canvases = page.evaluate(
            f"() => [...{SCRUB}.querySelectorAll('.digits canvas')].map((c) => ({CANVAS_PIXELS_JS})(c))"
        )
        for strip, pixels in zip(strips, canvases, strict=True):
            step = strip[::2, ::2][:, 30 * k : 30 * k + 28]
            assert np.abs(np.array(pixels).reshape(28, 28).astype(int) - step.astype(int)).max() <= 1, k
    assert len(sent) == before, "scrubbing must not involve the server"


# Move the scrubber to t; after the next frames, each path's point on the plane, the plane's extent, and the pixel
# (r, g, b, a) of the paths' canvas under each point.
SCRUB_TO_JS = (
    """async (t) => {
    const root = """
    + SCRUB
    + """, input = root.querySelector('input'), canvas = root.querySelector('canvas.paths');
    input.value = String(t);
    input.dispatchEvent(new Event('input'));
    await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
    const { marks, limit } = root.stats, side = canvas.width;
    const pixels = marks.map(([x, y]) => [...canvas.getContext('2d').getImageData(
        Math.round(((x + limit) / (2 * limit)) * side), Math.round(((limit - y) / (2 * limit)) * side), 1, 1).data]);
    return { marks, limit, pixels };
}"""
)

# The distance from (x, y) to the nearest point of the page's points file (the plane's test digits).
NEAREST_POINT_JS = """async ([x, y]) => {
    const buffer = await [...window.__vaePoints.values()][0];
    const n = new DataView(buffer).getUint32(0, true);
    const xs = new Float32Array(buffer, 4, n), ys = new Float32Array(buffer, 4 + 4 * n, n);
    let best = Infinity;
    for (let i = 0; i < n; i++) best = Math.min(best, Math.hypot(xs[i] - x, ys[i] - y));
    return best;
}"""


@pytest.mark.parametrize("model", ["mnist-2d", "mnist-32d"])
def test_the_paths_cross_the_test_digits_plane_and_their_points_follow_t(page, model, mnist_test):
    """Interpolation's plane (drawn in the browser, no plotly): each path's point sits on the 'from' digit at
    t = 0 and on the 'to' digit at t = 1, both test digits among the plane's points (a 32-d model's on their
    principal components, projected here as on the server); the straight path's point is their midpoint at
    t = 0.5 (a projection keeps midpoints), and a 2-D model's round path's is vae_core.slerp's. Each point
    is drawn (white, inside its ring) where it is, and no message reaches the server while t moves."""
    sent = messages_to_server(page)
    open_scrubber(page, f"?model={model}&from=7:0&to=1:0")
    page.wait_for_function(f"() => {SCRUB}.stats.marks.length === 2 && window.__vaePoints?.size === 1")
    before = len(sent)
    start, end, middle = (page.evaluate(SCRUB_TO_JS, t) for t in (0, 1, 0.5))
    for at in (start, end):
        assert np.allclose(at["marks"][0], at["marks"][1], atol=1e-5), "both paths share their ends"
    a, b = np.array(start["marks"][0]), np.array(end["marks"][0])
    if model == "mnist-2d":
        assert page.evaluate(NEAREST_POINT_JS, list(a)) < 1e-4, "the 'from' end is a test digit's mean"
        assert page.evaluate(NEAREST_POINT_JS, list(b)) < 1e-4, "the 'to' end is a test digit's mean"
    else:  # ends projected as the server projects the plane's points (ui.derived.projection)
        np.testing.assert_allclose(np.vstack([a, b]), projected_ends(mnist_test, 7, 1), atol=1e-4)
    assert np.linalg.norm(a - b) > 1, "a 7 and a 1 lie apart"
    np.testing.assert_allclose(middle["marks"][0], (a + b) / 2, atol=1e-4)
    if model == "mnist-2d":
        round_middle = vc.slerp(torch.tensor(a), torch.tensor(b), 3)[1].numpy()
        np.testing.assert_allclose(middle["marks"][1], round_middle, atol=1e-4)
        assert np.linalg.norm(round_middle - (a + b) / 2) > 0.1, "the round path leaves the straight line"
    for at in (start, end, middle):
        assert all(abs(v) < at["limit"] for mark in at["marks"] for v in mark), "on the plane"
        assert all(pixel == [255, 255, 255, 255] for pixel in at["pixels"]), at
    assert len(sent) == before, "the plane moves without the server"


def projected_ends(mnist_test, *classes: int) -> np.ndarray:
    """mnist-32d's posterior means of the first test digit of each class (of a Bernoulli sample of them, seed 0,
    as the model was trained on), on the first two principal components of all the test digits' means."""
    from sklearn.decomposition import PCA

    images, labels = mnist_test
    model = vc.load_checkpoint(SHIPPED_32D).eval()
    pca = PCA(n_components=2, random_state=0).fit(vc.encode_dataset(model, images)[0].numpy())
    firsts = [int(np.flatnonzero(labels.numpy() == c)[0]) for c in classes]
    with torch.inference_mode():  # one sample of the pair, as the page draws it
        means = model.encode(vc.prepare_inputs(model, images[firsts]))[0].numpy()
    return pca.transform(means)


def open_scrubber(page: Page, query: str = "") -> None:
    page.goto(f"{page.app_url}/interpolation{query}")  # type: ignore[attr-defined]
    wait_ready(page)
    page.wait_for_function(f"() => {SCRUB} && {SCRUB}.dataset.state === 'ready'", timeout=30_000)


def scrub_position(page: Page) -> tuple[float, str]:
    """The scrubber's t (its input) and the value it shows."""
    return page.evaluate(
        f"() => [Number({SCRUB}.querySelector('input').value), {SCRUB}.querySelector('output').textContent]"
    )


def test_where_t_is_let_go_goes_into_the_link_and_the_link_puts_the_scrubber_there(page):
    open_scrubber(page, "?t=0.25")
    assert scrub_position(page) == [0.25, "0.25"]
    link = page.url
    page.evaluate(
        f"""() => {{ const input = {SCRUB}.querySelector('input'); input.value = '0.8125';
        input.dispatchEvent(new Event('input')); input.dispatchEvent(new Event('change')); }}"""
    )
    page.wait_for_url(lambda url: url != link, timeout=15_000)
    assert parse_qs(urlparse(page.url).query)["t"] == ["0.812"]  # 3 decimals: a short link
    open_scrubber(page, "?" + urlparse(page.url).query)
    assert scrub_position(page) == [0.812, "0.81"]


def test_on_a_phone_the_pad_fits_and_a_finger_moves_the_point(browser, app_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.app_url = app_url
    open_explorer(page)
    plane = page.evaluate(f"() => {PAD}.querySelector('.marker').getBoundingClientRect().toJSON()")
    digit = page.evaluate(f"() => {PAD}.querySelector('.digit canvas').getBoundingClientRect().toJSON()")
    assert plane["x"] >= 0 and digit["x"] + digit["width"] <= 390, (plane, digit)  # side by side, inside the screen
    assert page.evaluate(f"() => getComputedStyle({PAD}.querySelector('.marker')).touchAction") == "none"
    page.touchscreen.tap(plane["x"] + 0.75 * plane["width"], plane["y"] + 0.5 * plane["height"])  # z1 = +2
    wait_for_server_at(page, 2.0, 0.0)
    assert_same_digit(page)
    context.close()
