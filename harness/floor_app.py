"""The floor for the explorer's cold start (bench.latency): the least a Streamlit app can do and still
show a person a digit, with the project's .streamlit/config.toml. One heading, one 28 x 28 image
enlarged as the explorer shows its decoded digit; no torch, no model, no caches. Here, not in bench/,
because it is not a benchmark but what one starts."""

import numpy as np
import streamlit as st

HEADING = "One image"

if __name__ == "__main__":  # as `streamlit run` runs it; bench.latency imports only the heading
    st.title(HEADING)
    digit = np.zeros((28, 28), np.uint8)
    digit[6:22, 12:16] = 255  # a "1"
    st.image(np.kron(digit, np.ones((8, 8), np.uint8)), caption="a drawn digit")
