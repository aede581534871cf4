"""Train: fit a VAE in this browser session, watch it learn, then explore, save or download it."""

import dataclasses

import numpy as np
import streamlit as st

import vae_core as vc
from server import admission
from server.sharing import SaveRefused, save_shared, shared_limits, sharing_enabled
from server.training import TrainingJob
from ui import derived, links, models
from ui.charts import dimension_lines, loss_curves, scatter_figure
from ui.fragments import fragment
from ui.images import png_uri
from ui.notes import explain
from ui.state import Key
from ui.training import MODEL_DEFAULTS, TRAIN_DEFAULTS

job: TrainingJob | None = st.session_state.get(Key.TRAINING_JOB)

with st.form("train_form"):
    c1, c2, c3, c4 = st.columns(4)
    dataset = c1.selectbox(
        "Dataset",
        links.options(Key.T_DATASET),
        links.index(Key.T_DATASET),
        key=Key.T_DATASET,
        persist_state="session",
        help="MNIST ships with the app and sprites are drawn here (shapes with known factors); the others "
        "download through torchvision",
    )
    latent = c2.number_input("Latent size", *links.bounds(Key.T_LATENT), key=Key.T_LATENT, persist_state="session")
    likelihood = c3.selectbox(
        "Likelihood",
        links.options(Key.T_LIKELIHOOD),
        links.index(Key.T_LIKELIHOOD),
        key=Key.T_LIKELIHOOD,
        persist_state="session",
        help="Bernoulli: cross-entropy; Gaussian with fixed σ²=½: sum of squared errors; continuous Bernoulli: "
        "cross-entropy with its normalising constant; discretized logistic: a probability of each of 256 grey levels",
    )
    binarize = c4.toggle(
        "Binarise dynamically", links.default(Key.T_BINARIZE), key=Key.T_BINARIZE, persist_state="session"
    )
    c1, c2, c3, c4 = st.columns(4)
    beta = c1.number_input("β (KL weight)", *links.bounds(Key.T_BETA), key=Key.T_BETA, persist_state="session")
    warmup = c2.number_input(
        "KL warm-up (epochs)",
        *links.bounds(Key.T_WARMUP),
        key=Key.T_WARMUP,
        persist_state="session",
    )
    epochs = c3.number_input(
        "Epochs",
        *links.bounds(Key.T_EPOCHS),
        key=Key.T_EPOCHS,
        persist_state="session",
        help="3 epochs of all of MNIST: about 2 minutes on a 2-core CPU; the grid shows digits within 30 s",
    )
    batch = c4.select_slider(
        "Batch size", links.options(Key.T_BATCH), links.default(Key.T_BATCH), key=Key.T_BATCH, persist_state="session"
    )
    c1, c2, c3, c4 = st.columns(4)
    lr = c1.number_input(
        "Learning rate",
        *links.bounds(Key.T_LR),
        format="%.0e",
        key=Key.T_LR,
        persist_state="session",
        help=f"The peak: the rate rises from 0 over {TRAIN_DEFAULTS.lr_warmup_epochs:g} epoch(s), then decays to 0 "
        "along a half cosine",
    )
    seed = c2.number_input("Seed", *links.bounds(Key.T_SEED), key=Key.T_SEED, persist_state="session")
    subset = c3.select_slider(
        "Training images",
        links.options(Key.T_SUBSET),
        links.default(Key.T_SUBSET),
        key=Key.T_SUBSET,
        persist_state="session",
        help="fewer images: a quicker, rougher model for a demo",
    )
    tc_weight = c4.number_input(
        "γ, total-correlation weight",
        *links.bounds(Key.T_TC_WEIGHT),
        key=Key.T_TC_WEIGHT,
        persist_state="session",
        help="Above 0: the loss adds γ × TC(z), how far the code's dimensions depend on each other (FactorVAE, "
        "β-TCVAE); 0: the plain VAE",
    )
    tc_estimator = c4.radio(
        "TC estimated by",
        links.options(Key.T_TC_ESTIMATOR),
        links.index(Key.T_TC_ESTIMATOR),
        format_func=links.label(Key.T_TC_ESTIMATOR),
        key=Key.T_TC_ESTIMATOR,
        persist_state="session",
    )
    start = st.form_submit_button("Start training", type="primary", disabled=job is not None and job.running)

if start:
    try:
        model_config = dataclasses.replace(
            MODEL_DEFAULTS,
            latent_dim=int(latent),
            likelihood=likelihood,
            dataset=dataset,
            binarize="dynamic" if binarize else "none",
        )
        train_config = dataclasses.replace(
            TRAIN_DEFAULTS,
            epochs=int(epochs),
            batch_size=int(batch),
            learning_rate=float(lr),
            beta=float(beta),
            kl_warmup_epochs=float(warmup),
            seed=int(seed),
            tc_weight=float(tc_weight),
            tc_estimator=tc_estimator,
        )
        images = derived.dataset(dataset, True)[0][: None if subset == "all" else int(subset)]
        test_images = derived.dataset(dataset, False)[0]
    except (ValueError, vc.DatasetUnavailable) as exc:
        st.error(str(exc))
    else:
        job = st.session_state[Key.TRAINING_JOB] = TrainingJob(model_config, train_config, images, test_images)


def ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


