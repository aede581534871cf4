"""Interpolation: walk the latent space between two digits, straight (lerp) and round (slerp)."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

import ui
import vae_core as vc

active = ui.active_model()
model = active.model
st.title("Interpolation")
means, _, labels = ui.encoded_test(active.key, active)

source = st.segmented_control(
    "Choose the two digits",
    ["By class and index", "Random pair", "Upload two images"],
    default="By class and index",
    key="interp_source",
    persist_state="session",
)
if source == "Random pair":
    if st.button("New random pair") or "interp_pair" not in st.session_state:
        st.session_state["interp_pair"] = np.random.default_rng().choice(len(means), 2, replace=False).tolist()
    ends = list(vc.prepare_inputs(model, ui.test_set(active)[0][st.session_state["interp_pair"]]))
elif source == "Upload two images":
    files = st.file_uploader("Two images of digits", type=None, accept_multiple_files=True, key="interp_files")
    ends = [x for x in (ui.read_upload(f) for f in (files or [])[:2]) if x is not None]
    if len(ends) < 2:
        st.info("Upload two images (PNG, JPEG, ...) to interpolate between them.")
        st.stop()
else:
    c1, c2 = st.columns(2)
    with c1:
        a = ui.pick_test_digit(active, "From", "interp_a")
    with c2:
        b = ui.pick_test_digit(active, "To", "interp_b", default_class=1)
    ends = list(vc.prepare_inputs(model, ui.test_set(active)[0][[a, b]]))
steps = st.slider("Steps", 3, 20, 10, key="interp_steps", persist_state="session")

with torch.inference_mode():
    za, zb = (model.encode(x[None])[0][0] for x in ends)
paths = {"linear": vc.lerp(za, zb, steps), "spherical": vc.slerp(za, zb, steps)}
strips = {name: vc.decode(model, z) for name, z in paths.items()}

for name, images in strips.items():
    strip = ui.to_uint8(vc.tile(images, steps, pad=2))
    st.image(ui.png_uri(ui.enlarge(strip, 2)), caption=f"{name} interpolation", width="stretch")
    c1, c2, _ = st.columns([1, 1, 4])
    c1.download_button(f"{name} strip (PNG)", ui.png_bytes(strip), f"interpolation-{name}.png", "image/png")
    c2.download_button(
        f"{name} walk (GIF)",
        ui.gif_bytes([ui.enlarge(ui.to_uint8(i), 4) for i in images]),
        f"interpolation-{name}.gif",
        "image/gif",
    )

left, right = st.columns(2)
with left:
    coords, indices, pca = ui.projection(active.key, active, "PCA", len(means))
    fig = ui.scatter_figure(
        coords, labels[indices], indices, active.class_names, title="Path over the latent scatter", height=480
    )
    for (name, z), colour in zip(paths.items(), ("#000000", "#e6194b"), strict=False):
        xy = z.numpy() if pca is None else pca.transform(z.numpy())
        fig.add_trace(
            go.Scatter(
                x=xy[:, 0],
                y=xy[:, 1],
                mode="lines+markers",
                name=name,
                line=dict(color=colour, width=3),
                marker=dict(size=7),
            )
        )
    fig.update_layout(showlegend=True, legend=ui.LEGEND_ABOVE)
    st.plotly_chart(fig, key="interp_scatter")
with right:
    fig = go.Figure()
    for name, images in strips.items():
        x = images[:, None]
        if model.config.binarize == "dynamic":
            x = vc.prepare_inputs(model, x)
        terms = vc.elbo_per_image(model, x, torch.Generator().manual_seed(0))
        fig.add_trace(go.Scatter(y=terms.negative_elbo.numpy(), mode="lines+markers", name=name))
    fig.update_layout(
        title="-ELBO of each decoded step (nats)",
        xaxis_title="step",
        yaxis_title="nats per image",
        height=480,
        legend=ui.LEGEND_ABOVE,
    )
    st.plotly_chart(fig, key="interp_elbo")

ui.explain(
    "slerp",
    "elbo",
    intro="Both digits are encoded to their posterior means; the path between them is decoded step by step.",
)
