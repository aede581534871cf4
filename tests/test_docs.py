"""The documentation holds together: the README stays a front door, and no link in it or in docs/ is dead.

The README is what a newcomer reads first, so it keeps to what the project is, the two commands, a
tour and where to go next (at most 15,000 bytes); measurements live in docs/, one file per topic, and
docs/README.md indexes them. A moved section or a renamed heading silently breaks the links that
pointed at it: these tests find them. The shipped models' figures are made from the checkpoint files
(`python -m vae_core models --write docs/models.md`), so a retrained model cannot leave the docs behind.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from ui.registry import SCREENS
from vae_core import catalogue, cli

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
DOCS_INDEX = ROOT / "docs" / "README.md"
MODELS_DOC = ROOT / "docs" / "models.md"
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


def test_docs_index_points_to_every_docs_file() -> None:
    """docs/README.md, the index by topic, lists every other file in docs/."""
    index = DOCS_INDEX.read_text(encoding="utf-8")
    assert [p.name for p in DOCS if p != DOCS_INDEX and f"({p.name})" not in index] == []


ISSUE_HEADING = re.compile(r"\bissues?\s*#?\d", re.IGNORECASE)


@pytest.mark.parametrize("markdown_file", [README, *DOCS], ids=lambda p: str(p.relative_to(ROOT)))
def test_no_heading_names_an_issue(markdown_file: Path) -> None:
    """Docs are organised by topic, never by issue number: a heading says what, not which ticket."""
    headings = HEADING.findall(FENCE.sub("", markdown_file.read_text(encoding="utf-8")))
    assert [h for h in headings if ISSUE_HEADING.search(h)] == []


def shipped_checkpoints() -> list[Path]:
    """The checkpoints the repository ships: git's tracked files directly in checkpoints/ (a model a
    reader trained into that folder is not one of them); without git, every file there."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--", "checkpoints/*.safetensors"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return catalogue.checkpoints_in(ROOT / "checkpoints")
    paths = [ROOT / name for name in listed.split("\0") if name]
    return sorted(p for p in paths if p.parent == ROOT / "checkpoints")


@pytest.fixture(scope="module")
def shipped_rows() -> list[catalogue.Row]:
    return catalogue.rows(shipped_checkpoints())


def test_models_doc_is_made_from_the_checkpoints(shipped_rows: list[catalogue.Row]) -> None:
    """docs/models.md's table is exactly what the shipped files say about themselves."""
    text = MODELS_DOC.read_text(encoding="utf-8")
    made = catalogue.with_table(text, catalogue.markdown(shipped_rows))
    assert text == made, "run: python -m vae_core models --write docs/models.md"


def test_the_made_part_replaces_only_itself() -> None:
    """The prose around the markers is kept; a file without them is refused, not overwritten."""
    text = f"before\n{catalogue.BEGIN}\nold table\n{catalogue.END}\nafter\n"
    assert (
        catalogue.with_table(text, "new table\n") == f"before\n{catalogue.BEGIN}\nnew table\n{catalogue.END}\nafter\n"
    )
    with pytest.raises(ValueError, match="to hold the table"):
        catalogue.with_table("no markers here\n", "new table\n")


README_FIGURE = re.compile(r"(−ELBO|KL|−log p\(x\)) (\d+\.\d+)")
README_FIGURE_FIELD = {"−ELBO": "negative_elbo", "KL": "kl", "−log p(x)": "iwae_nll"}


def test_readme_models_table_quotes_the_checkpoints(shipped_rows: list[catalogue.Row]) -> None:
    """Each −ELBO, KL and −log p(x) in the README's table of shipped models is the file's stored figure,
    and the table names every shipped model (its other figures, hole fractions and greys, come from
    docs/theory.md's commands)."""
    section = README.read_text(encoding="utf-8").split("## The shipped models", 1)[1].split("\n## ", 1)[0]
    table = dict(re.findall(r"^\| `([\w.-]+)` \|.*\| ([^|]+) \|$", section, re.MULTILINE))
    tests = {r.name: r.record.test.as_dict() for r in shipped_rows if r.record.test is not None}
    assert sorted(table) == sorted(tests)
    quoted = [(name, what, figure) for name, cell in table.items() for what, figure in README_FIGURE.findall(cell)]
    assert quoted, "no stored figure quoted: the check would check nothing"
    wrong = [
        (name, what, figure, tests[name].get(README_FIGURE_FIELD[what]))
        for name, what, figure in quoted
        if f"{tests[name].get(README_FIGURE_FIELD[what], float('nan')):.2f}" != figure
    ]
    assert wrong == []


def test_the_cli_writes_the_table_between_the_markers_and_refuses_a_file_without_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`python -m vae_core models FOLDER --write FILE` fills FILE's made part and keeps its prose; a file
    without the markers gets a message and is left as it was."""
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "only-one.safetensors").write_bytes((ROOT / "checkpoints" / "standard-2d.safetensors").read_bytes())
    page = tmp_path / "page.md"
    page.write_text(f"# Ours\n\nprose\n\n{catalogue.BEGIN}\n{catalogue.END}\n\nmore prose\n", encoding="utf-8")
    assert cli.main(["models", str(folder), "--write", str(page)]) == 0
    text = page.read_text(encoding="utf-8")
    assert text.startswith("# Ours\n\nprose\n\n") and text.endswith(f"{catalogue.END}\n\nmore prose\n")
    assert "| `only-one` | 2 |" in text and "--out checkpoints/standard-2d.safetensors" in text
    plain = tmp_path / "plain.md"
    plain.write_text("no markers\n", encoding="utf-8")
    assert cli.main(["models", str(folder), "--write", str(plain)]) == 2
    assert plain.read_text(encoding="utf-8") == "no markers\n"
    assert "to hold the table" in capsys.readouterr().err
