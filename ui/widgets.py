"""Widgets several pages use: the test-digit picker, the image-upload reader, the drawing pad."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st
import torch

import vae_core as vc
from ui.derived import test_set
from ui.models import ActiveModel
from ui.state import Key

COMPONENTS = Path(__file__).with_name("components")
UPLOAD_LIMIT_MB = 10


def pick_test_digit(active: ActiveModel, label: str, key: str, default_class: int = 0) -> int:
    """A test image chosen by class and index within that class; returns its index in the split."""
    labels = test_set(active)[1].numpy()
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


def _component(name: str) -> Any:
    """A v2 component whose HTML, CSS and JavaScript are the files components/NAME.{html,css,js}."""
    html, css, js = ((COMPONENTS / f"{name}.{ext}").read_text() for ext in ("html", "css", "js"))
    return st.components.v2.component(f"vae_{name}", html=html, css=css, js=js)


_pad = _component("drawing_pad")
_copy_link = _component("copy_link")
_step_keys = _component("step_keys")


def drawing_pad(key: str) -> bytes | None:
    """A black square to draw a white digit on with mouse or finger; the drawing as PNG bytes."""
    result = _pad(key=key, on_image_change=lambda: None)
    data = getattr(result, "image", None)
    if not data or not isinstance(data, str) or not data.startswith("data:image/png;base64,"):
        return None
    return base64.b64decode(data.split(",", 1)[1])


def copy_link() -> None:
    """A button that copies the address bar's link to this view."""
    _copy_link(key=Key.COPY_LINK)


def step_keys(on_key: Any) -> None:
    """Listen for the keys that move a lesson on (Right, Page Down, Space) or back (Left, Page Up);
    ``on_key(direction)`` is called with +1 or -1, as a callback: before the app reruns."""

    def pressed() -> None:
        step = _component_value(Key.STEP_KEYS, "step")
        if step in ("next", "back"):
            on_key(1 if step == "next" else -1)

    _step_keys(key=Key.STEP_KEYS, on_step_change=pressed)


def _component_value(key: str, name: str) -> Any:
    state = st.session_state.get(key)
    return state.get(name) if isinstance(state, dict) else getattr(state, name, None)


def leave_presentation() -> None:
    """A button out of presentation mode (which hides the sidebar and its toggle)."""
    st.button("Leave presentation mode", on_click=_stop_presenting, key=Key.LEAVE_PRESENTATION)


def _stop_presenting() -> None:
    st.session_state[Key.PRESENT] = False
