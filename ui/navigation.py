"""The script every browser session runs (app.py names it): page config, the model picker in the
sidebar, then the page chosen in the navigation, under its heading.

It lives here, one folder below app.py, on purpose: Streamlit treats a folder named pages/ beside
the main script as a file-name multipage app until st.navigation first runs, so a deep link such as
/scatter opened as a fresh server's first request would show the wrong navigation. With this script
in ui/, the top-level pages/ folder is just a folder.
"""

from pathlib import Path
from urllib.parse import urlparse

import streamlit as st

from ui import models, registry

HERE = Path(__file__).parent


def unknown_path(chosen: st.Page) -> str | None:
    """The path a person asked for when no page has it (Streamlit then runs the default page)."""
    if chosen is not pages[registry.DEFAULT] or not st.context.url:
        return None
    path = urlparse(st.context.url).path.strip("/")
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return path.removeprefix(base).strip("/") or None


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
if lost := unknown_path(chosen):
    st.title("No such page")
    st.warning(f"There is no page at /{lost}. The app's pages are:")
    for page in pages.values():
        st.page_link(page)
    st.stop()
st.title(next(screen for screen, page in pages.items() if page is chosen).heading)
chosen.run()
