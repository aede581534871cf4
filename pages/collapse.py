"""Posterior collapse: each dimension's KL and the active units over training, from the histories
stored in the checkpoints (or kept by this session's runs), and a pair to train here in about a
minute: the same β without and with a KL warm-up."""

from dataclasses import replace

import numpy as np
import streamlit as st

import vae_core as vc
from server.training import TrainingJob
from ui import derived, links, models, widgets
from ui.charts import dimension_bars, dimension_lines, line
from ui.fragments import fragment
from ui.models import ActiveModel
from ui.notes import explain
from ui.state import Key
from vae_core import latent, usage
from vae_core.usage import ACTIVE_UNIT_NATS

PRESETS = {"β = 1 vs β = 4": ("beta1-10d", "beta4-10d")}
# The one-click pair: only the KL warm-up differs (measured figures: docs/theory.md).
LATENT, BETA, EPOCHS, BATCH, WARMUP = 16, 4.0, 3, 64, 2.0
# The first N training images: fewer is quicker and rougher, and below 5,000 both runs collapse entirely.
IMAGES = links.options(Key.COLLAPSE_IMAGES)
RUNS = ("without warm-up", f"with a {WARMUP:g}-epoch KL warm-up")

if (trained := st.session_state.pop(Key.COLLAPSE_SHOW, None)) is not None:  # the pair has just finished
    st.session_state[Key.COLLAPSE_A], st.session_state[Key.COLLAPSE_B] = trained
    st.session_state[Key.COLLAPSE_PRESET] = None

st.caption(
    "How many nats each latent dimension carries, epoch by epoch, and how many dimensions stay active: "
    f"at least {ACTIVE_UNIT_NATS:g} nats each (dashed line), recounted from the stored per-dimension figures. "
    "A dimension whose curve falls to 0 has collapsed onto the prior."
)
pair = widgets.pick_two_models(PRESETS, (Key.COLLAPSE_PRESET, Key.COLLAPSE_A, Key.COLLAPSE_B), default="β = 1 vs β = 4")


def history(active: ActiveModel, suffix: str) -> None:
    model = active.model
    records = model.info.history
    st.markdown(
        f"**{active.name}**: latent {model.latent_dim}, β {model.train_config.beta:g}, "
        f"KL warm-up {model.train_config.kl_warmup_epochs:g} epochs · "
        f"{len(records)} epoch{'s' if len(records) != 1 else ''} recorded"
    )
    used = latent.history_usage(records)
    activity = latent.history_series(records, lambda record: record.activity)
    if used is not None:
        fig = dimension_lines(
            used.epochs, used.nats.numpy(), f"{used.what} per dimension (nats)", "nats", threshold=used.threshold
        )
        st.plotly_chart(fig, key=f"{Key.COLLAPSE_KL}_{suffix}")
        title = f"Active units (of {model.latent_dim}): at least {used.threshold:g} nats"
        fig = line(used.epochs, {"active units": used.counts}, title, "units")
        fig.update_yaxes(range=[0, model.latent_dim + 0.5])
        st.plotly_chart(fig, key=f"{Key.COLLAPSE_UNITS}_{suffix}")
    elif activity is not None:  # an older mixture or VampPrior history: the means' spread, and no nats
        fig = dimension_lines(activity[0], activity[1].numpy(), "Activity per dimension", "Cov_x(E_q[z_d])")
        fig.update_yaxes(type="log")
        st.plotly_chart(fig, key=f"{Key.COLLAPSE_KL}_{suffix}")
        st.caption(
            "This history keeps only each dimension's activity (the spread of the posterior means), not the "
            "posterior variances, so the nats per dimension and the active units cannot be recounted for its "
            "epochs. The count on the test set below is measured now."
        )
    else:
        st.info(
            "This checkpoint's history has no per-dimension records (it was trained before they were kept). "
            "Pick another model, or retrain it with `bash checkpoints/train.sh NAME`."
        )
        return
    now = derived.usage(active.key, active)
    images = len(derived.test_set(active)[0])
    st.caption(f"On the {images:,} test images now: **{now.active_units} of {model.latent_dim}** active.")


for column, active, suffix in zip(st.columns(2), pair, "ab", strict=True):
    with column:
        history(active, suffix)

