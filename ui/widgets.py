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


def drawing_pad(key: str) -> bytes | None:
    """A black square to draw a white digit on with mouse or finger; the drawing as PNG bytes."""
    result = _pad(key=key, on_image_change=lambda: None)
    data = getattr(result, "image", None)
    if not data or not isinstance(data, str) or not data.startswith("data:image/png;base64,"):
        return None
    return base64.b64decode(data.split(",", 1)[1])
