"""Check a text's maths with the KaTeX the app renders with, before a class sees it; and turn Markdown with
maths into HTML whose formulas the browser renders when they are shown (``html``, for ui.notes).

Streamlit renders Markdown maths ($...$ inline, $$...$$ display) with KaTeX 0.16.47 in the browser and
shows an equation it cannot parse as red source text. A lesson file is checked before class instead: each
formula goes through ``katex.renderToString(tex, {throwOnError: true})`` of ``KATEX``, the same version,
run by Node.js. No Node, no check: ``problems`` says so rather than passing silently.

``KATEX`` is KaTeX's own build (ui/vendor/katex, MIT), kept in the repository: Streamlit's Markdown bundles its
copy inside its renderer, where no script can call it, and the ``katex.*.js`` chunk in its static files is
Mermaid's build, whose class names Streamlit's KaTeX style sheet does not know. The maths panels render with it
in the browser, served by content URL (ui.notes), and Streamlit's style sheet and fonts, loaded on every page,
style it. A test keeps its version equal to that style sheet's.
"""

from __future__ import annotations

import html as html_escaping
import json
import re
import shutil
import subprocess
from pathlib import Path

from markdown_it import MarkdownIt

KATEX = Path(__file__).parent / "vendor" / "katex" / "katex.min.js"

# $$...$$ first (it may span lines), then $...$ on one line; \$ is a literal dollar.
_DISPLAY = re.compile(r"(?<!\\)\$\$(.+?)(?<!\\)\$\$", re.S)
_INLINE = re.compile(r"(?<![\\$])\$(?!\$)(.+?)(?<![\\$])\$(?!\$)")

_UNDERLINE = "\u0332"  # KaTeX underlines the culprit with combining characters; a terminal garbles them
_RENDER = """
const katex = (await import(process.argv[1])).default;
const formulas = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const errors = formulas.map(([tex, display]) => {
  try { katex.renderToString(tex, {throwOnError: true, displayMode: display}); return null; }
  catch (e) { return String(e.message); }
});
console.log(JSON.stringify(errors));
"""


# CommonMark, as Streamlit's Markdown reads it, with GitHub's tables.
_MARKDOWN = MarkdownIt("commonmark").enable("table")
_HELD = re.compile(r"TEXHELD(\d+)X")  # a formula's place while the Markdown around it is read


def _held(text: str) -> tuple[str, list[tuple[str, bool]]]:
    """The text with each formula replaced by its place (TEXHELD<n>X), and the formulas as (TeX, displayed?):
    the displayed ones first, then the inline ones in what is left, as Streamlit's remark-math finds them."""
    held: list[tuple[str, bool]] = []

    def hold(match: re.Match[str], display: bool) -> str:
        held.append((match.group(1).strip() if display else match.group(1), display))
        return f"TEXHELD{len(held) - 1}X"

    text = _DISPLAY.sub(lambda m: hold(m, True), text)
    return _INLINE.sub(lambda m: hold(m, False), text), held


def formulas(text: str) -> list[tuple[str, bool]]:
    """Every formula of a Markdown text, as (TeX, displayed?)."""
    return _held(text)[1]


def html(text: str) -> str:
    """Markdown with maths as HTML, each formula left as its TeX in ``<span class="tex">`` (``"tex display"``
    for $$...$$) for KaTeX to render in the browser. The formulas are taken out before the Markdown is read,
    as remark-math does, so that an ``_`` or ``*`` in TeX is never read as emphasis."""
    text, held = _held(text)

    def put(match: re.Match[str]) -> str:
        formula, display = held[int(match.group(1))]
        return f'<span class="tex{" display" if display else ""}">{html_escaping.escape(formula)}</span>'

    return _HELD.sub(put, _MARKDOWN.render(text))


def problems(text: str) -> list[str] | None:
    """What KaTeX says of each formula it cannot render (empty: all render); None where it cannot
    check (no Node.js or no KaTeX module found)."""
    found = formulas(text)
    if not found:
        return []
    node = shutil.which("node")
    if node is None:
        return None
    result = subprocess.run(
        [node, "--input-type=commonjs", "-e", f"(async () => {{{_RENDER}}})()", KATEX.as_uri()],
        input=json.dumps(found),
        capture_output=True,
        text=True,
        timeout=60,
    )
    if result.returncode != 0:
        return None
    errors = json.loads(result.stdout)
    return [
        f"${tex}$: {error.removeprefix('KaTeX parse error: ').replace(_UNDERLINE, '')}"
        for (tex, _), error in zip(found, errors, strict=True)
        if error
    ]
