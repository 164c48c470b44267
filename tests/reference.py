"""Reference evaluation of segment rules: the test oracle.

A deliberately plain, slow and obviously-correct reading of the segment contract
(``SEGMENT_SPEC.md`` §1, §3, §4) and of the choices in ``docs/semantics.md``, over
in-memory rows (lists of dicts). No SQL, no Ibis, no pandas: every rule is evaluated as
a set of ``contact_id``\\s by loops, one small function per node kind and operator
family. The compiler's results are compared with this module's.

Conventions used throughout:

* ``T`` is the evaluation instant (``as_of``), always handled as an aware UTC datetime.
* Every node evaluates to a set of contact ids within the *universe* (contacts with
  ``created_at <= T``, SPEC §4).
* Timestamps have microsecond resolution: "the last instant of a local day" is the next
  day's first instant minus one microsecond.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

__all__ = ["evaluate"]

MICROSECOND = timedelta(microseconds=1)

# Amounts (SPEC §1): exact decimals of four places, below 10^14 in magnitude.
AMOUNT_PLACES = Decimal("0.0001")
AMOUNT_LIMIT = 10**14

# SPEC §1 columns.
CONTACT_COLUMNS = frozenset(
    [
        "contact_id",
        "email",
        "phone",
        "push_token",
        "first_name",
        "last_name",
        "gender",
        "birth_date",
        "city",
        "country",
        "language",
        "status",
        "tags",
        "email_consent",
        "sms_consent",
        "push_consent",
        "created_at",
        "updated_at",
    ]
)
EVENT_COLUMNS = frozenset(  # every column but `properties`
    [
        "event_id",
        "contact_id",
        "anonymous_id",
        "source",
        "name",
        "ts",
        "received_at",
        "url",
        "category",
        "product_id",
        "campaign_id",
        "channel",
        "currency",
        "amount",
        "duration_s",
        "quantity",
    ]
)


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------


def evaluate(
    rule: dict,
    *,
    contacts: list[dict],
    events: list[dict],
    identities: list[dict],
    as_of: datetime,
    tz: str = "UTC",
    segments: dict[str, dict] | None = None,
    lists: dict[str, set[str]] | None = None,
    decimal_properties: Iterable[str] = (),
) -> set[str]:
    """contact_ids matching `rule` at `as_of`.

    `segments` maps a segment id to its RULE dict (a whole segment document, with a
    ``"rule"`` key, is accepted too); `lists` maps a static list id to its contact ids.
    A reference cycle, an unknown segment or list, or a malformed node raises
    ValueError. ``amount`` and the ``properties`` keys in `decimal_properties` hold
    amounts: exact decimals, as the store keeps them.
    """
    ctx = _Context.build(
        contacts=contacts,
        events=events,
        identities=identities,
        as_of=as_of,
        tz=tz,
        segments=segments or {},
        lists=lists or {},
        decimal_properties=frozenset(decimal_properties),
    )
    return set(_eval(rule, ctx, stack=()))


# --------------------------------------------------------------------------------------
# Evaluation context: universe, stitched events, time zone
# --------------------------------------------------------------------------------------


@dataclass
class _Context:
    as_of: datetime
    tz: ZoneInfo
    contacts: dict[str, dict]  # the universe: contact_id -> row
    contact_fields: frozenset[str]
    events_by_contact: dict[str, list[dict]]  # ts <= T, sorted by (ts, event_id)
    segments: dict[str, dict]
    lists: dict[str, set[str]]
    segment_cache: dict[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, *, contacts, events, identities, as_of, tz, segments, lists, decimal_properties) -> _Context:
        as_of = _utc(as_of)
        universe = {}
        fields = set(CONTACT_COLUMNS)
        for row in contacts:
            fields.update(row)
            if _utc(row["created_at"]) <= as_of:  # SPEC §4: universe
                universe[row["contact_id"]] = row
        by_contact: dict[str, list[dict]] = {cid: [] for cid in universe}
        links = _identity_links(identities, events)
        for event in _dedupe(events):
            owner = _owner(event, links)
            ts = _utc(event["ts"])
            if owner in universe and ts <= as_of:  # SPEC §4: only ts <= T exists
                by_contact[owner].append(_with_amounts({**event, "ts": ts}, decimal_properties))
        for evs in by_contact.values():
            evs.sort(key=lambda e: (e["ts"], str(e.get("event_id"))))
        return cls(
            as_of=as_of,
            tz=ZoneInfo(tz),
            contacts=universe,
            contact_fields=frozenset(fields),
            events_by_contact=by_contact,
            segments=segments,
            lists=lists,
        )

    @property
    def universe(self) -> frozenset[str]:
        return frozenset(self.contacts)

    def local_date(self, instant: datetime) -> date:
        """The calendar date of an instant in the workspace time zone (SPEC §4)."""
        return _utc(instant).astimezone(self.tz).date()

    def day_start(self, day: date) -> datetime:
        """First instant (UTC) of a local day."""
        return datetime(day.year, day.month, day.day, tzinfo=self.tz).astimezone(UTC)

    def day_last(self, day: date) -> datetime:
        """Last instant (UTC, microsecond resolution) of a local day."""
        return self.day_start(day + timedelta(days=1)) - MICROSECOND


def _amount(value):
    """A number as the store keeps an amount: its decimal digits (a float's shortest
    representation) rounded half away from zero to four places; None when too large."""
    if not _is_number(value):
        return value
    exact = Decimal(repr(value) if isinstance(value, float) else value).quantize(AMOUNT_PLACES, ROUND_HALF_UP)
    return exact if abs(exact) < AMOUNT_LIMIT else None


def _with_amounts(event: dict, decimal_properties: frozenset[str]) -> dict:
    """The event with its amounts exact: ``amount`` and the declared decimal properties."""
    if event.get("amount") is not None:
        event["amount"] = _amount(event["amount"])
    properties = event.get("properties") or {}
    if decimal_properties & set(properties):
        event["properties"] = {k: _amount(v) if k in decimal_properties else v for k, v in properties.items()}
    return event


def _dedupe(events: Iterable[dict]) -> list[dict]:
    """A re-sent event is stored once (SPEC §1): keep the first row per event_id."""
    seen: set = set()
    out = []
    for e in events:
        key = e.get("event_id")
        if key is not None and key in seen:
            continue
        seen.add(key)
        out.append(e)
    return out


def _identity_links(identities: Iterable[dict], events: Iterable[dict]) -> dict[str, str]:
    """anonymous_id -> contact_id (semantics.md, Events).

    Links come from the identities table and from every event that carries both ids
    (linked_at = the event's ts). All links count regardless of time (even those made
    after T). The latest link wins: largest linked_at, then largest contact_id.
    """
    best: dict[str, tuple[datetime, str]] = {}

    def offer(anon, cid, linked_at):
        if anon is None or cid is None:
            return
        candidate = (_utc(linked_at), cid)
        if anon not in best or candidate > best[anon]:
            best[anon] = candidate

    for row in identities:
        offer(row["anonymous_id"], row["contact_id"], row["linked_at"])
    for e in events:
        offer(e.get("anonymous_id"), e.get("contact_id"), e["ts"])
    return {anon: cid for anon, (_, cid) in best.items()}


def _owner(event: dict, links: dict[str, str]) -> str | None:
    """An event belongs to its contact_id, else to its anonymous_id's link (§1)."""
    if event.get("contact_id") is not None:
        return event["contact_id"]
    return links.get(event.get("anonymous_id"))


