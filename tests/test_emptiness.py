"""Whether a rule can hold for a contact without events (workbench/expr/emptiness.py):
the compiler joins only contacts with events when the answer is False, so a wrong False
would drop members. Expectations are worked out by hand from SPEC §3's empty values."""

from __future__ import annotations

import pytest

from workbench.expr.emptiness import holds_without_events
from workbench.expr.reader import rule_from_dict

BOUGHT = {"event": "purchase"}  # count >= 1
NEVER_BOUGHT = {"event": "purchase", "op": "eq", "value": 0}
CITY = {"attribute": "city", "op": "eq", "value": "Gdańsk"}
SEQUENCE = {"sequence": [{"event": "add_to_cart"}, {"not": {"event": "purchase"}}], "within": "2h"}


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (BOUGHT, False),
        (NEVER_BOUGHT, True),
        ({"event": "purchase", "op": "lt", "value": 3}, True),
        ({"event": "purchase", "op": "between", "value": [0, 2]}, True),
        ({"event": "purchase", "op": "between", "value": [1, 2]}, False),
        ({"event": "purchase", "op": "ne", "value": 0}, False),
        ({"event": "purchase", "op": "ne", "value": 5}, True),
        ({"event": "purchase", "aggregate": {"fn": "sum", "property": "amount"}, "op": "gt", "value": 1000}, False),
        ({"event": "purchase", "aggregate": {"fn": "sum", "property": "amount"}, "op": "lte", "value": 10}, True),
        # none: every comparison false, its negation true
        ({"event": "purchase", "aggregate": {"fn": "avg", "property": "amount"}, "op": "lt", "value": 10}, False),
        ({"event": "purchase", "aggregate": {"fn": "last_time"}, "op": "is_set"}, False),
        ({"event": "purchase", "aggregate": {"fn": "last_time"}, "op": "is_not_set"}, True),
        ({"not": BOUGHT}, True),
        ({"not": NEVER_BOUGHT}, False),
        ({"all": [BOUGHT, CITY]}, False),
        ({"all": [NEVER_BOUGHT, CITY]}, None),
        ({"any": [BOUGHT, CITY]}, None),
        ({"any": [BOUGHT, {"event": "app_open"}]}, False),
        ({"any": [BOUGHT, NEVER_BOUGHT]}, True),
        (CITY, None),
        # a sequence reads events of its own: a contact without the pass's events may match it
        (SEQUENCE, None),
        ({"all": [SEQUENCE, BOUGHT]}, False),
        ({"in_list": "friends"}, None),
    ],
)
def test_answer_for_a_contact_without_events(rule, expected):
    assert holds_without_events(rule_from_dict(rule)) is expected
