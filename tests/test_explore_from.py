"""Reconstruct's "Explore from here": the explorer opens on a drawn or uploaded digit's code (AppTest:
the explorer's side, given what the button leaves in the session; tests/test_browser.py clicks it)."""

from __future__ import annotations

import numpy as np

from tests.support.apptest import app
from ui import widgets
from ui.state import Key


def test_a_code_sent_to_a_32d_explorer_sets_the_pad_and_holds_the_other_dimensions_there():
    at = app()
    at.sidebar.selectbox(key="model_key").set_value("shipped:mnist-32d").run()
    code = tuple(float(v) for v in np.random.default_rng(0).normal(0, 1, 32))
    at.session_state[Key.HOLD_CODE] = ("mine.png", code)
    at.session_state[Key.EXPLORE_FROM] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    dims = at.sidebar.selectbox(key=Key.DIM_X).value, at.sidebar.selectbox(key=Key.DIM_Y).value
    assert (at.slider(key=Key.Z_X).value, at.slider(key=Key.Z_Y).value) == tuple(round(code[d], 2) for d in dims)
    assert Key.EXPLORE_FROM not in at.session_state, "once: moving the point afterwards is not undone"
    # The button also chooses this hold (before the explorer draws its radio; AppTest cannot do that).
    at.sidebar.radio(key=Key.HOLD).set_value(widgets.EXPLORE_MINE).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("mine.png" in c.value for c in at.sidebar.caption)
    assert "decoded at z = " in at.get("image")[0].captions[0]


def test_a_code_of_another_model_is_not_offered_as_a_hold():
    at = app()
    at.sidebar.selectbox(key="model_key").set_value("shipped:mnist-32d").run()
    at.session_state[Key.HOLD_CODE] = ("mine.png", (0.5, -0.5))  # sent from a 2-D model
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert widgets.EXPLORE_MINE_LABEL not in at.sidebar.radio(key=Key.HOLD).options
