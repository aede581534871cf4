"""Anomaly detection: the ELBO as a score of how unfamiliar an image is, where it works, and where
likelihood misleads (and what correcting for the image's complexity does)."""

import numpy as np
import pandas as pd
import streamlit as st
import torch

from ui import derived, links, models, widgets
from ui.charts import roc_figure, score_histogram
from ui.images import enlarge, png_uri
from ui.notes import explain
from ui.state import Key
from vae_core import anomaly, ood

SCORE_NAMES = {
    "elbo": "−ELBO",
    "iwae": "−log p(x), IWAE",
    "reconstruction": "reconstruction −log p(x|z)",
    "complexity": "complexity-corrected",
    "typicality": "typicality |−log p(x) − H|",
}
DATASET_NAMES = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST", "kmnist": "KMNIST"}
GALLERY = 24

active = models.active()
model = active.model
test_name = f"{DATASET_NAMES.get(model.config.dataset, model.config.dataset)} test images"
sets = derived.anomaly_sets(active)

c1, c2, c3 = st.columns(3)
score = c1.selectbox(
    "Anomaly score",
    links.options(Key.ANOMALY_SCORE),
    format_func=SCORE_NAMES.get,
    key=Key.ANOMALY_SCORE,
    persist_state="session",
)
chosen = c2.selectbox("Out-of-distribution set", sets, key=Key.ANOMALY_SET, persist_state="session")
fpr = c3.select_slider(
    "False-positive rate of the threshold",
    links.options(Key.ANOMALY_FPR),
    links.default(Key.ANOMALY_FPR),
    format_func="{:.0%}".format,
    key=Key.ANOMALY_FPR,
    persist_state="session",
)
st.caption(
    f"**{chosen}**: {ood.describe(chosen)}. Compared with {derived.ANOMALY_IMAGES:,} {test_name}; the threshold "
    f"is set on {derived.ANOMALY_IMAGES:,} other, held-out ones. Scores in nats: higher is more anomalous. "
    f"IWAE with k = {derived.ANOMALY_K} samples. {derived.what_the_likelihood_measures(model)}"
)

result = derived.anomaly_detection(active, chosen, score, fpr)
m1, m2, m3, m4 = st.columns(4)
m1.metric("AUROC", f"{result.auroc:.3f}", help="The chance that an image of the set scores higher than a test image")
m2.metric("Average precision", f"{result.average_precision:.3f}", help="The set as positives")
m3.metric("Caught at the threshold", f"{result.detected:.0%}", help=f"Threshold {result.threshold:.1f} nats")
m4.metric("False alarms on test images", f"{result.false_alarms:.0%}", help=f"The target was {fpr:.0%}")
misled = score != "complexity" and result.auroc < 0.5
if misled:
    st.warning(
        f"**{SCORE_NAMES[score]} misleads here.** The model finds *{chosen}* images **more typical** than its "
        f"own test images (AUROC {result.auroc:.2f}, below a coin toss): they are simpler, and simple images "
        "are cheap to describe. Beside it, the same images scored with the complexity correction (the maths "
        "panel below explains it)."
    )
elif result.auroc < 0.5:
    st.info(
        f"**The correction overshoots here.** The complexity-corrected score ranks *{chosen}* images as more "
        f"typical than test images (AUROC {result.auroc:.2f}): PNG compresses them badly, and for this model "
        "their compressed length outweighs what the likelihood says. The maths panel explains when it happens."
    )
charts = st.container()  # drawn once the images below are scored, so they can be marked on the histogram

st.subheader("Your images")
upload_tab, draw_tab = st.tabs(["Upload images", "Draw a digit"])
inputs: list[tuple[str, torch.Tensor]] = []
with upload_tab:
    files = widgets.image_uploader("Images", Key.ANOMALY_FILES)
    inputs += [(f.name, x) for f in files if (x := widgets.read_upload(f)) is not None]
with draw_tab:
    drawn = widgets.drawing_pad(Key.ANOMALY_PAD)
    if drawn and (x := widgets.read_image("your drawing", drawn)) is not None:
        inputs.append(("your drawing", x))
inputs = inputs[:12]
pixels = anomaly.upload_pixels(torch.stack([x for _, x in inputs])) if inputs else None
compared = {score: result}
if misled:
    compared["complexity"] = derived.anomaly_detection(active, chosen, "complexity", fpr)
