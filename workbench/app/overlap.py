"""How 2 to 6 segments overlap, from one pass over their members.

The chosen segments are evaluated together (at the same instant) in one shared pass
(``compile_many``: one row per contact in at least one of them, a flag per segment, with
``events`` read once). Each contact's flags make its *membership pattern* (segment i is
bit 2^i), the patterns are joined to ``contacts`` once, and one ``group_by(pattern)``
counts the contacts of every pattern and how many of them each channel can reach. That single query returns at most 2⁶ − 1 rows, from which every
number on screen is a sum:

- an UpSet bar (an exclusive intersection) is one pattern;
- a segment's size is the sum over the patterns holding its bit;
- a pairwise cell is the sum over the patterns holding both bits;
- reachability by channel is summed the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import reduce

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from workbench.app.channels import CHANNELS
from workbench.app.evaluate import Evaluator
from workbench.errors import WorkbenchError

MIN_SEGMENTS, MAX_SEGMENTS = 2, 6


@dataclass(frozen=True)
class Pattern:
    """The contacts who are in exactly the segments of ``mask`` (bit i: the i-th chosen segment)."""

    mask: int
    contacts: int
    reachable: dict[str, int]  # channel key -> contacts with an address and consent


@dataclass(frozen=True)
class Overlap:
    """The membership patterns of the chosen segments; every figure is derived from them."""

    segment_ids: tuple[str, ...]
    names: tuple[str, ...]
    as_of: datetime
    patterns: tuple[Pattern, ...]

    def _bit(self, segment_id: str) -> int:
        return 1 << self.segment_ids.index(segment_id)

    def _sum(self, mask: int, what: str | None = None) -> int:
        """Contacts (or reachable contacts) over the patterns holding every bit of ``mask``."""
        return sum(p.contacts if what is None else p.reachable[what] for p in self.patterns if p.mask & mask == mask)

    def size(self, segment_id: str) -> int:
        """Members of the segment."""
        return self._sum(self._bit(segment_id))

    def shared(self, first: str, second: str) -> int:
        """Contacts in both segments (whatever else they are in)."""
        return self._sum(self._bit(first) | self._bit(second))

    def share(self, first: str, second: str) -> float:
        """The fraction of ``first``'s members who are also in ``second`` (0 for an empty segment)."""
        size = self.size(first)
        return self.shared(first, second) / size if size else 0.0

    def reachable(self, segment_id: str, channel: str) -> int:
        """Members of the segment with an address and consent for ``channel``."""
        return self._sum(self._bit(segment_id), channel)

    def intersections(self) -> list[tuple[frozenset[str], int]]:
        """Every non-empty exclusive intersection: (segment ids, contacts in exactly those)."""
        return [
            (frozenset(sid for i, sid in enumerate(self.segment_ids) if p.mask >> i & 1), p.contacts)
            for p in self.patterns
            if p.contacts
        ]

    def labels(self) -> dict[str, str]:
        """What to call each segment on a chart: its name, with its id when two share a name."""
        repeated = {name for name in self.names if self.names.count(name) > 1}
        return {
            sid: f"{name} ({sid})" if name in repeated else name
            for sid, name in zip(self.segment_ids, self.names, strict=True)
        }

    @property
    def union_size(self) -> int:
        """Contacts in at least one of the segments."""
        return sum(p.contacts for p in self.patterns)


def check_choice(segment_ids: Sequence[str]) -> tuple[str, ...]:
    """The chosen ids, each once, in order; refuses fewer than 2 or more than 6."""
    chosen = tuple(dict.fromkeys(segment_ids))
    if not MIN_SEGMENTS <= len(chosen) <= MAX_SEGMENTS:
        raise WorkbenchError(f"Choose {MIN_SEGMENTS} to {MAX_SEGMENTS} segments to compare (now {len(chosen)} chosen).")
    return chosen


def compute_overlap(evaluator: Evaluator, segment_ids: Sequence[str], as_of: datetime) -> Overlap:
    """The overlap of the chosen saved segments at ``as_of``, in one query (see the module doc)."""
    chosen = check_choice(segment_ids)
    sql = evaluator.many_sql({f"s{i}": sid for i, sid in enumerate(chosen)}, as_of, _patterns, "overlap")
    result = evaluator.workspace.query(sql)
    patterns = tuple(
        sorted(
            (
                Pattern(int(row["mask"]), int(row["contacts"]), {key: int(row[key] or 0) for key in CHANNELS})
                for row in result.to_dict("records")
            ),
            key=lambda p: p.mask,
        )
    )
    names = tuple(evaluator.segment(sid).name for sid in chosen)
    return Overlap(chosen, names, as_of, patterns)


def _patterns(flags: ir.Table, tables: Mapping[str, ir.Table]) -> ir.Table:
    """Contacts and reachable contacts per membership pattern, from the flags ``s0``, ``s1``…"""
    bits = [
        flags[c].ifelse(ibis.literal(1 << int(c.removeprefix("s")), type=dt.int64), 0)
        for c in flags.columns
        if c != "contact_id"
    ]
    per_contact = flags.select("contact_id", mask=reduce(lambda a, b: a + b, bits))
    joined = per_contact.join(tables["contacts"], "contact_id")
    counts = joined.group_by("mask").aggregate(
        contacts=joined.count(),
        **{key: channel.reachable(joined).ifelse(1, 0).sum() for key, channel in CHANNELS.items()},
    )
    return counts.select("mask", "contacts", *CHANNELS)
