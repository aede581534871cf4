"""The explorer's first view with no torch in its path and nothing else (bench.latency --first-view): the
ceiling of the app's own first view, which draws the latent pad from the default model's card before
it imports torch (docs/performance.md, "Start-up"), without the app's navigation, sidebar and
instructions: what the app could reach if those cost nothing.

The page: the heading and a model picker, then the latent pad given exactly what the explorer gives
it for the shipped default model (``ui.widgets.latent_pad_data``), its three files (component code,
decoder weights, test means) read from FIRST_VIEW_FILES, where ``write_files`` put them; then the
rest of the page imports torch and vae_core, as the real page would. The server is
harness/first_view_app.py: FIRST_VIEW_WARM=start runs the app's warm-up (ui.warmup) in a thread at
server start, as app.py once did; FIRST_VIEW_WARM=after runs it only once the first view has been sent,
as app.py now does.
Here, not in bench/, because it is not a benchmark but what one starts."""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # `streamlit run` puts harness/ there, not the root

from server import served  # noqa: E402
from ui import warmup  # noqa: E402

HEADING = "Latent explorer"  # the explorer's, so the page is ready when the explorer's would be
FILES = ("module", "decoder", "points")  # the pad's data entries that are URLs of files


def write_files(folder: Path) -> None:
    """Into ``folder``: the pad's data for the shipped default model at the explorer's default view, and
    the three files its URLs name, each under its served name. Run in the bench's process (it imports
    torch); the page then needs none."""
    from ui import derived, models, widgets

    active = models.shipped(models.DEFAULT_CHECKPOINT)
    data = widgets.latent_pad_data(active, (0, 1), (0.0, 0.0), max(4.0, derived.GRID_EXTENT + 1.0), 0.1)
    for entry in FILES:
        name = data[entry].rsplit("/", 1)[-1]
        (folder / name).write_bytes(served.named(name).data)
    (folder / "data.json").write_text(json.dumps(data))


@st.cache_resource(show_spinner=False)
def warm_up_once() -> threading.Thread:
    thread = threading.Thread(target=warmup.warm_up, name="warm-up", daemon=True)
    thread.start()
    return thread


if __name__ == "__main__":  # as the server runs it
    folder = Path(os.environ["FIRST_VIEW_FILES"])
    st.set_page_config(page_title="VAE Latent Explorer", layout="wide")
    with st.sidebar:
        st.selectbox("Model", ["the shipped default"])
    st.title(HEADING)
    data = json.loads((folder / "data.json").read_text())
    for entry in FILES:
        name = data[entry].rsplit("/", 1)[-1]
        data[entry] = served.url(f"first-view:{name}", name.rsplit(".", 1)[1], (folder / name).read_bytes)
    parts = {ext: (ROOT / "ui" / "components" / f"latent_pad.{ext}").read_text() for ext in ("html", "css")}
    pad = st.components.v2.component(
        "vae_latent_pad", js=(ROOT / "ui" / "components" / "loader.js").read_text(), **parts
    )
    if os.environ.get("FIRST_VIEW_WARM") == "after" and "torch" in sys.modules:  # the measure would be void
        raise RuntimeError("torch was imported before the first view was sent")
    pad(key="pad", data=data)
    if os.environ.get("FIRST_VIEW_WARM") == "after":
        warm_up_once()
    import torch  # noqa: F401  the rest of the page waits for torch and the model

    import vae_core  # noqa: F401

    st.caption("the rest of the page")
