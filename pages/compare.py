"""Compare two models on the same inputs: their figures in one table, the same test digits
reconstructed, prior samples from the same seed, the decoded grids and the latent scatters; presets
for the lessons' pairs. The four likelihoods side by side, one 2-D model each: means, draws and what
each −log p(x) is. And the classic recipe's own two figures, one click away."""

import numpy as np
import pandas as pd
import streamlit as st

from ui import derived, links, models, widgets
from ui.charts import line, scatter_figure
from ui.images import enlarge, png_uri, tiled
from ui.models import ActiveModel
from ui.notes import explain
from ui.state import Key
from vae_core import VAE, latent
from vae_core.losses import bits_per_dimension
from vae_core.usage import ACTIVE_UNIT_NATS

PRESETS = {
    "Gaussian vs Bernoulli": ("gaussian-10d", "beta1-10d"),
    "Gaussian vs Bernoulli, 2-D": ("classic-2d", "standard-2d"),
    "Bernoulli vs discretized logistic, 2-D": ("standard-2d", "logistic-2d"),
    "Bernoulli vs continuous Bernoulli, 2-D": ("standard-2d", "cbernoulli-2d"),
    "β = 1 vs β = 4": ("beta1-10d", "beta4-10d"),
    "standard vs mixture prior": ("standard-2d", "mixture-2d"),
    "β = 1 vs β-TCVAE, sprites": ("sprites-beta1", "sprites-tcvae"),
}
CLASSIC_MODEL = "classic-2d"
# One model per likelihood, the same network, data (grey-level MNIST) and code size (2): Gaussian, Bernoulli,
# continuous Bernoulli, discretized logistic.
LIKELIHOOD_MODELS = ("classic-2d", "standard-2d", "cbernoulli-2d", "logistic-2d")
LIKELIHOOD_DIGITS = 4  # test digits per row, and the prior samples' grid side below
LIKELIHOOD_GRID = 5
GRID = 15
ACTIVE_ROW = f"active units (≥ {ACTIVE_UNIT_NATS:g} nats)"  # the Traversals page's count and bars

view = st.radio(
    "Show",
    links.options(Key.COMPARE_VIEW),
    format_func=links.label(Key.COMPARE_VIEW),
    horizontal=True,
    key=Key.COMPARE_VIEW,
    persist_state="session",
)


def figures_table(pair: tuple[ActiveModel, ActiveModel]) -> None:
    """One column per model (a phone shows both without scrolling sideways), one row per figure."""
    columns = {}
    for side, active in zip("AB", pair, strict=True):
        model, figures = active.model, derived.test_figures(active.key, active)
        iwae = figures.iwae_nll
        columns[f"{side}: {active.name}"] = {
            "likelihood": model.likelihood.label,
            "pixels": "binarised" if model.config.binarize == "dynamic" else "grey levels",
            "prior": model.prior.describe(),
            "β": f"{model.train_config.beta:g}",
            "test −ELBO (nats)": f"{figures.negative_elbo:.2f}",
            "reconstruction": f"{figures.reconstruction:.2f}",
            "KL": f"{figures.kl:.2f}",
            ACTIVE_ROW: f"{derived.usage(active.key, active).active_units} of {model.latent_dim}",
            "−log p(x), IWAE": "not measured" if iwae is None else f"{iwae:.2f} (k = {figures.iwae_k})",
            "bits per dimension": bits_per_pixel(model, iwae),
        }
    st.dataframe(pd.DataFrame(columns))
    a, b = (p.model.config for p in pair)
    if (a.likelihood, a.binarize) != (b.likelihood, b.binarize):
        st.caption(
            "The two −ELBOs are not comparable: the models score different things (likelihood or pixels differ). "
            "Compare KL, active units and the pictures; see the maths below."
        )
    else:
        st.caption("All figures on the test split, nats per image (lower is better), from each model's checkpoint.")


def bits_per_pixel(model: VAE, iwae: float | None) -> str:
    """−log p(x) in bits per dimension, the literature's unit, where it is a code length of the 8-bit image."""
    if not model.likelihood.normalised_8bit_density:
        return "not a probability of 8-bit images"
    return "not measured" if iwae is None else f"{bits_per_dimension(iwae):.3f}"


