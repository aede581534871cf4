"""The multipage app that `streamlit run app.py` serves: page config, navigation, the pages."""

import streamlit as st

st.set_page_config(page_title="VAE Latent Explorer", page_icon="assets/icon.png", layout="wide")

pages = [
    st.Page("app_pages/explorer.py", title="Latent explorer", icon=":material/explore:", default=True),
    st.Page("app_pages/interpolation.py", title="Interpolation", icon=":material/swap_horiz:"),
    st.Page("app_pages/scatter.py", title="Latent scatter", icon=":material/scatter_plot:"),
    st.Page("app_pages/reconstruct.py", title="Reconstruct your image", icon=":material/draw:"),
    st.Page("app_pages/train.py", title="Train", icon=":material/model_training:"),
    st.Page("app_pages/samples.py", title="Samples", icon=":material/casino:"),
]
st.navigation(pages).run()  # each page renders the shared sidebar model picker itself (ui.active_model)
