"""Every page through Streamlit's AppTest, on the shipped model: renders, reacts, refuses bad input."""

from __future__ import annotations

import base64
import copy
import dataclasses
import io
import json

import numpy as np
import pytest
import torch
from PIL import Image
from streamlit.testing.v1 import AppTest

import vae_core as vc
from harness.uploads import digit_png
from tests.support.apptest import app, array, chart, images_of, marked_grid, page_path, svg_chart_values, wait_for
from tests.support.files import SHIPPED_2D, SHIPPED_32D, SHIPPED_CONTINUOUS_BERNOULLI, hostile_pickle
from ui import derived, models, registry
from ui.images import nearest_cell
from ui.state import Key
from vae_core.images import to_uint8


@pytest.mark.parametrize("screen", registry.SCREENS, ids=lambda s: s.file)
def test_every_page_renders_on_the_shipped_model(screen):
    at = app(screen.file)
    assert [t.value for t in at.title] == [screen.heading] and not at.error
    assert at.sidebar.selectbox(key=Key.MODEL).value == "shipped:mnist-2d"
    assert any("latent size" in c.value for c in at.sidebar.caption)


def test_explorer_slider_redraws_the_image_and_is_kept_across_pages():
    at = app()
    before = images_of(at)
    at.slider(key=Key.Z_X).set_value(1.5).run()
    after = images_of(at)
    assert after[0] != before[0]  # the decoded digit changed
    assert "z = (1.50, 0.00)" in at.get("image")[0].captions[0]
    # Shown losslessly: exactly the decoder's pixel means at that point, as 8-bit grey.
    shown = np.asarray(Image.open(io.BytesIO(base64.b64decode(after[0].split(",", 1)[1]))))
    expected = vc.decode(vc.load_checkpoint(SHIPPED_2D), torch.tensor([[1.5, 0.0]]))
    np.testing.assert_array_equal(shown, to_uint8(expected[0]))
    at.slider(key=Key.Z_Y).set_value(3.6).run()
    assert any("Outside ±3" in w.value for w in at.warning)
    at.switch_page(page_path("samples.py")).run()
    at.switch_page(page_path("explorer.py")).run()
    assert at.slider(key=Key.Z_X).value == 1.5


def test_explorer_grid_options_change_the_grid():
    at = app()
    grid = marked_grid(at)
    at.radio(key=Key.GRID_SPACING).set_value("normal").run()
    assert marked_grid(at).url != grid.url and not np.array_equal(marked_grid(at).image, grid.image)
    at.slider(key=Key.GRID_N).set_value(8).run()
    assert "8 x 8 manifold" in marked_grid(at).caption and marked_grid(at).image.shape == (8 * 28, 8 * 28)


def test_higher_dimensional_model_lets_you_pick_dimensions_and_projection():
    at = app()
    at.sidebar.selectbox(key=Key.MODEL).set_value("shipped:mnist-32d").run()
    assert not at.exception
    at.selectbox(key=Key.DIM_X).set_value(5).run()
    assert at.slider(key=Key.Z_X).label == "z6"
    at.radio(key=Key.HOLD).set_value("digit").run()
    assert not at.exception
    at.switch_page(page_path("scatter.py")).run()
    assert not at.exception and at.radio(key=Key.PROJECTION).value == "pca"


def test_interpolation_steps_random_pair_and_uploads():
    at = app("interpolation.py")
    strips = images_of(at)
    assert len(strips) == 2
    at.slider(key=Key.INTERP_STEPS).set_value(5).run()
    assert images_of(at) != strips
    # The chart scores the steps shown: the default pair (the first 0 and the first 1), five steps on each path.
    active = models.shipped(models.DEFAULT_CHECKPOINT)
    scores = derived.interpolation_scores(active.key, active, (0, 0), (1, 0), 5)
    assert svg_chart_values(at) == {name: [round(float(v), 1) for v in s] for name, s in scores.items()}
    at.selectbox(key="interp_b_class").set_value(7).run()
    assert not at.exception
    at.segmented_control(key=Key.INTERP_SOURCE).set_value("random").run()
    first = images_of(at)
    at.button[0].click().run()
    assert images_of(at) != first
    at.segmented_control(key=Key.INTERP_SOURCE).set_value("upload").run()
    at.file_uploader(key=Key.INTERP_FILES).set_value(
        [("a.png", digit_png(0), "image/png"), ("b.png", b"not an image", "image/png")]
    ).run()
    assert not at.exception and any("b.png" in e.value for e in at.error)
    at.file_uploader(key=Key.INTERP_FILES).set_value(
        [("a.png", digit_png(0), "image/png"), ("b.png", digit_png(1), "image/png")]
    ).run()
    assert not at.exception and len(images_of(at)) == 2


