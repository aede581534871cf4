"""The script every browser session runs (app.py names it): page config, the model picker in the
sidebar, then the page chosen in the navigation, under its heading.

It lives here, one folder below app.py, on purpose: Streamlit treats a folder named pages/ beside
the main script as a file-name multipage app until st.navigation first runs, so a deep link such as
/scatter opened as a fresh server's first request would show the wrong navigation. With this script
in ui/, the top-level pages/ folder is just a folder.
"""

from pathlib import Path

import streamlit as st

from ui import models, registry

HERE = Path(__file__).parent

st.set_page_config(page_title="VAE Latent Explorer", page_icon=str(HERE / "icon.png"), layout="wide")
pages = {
    screen: st.Page(
        screen.path,
        title=screen.title,
        icon=screen.icon,
        url_path=screen.url_path or None,
        default=screen == registry.DEFAULT,
    )
    for screen in registry.SCREENS
}
sections: dict[str, list[st.Page]] = {}
for screen, page in pages.items():
    sections.setdefault(screen.section, []).append(page)
chosen = st.navigation(sections)
st.html(f"<style>{(HERE / 'style.css').read_text()}</style>")
models.draw_picker()
st.title(next(screen for screen, page in pages.items() if page is chosen).heading)
chosen.run()
