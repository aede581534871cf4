"""The floor for a page switch (bench.latency): a two-page Streamlit app with the project's
.streamlit/config.toml, one page a heading only, the other a heading and the latent scatter's chart
(ui.charts.scatter_figure, 10,000 points in ten WebGL traces, selectable as on the Scatter page) with
points drawn at random; no torch, no model. A switch to the chart's page costs what Streamlit and
plotly cost in this browser, whatever the app around them does. Here, not in bench/, because it is
not a benchmark but what one starts."""

import sys
from pathlib import Path

import numpy as np
import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `streamlit run` puts harness/ there, not the root

HEADINGS = ("A heading", "10,000 points")


def heading() -> None:
    st.title(HEADINGS[0])


def points() -> None:
    from ui.charts import scatter_figure

    st.title(HEADINGS[1])
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 10_000)
    coords = rng.normal(size=(10_000, 2)).astype(np.float32) + labels[:, None] % 3
    figure = scatter_figure(coords, labels, np.arange(10_000), tuple(map(str, range(10))), "10,000 points")
    st.plotly_chart(figure, on_select="rerun", selection_mode=("points", "box", "lasso"), key="points")


if __name__ == "__main__":  # as `streamlit run` runs it; bench.latency imports only the headings
    st.navigation(
        [st.Page(heading, title=HEADINGS[0], default=True), st.Page(points, title=HEADINGS[1], url_path="points")]
    ).run()
