"""The documentation holds together: the README stays a front door, and no link in it or in docs/ is dead.

The README is what a newcomer reads first, so it keeps to what the project is, the two commands, a
tour and where to go next (at most 15,000 bytes); measurements live in docs/, one file per topic. A
moved section or a renamed heading silently breaks the links that pointed at it: these tests find them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ui.registry import SCREENS

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
README_MAX_BYTES = 15_000

LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")  # [text](target) and ![alt](target)
FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`[^`\n]*`")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def prose(markdown: str) -> str:
    """The Markdown without code blocks and inline code, where a bracket is not a link."""
    return INLINE_CODE.sub("", FENCE.sub("", markdown))


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(markdown_file: Path) -> set[str]:
    """Every heading anchor a link may name in ``markdown_file``."""
    return {anchor(h) for h in HEADING.findall(FENCE.sub("", markdown_file.read_text(encoding="utf-8")))}


def dead_links(markdown_file: Path) -> list[str]:
    """The relative links of ``markdown_file`` whose file or heading does not exist, with why."""
    dead = []
    for target in LINK.findall(prose(markdown_file.read_text(encoding="utf-8"))):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto: are not ours to check
            continue
        path_part, _, fragment = target.partition("#")
        linked = (markdown_file.parent / path_part).resolve() if path_part else markdown_file
        if not linked.exists():
            dead.append(f"{target}: no such file")
        elif fragment and linked.suffix == ".md" and fragment not in anchors(linked):
            dead.append(f"{target}: no heading #{fragment} in {path_part or markdown_file.name}")
    return dead


@pytest.mark.parametrize("markdown_file", [README, *DOCS], ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(markdown_file: Path) -> None:
    assert dead_links(markdown_file) == []


def test_a_dead_link_is_found(tmp_path: Path) -> None:
    """The checker itself can fail: a missing file and a missing heading are both reported."""
    (tmp_path / "other.md").write_text("# Real heading\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text(
        "[ok](other.md#real-heading) [gone](missing.md) [no heading](other.md#not-there) `[code](x.md)`\n",
        encoding="utf-8",
    )
    assert dead_links(page) == ["missing.md: no such file", "other.md#not-there: no heading #not-there in other.md"]


def test_readme_is_a_front_door() -> None:
    size = len(README.read_bytes())
    assert size <= README_MAX_BYTES, f"README.md is {size:,} bytes: move measurements and stories to docs/"


def test_readme_tours_every_page() -> None:
    """The tour names every page of the navigation, so a new page cannot be missing from it."""
    readme = README.read_text(encoding="utf-8")
    assert [s.title for s in SCREENS if f"**{s.title}**" not in readme] == []


def test_readme_points_to_every_docs_file() -> None:
    """'Where to go next' lists every topic in docs/, so none is reachable only by browsing the folder."""
    readme = README.read_text(encoding="utf-8")
    where_next = readme.split("## Where to go next", 1)[1]
    assert [p.name for p in DOCS if f"(docs/{p.name})" not in where_next] == []