def grid_extent(active: ActiveModel) -> tuple[float, tuple[int, int], tuple[float, ...] | None]:
    """(extent, the two dimensions the grid varies, the others' values): ±3 prior standard deviations
    round the prior's centre, over the two most informative dimensions."""
    model = active.model
    dims = derived.most_used_pair(active)
    centre, spread = latent.prior_spread(model.prior)  # exact for N(0, I): 3 round 0
    extent = float(np.ceil(max(abs(float(centre[d])) + 3 * float(spread[d]) for d in dims)))
    return extent, dims, tuple(float(v) for v in centre)


def side(active: ActiveModel, suffix: str, digits: tuple[int, ...], seed: int) -> None:
    model = active.model
    st.markdown(f"**{active.name}**")
    inputs, recon = derived.reconstructions(active.key, active, digits)
    strip = np.concatenate([np.concatenate(list(inputs), 1), np.concatenate(list(recon), 1)], 0)
    st.image(png_uri(enlarge(strip, 2)), caption="test images (top), reconstructed (bottom)")
    samples = enlarge(derived.prior_samples(active.key, active, 7, seed), 2)
    st.image(png_uri(samples), caption=f"7 × 7 prior samples, seed {seed}")
    sharp, digits_sharp = (
        derived.sample_sharpness(active.key, active, 7, seed),
        derived.test_sharpness(model.config.dataset),
    )
    grey, edge = st.columns(2)
    grey.metric(
        "mid-grey share of the ink",
        f"{sharp.mid_grey_share:.2f}",
        help=f"Of these samples' inked pixels, the share that is neither near-black nor near-white: a blur is mostly "
        f"grey rim. Real test digits: {digits_sharp.mid_grey_share:.2f}.",
    )
    edge.metric(
        "edge strength",
        f"{sharp.edge_strength:.1f}",
        help=f"The mean gradient (grey levels per pixel, 0-255) over the ink and its rim: steep edges are sharp. "
        f"Real test digits: {digits_sharp.edge_strength:.1f}.",
    )
    extent, dims, base = grid_extent(active)
    grid = derived.manifold(active.key, active, GRID, extent, "linear", dims, base)
    st.image(
        png_uri(grid),
        caption=f"{GRID} × {GRID} decoded grid over z{dims[0] + 1}, z{dims[1] + 1} in [−{extent:g}, {extent:g}]",
    )
    means, _, labels = derived.encoded_test(active.key, active)
    coords, indices, _ = derived.projection(active.key, active, "pca", len(means))
    title = "test digits: encoder means" + ("" if model.latent_dim == 2 else " (PCA)")
    axes = ("z1", "z2") if model.latent_dim == 2 else ("principal component 1", "principal component 2")
    fig = scatter_figure(coords, labels[indices], indices, active.class_names, title, 420, axes)
    st.plotly_chart(fig, key=f"{Key.COMPARE_SCATTER}_{suffix}")


def two_models() -> None:
    pair = widgets.pick_two_models(PRESETS, (Key.COMPARE_PRESET, Key.COMPARE_A, Key.COMPARE_B), "Gaussian vs Bernoulli")
    figures_table(pair)
    seed = st.number_input(
        "Seed of the prior samples", *links.bounds(Key.COMPARE_SEED), key=Key.COMPARE_SEED, persist_state="session"
    )
    digits = derived.first_of_each_class(pair[0], 10)
    for column, active, suffix in zip(st.columns(2), pair, "ab", strict=True):
        with column:
            side(active, suffix, digits, int(seed))


def four_likelihoods() -> None:
    """A row per likelihood: its −log p(x) and what that figure is, test digits and their means, prior
    samples' means and draws x ~ p(x|z) from the same codes, and the likelihood's own parameters."""
    installed = [name for name in LIKELIHOOD_MODELS if name in models.shipped_checkpoints()]
    if missing := [name for name in LIKELIHOOD_MODELS if name not in installed]:
        st.info(f"Not installed here: {', '.join(missing)} (`bash checkpoints/train.sh NAME` trains it).")
    seed = int(
        st.number_input(
            "Seed of the prior samples",
            *links.bounds(Key.COMPARE_SEED),
            key=Key.COMPARE_SEED,
            persist_state="session",
        )
    )
    rows = [models.shipped(name) for name in installed]
    digits = derived.first_of_each_class(rows[0], LIKELIHOOD_DIGITS) if rows else ()
    for active in rows:
        likelihood_row(active, digits, seed)


