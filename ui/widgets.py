"""Widgets several pages use: the test-digit picker, two models side by side, the image-upload reader,
the drawing pad, and the latent pad and scrubber that decode in the browser."""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import json
import zlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import streamlit as st

import vae_core as vc  # imports no torch until a name in it is used (vae_core/__init__.py)
from server import first_view, served
from ui import browser_files, derived, links, models, registry
from ui.charts import PALETTE
from ui.images import RED
from ui.models import ActiveModel
from ui.state import Key

if TYPE_CHECKING:
    import plotly.graph_objects as go
    import torch

COMPONENTS = Path(__file__).with_name("components")
UPLOAD_LIMIT_MB = 10


def pick_test_digit(active: ActiveModel, label: str, key: str, default_class: int = 0) -> int:
    """A test image chosen by class and index within that class; returns its index in the split."""
    labels = derived.test_set(active)[1].numpy()
    c1, c2 = st.columns(2)
    cls = c1.selectbox(
        f"{label}: class",
        range(len(active.class_names)),
        index=default_class,
        format_func=lambda i: active.class_names[i],
        key=f"{key}_class",
        persist_state="session",
    )
    members = np.flatnonzero(labels == cls)
    i = c2.number_input(
        f"{label}: index within class", 0, len(members) - 1, 0, key=f"{key}_index", persist_state="session"
    )
    return int(members[int(i)])


def image_uploader(what: str, key: str) -> list[Any]:
    """Several images at once, each at most UPLOAD_LIMIT_MB (refused by the widget itself above that)."""
    label = f"{what} (PNG, JPEG, GIF, BMP, TIFF, WebP; up to {UPLOAD_LIMIT_MB} MB each)"
    return st.file_uploader(label, accept_multiple_files=True, key=key, max_upload_size=UPLOAD_LIMIT_MB) or []


def marked_grid(url: str, n: int, cell: tuple[int, int], width: int, caption: str) -> None:
    """The n x n grid of images at ``url`` with a red frame round ``cell`` (row, column; row 0 at the top),
    ``width`` px wide at most, and its caption. The browser draws the frame over the image (ui/style.css,
    ``.marked-grid``): a point that moves changes a line of HTML, not the image, which the browser fetched
    once and keeps (docs/performance.md, "Speed"). Plain HTML, which Streamlit's st.html shows without
    its markdown parsers."""
    row, col = cell
    share = 100 / n
    red = ",".join(map(str, RED))
    st.html(
        f'<figure class="marked-grid" style="width: {width}px">'
        f'<img src="{html.escape(url)}" alt="{html.escape(caption)}">'
        f'<span style="left: {col * share:.4f}%; top: {row * share:.4f}%; width: {share:.4f}%; '
        f'height: {share:.4f}%; border-color: rgb({red})"></span></figure>'
    )
    st.caption(caption)


CONTROL_GROUP = "controls_"  # the key prefix of a control group (pages/lesson.py hides the empty ones)


def instructions(pointer: str, touch: str) -> None:
    """What to do, in a caption, said for a mouse and keyboard (``pointer``) and for a finger (``touch``):
    both go into the page, each in a container of its own, and the CSS shows the one that fits the screen
    (ui/style.css: a touch screen has no hover and a coarse pointer), so a phone is never told to press arrow
    keys. Markdown allowed. Not as HTML in one caption: Streamlit renders markdown that holds HTML with a
    second parser, 0.19 MB of code more for the browser to load and run before the first view
    (docs/performance.md, "Start-up")."""
    for screen, text in (("pointer", pointer), ("touch", touch)):
        with st.container(key=f"for_{screen}_{zlib.crc32(text.encode()):08x}"):
            st.caption(text)


def control_group(name: str) -> Any:
    """A container for a group of controls and what belongs to them only (a heading, presets that set
    them): where a lesson step hides every control in it that a link can set, the whole group goes,
    leaving no empty heading or orphaned presets."""
    return st.container(key=CONTROL_GROUP + name)


