"""Reconstruct your image: upload or draw a digit; see it prepared like MNIST, reconstructed and placed."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

import vae_core as vc
from ui import derived, links, models, widgets
from ui.charts import DIGITS, LEGEND, ellipse, scatter_figure
from ui.derived import UploadScore
from ui.images import heatmap, png_uri, square
from ui.notes import explain
from ui.state import Key
from vae_core import preprocess

ATYPICAL_PERCENTILE = 99  # as atypical as the least typical 1 % of test digits: perhaps not a digit

active = models.active()


def maths_panel() -> None:
    explain(
        "iwae",
        "elbo",
        intro="Preprocessing follows how MNIST was made: grey levels, light ink on black, cropped, "
        "scaled to fit 20 x 20 keeping the aspect ratio, then centred by its centre of mass in 28 x 28.",
    )


def typicality(result: UploadScore) -> None:
    """The percentile, a warning when the input is as atypical as the least typical 1 %, and the
    plain second opinion: does it look like a digit at all, whatever the model's score."""
    st.metric(
        "Less typical than",
        f"{result.percentile:.0f}% of test digits",
        help=f"Of the {derived.ANOMALY_IMAGES:,} test digits the Anomaly page compares with, the share "
        "with a lower -ELBO (each scored like this image: one posterior sample, seed 0).",
    )
    if result.percentile >= ATYPICAL_PERCENTILE:
        st.warning(
            "As atypical as the least typical 1 % of test digits: this may not be a digit, "
            "or not one drawn the way MNIST's were."
        )
    if result.doubts:
        st.warning("**Second opinion:** " + "; ".join(result.doubts) + ".")
    else:
        ranges = preprocess.MNIST_RANGES
        st.caption(
            f"Second opinion: looks like a digit. Its colour, amount of ink, pieces of ink and centring are "
            f"all within what {100 - preprocess.CALIBRATION_PERCENT:g}% of {ranges.images:,} MNIST test digits show."
        )


def show(name: str, result: UploadScore, k: int, number: int) -> None:
    """Every preprocessing stage, the reconstruction, the figures, and where the input lands."""
    st.subheader(name)
    steps = result.steps
    stages = [
        ("as uploaded", steps.grey),
        ("light on dark" + (" (inverted)" if steps.inverted else ""), steps.normalised),
        ("cropped to the ink", steps.cropped),
        ("fit in 20 x 20", steps.fitted),
        ("centred, 28 x 28", steps.centred),
        ("reconstruction", result.recon),
    ]
    cols = st.columns(7)
    for col, (caption, image) in zip(cols[:6], stages, strict=True):
        col.image(png_uri(square(vc.to_uint8(image))), caption=caption, width="stretch")
    cols[6].image(png_uri(heatmap(np.abs(steps.centred - result.recon))), caption="|error|", width="stretch")

    iwae = derived.iwae_nats(active, result.x, k)
    terms = result.terms
    c1, c2, c3 = st.columns(3)
    parts = f"reconstruction {float(terms.reconstruction):.1f} + KL {float(terms.kl):.1f}"
    c1.metric("-ELBO (nats)", f"{float(terms.negative_elbo):.1f}", help=parts)
    c2.metric(f"-log p(x), IWAE k={k}", f"{iwae:.1f}")
    with c3:
        typicality(result)
    placement(name, result, number)
    widgets.explore_from_here(active, name, result.mean.tolist(), f"{Key.RECON_EXPLORE}_{number}")


def placement(name: str, result: UploadScore, number: int) -> None:
    """The posterior mean and its 1σ ellipse over the test digits, and zoomed in on the ellipse."""
    mu, cov = result.mean, np.diag(np.exp(result.logvar))
    if pca is not None:
        mu, cov = pca.transform(mu[None])[0], pca.components_ @ cov @ pca.components_.T
    outline = ellipse(mu, cov)
    spread = max(4 * float(np.sqrt(np.linalg.eigvalsh(cov).max())), 0.25)  # zoom: 4σ, at least ±0.25
    axes = ("z1", "z2") if pca is None else ("principal component 1", "principal component 2")
    left, right = st.columns([3, 2])
    for column, zoomed in ((left, False), (right, True)):
        title = "Zoomed in on the 1σ ellipse" if zoomed else "Where it lands: posterior mean and 1σ ellipse"
        fig = scatter_figure(coords, labels[indices], indices, active.class_names, title, 420, axes)
        # WebGL, added after the points: an SVG trace would be drawn under the WebGL layer and hidden.
        fig.add_trace(
            go.Scattergl(x=outline[:, 0], y=outline[:, 1], mode="lines", line=dict(color="black", width=3), name="1σ")
        )
        fig.add_trace(
            go.Scattergl(
                x=[mu[0]],
                y=[mu[1]],
                mode="markers",
                name=name,
                marker=dict(symbol="star", size=22, color="gold", line=dict(color="black", width=1.5)),
            )
        )
        fig.update_layout(showlegend=True, legend=LEGEND)
        if zoomed:
            fig.update_xaxes(range=[mu[0] - spread, mu[0] + spread])
            fig.update_yaxes(range=[mu[1] - spread, mu[1] + spread])
            fig.update_traces(marker=dict(size=9), selector=DIGITS)
        column.plotly_chart(fig, key=f"{Key.RECON_SCATTER}_{number}_{int(zoomed)}")


# A link (a lesson's step: input = "draw") can open the drawing tab; the address follows the tab chosen.
upload_tab, draw_tab = st.tabs(links.options(Key.RECON_INPUT), key=Key.RECON_INPUT, on_change="rerun")
inputs: list[tuple[str, bytes]] = []
with draw_tab:
    pad, beside = st.columns([1, 2])
    with pad:
        drawn = widgets.drawing_pad(Key.RECON_PAD, active)
    if drawn:
        inputs.append(("your drawing", drawn))
with upload_tab:
    inputs += [(f.name, f.getvalue()) for f in widgets.image_uploader("Images of digits", Key.RECON_FILES)]
if not inputs:
    with beside:
        st.info("Draw a digit with the mouse or a finger: its reconstruction appears here.")
    st.info("Upload one or more images, or draw a digit, to see how the model sees it.")
    maths_panel()
    st.stop()

means, logvars, labels = derived.encoded_test(active.key, active)
coords, indices, pca = derived.projection(active.key, active, "pca", len(means))
k = st.select_slider(
    "IWAE samples k", links.options(Key.RECON_K), links.default(Key.RECON_K), key=Key.RECON_K, persist_state="session"
)

for number, (name, data) in enumerate(inputs[:12]):
    try:
        result = derived.score_upload(active, data)
    except vc.ImageError as exc:
        st.error(f"{name}: {exc}")
        continue
    if name == "your drawing":  # the newest result, beside the pad that made it
        with beside:
            c1, c2 = st.columns(2)
            c1.image(png_uri(vc.to_uint8(result.steps.centred)), caption="as the model sees it", width=168)
            c2.image(png_uri(vc.to_uint8(result.recon)), caption="reconstruction", width=168)
            st.metric("-ELBO (nats)", f"{float(result.terms.negative_elbo):.1f}")
            typicality(result)
            widgets.explore_from_here(active, name, result.mean.tolist(), f"{Key.RECON_EXPLORE}_pad")
    show(name, result, k, number)

maths_panel()
