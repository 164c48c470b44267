"""Existing values to suggest while typing, for text fields and properties with few of them.

A field such as city or status has a handful of values a marketer should pick from rather
than type (and mistype); an e-mail address has thousands, and suggesting some would only
mislead. So a field is suggested from only when it has at most :data:`MAX_SUGGESTIONS`
distinct values, most frequent first. Each is fetched once per builder, with Ibis.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import ibis
import ibis.expr.types as ir
from ibis.backends import BaseBackend

from workbench.expr.catalog import Catalog
from workbench.expr.operators import ARRAY, STRING
from workbench.store.schema import EVENT_COLUMN_TYPES
from workbench.store.workspace import Workspace

log = logging.getLogger(__name__)

MAX_SUGGESTIONS = 200


def _top_values(values: ir.Table) -> ir.Table:
    """The non-empty values of the one-column table ``values``, most frequent first (one past the limit)."""
    present = values.filter(values.value.notnull() & (values.value != ""))
    counted = present.group_by("value").aggregate(n=present.count())
    return counted.order_by([ibis.desc("n"), "value"]).limit(MAX_SUGGESTIONS + 1)


class Suggestions:
    """Suggested values per contact field and event property, cached."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._cache: dict[tuple, list[str]] = {}

    def for_field(self, catalog: Catalog, field: str) -> list[str]:
        """Values of a text (or tags) contact field, or [] when there are too many to suggest."""
        known = catalog.fields.get(field)
        if known is None or known.type not in (STRING, ARRAY):
            return []

        def build(con: BaseBackend) -> ir.Table:
            contacts = con.table("contacts")
            column = contacts[field].unnest() if known.type == ARRAY else contacts[field]
            return _top_values(contacts.select(value=column))

        return self._fetch(("field", field), build)

    def for_property(self, catalog: Catalog, names: tuple[str, ...] | None, prop: str) -> list[str]:
        """Values of a text property among these events, or [] when there are too many to suggest."""
        if catalog.property_type(names, prop) != STRING:
            return []

        def build(con: BaseBackend) -> ir.Table:
            events = con.table("events")
            if names is not None:
                events = events.filter(events.name.isin(list(names)))
            column = events[prop] if prop in EVENT_COLUMN_TYPES else events.properties[prop].str
            return _top_values(events.select(value=column))

        return self._fetch(("property", names, prop), build)

    def _fetch(self, key: tuple, build: Callable[[BaseBackend], ir.Table]) -> list[str]:
        if key not in self._cache:
            try:
                values = self.workspace.query(build)["value"].tolist()
            except Exception:  # suggestions are a convenience: without them the editor still works
                log.warning("could not read suggestions for %s", key, exc_info=True)
                values = []
            self._cache[key] = values if len(values) <= MAX_SUGGESTIONS else []
        return self._cache[key]
