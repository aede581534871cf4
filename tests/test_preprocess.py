import io

import numpy as np
import pytest
from PIL import Image

from harness.uploads import colourful_photo
from vae_core import ImageError, preprocess, preprocess_image, preprocess_steps


def png(image: Image.Image, fmt: str = "PNG", **kw) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **kw)
    return buffer.getvalue()


def photo_of(digit: np.ndarray, scale: int = 4, offset: tuple[int, int] = (30, 55)) -> Image.Image:
    """A real MNIST digit as a person might photograph it: dark ink on light paper, bigger, off-centre."""
    ink = Image.fromarray(255 - digit).resize((28 * scale, 28 * scale), Image.BICUBIC)
    paper = Image.new("L", (200, 180), 235)
    paper.paste(ink.point(lambda v: min(v, 235)), offset)
    return paper


@pytest.mark.parametrize("index", [0, 1, 2, 3, 4, 7, 11, 18])
def test_a_real_digit_after_inversion_rescaling_and_offset_lands_close_to_the_original(mnist_test, index):
    digit = mnist_test[0][index].numpy()
    steps = preprocess_steps(png(photo_of(digit)))
    assert steps.inverted
    original = digit.astype(np.float32) / 255
    result = steps.centred
    correlation = np.corrcoef(original.ravel(), result.ravel())[0, 1]
    assert correlation > 0.7, correlation
    assert np.abs(original - result).mean() < 0.1


def test_centre_of_mass_is_at_the_centre_like_mnist(mnist_test):
    ys, xs = np.indices((28, 28))
    digits = mnist_test[0][:200].numpy().astype(np.float64)
    mnist_centre = np.array([(digits * ys).sum() / digits.sum(), (digits * xs).sum() / digits.sum()])
    image = preprocess_image(png(photo_of(mnist_test[0][5].numpy())))[0].numpy()
    centre = np.array([(image * ys).sum() / image.sum(), (image * xs).sum() / image.sum()])
    assert np.abs(centre - mnist_centre).max() < 1.0
    assert preprocess_image(png(photo_of(mnist_test[0][5].numpy()))).shape == (1, 28, 28)


def test_fits_a_20_pixel_box_keeping_aspect_ratio():
    bar = np.zeros((100, 100), np.uint8)
    bar[10:90, 45:55] = 255  # a tall stroke: 80 x 10
    steps = preprocess_steps(bar)
    assert steps.fitted.shape[0] == 20 and steps.fitted.shape[1] in (2, 3)
    assert not steps.inverted


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "not an image"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><circle r='5'/></svg>", "SVG"),
        (b"just some text\n", "not an image"),
    ],
)
def test_bad_bytes_give_one_error_type_with_a_message(data, message):
    with pytest.raises(ImageError, match=message):
        preprocess_image(data)


def test_truncated_png_blank_images_and_tiny_images_are_clear_errors():
    full = png(Image.fromarray((np.random.default_rng(0).random((64, 64)) * 255).astype(np.uint8)))
    with pytest.raises(ImageError, match="damaged or truncated"):
        preprocess_image(full[: len(full) // 2])
    for colour in (0, 255):
        with pytest.raises(ImageError, match="blank"):
            preprocess_image(png(Image.new("L", (50, 50), colour)))
    with pytest.raises(ImageError, match="at least"):
        preprocess_image(png(Image.new("L", (1, 1), 0)))


def test_decompression_bomb_is_refused_before_decoding():
    bomb = png(Image.new("1", (20_000, 20_000), 0))
    assert len(bomb) < 200_000
    with pytest.raises(ImageError, match="megapixels"):
        preprocess_image(bomb)


def test_odd_modes_all_work():
    digit = Image.new("L", (40, 40), 255)
    digit.paste(0, (15, 5, 25, 35))
    cases = {
        "RGBA": digit.convert("RGBA"),
        "P": digit.convert("P"),
        "CMYK JPEG": Image.open(io.BytesIO(png(digit.convert("CMYK"), "JPEG"))),
        "16-bit": Image.fromarray(np.asarray(digit, np.uint16) * 257),
        "1": digit.convert("1"),
    }
    for name, image in cases.items():
        out = preprocess_image(png(image) if name != "CMYK JPEG" else image)
        assert out.shape == (1, 28, 28), name
        assert out.max() > 0.9 and out[0, 0, 0] == 0, name


def test_transparent_background_with_dark_or_light_ink():
    for ink in ((0, 0, 0, 255), (255, 255, 255, 255)):
        image = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
        image.paste(ink, (15, 5, 25, 35))
        out = preprocess_image(png(image))
        assert out.max() > 0.9 and out[0, 0, 0] == 0


def test_exif_rotation_is_applied():
    tall = Image.new("L", (60, 30), 0)
    tall.paste(255, (5, 10, 55, 20))  # a horizontal bar ...
    exif = Image.Exif()
    exif[0x0112] = 6  # ... stored rotated: a viewer shows it vertical
    steps = preprocess_steps(png(tall, "JPEG", exif=exif.tobytes()))
    assert steps.cropped.shape[0] > steps.cropped.shape[1]


def test_first_frame_of_an_animated_gif():
    frames = [Image.new("L", (40, 40), 0) for _ in range(3)]
    frames[0].paste(255, (15, 5, 25, 35))
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:])
    assert preprocess_image(buffer.getvalue()).max() > 0.9


# ---------------------------------------------------------------- the second opinion: a digit at all?


def test_the_second_opinions_limits_are_measured_on_the_mnist_test_digits(mnist_test):
    """MNIST_RANGES is what calibrate measures on all 10,000 test digits (docs/anomaly.md)."""
    assert preprocess.calibrate(mnist_test[0].numpy()) == preprocess.MNIST_RANGES


def test_real_digits_look_like_digits(mnist_test):
    """As uploaded (light on black, and photographed dark on light paper): about 2 % of real digits fail
    a check (each limit lets 0.5 % through on its side; 1.76 % of all 10,000), never many more."""
    digits = mnist_test[0][:2000].numpy()
    doubted = [i for i, d in enumerate(digits) if preprocess.digit_doubts(preprocess.measure(preprocess_steps(d)))]
    assert len(doubted) <= 50, len(doubted)
    for index in (0, 1, 2, 3, 4, 7):
        photo = preprocess_steps(png(photo_of(mnist_test[0][index].numpy()).convert("RGB"), "JPEG"))
        assert preprocess.digit_doubts(preprocess.measure(photo)) == [], index


def test_a_colour_photo_and_noise_are_doubted_and_the_check_that_fired_is_named():
    photo = preprocess.measure(preprocess_steps(colourful_photo()))
    doubts = preprocess.digit_doubts(photo)
    assert doubts and doubts[0].startswith("this looks like a colour photo, not a handwritten digit")
    speckled = np.random.default_rng(0).random((64, 64)) < 0.3  # salt: many separate specks of ink
    doubts = preprocess.digit_doubts(preprocess.measure(preprocess_steps(speckled.astype(np.float32))))
    assert any("separate pieces" in d for d in doubts), doubts
    blob = np.zeros((60, 60), np.float32)
    blob[5:55, 5:55] = 1.0  # a filled square: far more ink than any digit
    doubts = preprocess.digit_doubts(preprocess.measure(preprocess_steps(blob)))
    assert any(d.startswith("too much ink") for d in doubts), doubts