# --------------------------------------------------------------------------------------
# Rule nodes
# --------------------------------------------------------------------------------------


def _eval(rule: dict, ctx: _Context, stack: tuple[str, ...]) -> frozenset[str]:
    """Dispatch on the node kind (SPEC §3)."""
    if not isinstance(rule, dict):
        raise TypeError(f"a rule must be an object, got {rule!r}")
    if "all" in rule:
        return _eval_all(rule["all"], ctx, stack)
    if "any" in rule:
        return _eval_any(rule["any"], ctx, stack)
    if "not" in rule:
        return ctx.universe - _eval(rule["not"], ctx, stack)
    if "attribute" in rule:
        return _eval_attribute(rule, ctx)
    if "sequence" in rule:
        return _eval_sequence(rule, ctx)
    if "event" in rule:
        return _eval_event(rule, ctx)
    if "in_segment" in rule:
        return _eval_in_segment(rule["in_segment"], ctx, stack)
    if "in_list" in rule:
        return _eval_in_list(rule["in_list"], ctx)
    raise ValueError(f"unknown rule node: {rule!r}")


def _eval_all(rules: list[dict], ctx: _Context, stack) -> frozenset[str]:
    """Every sub-rule holds; empty: every contact of the universe."""
    result = ctx.universe
    for sub in rules:
        result = result & _eval(sub, ctx, stack)
    return result


