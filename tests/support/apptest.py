"""The real app under Streamlit's AppTest: the navigation script, on any screen of the registry."""

from __future__ import annotations

import base64
import html
import io
import json
import os
import re
import time
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from PIL import Image
from streamlit.testing.v1 import AppTest

import vae_core as vc
from server import served
from ui import registry

NAVIGATION = str(registry.NAVIGATION)


def page_path(file: str) -> str:
    """A page's path as AppTest wants it: relative to the navigation script (ui/)."""
    return os.path.relpath(registry.screen(file).path, os.path.dirname(NAVIGATION))


def app(file: str = registry.DEFAULT.file) -> AppTest:
    """The app run once and switched to the page in pages/``file``; fails on any exception."""
    at = AppTest.from_file(NAVIGATION, default_timeout=120)
    at.run()
    if file != registry.DEFAULT.file:
        at.switch_page(page_path(file)).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def wait_for(at: AppTest, done: Callable[[AppTest], bool], timeout: float, every: float = 1.0) -> None:
    """Rerun every ``every`` seconds until ``done(at)`` (a training's end, say); fails on any exception
    or once ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while not done(at):
        assert time.monotonic() < deadline, "training did not finish in time"
        time.sleep(every)
        at.run()
        assert not at.exception, [e.value for e in at.exception]


def upload_checkpoint(at: AppTest, name: str, model: vc.VAE) -> str:
    """Upload ``model`` as a checkpoint in the sidebar; returns the sidebar's model then (an upload
    becomes the active model)."""
    at.sidebar.file_uploader(key="ckpt_upload").set_value(
        (name, vc.checkpoint_bytes(model), "application/octet-stream")
    ).run()
    return at.sidebar.selectbox(key="model_key").value


class MarkedGrid(NamedTuple):
    url: str
    image: np.ndarray  # what the URL serves, as the browser gets it
    cell: tuple[int, int]  # the framed cell (row, column; row 0 at the top), read back from the frame's place
    caption: str


def marked_grid(at: AppTest) -> MarkedGrid:
    """The run's grid with a framed cell (ui.widgets.marked_grid: the explorer's manifold)."""
    body = next(h.proto.body for h in at.get("html") if 'class="marked-grid"' in h.proto.body)
    url = re.search(r'src="([^"]+)"', body).group(1)
    left, top, share = (float(re.search(rf"{side}: ([0-9.]+)%", body).group(1)) for side in ("left", "top", "width"))
    image = np.asarray(Image.open(io.BytesIO(served.named(url.rsplit("/", 1)[-1]).data)))
    caption = html.unescape(re.search(r'alt="([^"]*)"', body).group(1))
    return MarkedGrid(url, image, (round(top / share), round(left / share)), caption)


def svg_chart_values(at: AppTest) -> dict[str, list[float]]:
    """The run's SVG line chart (ui.svg.line_chart), read back from the words each point shows on hover
    ("name, step 4: 155.2 nats"): each curve's values in order."""
    body = next(m.value for m in at.markdown if 'class="svg-chart"' in m.value)
    found: dict[str, list[float]] = {}
    for name, value in re.findall(r"<title>([^<,]+), [^:<]+: (-?[0-9.]+) [^<]*</title>", body):
        found.setdefault(html.unescape(name), []).append(float(value))
    return found


def images_of(at: AppTest) -> list[str]:
    """Every image URL the run shows, in order."""
    return [url for image in at.get("image") for url in image.value]


def opened(query: dict[str, str], file: str = registry.DEFAULT.file) -> AppTest:
    """A fresh session opened with a link to ``file`` carrying ``query``."""
    at = AppTest.from_file(NAVIGATION, default_timeout=120)
    if file != registry.DEFAULT.file:
        at.switch_page(page_path(file))
    at.query_params.update(query)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def array(data: list | dict) -> np.ndarray:
    """A plotly trace's data as numbers: plotly sends numpy arrays as base64 typed arrays."""
    if isinstance(data, dict):
        values = np.frombuffer(base64.b64decode(data["bdata"]), dtype=np.dtype(data["dtype"]))
        shape = data.get("shape")
        return values.reshape([int(n) for n in str(shape).split(",")]) if shape else values
    return np.asarray(data)


def chart(at: AppTest, key: str) -> dict:
    """The plotly figure (as JSON) of the chart with this key."""
    return json.loads(next(c for c in at.get("plotly_chart") if c.proto.id.endswith(f"-{key}")).proto.spec)
