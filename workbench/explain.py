"""Why a contact is in a segment, or not: every condition met or not, with the values that decided it.

Each condition is evaluated on its own, compiled exactly as in a segment and restricted to
the contact, so the answer cannot disagree with the count. Groups are then decided from
their conditions (every rule is two-valued, so ALL, ANY and NOT combine as in Python).
The values shown beside a condition are read the same way the compiler reads them: the
contact's attribute, the aggregate of its (stitched, windowed, filtered) events, and for a
sequence how many events of each step it has. Three queries in all, whatever the size of
the rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import ibis
import ibis.expr.types as ir

from workbench.errors import NotFound
from workbench.expr.catalog import Catalog
from workbench.expr.compile import tables
from workbench.expr.context import CompileContext
from workbench.expr.emptiness import ZERO_WHEN_EMPTY
from workbench.expr.rules import All, AnyOf, Attribute, Event, Not, Rule, Segment, Sequence, Step
from workbench.expr.timeutil import parse_instant
from workbench.expr.visitor import Visitor
from workbench.i18n import N_, Texts, texts
from workbench.store.workspace import SegmentLike, Workspace

# messages, shown translated
AGGREGATE_WORDS = {
    "count": N_("events"),
    "sum": N_("total"),
    "avg": N_("average"),
    "min": N_("smallest"),
    "max": N_("largest"),
    "count_distinct": N_("different"),
    "distinct_days": N_("days with such events"),
    "first_time": N_("first time"),
    "last_time": N_("last time"),
}


@dataclass(frozen=True)
class Verdict:
    """Whether ``rule`` holds for the contact, the values that decided it, and its sub-rules' verdicts."""

    rule: Rule
    met: bool
    evidence: str = ""
    children: tuple[Verdict, ...] = ()


def format_value(value: Any, t: Texts | None = None) -> str:
    """A value as a marketer reads it: ``1,234.5``, ``2026-11-29 18:03 UTC``, ``not set``
    (in Polish ``1 234,5``, ``29 lis 2026, 19:03``, ``brak``)."""
    t = t or texts()
    if value is None:
        return t._("not set")
    if isinstance(value, datetime):
        return t.when(value)
    if isinstance(value, bool):
        return t._("yes") if value else t._("no")
    if isinstance(value, float | Decimal):  # amounts of money are exact decimals
        return t.number(value) if value == int(value) else t.number(value, places=2)
    if isinstance(value, int):
        return t.number(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value)) or t._("none")
    return str(value)


