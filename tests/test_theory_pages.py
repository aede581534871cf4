"""The lesson pages (traversals, posterior collapse, the prior's holes, two models compared) through
Streamlit's AppTest on the real app.

The shipped checkpoints are in git, so no test skips for want of one; the ``installed`` branches say
what a page shows on a server where a checkpoint was deleted."""

from __future__ import annotations

import base64
import io
import json
import re
from dataclasses import replace

import numpy as np
import pytest
import torch
from PIL import Image

import vae_core as vc
from tests.support.apptest import app, array, chart, images_of, opened, page_path, upload_checkpoint, wait_for
from tests.support.files import ROOT, SHIPPED_32D, SHIPPED_LADDER
from ui.notes import note
from ui.state import Key
from vae_core import hierarchy, latent


def installed(*names: str) -> bool:
    return all((ROOT / "checkpoints" / f"{name}.safetensors").exists() for name in names)


def test_traversals_show_both_models_rows_ordered_by_kl_with_active_units_marked():
    at = app("traversals.py")
    assert not at.error
    a, b = at.selectbox(key=Key.TRAV_A).value, at.selectbox(key=Key.TRAV_B).value
    if installed("beta1-10d", "beta4-10d"):
        assert (a, b) == ("shipped:beta1-10d", "shipped:beta4-10d") and not at.info
    else:  # the pair is absent: the sidebar's model stands in, and the page says so
        assert "shipped:mnist-2d" in (a, b) and any("Not installed here" in i.value for i in at.info)
    assert len(images_of(at)) == 2 and len(at.get("plotly_chart")) == 2
    model = vc.load_checkpoint(ROOT / "checkpoints" / f"{a.split(':', 1)[1]}.safetensors")
    means, logvars = vc.encode_dataset(model, vc.prepare_inputs(model, vc.load_dataset("mnist", False)[0]))
    kl = (0.5 * (means**2 + logvars.exp() - 1 - logvars)).mean(0)
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    bars = figure["data"][0]
    assert bars["x"] == [f"z{d + 1}" for d in kl.argsort(descending=True).tolist()]
    active = kl >= vc.ACTIVE_UNIT_NATS  # the one definition, computed here from its formula
    blue = [c == "#1f77b4" for c in bars["marker"]["color"]]
    assert blue == [bool(active[int(x[1:]) - 1]) for x in bars["x"]]
    # the count in the title is the number of blue bars, and the threshold is drawn with its value
    assert f": {sum(blue)} of {model.latent_dim} active" in figure["layout"]["title"]["text"]
    (line,) = [s for s in figure["layout"]["shapes"] if s["line"]["dash"] == "dash"]
    assert line["y0"] == line["y1"] == vc.ACTIVE_UNIT_NATS
    assert any(f"≥ {vc.ACTIVE_UNIT_NATS:g}" in n["text"] for n in figure["layout"]["annotations"])
    assert min(array(bars["y"])) > 0 and figure["layout"]["yaxis"]["type"] == "log"  # every bar has a height
    # the notes state the same threshold as the code (they are prose, so a test keeps them in step)
    assert f"\\delta = {vc.ACTIVE_UNIT_NATS:g}" in note("traversal")
    assert f"at least {vc.ACTIVE_UNIT_NATS:g} nats" in note("collapse")
    first = images_of(at)
    at.slider(key=Key.TRAV_ROWS).set_value(2).run()
    assert images_of(at)[0] != first[0] or model.latent_dim <= 2
    at.radio(key=Key.TRAV_HOLD).set_value("digit").run()
    assert not at.exception and images_of(at) != first
    assert "test digit #" in at.get("image")[0].captions[0]


def test_traversals_of_any_two_models_from_the_pickers_list(small_model):
    at = app("traversals.py")
    uploaded = upload_checkpoint(at, "tiny.safetensors", small_model)
    assert uploaded.startswith("upload:") and "uploaded: tiny.safetensors" in at.selectbox(key=Key.TRAV_B).options
    at.selectbox(key=Key.TRAV_B).set_value(uploaded).run()
    assert not at.exception and at.segmented_control(key=Key.TRAV_PRESET).value is None
    assert len(images_of(at)) == 2


