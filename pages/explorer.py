"""Latent explorer: drag a point over the latent plane and watch the digit morph (decoded in the browser,
every frame), or move it with two sliders; the server's decode and the manifold beside it.

The pad comes first and needs no torch: a 2-D shipped model's pad is drawn from its card (ui.cards), and
the model is loaded after it (``active.model``), so a fresh server's first view is up while torch is
still being imported (docs/performance.md, "Start-up"). Nothing this page imports imports torch."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

import vae_core as vc
from ui import browser_files, derived, links, models, widgets
from ui.fragments import fragment
from ui.images import nearest_cell, png_uri
from ui.notes import explain
from ui.state import Key

if TYPE_CHECKING:
    import torch

LOWER_DRAWS = 6  # decodes of a hierarchy's point with its lower levels drawn
active = models.active()
latent_dim = active.card.latent_dim
widgets.instructions(
    "Drag the point on the pad: your browser runs the decoder on every frame, so the digit morphs as you move. "
    "Let go and the sliders, the server's image and the grid follow. The sliders move the point too "
    "(arrow keys on a focused slider; Shift + arrow, or Page Up / Down, jumps a tenth of the range).",
    touch="Drag the point on the pad with your finger: your phone runs the decoder on every frame, so the digit "
    "morphs as you move. Lift your finger and the sliders, the server's image and the grid follow. "
    "Dragging a slider's handle moves the point too.",
)

dims, base = (0, 1), None
with st.sidebar, widgets.control_group("grid"):  # the heading goes where a lesson hides the grid's controls
    st.header("Grid")
    n = st.slider("Grid size (N x N)", *links.bounds(Key.GRID_N), key=Key.GRID_N, persist_state="session")
    spacing = st.radio(
        "Spacing",
        links.options(Key.GRID_SPACING),
        key=Key.GRID_SPACING,
        persist_state="session",
        format_func={"linear": "even in z", "normal": "inverse normal CDF"}.get,
        horizontal=True,
    )
    extent = st.slider(
        "Range ±",
        *links.bounds(Key.GRID_EXTENT),
        key=Key.GRID_EXTENT,
        persist_state="session",
        disabled=spacing == "normal",
    )
    if latent_dim > 2:  # which two dimensions the pad shows needs the model's usage figures: the pad waits for them
        usage, measure = derived.dimension_usage(active.key, active)
        by_use = [int(d) for d in np.argsort(-usage)]  # the most used first: they draw different digits

        def label(d: int) -> str:
            return f"z{d + 1} ({measure} {usage[d]:.2f})"

        d1 = st.selectbox(
            "Pad / slider / grid x: dimension", by_use, 0, format_func=label, key=Key.DIM_X, persist_state="session"
        )
        d2 = st.selectbox(
            "Pad / slider / grid y: dimension",
            [d for d in by_use if d != d1],
            0,
            format_func=label,
            key=Key.DIM_Y,
            persist_state="session",
        )
        dims = (int(d1), int(d2))
        sent = st.session_state.get(Key.HOLD_CODE)
        if sent is not None and len(sent[1]) != latent_dim:
            sent = None  # sent for another model
        holds = links.options(Key.HOLD) + ([widgets.EXPLORE_MINE] if sent else [])
        if st.session_state.get(Key.HOLD) not in holds:
            st.session_state[Key.HOLD] = holds[0]
        named = links.label(Key.HOLD)
        hold = st.radio(
            "Other dimensions held at",
            holds,
            format_func=lambda hold: widgets.EXPLORE_MINE_LABEL if hold == widgets.EXPLORE_MINE else named(hold),
            key=Key.HOLD,
            persist_state="session",
        )
        if hold == widgets.EXPLORE_MINE:
            base = sent[1]
            st.caption(f"held at the posterior mean of {sent[0]}, sent from Reconstruct")
        elif hold == "digit":
            index = widgets.pick_test_digit(active, "Digit", Key.HOLD_DIGIT)
            base = tuple(float(v) for v in derived.encoded_test(active.key, active)[0][index])

    fine = st.toggle("Fine steps (0.01)", key=Key.FINE_STEPS, persist_state="session")

if st.session_state.pop(Key.EXPLORE_FROM, False) and Key.HOLD_CODE in st.session_state:
    code = st.session_state[Key.HOLD_CODE][1]  # Reconstruct's "Explore from here": start the pad on that digit
    if len(code) == latent_dim:
        st.session_state[Key.Z_X], st.session_state[Key.Z_Y] = (round(code[d], 2) for d in dims)
limit = max(4.0, vc.grid_edge(n, extent=extent, spacing=spacing) + 1.0)  # the sliders reach one past the grid


# What the fragment below needs from the model, read on first use after its pad is drawn, then kept for this
# run of the page: a slider press reruns only the fragment, and must not copy them out of the caches again.
@functools.cache
def test_means() -> np.ndarray:
    return derived.encoded_test(active.key, active)[0]


@functools.cache
def manifold() -> tuple[np.ndarray, np.ndarray]:
    """(the grid's axis, the decoded grid as one image)."""
    axis = vc.grid_axis(n, extent=extent, spacing=spacing).numpy()
    return axis, derived.manifold(active.key, active, n, extent, spacing, dims, base)


def released(x: float, y: float) -> None:
    """The pad was let go of at (x, y): the sliders take it before the fragment reruns."""
    st.session_state[Key.Z_X], st.session_state[Key.Z_Y] = x, y


def lower_levels(model: vc.VAE, z: torch.Tensor) -> None:
    """A hierarchy's levels below the point: at their conditional means (what the pad, the image and the grid
    decode), or drawn from p(z_l | z_{l+1}), six times (vae_core.hierarchy)."""
    drawn = st.toggle(
        "Draw the levels below the top",
        key=Key.LOWER_DRAWN,
        persist_state="session",
        help="This model's code has levels below the one you move: the images take them at their mean given the "
        "point; drawn, they show what the point leaves open (What each level encodes, under Theory).",
    )
    if drawn:
        images = vc.hierarchy.decode_drawn(model, z, LOWER_DRAWS, random_state=0)
        # Here z1, z2 name the point's two coordinates, so the levels below are named by their sizes.
        below = " and ".join(f"{size}-D" for size in model.levels[1:])
        st.image(
            png_uri(vc.to_uint8(vc.tile(images, LOWER_DRAWS, pad=1))),
            caption=f"the same point, the {below} level below drawn from its p(· | the point) {LOWER_DRAWS} times "
            "(seed 0)",
            width=min(560, 29 * LOWER_DRAWS * 2),
        )


@fragment
def explorer() -> None:
    left, right = st.columns([3, 2])
    with left:
        step = 0.01 if fine else 0.1
        for key in (Key.Z_X, Key.Z_Y):  # a link or a wider grid may have left z beyond this grid's sliders
            if abs(st.session_state.get(key, 0.0)) > limit:
                st.session_state[key] = float(np.clip(st.session_state[key], -limit, limit))
        point = (st.session_state.get(Key.Z_X, 0.0), st.session_state.get(Key.Z_Y, 0.0))
        widgets.latent_pad(active, Key.LATENT_PAD, dims, point, limit, step, released, base)
        # The range follows the grid (links.Z_REACH), within the one the link parameters declare.
        z1 = st.slider(
            f"z{dims[0] + 1}", -limit, limit, links.default(Key.Z_X), step, key=Key.Z_X, persist_state="session"
        )
        z2 = st.slider(
            f"z{dims[1] + 1}", -limit, limit, links.default(Key.Z_Y), step, key=Key.Z_Y, persist_state="session"
        )
        with st.expander("Draw a digit: watch its posterior on the pad"):
            widgets.drawing_pad(Key.EXPLORE_DRAW, active, compact=True)
        model = active.model  # loaded only now: the pad above is drawn from the model's card
        means = test_means()
        z = derived.tensor([0.0] * latent_dim if base is None else base)
        z[dims[0]], z[dims[1]] = z1, z2
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
        image = derived.decoded(active.key, active, tuple(z.tolist()))
        # 28 x 28 sent, 168 x 168 shown: the browser enlarges it with crisp pixels (ui/style.css).
        st.image(png_uri(image), caption=f"decoded at z = ({z1:.2f}, {z2:.2f}) by the server (PyTorch)", width=168)
        if len(model.levels) > 1:
            lower_levels(model, z)
        axis, grid = manifold()
        row, col, inside = nearest_cell(axis, z1, z2)
        where = "the point" if inside else "the cell nearest the point, which is off the grid"
        url = browser_files.manifold_url(active, grid, (n, extent, spacing, dims, base))
        widgets.marked_grid(url, n, (row, col), min(560, 28 * n), f"{n} x {n} manifold; the red square is {where}")
    links.publish()


explorer()
explain("elbo", "reparam", "grid", intro="Each image is the decoder's mean $\\mathbb E[x\\mid z]$ for the chosen $z$.")
