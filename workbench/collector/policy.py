"""What the collector lets in: the names it learns, how many, and what a browser may send.

Every event name and property key the collector accepts ends up in the catalog, which the
builder lists and every evaluation reads; the collector takes requests from anyone with a
write key, and beacons from anyone at all. So:

- **A new name** (an event name, or a property key not yet catalogued for that event name)
  must be 1 to 64 characters, each a letter (any script), a decimal digit, or one of
  ``_ . : -`` (``name_problem``). Names already in the catalog (stored before this rule,
  or imported from a file, whose rule is the importer's ``property_name_problem``) keep
  being accepted: existing integrations go on working, and stored data is untouched.
- **Caps** per workspace: at most ``max_event_names`` distinct event names, and at most
  ``max_properties_per_event`` property keys catalogued per event name. A request that
  would pass one is refused (422 naming the field and the limit); known names always pass.
- **Reserved names**: a beacon (``/t/w``, no key, from any browser) may not record the
  messaging events, nor the names the workspace reserves for its own systems (by default
  ``purchase``, ``loyalty_status_change``, ``consent_change``, ``unsubscribe``): money and
  consent come from the customer's systems, with a write key.

The limits and the reserved names are settings of the workspace (``set_limits``,
``reserve_names``, ``allow_from_browser``; ``workbench collector limits|reserved``), read
by a running collector within a few seconds.
"""

from __future__ import annotations

import json
import logging
import threading
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from workbench.collector import tables
from workbench.errors import WorkbenchError
from workbench.store.reads import fetch
from workbench.store.schema import MESSAGING_EVENTS
from workbench.store.tables import EVENT_PROPERTIES
from workbench.store.workspace import Workspace

log = logging.getLogger(__name__)

MAX_NAME = 64
NAME_PUNCTUATION = "_.:-"
DEFAULT_RESERVED = ("purchase", "loyalty_status_change", "consent_change", "unsubscribe")
RESERVED_SETTING = tables.SETTING_PREFIX + "browser_reserved_names"
EVENT_NAMES_SETTING = tables.SETTING_PREFIX + "max_event_names"
PROPERTIES_SETTING = tables.SETTING_PREFIX + "max_properties_per_event"


def name_problem(name: str, what: str = "name") -> str | None:
    """Why the collector does not take ``name`` as a new event name or property key, or None.

    >>> name_problem("add_to_cart") is None and name_problem("zakup.główny") is None
    True
    >>> name_problem("a b", "property name")
    "a property name the collector has not seen yet may have only letters, digits and '_', '.', ':', '-' (it has ' ')"
    """
    article = "an" if what[0] in "aeiou" else "a"
    if not name or len(name) > MAX_NAME:
        return f"{article} {what} the collector has not seen yet must have 1 to {MAX_NAME} characters; this one has {len(name)}"
    bad = next((c for c in name if not _allowed(c)), None)
    if bad is not None:
        return (
            f"{article} {what} the collector has not seen yet may have only letters, digits and"
            f" {', '.join(repr(c) for c in NAME_PUNCTUATION)} (it has {bad!r})"
        )
    return None


def _allowed(c: str) -> bool:
    return c in NAME_PUNCTUATION or unicodedata.category(c) in ("Lu", "Ll", "Lt", "Lm", "Lo", "Nd")


@dataclass(frozen=True)
class Limits:
    """How many event names, and property keys per event name, the collector catalogues."""

    max_event_names: int = 2000
    max_properties_per_event: int = 500

    def __post_init__(self) -> None:
        if self.max_event_names < 1 or self.max_properties_per_event < 1:
            raise WorkbenchError("the collector's limits must be at least 1")


def limits(ws: Workspace) -> Limits:
    """The workspace's limits (the defaults until ``set_limits``)."""
    return _limits(tables.read_settings(ws))


def _limits(settings: Mapping[str, str]) -> Limits:
    default = Limits()
    return Limits(
        int(settings.get(EVENT_NAMES_SETTING, default.max_event_names)),
        int(settings.get(PROPERTIES_SETTING, default.max_properties_per_event)),
    )


def set_limits(ws: Workspace, *, event_names: int | None = None, properties_per_event: int | None = None) -> Limits:
    """Change the caps (None keeps one); returns the limits now in force."""
    tables.ensure_tables(ws)
    current = limits(ws)
    chosen = Limits(
        event_names if event_names is not None else current.max_event_names,
        properties_per_event if properties_per_event is not None else current.max_properties_per_event,
    )
    tables.write_setting(ws, EVENT_NAMES_SETTING, str(chosen.max_event_names))
    tables.write_setting(ws, PROPERTIES_SETTING, str(chosen.max_properties_per_event))
    return chosen


def reserved_names(ws: Workspace) -> tuple[str, ...]:
    """The event names beacons may not record, besides the messaging events."""
    tables.ensure_tables(ws)
    return _reserved(tables.read_settings(ws))


def _reserved(settings: Mapping[str, str]) -> tuple[str, ...]:
    saved = settings.get(RESERVED_SETTING)
    return tuple(sorted(json.loads(saved) if saved is not None else DEFAULT_RESERVED))


