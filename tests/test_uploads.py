"""What a student brings and what the model makes: an upload as the Reconstruct and Anomaly pages see
it (one score for one image on both, and a plain second opinion on whether it is a digit at all), and
the Samples page's check that its digits are new."""

from __future__ import annotations

import io
import re

import torch
from PIL import Image

import vae_core as vc
from harness.uploads import colourful_photo, digit_png
from tests.support.apptest import app, images_of
from tests.support.files import SHIPPED_2D
from ui.state import Key
from vae_core import nearest


def photo_of_digit(index: int) -> bytes:
    """A real test digit as a phone photo might be: colour JPEG, dark ink on warm paper, off the 8-bit levels."""
    grey = Image.open(io.BytesIO(digit_png(index, size=300))).convert("L")
    paper = Image.merge("RGB", [grey.point(lambda v: 40 + v * 0.8), grey.point(lambda v: 35 + v * 0.78), grey])
    buffer = io.BytesIO()
    paper.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def reconstruct_figures(data: bytes) -> tuple[str, str, list[str]]:
    """(-ELBO, percentile, warnings) the Reconstruct page shows for one upload."""
    at = app("reconstruct.py")
    at.file_uploader(key=Key.RECON_FILES).set_value([("photo.jpg", data, "image/jpeg")]).run()
    assert not at.exception, [e.value for e in at.exception]
    metrics = {m.label: m.value for m in at.metric}
    return metrics["-ELBO (nats)"], metrics["Less typical than"], [w.value for w in at.warning]


def test_the_same_photo_scores_the_same_on_reconstruct_and_anomaly():
    data = photo_of_digit(3)
    negative_elbo, percentile, _ = reconstruct_figures(data)
    at = app("anomaly.py")
    at.file_uploader(key=Key.ANOMALY_FILES).set_value([("other.png", digit_png(7), "image/png")]).run()
    # Uploaded second, beside another image: its score must not depend on what else is uploaded.
    at.file_uploader(key=Key.ANOMALY_FILES).set_value(
        [("other.png", digit_png(7), "image/png"), ("photo.jpg", data, "image/jpeg")]
    ).run()
    assert not at.exception, [e.value for e in at.exception]
    line = next(m.value for m in at.markdown if "**photo.jpg**" in m.value)
    found = re.search(r"\*\*photo\.jpg\*\*: −ELBO = ([\d.]+) nats.*higher than (\d+)% of the test images", line)
    assert found, line
    assert found.group(1) == negative_elbo
    assert percentile == f"{found.group(2)}% of test digits"


def test_a_colour_photo_gets_a_second_opinion_and_a_digit_does_not():
    _, _, warnings = reconstruct_figures(colourful_photo())
    assert any("Second opinion" in w and "looks like a colour photo, not a handwritten digit" in w for w in warnings)
    _, _, warnings = reconstruct_figures(photo_of_digit(0))
    assert not any("Second opinion" in w for w in warnings), warnings


# ------------------------------------------------------------------- samples: new digits, or copies?


def test_nearest_images_agree_with_a_plain_distance_search(mnist_test):
    train = vc.load_dataset("mnist", train=True)[0][:3000]
    queries = torch.cat([train[[5, 2999]].float() / 255, mnist_test[0][:6].float() / 255])
    found = nearest.nearest_images(queries, train, chunk=700)  # chunks that do not divide the set
    exact = torch.cdist(queries.reshape(8, -1).double(), train.reshape(3000, -1).double() / 255).min(1)
    assert found.indices.tolist() == exact.indices.tolist()
    torch.testing.assert_close(found.distances.double(), exact.values, atol=1e-4, rtol=0)
    assert found.indices[:2].tolist() == [5, 2999] and found.distances[:2].max() < 1e-3  # copies: distance 0


def test_the_samples_page_shows_each_samples_nearest_training_image_on_demand():
    at = app("samples.py")
    at.slider(key=Key.SAMPLES_N).set_value(3).run()
    shown = len(images_of(at))
    at.toggle(key=Key.SAMPLES_NEAREST).set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    pairs = at.get("image")[-1]
    assert len(images_of(at)) == shown + 9 and len(pairs.captions) == 9
    # The page's figures are those of the search itself.
    model = vc.load_checkpoint(SHIPPED_2D)
    found = nearest.nearest_images(
        vc.sample_prior(model, 9, random_state=0, temperature=1.0), vc.load_dataset("mnist", train=True)[0]
    )
    assert pairs.captions == [f"#{i} · {d:.2f}" for i, d in zip(found.indices, found.distances, strict=True)]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Median distance: these samples"] == f"{float(found.distances.median()):.2f}"
    assert "Median distance: new test digits" in metrics
