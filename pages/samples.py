"""Samples: a grid of images decoded from z ~ p(z), the model's prior."""

import streamlit as st

import vae_core as vc
from ui import models
from ui.images import enlarge, png_bytes, png_uri, to_uint8
from ui.notes import explain
from ui.state import Key

active = models.active()


@st.fragment
def samples() -> None:
    c1, c2, c3 = st.columns(3)
    n = c1.slider("Grid side", 3, 12, 7, key=Key.SAMPLES_N, persist_state="session")
    seed = c2.number_input("Seed", 0, 2**31 - 1, 0, key=Key.SAMPLES_SEED, persist_state="session")
    temperature = c3.slider("Temperature", 0.1, 2.0, 1.0, 0.05, key=Key.SAMPLES_T, persist_state="session")
    images = vc.sample_prior(active.model, n * n, int(seed), temperature)
    grid = to_uint8(vc.tile(images, n, pad=2))
    st.image(
        png_uri(enlarge(grid, 2)),
        caption=f"{n * n} samples, z ~ N(0, {temperature:.2f}² I), seed {seed}",
        width=min(700, 56 * n),
    )
    st.download_button("Download PNG", png_bytes(grid), f"samples-seed{seed}.png", "image/png")


samples()
explain(
    "elbo",
    intro=r"Each image is $\mathbb E[x\mid z]$ for $z = T\,\varepsilon$, $\varepsilon\sim\mathcal N(0,I)$. "
    "A temperature below 1 stays near the centre of the prior: more typical, less varied digits.",
)