def test_reconstruct_shows_every_step_and_typicality():
    at = app("reconstruct.py")
    at.file_uploader(key=Key.RECON_FILES).set_value([("seven.png", digit_png(0), "image/png")]).run()
    assert not at.exception and not at.error
    assert len(images_of(at)) == 7
    labels = [m.label for m in at.metric]
    assert "-ELBO (nats)" in labels and any("IWAE" in label for label in labels)
    assert "% of test digits" in at.metric[2].value


def test_anomaly_page_scores_the_suite_judges_uploads_and_shows_the_pitfall():
    at = app("anomaly.py")
    assert not at.error and [m.label for m in at.metric][:2] == ["AUROC", "Average precision"]
    # The page's one-sample columns are the CLI's: the same images, seeds and scores.
    model = vc.load_checkpoint(SHIPPED_2D)
    direct = vc.anomaly.benchmark(model, ["rotated-90"], ("elbo",), images=1000).results["rotated-90"]["elbo"]
    assert at.metric[0].value == f"{direct.auroc:.3f}"
    table = at.dataframe[0].value
    assert list(table.index) == vc.ood.available_sets() and list(table.columns) == [
        "−ELBO",
        "reconstruction −log p(x|z)",
    ]
    assert table.loc["rotated-90", "−ELBO"] == pytest.approx(direct.auroc)
    assert table.loc["uniform-noise", "−ELBO"] == 1.0 and table.loc["near-blank", "−ELBO"] < 0.5
    assert any("Likelihood ranks **near-blank**" in c.value for c in at.caption)
    assert len(images_of(at)) == 24, "the 24 least typical test digits"

    square = Image.new("L", (120, 120), 255)
    square.paste(0, (30, 30, 90, 90))  # a filled black square on white: nothing like a digit
    buffer = io.BytesIO()
    square.save(buffer, "PNG")
    at.file_uploader(key=Key.ANOMALY_FILES).set_value(
        [
            ("seven.png", digit_png(0), "image/png"),
            ("square.png", buffer.getvalue(), "image/png"),
            ("bad.png", b"not an image", "image/png"),
        ]
    ).run()
    errors = [e.value for e in at.error]
    assert not at.exception and len(errors) == 1 and errors[0].startswith("bad.png: this file is not an image")
    verdicts = next(m.value for m in at.markdown if "seven.png" in m.value)
    assert "seven.png**: −ELBO" in verdicts and "**typical**" in verdicts.split("\n")[0]
    assert "**anomalous**" in verdicts.split("\n")[1]
    assert len(images_of(at)) == 24 + 2

    at.selectbox(key=Key.ANOMALY_SET).set_value("near-blank").run()
    assert not at.exception and any("−ELBO misleads here" in w.value for w in at.warning)
    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")[:2]]
    assert titles[0].startswith("−ELBO: AUROC 0.3") and titles[1].startswith("complexity-corrected: AUROC")
    assert float(titles[1].rsplit(" ", 1)[1]) > 0.9, "the correction catches the near-blank images"
    # For this grey-level model the correction overshoots on noise, and the page says so.
    at.selectbox(key=Key.ANOMALY_SCORE).set_value("complexity").run()
    at.selectbox(key=Key.ANOMALY_SET).set_value("uniform-noise").run()
    assert not at.exception and any("overshoots" in i.value for i in at.info)


def test_anomaly_page_on_a_binarised_model():
    at = app("anomaly.py")
    at.sidebar.selectbox(key=Key.MODEL).set_value("shipped:mnist-32d").run()
    assert not at.exception and not at.error and at.metric[0].label == "AUROC"
    assert at.dataframe[0].value.loc["near-blank", "−ELBO"] < 0.5, "the binarised model is fooled by them too"
    at.selectbox(key=Key.ANOMALY_SCORE).set_value("complexity").run()
    assert not at.exception and not at.warning and not at.info and len(images_of(at)) == 24
    at.selectbox(key=Key.ANOMALY_SET).set_value("uci-digits").run()  # corrected AUROC 0.63 (k = 100)
    assert not at.exception and not at.info


