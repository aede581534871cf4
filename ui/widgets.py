"""Widgets several pages use: the test-digit picker, two models side by side, the image-upload reader,
the drawing pad."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st
import torch

import vae_core as vc
from ui import models
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


def pick_two_models(
    presets: dict[str, tuple[str, str]], keys: tuple[str, str, str], default: str | None = None
) -> tuple[ActiveModel, ActiveModel]:
    """Two models to compare side by side, from the sidebar picker's own list (shipped, uploaded,
    trained here), with one-click presets of shipped pairs (name -> (checkpoint, checkpoint)).

    ``keys``: the session keys of the preset control and the two select boxes. As a page first
    opens, the ``default`` preset is chosen. A model a preset names that is not installed is replaced
    by the sidebar's model (or the next one in the list), and a note says so."""
    preset_key, key_a, key_b = keys
    options = models.choices()

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
    try:
        return vc.preprocess_image(file.getvalue())
    except vc.ImageError as exc:
        st.error(f"{file.name}: {exc}")
        return None


def _component(name: str) -> Any:
    """A v2 component whose HTML, CSS and JavaScript are the files components/NAME.{html,css,js}."""
    html, css, js = ((COMPONENTS / f"{name}.{ext}").read_text() for ext in ("html", "css", "js"))
    return st.components.v2.component(f"vae_{name}", html=html, css=css, js=js)


_pad = _component("drawing_pad")


def drawing_pad(key: str) -> bytes | None:
    """A black square to draw a white digit on with mouse or finger; the drawing as PNG bytes."""
    result = _pad(key=key, on_image_change=lambda: None)
    data = getattr(result, "image", None)
    if not data or not isinstance(data, str) or not data.startswith("data:image/png;base64,"):
        return None
    return base64.b64decode(data.split(",", 1)[1])
