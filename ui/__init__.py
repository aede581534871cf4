"""The app's UI package: what draws, everything the pages share, one module per concern. What the
server does besides drawing (files by URL, training admission and threads, housekeeping) is the
``server`` package, which imports nothing from here.

- ``navigation``: the script every browser session runs (page config, the model picker, the pages).
- ``registry``: every screen of the app, once.
- ``state``: the session-state keys, written once.
- ``models``: the model picker and the models it loads on first use (shipped, uploaded, trained here).
- ``cards``: a shipped model's card, kept on disk: what the picker and the first view show without torch.
- ``derived``: cached data derived from a model (encodings, grids, projections, scores).
- ``browser_files``: the files the browser's components fetch (decoder and encoder weights, test means).
- ``images``: images as arrays and PNG/GIF bytes (no Streamlit).
- ``charts``: plotly figures.
- ``widgets``: the digit picker, the upload reader, the drawing pad, the latent pad and scrubber that
  decode in the browser (their HTML/CSS/JS in ``components/``).
- ``notes``: the teaching notes, one Markdown file per topic, and the panel that shows them.
- ``training``: the Train page's form defaults.
- ``warmup``: what the default first page shows, computed once the server's first page is drawn.
"""

import logging

import streamlit.runtime
import streamlit.runtime.caching.cache_data_api
import streamlit.runtime.scriptrunner_utils.script_run_context

# Imported outside a running server (`python -m ui.lessons check`, harness/), every st.cache_data
# function warns that no runtime is found, and each one with a spinner that there is no script run
# context: expected there, and lines of noise before a teacher's report. Inside the server the first
# cannot occur and the second would mean a real fault, so it is kept there.
logging.getLogger(streamlit.runtime.caching.cache_data_api.__name__).setLevel(logging.ERROR)
if not streamlit.runtime.exists():
    logging.getLogger(streamlit.runtime.scriptrunner_utils.script_run_context.__name__).setLevel(logging.ERROR)
