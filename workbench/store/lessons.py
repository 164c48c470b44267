"""What events teach the catalog, counted the same way wherever they arrive (an import
file, the collector): each property's most frequent JSON type and each name's most
frequent source, from counts that can be added up across chunks, requests and processes."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from workbench.expr.fieldtypes import BOOLEAN, NUMBER, STRING

# DuckDB's ``json_type`` names, as the catalog's types; arrays and objects compare as text
JSON_TYPE_NAMES = {
    "VARCHAR": STRING,
    "BIGINT": NUMBER,
    "UBIGINT": NUMBER,
    "HUGEINT": NUMBER,
    "DOUBLE": NUMBER,
    "BOOLEAN": BOOLEAN,
    "ARRAY": STRING,
    "OBJECT": STRING,
}
TYPE_RANK = {STRING: 0, NUMBER: 1, BOOLEAN: 2}  # who wins a tie of counts


@dataclass
class EventTally:
    """Events counted by (name, property, type) and by (name, source)."""

    types: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    sources: Counter[tuple[str, str]] = field(default_factory=Counter)

    def learned(self) -> dict[str, dict[str, str]]:
        """name -> property -> type: the most frequent type (ties: string, number, boolean);
        every name seen, with or without properties."""
        best: dict[tuple[str, str], tuple[int, int, str]] = {}
        for (name, key, type_), n in self.types.items():
            candidate = (n, -TYPE_RANK[type_], type_)
            if (name, key) not in best or candidate > best[(name, key)]:
                best[(name, key)] = candidate
        out: dict[str, dict[str, str]] = {name: {} for name in self.event_counts()}
        for (name, key), (_, _, type_) in sorted(best.items()):
            out[name][key] = type_
        return out

    def source_by_name(self) -> dict[str, str]:
        """Each name's most frequent source (ties: alphabetical)."""
        out: dict[str, str] = {}
        for (name, source), _ in sorted(self.sources.items(), key=lambda kv: (-kv[1], kv[0])):
            out.setdefault(name, source)
        return dict(sorted(out.items()))

    def event_counts(self) -> dict[str, int]:
        """Events per name, by name."""
        counts: Counter[str] = Counter()
        for (name, _), n in self.sources.items():
            counts[name] += n
        return dict(sorted(counts.items()))
