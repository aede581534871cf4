"""Latent scatter: where the encoder puts the 10,000 test digits; select points to see them."""

import numpy as np
import streamlit as st
from PIL import Image

import vae_core as vc
from ui import derived, models
from ui.charts import scatter_figure
from ui.images import enlarge, png_uri, to_uint8
from ui.notes import explain
from ui.state import Key

active = models.active()
model = active.model
means, _, labels = derived.encoded_test(active.key, active)

method, points = "PCA", len(means)
if model.latent_dim > 2:
    c1, c2 = st.columns(2)
    method = c1.radio(
        "Projection to 2-D", ["PCA", "t-SNE"], horizontal=True, key=Key.PROJECTION, persist_state="session"
    )
    if method == "t-SNE":
        points = c2.select_slider(
            "Points (t-SNE takes about a second per 200)",
            [1000, 2000, 3000, 5000, 10000],
            2000,
            key=Key.TSNE_POINTS,
            persist_state="session",
        )
coords, indices, _ = derived.projection(active.key, active, method, points)
show_grid = model.latent_dim == 2 and st.toggle(
    "Lay the decoded grid under the points", key=Key.GRID_UNDER, persist_state="session"
)


@st.fragment
def scatter() -> None:
    fig = scatter_figure(
        coords,
        labels[indices],
        indices,
        active.class_names,
        title=f"{len(indices):,} test digits: encoder means" + ("" if model.latent_dim == 2 else f" ({method})"),
    )
    if show_grid:
        extent = float(np.ceil(np.abs(coords).max()))
        grid = derived.manifold(active.key, active, 25, extent, "linear", (0, 1), None)
        fig.add_layout_image(
            source=Image.fromarray(grid),
            x=-extent,
            y=extent,
            sizex=2 * extent,
            sizey=2 * extent,
            xref="x",
            yref="y",
            layer="below",
            sizing="stretch",
            opacity=0.9,
        )
        fig.update_layout(plot_bgcolor="black")
    event = st.plotly_chart(fig, on_select="rerun", selection_mode=("points", "box", "lasso"), key=Key.SCATTER_CHART)
    chosen = [int(indices[p["point_index"]]) for p in event.selection.get("points", []) if "point_index" in p]
    if not chosen:
        st.info(
            "Click a point to see its digit and reconstruction; "
            "pick the box or lasso tool above the chart to select several."
        )
        return
    chosen = chosen[:24]
    images = derived.test_set(active)[0][chosen]
    x = vc.prepare_inputs(model, images)
    recon = vc.reconstruct(model, x)
    st.write(f"**{len(chosen)} selected** (first 24 shown): top row the test digit, bottom row its reconstruction")
    cols = st.columns(min(len(chosen), 12))
    for i, index in enumerate(chosen):
        with cols[i % len(cols)]:
            caption = f"#{index} ({active.class_names[labels[index]]})"
            st.image(png_uri(enlarge(to_uint8(x[i, 0]), 3)), caption=caption)
            st.image(png_uri(enlarge(to_uint8(recon[i]), 3)))


scatter()
explain(
    "elbo",
    "kl",
    intro="Each dot is the mean $\\mu_\\phi(x)$ of $q(z\\mid x)$ for one test image, coloured by its label. "
    "Classes the encoder can tell apart form separate clusters, learnt without ever seeing a label.",
)
