"""An upload as the Reconstruct and Anomaly pages see it: one score for one image on both, and a plain
second opinion on whether it is a digit at all."""

from __future__ import annotations

import io
import re

from PIL import Image

from tests.conftest import colourful_photo, digit_png
from tests.support.apptest import app


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
    at.file_uploader(key="recon_files").set_value([("photo.jpg", data, "image/jpeg")]).run()
    assert not at.exception, [e.value for e in at.exception]
    metrics = {m.label: m.value for m in at.metric}
    return metrics["-ELBO (nats)"], metrics["Less typical than"], [w.value for w in at.warning]


def test_the_same_photo_scores_the_same_on_reconstruct_and_anomaly():
    data = photo_of_digit(3)
    negative_elbo, percentile, _ = reconstruct_figures(data)
    at = app("anomaly.py")
    at.file_uploader(key="anomaly_files").set_value([("other.png", digit_png(7), "image/png")]).run()
    # Uploaded second, beside another image: its score must not depend on what else is uploaded.
    at.file_uploader(key="anomaly_files").set_value(
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