def reserve_names(ws: Workspace, names: Iterable[str]) -> tuple[str, ...]:
    """Refuse these event names from browsers from now on; returns the reserved names."""
    return _save_reserved(ws, set(reserved_names(ws)) | set(names))


def allow_from_browser(ws: Workspace, names: Iterable[str]) -> tuple[str, ...]:
    """Let browsers record these event names (messaging events stay refused); returns the
    reserved names."""
    names = set(names)
    if messaging := sorted(names & set(MESSAGING_EVENTS)):
        raise WorkbenchError(f"{', '.join(messaging)}: messaging events are recorded by the channels, never by pages")
    return _save_reserved(ws, set(reserved_names(ws)) - names)


def _save_reserved(ws: Workspace, names: set[str]) -> tuple[str, ...]:
    if bad := sorted(n for n in names if not n or len(n) > 200):
        raise WorkbenchError(f"{bad[0]!r} is not an event name")
    chosen = tuple(sorted(names))
    tables.write_setting(ws, RESERVED_SETTING, json.dumps(chosen))
    return chosen


@dataclass(frozen=True)
class Refusal:
    """One name the policy refuses: the item, the field to name, why."""

    index: int
    field: str
    message: str


class Vocabulary:
    """What this collector process knows of the catalog (event names and their property
    keys), the limits and the reserved names; read from the store by ``refresh`` when the
    catalog's version moves, never on a request. Names this process let in since are
    counted too, so the caps hold before the loader has catalogued them."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self._lock = threading.Lock()
        self._names: dict[str, set[str]] = {}
        self._admitted: dict[str, set[str]] = {}
        self._version: tuple[int, int] | None = None
        self.limits = Limits()
        self.reserved: frozenset[str] = frozenset(DEFAULT_RESERVED)

    def refresh(self) -> None:
        """Read the settings, and the catalog if its version changed since the last read."""
        settings = tables.read_settings(self.ws)
        versions = self.ws.versions()
        version = (versions["epoch"], versions["catalog"])
        names: dict[str, set[str]] | None = None
        if version != self._version or version == (0, 0):
            names = {}
            with self.ws.connector.reading() as con:
                for row in fetch(con, EVENT_PROPERTIES.unbound()).to_pylist():
                    keys = names.setdefault(row["event"], set())
                    if row["property"] is not None:
                        keys.add(row["property"])
        with self._lock:
            self.limits = _limits(settings)
            self.reserved = frozenset(_reserved(settings))
            if names is not None:
                self._names, self._version = names, version
                # what the catalog has now needs no counting of its own any more
                self._admitted = {
                    event: keys - names.get(event, set())
                    for event, keys in self._admitted.items()
                    if event not in names or keys - names[event]
                }

    def check(self, events: list[tuple[int, str, Mapping[str, str]]], browser: bool = False) -> list[Refusal]:
        """The refusals for events given as (index, name, {property key: field to name});
        with none, their new names are counted as admitted."""
        refusals: list[Refusal] = []
        with self._lock:
            names = self._names  # read only; what this request would add is kept apart
            admitted = self._admitted
            adding: dict[str, set[str]] = {}
            for index, name, keys in events:
                if browser and (name in MESSAGING_EVENTS or name in self.reserved):
                    whose = "the messaging channels" if name in MESSAGING_EVENTS else "the workspace's own systems"
                    refusals.append(Refusal(index, "name", f"{name!r} is recorded by {whose}, not by web pages"))
                    continue
                catalogued = names.get(name)
                if catalogued is not None and keys.keys() <= catalogued:
                    continue  # the usual case: nothing new
                known = (catalogued or set()) | admitted.get(name, set()) | adding.get(name, set())
                if catalogued is None and name not in admitted and name not in adding:
                    if reason := name_problem(name, "event name"):
                        refusals.append(Refusal(index, "name", reason))
                        continue
                    if len(names) + len(admitted) + len(adding) >= self.limits.max_event_names:
                        refusals.append(Refusal(index, "name", _full("event names", self.limits.max_event_names)))
                        continue
                    adding[name] = set()
                for key, field in keys.items():
                    if key in known:
                        continue
                    if reason := name_problem(key, "property name"):
                        refusals.append(Refusal(index, field, reason))
                        continue
                    limit = self.limits.max_properties_per_event
                    if len(known) >= limit:
                        refusals.append(Refusal(index, field, _full(f"properties of {name!r}", limit)))
                        continue
                    known.add(key)
                    adding.setdefault(name, set()).add(key)
            if not refusals and adding:
                merged = dict(admitted)
                for event, keys in adding.items():
                    merged[event] = merged.get(event, set()) | keys
                self._admitted = merged
        return refusals


def _full(what: str, limit: int) -> str:
    return (
        f"the workspace has reached its limit of {limit} {what}; send a name it has already,"
        " or raise the limit (workbench collector limits)"
    )


__all__ = [
    "DEFAULT_RESERVED",
    "Limits",
    "Refusal",
    "Vocabulary",
    "allow_from_browser",
    "limits",
    "name_problem",
    "reserve_names",
    "reserved_names",
    "set_limits",
]
