"""The contacts that can be members at all, read from attributes and lists (expr/candidates.py):
hand-written expectations for each kind of node."""

from __future__ import annotations

import pytest

from workbench.expr.candidates import contact_only, necessary
from workbench.expr.reader import rule_from_dict

CITY = {"attribute": "city", "op": "eq", "value": "Gdańsk"}
VIP = {"attribute": "status", "op": "eq", "value": "vip"}
LIST = {"in_list": "friends"}
BOUGHT = {"event": "purchase"}
STEPS = {"sequence": [{"event": "add_to_cart"}, {"event": "purchase"}], "within": "1d"}

CASES = [
    ("attribute", CITY, CITY),
    ("list", LIST, LIST),
    ("event", BOUGHT, None),
    ("sequence", STEPS, None),
    ("empty-all", {"all": []}, None),
    ("empty-any-is-no-one", {"any": []}, {"any": []}),
    ("all-keeps-the-attributes", {"all": [CITY, BOUGHT, VIP]}, {"all": [CITY, VIP]}),
    ("all-one-attribute", {"all": [CITY, BOUGHT]}, CITY),
    ("all-of-events-only", {"all": [BOUGHT, STEPS]}, None),
    ("any-every-branch-restricted", {"any": [{"all": [CITY, BOUGHT]}, {"all": [VIP, STEPS]}]}, {"any": [CITY, VIP]}),
    ("any-with-an-event-branch", {"any": [CITY, BOUGHT]}, None),
    ("not-of-attribute-is-exact", {"not": CITY}, {"not": CITY}),
    ("not-of-event", {"not": BOUGHT}, None),
    ("not-of-mixed-all", {"not": {"all": [CITY, BOUGHT]}}, None),
    ("contact-only-group-kept-whole", {"all": [{"any": [CITY, LIST]}, BOUGHT]}, {"any": [CITY, LIST]}),
]


@pytest.mark.parametrize(("rule", "expected"), [pytest.param(r, e, id=i) for i, r, e in CASES])
def test_necessary(rule, expected):
    found = necessary(rule_from_dict(rule))
    assert (None if found is None else found.to_dict()) == expected


def test_contact_only():
    assert contact_only(rule_from_dict({"all": [CITY, {"not": LIST}]}))
    assert not contact_only(rule_from_dict({"all": [CITY, {"not": BOUGHT}]}))
