"""The field catalog: what a segment may name, with types and labels.

The store builds it from the schema, the registered custom fields and what ingestion
learned (event names and their properties); validation, the compiler, the English
rendering and the builder all read it. It is plain data, so it can be cached and compared.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import ibis.expr.datatypes as dt

from workbench.expr.labels import STANDARD_LABELS, Labels
from workbench.expr.operators import ARRAY, BOOLEAN, DATE, NUMBER, STRING, TIMESTAMP
from workbench.schema import EVENT_COLUMN_TYPES

# The column type of each field type, for custom contact fields and typed reads.
FIELD_DTYPES = {
    STRING: dt.string,
    NUMBER: dt.float64,
    BOOLEAN: dt.boolean,
    DATE: dt.date,
    TIMESTAMP: dt.Timestamp(timezone="UTC"),
    ARRAY: dt.Array(dt.string),
}


@dataclass(frozen=True)
class Field:
    """A contact attribute: a ``contacts`` column."""

    name: str
    type: str
    label: str
    description: str = ""
    custom: bool = False


@dataclass(frozen=True)
class EventType:
    """An event name seen in the data, its source and its ``properties`` keys by type."""

    name: str
    source: str
    properties: Mapping[str, str] = field(default_factory=dict)
    # whether some stored event of this name had no contact (its anonymous id is stitched);
    # True when not known (stores older than the flag)
    anonymous: bool = True

    def __hash__(self) -> int:
        return hash((self.name, self.source, tuple(sorted(self.properties.items())), self.anonymous))


STANDARD_FIELDS = (
    Field("contact_id", STRING, "Contact id"),
    Field("email", STRING, "Email address"),
    Field("phone", STRING, "Phone number"),
    Field("push_token", STRING, "Push token"),
    Field("first_name", STRING, "First name"),
    Field("last_name", STRING, "Last name"),
    Field("gender", STRING, "Gender"),
    Field("birth_date", DATE, "Birth date"),
    Field("city", STRING, "City"),
    Field("country", STRING, "Country"),
    Field("language", STRING, "Language"),
    Field("status", STRING, "Customer status"),
    Field("tags", ARRAY, "Tags"),
    Field("email_consent", BOOLEAN, "Email consent"),
    Field("sms_consent", BOOLEAN, "SMS consent"),
    Field("push_consent", BOOLEAN, "Push consent"),
    Field("created_at", TIMESTAMP, "Subscribed at"),
    Field("updated_at", TIMESTAMP, "Last updated at"),
)

EVENT_COLUMN_LABELS = {
    "source": "Source",
    "name": "Event name",
    "url": "Page URL",
    "category": "Category",
    "product_id": "Product",
    "campaign_id": "Campaign",
    "channel": "Channel",
    "currency": "Currency",
    "amount": "Amount",
    "duration_s": "Time on page (s)",
    "quantity": "Quantity",
    "anonymous_id": "Anonymous id",
    "ts": "Time",
}


@dataclass(frozen=True)
class Catalog:
    """Everything a segment document can refer to."""

    fields: Mapping[str, Field]
    events: Mapping[str, EventType] = field(default_factory=dict)
    segments: frozenset[str] = frozenset()
    lists: frozenset[str] = frozenset()
    timezone: str = "UTC"
    currency: str = "PLN"
    # ``properties`` keys whose numbers are amounts: read, summed and compared exactly
    decimal_properties: frozenset[str] = frozenset()
    # the workspace's own display labels by locale, over the standard ones (see labels.py)
    labels: Mapping[str, Labels] = field(default_factory=dict)
    # the language of the workspace's app and prose (the library's default stays English)
    locale: str = "en"

    @classmethod
    def standard(cls, custom: tuple[Field, ...] = (), **kwargs) -> Catalog:
        """The SPEC §1 contact fields plus ``custom`` ones."""
        return cls({f.name: f for f in (*STANDARD_FIELDS, *custom)}, **kwargs)

    def may_be_anonymous(self, names: Iterable[str] | None) -> bool:
        """Whether events of these names (None: any) may lack a contact, so that their
        anonymous ids must be looked up; names the catalog does not know may."""
        if names is None:
            return any(et.anonymous for et in self.events.values())
        return any(self.events[n].anonymous if n in self.events else True for n in names)

    def property_type(self, names: tuple[str, ...] | None, prop: str) -> str | None:
        """The type of an event column or ``properties`` key for these event names."""
        if prop in EVENT_COLUMN_TYPES:
            return EVENT_COLUMN_TYPES[prop]
        types = {
            et.properties[prop]
            for et in (self.events.values() if names is None else (self.events.get(n) for n in names))
            if et is not None and prop in et.properties
        }
        if not types:
            return None
        return types.pop() if len(types) == 1 else STRING

    def properties_of(self, names: tuple[str, ...] | None) -> list[str]:
        """Every property name usable in ``where`` for these event names, sorted."""
        keys = set(EVENT_COLUMN_TYPES)
        for et in self.events.values() if names is None else (self.events.get(n) for n in names):
            if et is not None:
                keys.update(et.properties)
        return sorted(keys)

    def _label(self, kind: str, name: str, locale: str) -> str | None:
        for labels in (self.labels.get(locale), STANDARD_LABELS.get(locale)):
            if labels is not None and name in getattr(labels, kind):
                return getattr(labels, kind)[name]
        return None

    def field_label(self, name: str, locale: str = "en") -> str:
        """A contact field's label in ``locale`` (its registered label if it has none there)."""
        found = self._label("fields", name, locale)
        if found is None:
            field = self.fields.get(name)
            found = field.label if field else name.replace("_", " ")
        return found

    def property_label(self, prop: str, locale: str = "en") -> str:
        """An event column's or ``properties`` key's label in ``locale``."""
        found = self._label("properties", prop, locale)
        return found or EVENT_COLUMN_LABELS.get(prop, prop.replace("_", " "))

    def event_label(self, name: str, locale: str = "en") -> str:
        """An event name's label in ``locale``; the raw name when it has none."""
        return self._label("events", name, locale) or name

    def negated_event_label(self, name: str, locale: str = "en") -> str | None:
        """The label of not doing the event (``nie otworzył(a) aplikacji``), if the locale has one."""
        return self._label("negated_events", name, locale)

    @property
    def custom_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields.values() if f.custom)