def hiding_css(params: Sequence[links.Param], shown: Sequence[str]) -> str:
    """CSS that hides a page's link-settable controls (``params``) except those named in ``shown``,
    and what they leave behind: a control group (``control_group``) with none of its controls left,
    and a column whose every element is hidden (so the controls left close up, none floats alone)."""
    hidden = [f".st-key-{key}" for p in params if p.name not in shown for key in p.keys]
    kept = [f".st-key-{key}" for p in params if p.name in shown for key in p.keys]
    if not hidden:
        return ""
    is_hidden = f":is({', '.join(hidden)})"
    group = f'[class*="st-key-{CONTROL_GROUP}"]'
    return (
        f"{is_hidden} {{ display: none; }}\n"
        + (f"{group}:not(:has(:is({', '.join(kept)})))" if kept else group)
        + " { display: none; }\n"
        + f'[data-testid="stColumn"]:has({is_hidden}):not(:has([data-testid="stElementContainer"]:not({is_hidden})))'
        + " { display: none; }"
    )


def pick_two_models(
    presets: dict[str, tuple[str, str]], keys: tuple[str, str, str], default: str | None = None
) -> tuple[ActiveModel, ActiveModel]:
    """Two models to compare side by side, from the sidebar picker's own list (shipped, uploaded,
    trained here), with one-click presets of shipped pairs (name -> (checkpoint, checkpoint)).

    ``keys``: the session keys of the preset control and the two select boxes. As a page first
    opens, the ``default`` preset is chosen. A model a preset names that is not installed is replaced
    by the sidebar's model (or the next one in the list), and a note says so."""
    preset_key, key_a, key_b = keys
    options = models.picker_options()

    def apply_preset() -> None:
        for key, name in zip((key_a, key_b), presets.get(st.session_state.get(preset_key) or "", ()), strict=False):
            st.session_state[key] = f"shipped:{name}"

    def forget_preset() -> None:
        st.session_state[preset_key] = None

    if key_a not in st.session_state and key_b not in st.session_state and default is not None:
        st.session_state[preset_key] = default
        apply_preset()
    for key, other in ((key_a, key_b), (key_b, key_a)):
        if st.session_state.get(key) not in options:
            fallback = [st.session_state.get(Key.MODEL), *options]
            st.session_state[key] = next(
                (k for k in fallback if k in options and k != st.session_state.get(other)), next(iter(options))
            )
    with control_group(preset_key):  # a lesson step that hides both pickers hides their presets too
        preset = st.segmented_control(
            "Presets",
            list(presets),
            key=preset_key,
            on_change=apply_preset,
            persist_state="session",
            help="pairs of shipped models",
        )
        c1, c2 = st.columns(2)
        kwargs: dict[str, Any] = dict(format_func=options.get, on_change=forget_preset, persist_state="session")
        a = c1.selectbox("Model A", list(options), key=key_a, **kwargs)
        b = c2.selectbox("Model B", list(options), key=key_b, **kwargs)
    missing = [name for name in presets.get(preset or "", ()) if f"shipped:{name}" not in options]
    if missing:
        st.info(
            f"Not installed here: {' and '.join(missing)} (`bash checkpoints/train.sh NAME` trains it); "
            f"showing {options[a]} and {options[b]} instead."
        )
    return models.load(a), models.load(b)


def read_upload(file: Any) -> torch.Tensor | None:
    """An uploaded image preprocessed the MNIST way, or None with an error shown."""
    return read_image(file.name, file.getvalue())


def read_image(name: str, data: bytes) -> torch.Tensor | None:
    """Image bytes (an upload, a drawing) preprocessed the MNIST way, or None with an error naming them."""
    try:
        return vc.preprocess_image(data)
    except vc.ImageError as exc:
        st.error(f"{name}: {exc}")
        return None


# The components whose code is served by URL as one ES module (a module fetched by URL can import nothing by a
# relative path here): the shared scripts they use go in front of their own, in this order.
MODULE_PARTS = {
    "latent_pad": ("decoder", "plane"),
    "latent_scrub": ("decoder", "plane"),
    "drawing_pad": ("decoder", "encoder", "plane"),
}


