"""Plotly figures the pages share. plotly is imported where a figure is made (about 0.1 s the first
time), so pages without charts never pay for it; the server's warm-up imports it once."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import plotly.graph_objects as go

# A horizontal legend at the bottom of the figure, under the x-axis title: plotly widens the bottom
# margin to fit it, over as many rows as the width needs. Above the plot it ran into the title
# ("complexity-corrected: AUROC 1.000" under the legend) wherever the two did not fit on one line.
LEGEND = dict(orientation="h", yref="container", y=0, yanchor="bottom", xanchor="left", x=0)
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


# The scatter's points are one trace per class, each marked with this ``meta``: a selector for them
# all (``fig.update_traces(..., selector=DIGITS)``), whatever their names.
DIGITS = dict(meta="test digits")
# The classes' key, on the right beside the plot: plotly's own legend, so a click on a class hides it
# and a double-click shows it alone. A legend of its own (legend2): pages that add a path, an ellipse
# or a star keep those in the main legend, below the plot (LEGEND).
CLASS_LEGEND = dict(title=dict(text="label"), x=1.02, xanchor="left", y=1, yanchor="top", itemsizing="constant")


SCATTERS_KEPT = 16  # scatter figures kept built, server-wide (a few MB each at 10,000 points)
_scatters: OrderedDict[tuple, dict[str, Any]] = OrderedDict()
_scatters_lock = threading.Lock()


def scatter_figure(
    coords: np.ndarray,
    labels: np.ndarray,
    indices: np.ndarray,
    class_names: tuple[str, ...],
    title: str = "",
    height: int = 560,
    axis_titles: tuple[str, str] = ("z1", "z2"),
    hidden: Sequence[int] = (),
) -> go.Figure:
    """Encoder means as one WebGL trace per class, keyed by a legend: clicking a class in it hides that
    class, double-clicking shows it alone (``hidden``: classes that start hidden, as a link reopens them).

    Each point's test index is the first number of its ``customdata`` (its label the second), so a
    click maps back to a test image whichever trace it lands in (ui.selection.test_index).

    Built once per set of points and arguments, then kept: plotly's validation of 10,000 points took
    68 ms of the GIL on every run of four pages, the largest share of a class's server time that bought
    nothing (docs/performance.md, "A class of 30, run after run"). The caller gets a figure of its own,
    made from the kept, validated spec without validating it again; changing it leaves the kept one as
    it was.
    """
    import plotly.graph_objects as go

    digest = hashlib.blake2b(digest_size=16)
    for array in (coords, labels, indices):
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype}{array.shape}".encode())
        digest.update(array.data)
    key = (digest.digest(), tuple(class_names), title, height, tuple(axis_titles), tuple(hidden))
    with _scatters_lock:
        spec = _scatters.get(key)
        if spec is not None:
            _scatters.move_to_end(key)
    if spec is None:
        spec = _build_scatter(coords, labels, indices, class_names, title, height, axis_titles, hidden).to_dict()
        with _scatters_lock:
            _scatters[key] = spec
            while len(_scatters) > SCATTERS_KEPT:
                _scatters.popitem(last=False)
    return go.Figure(spec, _validate=False)


def _build_scatter(
    coords: np.ndarray,
    labels: np.ndarray,
    indices: np.ndarray,
    class_names: tuple[str, ...],
    title: str,
    height: int,
    axis_titles: tuple[str, str],
    hidden: Sequence[int],
) -> go.Figure:
    import plotly.graph_objects as go

    fig = go.Figure()
    for c, name in enumerate(class_names):
        members = np.flatnonzero(labels == c)
        fig.add_trace(
            go.Scattergl(
                x=coords[members, 0],
                y=coords[members, 1],
                mode="markers",
                marker=dict(size=4, color=PALETTE[c % len(PALETTE)], opacity=0.75),
                # a list, not an array: plotly.py sends an array packed (bdata), and then a click's
                # customdata did not come back as a list in st.plotly_chart's event: it selected nothing
                customdata=np.stack([indices[members], labels[members]], axis=1).tolist(),
                hovertemplate="label %{customdata[1]}<br>test index %{customdata[0]}<extra></extra>",
                name=name,
                meta=DIGITS["meta"],
                legend="legend2",
                visible="legendonly" if c in hidden else True,
            )
        )
    fig.update_layout(
        height=height,
        # The title sits just above the plot and the strip above it is left to plotly's toolbar: its
        # box and lasso tools are this chart's, and on a phone the toolbar lay over the title.
        margin=dict(l=10, r=10, t=64 if title else 36, b=10),
        title=dict(text=title, yref="paper", y=1, yanchor="bottom", pad=dict(b=8)),
        dragmode="zoom",  # in plotly's select/lasso modes a plain click selects nothing
        xaxis_title=axis_titles[0],
        yaxis_title=axis_titles[1],
        showlegend=True,
        legend2=CLASS_LEGEND,
        # Classes hidden by a click stay hidden when the page draws the figure again (a selection,
        # a digit looked up): plotly keeps what the user changed while uirevision stays the same.
        uirevision="scatter",
    )
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    return fig


def select_digits(fig: go.Figure, chosen: Sequence[int]) -> None:
    """Show the test digits ``chosen`` (test indices) as plotly shows its own selection: the others
    dimmed, in every class's trace (a class with none chosen is dimmed whole)."""
    wanted = set(chosen)
    fig.for_each_trace(
        lambda trace: trace.update(
            selectedpoints=[i for i, row in enumerate(trace.customdata) if int(row[0]) in wanted]
        ),
        selector=DIGITS,
    )


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
        legend=LEGEND,
        xaxis_title=x_title,
        yaxis_title="% of the set",
    )
    return fig


