"""A folder of checkpoints as one Markdown table, made from what each file stores about itself.

Every checkpoint written by ``python -m vae_core train`` carries its command, its training time and
its test figures (−ELBO with its reconstruction and KL parts, the IWAE estimate of −log p(x), the
nats per latent dimension: its ``Provenance``, vae_core/provenance.py). docs/models.md's table is this module's
output (``python -m vae_core models --write docs/models.md``) and a test compares the two, so the
documented figures are the shipped files' own and cannot drift from them.

Active units use vae_core.usage's one definition (at least ACTIVE_UNIT_NATS nats per dimension),
counted from the stored nats per dimension. Files written before those were stored (a mixture or
VampPrior model's older record holds only Burda et al.'s activity, which lacks the posterior
variances) are measured on their test split with ``latent.usage_on``, and the table says so.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .checkpoint import load_checkpoint
from .config import TrainConfig
from .data import load_dataset
from .latent import usage_on
from .losses import bits_per_dimension
from .model import VAE
from .provenance import Provenance
from .usage import ACTIVE_UNIT_NATS, active_units, record_nats

BEGIN = "<!-- models:begin: made by `python -m vae_core models --write FILE`; do not edit by hand -->"
END = "<!-- models:end -->"


@dataclass(frozen=True)
class Row:
    """One checkpoint's line of the table: its make-up from its config, its figures from its record
    (``model.info``, a ``Provenance``)."""

    name: str
    model: VAE
    active: int | None
    active_measured: bool

    @property
    def record(self) -> Provenance:
        return self.model.info


def row(name: str, model: VAE) -> Row:
    """``model``'s row; its active units from the stored nats per dimension, else measured."""
    test = model.info.test
    if test is None:
        return Row(name, model, None, False)
    found = record_nats(test)  # the KL where the prior gives it, else the information
    if found is not None:
        return Row(name, model, active_units(found[0]), False)
    images = load_dataset(model.config.dataset, train=False)[0]
    return Row(name, model, usage_on(model, images).active_units, True)


def checkpoints_in(folder: str | os.PathLike[str]) -> list[Path]:
    """Every ``*.safetensors`` directly in ``folder``, by file name."""
    if not Path(folder).is_dir():
        raise ValueError(f"no folder at {folder}")
    return sorted(Path(folder).glob("*.safetensors"))


def rows(paths: Iterable[str | os.PathLike[str]]) -> list[Row]:
    """One row per checkpoint file, named by its file name without ``.safetensors``."""
    return [row(Path(path).stem, load_checkpoint(path)) for path in paths]


def _nats(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _penalty(train_config: TrainConfig) -> str:
    """β, and the total-correlation penalty's γ with how TC is estimated, where there is one."""
    if train_config.tc_weight <= 0:
        return f"{train_config.beta:g}"
    return f"{train_config.beta:g}; γ {train_config.tc_weight:g}, {train_config.method}"


def _cells(r: Row) -> list[str]:
    config, train_config, record, test = r.model.config, r.model.train_config, r.record, r.record.test
    data = f"{config.dataset}, " + ("dynamically binarised" if config.binarize == "dynamic" else "grey levels")
    network = f"conv {config.conv_channels[0]}/{config.conv_channels[1]}, fc {config.hidden}"
    parts = "–" if test is None else f"{_nats(test.reconstruction)} + {_nats(test.kl)}"
    iwae = (
        "–"
        if test is None or test.iwae_nll is None
        else f"{_nats(test.iwae_nll)} (k = {test.iwae_k}, {test.iwae_images or 0:,} images)"
        + (f"; {bits_per_dimension(test.iwae_nll):.3f} bits/dim" if r.model.likelihood.normalised_8bit_density else "")
    )
    active = "–" if r.active is None else f"{r.active} of {r.model.latent_dim}" + ("*" if r.active_measured else "")
    seconds = record.train_seconds
    training = f"{train_config.epochs} epochs" + (f": {seconds:.0f} s" if seconds is not None else "")
    if (record.world_size or 1) > 1:
        training += f" on {record.world_size} processes"
    if record.resumed_from:
        training += f", after {len(record.resumed_from)} earlier stage(s)"
    return [
        f"`{r.name}`",
        str(r.model.latent_dim),
        data,
        r.model.likelihood.label,
        r.model.prior.describe(),
        _penalty(train_config),
        network,
        _nats(None if test is None else test.negative_elbo),
        parts,
        iwae,
        active,
        training,
    ]


HEADER = [
    "checkpoint",
    "latent",
    "data",
    "likelihood",
    "prior",
    "β; γ (total correlation)",
    "network",
    "test −ELBO",
    "reconstruction + KL",
    "test −log p(x) (IWAE)",
    "active units",
    "training (wall clock)",
]


def markdown(table_rows: list[Row]) -> str:
    """The table, a note on measured active units where any are, and each checkpoint's stored command."""
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(_cells(r)) + " |" for r in table_rows]
    if any(r.active_measured for r in table_rows):
        lines += [
            "",
            f"\\* measured on the test split (`vae_core.latent.usage_on`, at least {ACTIVE_UNIT_NATS:g} nats per "
            "dimension): the file stores no nats per dimension.",
        ]
    lines += ["", "The command each checkpoint stores as the one that made it:", "", "```bash"]
    lines += [r.record.command or f"# {r.name}: no command stored" for r in table_rows]
    lines += ["```"]
    return "\n".join(lines) + "\n"


def with_table(text: str, table: str) -> str:
    """``text`` with the part between ``BEGIN`` and ``END`` replaced by ``table``; the prose around it
    is kept. A text without both markers is refused with a message (nothing is written)."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the file needs the two lines {BEGIN!r} and {END!r}, in that order, to hold the table")
    return text[: start + len(BEGIN)] + "\n" + table + text[end:]