def _component(name: str) -> Any:
    """A v2 component whose HTML, CSS and JavaScript are the files components/NAME.{html,css,js}; for one in
    ``MODULE_PARTS`` the JavaScript is a module served by URL (``_module_url``) and the component itself gets
    only components/loader.js, which imports it."""
    html, css, js = ((COMPONENTS / f"{name}.{ext}").read_text() for ext in ("html", "css", "js"))
    if name in MODULE_PARTS:
        js = (COMPONENTS / "loader.js").read_text()
    mount = st.components.v2.component(f"vae_{name}", html=html, css=css, js=js)

    def call(*, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        return mount(data=None if data is None else _without_lists(data), **kwargs)

    return call


def _without_lists(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with its lists as tuples: the same JSON. Streamlit looks for a dataframe in every value of a
    component's data that is not a scalar, a string or a tuple, and the first look imports pandas and pyarrow:
    0.45 s of a fresh server's first view, before the latent pad is handed over (docs/performance.md,
    "Start-up")."""
    return {name: tuple(value) if isinstance(value, list) else value for name, value in data.items()}


def _module_url(name: str) -> str:
    """The URL of the component's module (its shared scripts, then NAME.js), keyed by the code's own hash."""
    key, source = _module(name)
    return served.url(key, "js", lambda: source)


@functools.cache
def _module(name: str) -> tuple[str, bytes]:
    """Read once per process, as the components' HTML and CSS are."""
    parts = (*MODULE_PARTS[name], name)
    source = "\n".join((COMPONENTS / f"{part}.js").read_text() for part in parts).encode()
    return f"module:{name}:{hashlib.sha256(source).hexdigest()}", source


_pad = _component("drawing_pad")
_copy_link = _component("copy_link")
_step_keys = _component("step_keys")
_latent_pad = _component("latent_pad")
_latent_scrub = _component("latent_scrub")
_tap_select = _component("tap_select")


def drawing_pad(key: str, active: ActiveModel | None = None, *, compact: bool = False) -> bytes | None:
    """A black square to draw a white digit on with mouse or finger; the drawing as PNG bytes once a stroke
    ends. With ``active``, the browser encodes the drawing while it is drawn (vae_core's preparation, then the
    model's encoder and decoder, ui/components/encoder.js) and shows the posterior mean and its 1-sigma
    ellipse on the plane of two latent dimensions (the model's two, or its two most used), and the
    reconstruction: no message reaches the server until the stroke ends. ``compact``: a small pad beside the
    page's latent pad, which shows the posterior and decodes its mean (the point is released there when the
    pen lifts, as after a drag); the drawing itself never goes to the server, and None is returned."""
    data: dict[str, Any] = {"module": _module_url("drawing_pad"), "encoder": None}
    if active is not None:
        model = active.model  # loads it, so that on a fresh server this pad's 7.4 MB encoder reaches the browser
        # after the latent pad's decoder, not beside it (docs/performance.md, "Start-up")
        if model.latent_dim < 2:
            data["why"] = "A 1-D model has no plane to show its posterior on while you draw."
        else:
            dims = derived.most_used_pair(active)
            encoder, decoder = browser_files.encoder_file(active), browser_files.decoder_file(active)
            data |= {
                "encoder": encoder.url,
                "decoder": decoder.url,
                "bytes": len(encoder.data) + len(decoder.data),
                "points": browser_files.points_url(active, dims),
                "dims": list(dims),
                "names": [f"z{d + 1}" for d in dims],
                "classes": list(active.class_names),
                "colours": list(PALETTE),
                "limit": 4.0,
                "compact": compact,
            }
    result = _pad(key=key, data=data, on_image_change=lambda: None)
    image = getattr(result, "image", None)
    if not image or not isinstance(image, str) or not image.startswith("data:image/png;base64,"):
        return None
    return base64.b64decode(image.split(",", 1)[1])


# Two clicks on a selectable chart closer than this are a double-click, which Streamlit takes as "clear the
# selection". plotly.js 4.1 (in Streamlit 1.67) raised its default from 300 to 500 ms: a person clicking one
# point and another 0.4 s later then saw the second selected on the chart and no digit below it
# (docs/decisions.md, "The app"). A legend's single click also waits this long before it hides a class.
DOUBLE_CLICK_MS = 300


def selectable_chart(fig: go.Figure, key: str, on_select: Callable[[], None]) -> None:
    """A plotly chart whose points a click, a tap or plotly's box and lasso tools select: ``on_select`` is
    called (as a callback, before the rerun) with the selection in ``st.session_state[key]``. On a touch
    screen plotly would select the point tapped before (ui/components/tap_select.js says why): the hidden
    component beside the chart hands plotly the hover a mouse makes first."""
    modes = ("points", "box", "lasso")
    st.plotly_chart(
        fig, on_select=on_select, selection_mode=modes, key=key, config={"doubleClickDelay": DOUBLE_CLICK_MS}
    )
    _tap_select(key=f"unseen_{key}_taps")  # ui/style.css hides an unseen_ element's slot: no gap under the chart


def copy_link() -> None:
    """A button that copies the address bar's link to this view."""
    _copy_link(key=Key.COPY_LINK)


def step_keys(on_key: Callable[[int], None], shown: str, *, first: bool, last: bool) -> None:
    """Listen for the keys a presentation clicker sends: Right / Left change the step; Page Down /
    Page Up (and Space) scroll the step first and change it only at its bottom / top; B or "."
    blanks the screen. ``on_key(direction)`` is called with +1 or -1, as a callback: before the app
    reruns. ``shown`` names the step on screen: when it changes, the page scrolls back to its top.
    ``first`` / ``last`` say it is the first / last step: a key asking past either end asks nothing,
    so it never holds up the next key (the browser waits for an asked step before asking again)."""

    def pressed() -> None:
        step = _component_value(Key.STEP_KEYS, "step")
        if step in ("next", "back"):
            on_key(1 if step == "next" else -1)

    _step_keys(key=Key.STEP_KEYS, data={"step": shown, "first": first, "last": last}, on_step_change=pressed)


def _component_value(key: str, name: str) -> Any:
    state = st.session_state.get(key)
    return state.get(name) if isinstance(state, dict) else getattr(state, name, None)


def latent_pad(
    active: ActiveModel,
    key: str,
    dims: tuple[int, int],
    z: tuple[float, float],
    limit: float,
    step: float,
    on_release: Callable[[float, float], None],
    base: Sequence[float] | None = None,
) -> None:
    """The latent pad: the plane of dimensions ``dims`` (from -limit to limit; the test digits' encoder
    means beneath) with a point at ``z`` to drag, and the digit decoded at that point in the browser on
    every frame. The other dimensions are held at ``base`` (zeros if None). Nothing reaches the server
    during a drag; on release ``on_release(x, y)`` is called (as a callback: before the rerun) with the
    point snapped to ``step`` and inside +-limit. Where the browser cannot decode, the pad says so and
    still sends the point it is given."""

    def released() -> None:
        value = _component_value(key, "release")
        if isinstance(value, list) and len(value) == 2 and all(isinstance(v, int | float) for v in value):
            x, y = (round(float(np.clip(v, -limit, limit)), 4) for v in value)
            if np.isfinite([x, y]).all():
                on_release(x, y)

    _latent_pad(key=key, data=latent_pad_data(active, dims, z, limit, step, base), on_release_change=released)


def latent_pad_data(
    active: ActiveModel,
    dims: tuple[int, int],
    z: tuple[float, float],
    limit: float,
    step: float,
    base: Sequence[float] | None = None,
) -> dict[str, Any]:
    """What the latent pad's component is given (``latent_pad`` says what each argument means): its code's,
    its decoder's and its points' URLs, and the plane's numbers. Everything but the three files' bytes is
    plain JSON, so that bench.latency can hand the same to a first view drawn without torch
    (harness/first_view.py)."""
    held = [0.0] * active.card.latent_dim if base is None else [float(v) for v in base]
    decoder = browser_files.decoder_file(active)
    return {
        "module": _module_url("latent_pad"),
        "decoder": decoder.url,
        "bytes": len(decoder.data),
        "points": browser_files.points_url(active, dims),
        "dims": list(dims),
        "names": [f"z{d + 1}" for d in dims],
        "base": held,
        "z": [float(z[0]), float(z[1])],
        "limit": float(limit),
        "step": float(step),
        "classes": list(active.class_names),
        "colours": list(PALETTE),
        "shown": first_view.ping_url(),  # a fresh server waits for the pad before it imports torch
    }


LatentPath = tuple[Sequence[float], Sequence[float], Literal["lerp", "slerp"]]  # start, end, how to go between


def latent_scrub(
    active: ActiveModel,
    key: str,
    paths: Mapping[str, LatentPath],
    label: str = "t",
    values: tuple[float, float] = (0.0, 1.0),
    at: float = 0.5,
    on_release: Callable[[float], None] | None = None,
    plane: Mapping[str, Any] | None = None,
) -> None:
    """A slider scrubbed along latent paths, each path's digit decoded in the browser on every frame
    while it moves; nothing reaches the server during a scrub. ``paths``: name -> (start code, end
    code, "lerp" or "slerp" as vae_core.lerp / slerp) with t from 0 to 1; the slider shows ``label`` =
    values[0] + t * (values[1] - values[0]) and starts at t = ``at``. With ``on_release``, where the
    slider is let go (or moved by a key) that t, from 0 to 1 to 3 decimals, is sent to the server:
    ``on_release(t)`` is called as a callback, before the rerun (a link can then carry it). With
    ``plane`` (``path_plane``), the paths are drawn over the test digits' encoder means, each with a
    point at t that moves as the slider does."""

    def released() -> None:
        value = _component_value(key, "release")
        if on_release is not None and isinstance(value, int | float) and np.isfinite(value):
            on_release(round(float(np.clip(value, 0.0, 1.0)), 3))

    decoder = browser_files.decoder_file(active)
    data = {
        "module": _module_url("latent_scrub"),
        "decoder": decoder.url,
        "bytes": len(decoder.data),
        "paths": [
            {"name": name, "a": [float(v) for v in a], "b": [float(v) for v in b], "kind": kind}
            for name, (a, b, kind) in paths.items()
        ],
        "label": label,
        "values": [float(values[0]), float(values[1])],
        "at": float(np.clip(at, 0, 1)),
        "reports": on_release is not None,
        # As JSON text: a dict would make Streamlit import pandas to ask whether it is a dataframe (_without_lists).
        "plane": None if plane is None else json.dumps(dict(plane)),
    }
    _latent_scrub(key=key, data=data, on_release_change=released)


def path_plane(
    active: ActiveModel, ends: np.ndarray, steps: int, names: tuple[str, str], colours: Sequence[str]
) -> dict[str, Any]:
    """The plane a scrubber (``latent_scrub``) draws its paths on, for a canvas in the browser rather than a
    plotly chart: a page switch to it took 0.9-1.3 s, most of it the browser drawing 10,000 WebGL points
    (docs/performance.md, "Speed"). The test digits' encoder means in the model's two dimensions or, for a
    model of more, on their first two principal components (the Latent scatter's default view): the browser
    then projects each code z on the paths as A (z - m), with the components A and the mean m given here.
    ``ends``: the paths' two end codes (as rows), marked and named ``names``; the plane's extent takes them
    in. ``steps``: the number of evenly spaced steps marked on each path (vae_core.lerp / slerp's).
    ``colours``: the paths', in order (as a chart beside it draws them)."""
    count = len(derived.encoded_test(active.key, active)[0])
    coords, _, pca = derived.projection(active.key, active, "pca", count)
    if pca is None:
        on_plane, axes = np.asarray(ends, float), ("z1", "z2")
        points, projection = browser_files.points_url(active, (0, 1)), None
    else:
        on_plane, axes = pca.transform(np.asarray(ends, float)), ("PC 1", "PC 2")
        points = browser_files.projected_points_url(active)
        projection = {"mean": pca.mean_.tolist(), "axes": pca.components_.tolist()}
    # The plane takes in the ends and all but the farthest 0.2% of the points (a few stray means would shrink
    # the rest into the middle), and at least the prior's +-3.
    extent = max(3.0, float(np.quantile(np.abs(coords), 0.998)), float(np.abs(on_plane).max()))
    return {
        "points": points,
        "projection": projection,
        "square": pca is None,  # the prior's +-3 square: a box in z, not on a projection
        "limit": round(extent * 1.08, 2),
        "names": list(axes),
        "classes": list(active.class_names),
        "colours": list(PALETTE),
        "ends": list(names),
        "steps": int(steps),
        "paths": list(colours),
    }


EXPLORE_MINE = "sent"  # the explorer's third way to hold the other dimensions (a link cannot carry the code)
EXPLORE_MINE_LABEL = "the digit sent from Reconstruct"


def explore_from_here(active: ActiveModel, name: str, code: Sequence[float], key: str) -> None:
    """A button that opens the latent explorer at a drawn or uploaded digit's posterior mean ``code``: the
    pad's point at its two shown dimensions and, for a model of more than two, the other dimensions held
    at the digit's code too (the explorer's hold option EXPLORE_MINE), so the pad starts on that very digit."""
    if not st.button("Explore from here", key=key, help="Open the latent explorer with its point at this code"):
        return
    st.session_state[Key.HOLD_CODE] = (name, tuple(float(v) for v in code))
    st.session_state[Key.EXPLORE_FROM] = True
    st.session_state[Key.FINE_STEPS] = True  # steps of 0.01: the sliders can stand at the code itself
    if active.model.latent_dim > 2:
        st.session_state[Key.HOLD] = EXPLORE_MINE
    st.switch_page(registry.screen("explorer.py").path)


def leave_presentation() -> None:
    """A button out of presentation mode (which hides the sidebar and its toggle)."""
    st.button("Leave presentation mode", on_click=_stop_presenting, key=Key.LEAVE_PRESENTATION)


def _stop_presenting() -> None:
    st.session_state[Key.PRESENT] = False
