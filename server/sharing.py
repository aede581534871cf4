"""Where the models every session sees are kept, and saving a model there for everyone.

The shipped checkpoints are the files in checkpoints/ (in git); models saved for everyone go to
``shared_dir()``, never to checkpoints/ itself. The UI's model picker (ui.models) lists both."""

from __future__ import annotations

import hmac
import os
import re
import threading
from pathlib import Path

import vae_core as vc

CHECKPOINT_DIR = Path(__file__).resolve().parents[1] / "checkpoints"
SHARED_DIR_SETTING = "VAE_SHARED_CHECKPOINTS"  # where the Train page saves models for everyone
DEFAULT_CHECKPOINT = "mnist-2d"


def shipped_checkpoints() -> dict[str, Path]:
    """Every model every session sees: the checkpoints git ships in checkpoints/ (the default first),
    then those saved for everyone in ``shared_dir()`` (never under a shipped model's name)."""
    shipped = shipped_files()
    shared = {p.stem: p for p in sorted(shared_dir().glob("*.safetensors")) if p.stem not in shipped}
    return shipped | shared


def shipped_files() -> dict[str, Path]:
    """The checkpoints in checkpoints/ itself, the default first: what the app ships with."""
    paths = sorted(CHECKPOINT_DIR.glob("*.safetensors"), key=lambda p: (p.stem != DEFAULT_CHECKPOINT, p.stem))
    return {p.stem: p for p in paths}


def shared_dir() -> Path:
    """The folder of models saved for everyone: ``VAE_SHARED_CHECKPOINTS``, else checkpoints/shared/
    (ignored by git). Never checkpoints/ itself, so no save can touch a shipped file."""
    return Path(os.environ.get(SHARED_DIR_SETTING) or CHECKPOINT_DIR / "shared")


# -------------------------------------------------------------------------- saving for everyone
# A model saved here joins the list every session on the server sees, so saving is for whoever runs
# the server: allowed only when VAE_TEACHER_KEY is set, and only to a person who types that key. A
# save goes into shared_dir(), never into checkpoints/ itself, under a name no shipped model
# has, within a count and a size limit. Everyone else downloads their model and uploads it again in
# the sidebar: it stays in their own session.
TEACHER_KEY_SETTING = "VAE_TEACHER_KEY"
SHARED_MODELS_SETTING, SHARED_MODELS_DEFAULT = "VAE_SHARED_MAX_MODELS", 10
SHARED_MB_SETTING, SHARED_MB_DEFAULT = "VAE_SHARED_MAX_MB", 50
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_saving = threading.Lock()  # one save at a time: the count is checked and the file written together


class SaveRefused(ValueError):
    """A save to the shared list that is not allowed; the message says why and what to do."""


def sharing_enabled() -> bool:
    """Whether this server lets anyone save for everyone: only when it was started with a teacher key."""
    return bool(os.environ.get(TEACHER_KEY_SETTING))


def shared_limits() -> tuple[int, int]:
    """(most models in the shared list, most megabytes per model), from the server's settings."""
    count = int(os.environ.get(SHARED_MODELS_SETTING) or SHARED_MODELS_DEFAULT)
    megabytes = int(os.environ.get(SHARED_MB_SETTING) or SHARED_MB_DEFAULT)
    return count, megabytes


def save_shared(model: vc.VAE, name: str, teacher_key: str) -> Path:
    """Save ``model`` for every session as ``name``, or raise SaveRefused saying why not."""
    expected = os.environ.get(TEACHER_KEY_SETTING) or ""
    if not expected:
        raise SaveRefused(f"saving for everyone is off on this server (it was started without {TEACHER_KEY_SETTING})")
    if not hmac.compare_digest(teacher_key.encode(), expected.encode()):
        raise SaveRefused("that is not this server's teacher key")
    if not NAME_PATTERN.fullmatch(name):
        raise SaveRefused("use letters, digits, '-', '_' or '.', up to 64 characters, starting with a letter or digit")
    if name in shipped_files():
        raise SaveRefused(f"{name} is a model the app ships with; shipped models are never replaced: choose another")
    count, megabytes = shared_limits()
    data = vc.checkpoint_bytes(model)
    if len(data) > megabytes * 2**20:
        raise SaveRefused(
            f"the checkpoint is {len(data) / 2**20:.1f} MB, more than the {megabytes} MB this server allows "
            f"({SHARED_MB_SETTING})"
        )
    folder = shared_dir()
    with _saving:
        folder.mkdir(parents=True, exist_ok=True)
        saved = sorted(folder.glob("*.safetensors"))
        path = folder / f"{name}.safetensors"
        if path.exists():
            raise SaveRefused(f"a shared model is called {name} already; choose another name")
        if len(saved) >= count:
            raise SaveRefused(
                f"the shared list holds {len(saved)} model{'s' if len(saved) != 1 else ''}, the most this server "
                f"allows ({SHARED_MODELS_SETTING}); "
                "remove one from the shared folder first"
            )
        partial = path.with_suffix(".tmp")
        partial.write_bytes(data)
        partial.replace(path)  # whole or not at all: no session lists a half-written file
    return path
