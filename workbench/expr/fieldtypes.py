"""The types of fields, event properties and aggregates that rules compare (SPEC §2)."""

from __future__ import annotations

STRING, NUMBER, BOOLEAN, DATE, TIMESTAMP, ARRAY = "string", "number", "boolean", "date", "timestamp", "array"
TYPES = (STRING, NUMBER, BOOLEAN, DATE, TIMESTAMP, ARRAY)
TEMPORAL = frozenset({DATE, TIMESTAMP})
ALL_TYPES = frozenset(TYPES)
