"""Latent scatter: where the encoder puts the 10,000 test digits; select points to see them."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from PIL import Image

import vae_core as vc
from ui import derived, links, models, widgets
from ui.charts import scatter_figure, select_digits
from ui.fragments import fragment
from ui.images import enlarge, png_uri
from ui.notes import explain
from ui.selection import Selection
from ui.state import Key

DIGIT_ZOOM = 3  # each MNIST pixel a 3 x 3 square
DIGIT_PX = 28 * DIGIT_ZOOM

active = models.active()
model = active.model
means, _, labels = derived.encoded_test(active.key, active)

method, points = "pca", len(means)
if model.latent_dim > 2:
    c1, c2 = st.columns(2)
    method = c1.radio(
        "Projection to 2-D",
        links.options(Key.PROJECTION),
        format_func=links.label(Key.PROJECTION),
        horizontal=True,
        key=Key.PROJECTION,
        persist_state="session",
    )
    if method == "tsne":
        points = c2.select_slider(
            "Points (t-SNE takes about a second per 200)",
            links.options(Key.TSNE_POINTS),
            links.default(Key.TSNE_POINTS),
            key=Key.TSNE_POINTS,
            persist_state="session",
        )
coords, indices, _ = derived.projection(active.key, active, method, points)
axis_titles = {"pca": ("principal component 1", "principal component 2"), "tsne": ("t-SNE 1", "t-SNE 2")}
axes = ("z1", "z2") if model.latent_dim == 2 else axis_titles[method]
projected = links.label(Key.PROJECTION)(method)
show_grid = model.latent_dim == 2 and st.toggle(
    "Lay the decoded grid under the points", key=Key.GRID_UNDER, persist_state="session"
)


def remember() -> None:
    """Keep what was selected as a region (or the points clicked): a link can carry it, and opening
    that link finds the very same digits (ui.selection). Nothing selected (a double-click clears the
    chart) leaves nothing to keep, and a new chart: plotly would go on showing the cleared points."""
    event = st.session_state[Key.SCATTER_CHART]
    chosen = Selection.from_event(event.selection, coords, indices, labels[indices])
    if chosen is not None:
        st.session_state[Key.SCATTER_SELECTION] = chosen
    elif st.session_state.pop(Key.SCATTER_SELECTION, None) is not None:
        st.session_state[Key.SCATTER_CLEARS] = st.session_state.get(Key.SCATTER_CLEARS, 0) + 1
    st.session_state[Key.SCATTER_PICKED_ON] = st.session_state.get(Key.SCATTER_DRAWN)


def shown_by_the_chart(drawn: tuple) -> bool:
    """The chart already shows the selection itself: it was made on the chart as it is drawn now (from
    ``drawn``, with nothing marked by the page), which still holds it. Marking it again would change the
    chart's spec and so make the browser draw the 10,000 points anew: 0.5-1.2 s in headless Chromium
    here, most of a click's time (docs/performance.md, "Speed")."""
    event = st.session_state.get(Key.SCATTER_CHART)  # gone once the page was left: the chart forgot it too
    held = event is not None and any(event.selection.get(kind) for kind in ("points", "box", "lasso"))
    return held and st.session_state.get(Key.SCATTER_PICKED_ON) == (drawn, False)


def digit_pairs(shown: list[int]) -> None:
    """Each test digit in ``shown`` above its reconstruction, at one fixed width, the caption under the pair
    (a caption on the top image once widened it to the caption's width, 2.6 times its reconstruction's)."""
    images = derived.test_set(active)[0][shown]
    x = vc.prepare_inputs(model, images)
    recon = vc.reconstruct(model, x)
    scores = derived.test_negative_elbos(active.key, active)
    cols = st.columns(min(len(shown), 12))
    for i, index in enumerate(shown):
        with cols[i % len(cols)]:
            caption = f"#{index} ({active.class_names[labels[index]]}) · −ELBO {scores[index]:.0f}"
            if model.latent_dim == 2:
                caption += f" · z = ({means[index, 0]:.2f}, {means[index, 1]:.2f})"
            st.image(png_uri(enlarge(vc.to_uint8(x[i, 0]), DIGIT_ZOOM)), width=DIGIT_PX)
            st.image(png_uri(enlarge(vc.to_uint8(recon[i]), DIGIT_ZOOM)), width=DIGIT_PX, caption=caption)


