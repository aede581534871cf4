"""How the pages put dimension usage into words and tables, from ``vae_core.usage``: the definition
stated once, and the dimensions where Burda et al.'s activity criterion would count differently."""

from __future__ import annotations

import pandas as pd

from vae_core.usage import ACTIVE_UNIT_NATS, BURDA_ACTIVITY_THRESHOLD, DimensionUsage

DEFINITION = (
    f"A dimension is **active** when it carries at least {ACTIVE_UNIT_NATS:g} nats (dashed line): its mean KL "
    "to N(0, 1) over the test digits, or with a learnt prior the information ½ log(1 + Var μ / E σ²). "
    "Blue: active; grey: inactive."
)


def count_title(usage: DimensionUsage, latent_dim: int) -> str:
    """'KL per dimension: 9 of 10 active' (or 'Information per dimension: ...'): the chart's title."""
    return f"{usage.what[0].upper()}{usage.what[1:]} per dimension: {usage.active_units} of {latent_dim} active"


DISAGREEMENT_CAPTION = (
    f"Where Burda et al.'s criterion, activity Cov_x(E_q[z_d]) > {BURDA_ACTIVITY_THRESHOLD:g}, counts differently "
    f"from this page's (at least {ACTIVE_UNIT_NATS:g} nats):"
)


def disagreement_table(usage: DimensionUsage) -> pd.DataFrame | None:
    """The dimensions that the nats and Burda et al.'s activity (Cov_x(E_q[z_d]) > 0.01) classify
    differently, one row each with both figures and both verdicts, each figure beside its verdict in
    one cell: the table sits in half a page, and with a column per verdict it was 558 px wide in a
    451 px column on a 1024 x 768 projector. None when they agree everywhere."""
    rows = {
        f"z{d + 1}": {
            f"{usage.what} (nats)": f"{float(usage.nats[d]):.3f} · {'active' if usage.active[d] else 'inactive'}",
            "Burda's activity": f"{float(usage.activity[d]):.3f} · "
            + ("active" if usage.burda_active[d] else "inactive"),
        }
        for d in usage.disagreements
    }
    return pd.DataFrame(rows).T if rows else None