def test_sidebar_refuses_a_hostile_checkpoint_and_accepts_a_real_one(small_model):
    at = app()
    at.sidebar.file_uploader(key=Key.CHECKPOINT_UPLOAD).set_value(
        ("evil.safetensors", hostile_pickle(), "application/octet-stream")
    ).run()
    assert not at.exception and any("pickle" in e.value for e in at.sidebar.error)
    at.sidebar.file_uploader(key=Key.CHECKPOINT_UPLOAD).set_value(
        ("mine.safetensors", vc.checkpoint_bytes(small_model), "application/octet-stream")
    ).run()
    assert not at.exception
    assert at.sidebar.selectbox(key=Key.MODEL).value.startswith("upload:")


def test_a_session_keeps_its_last_four_uploaded_models_as_its_own(small_model):
    """Uploads are bounded per session and held by the session alone (freed with it), not by a
    server-wide cache."""
    at = app()
    for variant in range(5):
        model = copy.deepcopy(small_model)
        with torch.no_grad():
            model.decoder[0].bias[0] += variant * 1e-3  # a different file: a different model
        at.sidebar.file_uploader(key=Key.CHECKPOINT_UPLOAD).set_value(
            (f"mine-{variant}.safetensors", vc.checkpoint_bytes(model), "application/octet-stream")
        ).run()
        assert not at.exception
    kept = at.session_state[Key.UPLOADED_MODELS]
    assert [name for name, _ in kept.values()] == [f"mine-{v}.safetensors" for v in range(1, 5)]
    assert all(isinstance(model, vc.VAE) for _, model in kept.values())
    assert at.sidebar.selectbox(key=Key.MODEL).value == list(kept)[-1]


def test_samples_seed_and_temperature_change_the_grid():
    at = app("samples.py")
    grid = images_of(at)
    at.number_input(key=Key.SAMPLES_SEED).set_value(3).run()
    assert images_of(at) != grid
    at.slider(key=Key.SAMPLES_N).set_value(4).run()
    assert "16 samples" in at.get("image")[0].captions[0]
    at.slider(key=Key.SAMPLES_T).set_value(0.5).run()
    shown = np.asarray(Image.open(io.BytesIO(base64.b64decode(images_of(at)[0].split(",", 1)[1]))))
    decoded = vc.sample_prior(at.session_state[Key.ACTIVE_MODEL].model, 16, random_state=3, temperature=0.5)
    assert np.array_equal(shown[::2, ::2], to_uint8(vc.tile(decoded, 4, pad=2)))  # shown at twice the size


def test_training_runs_shows_progress_and_becomes_the_active_model():
    at = app("train.py")
    at.select_slider(key=Key.T_SUBSET).set_value(1000)
    at.number_input(key=Key.T_EPOCHS).set_value(2)
    at.button[0].click().run()  # the form's submit button
    wait_for(at, lambda at: any("Finished" in s.value for s in at.success), 120, every=0.5)
    first = at.sidebar.selectbox(key=Key.MODEL).value
    assert first.startswith("trained:")
    assert at.get("plotly_chart"), "loss curves and the live scatter are shown"
    assert any("What it draws now" in c for image in at.get("image") for c in image.captions)
    # A second run with another beta: both stay in the model list, to be compared.
    at.number_input(key=Key.T_BETA).set_value(4.0)
    at.button[0].click().run()
    wait_for(at, lambda at: at.sidebar.selectbox(key=Key.MODEL).value not in (first,), 120, every=0.5)
    trained = [o for o in at.sidebar.selectbox(key=Key.MODEL).options if "trained here" in o]
    assert len(trained) == 2 and any("β 4" in o for o in trained) and any("β 1" in o for o in trained)
    at.switch_page(page_path("explorer.py")).run()
    assert not at.exception and images_of(at)


