"""How far a latent grid reaches along one axis, without torch: the explorer sizes its latent pad by it
before the model is loaded (docs/performance.md, "Start-up"). ``vae_core.inference.grid_axis`` lays the
points out; this is its outermost coordinate, and tests/test_inference.py checks that the two agree."""

from __future__ import annotations

from statistics import NormalDist


def grid_edge(n: int, *, extent: float = 3.0, spacing: str = "linear") -> float:
    """|z| of the outermost of ``grid_axis(n, extent=extent, spacing=spacing)``'s n points: ``extent`` for
    "linear"; for "normal", the inverse normal CDF of the outermost cell's centre, 1 - 1/(2n)."""
    if spacing == "linear":
        return float(extent)
    if spacing == "normal":
        return NormalDist().inv_cdf(1 - 0.5 / n)
    raise ValueError(f"unknown grid spacing {spacing!r}: use 'linear' or 'normal'")
