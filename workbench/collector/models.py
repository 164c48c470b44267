"""The collector's request and response bodies, as pydantic models.

They check shapes and types, and keep out what no store could hold (NUL characters, lone
surrogates, infinite numbers, timestamps outside the calendar). What the store itself
checks (required columns, allowed values, custom field types) is checked by
``Workspace.append``, exactly as for an import file, so the API and ``workbench import``
accept the same data.
"""

from __future__ import annotations

import math
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

from workbench.store.schema import EVENT_SOURCES, GENDERS, MESSAGING_EVENTS

MAX_EVENTS = 1000  # per POST /v1/events (and contacts per POST /v1/contacts)
MAX_WEB_EVENTS = 50  # per beacon
MAX_DEPTH = 16  # nesting of property values
MAX_INT = 2**63  # property integers must fit 64 bits on every backend


# --- values every store can hold ------------------------------------------------------------


def storable_text(value: str) -> str:
    """Text PostgreSQL and DuckDB can both store: no NUL character, valid Unicode."""
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
Instant = Annotated[datetime, AfterValidator(utc_instant)]
Number = Annotated[float, Field(allow_inf_nan=False)]
PropertyValue = Annotated[Any, AfterValidator(json_value)]
Properties = dict[Annotated[str, AfterValidator(storable_text)], PropertyValue]
Source = Annotated[Literal[EVENT_SOURCES], BeforeValidator(_lower)]  # type: ignore[valid-type]
Gender = Annotated[Literal[GENDERS], BeforeValidator(_lower)]  # type: ignore[valid-type]
# Ids the browser script makes up (its anonymous id, its message ids): random, URL-safe.
ClientId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{8,64}$")]


def problem(field: str, message: str) -> PydanticCustomError:
    """A check of several fields, reported under the field the client should fix."""
    return PydanticCustomError("invalid", message, {"field": field})


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
    __pydantic_extra__: dict[str, PropertyValue] = Field(init=False)

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


class EventsStored(BaseModel):
    """Every event of the batch is committed: new ones stored, re-sent ones already there."""

    received: int
    stored: int
    already_stored: int


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
