"""The model picker and the models it offers: the shipped checkpoints, this session's uploads and
the model trained in this session.

The navigation script draws the picker once, in the sidebar, before any page runs (the pattern
Streamlit's docs prefer for a widget every page shares: it keeps its value across pages without
copying keys). A page reads the result with ``active()`` and asks for another model with ``request()``.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import streamlit as st

import vae_core as vc  # imports no torch until a name in it is used (vae_core/__init__.py)
from server import first_view
from server.sharing import DEFAULT_CHECKPOINT as DEFAULT_CHECKPOINT  # the UI reads it from here too
from server.sharing import shipped_checkpoints as shipped_checkpoints  # where models are kept: the server's
from server.sharing import shipped_files
from ui import cards
from ui.state import Key

T = TypeVar("T")

UPLOADS_PER_SESSION = 4  # older uploads are forgotten, so one session cannot hoard memory
PICKER_CHARACTERS = 26  # about what the sidebar's select box shows of a name before it cuts it
TRAINED_PER_SESSION = 3  # the last runs stay selectable, to compare two settings (two values of β)


@dataclass(frozen=True)
class ActiveModel:
    """A model the picker offers, loaded on first use of ``model``: the picker and the explorer's first view
    read its ``card`` instead, which a shipped model keeps on disk (ui.cards), so they need no torch."""

    key: str  # identifies the weights: cache entries derived from the model are keyed by it
    name: str
    load: Callable[[], vc.VAE] = field(repr=False, compare=False)
    checkpoint: Path | None = None  # a shipped model's file, beside which its card is kept

    @functools.cached_property
    def model(self) -> vc.VAE:
        first_view.await_first_view()  # on a fresh server, torch waits for the first pad (server/first_view.py)
        return self.load()

    @functools.cached_property
    def card(self) -> cards.Card:
        """The picker's facts, the latent size and the class names: from the kept card if there is one."""
        return cards.card(self.checkpoint, lambda: self.model)

    def kept(self, part: str, make: Callable[[], bytes], read: Callable[[bytes], T]) -> T:
        """``read(make())``, kept with a shipped model's card (ui.cards) and read from there next time."""
        return cards.kept(self.checkpoint, part, make, read)

    @property
    def class_names(self) -> tuple[str, ...]:
        return self.card.class_names

    @property
    def shipped(self) -> bool:
        """Shipped checkpoints exist for everyone; uploads and trainings only in their own session."""
        return self.key.startswith("shipped:")


@st.cache_resource(show_spinner=False, max_entries=16)
def _load_shipped(path: str, mtime: float) -> vc.VAE:
    return vc.load_checkpoint(path)


def draw_picker() -> ActiveModel | None:
    """The sidebar: choose a shipped, uploaded or freshly trained model; show its key facts.
    Returns the chosen model (also kept for the page under Key.ACTIVE_MODEL), or None if there is none."""
    sidebar = st.sidebar
    sidebar.header("Model")
    choice = sidebar.container()  # the select box goes above the uploader, but is drawn after it
    with sidebar.expander("Upload a checkpoint (.safetensors)"):
        _read_checkpoint_upload()
    options = picker_options()
    if not options:
        sidebar.error("No checkpoints found in checkpoints/. Train one on the Train page.")
        st.session_state.pop(Key.ACTIVE_MODEL, None)
        return None
    requested = st.session_state.pop(Key.MODEL_REQUEST, None)
    if requested in options:
        st.session_state[Key.MODEL] = requested
    elif st.session_state.get(Key.MODEL) not in options:
        st.session_state[Key.MODEL] = next(iter(options))
    key = choice.selectbox("Model", list(options), format_func=options.get, key=Key.MODEL)
    active = st.session_state[Key.ACTIVE_MODEL] = _resolve(key, options[key])
    if len(options[key]) > PICKER_CHARACTERS:  # the box cuts a long name (a run's, an upload's): say it whole
        choice.caption(options[key])
    facts = active.card.facts
    choice.caption(" · ".join(f"{k}: **{v}**" for k, v in facts.items() if v is not None))
    return active


def picker_options() -> dict[str, str]:
    """The sidebar picker's options (picker value -> label), in the order shown; the pages that let a
    person pick two models (ui.widgets.pick_two_models) offer the same."""
    shipped = shipped_files()
    options = {f"shipped:{name}": name if name in shipped else f"{name} (shared)" for name in shipped_checkpoints()}
    options |= {key: f"uploaded: {name}" for key, (name, _) in st.session_state.get(Key.UPLOADED_MODELS, {}).items()}
    options |= {key: f"trained here: {name}" for key, (name, _) in st.session_state.get(Key.TRAINED_MODELS, {}).items()}
    return options


def load(key: str) -> ActiveModel:
    """The model behind one of ``picker_options()``'s keys (as the picker would resolve it)."""
    return _resolve(key, picker_options()[key])


def keep_trained(serial: str, name: str, model: vc.VAE) -> str:
    """Keep a model trained in this session (the last few stay) and make it the active one; returns
    its picker key."""
    trained = st.session_state.setdefault(Key.TRAINED_MODELS, {})
    key = f"trained:{serial}"
    trained[key] = (name, model)
    while len(trained) > TRAINED_PER_SESSION:
        del trained[next(iter(trained))]
    return key


def _read_checkpoint_upload() -> None:
    """A checkpoint upload becomes a model of this session's own: loaded once, kept in the session (the
    last few), and freed with it. Not a server-wide cache: memory a session uses ends with the session."""
    file = st.file_uploader("Checkpoint", type=["safetensors"], key=Key.CHECKPOINT_UPLOAD, label_visibility="collapsed")
    if file is None:
        return
    data = file.getvalue()
    key = f"upload:{hashlib.sha256(data).hexdigest()[:16]}"
    uploaded = st.session_state.setdefault(Key.UPLOADED_MODELS, {})
    if key in uploaded:
        return
    try:
        model = vc.load_checkpoint(data)
    except vc.CheckpointError as exc:
        st.error(f"Could not use {file.name}: {exc}")
        return
    uploaded[key] = (file.name, model)
    while len(uploaded) > UPLOADS_PER_SESSION:
        del uploaded[next(iter(uploaded))]
    st.session_state[Key.MODEL_REQUEST] = key


def _resolve(key: str, label: str) -> ActiveModel:
    if key.startswith("trained:"):
        trained = st.session_state[Key.TRAINED_MODELS][key][1]
        return ActiveModel(key, label, lambda: trained)
    if key.startswith("upload:"):
        name, uploaded = st.session_state[Key.UPLOADED_MODELS][key]
        return ActiveModel(key, name, lambda: uploaded)
    name = key.removeprefix("shipped:")
    path = shipped_checkpoints()[name]
    mtime = path.stat().st_mtime
    return ActiveModel(f"shipped:{name}:{mtime}", name, functools.partial(_load_shipped, str(path), mtime), path)


def shipped(name: str) -> ActiveModel:
    """A shipped checkpoint by name, outside the picker (the warm-up, pages comparing two models)."""
    return _resolve(f"shipped:{name}", name)


def active() -> ActiveModel:
    """The model chosen in the sidebar for this run; stops the page if there is none."""
    chosen = st.session_state.get(Key.ACTIVE_MODEL)
    if chosen is None:
        st.info("Pick or train a model first.")
        st.stop()
    return chosen


def request(key: str) -> None:
    """Make ``key`` the active model: the picker applies it as the app reruns."""
    st.session_state[Key.MODEL_REQUEST] = key
    st.rerun(scope="app")
