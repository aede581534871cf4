"""Disentanglement you can measure: on sprites, whose five generative factors are known, how much of
each factor each latent dimension holds (a heat map per model), both standard metrics for every sprites
model, traversals labelled by the factor each dimension follows, and a latent pad per model whose axes
are the dimensions that hold two chosen factors."""

import streamlit as st

import vae_core as vc
from ui import derived, links, models, widgets
from ui.charts import information_heatmap
from ui.images import labelled_rows, png_uri
from ui.models import ActiveModel
from ui.notes import explain
from ui.state import Key

# β-TCVAE is the default's right side: of the shipped four it is the one that disentangles (FactorVAE, as
# trained here, hardly does: docs/disentanglement.md), and the contrast is the lesson.
PRESETS = {
    "β = 1 vs β-TCVAE": ("sprites-beta1", "sprites-tcvae"),
    "β = 1 vs FactorVAE": ("sprites-beta1", "sprites-factor"),
    "β = 4 vs β-TCVAE": ("sprites-beta4", "sprites-tcvae"),
}
STEPS = 9  # images per traversal row, from -3 to +3
PAD_LIMIT = 4.0


def penalty(config: vc.TrainConfig) -> str:
    """The model's objective and its weights, as the table names them."""
    weights = [f"β = {config.beta:g}"] if config.tc_weight == 0 or config.beta != 1 else []
    weights += [f"γ = {config.tc_weight:g}"] if config.tc_weight > 0 else []
    return ", ".join([config.method, *weights])


def has_factors(active: ActiveModel) -> bool:
    return vc.has_known_factors(active.model.config.dataset)


st.caption(
    "Sprites are made by a program from five known factors (shape, scale, orientation, x and y; every "
    "combination once), so how well a code separates them can be measured, not judged by eye. Each heat map "
    "cell is the share of a factor's entropy that one latent dimension holds: a disentangled code has one "
    "bright cell per row, each factor in a row of its own."
)
pair = widgets.pick_two_models(PRESETS, (Key.DIS_PRESET, Key.DIS_A, Key.DIS_B), default="β = 1 vs β-TCVAE")


def code_map(active: ActiveModel, suffix: str) -> None:
    if not has_factors(active):
        st.info(
            f"**{active.name}** was trained on {active.model.config.dataset}, which has no known factors to "
            "measure against: pick a sprites model."
        )
        return
    score = derived.disentanglement(active.key, active)
    st.markdown(
        f"**{active.name}**: {penalty(active.model.train_config)} · MIG **{score.mig.score:.2f}** · "
        f"FactorVAE metric **{score.factor_vae.eval_accuracy:.2f}**"
    )
    mig = score.mig
    rows = [f"z{d + 1} {role}" for d, role in enumerate(score.roles)]
    fig = information_heatmap(
        score.share, mig.mutual_information, score.factor_names, rows, "Share of each factor held"
    )
    st.plotly_chart(fig, key=f"{Key.DIS_MAP}_{suffix}")
    gaps = ", ".join(f"{name} {gap:.2f}" for name, gap in zip(score.factor_names, mig.per_factor, strict=True))
    st.caption(f"Cells: I(z_j; v_k) / H(v_k). Each factor's gap: {gaps} (MIG is their mean).")
    order = score.most_informative_first
    images = derived.traversal_rows(active.key, active, order, STEPS, None)
    st.image(
        png_uri(labelled_rows(images, [rows[d] for d in order])),
        caption="each row sweeps one dimension from −3 to +3, the others at 0; the most informative first",
    )


for column, active, suffix in zip(st.columns(2), pair, "ab", strict=True):
    with column:
        code_map(active, suffix)

st.subheader("Drag along the factors")
shown = st.radio(
    "Factors on the pads' axes",
    links.options(Key.DIS_PAD_FACTORS),
    format_func=links.label(Key.DIS_PAD_FACTORS),
    key=Key.DIS_PAD_FACTORS,
    persist_state="session",
    horizontal=True,
)
factors = tuple(shown.split("-"))
st.caption(
    "Each pad's axes are the model's dimensions that hold most of the two factors, the others held at 0. "
    "Drag along one axis: in a disentangled model the sprite changes in that factor only; in an entangled "
    "one it changes in several at once."
)


def pad(active: ActiveModel, suffix: str) -> None:
    if not has_factors(active):
        return
    score = derived.disentanglement(active.key, active)
    dims = score.pad_dimensions(factors)
    points = st.session_state.setdefault(Key.DIS_POINT, {})

    def released(x: float, y: float) -> None:
        points[f"{active.key}/{dims}"] = (x, y)

    point = points.get(f"{active.key}/{dims}", (0.0, 0.0))
    st.markdown(
        f"**{active.name}**: "
        + " · ".join(f"{name} on z{d + 1} ({score.roles[d]})" for name, d in zip(factors, dims, strict=True))
    )
    widgets.latent_pad(active, f"{Key.DIS_PAD}_{suffix}", dims, point, PAD_LIMIT, 0.1, released)


for column, active, suffix in zip(st.columns(2), pair, "ab", strict=True):
    with column:
        pad(active, suffix)

st.subheader("Every sprites model")
table = []
for key in models.picker_options():
    active = models.load(key)
    if has_factors(active):
        score, test, last = (
            derived.disentanglement(active.key, active),
            active.model.info.test,
            active.model.info.last_epoch,
        )
        table.append(
            {
                "model": active.name,
                "loss": penalty(active.model.train_config),
                "MIG": score.mig.score,
                "FactorVAE metric": score.factor_vae.eval_accuracy,
                "test −ELBO": None if test is None else test.negative_elbo,
                "I(x; z)": getattr(last, "mutual_information", None),
                "TC": getattr(last, "total_correlation", None),
                "dim-wise KL": getattr(last, "dimensionwise_kl", None),
            }
        )
three, two = st.column_config.NumberColumn(format="%.3f"), st.column_config.NumberColumn(format="%.2f")
columns = {"MIG": three, "FactorVAE metric": three, "test −ELBO": st.column_config.NumberColumn(format="%.1f")}
st.dataframe(table, hide_index=True, column_config=columns | {k: two for k in ("I(x; z)", "TC", "dim-wise KL")})
st.caption(
    "MIG and the FactorVAE metric on all 35,280 sprites (the metric's votes from seed 0); the KL split in nats "
    "from the last epoch's probe of 2,000 training images. `python -m vae_core disentanglement CHECKPOINT` "
    "prints the same figures. Seeds matter as much as the method: docs/disentanglement.md gives three seeds of each."
)
explain("disentangle", "beta")