def _eval_any(rules: list[dict], ctx: _Context, stack) -> frozenset[str]:
    """At least one sub-rule holds; empty: no contact."""
    result: frozenset[str] = frozenset()
    for sub in rules:
        result = result | _eval(sub, ctx, stack)
    return result


def _eval_in_segment(segment_id: str, ctx: _Context, stack) -> frozenset[str]:
    """Member of another saved segment at the same T; a reference cycle is an error."""
    if segment_id in stack:
        cycle = " -> ".join((*stack, segment_id))
        raise ValueError(f"segment reference cycle: {cycle}")
    if segment_id not in ctx.segments:
        raise ValueError(f"unknown segment {segment_id!r}")
    if segment_id not in ctx.segment_cache:
        rule = ctx.segments[segment_id]
        if "rule" in rule:  # a whole segment document
            rule = rule["rule"]
        ctx.segment_cache[segment_id] = _eval(rule, ctx, (*stack, segment_id))
    return ctx.segment_cache[segment_id]


def _eval_in_list(list_id: str, ctx: _Context) -> frozenset[str]:
    """Member of a static list whatever T is, limited to the universe."""
    if list_id not in ctx.lists:
        raise ValueError(f"unknown list {list_id!r}")
    return ctx.universe & frozenset(ctx.lists[list_id])


def _eval_attribute(node: dict, ctx: _Context) -> frozenset[str]:
    """Attribute condition on a contacts column (current value; missing key = null)."""
    name = node["attribute"]
    if name not in ctx.contact_fields and ctx.contacts:
        raise ValueError(f"unknown contact field {name!r}")
    op, target = node["op"], node.get("value")
    return frozenset(cid for cid, row in ctx.contacts.items() if _matches(row.get(name), op, target, ctx))


# --------------------------------------------------------------------------------------
# Event conditions
# --------------------------------------------------------------------------------------


def _eval_event(node: dict, ctx: _Context) -> frozenset[str]:
    """Aggregate the contact's matching events in the window, then compare (SPEC §3.2).

    Defaults: no where, all time, {"fn": "count"}, op gte, value 1.
    """
    step = {"event": node["event"], "where": node.get("where") or []}
    in_window = _window(node.get("window"), ctx)
    aggregate = node.get("aggregate") or {"fn": "count"}
    op = node.get("op", "gte")
    target = node.get("value", 1)
    result = set()
    for cid in ctx.contacts:
        chosen = [e for e in ctx.events_by_contact[cid] if in_window(e["ts"]) and _step_matches(e, step, ctx)]
        if _matches(_aggregate(aggregate, chosen, ctx), op, target, ctx):
            result.add(cid)
    return frozenset(result)


def _step_matches(event: dict, step: dict, ctx: _Context) -> bool:
    """The event has one of the step's names ("*": any) and passes every where PROP."""
    names = step["event"]
    if names != "*":
        allowed = [names] if isinstance(names, str) else list(names)
        if event["name"] not in allowed:
            return False
    for prop in step.get("where") or []:
        value = _event_property(event, prop["property"])
        if not _matches(value, prop["op"], prop.get("value"), ctx):
            return False
    return True


def _event_property(event: dict, name: str):
    """A PROP NAME is a column of events, else a key of `properties` (SPEC §3.2)."""
    if name in EVENT_COLUMNS or (name in event and name != "properties"):
        return event.get(name)
    return (event.get("properties") or {}).get(name)


