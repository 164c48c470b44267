"""``POST /v1/events`` bodies of the usual kind, checked and made into rows without pydantic.

The models in ``models.py`` are the definition of what the API accepts; validating a
1,000-event batch with them costs about 10 ms, more than everything else the collector
does with it. Nearly every batch a real integration sends is plainly valid: ids, names and
texts as strings within their lengths, numbers as numbers, ISO timestamps. This module
checks exactly that narrow shape with plain Python and builds the rows ``service.event_row``
would build from the models. Anything outside it (a number sent as text, a bad field, any
doubt) gives ``None``, and the request takes the models' path, which accepts or refuses it
with the usual 422. So this path never decides a refusal and never accepts what the models
refuse; ``tests/test_collector_plain.py`` checks both on random bodies.
"""

from __future__ import annotations

import math
import types
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Union, get_args, get_origin

from workbench.collector import models
from workbench.collector.config import TimestampRange
from workbench.store.importer import property_name_problem
from workbench.store.schema import EVENT_SOURCES

# The model's declared fields in its order (``model_dump`` order), with what each takes.
_IDS = ("event_id", "contact_id", "anonymous_id")
_TEXTS = {"url": 4096, "category": 1000, "product_id": 1000, "campaign_id": 1000, "channel": 1000, "currency": 1000}
_NUMBERS = ("amount", "duration_s", "quantity")
_ROW_ORDER = (*_IDS, "source", "name", "ts", *_TEXTS, *_NUMBERS)
_SOURCES = frozenset(EVENT_SOURCES)
_EXACT_FLOAT = 2**53  # integers a float holds exactly, as the model's float fields keep them


class _NotPlain(Exception):
    """The body is outside the shape this module checks: the models decide."""


@dataclass(frozen=True)
class PlainEvents:
    """A batch checked on the plain path: its rows, and for the naming policy each event's
    name and property keys with the field a refusal would name."""

    rows: list[dict[str, Any]]
    named: list[tuple[int, str, dict[str, str]]]


def plain_events(data: Any, ts_range: TimestampRange, now: datetime) -> PlainEvents | None:
    """The rows of an ``EventBatch`` body ``data`` (parsed JSON), or None when the models
    must look at it. ``now`` is the collector's clock: the time of events without ``ts``."""
    if type(data) is not dict or len(data) != 1 or type(events := data.get("events")) is not list:
        return None
    if not 1 <= len(events) <= models.MAX_EVENTS:
        return None
    rows, named = [], []
    try:
        for index, event in enumerate(events):
            row, fields = _event(event, ts_range, now)
            rows.append(row)
            named.append((index, row["name"], fields))
    except (_NotPlain, ValueError):
        return None
    return PlainEvents(rows, named)


def _event(event: Any, ts_range: TimestampRange, now: datetime) -> tuple[dict[str, Any], dict[str, str]]:
    if type(event) is not dict:
        raise _NotPlain
    checked: dict[str, Any] = {}
    extras: dict[str, Any] = {}
    properties: Any = None
    for key, value in event.items():
        if (check := _CHECKS.get(key)) is not None:
            if value is not None:
                checked[key] = check(value)
            elif key in _NOT_NULL:
                raise _NotPlain
        elif key == "properties":
            properties = value
        elif key == "received_at":
            if value is not None:
                raise _NotPlain
        else:
            extras[_property_key(key)] = models.json_value(value)
    if "name" not in checked or not (checked.get("contact_id") or checked.get("anonymous_id")):
        raise _NotPlain
    if "ts" in checked and ts_range.problem(checked["ts"], now):
        raise _NotPlain
    checked.setdefault("source", "custom")
    row = {key: checked[key] for key in _ROW_ORDER if key in checked}
    if properties is not None and type(properties) is not dict:
        raise _NotPlain
    properties = {_property_key(k): models.json_value(v) for k, v in (properties or {}).items()}
    fields = {key: f"properties.{key}" for key in properties}
    fields.update({key: key for key in extras})
    properties.update(extras)  # a field beside properties wins, as in imports
    if properties:
        row["properties"] = properties
    row.setdefault("ts", now)
    return row, fields


def _id(value: Any) -> str:
    if type(value) is not str or not 1 <= len(value) <= 200:
        raise _NotPlain
    return models.storable_text(value)


def _text_up_to(longest: int) -> Callable[[Any], str]:
    def text(value: Any) -> str:
        if type(value) is not str or len(value) > longest:
            raise _NotPlain
        return models.storable_text(value)

    return text


def _source(value: Any) -> str:
    lowered = value.strip().lower() if type(value) is str else None
    if lowered not in _SOURCES:
        raise _NotPlain
    return lowered


def _instant(value: Any) -> datetime:
    if type(value) is not str:
        raise _NotPlain
    return models.iso_instant(value)


def _number(value: Any) -> float:
    kind = type(value)
    if kind is float and math.isfinite(value):
        return value
    if kind is int and -_EXACT_FLOAT < value < _EXACT_FLOAT:
        return float(value)
    raise _NotPlain


# The check of each declared column (``properties`` and ``received_at`` apart).
_CHECKS: dict[str, Callable[[Any], Any]] = {
    **dict.fromkeys((*_IDS, "name"), _id),
    "source": _source,
    "ts": _instant,
    **{name: _text_up_to(longest) for name, longest in _TEXTS.items()},
    **dict.fromkeys(_NUMBERS, _number),
}


def _takes_null(annotation: Any) -> bool:
    """Whether a model field of this type accepts null (``Optional``, or a union with None)."""
    if get_origin(annotation) is Annotated:
        return _takes_null(get_args(annotation)[0])
    if annotation is type(None):
        return True
    return get_origin(annotation) in (Union, types.UnionType) and any(_takes_null(a) for a in get_args(annotation))


# the fields whose null the models refuse (``"source": null``): such a body is theirs to answer
_NOT_NULL = frozenset(key for key in _CHECKS if not _takes_null(models.Event.model_fields[key].annotation))


def _property_key(key: str) -> str:
    if not models.PLAIN_NAME.fullmatch(key) and property_name_problem(key):
        raise _NotPlain
    return key