def test_collapse_plots_the_stored_histories_and_says_when_a_history_has_none():
    at = app("collapse.py")
    at.selectbox(key=Key.COLLAPSE_A).set_value("shipped:beta1-10d").run()
    at.selectbox(key=Key.COLLAPSE_B).set_value("shipped:mnist-2d").run()
    assert not at.exception
    history = vc.load_checkpoint(ROOT / "checkpoints" / "beta1-10d.safetensors").info.history
    kl = chart(at, "collapse_kl_a")
    assert len(kl["data"]) == 10 and kl["data"][0]["x"] == [r.epoch for r in history]
    np.testing.assert_allclose(array(kl["data"][3]["y"]), [r.kl_per_dim[3] for r in history], rtol=1e-6)
    units = chart(at, "collapse_units_a")  # recounted from the stored KL per dimension, not the stored count
    assert array(units["data"][0]["y"]).tolist() == [vc.active_units(r.kl_per_dim) for r in history]
    assert array(units["data"][0]["y"])[-1] == 9  # z7 carries 0.011 nats: not active
    kl_dashes = [s for s in kl["layout"]["shapes"] if s["line"]["dash"] == "dash"]
    assert [s["y0"] for s in kl_dashes] == [vc.ACTIVE_UNIT_NATS]
    assert any("test images now: **9 of 10**" in c.value for c in at.caption)
    if not latent.history_series(
        vc.load_checkpoint(ROOT / "checkpoints" / "mnist-2d.safetensors").info.history, lambda r: r.activity
    ):
        assert any("no per-dimension records" in i.value for i in at.info)


@pytest.mark.slow  # two real trainings: the second CI stage (docs/testing.md)
def test_the_one_click_pair_trains_one_run_after_the_other_and_reports_active_units():
    at = app("collapse.py")
    smallest = at.select_slider(key=Key.COLLAPSE_IMAGES).options[0]
    assert smallest == "5000"  # 1,000 images left every dimension of both runs collapsed: nothing to compare
    at.select_slider(key=Key.COLLAPSE_IMAGES).set_value(5000)
    next(b for b in at.button if b.label == "Train both").click().run()
    jobs = at.session_state[Key.COLLAPSE_JOBS]
    assert jobs[1].progress is None  # the second waits for the first
    wait_for(at, lambda at: at.selectbox(key=Key.COLLAPSE_A).value.startswith("trained:"), 900)
    first, second = jobs
    assert first.train_config.kl_warmup_epochs == 0 and second.train_config.kl_warmup_epochs > 0
    assert replace(second.train_config, kl_warmup_epochs=0) == first.train_config  # nothing else differs
    assert first.kl_curve and len(first.kl_curve[-1][1]) == 16  # the live KL of every dimension
    assert at.selectbox(key=Key.COLLAPSE_B).value == f"trained:{second.serial}"
    metrics = {m.label: m.value for m in at.metric}
    for job in jobs:
        test = job.result.model.info.test
        units = test.active_units
        assert units == vc.active_units(test.kl_per_dim)
        assert any(v == f"{units} of 16" and "test set" in label for label, v in metrics.items())
        bars = chart(at, f"collapse_final_{job.serial}")  # the count matches its own bars
        blue = [c == "#1f77b4" for c in bars["data"][0]["marker"]["color"]]
        assert sum(blue) == units and f"{units} of 16 active" in bars["layout"]["title"]["text"]
        np.testing.assert_allclose(
            np.sort(array(bars["data"][0]["customdata"])[:, 0].astype(float))[::-1],
            sorted(test.kl_per_dim, reverse=True),
            rtol=1e-6,
        )
    trained = [o for o in at.sidebar.selectbox(key=Key.MODEL).options if "trained here" in o]
    assert len(trained) == 2 and any("warm-up" in o for o in trained)
    assert chart(at, "collapse_kl_a")["data"], "the new runs' histories are drawn"


def test_holes_of_a_2d_model_maps_both_densities_and_gives_the_hole_fraction():
    at = app("holes.py")
    assert not at.exception and not at.error
    value = at.metric[0].value
    assert value.endswith("%") and 0 < float(value.rstrip(" %")) < 100
    q, p, holes = chart(at, "holes_q"), chart(at, "holes_p"), chart(at, "holes_map")
    assert array(q["data"][0]["z"]).shape == array(p["data"][0]["z"]).shape == (60, 60)
    assert set(np.unique(array(holes["data"][0]["z"]))) <= {0, 1, 2}
    assert len(images_of(at)) == 2  # prior samples decoded from holes and from covered regions
    table = at.dataframe[0].value
    assert "hole fraction" in table.index and "mnist-2d" in table.columns
    assert table.loc["hole fraction", "mnist-2d"] == value
    if installed("standard-2d", "mixture-2d"):
        assert {"standard-2d", "mixture-2d"} <= set(table.columns)


