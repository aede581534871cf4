"""The layers import downwards only: vae_core knows nothing of the app, the server package nothing of
what draws, nothing imports a page, and the benchmarks and their harness import no test module.

Read from the source with ``ast`` (every import statement, also those inside functions), so a lazy
import inside a function counts as much as one at the top of a file."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APP_PACKAGES = {"ui", "server", "pages", "app", "tests", "harness", "bench"}

# (folder whose modules are checked, top-level packages they must not import, why)
RULES = [
    ("vae_core", APP_PACKAGES, "the library runs without the app (CLI, notebooks, torchrun)"),
    ("server", {"ui", "pages", "app", "tests", "harness", "bench"}, "the server's operations draw nothing"),
    ("ui", {"pages", "app", "tests", "harness", "bench"}, "pages use ui, never the other way round"),
    ("pages", {"pages", "app", "tests", "harness", "bench"}, "a page is a script, not a library"),
    ("bench", {"tests", "pages"}, "benchmarks share helpers with the tests through harness/"),
    ("harness", {"tests", "pages"}, "harness/ is what tests and benchmarks share"),
]


def imported_packages(path: Path) -> dict[str, int]:
    """Top-level package -> first line that imports it, for every import in ``path`` (relative
    imports count as the file's own package)."""
    found: dict[str, int] = {}
    own = path.relative_to(ROOT).parts[0]
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [own] if node.level else [node.module or ""]
        else:
            continue
        for name in names:
            found.setdefault(name.split(".")[0], node.lineno)
    return found


def violations(folder: str, forbidden: set[str]) -> list[str]:
    """``file:line imports package`` for every forbidden import under ``folder``."""
    found = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        for package, line in imported_packages(path).items():
            if package in forbidden:
                found.append(f"{path.relative_to(ROOT)}:{line} imports {package}")
    return found


@pytest.mark.parametrize(("folder", "forbidden", "why"), RULES, ids=[rule[0] for rule in RULES])
def test_each_layer_imports_downwards_only(folder: str, forbidden: set[str], why: str) -> None:
    assert (ROOT / folder).is_dir()
    assert violations(folder, forbidden) == [], why


def test_the_check_sees_an_upward_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The checker itself can fail: a server module importing ui (lazily, inside a function) is found."""
    (tmp_path / "server").mkdir()
    (tmp_path / "server" / "bad.py").write_text("def f():\n    from ui import models\n    return models\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    assert violations("server", {"ui"}) == ["server/bad.py:2 imports ui"]


def test_nothing_imports_a_page() -> None:
    """Pages are run by st.navigation from their file paths; importing one would run its script."""
    importers = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted(ROOT.rglob("*.py"))
        if ".venv" not in path.parts
        for package, line in imported_packages(path).items()
        if package == "pages"
    ]
    assert importers == []
