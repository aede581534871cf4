"""Traversals and disentanglement: sweep each latent dimension in turn and see what it draws, rows
ordered by the nats each dimension carries, for two models side by side (by default the β pair)."""

import streamlit as st

from ui import derived, links, widgets
from ui import usage as usage_words
from ui.charts import dimension_bars
from ui.images import labelled_rows, png_uri
from ui.models import ActiveModel
from ui.notes import explain
from ui.state import Key

PRESETS = {"β = 1 vs β = 4": ("beta1-10d", "beta4-10d")}

st.caption(
    "Each row sweeps one latent dimension from −3 to +3 prior standard deviations with the others held "
    f"fixed, most informative dimension first. {usage_words.DEFINITION}"
)
pair = widgets.pick_two_models(PRESETS, (Key.TRAV_PRESET, Key.TRAV_A, Key.TRAV_B), default="β = 1 vs β = 4")
c1, c2, c3 = st.columns(3)
steps = c1.slider("Steps per row", *links.bounds(Key.TRAV_STEPS), key=Key.TRAV_STEPS, persist_state="session")
rows = c2.slider("Rows shown (at most)", *links.bounds(Key.TRAV_ROWS), key=Key.TRAV_ROWS, persist_state="session")
hold = c3.radio(
    "Other dimensions held at",
    links.options(Key.TRAV_HOLD),
    format_func=links.label(Key.TRAV_HOLD),
    key=Key.TRAV_HOLD,
    persist_state="session",
)
index = widgets.pick_test_digit(pair[0], "Digit", Key.TRAV_DIGIT) if hold == "digit" else None


def show(active: ActiveModel, suffix: str) -> None:
    model = active.model
    usage = derived.usage(active.key, active)
    figures = derived.test_figures(active.key, active)
    beta = model.train_config.beta
    st.markdown(
        f"**{active.name}**: latent {model.latent_dim}, β {beta:g}, prior {model.prior.describe()} · "
        f"test reconstruction **{figures.reconstruction:.1f}** + KL **{figures.kl:.1f}** nats"
    )
    fig = dimension_bars(
        usage.nats.numpy(),
        usage.active.numpy(),
        usage.order,
        usage_words.count_title(usage, model.latent_dim),
        usage.threshold,
        usage.what,
        usage.activity.numpy(),
    )
    st.plotly_chart(fig, key=f"{Key.TRAV_BARS}_{suffix}")
    if (table := usage_words.disagreement_table(usage)) is not None:
        st.caption(usage_words.DISAGREEMENT_CAPTION)
        st.dataframe(table)
    dims = usage.order[: min(rows, model.latent_dim)]
    base = None
    if index is not None:
        base = tuple(float(v) for v in derived.encoded_test(active.key, active)[0][index])
    images = derived.traversal_rows(active.key, active, dims, steps, base)
    labels = [f"z{d + 1} {float(usage.nats[d]):.2f}" + ("" if usage.active[d] else " off") for d in dims]
    held = "at the prior's centre" if base is None else f"at test digit #{index}'s code"
    st.image(
        png_uri(labelled_rows(images, labels)),
        caption=f"rows: dimension and its {usage.what} (nats), 'off' where inactive; others held {held}",
    )
    if len(dims) < model.latent_dim:
        st.caption(f"{model.latent_dim - len(dims)} less informative dimensions not shown (raise 'Rows shown').")


for column, active, suffix in zip(st.columns(2), pair, "ab", strict=True):
    with column:
        show(active, suffix)

explain(
    "traversal",
    "beta",
    intro=r"Each image is the decoder's mean $\mathbb E[x\mid z]$ at a code that differs from its row's "
    "neighbours in one coordinate only.",
)