def test_holes_of_a_higher_dimensional_model_shows_each_dimensions_means_against_the_prior():
    at = app("holes.py")
    at.sidebar.selectbox(key=Key.MODEL).set_value("shipped:mnist-32d").run()
    assert not at.exception and any("32 latent dimensions" in i.value for i in at.info)
    figure = chart(at, "holes_histograms")
    histograms = [t for t in figure["data"] if t["type"] == "histogram"]
    assert len(histograms) == 32
    means = vc.encode_dataset(vc.load_checkpoint(SHIPPED_32D), vc.load_dataset("mnist", False)[0])[0]
    d = int(figure["layout"]["annotations"][0]["text"].split()[0][1:]) - 1
    np.testing.assert_allclose(array(histograms[0]["x"]), means[:, d].numpy(), rtol=1e-5, atol=1e-6)


def test_levels_gives_each_levels_share_and_holds_one_level_while_drawing_the_other():
    at = app("levels.py")
    assert not at.exception and any("this page shows ladder-2d" in i.value for i in at.info)  # the default: one level
    model = vc.load_checkpoint(SHIPPED_LADDER)
    usage = hierarchy.level_usage(model, vc.load_dataset("mnist", False)[0], random_state=0)
    table = at.dataframe[0].value
    assert list(table.columns) == ["z2 (top)", "z1 (given z2)"]
    assert table.loc["KL term (nats per image)"].tolist() == [f"{u.kl:.2f}" for u in usage]
    assert table.loc["active units (≥ 0.1 nats)"].tolist() == [f"{u.active_units} of {u.size}" for u in usage]
    holes = at.dataframe[1].value
    assert holes.columns[0] == "ladder-2d" and holes.loc["levels", "ladder-2d"] == "2-D over 32-D"
    assert chart(at, "levels_q")["data"] and chart(at, "levels_p")["data"]
    shown = images_of(at)
    assert len(shown) == 3  # the digit, the row holding the top, the row holding the level below
    at.number_input(key=Key.LEVELS_SEED).set_value(4).run()
    again = images_of(at)
    assert again[0] == shown[0] and again[1] != shown[1] and again[2] != shown[2]  # other draws, the same digit
    at.sidebar.selectbox(key=Key.MODEL).set_value("shipped:ladder-2d").run()
    assert not at.exception and not at.info  # the model in the sidebar is the hierarchy itself


def test_the_explorer_draws_a_hierarchys_lower_levels_on_demand():
    at = opened({"model": "ladder-2d", "z1": "1", "z2": "-0.5"}, "explorer.py")
    shown = images_of(at)
    at.toggle(key=Key.LOWER_DRAWN).set_value(True).run()
    drawn = images_of(at)
    assert not at.exception and len(drawn) == len(shown) + 1 and drawn[0] == shown[0]  # the mean's decode stays
    expected = hierarchy.decode_drawn(vc.load_checkpoint(SHIPPED_LADDER), torch.tensor([1.0, -0.5]), 6, random_state=0)
    pixels = np.asarray(Image.open(io.BytesIO(base64.b64decode(drawn[1].split(",", 1)[1]))))
    np.testing.assert_array_equal(pixels, vc.to_uint8(vc.tile(expected, 6, pad=1)))


def test_compare_two_models_on_the_same_digits_seed_and_grid():
    at = app("compare.py")
    assert not at.exception
    a, b = at.selectbox(key=Key.COMPARE_A).value, at.selectbox(key=Key.COMPARE_B).value
    assert (a, b) == ("shipped:gaussian-10d", "shipped:beta1-10d")  # the blur pair: only the likelihood differs
    grey = [float(m.value) for m in at.metric if m.label == "mid-grey share of the ink"]
    edges = [float(m.value) for m in at.metric if m.label == "edge strength"]
    assert grey[0] > grey[1] and edges[0] < edges[1], "the Gaussian side's samples are the blurrier, on screen"
    table = at.dataframe[0].value
    assert [c[:2] for c in table.columns] == ["A:", "B:"]
    assert {"test −ELBO (nats)", "KL", "active units (≥ 0.1 nats)"} <= set(table.index)
    assert len(images_of(at)) == 6  # reconstructions, prior samples and the grid, for each model
    samples = images_of(at)[1]
    at.number_input(key=Key.COMPARE_SEED).set_value(5).run()
    assert images_of(at)[1] != samples
    at.segmented_control(key=Key.COMPARE_PRESET).set_value("β = 1 vs β = 4").run()
    assert not at.exception
    if installed("beta1-10d", "beta4-10d"):
        assert at.selectbox(key=Key.COMPARE_A).value == "shipped:beta1-10d"
        assert at.selectbox(key=Key.COMPARE_B).value == "shipped:beta4-10d"
    # a dataset of three classes (sprites' shapes): the first of each shape, then the next test images, ten in all
    at.segmented_control(key=Key.COMPARE_PRESET).set_value("β = 1 vs β-TCVAE, sprites").run()
    assert not at.exception and at.selectbox(key=Key.COMPARE_B).value == "shipped:sprites-tcvae"
    assert len(images_of(at)) == 6 and "test images (top)" in at.get("image")[0].captions[0]
    strip = Image.open(io.BytesIO(base64.b64decode(images_of(at)[0].split(",", 1)[1])))
    assert strip.size == (10 * 28 * 2, 2 * 28 * 2)  # ten images, each above its reconstruction, enlarged twice


