"""Check a text's maths with the KaTeX the app itself renders with, before a class sees it.

Streamlit renders Markdown maths ($...$ inline, $$...$$ display) with KaTeX in the browser and shows
an equation it cannot parse as red source text. A lesson file is checked before class instead: each
formula goes through ``katex.renderToString(tex, {throwOnError: true})`` of the very KaTeX module
Streamlit ships (a self-contained ES module in its static files), run by Node.js. No Node, no check:
``problems`` says so rather than passing silently.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

import streamlit

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


def formulas(text: str) -> list[tuple[str, bool]]:
    """Every formula of a Markdown text, as (TeX, displayed?)."""
    found = [(m.group(1).strip(), True) for m in _DISPLAY.finditer(text)]
    rest = _DISPLAY.sub(" ", text)
    return found + [(m.group(1), False) for m in _INLINE.finditer(rest)]


@lru_cache(maxsize=1)
def _katex_module() -> Path | None:
    """Streamlit's own KaTeX, copied as an .mjs file so Node loads it as an ES module."""
    static = Path(streamlit.__file__).parent / "static" / "static" / "js"
    found = sorted(static.glob("katex.*.js"))
    if not found:
        return None
    copy = Path(tempfile.gettempdir()) / f"streamlit-{streamlit.__version__}-{found[0].stem}.mjs"
    if not copy.exists():
        shutil.copyfile(found[0], copy)
    return copy


def problems(text: str) -> list[str] | None:
    """What KaTeX says of each formula it cannot render (empty: all render); None where it cannot
    check (no Node.js or no KaTeX module found)."""
    found = formulas(text)
    if not found:
        return []
    node, module = shutil.which("node"), _katex_module()
    if node is None or module is None:
        return None
    result = subprocess.run(
        [node, "--input-type=commonjs", "-e", f"(async () => {{{_RENDER}}})()", module.as_uri()],
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
