"""The teaching notes: one Markdown file per topic beside this module, and the panel that shows them.

A teacher reads these aloud, so each is plain Markdown with KaTeX maths. A display equation is kept
on one line between ``$$`` lines: a line inside it that began with ``-`` or ``+`` would be read by
Markdown as a list item and break the equation.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import streamlit as st

FOLDER = Path(__file__).parent


@cache
def note(topic: str) -> str:
    """The Markdown of one topic (notes/TOPIC.md)."""
    return (FOLDER / f"{topic}.md").read_text()


def topics() -> list[str]:
    return sorted(p.stem for p in FOLDER.glob("*.md"))


def explain(*topics: str, intro: str = "") -> None:
    """A "what you are seeing" panel with the maths, for teachers."""
    with st.expander("What you are seeing, and the maths behind it"):
        if intro:
            st.markdown(intro)
        for topic in topics:
            st.markdown(note(topic))
