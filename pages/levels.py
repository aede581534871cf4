"""What each level of a hierarchical VAE encodes: each level's share of the bound (its KL term and active
units), a test digit decoded with one level held and the other drawn, and whether the top level's
aggregate posterior leaves the holes that the one-level models leave."""

import pandas as pd
import streamlit as st
import torch

import vae_core as vc
from ui import derived, links, models, widgets
from ui.charts import density_heatmap
from ui.images import enlarge, png_uri
from ui.models import ActiveModel
from ui.notes import explain
from ui.state import Key

SHIPPED = "ladder-2d"  # the hierarchy that ships
ONE_LEVEL = ("standard-2d", "mixture-2d")  # the Holes page's pair: one level, the standard and the mixture prior
SHOWN, GRID = 8, 60  # decodes per row; density-map cells per axis


def hierarchy() -> ActiveModel:
    """The model in the sidebar if it has levels, else the shipped hierarchy (saying so)."""
    active = models.active()
    if isinstance(active.model, vc.HierarchicalVAE):
        return active
    if SHIPPED not in models.shipped_checkpoints():
        st.info(
            f"{active.name} has one level of latent code, and no hierarchical model is installed here: "
            f"`bash checkpoints/train.sh {SHIPPED}` trains the shipped one (`--lower-levels` in the CLI)."
        )
        st.stop()
    st.info(f"{active.name} has one level of latent code: this page shows {SHIPPED}, the shipped hierarchy.")
    return models.shipped(SHIPPED)


def name(level: int, levels: int) -> str:
    """z_L at the top down to z_1."""
    return f"z{levels - level}"


def row(images: torch.Tensor) -> str:
    return png_uri(enlarge(vc.to_uint8(vc.tile(images, SHOWN, pad=2)), 2))


def levels_table(shown: ActiveModel) -> None:
    usage = derived.level_usage(shown.key, shown)
    total = sum(u.kl for u in usage)
    columns = {}  # one per level: a phone shows them without scrolling sideways
    for i, u in enumerate(usage):
        role = "top" if i == 0 else f"given {name(i - 1, len(usage))}"
        active_units = "–" if u.active_units is None else f"{u.active_units} of {u.size}"
        columns[f"{name(i, len(usage))} ({role})"] = {
            "dimensions": str(u.size),
            "KL term (nats per image)": f"{u.kl:.2f}",
            "share of the KL": f"{100 * u.kl / total:.0f} %",
            "active units (≥ 0.1 nats)": active_units,
        }
    st.dataframe(pd.DataFrame(columns))
    figures = derived.test_figures(shown.key, shown)
    iwae = "" if figures.iwae_nll is None else f"; −log p(x) {figures.iwae_nll:.2f} nats (IWAE, k = {figures.iwae_k})"
    st.caption(
        f"On the {len(derived.test_set(shown)[0]):,} test images, one posterior path each (seed 0). The test "
        f"−ELBO {figures.negative_elbo:.2f} nats = reconstruction {figures.reconstruction:.2f} + KL {figures.kl:.2f}"
        f"{iwae}."
    )


def held(shown: ActiveModel) -> None:
    model = shown.model
    top_name, below = (
        name(0, len(model.levels)),
        ", ".join(name(i, len(model.levels)) for i in range(1, len(model.levels))),
    )
    index = widgets.pick_test_digit(shown, "Digit", Key.LEVELS_DIGIT)
    seed = st.number_input("Seed", *links.bounds(Key.LEVELS_SEED), key=Key.LEVELS_SEED, persist_state="session")
    top, lower = derived.held_levels(shown.key, shown, index, SHOWN, int(seed))
    digit = vc.to_uint8(derived.test_set(shown)[0][index])
    c1, c2 = st.columns([1, 6])
    c1.image(png_uri(enlarge(digit, 3)), caption="the test digit")
    with c2:
        st.image(row(top), caption=f"{top_name} held at its posterior mean; {below} drawn from p({below} | {top_name})")
        st.image(
            row(lower), caption=f"{below} held at the posterior means; {top_name} drawn from the prior p({top_name})"
        )


def holes(shown: ActiveModel) -> None:
    compared = [shown] + [models.shipped(n) for n in ONE_LEVEL if n in models.shipped_checkpoints()]
    columns = {}
    for other in compared:
        found = derived.holes(other.key, other)
        columns[other.name] = {
            "levels": " over ".join(f"{d}-D" for d in other.model.levels),
            "prior of the top": other.model.prior.describe(),
            "hole fraction": f"{100 * found.fraction:.1f} %",
        }
    st.dataframe(pd.DataFrame(columns))
    if shown.model.latent_dim != 2:
        return
    dm = derived.density(shown.key, shown, derived.map_extent(shown), GRID)
    axis, log_q, log_p = dm.axis.numpy(), dm.log_q.numpy(), dm.log_p.numpy()
    level, top = name(0, len(shown.model.levels)), float(max(log_q.max(), log_p.max()))
    axes = (f"{level}, dimension 1", f"{level}, dimension 2")
    c1, c2 = st.columns(2)
    c1.plotly_chart(
        density_heatmap(axis, log_q, f"The top's aggregate posterior log q({level})", (top - 10, top), axes=axes),
        key=Key.LEVELS_Q,
    )
    c2.plotly_chart(
        density_heatmap(
            axis, log_p, f"Its prior log p({level}): {shown.model.prior.describe()}", (top - 10, top), axes=axes
        ),
        key=Key.LEVELS_P,
    )
    st.caption("Log-densities in nats, on one colour scale showing the top 10 nats (darker is lower).")


shown = hierarchy()
st.markdown(
    f"**{shown.name}**: levels of {' over '.join(f'{d}-D' for d in shown.model.levels)} codes, from the top down"
)
st.markdown("**Each level's share of the bound**")
levels_table(shown)
st.markdown("**Hold one level, draw the other**")
held(shown)
st.markdown("**Does the hierarchy fill the holes?** The top level against the one-level models of the Holes page")
holes(shown)
explain("levels", "holes")
