"""Samples: a grid of images decoded from z ~ p(z), the model's prior."""

import streamlit as st
import torch

import vae_core as vc
from ui import links, models
from ui.images import EXPORT_SIDES, enlarge, for_export, png_bytes, png_uri, to_uint8
from ui.notes import explain
from ui.state import Key

active = models.active()
model = active.model
MEAN, DRAW = links.options(Key.SAMPLES_PIXELS)


@st.fragment
def samples() -> None:
    c1, c2, c3 = st.columns(3)
    n = c1.slider("Grid side", 3, 12, 7, key=Key.SAMPLES_N, persist_state="session")
    seed = c2.number_input("Seed", 0, 2**31 - 1, 0, key=Key.SAMPLES_SEED, persist_state="session")
    temperature = c3.slider("Temperature", 0.1, 2.0, 1.0, 0.05, key=Key.SAMPLES_T, persist_state="session")
    c1, c2 = st.columns([2, 1])
    show = c1.radio("Show", [MEAN, DRAW], horizontal=True, key=Key.SAMPLES_PIXELS, persist_state="session")
    side = c2.select_slider("Download size (px)", EXPORT_SIDES, 512, key=Key.SAMPLES_EXPORT, persist_state="session")
    images = vc.sample_prior(model, n * n, int(seed), temperature)
    if show == DRAW:
        images = vc.sample_pixels(model, images, torch.Generator().manual_seed(int(seed)))
    grid = to_uint8(vc.tile(images, n, pad=2))
    prior = "N(0, I)" if model.prior.standard_normal else f"the {model.config.prior} prior"
    st.image(
        png_uri(enlarge(grid, 2)),
        caption=f"{n * n} samples, z from {prior} with its spread × {temperature:.2f}, seed {seed}",
        width=min(700, 56 * n),
    )
    st.download_button(
        "Download PNG", lambda: png_bytes(for_export(grid, side)), f"samples-seed{seed}.png", "image/png"
    )
    links.publish()


with st.container():  # a slot of the page's own, as on pages/explorer.py
    samples()
explain(
    "elbo",
    "pixels",
    intro=r"Each image is decoded from $z = T\,\varepsilon$, $\varepsilon\sim\mathcal N(0,I)$, for the standard "
    r"normal prior (for a mixture prior: a component's mean plus $T$ times its spread). "
    "A temperature below 1 stays near the centre of the prior: more typical, less varied digits.",
)
