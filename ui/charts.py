"""Plotly figures the pages share. plotly is imported where a figure is made (about 0.1 s the first
time), so pages without charts never pay for it; the server's warm-up imports it once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import plotly.graph_objects as go

# A horizontal legend above the plot, at its right: below it, it would cover the x-axis title.
LEGEND_ABOVE = dict(orientation="h", yanchor="bottom", y=1.02, xanchor="right", x=1)
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


def scatter_figure(
    coords: np.ndarray,
    labels: np.ndarray,
    indices: np.ndarray,
    class_names: tuple[str, ...],
    title: str = "",
    height: int = 560,
    axis_titles: tuple[str, str] = ("z1", "z2"),
) -> go.Figure:
    """Encoder means as one WebGL trace coloured by label, with a discrete colour bar as the legend.

    One trace keeps point numbers equal to positions in ``indices``, so a click maps straight back
    to a test image.
    """
    import plotly.graph_objects as go

    classes = len(class_names)
    colours = [PALETTE[i % len(PALETTE)] for i in range(classes)]
    colorscale = [[edge, colour] for i, colour in enumerate(colours) for edge in (i / classes, (i + 1) / classes)]
    fig = go.Figure(
        go.Scattergl(
            x=coords[:, 0],
            y=coords[:, 1],
            mode="markers",
            marker=dict(
                size=4,
                color=labels,
                cmin=-0.5,
                cmax=classes - 0.5,
                colorscale=colorscale,
                opacity=0.75,
                colorbar=dict(title="label", tickvals=list(range(classes)), ticktext=list(class_names), len=0.9),
            ),
            customdata=np.stack([indices, labels], axis=1),
            hovertemplate="label %{customdata[1]}<br>test index %{customdata[0]}<extra></extra>",
            name="test digits",
            showlegend=False,
        )
    )
    fig.update_layout(
        height=height,
        margin=dict(l=10, r=10, t=30 if title else 10, b=10),
        title=title,
        dragmode="zoom",  # in plotly's select/lasso modes a plain click selects nothing
        xaxis_title=axis_titles[0],
        yaxis_title=axis_titles[1],
    )
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    return fig


def ellipse(mean: np.ndarray, cov: np.ndarray, n: int = 60) -> np.ndarray:
    """Points on the 1-sigma ellipse of a 2-D Gaussian."""
    values, vectors = np.linalg.eigh(cov)
    t = np.linspace(0, 2 * np.pi, n)
    circle = np.stack([np.cos(t), np.sin(t)])
    return (vectors @ (np.sqrt(np.maximum(values, 0))[:, None] * circle)).T + mean


def score_histogram(
    groups: dict[str, np.ndarray],
    threshold: float,
    marks: Sequence[tuple[str, float]] = (),
    x_title: str = "score (nats)",
    title: str = "",
    height: int = 360,
) -> go.Figure:
    """Overlaid histograms of anomaly scores (each group's bars as percentages of the group, so sets of
    different sizes compare), the decision threshold as a dashed red line, and each of ``marks`` (an
    uploaded image's name and score) as a dotted line labelled with its name."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for i, (name, values) in enumerate(groups.items()):
        fig.add_trace(
            go.Histogram(x=values, name=name, histnorm="percent", nbinsx=60, opacity=0.6, marker_color=PALETTE[i])
        )
    fig.add_vline(x=threshold, line=dict(color="#d62728", dash="dash", width=2))
    fig.add_annotation(
        x=threshold, y=1, yref="paper", text="threshold", showarrow=False, xanchor="left", font=dict(color="#d62728")
    )
    for j, (name, value) in enumerate(marks):
        fig.add_vline(x=value, line=dict(color="black", dash="dot", width=2))
        fig.add_annotation(
            x=value, y=0.9 - 0.1 * (j % 4), yref="paper", text=name, showarrow=False, xanchor="left", bgcolor="white"
        )
    fig.update_layout(
        barmode="overlay",
        height=height,
        title=title,
        margin=dict(l=10, r=10, t=60 if title else 30, b=10),
        legend=LEGEND_ABOVE,
        xaxis_title=x_title,
        yaxis_title="% of the set",
    )
    return fig


def roc_figure(curves: dict[str, tuple[np.ndarray, np.ndarray]], point: tuple[float, float] | None = None) -> go.Figure:
    """ROC curves (false-positive rate against true-positive rate, one per label; put the AUROC in the
    label), the chance diagonal, and the operating point at the chosen threshold."""
    import plotly.graph_objects as go

    fig = go.Figure()
    fig.add_trace(
        go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line=dict(color="grey", dash="dot"), name="chance (0.5)")
    )
    for i, (label, (fpr, tpr)) in enumerate(curves.items()):
        fig.add_trace(go.Scatter(x=fpr, y=tpr, mode="lines", name=label, line=dict(color=PALETTE[1 + i], width=2)))
    if point is not None:
        fig.add_trace(
            go.Scatter(
                x=[point[0]],
                y=[point[1]],
                mode="markers",
                name="at the threshold",
                marker=dict(color="#d62728", size=11, symbol="x"),
            )
        )
    fig.update_layout(
        height=360,
        margin=dict(l=10, r=10, t=30, b=10),
        legend=LEGEND_ABOVE,
        xaxis=dict(title="false-positive rate (test images flagged)", range=[0, 1], constrain="domain"),
        yaxis=dict(title="true-positive rate (set caught)", range=[0, 1.02], scaleanchor="x", scaleratio=1),
    )
    return fig
