"""Frozen records to and from the JSON a checkpoint's header stores: written once here for every record
(the test figures ``Evaluation``, the training history's ``EpochRecord``, the ``Provenance`` around them).

A record is a frozen dataclass whose fields are numbers, strings, tuples of numbers or of records, or
other records; None means "not recorded". In JSON a tuple is a list and an unset field is left out, so
a record written before a field existed reads back with that field None. Reading checks each value
against its field's type and names the field when one is wrong: a checkpoint is often someone's upload,
and a bad one must give a clear message, not a traceback deep inside a page.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from functools import cache
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

R = TypeVar("R")


def as_json_record(record: Any) -> dict[str, Any]:
    """``record``'s set fields as JSON values: tuples as lists, nested records as their own dicts."""
    return {f.name: _to_json(value) for f in fields(record) if (value := getattr(record, f.name)) is not None}


def from_json_record(cls: type[R], data: Any, where: str = "") -> R:
    """The record of type ``cls`` that ``as_json_record`` wrote. Keys ``cls`` does not know are ignored
    (a newer version's additions). A missing field takes its value from the class's ``ABSENT`` if
    listed there (what records written before the field existed mean, as in vae_core.config), else its
    default; a missing required one, or a value of the wrong type, raises ValueError naming the field
    (``where`` says whose it is)."""
    if not isinstance(data, Mapping):
        raise ValueError(f"{where or cls.__name__} must be a JSON object, not {type(data).__name__}")
    hints = _hints(cls)
    values = dict(getattr(cls, "ABSENT", {}))
    for f in fields(cls):  # type: ignore[arg-type]
        if f.name in data:
            values[f.name] = _from_json(hints[f.name], data[f.name], f"{where or cls.__name__}.{f.name}")
    try:
        return cls(**values)
    except TypeError as exc:  # a required field is missing
        raise ValueError(f"{where or cls.__name__} is incomplete: {exc}") from exc


@cache
def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


def _to_json(value: Any) -> Any:
    if is_dataclass(value):
        return as_json_record(value)
    if isinstance(value, tuple):
        return [_to_json(v) for v in value]
    return value


def _from_json(hint: Any, value: Any, where: str) -> Any:
    """``value`` read as type ``hint``: float, int, str, tuple[T, ...], a record, T | None, Any."""
    origin, args = get_origin(hint), get_args(hint)
    if origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _from_json(inner, value, where)
    if hint is Any:
        return value
    if origin is tuple:
        if not isinstance(value, list):
            raise ValueError(f"{where} must be a list, not {type(value).__name__}")
        return tuple(_from_json(args[0], v, f"{where}[{i}]") for i, v in enumerate(value))
    if is_dataclass(hint):
        return from_json_record(hint, value, where)
    if hint is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if hint is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if hint is str and isinstance(value, str):
        return value
    raise ValueError(f"{where} must be {getattr(hint, '__name__', hint)}, not {value!r:.40}")