def likelihood_row(active: ActiveModel, digits: tuple[int, ...], seed: int) -> None:
    model, n = active.model, LIKELIHOOD_GRID
    about, tested, means, draws, parameters = st.columns([1.4, 1, 1, 1, 1.2], vertical_alignment="top")
    iwae = derived.test_figures(active.key, active).iwae_nll
    figure = "not measured" if iwae is None else f"{iwae:,.1f} nats".replace("-", "−")
    if iwae is not None and model.likelihood.normalised_8bit_density:
        figure += f" = {bits_per_dimension(iwae):.2f} bits per dimension"
    about.markdown(f"**{model.likelihood.label}**  \n{active.name}")
    about.caption(f"−log p(x) of a test digit: {figure}, {model.likelihood.log_p_is}.")
    inputs, recon = derived.reconstructions(active.key, active, digits)
    strip = np.concatenate([np.concatenate(list(inputs), 1), np.concatenate(list(recon), 1)], 0)
    tested.image(png_uri(enlarge(strip, 2)), caption="test digits, their means E[x|z]")
    means.image(png_uri(derived.prior_samples(active.key, active, n, seed)), caption="E[x|z], z ~ p(z)")
    draws.image(png_uri(tiled(derived.prior_draws(active.key, active, n, seed), n)), caption="x ~ p(x|z), the same z")
    shown = derived.prior_parameters(active.key, active, n, seed)
    if not shown:
        parameters.caption("The mean is the decoder's only output here: no other parameter to show.")
        return
    parameters.image(
        [png_uri(tile) for tile, _, _ in shown.values()],
        caption=[f"{label}: black {low:.3g}, white {high:.3g}" for label, (_, low, high) in shown.items()],
    )


def classic() -> None:
    if CLASSIC_MODEL in models.shipped_checkpoints():
        active = models.shipped(CLASSIC_MODEL)
    else:
        active = models.active()
        st.info(
            f"{CLASSIC_MODEL} is not installed here (`bash checkpoints/train.sh {CLASSIC_MODEL}` trains it): "
            f"showing the sidebar's model, {active.name}, instead."
        )
    model = active.model
    t = model.train_config
    st.markdown(
        f"**{active.name}**: latent {model.latent_dim}, {model.likelihood.label} likelihood, {t.optimizer} "
        f"at {t.learning_rate:g} ({t.lr_schedule}), batch {t.batch_size}, {t.epochs} epochs run"
    )
    c1, c2 = st.columns(2)
    c1.image(png_uri(enlarge(derived.prior_samples(active.key, active, 7, 0), 2)), caption="7 × 7 samples, z ~ p(z)")
    grid = derived.manifold(active.key, active, 14, 1.5, "linear", (0, 1), None)
    c2.image(png_uri(grid), caption="14 × 14 decoded grid over z1, z2 in [−1.5, 1.5]")
    found = latent.history_series(model.info.history, lambda record: record.loss)
    if found is None or len(found[0]) < 2:
        st.info("This checkpoint does not hold a per-epoch loss history to draw.")
        return
    epochs, loss = found
    fig = line(epochs, {"training loss": loss.tolist()}, "Training loss per epoch (nats per image)", "nats")
    st.plotly_chart(fig, key=Key.CLASSIC_CURVE)
    last = loss.tolist()
    st.caption(
        f"Epoch {epochs[0]:g}: {last[0]:.1f} nats; epoch {epochs[-1]:g}: {last[-1]:.1f}. "
        f"Over the last 10 epochs it fell by {last[-min(11, len(last))] - last[-1]:.2f} nats."
    )


if view == "classic":
    classic()
    explain("classic", "elbo", "blur")
elif view == "four":
    four_likelihoods()
    explain("likelihoods", "blur")
else:
    two_models()
    explain("blur", "beta", "priors", "elbo")