ACTIVE, INACTIVE, INACTIVE_EDGE, THRESHOLD = "#1f77b4", "#d0d0d0", "#555555", "#d62728"
# The lowest value a log-scaled bar is drawn at: a dimension with exactly 0 nats still shows as a stub.
LOG_FLOOR = 1e-4


def dimension_bars(
    nats: np.ndarray,
    active: np.ndarray,
    order: tuple[int, ...],
    title: str,
    threshold: float,
    what: str = "KL",
    activity: np.ndarray | None = None,
    height: int = 300,
) -> go.Figure:
    """One bar per latent dimension, in ``order``: the nats it carries (``what``: its "KL" to N(0, 1)
    or its "information"), blue where active, light grey with a dark outline where not, and the
    threshold as a dashed line labelled with its value.

    A log axis: the inactive dimensions carry 100 to 10,000 times fewer nats than the active ones, so
    on a linear axis their bars have no height and no one sees them (a projector least of all); on a
    log axis each is a visible bar below the line. Each bar's value is written above it, the hover
    adds Burda et al.'s activity Cov_x(E_q[z_d]) when given."""
    import plotly.graph_objects as go

    names = [f"z{d + 1}" for d in order]
    values = np.array([float(nats[d]) for d in order])
    drawn = np.maximum(values, LOG_FLOOR)
    verdict = ["active" if active[d] else f"inactive: under {threshold:g} nats" for d in order]
    extra = ["" if activity is None else f"<br>activity Cov_x(E_q[z{d + 1}]) {float(activity[d]):.3g}" for d in order]
    fig = go.Figure(
        go.Bar(
            x=names,
            y=drawn,
            marker=dict(
                color=[ACTIVE if active[d] else INACTIVE for d in order],
                line=dict(color=[ACTIVE if active[d] else INACTIVE_EDGE for d in order], width=1.5),
            ),
            text=[_short(v) for v in values],
            textposition="outside",
            textfont=dict(size=12),
            constraintext="none",  # the same size above every bar: plotly would shrink some to fit
            cliponaxis=False,
            customdata=np.stack([values, verdict, extra], axis=1),
            hovertemplate="%{x}: %{customdata[0]:.3g} nats, %{customdata[1]}%{customdata[2]}<extra></extra>",
            showlegend=False,
        )
    )
    top = np.log10(max(float(values.max(initial=threshold)), threshold)) + 0.45  # room for the values above
    bottom = np.log10(max(min(float(drawn.min(initial=threshold)), threshold / 10), LOG_FLOOR)) - 0.3
    fig.update_layout(
        title=title, height=height, margin=dict(l=10, r=64, t=40, b=10), xaxis=dict(type="category", tickangle=0)
    )
    fig.update_yaxes(
        type="log",
        range=[bottom, top],
        title=f"{what} (nats, log scale)",
        tickvals=_log_ticks(bottom, top),
        ticktext=[f"{v:g}" for v in _log_ticks(bottom, top)],  # 0.0001, not plotly's "100µ"
    )
    fig.add_hline(y=threshold, line=dict(color=THRESHOLD, dash="dash", width=2))
    # The line's value in the right margin, beside the line's end, where no bar or value label is. (An
    # hline's own annotation lands at 10^threshold on a log axis: plotly reads its y as an exponent.)
    fig.add_annotation(
        text=f"≥ {threshold:g}<br>nats",
        x=1,
        xref="paper",
        xanchor="left",
        y=float(np.log10(threshold)),
        yref="y",
        showarrow=False,
        align="left",
        font=dict(color=THRESHOLD, size=13),
    )
    return fig