def _aggregate(aggregate: dict, events: list[dict], ctx: _Context):
    """The aggregate value; over no events 0 for count/sum/count_distinct/distinct_days,
    None for avg/min/max/first_time/last_time (semantics.md, Events)."""
    fn = aggregate["fn"]
    if fn == "count":
        return len(events)
    if fn == "distinct_days":
        return len({ctx.local_date(e["ts"]) for e in events})
    if fn == "first_time":
        return min((e["ts"] for e in events), default=None)
    if fn == "last_time":
        return max((e["ts"] for e in events), default=None)
    if fn not in ("sum", "avg", "min", "max", "count_distinct"):
        raise ValueError(f"unknown aggregate fn {fn!r}")
    if "property" not in aggregate:
        raise ValueError(f"aggregate {fn!r} needs a property")
    values = [_event_property(e, aggregate["property"]) for e in events]
    values = [v for v in values if v is not None]
    numbers = [v for v in values if _kind(v) == "number"]
    if fn == "sum":  # events lacking the property (or all of them) add nothing
        return sum(numbers)
    if fn == "avg":  # amounts averaged exactly
        if not numbers:
            return None
        exact = any(isinstance(v, Decimal) for v in numbers)
        return Fraction(sum(numbers)) / len(numbers) if exact else sum(numbers) / len(numbers)
    if fn == "count_distinct":
        return len({_identity_key(v) for v in values})
    return _extreme(min if fn == "min" else max, values, numbers)


def _extreme(pick: Callable, values: list, numbers: list):
    """min/max: over the numeric values; when there are none, over the values if they
    are all strings (lexicographic), all timestamps or all dates; else None."""
    if numbers:
        return pick(numbers)
    kinds = {_kind(v) for v in values}
    if len(kinds) == 1 and kinds <= {"string", "timestamp", "date"}:
        return pick(_utc(v) if isinstance(v, datetime) else v for v in values)
    return None


# --------------------------------------------------------------------------------------
# Sequences
# --------------------------------------------------------------------------------------


def _eval_sequence(node: dict, ctx: _Context) -> frozenset[str]:
    """SPEC §3.3: all-positive steps, or two steps with the last negated."""
    steps = node["sequence"]
    within = node.get("within")
    in_window = _window(node.get("window"), ctx)
    match_on = node.get("match_on")
    negated = ["not" in step for step in steps]
    if any(negated):
        if len(steps) != 2 or negated != [False, True]:
            raise ValueError("a negated step must be the second of exactly two steps")
        first, second = steps[0], steps[1]["not"]

        def holds(events):
            return _abandoned(events, first, second, within, in_window, match_on, ctx)

    else:
        if not steps:
            raise ValueError("a sequence needs at least one step")

        def holds(events):
            return _sequence_found(events, steps, within, in_window, match_on, ctx)

    return frozenset(cid for cid in ctx.contacts if holds(ctx.events_by_contact[cid]))


def _sequence_found(events, steps, within, in_window, match_on, ctx) -> bool:
    """Distinct events e1..en, ei of step i, all in the window, e1.ts <= ... <= en.ts
    (equal timestamps count as "then"), en.ts <= e1.ts + within, and with match_on all
    carrying the same non-null value (semantics.md, Sequences).

    Every e1 is tried. For the later steps only the candidates with the earliest
    feasible ts are tried: if a completion exists from a later candidate it also exists
    from an earlier one (its events are all later, so none of them is the earlier one).
    """
    candidates = [[e for e in events if in_window(e["ts"]) and _step_matches(e, step, ctx)] for step in steps]
    for first in candidates[0]:
        key = _event_property(first, match_on) if match_on else None
        if match_on and key is None:
            continue
        deadline = _shift(first["ts"], within, +1, ctx) if within else None
        if _extend(candidates, 1, [first], key, deadline, match_on):
            return True
    return False


def _extend(candidates, step, chosen, key, deadline, match_on) -> bool:
    """Can the chosen events e1..e(step) be completed to the whole sequence?"""
    if step == len(candidates):
        return True
    previous = chosen[-1]
    feasible = [
        e
        for e in candidates[step]
        if not any(e is c for c in chosen)
        and e["ts"] >= previous["ts"]
        and (deadline is None or e["ts"] <= deadline)
        and (match_on is None or _same(_event_property(e, match_on), key))
    ]
    if not feasible:
        return False
    earliest = min(e["ts"] for e in feasible)
    return any(
        _extend(candidates, step + 1, [*chosen, e], key, deadline, match_on) for e in feasible if e["ts"] == earliest
    )


