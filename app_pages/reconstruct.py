"""Reconstruct your image: upload or draw a digit; see it prepared like MNIST, reconstructed and placed."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

import ui
import vae_core as vc

active = ui.active_model()
model = active.model
st.title("Reconstruct your image")

upload_tab, draw_tab = st.tabs(["Upload images", "Draw a digit"])
inputs: list[tuple[str, bytes]] = []
with upload_tab:
    files = st.file_uploader(
        f"Images of digits (PNG, JPEG, GIF, BMP, TIFF, WebP; up to {ui.UPLOAD_LIMIT_MB} MB each)",
        accept_multiple_files=True,
        key="recon_files",
        max_upload_size=ui.UPLOAD_LIMIT_MB,
    )
    inputs += [(f.name, f.getvalue()) for f in files or []]
with draw_tab:
    drawn = ui.drawing_pad("recon_pad")
    if drawn:
        inputs.append(("your drawing", drawn))
if not inputs:
    st.info("Upload one or more images, or draw a digit, to see how the model sees it.")
    st.stop()

means, logvars, labels = ui.encoded_test(active.key, active)
coords, indices, pca = ui.projection(active.key, active, "PCA", len(means))
reference = ui.test_negative_elbos(active.key, active)
k = st.select_slider("IWAE samples k", [100, 1000, 5000], 1000, key="recon_k", persist_state="session")

for name, data in inputs[:12]:
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
    for col, (caption, image) in zip(cols, stages, strict=False):
        col.image(ui.png_uri(ui.square(ui.to_uint8(image))), caption=caption, width="stretch")
    cols[6].image(ui.png_uri(ui.heatmap(np.abs(steps.centred - recon))), caption="|error|", width="stretch")

    terms = vc.elbo_per_image(model, x, torch.Generator().manual_seed(0))
    rec, kl = terms.reconstruction, terms.kl
    nelbo = float(terms.negative_elbo)
    iwae = -float(vc.iwae_log_likelihood(model, x, k, generator=torch.Generator().manual_seed(0))[0])
    percentile = float((reference < nelbo).mean() * 100)
    c1, c2, c3 = st.columns(3)
    c1.metric("-ELBO (nats)", f"{nelbo:.1f}", help=f"reconstruction {float(rec):.1f} + KL {float(kl):.1f}")
    c2.metric(f"-log p(x), IWAE k={k}", f"{iwae:.1f}")
    c3.metric("Less typical than", f"{percentile:.0f}% of test digits")

    mu = mean[0].numpy()
    cov = np.diag(np.exp(logvar[0].numpy()))
    if pca is not None:
        mu, cov = pca.transform(mu[None])[0], pca.components_ @ cov @ pca.components_.T
    fig = ui.scatter_figure(
        coords,
        labels[indices],
        indices,
        active.class_names,
        height=420,
        title="Where it lands: posterior mean and 1σ ellipse" + (" (PCA)" if pca is not None else ""),
    )
    outline = ui.ellipse(mu, cov)
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
    st.plotly_chart(fig, key=f"recon_scatter_{name}_{len(data)}")

ui.explain(
    "iwae",
    "elbo",
    intro="Preprocessing follows how MNIST was made: grey levels, light ink on black, cropped, "
    "scaled to fit 20 x 20 keeping the aspect ratio, then centred by its centre of mass in 28 x 28.",
)
