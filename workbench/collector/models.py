"""The collector's request and response bodies, as pydantic models.

They check shapes and types, and keep out what no store could hold (NUL characters, lone
surrogates, infinite numbers, timestamps outside the calendar), property names the
importer refuses too (``property_name_problem``), and event times outside the collector's
``TimestampRange``. What the store itself checks (required columns, allowed values,
custom field types) is checked by ``Workspace.append``, exactly as for an import file, so
the API and ``workbench import`` accept the same data.

Event times are checked against the range and the clock passed in the validation context
(``validation_context``); without one, the default range and the current time apply.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from workbench.collector.config import TimestampRange
from workbench.store.importer import TIMESTAMP_RE, property_name_problem
from workbench.store.schema import EVENT_SOURCES, GENDERS, MESSAGING_EVENTS

MAX_EVENTS = 1000  # per POST /v1/events (and contacts per POST /v1/contacts)
MAX_WEB_EVENTS = 50  # per beacon
MAX_DEPTH = 16  # nesting of property values
MAX_INT = 2**63  # property integers must fit 64 bits on every backend
TIMESTAMP_EXAMPLE = "ISO 8601, e.g. 2026-03-01T12:30:00Z"


# --- values every store can hold ------------------------------------------------------------


def storable_text(value: str) -> str:
    """Text PostgreSQL and DuckDB can both store: no NUL character, valid Unicode."""
    if value.isascii():  # the usual case, and a cheap one: no surrogate can be there
        if "\x00" in value:
            raise ValueError("must not contain NUL characters")
        return value
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("is not valid Unicode text (it has a lone surrogate)") from None
    return value


def utc_instant(value: datetime) -> datetime:
    """An aware UTC datetime; a time without an offset is UTC (as in imports)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("is outside the supported range of years 1 to 9999") from None