def _short(value: float) -> str:
    """A bar's value in two significant figures, without exponents: 2.7, 0.31, 0.011, 0.0004."""
    return "0" if value <= 0 else f"{value:.2g}" if value >= 1e-3 else f"{value:.1g}" if value >= 1e-4 else "<0.0001"


def _log_ticks(bottom: float, top: float) -> list[float]:
    """Powers of ten inside [10^bottom, 10^top]: 0.001, 0.01, 0.1, 1, written plainly on the axis."""
    return [10.0**k for k in range(int(np.floor(bottom)), int(np.ceil(top)) + 1) if bottom <= k <= top]


def dimension_lines(
    x: list[float],
    values: np.ndarray,
    title: str,
    y_title: str,
    x_title: str = "epoch",
    height: int = 320,
    threshold: float | None = None,
) -> go.Figure:
    """One line per latent dimension (values: len(x) x D), named z1 ... zD; a legend only for up to 10.
    With ``threshold`` (nats), the line a dimension must stay above to count as active, dashed and
    labelled with its value."""
    import plotly.graph_objects as go

    dims = values.shape[1]
    fig = go.Figure(
        [
            go.Scatter(x=x, y=values[:, d], mode="lines", name=f"z{d + 1}", line=dict(color=PALETTE[d % len(PALETTE)]))
            for d in range(dims)
        ]
    )
    fig.update_layout(
        title=title,
        height=height,
        margin=dict(l=10, r=10, t=40, b=10),
        xaxis_title=x_title,
        yaxis_title=y_title,
        showlegend=dims <= 10,  # one column at the right: above the plot, two rows of names ran into the title
        legend=dict(orientation="v", x=1.01, y=1, yanchor="top", font=dict(size=11)),
    )
    if threshold is not None:
        fig.add_hline(
            y=threshold,
            line=dict(color=THRESHOLD, dash="dash", width=2),
            annotation=dict(text=f"active: ≥ {threshold:g} nats", font=dict(color=THRESHOLD)),
            annotation_position="top left",
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
        height=400,  # the legend's rows come out of it
        margin=dict(l=10, r=10, t=30, b=10),
        legend=LEGEND,
        # Two lines: the square plot sits right of its column's centre (the y-axis title takes the left),
        # and the title is centred under it; on one line it ran 2 px past a 1024 x 768 projector's column.
        xaxis=dict(title="false-positive rate<br>(test images flagged)", range=[0, 1], constrain="domain"),
        yaxis=dict(title="true-positive rate (set caught)", range=[0, 1.02], scaleanchor="x", scaleratio=1),
    )
    return fig


