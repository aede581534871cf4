"""A page's fragments, each drawn in a slot of the page's own.

Why the slot: a fragment rerun that starts while the full run of a page just switched to still has
messages waiting to be sent drops that fragment's unsent messages (the race tests/test_fragment_race.py
forces). Inside a container of its own, the fragment's place in the page is that container's, so what
the page draws after it can never shift into the fragment's place meanwhile.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import streamlit as st


def fragment(
    body: Callable[[], None] | None = None, *, run_every: float | None = None
) -> Callable[[], None] | Callable[[Callable[[], None]], Callable[[], None]]:
    """``st.fragment`` whose call draws it inside a container of its own: ``@fragment`` or
    ``@fragment(run_every=1.0)`` over a function of no arguments, then call it where it belongs."""

    def slotted(body: Callable[[], None]) -> Callable[[], None]:
        run = st.fragment(body, run_every=run_every)

        @functools.wraps(body)
        def in_slot() -> None:
            with st.container():
                run()

        return in_slot

    return slotted if body is None else slotted(body)
