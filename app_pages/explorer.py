"""Latent explorer: move a point with two sliders and watch the decoder draw it; the manifold beside it."""

import numpy as np
import streamlit as st
import torch

import ui
import vae_core as vc

active = ui.active_model()
model = active.model
st.title("Latent explorer")
st.caption("Move z with the sliders: the decoder draws the image for that point, live.")

means, _, labels = ui.encoded_test(active.key, active)
dims, base = (0, 1), None
with st.sidebar:
    st.header("Grid")
    n = st.slider("Grid size (N x N)", 5, 30, ui.GRID_SIZE, key="grid_n", persist_state="session")
    spacing = st.radio(
        "Spacing",
        ["linear", "normal"],
        key="grid_spacing",
        persist_state="session",
        format_func={"linear": "even in z", "normal": "inverse normal CDF"}.get,
        horizontal=True,
    )
    extent = st.slider(
        "Range ±",
        1.0,
        6.0,
        ui.GRID_EXTENT,
        0.5,
        key="grid_extent",
        persist_state="session",
        disabled=spacing == "normal",
    )
    if model.latent_dim > 2:
        d1 = st.selectbox(
            "Slider / grid x: dimension", range(model.latent_dim), 0, key="dim_x", persist_state="session"
        )
        d2 = st.selectbox(
            "Slider / grid y: dimension",
            [d for d in range(model.latent_dim) if d != d1],
            0,
            key="dim_y",
            persist_state="session",
        )
        dims = (int(d1), int(d2))
        hold = st.radio("Other dimensions held at", ["0", "an encoded test digit"], key="hold", persist_state="session")
        if hold != "0":
            index = ui.pick_test_digit(active, "Digit", "hold_digit")
            base = tuple(float(v) for v in means[index])

grid = ui.manifold(active.key, active, n, extent, spacing, dims, base)
axis = vc.grid_axis(n, extent, spacing).numpy()
limit = max(4.0, abs(float(axis[0])) + 1.0)


@st.fragment
def explorer() -> None:
    left, right = st.columns([2, 3])
    with left:
        z1 = st.slider(f"z{dims[0] + 1}", -limit, limit, 0.0, 0.05, key="z_x", persist_state="session")
        z2 = st.slider(f"z{dims[1] + 1}", -limit, limit, 0.0, 0.05, key="z_y", persist_state="session")
        z = torch.zeros(model.latent_dim) if base is None else torch.tensor(base)
        z[dims[0]], z[dims[1]] = z1, z2
        image = ui.to_uint8(vc.decode(model, z[None])[0])
        # 28 x 28 sent, 280 x 280 shown: the browser enlarges it with crisp pixels (ui's CSS).
        st.image(ui.png_uri(image), caption=f"decoded at z = ({z1:.2f}, {z2:.2f})", width=280)
        nearest = float(np.sqrt(((means[:, list(dims)] - [z1, z2]) ** 2).sum(1)).min())
        if max(abs(z1), abs(z2)) > 3:
            st.warning(
                "Outside ±3: the prior puts almost no mass here, so the decoder was never trained on such codes."
            )
        elif nearest > 0.75:
            st.warning(
                f"No test digit encodes near here (nearest mean {nearest:.2f} away): an empty region of the data."
            )
    with right:
        st.image(
            ui.png_uri(_mark(grid, axis, z1, z2)),
            caption=f"{n} x {n} manifold; the red square is the slider point",
            width=min(560, 28 * n),
        )


def _mark(grid: np.ndarray, axis: np.ndarray, z1: float, z2: float) -> np.ndarray:
    """The grid in RGB with a red frame round the cell nearest the point (none if it is off the grid)."""
    rgb = np.repeat(grid[..., None], 3, axis=2)
    if not (axis[0] - 0.5 <= z1 <= axis[-1] + 0.5 and axis[0] - 0.5 <= z2 <= axis[-1] + 0.5):
        return rgb
    col = int(np.abs(axis - z1).argmin())
    row = len(axis) - 1 - int(np.abs(axis - z2).argmin())
    y, x = row * 28, col * 28
    for t in range(2):
        rgb[y + t, x : x + 28] = rgb[y + 27 - t, x : x + 28] = (230, 30, 30)
        rgb[y : y + 28, x + t] = rgb[y : y + 28, x + 27 - t] = (230, 30, 30)
    return rgb


explorer()
ui.explain(
    "elbo", "reparam", "grid", intro="Each image is the decoder's mean $\\mathbb E[x\\mid z]$ for the chosen $z$."
)