def test_compare_gives_bits_per_dimension_only_where_the_likelihood_is_a_probability_of_8_bit_images():
    """The discretized logistic's −log p(x) is a code length of the 8-bit image: in bits per dimension,
    nats / (784 ln 2) of its stored IWAE figure; the Bernoulli's cross-entropy on grey levels is not."""
    at = app("compare.py")
    at.segmented_control(key=Key.COMPARE_PRESET).set_value("Bernoulli vs discretized logistic, 2-D").run()
    assert not at.exception
    table = at.dataframe[0].value
    bernoulli, logistic = table.iloc[:, 0], table.iloc[:, 1]
    assert bernoulli["bits per dimension"] == "not a probability of 8-bit images"
    stored = vc.load_checkpoint(ROOT / "checkpoints" / "logistic-2d.safetensors").info.test
    assert float(logistic["bits per dimension"]) == pytest.approx(stored.iwae_nll / (784 * np.log(2)), abs=1e-3)
    assert 0 < float(logistic["bits per dimension"]) < 8  # better than storing the raw bytes


def test_compare_computes_the_figures_of_a_model_that_has_none_stored(small_model):
    at = app("compare.py")
    uploaded = upload_checkpoint(at, "tiny.safetensors", small_model)
    at.selectbox(key=Key.COMPARE_B).set_value(uploaded).run()
    column = at.dataframe[0].value.iloc[:, 1]
    expected = vc.evaluate(small_model, vc.load_dataset("mnist", False)[0])
    assert float(column["test −ELBO (nats)"]) == pytest.approx(expected.negative_elbo, abs=0.01)
    assert column["active units (≥ 0.1 nats)"] == f"{expected.active_units} of 2"
    assert column["−log p(x), IWAE"] == "not measured"


def test_four_likelihoods_side_by_side_show_means_draws_and_what_each_log_p_is():
    """A row per likelihood (one 2-D model each): the draws are the likelihood's own (the Bernoulli's black
    or white, the others' grey levels), the continuous Bernoulli shows lambda beside its mean, and only
    the discretized logistic's −log p(x) is given in bits per dimension."""
    at = app("compare.py")
    at.radio(key=Key.COMPARE_VIEW).set_value("four").run()
    assert not at.exception
    captions = " ".join(m.value for m in at.caption)
    names = [n for n in ("classic-2d", "standard-2d", "cbernoulli-2d", "logistic-2d") if installed(n)]
    loaded = {n: vc.load_checkpoint(ROOT / "checkpoints" / f"{n}.safetensors") for n in names}
    for model in loaded.values():
        assert model.likelihood.log_p_is in captions
    in_bits = len(re.findall(r"nats = \d\.\d\d bits per dimension", captions))
    assert in_bits == sum(m.likelihood.normalised_8bit_density for m in loaded.values())
    shown = at.get("image")
    draws = [image.value[0] for image in shown if image.captions[0].startswith("x ~ p(x|z)")]
    assert len(draws) == len(names)
    levels = [np.unique(np.asarray(Image.open(io.BytesIO(base64.b64decode(d.split(",", 1)[1]))))) for d in draws]
    for name, found in zip(names, levels, strict=True):
        binary = loaded[name].likelihood.name == "bernoulli"
        assert (len(found) == 2) == binary, f"{name}: {len(found)} grey levels in its draws"
    if installed("cbernoulli-2d"):
        assert any(c.startswith("λ:") for image in shown for c in image.captions)
    samples = images_of(at)
    at.number_input(key=Key.COMPARE_SEED).set_value(3).run()
    assert images_of(at) != samples


