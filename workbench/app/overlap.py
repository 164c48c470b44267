"""How 2 to 6 segments overlap, from one pass over their members.

The chosen segments are evaluated together (at the same instant) in one shared pass
(``CompileContext.many``: one row per contact in at least one of them, a flag per segment, with
``events`` read once), joined to ``contacts`` once. Each contact's flags make its
*membership pattern* (segment i is bit 2^i), and one ``group_by(pattern)`` counts the
contacts of every pattern and how many of them each channel reaches by the send gate's
rule (``workbench.app.channels``). That single query returns at most 2⁶ − 1 rows, from
which every number on screen is a sum:

- an UpSet bar (an exclusive intersection) is one pattern;
- a segment's size is the sum over the patterns holding its bit;
- a pairwise cell is the sum over the patterns holding both bits;
- reachability by channel is summed the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import reduce

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from workbench.app.channels import CHANNELS, Reach, reach_rule
from workbench.app.evaluate import Evaluator
from workbench.errors import WorkbenchError
from workbench.i18n import Texts, texts

MIN_SEGMENTS, MAX_SEGMENTS = 2, 6


@dataclass(frozen=True)
class Pattern:
    """The contacts who are in exactly the segments of ``mask`` (bit i: the i-th chosen segment)."""

    mask: int
    contacts: int
    reachable: dict[str, int]  # channel key -> contacts a send could reach (empty without the send package)


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

    @property
    def has_reach(self) -> bool:
        """Whether reach was counted (it needs the send package)."""
        return all(p.reachable for p in self.patterns)

    def reachable(self, segment_id: str, channel: str) -> int:
        """Members of the segment a send on ``channel`` could reach (see ``channels``)."""
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


def check_choice(segment_ids: Sequence[str], t: Texts | None = None) -> tuple[str, ...]:
    """The chosen ids, each once, in order; refuses fewer than 2 or more than 6."""
    t = t or texts()
    chosen = tuple(dict.fromkeys(segment_ids))
    if not MIN_SEGMENTS <= len(chosen) <= MAX_SEGMENTS:
        raise WorkbenchError(
            t._(
                "Choose {low} to {high} segments to compare (now {chosen} chosen).",
                low=MIN_SEGMENTS,
                high=MAX_SEGMENTS,
                chosen=len(chosen),
            )
        )
    return chosen


def compute_overlap(evaluator: Evaluator, segment_ids: Sequence[str], as_of: datetime) -> Overlap:
    """The overlap of the chosen saved segments at ``as_of``, in one query (see the module doc)."""
    chosen = check_choice(segment_ids)
    keys = {f"s{i}": sid for i, sid in enumerate(chosen)}
    reach = reach_rule(evaluator.catalog, as_of, evaluator.workspace.dialect)
    channels = list(CHANNELS) if reach else []
    result = evaluator.workspace.query(
        lambda con: _patterns(evaluator.members_with_contacts(con, keys, as_of), list(keys), reach)
    )
    patterns = tuple(
        sorted(
            (
                Pattern(int(row["mask"]), int(row["contacts"]), {key: int(row[key] or 0) for key in channels})
                for row in result.to_dict("records")
            ),
            key=lambda p: p.mask,
        )
    )
    names = tuple(evaluator.segment(sid).name for sid in chosen)
    return Overlap(chosen, names, as_of, patterns)


def _patterns(joined: ir.Table, keys: list[str], reach: Reach | None) -> ir.Table:
    """Contacts and reachable contacts per membership pattern, from the flags ``s0``, ``s1``…"""
    bits = [joined[key].fill_null(False).ifelse(ibis.literal(1 << i, type=dt.int64), 0) for i, key in enumerate(keys)]
    reachable = {channel: reach(joined, channel) for channel in CHANNELS} if reach else {}
    per_contact = joined.select(mask=reduce(lambda a, b: a + b, bits), **reachable)
    counts = per_contact.group_by("mask").aggregate(
        contacts=per_contact.count(),
        **{channel: per_contact[channel].ifelse(1, 0).sum() for channel in reachable},
    )
    return counts.select("mask", "contacts", *reachable)
