"""Interpolation: walk the latent space between two digits, straight (lerp) and round (slerp)."""

import numpy as np
import streamlit as st

import vae_core as vc
from ui import derived, links, models, svg, widgets
from ui.fragments import fragment
from ui.images import EXPORT_SIDES, enlarge, for_export, gif_bytes, png_bytes, png_uri
from ui.notes import explain
from ui.state import Key

active = models.active()
model = active.model
means = derived.encoded_test(active.key, active)[0]

source = st.segmented_control(
    "Choose the two digits",
    links.options(Key.INTERP_SOURCE),
    format_func=links.label(Key.INTERP_SOURCE),
    default=links.default(Key.INTERP_SOURCE),
    key=Key.INTERP_SOURCE,
    persist_state="session",
)
if source == "random":
    if st.button("New random pair") or Key.INTERP_PAIR not in st.session_state:
        st.session_state[Key.INTERP_PAIR] = np.random.default_rng().choice(len(means), 2, replace=False).tolist()
    pair = tuple(st.session_state[Key.INTERP_PAIR])
elif source == "upload":
    files = widgets.image_uploader("Two images of digits", Key.INTERP_FILES)
    ends = [x for x in (widgets.read_upload(f) for f in files[:2]) if x is not None]
    if len(ends) < 2:
        st.info(
            "Upload two images (PNG, JPEG, ...) to interpolate between them. A link to this view cannot carry them."
        )
        st.stop()
else:
    c1, c2 = st.columns(2)
    with c1:
        a = widgets.pick_test_digit(active, "From", Key.INTERP_FROM)
    with c2:
        b = widgets.pick_test_digit(active, "To", Key.INTERP_TO, default_class=1)
    pair = a, b
c1, c2 = st.columns([3, 1])
steps = c1.slider("Steps", *links.bounds(Key.INTERP_STEPS), key=Key.INTERP_STEPS, persist_state="session")
side = c2.select_slider("Download size (px high)", EXPORT_SIDES, 512, key=Key.INTERP_EXPORT, persist_state="session")

if source == "upload":
    found = derived.interpolation(model, ends, steps)
else:  # two test digits: kept, so a switch back here or a new step count computes nothing again
    found = derived.test_interpolation(active.key, active, pair, steps)
strips = {name: path.images for name, path in found.items()}
# Each path in one colour on the plane and on the chart: the straight one in the text's (on a light or dark theme).
colours = {"linear": "#fafafa" if st.context.theme.type == "dark" else "#31333f", "spherical": "#e6194b"}


def remember_t(t: float) -> None:
    """Where the scrubber was let go: the link carries it, and reopening it puts the scrubber there."""
    st.session_state[Key.INTERP_T] = t


@fragment
def scrubber() -> None:
    """The scrubber in a fragment of its own: letting it go reruns only this, to write t into the link."""
    codes = found["linear"].codes[[0, -1]].numpy()
    ends = codes[0].tolist(), codes[1].tolist()
    widgets.latent_scrub(
        active,
        Key.INTERP_SCRUB,
        {"linear": (*ends, "lerp"), "spherical": (*ends, "slerp")},
        at=st.session_state.get(Key.INTERP_T, links.default(Key.INTERP_T)),
        on_release=remember_t,
        plane=widgets.path_plane(active, codes, steps, ("from", "to"), list(colours.values())),
    )
    links.publish()


for name, images in strips.items():
    strip = vc.to_uint8(vc.tile(images, steps, pad=2))
    st.image(png_uri(enlarge(strip, 2)), caption=f"{name} interpolation", width="stretch")
    c1, c2, _ = st.columns([1, 1, 4])
    # Made when clicked, not on every rerun: a 512-px strip of 20 steps is 6 megapixels.
    c1.download_button(
        f"{name} strip (PNG)",
        lambda strip=strip: png_bytes(for_export(strip, side)),
        f"interpolation-{name}.png",
        "image/png",
    )
    c2.download_button(
        f"{name} walk (GIF)",
        lambda images=images: gif_bytes([for_export(vc.to_uint8(i), side) for i in images]),
        f"interpolation-{name}.gif",
        "image/gif",
    )

left, right = st.columns(2)
with left:
    st.caption(
        "Scrub t from one digit (0) to the other (1): your browser decodes both paths at every position, "
        "and moves their points over the test digits' encoder means"
        + (":" if model.latent_dim == 2 else " (on their first two principal components):")
    )
    scrubber()
with right:
    st.markdown(
        svg.line_chart(
            list(range(1, steps + 1)),
            {name: (path.negative_elbo.tolist(), colours[name]) for name, path in found.items()},
            "−ELBO of each decoded step (nats)",
            "step",
            "nats per image",
            "nats",
        ),
        unsafe_allow_html=True,
    )

explain(
    "slerp",
    "elbo",
    intro="Both digits are encoded to their posterior means; the path between them is decoded step by step.",
)