def test_the_classic_recipes_two_figures_are_one_click_away():
    at = app("compare.py")
    at.radio(key=Key.COMPARE_VIEW).set_value("classic").run()
    assert not at.exception
    captions = [c for image in at.get("image") for c in image.captions]
    assert any("7 × 7" in c for c in captions) and any("14 × 14" in c and "1.5" in c for c in captions)
    if installed("classic-2d"):
        model = vc.load_checkpoint(ROOT / "checkpoints" / "classic-2d.safetensors")
        curve = array(chart(at, "classic_curve")["data"][0]["y"])
        np.testing.assert_allclose(curve, [r.loss for r in model.info.history], rtol=1e-6)
        assert model.config.likelihood == "gaussian" and model.train_config.batch_size == 32
    else:
        assert any("classic-2d is not installed" in i.value for i in at.info)


@pytest.fixture(scope="module")
def small_mixture_model():
    """A 2-D model with a learnt 3-component mixture prior, trained briefly on 2,000 real digits."""
    images, _ = vc.load_dataset("mnist", train=True)
    config = vc.VAEConfig(latent_dim=2, hidden=64, conv_channels=(8, 16), prior="mixture", prior_components=3)
    return vc.train(config, vc.TrainConfig(epochs=2, batch_size=100), images[:2000]).model


def test_the_lessons_work_for_a_model_with_a_mixture_prior(small_mixture_model):
    """No KL per dimension against a mixture: activity instead; the maps, traversals and grids follow
    the prior's own centre and spread."""
    at = app("holes.py")
    uploaded = upload_checkpoint(at, "mixture.safetensors", small_mixture_model)
    assert not at.exception and uploaded.startswith("upload:")
    assert "Gaussian mixture, K = 3" in chart(at, "holes_p")["layout"]["title"]["text"]
    assert at.metric[0].value.endswith("%")
    uploaded = at.sidebar.selectbox(key=Key.MODEL).value
    for page, key in (("traversals.py", "trav_a"), ("compare.py", "compare_a")):
        at.switch_page(page_path(page)).run()
        at.selectbox(key=key).set_value(uploaded).run()
        assert not at.exception, (page, [e.value for e in at.exception])
    at.switch_page(page_path("traversals.py")).run()
    assert "Information per dimension" in chart(at, "trav_bars_a")["layout"]["title"]["text"]


SPRITES = ("sprites-beta1", "sprites-beta4", "sprites-factor", "sprites-tcvae")


def test_disentanglement_maps_each_models_code_against_the_sprites_factors():
    at = app("disentanglement.py")
    assert not at.exception and not at.info
    assert (at.selectbox(key=Key.DIS_A).value, at.selectbox(key=Key.DIS_B).value) == (
        "shipped:sprites-beta1",
        "shipped:sprites-tcvae",
    )
    model = vc.load_checkpoint(ROOT / "checkpoints" / "sprites-tcvae.safetensors")
    images, factors, names = vc.load_dataset_with_factors("sprites")
    mig = vc.mutual_information_gap(vc.encode_dataset(model, images)[0], factors)  # measured here, from the encoder
    heat = chart(at, f"{Key.DIS_MAP}_b")["data"][0]
    assert heat["x"] == list(names) and len(heat["y"]) == model.latent_dim
    assert np.allclose(array(heat["z"]), mig.mutual_information / mig.factor_entropy)
    assert any(f"**sprites-tcvae**: β-TCVAE, γ = 10 · MIG **{mig.score:.2f}**" in m.value for m in at.markdown)
    # each row is labelled by the factor its dimension holds most, as the heat map shows it
    for label, row in zip(heat["y"], array(heat["z"]), strict=True):
        role = label.split(" ", 1)[1]
        assert role in ("mixed", "inactive") or names[int(np.argmax(row))] == role
    assert len(images_of(at)) == 2  # the two models' traversal rows
    # the table: every shipped sprites model, with the metrics the library computes
    table = at.dataframe[0].value
    assert sorted(table["model"]) == sorted(SPRITES)
    assert table.set_index("model").loc["sprites-tcvae", "MIG"] == pytest.approx(mig.score)
    # the pads' axes follow the chosen factors, each on the dimension that holds it most
    xy = [m.value for m in at.markdown if m.value.startswith("**sprites-tcvae**: x on z")]
    at.radio(key=Key.DIS_PAD_FACTORS).set_value("scale-orientation").run()
    best_scale = int(mig.mutual_information[:, names.index("scale")].argmax())
    assert xy and any(m.value.startswith(f"**sprites-tcvae**: scale on z{best_scale + 1} ") for m in at.markdown)
    # a model without known factors is named, not scored
    at.selectbox(key=Key.DIS_B).set_value("shipped:mnist-2d").run()
    assert not at.exception and any("mnist, which has no known factors" in i.value for i in at.info)
