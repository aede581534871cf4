"""Reconstruct your image: upload or draw a digit; see it prepared like MNIST, reconstructed and placed."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

import vae_core as vc
from ui import derived, models, widgets
from ui.charts import ellipse, scatter_figure
from ui.images import heatmap, png_uri, square, to_uint8
from ui.notes import explain
from ui.state import Key

active = models.active()
model = active.model


def maths_panel() -> None:
    explain(
        "iwae",
        "elbo",
        intro="Preprocessing follows how MNIST was made: grey levels, light ink on black, cropped, "
        "scaled to fit 20 x 20 keeping the aspect ratio, then centred by its centre of mass in 28 x 28.",
    )


upload_tab, draw_tab = st.tabs(["Upload images", "Draw a digit"])
inputs: list[tuple[str, bytes]] = []
with upload_tab:
    files = st.file_uploader(
        f"Images of digits (PNG, JPEG, GIF, BMP, TIFF, WebP; up to {widgets.UPLOAD_LIMIT_MB} MB each)",
        accept_multiple_files=True,
        key=Key.RECON_FILES,
        max_upload_size=widgets.UPLOAD_LIMIT_MB,
    )
    inputs += [(f.name, f.getvalue()) for f in files or []]
with draw_tab:
    drawn = widgets.drawing_pad(Key.RECON_PAD)
    if drawn:
        inputs.append(("your drawing", drawn))
if not inputs:
    st.info("Upload one or more images, or draw a digit, to see how the model sees it.")
    maths_panel()
    st.stop()

means, logvars, labels = derived.encoded_test(active.key, active)
coords, indices, pca = derived.projection(active.key, active, "PCA", len(means))
reference = derived.test_negative_elbos(active.key, active)
k = st.select_slider("IWAE samples k", [100, 1000, 5000], 1000, key=Key.RECON_K, persist_state="session")

for number, (name, data) in enumerate(inputs[:12]):
    st.subheader(name)
    try:
        steps = vc.preprocess_steps(data)
    except vc.ImageError as exc:
        st.error(f"{name}: {exc}")
        continue
    x = vc.prepare_inputs(model, steps.tensor[None])
    with torch.inference_mode():
        mean, logvar = model.encode(x)
    recon = vc.reconstruct(model, x)[0].numpy()
    cols = st.columns(7)
    stages = [
        ("as uploaded", steps.grey),
        ("light on dark" + (" (inverted)" if steps.inverted else ""), steps.normalised),
        ("cropped to the ink", steps.cropped),
        ("fit in 20 x 20", steps.fitted),
        ("centred, 28 x 28", steps.centred),
        ("reconstruction", recon),
    ]
    for col, (caption, image) in zip(cols[:6], stages, strict=True):
        col.image(png_uri(square(to_uint8(image))), caption=caption, width="stretch")
    cols[6].image(png_uri(heatmap(np.abs(steps.centred - recon))), caption="|error|", width="stretch")

    terms = vc.elbo_per_image(model, x, torch.Generator().manual_seed(0))
    nelbo = float(terms.negative_elbo)
    iwae = -float(vc.iwae_log_likelihood(model, x, k, generator=torch.Generator().manual_seed(0))[0])
    percentile = float((reference < nelbo).mean() * 100)
    c1, c2, c3 = st.columns(3)
    c1.metric(
        "-ELBO (nats)",
        f"{nelbo:.1f}",
        help=f"reconstruction {float(terms.reconstruction):.1f} + KL {float(terms.kl):.1f}",
    )
    c2.metric(f"-log p(x), IWAE k={k}", f"{iwae:.1f}")
    c3.metric("Less typical than", f"{percentile:.0f}% of test digits")

    mu = mean[0].numpy()
    cov = np.diag(np.exp(logvar[0].numpy()))
    if pca is not None:
        mu, cov = pca.transform(mu[None])[0], pca.components_ @ cov @ pca.components_.T
    fig = scatter_figure(
        coords,
        labels[indices],
        indices,
        active.class_names,
        height=420,
        title="Where it lands: posterior mean and 1σ ellipse" + (" (PCA)" if pca is not None else ""),
    )
    outline = ellipse(mu, cov)
    fig.add_trace(
        go.Scatter(x=outline[:, 0], y=outline[:, 1], mode="lines", line=dict(color="black", width=2), name="1σ")
    )
    fig.add_trace(
        go.Scatter(
            x=[mu[0]],
            y=[mu[1]],
            mode="markers",
            name=name,
            marker=dict(symbol="star", size=18, color="gold", line=dict(color="black", width=1)),
        )
    )
    st.plotly_chart(fig, key=f"{Key.RECON_SCATTER}_{number}")

maths_panel()