def iso_instant(value: Any) -> datetime:
    """A timestamp written as import files write it (SPEC §2): ISO 8601 text, a date alone
    meaning midnight, no offset meaning UTC.

    A bare number is refused rather than read as a Unix time: seconds and milliseconds
    are easily confused, and either reading would store a wrong time without a word.
    """
    if isinstance(value, datetime):  # from Python callers
        return utc_instant(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError(
            f"{value!r} is not a timestamp: send ISO 8601 text, e.g. 2026-03-01T12:30:00Z"
            " (a number could be seconds or milliseconds)"
        )
    text = value.strip().upper() if isinstance(value, str) else ""
    parsed = _from_iso(text) if _TIMESTAMP.match(text) else None
    if parsed is None:
        raise ValueError(f"{value!r} is not a timestamp ({TIMESTAMP_EXAMPLE})")
    return utc_instant(parsed)


_TIMESTAMP = re.compile(TIMESTAMP_RE)


def _from_iso(text: str) -> datetime | None:
    """The datetime of text in the importer's timestamp form, or None for a day that does
    not exist (2026-02-30) or a time past 23:59:59."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _has_lone_surrogate(text: str) -> bool:
    return not text.isascii() and any("\ud800" <= c <= "\udfff" for c in text)


def shown_name(name: str) -> str:
    """A field name as a refusal names it: as sent, but for lone surrogates, which no UTF-8
    answer can carry and which are written as the client wrote them, ``\\ud800``."""
    return name.encode("utf-8", "backslashreplace").decode("utf-8")


# Names made of these alone pass property_name_problem: checked without looking further.
PLAIN_NAME = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


def property_name(name: Any) -> Any:
    """A property name as the importer allows one (docs/collector.md, "What is refused")."""
    if isinstance(name, str) and not PLAIN_NAME.fullmatch(name) and (reason := property_name_problem(name)):
        raise ValueError(reason)
    return name


def json_value(value: Any, depth: int = 0) -> Any:
    """A property value: JSON whose text, numbers and nesting every backend can store."""
    if depth > MAX_DEPTH:
        raise ValueError(f"is nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        if not -MAX_INT < value < MAX_INT:
            raise ValueError("is an integer too large to store; send it as text")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("must be a finite number")
        return value
    if isinstance(value, list):
        return [json_value(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {storable_text(str(k)): json_value(v, depth + 1) for k, v in value.items()}
    raise ValueError(f"is not a JSON value ({type(value).__name__})")


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


Text = Annotated[str, Field(max_length=1000), AfterValidator(storable_text)]
Url = Annotated[str, Field(max_length=4096), AfterValidator(storable_text)]
Id = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(storable_text)]
Name = Annotated[
    str, Field(min_length=1, max_length=200, description="the event type, e.g. purchase"), AfterValidator(storable_text)
]
Instant = Annotated[datetime, BeforeValidator(iso_instant)]
Number = Annotated[float, Field(allow_inf_nan=False)]
PropertyName = Annotated[str, BeforeValidator(property_name)]
PropertyValue = Annotated[Any, AfterValidator(json_value)]
Properties = dict[PropertyName, PropertyValue]
Source = Annotated[Literal[EVENT_SOURCES], BeforeValidator(_lower)]  # type: ignore[valid-type]
Gender = Annotated[Literal[GENDERS], BeforeValidator(_lower)]  # type: ignore[valid-type]
# Ids the browser script makes up (its anonymous id, its message ids): random, URL-safe.
ClientId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{8,64}$")]


def problem(field: str, message: str) -> PydanticCustomError:
    """A check of several fields, reported under the field the client should fix."""
    return PydanticCustomError("invalid", message, {"field": field})


TS_RANGE = "ts_range"  # validation context: the TimestampRange to apply
NOW = "now"  # validation context: the collector's clock when the request arrived


def validation_context(ts_range: TimestampRange, now: datetime) -> dict[str, Any]:
    """What ``model_validate(..., context=...)`` needs to check event times."""
    return {TS_RANGE: ts_range, NOW: now}


# --- /v1/events ------------------------------------------------------------------------------


class Event(BaseModel):
    """One event (SPEC §1). Fields that are not columns are stored in ``properties``."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "event_id": "pos-2026-000123",
                    "contact_id": "c42",
                    "name": "purchase",
                    "ts": "2026-03-01T12:30:00Z",
                    "amount": 129.9,
                    "currency": "PLN",
                    "store": "Gdańsk Oliwa",
                }
            ],
            "anyOf": [{"required": ["contact_id"]}, {"required": ["anonymous_id"]}],
        },
    )
    __pydantic_extra__: dict[PropertyName, PropertyValue] = Field(init=False)

    event_id: Id | None = Field(None, description="idempotency key: an event re-sent with the same id is stored once")
    # the schema says "a string, when given" and that one of the two ids is required
    contact_id: Id | SkipJsonSchema[None] = Field(None, description="the person's id; or give anonymous_id")
    anonymous_id: Id | SkipJsonSchema[None] = Field(None, description="a tracking id, linked by /v1/identify")
    source: Source = Field("custom", description="custom (API, CRM, POS, app), web or messaging")
    name: Name
    ts: Instant | None = Field(None, description="when it happened (ISO 8601; no offset means UTC); default: now")
    url: Url | None = None
    category: Text | None = None
    product_id: Text | None = None
    campaign_id: Text | None = None
    channel: Text | None = None
    currency: Text | None = None
    amount: Number | None = None
    duration_s: Number | None = None
    quantity: Number | None = None
    properties: Properties | None = None
    received_at: SkipJsonSchema[Any] = None

    @model_validator(mode="before")
    @classmethod
    def _readable_names(cls, data: Any) -> Any:
        # pydantic cannot even read a field name holding a lone surrogate, and says so without
        # naming it: name it here (the other names are checked as the extras are validated)
        for name in data if isinstance(data, dict) else ():
            if isinstance(name, str) and _has_lone_surrogate(name):
                raise problem(shown_name(name), str(property_name_problem(name)))
        return data

    @field_validator("ts")
    @classmethod
    def _ts_in_range(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        context = info.context or {}
        accepted: TimestampRange = context.get(TS_RANGE) or TimestampRange()
        if value is not None and (reason := accepted.problem(value, context.get(NOW) or datetime.now(UTC))):
            raise ValueError(reason)
        return value

    @field_validator("received_at")
    @classmethod
    def _received_at(cls, value: Any) -> None:
        if value is not None:
            raise ValueError("is set by the collector when it stores the event; send ts for when it happened")
        return None

    @model_validator(mode="after")
    def _someone(self) -> Event:
        if not self.contact_id and not self.anonymous_id:
            raise problem("contact_id", "an event needs a contact_id or an anonymous_id")
        return self


class EventBatch(BaseModel):
    """``POST /v1/events``: up to 1,000 events, stored all together or not at all."""

    model_config = ConfigDict(extra="forbid")
    events: list[Event] = Field(min_length=1, max_length=MAX_EVENTS)


# --- /v1/contacts ----------------------------------------------------------------------------


def _not_null(value: Any, info: ValidationInfo) -> Any:
    if value is None:
        raise ValueError(f"cannot be null; send {'false' if info.field_name.endswith('consent') else 'a value'}")
    return value


class ContactPatch(BaseModel):
    """The fields to set on one contact. Fields left out keep their stored values; ``null``
    clears a field. Custom fields (registered in the catalog) go beside the standard ones."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [{"contact_id": "c42", "email": "ola@example.pl", "city": "Gdańsk", "email_consent": True}]
        },
    )
    __pydantic_extra__: dict[str, PropertyValue] = Field(init=False)

    contact_id: Id
    email: Text | None = None
    phone: Text | None = None
    push_token: Text | None = None
    first_name: Text | None = None
    last_name: Text | None = None
    gender: Gender | None = None
    birth_date: date | None = None
    city: Text | None = None
    country: Text | None = Field(None, description="ISO 3166 alpha-2, e.g. PL")
    language: Text | None = None
    status: Text | None = None
    tags: list[Text] | None = None
    email_consent: Annotated[bool | None, AfterValidator(_not_null)] = None
    sms_consent: Annotated[bool | None, AfterValidator(_not_null)] = None
    push_consent: Annotated[bool | None, AfterValidator(_not_null)] = None
    created_at: Annotated[Instant | None, AfterValidator(_not_null)] = Field(
        None, description="when the contact was first known; default: now, for a new contact"
    )
    updated_at: Annotated[Instant | None, AfterValidator(_not_null)] = Field(None, description="default: now")


class ContactBatch(BaseModel):
    """``POST /v1/contacts``: up to 1,000 upserts, applied all together or not at all."""

    model_config = ConfigDict(extra="forbid")
    contacts: list[ContactPatch] = Field(min_length=1, max_length=MAX_EVENTS)


# --- /v1/identify ----------------------------------------------------------------------------


class Identify(BaseModel):
    """``POST /v1/identify``: from now on (and for the past), ``anonymous_id`` is this contact."""

    model_config = ConfigDict(extra="forbid")
    anonymous_id: Id
    contact_id: Id


# --- /t/w: beacons from track.js -------------------------------------------------------------

WEB_TYPES = ("page_view", "time_on_page", "track", "identify")


class WebMessage(BaseModel):
    """One thing the tracking script saw."""

    model_config = ConfigDict(extra="forbid")
    id: ClientId = Field(description="made up by the script; a re-sent message is stored once")
    type: Literal[WEB_TYPES]  # type: ignore[valid-type]
    name: Name | None = Field(None, description="track: the event name")
    url: Url | None = None
    title: Text | None = None
    referrer: Url | None = None
    category: Text | None = None
    duration_s: Annotated[Number, Field(ge=0, le=7 * 86400)] | None = Field(
        None, description="time_on_page: seconds the page was visible"
    )
    properties: Properties | None = None
    contact_id: Id | None = Field(None, description="identify: the contact this browser belongs to")

    @model_validator(mode="after")
    def _complete(self) -> WebMessage:
        if self.type == "track":
            if not self.name:
                raise problem("name", "a track message needs a name")
            if self.name in MESSAGING_EVENTS:
                raise problem("name", f"{self.name!r} is recorded by the messaging channels, not by web pages")
        if self.type == "identify" and not self.contact_id:
            raise problem("contact_id", "an identify message needs a contact_id")
        if self.type == "time_on_page" and self.duration_s is None:
            raise problem("duration_s", "a time_on_page message needs duration_s")
        return self


class Beacon(BaseModel):
    """``POST /t/w``: what the tracking script sends (JSON, as text/plain or application/json)."""

    model_config = ConfigDict(extra="forbid")
    anonymous_id: ClientId = Field(description="the visitor's wb_aid cookie")
    contact_id: Id | None = Field(None, description="the contact identified earlier in this browser")
    events: list[WebMessage] = Field(min_length=1, max_length=MAX_WEB_EVENTS)


# --- responses -------------------------------------------------------------------------------


class Problem(BaseModel):
    """One thing wrong with a request: which item (from 0) and which field."""

    index: int | None = Field(None, description="position of the bad event or contact in the batch")
    field: str = Field(description="the field to fix; '' for the request as a whole")
    message: str


class Rejection(BaseModel):
    """A refused request. For a batch, nothing of it was stored."""

    error: str
    errors: list[Problem] = []


class EventsAccepted(BaseModel):
    """Every event of the batch is on the collector's disk and will be in the store within
    a second; an event whose ``event_id`` is stored already is not stored again."""

    received: int
    accepted: int


class ContactsStored(BaseModel):
    """Every contact of the batch is committed."""

    created: int
    updated: int


class Linked(BaseModel):
    """The link is committed (``new`` is false when it was already known)."""

    anonymous_id: str
    contact_id: str
    new: bool


class Health(BaseModel):
    status: Literal["ok"]
    store: str