def _abandoned(events, first_step, negated_step, within, in_window, match_on, ctx) -> bool:
    """[STEP, {"not": STEP}] (semantics.md, Sequences).

    Take the latest event e of the first step in the window (with match_on: the latest
    per non-null value; ties on ts broken by the largest event_id). It matches when
    e.ts <= T - within (no within: 0) and no other event of the negated step (with the
    same value) has e.ts <= ts <= T. The negated step is not limited by the window.
    """
    latest: dict = {}  # value key -> latest first-step event
    for e in events:  # sorted by (ts, event_id): later rows replace earlier ones
        if not (in_window(e["ts"]) and _step_matches(e, first_step, ctx)):
            continue
        if match_on is None:
            latest[None] = e
            continue
        value = _event_property(e, match_on)
        if value is not None:
            latest[_identity_key(value)] = e
    cutoff = _shift(ctx.as_of, within, -1, ctx) if within else ctx.as_of
    for e in latest.values():
        if e["ts"] > cutoff:
            continue
        value = _event_property(e, match_on) if match_on else None
        saved = any(
            n is not e
            and n["ts"] >= e["ts"]
            and _step_matches(n, negated_step, ctx)
            and (match_on is None or _same(_event_property(n, match_on), value))
            for n in events  # every event here has ts <= T
        )
        if not saved:
            return True
    return False


# --------------------------------------------------------------------------------------
# Operators (SPEC §3 table, semantics.md Operators)
# --------------------------------------------------------------------------------------

NEGATIVE_TWIN = {
    "ne": "eq",
    "not_in": "in",
    "not_contains": "contains",
    "has_not": "has",
    "not_within_last": "within_last",
}


def _matches(value, op: str, target, ctx: _Context) -> bool:
    """Does `value` satisfy `op target`?

    is_set/is_not_set are complements ("" and [] are not set). A negative operator is
    exactly the complement of its positive twin, so it matches null. A positive
    operator never matches null, nor a value of a type it does not apply to.
    """
    if op == "is_set":
        return _is_set(value)
    if op == "is_not_set":
        return not _is_set(value)
    if op in NEGATIVE_TWIN:
        return not _matches_positive(value, NEGATIVE_TWIN[op], target, ctx)
    return _matches_positive(value, op, target, ctx)


def _matches_positive(value, op: str, target, ctx: _Context) -> bool:
    if op not in ALL_OPERATORS:
        raise ValueError(f"unknown operator {op!r}")
    if value is None:
        return False
    family = OPERATORS[_kind(value)]
    if op not in family:
        return False  # e.g. a string operator on a number property
    return family[op](value, target, ctx)


def _is_set(value) -> bool:
    """Not null, and for strings and arrays also not empty."""
    if value is None:
        return False
    if isinstance(value, (str, list, tuple)):
        return len(value) > 0
    return True


