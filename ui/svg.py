"""Charts drawn as SVG on the server, for a page whose only plotly chart would cost more than it shows.

A page's first plotly chart makes the browser fetch and compile plotly's bundle (Streamlit 1.67's
``PlotlyChart.*.js``, 4.7 MB), and every visit builds a plotly plot: on the 2-core machine that was
0.9-1.4 s of Interpolation's first visit, for ten points on two lines (docs/performance.md, "Speed").
An SVG of the same lines is a few kilobytes that the browser draws as it draws text: its words take the
page's own colour (``currentColor``, so a dark theme too), it scales with its column (a projector's
presentation mode, a phone), and each point names its value when the pointer rests on it (an SVG
``<title>``). It does not zoom or pan, which ten points do not need. Pages send it with ``st.markdown``:
``st.html``'s sanitiser drops SVG.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

WIDTH, HEIGHT = 480, 340  # the drawing's own units: the browser scales it to the column's width
LEFT, RIGHT, TOP, BOTTOM = 60, 14, 40, 72  # room for the y-axis's numbers and name; the title; x's and the legend
MOST_X_TICKS = 12


def nice_ticks(low: float, high: float, most: int = 6) -> list[float]:
    """Round numbers (1, 2 or 5 times a power of ten apart) spanning [low, high], at most ``most`` + 1 of them."""
    if not high > low:
        low, high = low - 1, high + 1
    raw = (high - low) / most
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    count = math.ceil((high - first) / step - 1e-9)
    return [round(first + i * step, 10) for i in range(count + 1)]


def line_chart(
    x: Sequence[int],
    series: dict[str, tuple[Sequence[float], str]],
    title: str,
    x_title: str,
    y_title: str,
    unit: str,
) -> str:
    """Curves of ``series`` (name -> (values at ``x``, colour)) with markers, axes, a title and a legend, as
    one ``<svg>`` element. Hovering a marker shows "name, x_title x: value unit" (its ``<title>``)."""
    values = [v for ys, _ in series.values() for v in ys]
    y_ticks = nice_ticks(min(values), max(values))
    x_low, x_high = min(x), max(x)
    y_low, y_high = y_ticks[0], y_ticks[-1]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def at(xv: float, yv: float) -> tuple[float, float]:
        span = (xv - x_low) / (x_high - x_low) if x_high > x_low else 0.5
        return LEFT + span * plot_w, TOP + (y_high - yv) / (y_high - y_low) * plot_h

    parts = [
        f'<svg class="svg-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{html.escape(title)}" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<text class="title" x="{LEFT}" y="22">{html.escape(title)}</text>',
    ]
    for tick in y_ticks:
        _, ty = at(x_low, tick)
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{ty:.1f}" y2="{ty:.1f}"/>')
        parts.append(f'<text class="tick" x="{LEFT - 6}" y="{ty + 4:.1f}" text-anchor="end">{tick:g}</text>')
    every = math.ceil(len(x) / MOST_X_TICKS)
    for xv in x[::every]:
        tx, _ = at(xv, y_low)
        parts.append(f'<text class="tick" x="{tx:.1f}" y="{TOP + plot_h + 18}" text-anchor="middle">{xv}</text>')
    parts.append(
        f'<text class="axis" x="{LEFT + plot_w / 2:.1f}" y="{TOP + plot_h + 38}" text-anchor="middle">'
        f"{html.escape(x_title)}</text>"
        f'<text class="axis" transform="translate(16 {TOP + plot_h / 2:.1f}) rotate(-90)" text-anchor="middle">'
        f"{html.escape(y_title)}</text>"
    )
    for i, (name, (ys, colour)) in enumerate(series.items()):
        points = [at(xv, yv) for xv, yv in zip(x, ys, strict=True)]
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        parts.append(f'<g class="series" data-name="{html.escape(name)}" style="color: {colour}">')
        parts.append(f'<polyline points="{path}"/>')
        for xv, yv, (px, py) in zip(x, ys, points, strict=True):
            label = f"{name}, {x_title} {xv}: {yv:.1f} {unit}"
            parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4"><title>{html.escape(label)}</title></circle>')
        lx, ly = LEFT + i * 130, HEIGHT - 10  # its key, below the axis's name
        parts.append(f'<line x1="{lx}" x2="{lx + 24}" y1="{ly - 4}" y2="{ly - 4}"/>')
        parts.append(f'<circle cx="{lx + 12}" cy="{ly - 4}" r="4"/>')
        parts.append(f'</g><text x="{lx + 30}" y="{ly}">{html.escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)