@fragment
def scatter() -> None:
    found = st.number_input(
        "Find a test digit by its number",
        0,
        len(means) - 1,
        None,
        key=Key.SCATTER_FIND,
        placeholder=f"0 to {len(means) - 1:,}",
        persist_state="session",
        help="The number the chart shows when you hover over a point; the digit's point is marked with a star.",
        width=320,
    )
    selection: Selection | None = st.session_state.get(Key.SCATTER_SELECTION)
    fig = scatter_figure(
        coords,
        labels[indices],
        indices,
        active.class_names,
        title=f"{len(indices):,} test digits: encoder means" + ("" if model.latent_dim == 2 else f" ({projected})"),
        axis_titles=axes,
        hidden=selection.hidden if selection else (),  # as they were when the region was drawn
    )
    fig.update_layout(meta={"cleared": st.session_state.get(Key.SCATTER_CLEARS, 0)})  # see remember()
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
        fig.update_xaxes(showgrid=False, zeroline=False)  # white lines would cut through the digits
        fig.update_yaxes(showgrid=False, zeroline=False)
    position = {int(index): i for i, index in enumerate(indices)}
    if found is not None and found in position:
        fig.add_trace(found_marker(coords[position[found]], found))
    chosen = selection.chosen(coords, indices, labels[indices]) if selection else []
    drawn = (active.key, method, points, show_grid, found, selection.hidden if selection else ())
    marked = bool(chosen) and not shown_by_the_chart(drawn)
    if marked:  # show the selection (a link's too) as plotly shows its own: the rest dimmed
        select_digits(fig, chosen)
    st.session_state[Key.SCATTER_DRAWN] = (drawn, marked)
    widgets.selectable_chart(fig, Key.SCATTER_CHART, remember)
    links.publish()
    if found is not None:
        where = "marked with a star" if found in position else f"not among the {len(indices):,} points drawn"
        st.write(f"**Test digit #{found}** ({where}): the digit above its reconstruction")
        digit_pairs([int(found)])
    if not chosen:
        widgets.instructions(
            "Click a point to see its digit and reconstruction; "
            "pick the box or lasso tool above the chart to select several. "
            "Click a label in the key to hide its class, double-click it to show that class alone.",
            touch="Tap a point to see its digit and reconstruction; to select several, tap the chart, "
            "pick the box or lasso tool in the bar that appears above it, and drag. "
            "Tap a label in the key to hide its class, double-tap it to show that class alone.",
        )
        return
    shown = chosen[:24]
    more = f" (first {len(shown)} shown)" if len(chosen) > len(shown) else ""
    st.write(f"**{len(chosen):,} selected**{more}: the test digit above its reconstruction")
    digit_pairs(shown)


def found_marker(point: np.ndarray, index: int) -> go.Scattergl:
    """A gold star on the digit looked up: WebGL, added after the points, so it is drawn over them."""
    return go.Scattergl(
        x=[point[0]],
        y=[point[1]],
        mode="markers",
        name=f"#{index}",
        marker=dict(symbol="star", size=20, color="gold", line=dict(color="black", width=1.5)),
        customdata=[[index, int(labels[index])]],  # a click on the star selects its digit (ui.selection)
        hovertemplate=f"test digit #{index}<extra></extra>",
        showlegend=False,
    )


scatter()
explain(
    "elbo",
    "kl",
    intro="Each dot is the mean $\\mu_\\phi(x)$ of $q(z\\mid x)$ for one test image, coloured by its label. "
    "Classes the encoder can tell apart form separate clusters, learnt without ever seeing a label.",
)
