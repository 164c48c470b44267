"""What an import teaches the catalog (``EventTally``), from Arrow chunks."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import ibis.expr.datatypes as dt
import pyarrow as pa
import pyarrow.compute as pc

from workbench.store.arrow_views import arrow_view
from workbench.store.importer.convert import json_keys, json_types_at
from workbench.store.lessons import JSON_TYPE_NAMES, EventTally
from workbench.store.schema import IDENTITIES


@dataclass
class _Learner(EventTally):
    """The tally of an import, from Arrow chunks; also how often each property is set, and
    the identity links the events make."""

    keys: Counter[tuple[str, str]] = field(default_factory=Counter)
    links: list[pa.Table] = field(default_factory=list)

    def add(self, con, good: pa.Table) -> None:
        if not good.num_rows:
            return
        counts = good.group_by(["name", "source"]).aggregate([([], "count_all")])
        for row in counts.to_pylist():
            self.sources[(row["name"], row["source"])] += row["count_all"]
        props = good.select(["name", "properties"]).filter(pc.is_valid(good["properties"]))
        if props.num_rows:
            with arrow_view(con, props) as t:
                j = t.properties.cast(dt.json)
                pairs = t.select(t.name, key=json_keys(j).unnest(), type=json_types_at(j, "$.*").unnest())
                learned_types = con.to_pyarrow(pairs.group_by(["name", "key", "type"]).aggregate(n=pairs.count()))
            for row in learned_types.to_pylist():
                learned = JSON_TYPE_NAMES.get(row["type"])
                if learned is not None:
                    self.types[(row["name"], row["key"], learned)] += row["n"]
                    self.keys[(row["name"], row["key"])] += row["n"]
        both = good.filter(pc.and_(pc.is_valid(good["anonymous_id"]), pc.is_valid(good["contact_id"])))
        if both.num_rows:
            pairs = both.group_by(["anonymous_id", "contact_id"]).aggregate([("ts", "max")])
            self.links.append(pairs.rename_columns(["anonymous_id", "contact_id", "linked_at"]))

    def property_counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {name: {} for name in self.event_counts()}
        for (name, key), n in sorted(self.keys.items()):
            out.setdefault(name, {})[key] = n
        return out

    def link_table(self) -> pa.Table:
        schema = IDENTITIES.to_pyarrow()
        if not self.links:
            return schema.empty_table()
        table = pa.concat_tables(self.links)
        table = table.group_by(["anonymous_id", "contact_id"]).aggregate([("linked_at", "max")])
        return table.rename_columns(["anonymous_id", "contact_id", "linked_at"]).cast(schema)
