"""The app's UI package: everything the pages share, one module per concern.

- ``navigation``: the script every browser session runs (page config, the model picker, the pages).
- ``registry``: every screen of the app, once.
- ``state``: the session-state keys, written once.
- ``models``: the model picker and the models it loads (shipped, uploaded, trained here).
- ``derived``: cached data derived from a model (encodings, grids, projections, scores).
- ``images``: images as arrays and PNG/GIF bytes (no Streamlit).
- ``charts``: plotly figures.
- ``widgets``: the digit picker, the upload reader, the drawing pad, the latent pad and scrubber that
  decode in the browser (their HTML/CSS/JS in ``components/``).
- ``served``: files the browser fetches by a URL naming their content (a model's decoder weights).
- ``notes``: the teaching notes, one Markdown file per topic, and the panel that shows them.
- ``training``: a training run in a background thread.
- ``runtime``: the server's thread settings and start-up warm-up.
"""
