"""The running collector's state, shared by its endpoints, and the answers they share."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from workbench.collector.config import CollectorConfig
from workbench.collector.keys import KeyRing
from workbench.collector.models import shown_name
from workbench.collector.service import Ingestion, Problem
from workbench.collector.tokens import Signer


@dataclass
class Collector:
    """What the endpoints work with; made when the app starts (``app.state.collector``)."""

    ingestion: Ingestion
    keys: KeyRing
    signer: Signer
    config: CollectorConfig


def state_of(request: Request) -> Collector:
    """The collector serving this request."""
    return request.app.state.collector


async def collector(request: Request) -> Collector:
    """FastAPI dependency: the collector serving this request (async: a plain function would
    be run in a thread on every request)."""
    return request.app.state.collector


def rejection(
    status: int, error: str, problems: list[Problem] = (), headers: dict[str, str] | None = None
) -> JSONResponse:
    """The one shape of every refusal: ``{"error": ..., "errors": [{index, field, message}]}``."""
    body: dict[str, Any] = {
        "error": error,
        "errors": [{"index": p.index, "field": p.field, "message": p.message} for p in problems],
    }
    return JSONResponse(body, status_code=status, headers=headers)


def validation_problems(errors: Iterable[dict[str, Any]]) -> list[Problem]:
    """Pydantic's errors as problems: ``("body", "events", 3, "ts")`` is event 3, field ``ts``."""
    out = []
    for error in errors:
        loc = list(error.get("loc", ()))
        if loc[:1] == ["body"]:  # FastAPI's own body errors start with it
            loc = loc[1:]
        index = None
        if len(loc) >= 2 and isinstance(loc[1], int) and loc[0] in ("events", "contacts"):
            index, loc = loc[1], loc[2:]
        if loc and loc[-1] == "[key]":  # a bad name in a mapping: the name (as sent) is the field
            loc = [*loc[:-2], shown_name(error["input"])]
        field = ".".join(str(part) for part in loc) or (error.get("ctx") or {}).get("field", "")
        if error.get("type") == "json_invalid":  # located at a character offset, not a field
            index, field = None, ""
        out.append(Problem(index, str(field), _message(error)))
    return out


# Pydantic's wording for values that do not parse, said as the importer says it.
_EXPECTED = {
    "datetime": "a timestamp (ISO 8601, e.g. 2026-03-01T12:30:00Z)",
    "date": "a date (YYYY-MM-DD)",
    "float": "a number",
    "bool": "a boolean (true/false)",
}


def _message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "json_invalid":
        return "the body is not valid JSON"
    expected = _EXPECTED.get(kind.split("_", 1)[0])
    if expected and kind.endswith(("_parsing", "_type")) and isinstance(error.get("input"), (str, int, float)):
        return f"{error['input']!r} is not {expected}"
    return error.get("msg", "is invalid").removeprefix("Value error, ")