# Each image scored alone, as the Reconstruct page scores it: the same image, the same figures there.
mine = derived.upload_scores(active, pixels, tuple(compared)) if pixels is not None else {}
inside = derived.anomaly_scores(active, derived.IN_DISTRIBUTION, score)
if pixels is not None:
    st.image([png_uri(enlarge(p, 3)) for p in pixels.numpy()], caption=[name for name, _ in inputs], width=84)
    lines = []
    for (name, _), value in zip(inputs, mine[score], strict=True):
        flagged = value > result.threshold
        lines.append(
            f"- **{name}**: {SCORE_NAMES[score]} = {value:.1f} nats, "
            f"{'above' if flagged else 'not above'} the threshold {result.threshold:.1f}: "
            f"{'**anomalous**' if flagged else '**typical**'} "
            f"(higher than {anomaly.share_below(inside, value):.0%} of the test images)"
        )
    st.markdown("\n".join(lines))
else:
    st.caption("Upload images or draw one: each is scored, marked on the histogram and judged at the threshold.")


def scores_of(name: str) -> tuple[np.ndarray, np.ndarray]:
    """(the test images' scores, the chosen set's scores) under one score."""
    return derived.anomaly_scores(active, derived.IN_DISTRIBUTION, name), derived.anomaly_scores(active, chosen, name)


with charts:
    columns = st.columns(3) if misled else st.columns([3, 2])
    for column, (name, detection) in zip(columns, compared.items(), strict=False):
        inside_scores, outside_scores = scores_of(name)
        figure = score_histogram(
            {test_name: inside_scores, chosen: outside_scores},
            detection.threshold,
            [(n, float(v)) for (n, _), v in zip(inputs, mine.get(name, []), strict=False)],
            x_title=f"{SCORE_NAMES[name]} (nats)",
            title=f"{SCORE_NAMES[name]}: AUROC {detection.auroc:.3f}",
        )
        column.plotly_chart(figure, key=f"{Key.ANOMALY_HISTOGRAM}_{name}")
    curves = {f"{SCORE_NAMES[n]} ({d.auroc:.3f})": anomaly.roc(*scores_of(n))[:2] for n, d in compared.items()}
    columns[-1].plotly_chart(roc_figure(curves, (result.false_alarms, result.detected)), key=Key.ANOMALY_ROC)

st.subheader("Every set, every score: AUROC")
with_iwae = st.toggle(
    "Add the IWAE-based columns (up to a minute the first time for each model on a 2-core CPU)",
    key=Key.ANOMALY_IWAE_TABLE,
    persist_state="session",
)
listed = anomaly.SCORES if with_iwae else tuple(s for s in anomaly.SCORES if s not in anomaly.IWAE_SCORES)
table = pd.DataFrame(
    {SCORE_NAMES[s]: [derived.anomaly_detection(active, name, s, fpr).auroc for name in sets] for s in listed},
    index=pd.Index(sets, name="set"),
)
st.dataframe(table.style.format("{:.3f}").map(lambda v: "background-color: #f6c6c6" if v < 0.5 else ""))
fooled = [n for n in sets if any(table.loc[n, SCORE_NAMES[s]] < 0.5 for s in anomaly.LIKELIHOOD_SCORES if s in listed)]
st.caption(
    "1 is perfect, 0.5 a coin toss; red: below 0.5, the set looks more typical than the test images. "
    + (
        f"Likelihood ranks **{', '.join(fooled)}** as more typical than the model's own data: choose it above "
        "to see the complexity-corrected score beside it."
        if fooled
        else "Here no set fools the likelihood."
    )
    + " "
    + (derived.steadiest_score(table) if with_iwae else "Add the IWAE columns to see which score holds on every set.")
    + " The table in docs/anomaly.md, from `python -m vae_core anomaly`, uses the same images with k = 100."
)

st.subheader(f"The {GALLERY} least typical test images by {SCORE_NAMES[score]}")
_, labels, indices = derived.anomaly_images(model.config.dataset, derived.IN_DISTRIBUTION)
pairs, worst = derived.least_typical(active.key, active, score, GALLERY)
st.image(
    [png_uri(enlarge(pair, 3)) for pair in pairs],
    caption=[f"#{indices[i]} · {active.class_names[labels[i]]} · {inside[i]:.0f}" for i in worst],
    width=84,
)
st.caption(
    f"Each test image above its reconstruction; caption: its index in the test split, its label, its score. "
    f"Of the {len(inside):,} scored, these are the ones the model finds strangest: often badly written, "
    "ambiguous or mislabelled."
)

explain(
    "anomaly",
    intro="The sets are built offline from what ships with the app (MNIST, scikit-learn's UCI digits, seeded "
    "random numbers), the same every time; `python -m vae_core anomaly --help` lists how each is made.",
)