def line(x: list[float], series: dict[str, list[float]], title: str, y_title: str, height: int = 300) -> go.Figure:
    """A few named curves against the epoch (a loss curve, active units over training)."""
    import plotly.graph_objects as go

    fig = go.Figure([go.Scatter(x=x, y=y, mode="lines+markers", name=name) for name, y in series.items()])
    fig.update_layout(
        title=title,
        height=height,
        margin=dict(l=10, r=10, t=40, b=10),
        xaxis_title="epoch",
        yaxis_title=y_title,
        showlegend=len(series) > 1,
        legend=LEGEND,
    )
    return fig


def loss_curves(epochs: Sequence[float], reconstruction: Sequence[float], kl: Sequence[float]) -> go.Figure:
    """A training run's two loss terms against the epoch, each on its own axis (KL is 10 to 100 times
    smaller). The KL axis gets ticks of its own at round numbers: plotly lines an overlaid axis's ticks
    up with the first one's grid by default ("sync"), which read 9.23 / 6.3 / 3.37 / 0.44."""
    import plotly.graph_objects as go

    fig = go.Figure(
        [
            go.Scatter(x=list(epochs), y=list(reconstruction), name="reconstruction"),
            # dotted: on its own axis, the KL curve can lie right on top of the other one
            go.Scatter(x=list(epochs), y=list(kl), name="KL", yaxis="y2", line=dict(dash="dot")),
        ]
    )
    fig.update_layout(
        title="Training loss (nats per image)",
        xaxis_title="epoch",
        height=380,
        margin=dict(l=10, r=10, t=40, b=10),
        yaxis=dict(title="reconstruction"),
        yaxis2=dict(title="KL", overlaying="y", side="right", tickmode="auto", nticks=6, showgrid=False),
        legend=LEGEND,
    )
    return fig


def density_heatmap(
    axis: np.ndarray,
    values: np.ndarray,
    title: str,
    zrange: tuple[float, float],
    colour_title: str = "log density",
    axes: tuple[str, str] = ("z1", "z2"),
) -> go.Figure:
    """A log-density on a square grid (values[r, c] at (axis[c], axis[r])), square and equal-axed; ``axes``
    names the two coordinates (a hierarchy's top level has its own names for them)."""
    import plotly.graph_objects as go

    fig = go.Figure(
        go.Heatmap(
            x=axis,
            y=axis,
            z=values,
            zmin=zrange[0],
            zmax=zrange[1],
            colorscale="Viridis",
            colorbar=dict(title=colour_title, len=0.8, thickness=12),
            hovertemplate="z = (%{x:.2f}, %{y:.2f})<br>%{z:.2f}<extra></extra>",
        )
    )
    fig.update_layout(
        title=title, height=380, margin=dict(l=10, r=10, t=40, b=10), xaxis_title=axes[0], yaxis_title=axes[1]
    )
    fig.update_yaxes(scaleanchor="x", scaleratio=1, constrain="domain")
    fig.update_xaxes(constrain="domain")
    return fig


HOLE_COLOURS = ("#f4f4f4", "#2a9d8f", "#e63946")  # outside the prior's 99 % region, covered, hole


def hole_map_figure(axis: np.ndarray, cells: np.ndarray, title: str) -> go.Figure:
    """The hole map (vae_core.latent.hole_map): 0 outside the prior's 99 % region, 1 covered by the
    codes, 2 a hole; three flat colours, named in the hover text."""
    import plotly.graph_objects as go

    names = np.array(["outside the prior's 99 % region", "covered: q above the threshold", "hole: q below it"])
    colorscale = [[edge, colour] for i, colour in enumerate(HOLE_COLOURS) for edge in (i / 3, (i + 1) / 3)]
    fig = go.Figure(
        go.Heatmap(
            x=axis,
            y=axis,
            z=cells,
            zmin=-0.5,
            zmax=2.5,
            colorscale=colorscale,
            showscale=False,
            customdata=names[cells],
            hovertemplate="z = (%{x:.2f}, %{y:.2f})<br>%{customdata}<extra></extra>",
        )
    )
    fig.update_layout(title=title, height=380, margin=dict(l=10, r=10, t=40, b=10), xaxis_title="z1", yaxis_title="z2")
    fig.update_yaxes(scaleanchor="x", scaleratio=1, constrain="domain")
    fig.update_xaxes(constrain="domain")
    return fig


