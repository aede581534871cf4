"""A shipped model's card: what the first view shows of it, kept on disk so that it is drawn without torch.

Loading a model imports torch, 1.6 s of a cold start on the 2-core machine (docs/performance.md,
"Start-up"), yet the explorer's first view needs only the picker's line of facts, the latent size, the
class names, and two files its latent pad fetches: the decoder the browser runs and the test digits'
means. A card keeps those in ``cards_dir()``, in a folder named by the checkpoint's header (its config,
its training record with the command and the time it ran, and where each tensor lies: what any new
training changes), so a changed checkpoint gets a new card, never an old one's, and a fresh clone of
the same files finds the cards its last run made.

A card is only a cache: each part is made from the model the first time it is needed and kept; a part
that is missing, unreadable or not what it should be is made again, and a disk that cannot be written
to just means no card. This module imports no torch; making a part does (through vae_core).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import vae_core as vc  # imports no torch until a name in it is used (vae_core/__init__.py)

if TYPE_CHECKING:
    from vae_core import VAE

CARDS_SETTING = "VAE_CARDS_DIR"
ROOT = Path(__file__).resolve().parents[1]
HEADER_MOST = 10 * 2**20  # bytes: a safetensors header longer than this is not one of ours
CARD_FILE = "card.json"
T = TypeVar("T")


def cards_dir() -> Path:
    """Where cards are kept: ``VAE_CARDS_DIR``, else .cache/cards/ in the app's folder (ignored by git)."""
    return Path(os.environ.get(CARDS_SETTING) or ROOT / ".cache" / "cards")


@dataclass(frozen=True)
class Card:
    """What the picker and a first view show of a model without loading it."""

    facts: dict[str, Any]  # the picker's line: vae_core.describe
    latent_dim: int
    class_names: tuple[str, ...]

    @classmethod
    def of(cls, model: VAE) -> Card:
        return cls(vc.describe(model), model.latent_dim, tuple(vc.CLASS_NAMES[model.config.dataset]))

    @classmethod
    def from_json(cls, data: bytes) -> Card:
        """Raises ValueError (or KeyError, TypeError) for anything but a card's JSON."""
        fields = json.loads(data)
        card = cls(dict(fields["facts"]), int(fields["latent_dim"]), tuple(str(c) for c in fields["class_names"]))
        if card.latent_dim < 1 or not card.class_names:
            raise ValueError("not a card")
        return card


def card(checkpoint: Path | None, model: Callable[[], VAE]) -> Card:
    """The card of the model ``model()`` loads: kept on disk for a shipped ``checkpoint``, made otherwise."""

    def make() -> bytes:
        return json.dumps(asdict(Card.of(model()))).encode()

    return kept(checkpoint, CARD_FILE, make, Card.from_json)


def kept(checkpoint: Path | None, part: str, make: Callable[[], bytes], read: Callable[[bytes], T]) -> T:
    """``read`` of the bytes of ``part`` of ``checkpoint``'s card, ``bytes`` for the bytes themselves: read
    from disk, or ``make()``-d and kept there. A part that ``read`` refuses with ValueError, KeyError or
    TypeError (written by hand or by another version of its maker) is made and kept anew, so it is remade
    once, not on every read. No ``checkpoint`` (an upload, a training): made every time, kept nowhere."""
    folder = None if checkpoint is None else _folder(checkpoint)
    if folder is not None:
        try:
            return read((folder / part).read_bytes())
        except (OSError, ValueError, KeyError, TypeError):
            pass
    data = make()
    if folder is not None:
        _keep(folder, part, data)
    return read(data)


def _keep(folder: Path, part: str, data: bytes) -> None:
    """Write ``part`` into ``folder`` whole or not at all (a reader never sees half a file); an unwritable
    disk keeps nothing."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=f".{part}.", delete=False) as out:
            out.write(data)
        os.chmod(out.name, 0o644)  # as any file the server writes, not the temporary file's 0600
        os.replace(out.name, folder / part)
    except OSError:
        return


def _folder(checkpoint: Path) -> Path | None:
    """The card's folder of ``checkpoint``, or None if its header cannot be read."""
    try:
        stat = checkpoint.stat()
    except OSError:
        return None
    name = _header_digest(str(checkpoint), stat.st_mtime_ns, stat.st_size)
    return None if name is None else cards_dir() / name


@functools.lru_cache(maxsize=64)
def _header_digest(path: str, _mtime_ns: int, size: int) -> str | None:
    """SHA-256 of the checkpoint's safetensors header and its size (read again only when the file changes):
    the header holds its config, its training record and each tensor's place, not its weights, so this reads
    a few kilobytes rather than hashing tens of megabytes on every start."""
    try:
        with open(path, "rb") as file:
            length = int.from_bytes(file.read(8), "little")
            if not 0 < length <= min(HEADER_MOST, size - 8):
                return None
            header = file.read(length)
    except OSError:
        return None
    return hashlib.sha256(header + size.to_bytes(8, "little")).hexdigest()[:32]