def test_the_train_form_starts_from_the_library_defaults_and_keeps_what_it_does_not_show():
    """One source of truth: the form's defaults are TrainConfig's (3 epochs instead of 10), and a run
    keeps the defaults the form does not show (warm-up, Adam's betas, precision)."""
    defaults = vc.TrainConfig()
    at = app("train.py")
    assert at.number_input(key=Key.T_LR).value == defaults.learning_rate
    assert at.number_input(key=Key.T_BETA).value == defaults.beta
    assert at.number_input(key=Key.T_EPOCHS).value == 3
    assert at.select_slider(key=Key.T_BATCH).value == defaults.batch_size
    at.select_slider(key=Key.T_SUBSET).set_value(1000)
    at.button[0].click().run()
    job = at.session_state[Key.TRAINING_JOB]
    job.stop()
    assert job.train_config == dataclasses.replace(defaults, epochs=3)
    assert job.model_config == vc.VAEConfig()


def test_the_train_page_trains_a_tc_penalised_model_on_sprites():
    """The form's γ and estimator reach the run (β-TCVAE here: no discriminator to train, the quicker
    one), on the sprites data; the run's history splits its KL, and the explorer draws the model."""
    at = app("train.py")
    at.selectbox(key=Key.T_DATASET).set_value("sprites")
    at.select_slider(key=Key.T_SUBSET).set_value(1000)
    at.number_input(key=Key.T_EPOCHS).set_value(1)
    at.number_input(key=Key.T_TC_WEIGHT).set_value(5.0)
    at.radio(key=Key.T_TC_ESTIMATOR).set_value("minibatch")
    at.button[0].click().run()
    wait_for(at, lambda at: any("Finished" in s.value for s in at.success), 120, every=0.5)
    model = at.session_state[Key.TRAINING_JOB].result.model
    assert (model.config.dataset, model.train_config.tc_weight, model.train_config.tc_estimator) == (
        "sprites",
        5.0,
        "minibatch",
    )
    (record,) = model.info.history
    assert record.total_correlation is not None and record.mutual_information is not None
    at.switch_page(page_path("explorer.py")).run()
    assert not at.exception and images_of(at)


def test_training_can_be_stopped():
    at = app("train.py")
    at.select_slider(key=Key.T_SUBSET).set_value(5000)
    at.number_input(key=Key.T_EPOCHS).set_value(100)
    at.button[0].click().run()

    def estimating(at: AppTest) -> bool:  # running, with the time left estimated from the measured speed
        return any(b.label == "Stop" for b in at.button) and any("s left" in p.text for p in at.get("progress"))

    wait_for(at, estimating, 120, every=0.5)
    next(b for b in at.button if b.label == "Stop").click().run()
    wait_for(at, lambda at: any("stopped early" in s.value for s in at.success), 30, every=0.5)


def test_the_grid_marks_the_point_on_the_inverse_cdf_grid_too():
    """At z = (2.55, 3.15) the even grid marked the edge cell and the inverse-CDF grid showed nothing. The
    frame is on the cell nearest the point, on both; moving the point moves the frame, not the image."""
    at = app()
    at.slider(key=Key.Z_X).set_value(2.55).run()
    at.slider(key=Key.Z_Y).set_value(3.15).run()
    n, extent = at.slider(key=Key.GRID_N).value, at.slider(key=Key.GRID_EXTENT).value
    for spacing, where in (("linear", "the red square is the point"), ("normal", "off the grid")):
        at.radio(key=Key.GRID_SPACING).set_value(spacing).run()
        grid = marked_grid(at)
        axis = vc.grid_axis(n, extent=extent, spacing=spacing).numpy()
        assert grid.cell == nearest_cell(axis, 2.55, 3.15)[:2] and grid.cell[0] == 0
        assert where in grid.caption
    at.slider(key=Key.Z_Y).set_value(-3.15).run()
    moved = marked_grid(at)
    assert moved.cell[0] == n - 1 and moved.url == grid.url


def test_the_explorer_steps_by_a_tenth_with_a_finer_step_on_request():
    at = app()
    assert at.slider(key=Key.Z_X).step == 0.1
    at.toggle(key=Key.FINE_STEPS).set_value(True).run()
    assert at.slider(key=Key.Z_X).step == 0.01 and at.slider(key=Key.Z_Y).step == 0.01