st.subheader("Train the pair yourself")
st.markdown(
    f"Two runs that differ only in the KL warm-up: latent {LATENT}, β = {BETA:g}, {EPOCHS} epochs in batches of "
    f"{BATCH} over the first MNIST training images, seed 0. The first weighs the KL by β from its first step, the "
    f"second raises the weight from 0 to β over its first {WARMUP:g} epochs. With 20,000 images each run takes about "
    "half a minute on an idle two-core machine; they run one after the other and join the sidebar's model list. "
    "Then compare the active units, the nats the codes carry (KL) and the −ELBO of the two. "
    f"The slider starts at {IMAGES[0]:,} images: with 1,000, three epochs leave every dimension of both runs "
    "under the threshold, and there is nothing to compare."
)
jobs: tuple[TrainingJob, TrainingJob] | None = st.session_state.get(Key.COLLAPSE_JOBS)
busy = jobs is not None and any(job.running for job in jobs)
c1, c2, c3 = st.columns([2, 1, 1], vertical_alignment="bottom")
n = c1.select_slider(
    "Training images",
    IMAGES,
    links.default(Key.COLLAPSE_IMAGES),
    key=Key.COLLAPSE_IMAGES,
    persist_state="session",
    disabled=busy,
)
if c2.button("Train both", type="primary", disabled=busy):
    images, test_images = derived.dataset("mnist", True)[0][:n], derived.dataset("mnist", False)[0]
    config = vc.VAEConfig(latent_dim=LATENT)
    plain = vc.TrainConfig(epochs=EPOCHS, batch_size=BATCH, beta=BETA)
    first = TrainingJob(config, plain, images, test_images)
    second = TrainingJob(config, replace(plain, kl_warmup_epochs=WARMUP), images, test_images, after=first)
    jobs = st.session_state[Key.COLLAPSE_JOBS] = (first, second)
    busy = True
if busy and c3.button("Stop"):
    for job in jobs or ():
        job.stop()


def final_bars(job: TrainingJob, run: str) -> None:
    """A finished run's count and its bars, both from the one record its test-set evaluation stored."""
    test = job.result.model.info.test
    found = None if test is None else usage.record_nats(test)
    if found is None:
        return
    nats, what = found
    active = usage.active_mask(nats)
    st.metric(f"Active units on the test set, {run}", f"{int(active.sum())} of {LATENT}")
    st.caption(f"KL {test.kl:.2f} nats · −ELBO {test.negative_elbo:.1f} nats")
    order = tuple(int(d) for d in np.argsort(-nats.numpy(), kind="stable"))
    title = f"{what} per dimension, test set: {int(active.sum())} of {LATENT} active"
    activity = np.array(test.activity) if test.activity else None
    fig = dimension_bars(nats.numpy(), active.numpy(), order, title, ACTIVE_UNIT_NATS, what, activity)
    st.plotly_chart(fig, key=f"{Key.COLLAPSE_FINAL}_{job.serial}")


def pair_progress() -> None:
    jobs: tuple[TrainingJob, TrainingJob] | None = st.session_state.get(Key.COLLAPSE_JOBS)
    if jobs is None:
        return
    for column, job, run in zip(st.columns(2), jobs, RUNS, strict=True):
        with column:
            p = job.progress
            state = "waiting for the first run" if p is None else f"epoch {p.epoch:.2f} of {EPOCHS}"
            st.progress(0.0 if p is None else p.step / p.total_steps, text=f"{run}: {state}")
            if job.kl_curve:
                epochs, kl = zip(*list(job.kl_curve), strict=True)
                fig = dimension_lines(list(epochs), np.array(kl), f"{run}: KL per dimension (nats)", "KL (nats)")
                st.plotly_chart(fig, key=f"{Key.COLLAPSE_LIVE}_{job.serial}")
            if job.error:
                st.error(job.error)
            elif not job.running and job.result is not None:
                final_bars(job, run)
    if all(not job.running and job.result is not None for job in jobs) and not all(job.kept for job in jobs):
        keys = []
        for job in jobs:
            job.kept = True
            keys.append(models.keep_trained(job.serial, job.name, job.result.model))
        st.session_state[Key.COLLAPSE_SHOW] = tuple(keys)  # shown above once the page reruns
        st.rerun(scope="app")


following = busy or (jobs is not None and not all(job.kept for job in jobs))  # until the pair joins the list
fragment(pair_progress, run_every=1.0 if following else None)()

explain("collapse", "kl", "beta")
