"""Bad and hostile input, table-driven, through the real app (AppTest): every file gets a clear
message or a result, never a traceback, and the app stays usable afterwards."""

from __future__ import annotations

import io
import os

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import save as save_tensors

from harness.uploads import digit_png
from tests.support.apptest import app, images_of
from tests.support.files import HOSTILE_MARKER, hostile_pickle
from ui.state import Key
from vae_core import VAE, VAEConfig, checkpoint_bytes, load_dataset
from vae_core.checkpoint import read_metadata
from vae_core.preprocess import MAX_PIXELS, MAX_UPLOAD_BYTES


def encode(image: Image.Image, fmt: str = "PNG", **kw) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **kw)
    return buffer.getvalue()


def a_digit(mode: str = "L") -> Image.Image:
    """A real MNIST test digit, dark ink on white, 84 x 84."""
    digit = load_dataset("mnist", False)[0][4].numpy()
    return Image.fromarray(255 - digit).resize((84, 84)).convert(mode)


def exif_rotated_jpeg() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6
    return encode(a_digit().transpose(Image.Transpose.ROTATE_90), "JPEG", exif=exif.tobytes())


def animated_gif() -> bytes:
    frames = [a_digit(), Image.new("L", (84, 84), 255)]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def rgba_png() -> bytes:
    image = a_digit("RGBA")
    alpha = np.where(np.asarray(a_digit()) > 128, 0, 255).astype(np.uint8)  # paper transparent
    image.putalpha(Image.fromarray(alpha))
    return encode(image)


IMAGE_CASES: dict[str, tuple[bytes, str | None]] = {
    # name: (file bytes, substring of the error shown; None means it must be reconstructed)
    "empty.png": (b"", "empty"),
    "random-bytes.png": (os.urandom(20_000), "not an image"),
    "truncated.png": (encode(a_digit())[:400], "truncated"),
    "notes.txt": (b"a text file, not a picture\n" * 20, "not an image"),
    "drawing.svg": (
        b"<svg xmlns='http://www.w3.org/2000/svg' width='28' height='28'><path d='M14 2v24'/></svg>",
        "SVG",
    ),
    "bomb.png": (encode(Image.new("1", (20_000, 20_000))), "megapixels"),
    "huge-file.png": (b"\x89PNG" + bytes(MAX_UPLOAD_BYTES), "larger than"),
    "one-pixel.png": (encode(Image.new("L", (1, 1), 0)), "at least"),
    "all-white.png": (encode(Image.new("L", (64, 64), 255)), "blank"),
    "all-black.png": (encode(Image.new("L", (64, 64), 0)), "blank"),
    "sixteen-bit.png": (encode(Image.fromarray(np.asarray(a_digit(), np.uint16) * 257)), None),
    "cmyk.jpg": (encode(a_digit("CMYK"), "JPEG"), None),
    "palette.png": (encode(a_digit("P")), None),
    "rgba.png": (rgba_png(), None),
    "animated.gif": (animated_gif(), None),
    "exif-rotated.jpg": (exif_rotated_jpeg(), None),
}


def test_the_bomb_is_small_on_disk_but_huge_in_pixels():
    """The case below tests what it claims: a small file whose header declares far too many pixels."""
    data = IMAGE_CASES["bomb.png"][0]
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")  # PNG's IHDR
    assert len(data) < 100_000 and width * height > 10 * MAX_PIXELS


@pytest.mark.parametrize("name", list(IMAGE_CASES))
def test_image_upload(name):
    data, message = IMAGE_CASES[name]
    at = app("reconstruct.py")
    at.file_uploader(key=Key.RECON_FILES).set_value([(name, data, "application/octet-stream")]).run()
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error]
    if message is None:
        assert not errors, errors
        assert len(images_of(at)) == 7, "every preprocessing step, the reconstruction and the error map"
    else:
        assert len(errors) == 1 and name in errors[0] and message in errors[0], errors
    # Still usable: a good digit right after is reconstructed.
    at.file_uploader(key=Key.RECON_FILES).set_value([("good.png", digit_png(2), "image/png")]).run()
    assert not at.exception and not at.error and len(images_of(at)) == 7


def checkpoint_cases() -> dict[str, tuple[bytes, str]]:
    good = checkpoint_bytes(VAE(VAEConfig()))
    other = VAE(VAEConfig(latent_dim=4, hidden=64))
    nan_model = VAE(VAEConfig())
    with torch.no_grad():
        nan_model.decoder[0].bias.fill_(float("nan"))
    metadata = read_metadata(good)
    return {
        "hostile-pickle.safetensors": (hostile_pickle(), "pickle"),
        "hostile-torch-save.safetensors": (hostile_pickle(with_torch_save=True), "pickle"),
        "truncated.safetensors": (good[: len(good) // 3], "truncated or corrupt"),
        "other-architecture.safetensors": (save_tensors(dict(other.state_dict()), metadata=metadata), "shape"),
        "nan-weights.safetensors": (checkpoint_bytes(nan_model), "NaN"),
        "not-ours.safetensors": (save_tensors({"w": torch.zeros(2)}), "not a checkpoint of this project"),
    }


@pytest.mark.parametrize("name", list(checkpoint_cases()))
def test_checkpoint_upload(name):
    HOSTILE_MARKER.unlink(missing_ok=True)
    data, message = checkpoint_cases()[name]
    at = app()
    at.sidebar.file_uploader(key=Key.CHECKPOINT_UPLOAD).set_value((name, data, "application/octet-stream")).run()
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.sidebar.error]
    assert len(errors) == 1 and name in errors[0] and message in errors[0], errors
    assert not HOSTILE_MARKER.exists(), "the hostile pickle ran"
    assert at.sidebar.selectbox(key=Key.MODEL).value == "shipped:mnist-2d", "the shipped model stays active"
    before = images_of(at)
    at.slider(key=Key.Z_X).set_value(-1.0).run()
    assert not at.exception and images_of(at) != before
