"""Which browser checks run in CI's second stage (docs/testing.md, "Two stages").

The pages whose first view computes for many seconds on a fresh server (hole maps over 10,000 codes, four
sprites models' scores, the anomaly sets' scores, a hierarchy's levels): their browser checks run in the
slow stage, where they still must pass. The main stage still renders each of them (tests/test_app.py, in
process) and walks the lesson that shows them at two projector sizes (tests/test_presentation.py).
"""

from __future__ import annotations

from typing import Any

import pytest

from ui import registry

HEAVY_FIRST_VIEW = frozenset({"holes.py", "disentanglement.py", "anomaly.py", "levels.py"})


def per_screen(heavy: frozenset[str] = HEAVY_FIRST_VIEW) -> list[Any]:
    """``registry.SCREENS`` as pytest parameters, those in ``heavy`` marked for the slow stage."""
    return [pytest.param(s, marks=[pytest.mark.slow] if s.file in heavy else [], id=s.file) for s in registry.SCREENS]