def _as_of(value: datetime | str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    if isinstance(value, str):
        return parse_instant(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _conditions(rule: Rule) -> list[Rule]:
    """The distinct conditions (non-group rules) of a tree, in document order."""
    found: dict[Rule, None] = {}
    for node in rule.walk():
        if isinstance(node, Rule) and not isinstance(node, (All, AnyOf, Not)):
            found.setdefault(node)
    return list(found)


class _Verdicts(Visitor[Verdict]):
    """Decides the groups of a tree from the verdicts of its conditions."""

    def __init__(self, met: set[Rule], evidence: dict[Rule, str]) -> None:
        self.met = met
        self.evidence = evidence

    def visit_All(self, rule: All) -> Verdict:  # noqa: N802 - named after the node class it visits
        children = tuple(self.visit(r) for r in rule.rules)
        return Verdict(rule, all(c.met for c in children), children=children)

    def visit_AnyOf(self, rule: AnyOf) -> Verdict:  # noqa: N802 - named after the node class it visits
        children = tuple(self.visit(r) for r in rule.rules)
        return Verdict(rule, any(c.met for c in children), children=children)

    def visit_Not(self, rule: Not) -> Verdict:  # noqa: N802 - named after the node class it visits
        inner = self.visit(rule.rule)
        return Verdict(rule, not inner.met, children=(inner,))

    def condition(self, rule: Rule) -> Verdict:
        return Verdict(rule, rule in self.met, self.evidence.get(rule, ""))

    visit_Attribute = visit_Event = visit_Sequence = visit_InSegment = visit_InList = condition  # noqa: N815 - named after the node classes they visit


class _Explainer:
    def __init__(
        self, workspace: Workspace, segment: Segment, contact_id: str, as_of: datetime, t: Texts | None = None
    ) -> None:
        self.workspace = workspace
        self.catalog: Catalog = workspace.catalog
        self.t = t or texts()
        self.segment = segment
        self.contact_id = contact_id
        self.as_of = as_of
        self.context = CompileContext(self.catalog, workspace.segment, workspace.dialect)
        # the values shown are read by DuckDB's dialect of the compiler's parts, as they always were
        self.compiler = self.context.in_dialect("duckdb").compiler(as_of)

    def run(self) -> Verdict:
        contact = self._contact()
        if contact["created_at"] > self.as_of:
            joined = self.t._(
                "became a contact on {time}, after the evaluation time",
                time=format_value(contact["created_at"], self.t),
            )
            return Verdict(self.segment.rule, False, joined)
        conditions = _conditions(self.segment.rule)
        met = self._met(conditions)
        evidence = self._event_values(conditions) | self._sequence_values(conditions)
        for condition in conditions:
            if isinstance(condition, Attribute):
                label = self.catalog.field_label(condition.field, self.t.locale)
                evidence[condition] = f"{label}: {format_value(contact[condition.field], self.t)}"
        return _Verdicts(met, evidence).visit(self.segment.rule)

    def _contact(self) -> dict:
        contacts = tables(self.catalog)["contacts"]
        row = contacts.filter(contacts.contact_id == self.contact_id).limit(1)
        found = self.workspace.query(lambda con: row).to_dict("records")
        if not found:
            raise NotFound(f"no contact {self.contact_id!r}")
        return {k: (None if _is_missing(v) else v) for k, v in found[0].items()}

    def _met(self, conditions: list[Rule]) -> set[Rule]:
        """The conditions the contact meets: each compiled alone, restricted to the contact, in one query."""
        if not conditions:
            return set()
        parts = []
        for i, condition in enumerate(conditions):
            members = self.context.members(condition, self.as_of)
            parts.append(
                members.filter(members.contact_id == self.contact_id).select(tag=ibis.literal(i, type="int64"))
            )
        found = self.workspace.query(lambda con: ibis.union(*parts))
        return {conditions[i] for i in found["tag"]}

    def _contact_events(self) -> ir.Table:
        events = self.compiler.stitched_events()
        return events.filter(events.cid == self.contact_id)

    def _event_values(self, conditions: list[Rule]) -> dict[Rule, str]:
        """Each event condition's aggregate for the contact, as the compiler computes it."""
        events = [c for c in conditions if isinstance(c, Event)]
        if not events:
            return {}
        mine = self._contact_events()
        aggregates = {f"v{i}": self.compiler.event_aggregate(mine, c) for i, c in enumerate(events)}
        row = self.workspace.query(lambda con: mine.aggregate(**aggregates)).to_dict("records")[0]
        out = {}
        for i, condition in enumerate(events):
            value = row[f"v{i}"]
            agg = condition.agg
            if _is_missing(value):
                value = 0 if agg.fn in ZERO_WHEN_EMPTY else None
            words = self.t._(AGGREGATE_WORDS[agg.fn])
            if agg.property:
                words = f"{words} {self.catalog.property_label(agg.property, self.t.locale)}"
            shown = self.t._("none") if value is None else format_value(value, self.t)
            out[condition] = f"{words}: {shown}"
        return out

    def _sequence_values(self, conditions: list[Rule]) -> dict[Rule, str]:
        """For each sequence step: how many of the contact's events match it, and the latest."""
        sequences = [c for c in conditions if isinstance(c, Sequence)]
        parts = []
        for i, sequence in enumerate(sequences):
            span = self.compiler.window_span(sequence.window)
            for j, step in enumerate(sequence.steps):
                # A negated step looks at every later event, whatever the window (as compiled).
                events = self.compiler.step_events(
                    Step(step.event, step.where), None if step.negated else span, sequence.match_on
                )
                mine = events.filter(events.cid == self.contact_id)
                parts.append(
                    mine.aggregate(n=mine.count(), latest=mine.ts.max()).mutate(
                        seq=ibis.literal(i, type="int64"), step=ibis.literal(j, type="int64")
                    )
                )
        if not parts:
            return {}
        rows = self.workspace.query(lambda con: ibis.union(*parts)).to_dict("records")
        found = {(r["seq"], r["step"]): r for r in rows}
        out = {}
        for i, sequence in enumerate(sequences):
            steps = []
            for j, step in enumerate(sequence.steps):
                r = found[(i, j)]
                latest = ""
                if not _is_missing(r["latest"]):
                    latest = self.t._(", latest {time}", time=format_value(r["latest"], self.t))
                steps.append(f"{step.event}: {self.t.number(int(r['n']))}{latest}")
            out[sequence] = "; ".join(steps)
        return out


def _is_missing(value: Any) -> bool:
    # Pandas hands back NaN / NaT for SQL nulls.
    try:
        return value is None or bool(value != value)
    except (TypeError, ValueError):
        return False


def explain(
    workspace: Workspace,
    segment: SegmentLike,
    contact_id: str,
    as_of: datetime | str | None = None,
    locale: str | None = None,
) -> Verdict:
    """Whether ``contact_id`` is in ``segment`` at ``as_of`` (default now), condition by condition;
    the values that decided it are written in ``locale`` (default English).

    Raises SegmentError for an invalid segment and NotFound for an unknown contact.
    """
    checked = workspace.validate(segment)
    t = texts(locale, workspace.catalog.timezone)
    return _Explainer(workspace, checked, contact_id, _as_of(as_of), t).run()