MARGINAL_GRID = np.linspace(-4, 4, 161)  # where marginal_histograms draws a prior's marginal density


def marginal_histograms(
    means: np.ndarray,
    prior_draws: np.ndarray | None,
    order: tuple[int, ...],
    titles: list[str],
    columns: int = 4,
    prior_density: np.ndarray | None = None,
) -> go.Figure:
    """For each dimension in ``order``: a histogram of the posterior means (as a density) against the
    prior's marginal: ``prior_density`` (len(MARGINAL_GRID) x D, the prior's own closed form) where
    given, else a histogram of ``prior_draws``, else the N(0, 1) density."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    rows = -(-len(order) // columns)
    fig = make_subplots(rows=rows, cols=columns, subplot_titles=titles, vertical_spacing=0.35 / rows + 0.02)
    grid = MARGINAL_GRID
    normal = np.exp(-0.5 * grid**2) / np.sqrt(2 * np.pi)
    bins = dict(start=-4, end=4, size=0.2)
    for i, d in enumerate(order):
        r, c = divmod(i, columns)
        first = i == 0
        fig.add_trace(
            go.Histogram(
                x=means[:, d],
                xbins=bins,
                histnorm="probability density",
                marker_color=ACTIVE,
                name="posterior means μ_d(x)",
                legendgroup="means",
                showlegend=first,
            ),
            row=r + 1,
            col=c + 1,
        )
        if prior_density is not None:
            prior = go.Scatter(x=grid, y=prior_density[:, d], line=dict(color="#d62728"), name="prior p(z_d)")
        elif prior_draws is None:
            prior = go.Scatter(x=grid, y=normal, line=dict(color="#d62728"), name="N(0, 1)")
        else:
            counts, edges = np.histogram(prior_draws[:, d], bins=np.arange(-4, 4.01, 0.2), density=True)
            prior = go.Scatter(x=(edges[:-1] + edges[1:]) / 2, y=counts, line=dict(color="#d62728"), name="prior")
        prior.update(legendgroup="prior", showlegend=first, hoverinfo="skip")
        fig.add_trace(prior, row=r + 1, col=c + 1)
    fig.update_layout(height=90 + 170 * rows, margin=dict(l=10, r=10, t=40, b=10), bargap=0, legend=LEGEND)
    fig.update_xaxes(range=[-4, 4])
    fig.update_annotations(font_size=12)
    return fig


def information_heatmap(
    share: np.ndarray, nats: np.ndarray, factors: Sequence[str], rows: Sequence[str], title: str
) -> go.Figure:
    """The mutual information of each latent dimension (rows, labelled ``rows``) with each factor
    (columns), as the share of the factor's entropy it holds, I(z_j; v_k) / H(v_k), from 0 to 1; the
    hover adds the nats. A disentangled code: one bright cell per row, each factor's in a row of its own."""
    import plotly.graph_objects as go

    fig = go.Figure(
        go.Heatmap(
            x=list(factors),
            y=list(rows),
            z=share,
            zmin=0,
            zmax=1,
            colorscale="Viridis",
            customdata=nats,
            colorbar=dict(title="I / H", len=0.8, thickness=12),
            hovertemplate="%{y} and %{x}: %{z:.2f} of H, %{customdata:.2f} nats<extra></extra>",
        )
    )
    fig.update_layout(title=title, height=60 + 26 * len(rows), margin=dict(l=10, r=10, t=40, b=10))
    fig.update_yaxes(autorange="reversed")
    return fig