def _kind(value) -> str:
    """The operator family of a Python value (bool before int, datetime before date)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float, Decimal, Fraction)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, datetime):
        return "timestamp"
    if isinstance(value, date):
        return "date"
    if isinstance(value, (list, tuple, set, frozenset)):
        return "array"
    raise TypeError(f"unsupported value {value!r}")


def _same(a, b) -> bool:
    """Equal values of the same kind (so True != 1 and "1" != 1)."""
    if a is None or b is None:
        return False
    return _kind(a) == _kind(b) and a == b


def _identity_key(value):
    """A hashable key for distinctness: same kind and equal value."""
    return (_kind(value), value)


def _is_number(x) -> bool:
    return x is not None and _kind(x) == "number"


# -- string: exact, except contains/starts_with/ends_with (Unicode lower case) ---------


def _str_eq(v, t, ctx):
    return _same(v, t)


def _str_in(v, t, ctx):
    return any(_same(v, x) for x in t)


def _str_contains(v, t, ctx):
    return isinstance(t, str) and t.lower() in v.lower()


def _str_starts_with(v, t, ctx):
    return isinstance(t, str) and v.lower().startswith(t.lower())


def _str_ends_with(v, t, ctx):
    return isinstance(t, str) and v.lower().endswith(t.lower())


STRING_OPS = {
    "eq": _str_eq,
    "in": _str_in,
    "contains": _str_contains,
    "starts_with": _str_starts_with,
    "ends_with": _str_ends_with,
}

# -- number ----------------------------------------------------------------------------


def _exact(number):
    """A number compared by its value as written: a float by its shortest representation
    (the order of floats is kept, and 100.1 equals the amount 100.1)."""
    return Decimal(repr(number)) if isinstance(number, float) else number


def _num_cmp(test: Callable[[float, float], bool]):
    return lambda v, t, ctx: _is_number(t) and test(_exact(v), _exact(t))


def _num_between(v, t, ctx):
    lo, hi = t
    return _is_number(lo) and _is_number(hi) and _exact(lo) <= _exact(v) <= _exact(hi)


def _num_in(v, t, ctx):
    return any(_is_number(x) and _exact(v) == _exact(x) for x in t)


NUMBER_OPS = {
    "eq": _num_cmp(lambda v, t: v == t),
    "gt": _num_cmp(lambda v, t: v > t),
    "gte": _num_cmp(lambda v, t: v >= t),
    "lt": _num_cmp(lambda v, t: v < t),
    "lte": _num_cmp(lambda v, t: v <= t),
    "between": _num_between,
    "in": _num_in,
}

# -- boolean ---------------------------------------------------------------------------

BOOLEAN_OPS = {
    "is_true": lambda v, t, ctx: v is True,
    "is_false": lambda v, t, ctx: v is False,
}

# -- array of string -------------------------------------------------------------------


def _arr_has(v, t, ctx):
    return any(_same(x, t) for x in v)


def _arr_has_any(v, t, ctx):
    return any(_arr_has(v, x, ctx) for x in t)


def _arr_has_all(v, t, ctx):
    return all(_arr_has(v, x, ctx) for x in t)


ARRAY_OPS = {"has": _arr_has, "has_any": _arr_has_any, "has_all": _arr_has_all}

# -- timestamp: TIME bounds; a date TIME stands for its whole local day --------------


def _ts_eq(v, t, ctx):
    first, last = _time_bounds(t, ctx)
    return first <= _utc(v) <= last


def _ts_before(v, t, ctx):
    return _utc(v) < _time_bounds(t, ctx)[0]


def _ts_after(v, t, ctx):
    return _utc(v) > _time_bounds(t, ctx)[1]


def _ts_between(v, t, ctx):
    lo, hi = t
    return _time_bounds(lo, ctx)[0] <= _utc(v) <= _time_bounds(hi, ctx)[1]


def _ts_within_last(v, t, ctx):
    """T - D < v <= T."""
    return _shift(ctx.as_of, t, -1, ctx) < _utc(v) <= ctx.as_of


def _ts_anniversary(v, t, ctx):
    return _anniversary(ctx.local_date(v), t, ctx)


TIMESTAMP_OPS = {
    "eq": _ts_eq,
    "before": _ts_before,
    "after": _ts_after,
    "between": _ts_between,
    "within_last": _ts_within_last,
    "anniversary_within_days": _ts_anniversary,
}

# -- date: TIME values taken as local dates --------------------------------------------


def _date_eq(v, t, ctx):
    return v == _time_as_date(t, ctx)


def _date_before(v, t, ctx):
    return v < _time_as_date(t, ctx)


def _date_after(v, t, ctx):
    return v > _time_as_date(t, ctx)


def _date_between(v, t, ctx):
    lo, hi = t
    return _time_as_date(lo, ctx) <= v <= _time_as_date(hi, ctx)


def _date_within_last(v, t, ctx):
    """date(T - D) < v <= date(T), local dates."""
    return ctx.local_date(_shift(ctx.as_of, t, -1, ctx)) < v <= ctx.local_date(ctx.as_of)


def _date_anniversary(v, t, ctx):
    return _anniversary(v, t, ctx)


DATE_OPS = {
    "eq": _date_eq,
    "before": _date_before,
    "after": _date_after,
    "between": _date_between,
    "within_last": _date_within_last,
    "anniversary_within_days": _date_anniversary,
}


def _anniversary(day: date, n, ctx: _Context) -> bool:
    """The month and day of `day` is one of today, today+1, ..., today+N (local dates).

    A 29 February value also matches 28 February of a non-leap year; N >= 365 is every
    day.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"anniversary_within_days needs an integer N >= 0, got {n!r}")
    if n >= 365:
        return True
    today = ctx.local_date(ctx.as_of)
    for k in range(n + 1):
        candidate = today + timedelta(days=k)
        if (candidate.month, candidate.day) == (day.month, day.day):
            return True
        if (
            (day.month, day.day) == (2, 29)
            and (candidate.month, candidate.day) == (2, 28)
            and not calendar.isleap(candidate.year)
        ):
            return True
    return False


