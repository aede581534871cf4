"""The teaching notes: one Markdown file per topic beside this module, and the panel that shows them.

A teacher reads these aloud, so each is plain Markdown with KaTeX maths. A display equation is kept
on one line between ``$$`` lines: a line inside it that began with ``-`` or ``+`` would be read by
Markdown as a list item and break the equation.

The panel is HTML (``ui.tex.html``) whose formulas the browser renders with KaTeX only when the panel is
opened (panel.js): drawn by Streamlit's Markdown on every visit, a closed panel's formulas were 70-85 % of
each page's elements and 20-35 ms of every switch to it (docs/performance.md, "Speed").
"""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path

import streamlit as st

from server import served
from ui import tex

FOLDER = Path(__file__).parent
_SCRIPT = (FOLDER / "panel.js").read_text()


@cache
def note(topic: str) -> str:
    """The Markdown of one topic (notes/TOPIC.md)."""
    return (FOLDER / f"{topic}.md").read_text()


def topics() -> list[str]:
    return sorted(p.stem for p in FOLDER.glob("*.md"))


def explain(*topics: str, intro: str = "") -> None:
    """A "what you are seeing" panel with the maths, for teachers."""
    katex = html.escape(served.url("vendor:katex", "js", tex.KATEX.read_bytes), quote=True)  # kept recent
    with st.expander("What you are seeing, and the maths behind it"):
        notes = f'<div class="maths-notes" data-katex="{katex}">{panel_html(intro, topics)}</div>'
        st.html(f"{notes}<script>{_SCRIPT}</script>", unsafe_allow_javascript=True)


@cache
def panel_html(intro: str, topics: tuple[str, ...]) -> str:
    """The intro and each topic's note as HTML, their formulas as TeX for the browser (``ui.tex.html``)."""
    return "".join(tex.html(text) for text in ((intro,) if intro else ()) + tuple(note(t) for t in topics))
