"""The race behind "Cannot set a node at a delta path", forced: a fragment rerun that starts while the
full run of the page just switched to still has messages waiting to be sent (tests/test_fragment_race.py).

Page A is laid out as pages/explorer.py is: a fragment (columns, a slider, a large image whose bytes
never change) inside a slot the page owns, then an expander. On a full run of A that follows a visit
to B, the fragment waits until the browser's timer has asked for a fragment rerun (queued behind this
run), then holds up the session's event loop, as 30 sessions on 2 cores do, so that the rest of the
run is still queued when the fragment run starts and clears the queue of that fragment's messages.

With Streamlit's message cache on, the unchanged image goes out as a reference, which carries no
fragment id and survives that clear; its parent blocks do not, and the browser, which dropped page
A's old nodes on the page change, cannot place it. The project's .streamlit/config.toml turns the
cache off (global.minCachedMessageSize); the test runs this app with and without that setting.
"""

import base64
import io
import time

import numpy as np
import streamlit as st
from PIL import Image
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx


@st.cache_resource
def large_image() -> str:
    """A PNG of about 75 kB (over the cache's 10 kB threshold), the same bytes on every run."""
    pixels = np.random.default_rng(0).integers(0, 256, (160, 160, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def hold_up_event_loop(seconds: float) -> None:
    """The session's event loop, which sends its queued messages, is busy for ``seconds``."""
    context = get_script_run_ctx()
    session = Runtime.instance()._session_mgr.get_session_info(context.session_id).session
    session._event_loop.call_soon_threadsafe(time.sleep, seconds)
    time.sleep(0.05)


@st.fragment(run_every=1.0)
def explorer() -> None:
    context = get_script_run_ctx()
    if not context.fragment_ids_this_run and st.session_state.get("back_from_b"):
        st.session_state["back_from_b"] = False
        time.sleep(2.0)  # the browser's timer asks for a fragment rerun meanwhile
        hold_up_event_loop(2.0)
    left, right = st.columns(2)
    left.slider("z", -3.0, 3.0, 0.0, key="z")
    right.image(large_image(), caption="the same bytes on every run")


def page_a() -> None:
    st.caption("Page A")
    with st.container():
        explorer()
    with st.expander("Notes after the fragment"):
        st.markdown("text")


def page_b() -> None:
    st.session_state["back_from_b"] = True
    st.write("Page B: now go back to A.")


st.title("A fragment after a page switch")
st.navigation([st.Page(page_a, title="A", url_path="a", default=True), st.Page(page_b, title="B", url_path="b")]).run()