OPERATORS: dict[str, dict[str, Callable]] = {
    "string": STRING_OPS,
    "number": NUMBER_OPS,
    "boolean": BOOLEAN_OPS,
    "array": ARRAY_OPS,
    "timestamp": TIMESTAMP_OPS,
    "date": DATE_OPS,
}
ALL_OPERATORS = frozenset().union(*OPERATORS.values())


# --------------------------------------------------------------------------------------
# Time: TIME, DURATION, WINDOW (semantics.md, Time)
# --------------------------------------------------------------------------------------

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(mo|s|m|h|d|w|y)$")
_FIXED_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def _utc(instant: datetime) -> datetime:
    """An aware UTC datetime (a naive one is taken as UTC)."""
    if instant.tzinfo is None:
        return instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC)


def _parse_time(value, ctx: _Context) -> datetime | date:
    """TIME: {"ago": D} = T - D; "YYYY-MM-DD" = a local date; else ISO 8601 (no offset:
    UTC). Returns an instant (aware UTC datetime) or a date."""
    if isinstance(value, dict):
        if set(value) != {"ago"}:
            raise ValueError(f"bad TIME {value!r}")
        return _shift(ctx.as_of, value["ago"], -1, ctx)
    if isinstance(value, datetime):
        return _utc(value)
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise TypeError(f"bad TIME {value!r}")
    if _DATE_ONLY.match(value):
        return date.fromisoformat(value)
    return _utc(datetime.fromisoformat(value))


def _time_bounds(value, ctx: _Context) -> tuple[datetime, datetime]:
    """First and last instant a TIME stands for: an instant is itself; a date is its
    whole local day."""
    parsed = _parse_time(value, ctx)
    if isinstance(parsed, datetime):
        return parsed, parsed
    return ctx.day_start(parsed), ctx.day_last(parsed)


def _time_as_date(value, ctx: _Context) -> date:
    """A TIME taken as a local date (for date fields)."""
    parsed = _parse_time(value, ctx)
    if isinstance(parsed, datetime):
        return ctx.local_date(parsed)
    return parsed


def _parse_duration(value) -> tuple[float, str]:
    match = _DURATION.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"bad DURATION {value!r}; e.g. '90m', '2h', '7d', '3mo'")
    amount, unit = match.groups()
    if unit in ("mo", "y") and "." in amount:
        raise ValueError(f"calendar DURATION needs a whole number: {value!r}")
    return (float(amount) if "." in amount else int(amount)), unit


def _shift(instant: datetime, duration, sign: int, ctx: _Context) -> datetime:
    """instant + sign * DURATION.

    s, m, h, d, w are fixed lengths (a day is 24 hours). mo and y move the calendar
    month or year of the local wall-clock time (workspace time zone), clamping the
    day to the month's last day, and keep the local time of day.
    """
    amount, unit = _parse_duration(duration)
    instant = _utc(instant)
    if unit in _FIXED_SECONDS:
        return instant + sign * timedelta(seconds=amount * _FIXED_SECONDS[unit])
    months = sign * amount * (12 if unit == "y" else 1)
    local = instant.astimezone(ctx.tz).replace(tzinfo=None)
    moved = _add_months(local, months)
    return moved.replace(tzinfo=ctx.tz).astimezone(UTC)


def _add_months(moment: datetime, months: int) -> datetime:
    """Calendar month arithmetic with clamping: 31 May - 3 months = 28/29 February."""
    index = moment.year * 12 + (moment.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _window(window: dict | None, ctx: _Context) -> Callable[[datetime], bool]:
    """WINDOW as a predicate on ts (events already have ts <= T).

    {"last": D} = (T - D, T]; {"since": A} = [A, T]; {"between": [A, B]} = [A, B], with
    a date A starting at its local day's first instant and a date B including its whole
    local day; None = all time.
    """
    now = ctx.as_of
    if window is None:
        return lambda ts: ts <= now
    if set(window) == {"last"}:
        start = _shift(now, window["last"], -1, ctx)
        return lambda ts: start < ts <= now
    if set(window) == {"since"}:
        since = _time_bounds(window["since"], ctx)[0]
        return lambda ts: since <= ts <= now
    if set(window) == {"between"}:
        lo, hi = window["between"]
        first = _time_bounds(lo, ctx)[0]
        last = min(_time_bounds(hi, ctx)[1], now)
        return lambda ts: first <= ts <= last
    raise ValueError(f"bad WINDOW {window!r}")
