"""The layers import downwards only: vae_core knows nothing of the app, the server package nothing of
what draws, nothing imports a page, and the benchmarks and their harness import no test module.

Read from the source with ``ast`` (every import statement, also those inside functions), so a lazy
import inside a function counts as much as one at the top of a file."""

from __future__ import annotations

import ast
import subprocess
import sys
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


# What the first view imports before it is sent: none of it may import torch (1.6 s of a cold start;
# docs/performance.md, "Start-up"). Grows as the torch-free first view is built.
TORCH_FREE = (
    "vae_core",
    "ui.links",
    "ui.models",
    "ui.cards",
    "ui.browser_files",
    "ui.widgets",
    "ui.derived",
    "ui.images",
    "ui.warmup",
    "ui.fragments",
    "ui.notes",
    "vae_core.grid",
    "ui.registry",
    "ui.state",
    "server.sharing",
    "server.housekeeping",
    "server.first_view",
)


def modules_importing_torch(modules: tuple[str, ...]) -> list[str]:
    """Each of ``modules`` that imports torch, each imported alone in a fresh interpreter."""
    code = "import importlib, sys; importlib.import_module(sys.argv[1]); print('torch' in sys.modules)"
    return [
        module
        for module in modules
        if subprocess.run(
            [sys.executable, "-c", code, module], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.split()
        != ["False"]
    ]


def test_the_first_views_modules_import_no_torch() -> None:
    assert modules_importing_torch(TORCH_FREE) == []


def test_the_servers_preload_imports_what_the_first_run_needs_and_no_torch() -> None:
    """app.py's start-up thread (ui.warmup.preload) loads the first run's modules early; torch must wait for the
    first pad to say it is drawn (server/first_view.py), so the preload must not bring it in."""
    code = (
        "import sys; from ui import warmup; warmup.preload().join(); "
        "print('torch' in sys.modules, all(m in sys.modules for m in warmup.FIRST_RUN_MODULES))"
    )
    found = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert found.stdout.split() == ["False", "True"]


def test_the_torch_check_sees_torch() -> None:
    assert modules_importing_torch(("vae_core.model", "ui.links")) == ["vae_core.model"]


def test_every_public_name_of_vae_core_is_found_where_it_is_declared() -> None:
    """The package loads its names on first use (PEP 562): each name it lists must be where it says."""
    import vae_core

    assert all(getattr(vae_core, name) is not None for name in vae_core.__all__)
    assert vae_core.hierarchy.HierarchicalVAE is vae_core.HierarchicalVAE  # a submodule, by attribute
    import vae_core.evaluate
    import vae_core.train  # modules named as their functions: the package's name is still the function

    assert callable(vae_core.evaluate) and callable(vae_core.train)
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = vae_core.nothing
