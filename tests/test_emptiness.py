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
        pytest.param(BOUGHT, False, id="bought"),
        pytest.param(NEVER_BOUGHT, True, id="never-bought"),
        pytest.param({"event": "purchase", "op": "lt", "value": 3}, True, id="count-lt-3"),
        pytest.param({"event": "purchase", "op": "between", "value": [0, 2]}, True, id="count-between-0-2"),
        pytest.param({"event": "purchase", "op": "between", "value": [1, 2]}, False, id="count-between-1-2"),
        pytest.param({"event": "purchase", "op": "ne", "value": 0}, False, id="count-ne-0"),
        pytest.param({"event": "purchase", "op": "ne", "value": 5}, True, id="count-ne-5"),
        pytest.param(
            {"event": "purchase", "aggregate": {"fn": "sum", "property": "amount"}, "op": "gt", "value": 1000},
            False,
            id="sum-gt-1000",
        ),
        pytest.param(
            {"event": "purchase", "aggregate": {"fn": "sum", "property": "amount"}, "op": "lte", "value": 10},
            True,
            id="sum-lte-10",
        ),
        # none: every comparison false, its negation true
        pytest.param(
            {"event": "purchase", "aggregate": {"fn": "avg", "property": "amount"}, "op": "lt", "value": 10},
            False,
            id="avg-lt-10",
        ),
        pytest.param(
            {"event": "purchase", "aggregate": {"fn": "last_time"}, "op": "is_set"}, False, id="last-time-is-set"
        ),
        pytest.param(
            {"event": "purchase", "aggregate": {"fn": "last_time"}, "op": "is_not_set"}, True, id="last-time-is-not-set"
        ),
        pytest.param({"not": BOUGHT}, True, id="not-bought"),
        pytest.param({"not": NEVER_BOUGHT}, False, id="not-never-bought"),
        pytest.param({"all": [BOUGHT, CITY]}, False, id="all-bought-city"),
        pytest.param({"all": [NEVER_BOUGHT, CITY]}, None, id="all-never-bought-city"),
        pytest.param({"any": [BOUGHT, CITY]}, None, id="any-bought-city"),
        pytest.param({"any": [BOUGHT, {"event": "app_open"}]}, False, id="any-bought-app-open"),
        pytest.param({"any": [BOUGHT, NEVER_BOUGHT]}, True, id="any-bought-never-bought"),
        pytest.param(CITY, None, id="city"),
        # a sequence reads events of its own: a contact without the pass's events may match it
        pytest.param(SEQUENCE, None, id="sequence"),
        pytest.param({"all": [SEQUENCE, BOUGHT]}, False, id="all-sequence-bought"),
        pytest.param({"in_list": "friends"}, None, id="in-list"),
    ],
)
def test_answer_for_a_contact_without_events(rule, expected):
    assert holds_without_events(rule_from_dict(rule)) is expected
