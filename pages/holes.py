"""Prior vs aggregate posterior: where the prior puts mass and the codes of the data do not (the
"holes"), what prior samples from there decode to, and how often a prior sample lands in one; the
standard and the mixture prior compared on that figure. Higher-dimensional models: each dimension's
posterior means against the prior."""

import pandas as pd
import streamlit as st
import torch

import vae_core as vc
from ui import derived, models
from ui.charts import MARGINAL_GRID, density_heatmap, hole_map_figure, marginal_histograms
from ui.images import enlarge, png_uri
from ui.models import ActiveModel
from ui.notes import explain
from ui.state import Key
from vae_core import latent

PAIR = ("standard-2d", "mixture-2d")  # the same model and training but for the prior
GRID, SHOWN = 60, 8  # density-map cells per axis; decoded samples per row

active = models.active()
model = active.model


def histograms(active: ActiveModel) -> None:
    """Each dimension's posterior means over the test set against the prior's marginal."""
    means = derived.encoded_test(active.key, active)[0]
    usage = derived.usage(active.key, active)
    density = active.model.prior.marginal_density(torch.from_numpy(MARGINAL_GRID))  # None: no closed form
    draws = None
    if density is None:
        with torch.inference_mode():
            draws = active.model.prior.sample(latent.PRIOR_SAMPLES, torch.Generator().manual_seed(0)).numpy()
    titles = [f"z{d + 1} ({float(usage.nats[d]):.2f} nats)" for d in usage.order]
    fig = marginal_histograms(
        means, draws, usage.order, titles, prior_density=None if density is None else density.numpy()
    )
    st.plotly_chart(fig, key=Key.HOLES_HISTOGRAMS)


def hole_fractions(shown: ActiveModel) -> None:
    """The hole fraction of the standard/mixture pair (and of the model shown, if not one of them)."""
    installed = [name for name in PAIR if name in models.shipped_checkpoints()]
    compared = [models.shipped(name) for name in installed]
    if shown.name not in installed:
        compared.insert(0, shown)
    columns = {}  # one per model: a phone shows them without scrolling sideways
    for other in compared:
        figures = derived.test_figures(other.key, other)
        iwae = figures.iwae_nll
        columns[other.name] = {
            "prior": other.model.prior.describe(),
            "hole fraction": f"{100 * derived.holes(other.key, other).fraction:.1f} %",
            "test −ELBO (nats)": f"{figures.negative_elbo:.2f}",
            "−log p(x), IWAE (nats)": "not measured" if iwae is None else f"{iwae:.2f}",
        }
    st.dataframe(pd.DataFrame(columns))
    if len(installed) < len(PAIR):
        missing = " and ".join(name for name in PAIR if name not in installed)
        st.caption(f"Not installed here: {missing} (`bash checkpoints/train.sh NAME` trains it).")


def decoded(z: torch.Tensor) -> str:
    return png_uri(enlarge(vc.to_uint8(vc.tile(vc.decode(model, z), SHOWN, pad=2)), 2))


if model.latent_dim != 2:
    st.info(
        f"{active.name} has {model.latent_dim} latent dimensions: the density maps need a 2-D model (a map of a "
        "higher-dimensional density would show a slice of it). Pick a 2-D model in the sidebar (standard-2d and "
        "mixture-2d make the comparison). Below: each dimension's posterior means over the test set against the "
        "prior, most informative first."
    )
    histograms(active)
else:
    holes = derived.holes(active.key, active)
    dm = derived.density(active.key, active, derived.map_extent(active), GRID)
    st.metric(
        "Hole fraction",
        f"{100 * holes.fraction:.1f} %",
        help=f"The share of {len(holes.samples):,} prior samples z ~ p(z) (seed 1) where q(z) is below its 1 % "
        "level at the data's own codes; 1 % if q matched p (the maths is below the page)",
    )
    axis, log_q, log_p = dm.axis.numpy(), dm.log_q.numpy(), dm.log_p.numpy()
    top = float(max(log_q.max(), log_p.max()))
    zrange = (top - 10, top)
    c1, c2 = st.columns(2)
    c1.plotly_chart(density_heatmap(axis, log_q, "Aggregate posterior log q(z)", zrange), key=Key.HOLES_Q)
    c2.plotly_chart(density_heatmap(axis, log_p, f"Prior log p(z): {model.prior.describe()}", zrange), key=Key.HOLES_P)
    st.caption("Log-densities in nats, on one colour scale showing the top 10 nats (darker is lower).")
    c1, c2 = st.columns(2)
    cells = latent.hole_map(dm, holes).numpy()
    c1.plotly_chart(hole_map_figure(axis, cells, "Holes: p has mass, q has little"), key=Key.HOLES_MAP)
    c1.caption(
        "Red: inside the prior's 99 % region, q below the threshold (a hole). Green: covered by the codes. "
        "Grey: outside the prior's 99 % region."
    )
    with c2:
        inside, outside = holes.samples[holes.in_hole][:SHOWN], holes.samples[~holes.in_hole][:SHOWN]
        st.markdown("**Prior samples, decoded**: the seed's first samples that land …")
        if len(inside):
            st.image(decoded(inside), caption=f"… in holes ({int(holes.in_hole.sum()):,} of {len(holes.samples):,})")
        else:
            st.info("No prior sample of this seed lands in a hole.")
        st.image(decoded(outside), caption="… where the codes of the data cover the prior")
    st.markdown("**The standard and the mixture prior on the same figure**")
    hole_fractions(active)

explain("holes", "priors")
