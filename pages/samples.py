"""Samples: a grid of images decoded from z ~ p(z), the model's prior."""

import numpy as np
import streamlit as st

import vae_core as vc
from ui import derived, links, models
from ui.fragments import fragment
from ui.images import EXPORT_SIDES, enlarge, for_export, png_bytes, png_uri
from ui.notes import explain
from ui.state import Key

active = models.active()
model = active.model


@fragment
def samples() -> None:
    c1, c2, c3 = st.columns(3)
    n = c1.slider("Grid side", *links.bounds(Key.SAMPLES_N), key=Key.SAMPLES_N, persist_state="session")
    seed = c2.number_input("Seed", *links.bounds(Key.SAMPLES_SEED), key=Key.SAMPLES_SEED, persist_state="session")
    temperature = c3.slider("Temperature", *links.bounds(Key.SAMPLES_T), key=Key.SAMPLES_T, persist_state="session")
    c1, c2 = st.columns([2, 1])
    show = c1.radio(
        "Show",
        links.options(Key.SAMPLES_PIXELS),
        format_func=links.label(Key.SAMPLES_PIXELS),
        horizontal=True,
        key=Key.SAMPLES_PIXELS,
        persist_state="session",
    )
    sampled_pixels = show == "draw"
    side = c2.select_slider("Download size (px)", EXPORT_SIDES, 512, key=Key.SAMPLES_EXPORT, persist_state="session")
    grid = derived.prior_samples(active.key, active, n, int(seed), temperature, sampled_pixels)
    st.image(
        png_uri(enlarge(grid, 2)),
        caption=f"{n * n} samples, z from the prior ({model.prior.describe()}) with its spread × {temperature:.2f}, "
        f"seed {seed}",
        width=min(700, 56 * n),
    )
    st.download_button(
        "Download PNG", lambda: png_bytes(for_export(grid, side)), f"samples-seed{seed}.png", "image/png"
    )
    parameters = derived.prior_parameters(active.key, active, n, int(seed), temperature)
    if parameters:
        likelihood_parameters(parameters, n)
    if st.toggle(
        "Show each sample's nearest training image",
        key=Key.SAMPLES_NEAREST,
        persist_state="session",
        help="Searches all training images, by Euclidean distance between the pixels: is a sample new, "
        "or a copy of a digit the model learnt from?",
    ):
        nearest_training(
            derived.prior_images(active.key, active, n, int(seed), temperature, sampled_pixels), sampled_pixels
        )
    links.publish()


def likelihood_parameters(parameters: dict[str, tuple[np.ndarray, float, float]], n: int) -> None:
    """The decoder's own parameters for the same codes, each stretched over black to white: for the
    continuous Bernoulli, lambda is not the mean (Loaiza-Ganem & Cunningham's Figure 2)."""
    st.markdown(f"**The likelihood's parameters for the same codes** ({model.likelihood.label})")
    columns = st.columns(len(parameters))
    for column, (label, (tile, low, high)) in zip(columns, parameters.items(), strict=True):
        column.image(
            png_uri(tile),
            caption=f"{label}: black {low:.3g}, white {high:.3g}",
            width=min(700, 56 * n) // len(parameters),  # together as wide as the samples above
        )
    st.caption(model.likelihood.parameters_note)


def nearest_training(images: np.ndarray, drawn: bool) -> None:
    """Each sample above its nearest training image, with their distance, beside how far new digits
    (the test split) are from theirs."""
    indices, distances, matches = derived.nearest_training(active.key, active, images)
    reference = derived.training_set_distances(model.config.dataset)
    low, middle, high = np.percentile(reference, [5, 50, 95])
    closer = int((distances < low).sum())
    c1, c2, c3 = st.columns(3)
    c1.metric("Median distance: these samples", f"{np.median(distances):.2f}")
    c2.metric(
        "Median distance: new test digits",
        f"{middle:.2f}",
        help=f"{len(reference):,} test digits, each to its nearest training image; 5-95 %: {low:.2f}-{high:.2f}",
    )
    c3.metric(
        "Samples nearer than 95 % of test digits",
        f"{closer} of {len(distances)}",
        help=f"A distance below {low:.2f}: as close as only the 5 % nearest test digits come. Many would "
        "suggest copies of training images.",
    )
    line = np.full((1, 28), 110, np.uint8)  # a grey rule between the sample and its match
    pairs = [np.concatenate([vc.to_uint8(sample), line, match]) for sample, match in zip(images, matches, strict=True)]
    st.image(
        [png_uri(enlarge(pair, 3)) for pair in pairs],
        caption=[f"#{i} · {d:.2f}" for i, d in zip(indices, distances, strict=True)],
        width=84,
    )
    noise = (
        " Drawn pixels carry the likelihood's own noise in every pixel, which puts them further from any image "
        "than the means are."
        if drawn
        else " The means are smoother than handwritten digits, which shortens Euclidean distances a little."
    )
    st.caption(
        f"Each sample above its nearest of the {len(derived.dataset(model.config.dataset, True)[0]):,} training "
        "images; caption: that image's index in the training split, then the distance (Euclidean, grey levels "
        f"0-1: 1 is one pixel from black to white). A new test digit is typically {middle:.2f} from its nearest "
        f"training image: a sample about as far is as new as a digit somebody else wrote.{noise}"
    )


samples()
explain(
    "elbo",
    "pixels",
    intro=r"Each image is decoded from $z = T\,\varepsilon$, $\varepsilon\sim\mathcal N(0,I)$, for the standard "
    r"normal prior (for a mixture prior: a component's mean plus $T$ times its spread). "
    "A temperature below 1 stays near the centre of the prior: more typical, less varied digits.",
)