# Poll the run once a second while it trains or waits, and not at all once it has ended: a finished
# run's page used to rebuild both charts and serialise the checkpoint for its download button (~10 MB)
# every second for as long as the tab stayed open, a server cost for every student who had trained.
polling = job is not None and job.running


@fragment(run_every=1.0 if polling else None)
def progress() -> None:
    job: TrainingJob | None = st.session_state.get(Key.TRAINING_JOB)
    if job is None:
        st.info(
            "Set the options and press **Start training**. Once it runs, the time left is estimated from the "
            "measured speed; the last three runs of this session stay in the sidebar's model list to compare."
        )
        return
    p = job.progress
    if job.running and st.button("Stop", type="secondary"):
        job.stop()
    if (place := job.place) is not None:
        training, waiting = admission.SERVER.counts()
        st.info(
            f"Waiting for a turn: {ordinal(place[0])} in the queue, about {place[1]:.0f} s. This server trains "
            f"{admission.slots()} model{'s' if admission.slots() > 1 else ''} at a time "
            f"({training} training now, {waiting} waiting), so that every slider stays quick."
        )
    if p is not None:
        left = (p.total_steps - p.step) * job.train_config.batch_size / max(p.images_per_second, 1e-9)
        st.progress(
            p.step / p.total_steps,
            text=f"epoch {p.epoch:.2f} of {job.train_config.epochs} · step {p.step}/{p.total_steps} · "
            f"loss {p.loss:.1f} nats (reconstruction {p.reconstruction:.1f} + {p.kl_weight:.2f} × KL {p.kl:.2f}) · "
            f"{p.images_per_second:,.0f} images/s"
            + (f" · about {left:.0f} s left" if job.running and p.step >= 20 else ""),
        )
    left, middle, right = st.columns([4, 3, 4])
    if job.grid is not None:
        drawn = "the decoded grid over [-2, 2]²" if job.model_config.latent_dim == 2 else "64 samples from the prior"
        middle.image(png_uri(job.grid), caption=f"What it draws now: {drawn}", width="stretch")
    curve = list(job.curve)
    if curve:
        epochs_axis, rec, kl = zip(*curve, strict=True)
        left.plotly_chart(loss_curves(epochs_axis, rec, kl), key=Key.TRAIN_CURVE)
    kl_curve = list(job.kl_curve)
    if kl_curve:
        epochs_axis, kl_dims = zip(*kl_curve, strict=True)
        fig = dimension_lines(
            list(epochs_axis), np.array(kl_dims), "KL per dimension (nats, each batch)", "KL (nats)", height=380
        )
        right.plotly_chart(fig, key=Key.TRAIN_KL_DIMS)
    if job.latents is not None:
        labels = derived.dataset(job.model_config.dataset, False)[1][: len(job.latents)].numpy()
        fig = scatter_figure(
            job.latents,
            labels,
            np.arange(len(labels)),
            vc.CLASS_NAMES[job.model_config.dataset],
            title="2,000 test digits, as it learns",
            height=380,
        )
        st.columns(2)[0].plotly_chart(fig, key=Key.TRAIN_SCATTER)
    if job.running:
        return
    if polling and (job.result is None or job.kept):  # it has just ended: draw the page again, not polling
        st.rerun(scope="app")
    if job.error:
        st.error(job.error)
    if job.stopped_because:
        st.warning(f"The server stopped this run: {job.stopped_because}.")
    if job.result is None:
        return
    result = job.result
    st.success(
        f"Finished in {result.seconds:.0f} s"
        + (" (stopped early)" if result.stopped_early else "")
        + ". The model is now the active model: explore it on the other pages."
    )
    if not job.kept:  # once: the run then stays in the sidebar's list until three newer runs push it out
        job.kept = True
        models.request(models.keep_trained(job.serial, job.name, result.model))
    c1, c2 = st.columns(2)
    c1.download_button(
        "Download checkpoint (.safetensors)",
        lambda: vc.checkpoint_bytes(result.model),  # made when clicked, not kept in memory with the page
        "my-vae.safetensors",
        "application/octet-stream",
    )
    c1.caption(
        "Yours to keep: upload it again under **Upload a checkpoint** in the sidebar, in any session, to explore "
        "it there (it stays in your session only)."
    )
    if sharing_enabled():
        with c2:
            save_for_everyone(result.model)


def save_for_everyone(model: vc.VAE) -> None:
    """Save into the list every session sees: for whoever runs the server, who knows its teacher key."""
    most, megabytes = shared_limits()
    st.markdown("**Save for every session on this server** (teacher)")
    name = st.text_input("Name in the model list", "my-vae", key=Key.T_SAVE_NAME)
    teacher_key = st.text_input("Teacher key", type="password", key=Key.T_TEACHER_KEY)
    if st.button("Save for everyone", key=Key.T_SAVE):
        try:
            path = save_shared(model, name, teacher_key)
        except SaveRefused as exc:
            st.error(f"Not saved: {exc}.")
        else:
            st.success(f"Saved {path.stem}; every session now lists it under Model as “{path.stem} (shared)”.")
    st.caption(
        f"At most {most} shared models of up to {megabytes} MB each; a shipped model's name is refused, and "
        "shipped models are never replaced."
    )


progress()
explain("beta", "elbo", "kl", "disentangle")
