"""What is known of how a model came to be and what it scored: ``model.info``, one ``Provenance``.

A checkpoint stores it as JSON in its header (vae_core.checkpoint); the CLI and the app's Train page
both write it through ``Provenance.of_run``, so a model says the same things however it was made:
the command that trained it (or where it was made), how long it took on how many processes in what
precision, the earlier stages it was resumed from, its per-epoch history and its test figures.

The stored JSON is the one the project has always written (the shipped checkpoints read back as they
are): each field under its own key, ``history`` a list of ``EpochRecord``'s dicts, ``test`` an
``Evaluation``'s. Keys this version does not know are kept in ``extra`` and written back, so reading
and saving a newer checkpoint loses nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from torch import __version__ as TORCH_VERSION

from .evaluate import Evaluation
from .records import as_json_record, from_json_record
from .train import EpochRecord, TrainResult


@dataclass(frozen=True)
class TrainingStage:
    """An earlier stage of a resumed model: the command that ran it and its time in seconds."""

    command: str | None = None
    train_seconds: float | None = None


@dataclass(frozen=True)
class Provenance:
    """A model's record of itself. Every field may be unknown (None, or empty): a model made in a
    test, or a checkpoint written before the field was kept.

    ``command``: the command line that trained it (CLI); ``source``: where it was made otherwise
    ("trained in the app"); ``train_seconds``, ``world_size`` (processes under torchrun),
    ``precision`` ("float32" or "bfloat16") and ``torch`` (its version) describe the run;
    ``resumed_from``: the stages before this one, oldest first; ``history``: one record per epoch;
    ``test``: the figures on the test split (vae_core.evaluate); ``error``: why the run stopped, for
    the last good weights of a run that diverged; ``note``: free text.
    """

    command: str | None = None
    source: str | None = None
    train_seconds: float | None = None
    world_size: int | None = None
    precision: str | None = None
    torch: str | None = None
    resumed_from: tuple[TrainingStage, ...] = ()
    history: tuple[EpochRecord, ...] = ()
    test: Evaluation | None = None
    error: str | None = None
    note: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)  # keys this version does not know, as read

    @property
    def last_epoch(self) -> EpochRecord | None:
        """The last epoch's record (its KL split is the run's final one), or None without a history."""
        return self.history[-1] if self.history else None

    @classmethod
    def of_run(
        cls,
        result: TrainResult,
        test: Evaluation | None,
        *,
        command: str | None = None,
        source: str | None = None,
        resumed: Provenance | None = None,
        error: str | None = None,
    ) -> Provenance:
        """The record a training run leaves with its model (the CLI's and the Train page's alike):
        ``result``'s time, processes, precision and history, its ``test`` figures, and the stages of
        the model it ``resumed`` from, if any."""
        return cls(
            command=command,
            source=source,
            train_seconds=round(result.seconds, 1),
            world_size=result.world_size,
            precision=result.precision,
            torch=TORCH_VERSION,
            resumed_from=() if resumed is None else resumed.stages,
            history=tuple(result.history),
            test=test,
            error=error,
        )

    @property
    def stages(self) -> tuple[TrainingStage, ...]:
        """Every stage that made the model, this one last: what a run resumed from it records."""
        return (*self.resumed_from, TrainingStage(self.command, self.train_seconds))

    def with_test(self, figures: Evaluation) -> Provenance:
        """This record with new test figures; those the new ones leave unset (the IWAE bound of an
        evaluation without it) are kept from the old."""
        old = {} if self.test is None else self.test.as_dict()
        return replace(self, test=Evaluation.from_dict({**old, **figures.as_dict()}))

    def as_dict(self) -> dict[str, Any]:
        """The JSON-ready record a checkpoint stores: unset fields left out, ``extra``'s keys written back."""
        record = as_json_record(self)
        return {**record.pop("extra"), **record}

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, record: Any) -> Provenance:
        """A stored record read back; ValueError naming the field when one is malformed."""
        if not isinstance(record, Mapping):
            raise ValueError(f"the model's record (info) must be a JSON object, not {type(record).__name__}")
        known = {f.name for f in fields(cls)} - {"extra"}
        extra = {k: v for k, v in record.items() if k not in known}
        return replace(from_json_record(cls, {k: v for k, v in record.items() if k in known}, "info"), extra=extra)

    @classmethod
    def from_json(cls, text: str) -> Provenance:
        return cls.from_dict(json.loads(text))