def test_dimensions_are_numbered_from_one_everywhere_and_the_most_used_come_first():
    at = app()
    at.sidebar.selectbox(key=Key.MODEL).set_value("shipped:mnist-32d").run()
    model = vc.load_checkpoint(SHIPPED_32D)
    means, logvars = vc.encode_dataset(model, vc.load_dataset("mnist", False)[0])
    kl = (0.5 * (means**2 + logvars.exp() - 1 - logvars)).mean(0)
    most = kl.argsort(descending=True)[:2].tolist()
    assert [at.selectbox(key=Key.DIM_X).value, at.selectbox(key=Key.DIM_Y).value] == most
    assert at.slider(key=Key.Z_X).label == f"z{most[0] + 1}" and at.slider(key=Key.Z_Y).label == f"z{most[1] + 1}"
    picked = at.selectbox(key=Key.DIM_X).options[5]  # as shown: "zN (KL ...)"
    at.selectbox(key=Key.DIM_X).set_value(int(picked.split()[0][1:]) - 1).run()
    assert at.slider(key=Key.Z_X).label == picked.split()[0]


def test_sampled_pixels_are_bernoulli_draws():
    at = app("samples.py")
    means = images_of(at)[0]
    at.radio(key=Key.SAMPLES_PIXELS).set_value("draw").run()
    drawn = images_of(at)[0]
    assert drawn != means
    grid = np.asarray(Image.open(io.BytesIO(base64.b64decode(drawn.split(",", 1)[1]))))
    assert set(np.unique(grid)) <= {0, 255}, "each pixel is a Bernoulli draw: black or white"


def test_samples_of_a_likelihood_with_its_own_parameters_show_them_for_the_same_codes():
    """The continuous Bernoulli's λ beside its means (they differ: λ is not the mean); the Bernoulli's
    mean says it all, so nothing more is shown for it."""
    at = app("samples.py")
    assert len(at.get("image")) == 1
    at.sidebar.selectbox(key=Key.MODEL).set_value("shipped:cbernoulli-2d").run()
    assert not at.exception
    images = at.get("image")
    assert len(images) == 2 and images[1].captions[0].startswith("λ: black")
    assert any("λ is not the mean" in c.value for c in at.caption)
    model, n = vc.load_checkpoint(SHIPPED_CONTINUOUS_BERNOULLI), at.slider(key=Key.SAMPLES_N).value ** 2
    means = vc.sample_prior(model, n, random_state=at.number_input(key=Key.SAMPLES_SEED).value)
    lam = vc.sample_prior_parameters(model, n, random_state=at.number_input(key=Key.SAMPLES_SEED).value)["λ"]
    assert (lam - means).abs().max() > 0.05  # the same codes, yet another image ...
    moderate = (lam > 0.01) & (lam < 0.99)  # where float32's λ still holds its logit
    again = model.likelihood.mean(torch.logit(lam.double()).float().unsqueeze(1))[:, 0]
    torch.testing.assert_close(again[moderate], means[moderate], atol=2e-3, rtol=0)  # ... whose mean is the grid's


def test_an_input_as_atypical_as_the_least_typical_test_digits_is_flagged():
    noise = Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64), dtype=np.uint8))
    buffer = io.BytesIO()
    noise.save(buffer, "PNG")
    at = app("reconstruct.py")
    at.file_uploader(key=Key.RECON_FILES).set_value([("noise.png", buffer.getvalue(), "image/png")]).run()
    assert any("may not be a digit" in w.value for w in at.warning)
    at.file_uploader(key=Key.RECON_FILES).set_value([("seven.png", digit_png(0), "image/png")]).run()
    assert not any("may not be a digit" in w.value for w in at.warning)


def test_projected_scatter_axes_are_named_as_components():
    at = app("scatter.py")
    at.sidebar.selectbox(key=Key.MODEL).set_value("shipped:mnist-32d").run()
    assert "principal component 1" in at.get("plotly_chart")[0].proto.spec


def test_train_page_draws_the_live_kl_of_every_dimension():
    at = app("train.py")
    at.select_slider(key=Key.T_SUBSET).set_value(1000)
    at.number_input(key=Key.T_EPOCHS).set_value(1)
    at.number_input(key=Key.T_LATENT).set_value(5)
    at.button[0].click().run()
    wait_for(at, lambda at: any("Finished" in s.value for s in at.success), 120, every=0.5)
    figure = chart(at, "train_kl_dims")
    assert [t["name"] for t in figure["data"]] == ["z1", "z2", "z3", "z4", "z5"]
    job = at.session_state[Key.TRAINING_JOB]
    np.testing.assert_allclose(array(figure["data"][2]["y"]), [kl[2] for _, kl in job.kl_curve], rtol=1e-6)
