"""The script every browser session runs (app.py names it): page config, the link the session was
opened with, the model picker in the sidebar, then the page chosen in the navigation, under its
heading; afterwards the view's state goes back into the address bar.

It lives here, one folder below app.py, on purpose: Streamlit treats a folder named pages/ beside
the main script as a file-name multipage app until st.navigation first runs, so a deep link such as
/scatter opened as a fresh server's first request would show the wrong navigation. With this script
in ui/, the top-level pages/ folder is just a folder.
"""

from pathlib import Path
from urllib.parse import unquote, urlparse

import streamlit as st

from server import housekeeping
from ui import links, models, registry, warmup, widgets
from ui.state import Key

HERE = Path(__file__).parent


def requested_path() -> str:
    """The path this session's address names, without the server's base path ("" for the root)."""
    if not st.context.url:
        return ""
    path = unquote(urlparse(st.context.url).path).strip("/")
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return path.removeprefix(base).strip("/")


def no_such_page() -> None:
    """What an address that names no page shows: that, and every page. It is a page of its own (a
    hidden one at the very address asked for), so that Streamlit, finding a page there, does not add
    its own "Page not found" box on top of this answer."""
    st.title("No such page")
    st.warning(f"There is no page at /{requested_path()}. The app's pages are:")
    for page in pages.values():
        st.page_link(page)


def go_to(screen: registry.Screen) -> None:
    """Another address of ``screen`` (/explorer for the root page): switch to it, keeping the link's state."""
    st.switch_page(pages[screen], query_params=dict(st.query_params))


def sharing() -> None:
    """The sidebar's link control, and what a link cannot carry."""
    widgets.copy_link()
    active = st.session_state.get(Key.ACTIVE_MODEL)
    if active is not None and not active.shipped:
        st.caption(
            f"'{active.name}' exists only in this session: a link to this view opens "
            f"{models.DEFAULT_CHECKPOINT} instead."
        )
    st.toggle("Presentation mode", key=Key.PRESENT, help="Large type and images for a projector; no sidebar.")


st.set_page_config(page_title="VAE Latent Explorer", page_icon=str(HERE / "icon.png"), layout="wide")
pages = {
    screen: st.Page(
        screen.path,
        title=screen.title,
        icon=screen.icon,
        url_path=screen.url_path,  # "" for the root page: its file's name stays free for an alias
        default=screen == registry.DEFAULT,
    )
    for screen in registry.SCREENS
}
sections: dict[str, list[st.Page]] = {}
for screen, page in pages.items():
    sections.setdefault(screen.section, []).append(page)
detours = {  # hidden pages: each other address of a screen, and the address asked for if it names no page
    st.Page(lambda screen=screen: go_to(screen), title=screen.title, url_path=alias, visibility="hidden"): screen
    for screen in registry.SCREENS
    for alias in screen.aliases
}
asked = requested_path()  # with a "/" (/a/b) it cannot be a page's address (docs/navigation.md)
if asked and "/" not in asked and asked not in {p.url_path for p in (*pages.values(), *detours)}:
    detours[st.Page(no_such_page, title="No such page", url_path=asked, visibility="hidden")] = None
sections[registry.DEFAULT.section] += list(detours)  # hidden: the navigation lists none of them
chosen = st.navigation(sections, expanded=True)  # every page listed: 13 would otherwise fold after 10
if chosen in detours:
    chosen.run()  # a switch to the screen, or the list of pages
    st.stop()
screen = next(screen for screen, page in pages.items() if page is chosen)
# The dark theme's background (Streamlit 1.67's), for what must match it: a wide equation's scroll-shadow covers.
dark = ":root { --page-background: rgb(23, 22, 20); }" if st.context.theme.type == "dark" else ""
st.html(f"<style>{(HERE / 'style.css').read_text()}{dark}</style>")

notices: list[str] = []
if not st.session_state.get(Key.LINK_READ):  # a fresh browser session: set up the view its link describes
    st.session_state[Key.LINK_READ] = True
    housekeeping.track()  # so that its files are freed once it has ended
    st.session_state[Key.PRESENT] = st.query_params.get(links.PRESENT) == "1"
    if screen.hosts_views:  # a page of other pages' views (a lesson) follows its link itself
        st.session_state[Key.OPENED_WITH] = dict(st.query_params)
    else:
        notices = links.apply(screen.file, dict(st.query_params))
st.session_state[Key.VIEW], st.session_state[Key.VIEW_EXTRA] = screen.file, {}

models.draw_picker()
with st.sidebar:
    sharing()
presenting = bool(st.session_state.get(Key.PRESENT))
if presenting:
    st.html(f"<style>{(HERE / 'presentation.css').read_text()}</style>")
    if not screen.hosts_views:  # a lesson puts it beside its step controls
        widgets.leave_presentation()

if not (presenting and screen.hosts_views):  # a lesson on a projector: its step title suffices
    st.title(screen.heading)
if notices:
    st.warning("Parts of the link you opened were ignored:\n" + "\n".join(f"- {n}" for n in notices))
links.publish()  # now too: a page that stops early (st.stop) ends the run before the finally's can be sent
try:
    chosen.run()
finally:
    links.publish()
    warmup.page_drawn()  # the first run's page is up: the server's warm-up may start (ui/warmup.py)
