"""The reader's and the validator's messages in Polish, and unchanged in English (every
expectation written by hand); names that look like format strings stay data."""

from __future__ import annotations

import pytest

from workbench.errors import Problem, SegmentError
from workbench.expr.catalog import Catalog, EventType
from workbench.expr.rules import Segment
from workbench.expr.validate import problems, validate
from workbench.i18n import Message, later, texts

PL, EN = texts("pl"), texts("en")

CATALOG = Catalog.standard(
    events={"purchase": EventType("purchase", "custom", {"cart_id": "string", "total": "number"})},
    segments=frozenset({"vip"}),
    lists=frozenset({"vip-pl"}),
)
FIELDS = (
    "birth_date, city, contact_id, country, created_at, email, email_consent, first_name, gender, language, "
    "last_name, phone, push_consent, push_token, sms_consent, status, tags, updated_at"
)
PROPERTIES = (
    "amount, anonymous_id, campaign_id, cart_id, category, channel, currency, duration_s, name, product_id, "
    "quantity, source, total, ts, url"
)
STRING_OPS = "is_set, is_not_set, eq, ne, in, not_in, contains, not_contains, starts_with, ends_with"
TIME_OPS = "is_set, is_not_set, eq, between, before, after, within_last, not_within_last, anniversary_within_days"
VIP = Segment(
    "vip", "VIP", Segment.from_dict({"name": "x", "rule": {"attribute": "status", "op": "eq", "value": "vip"}}).rule
)


def found(rule: dict, catalog: Catalog = CATALOG) -> list[Problem]:
    """The problems of a document with ``rule``: the reader's, or else the validator's."""
    try:
        segment = Segment.from_dict({"name": "Test", "rule": rule})
    except SegmentError as exc:
        return exc.problems
    return problems(segment, catalog, {"vip": VIP}.__getitem__)


# (rule, path, English as the CLI prints it, Polish as the app shows it)
CASES = {
    "unknown field": (
        {"attribute": "miasto", "op": "eq", "value": "Gdańsk"},
        "rule.attribute",
        f"unknown field 'miasto'; contact fields are {FIELDS}",
        f"nieznane pole 'miasto'; pola kontaktu to: {FIELDS}",
    ),
    "operator not for the type": (
        {"attribute": "city", "op": "gt", "value": 3},
        "rule.op",
        f"'gt' is not valid for string field 'city'; use one of {STRING_OPS}",
        f"'gt' nie pasuje do pola 'city' (tekst); użyj jednego z: {STRING_OPS}",
    ),
    "unknown operator": (
        {"attribute": "email_consent", "op": "yes"},
        "rule.op",
        "unknown operator 'yes'; for boolean field 'email_consent' use one of is_set, is_not_set, is_true, is_false",
        "nieznany operator 'yes'; dla pola 'email_consent' (prawda/fałsz) użyj jednego z: "
        "is_set, is_not_set, is_true, is_false",
    ),
    "value of the wrong type": (
        {"attribute": "city", "op": "eq", "value": 3},
        "rule.value",
        "expected a string, got 3",
        "oczekiwano tekstu, a jest 3",
    ),
    "missing value": (
        {"attribute": "city", "op": "eq"},
        "rule.value",
        "'eq' needs a value",
        "'eq' wymaga wartości",
    ),
    "value where none is taken": (
        {"attribute": "email_consent", "op": "is_true", "value": True},
        "rule.value",
        "'is_true' takes no value",
        "'is_true' nie przyjmuje wartości",
    ),
    "empty list": (
        {"attribute": "city", "op": "in", "value": []},
        "rule.value",
        "'in' takes a non-empty list",
        "'in' wymaga niepustej listy",
    ),
    "not a date": (
        {"attribute": "birth_date", "op": "before", "value": "2026-02-30"},
        "rule.value",
        "'2026-02-30' is not a valid date (YYYY-MM-DD)",
        "'2026-02-30' nie jest poprawną datą (RRRR-MM-DD)",
    ),
    "not a number of days": (
        {"attribute": "birth_date", "op": "anniversary_within_days", "value": -1},
        "rule.value",
        "expected a whole number of days ≥ 0, got -1",
        "oczekiwano całkowitej liczby dni ≥ 0, a jest -1",
    ),
    "unknown event": (
        {"event": "zakup"},
        "rule.event",
        "unknown event 'zakup'; known events are purchase",
        "nieznane zdarzenie 'zakup'; znane zdarzenia to: purchase",
    ),
    "unknown property": (
        {"event": "purchase", "where": [{"property": "koszyk", "op": "eq", "value": "x"}]},
        "rule.where[0].property",
        f"unknown property 'koszyk' for event 'purchase'; use one of {PROPERTIES}",
        f"nieznana właściwość 'koszyk' dla zdarzenia 'purchase'; użyj jednej z: {PROPERTIES}",
    ),
    "operator not for a property": (
        {"event": "purchase", "where": [{"property": "total", "op": "contains", "value": "1"}]},
        "rule.where[0].op",
        "'contains' is not valid for number property 'total'; use one of "
        "is_set, is_not_set, eq, ne, in, not_in, gt, gte, lt, lte, between",
        "'contains' nie pasuje do właściwości 'total' (liczba); użyj jednego z: "
        "is_set, is_not_set, eq, ne, in, not_in, gt, gte, lt, lte, between",
    ),
    "sum of text": (
        {"event": "purchase", "aggregate": {"fn": "sum", "property": "cart_id"}},
        "rule.aggregate.property",
        "'sum' needs a number property; 'cart_id' is string",
        "'sum' wymaga właściwości liczbowej; 'cart_id' to tekst",
    ),
    "operator not for an aggregate": (
        {"event": "purchase", "aggregate": {"fn": "last_time"}, "op": "gt", "value": 3},
        "rule.op",
        f"'gt' is not valid for aggregate 'last_time' (timestamp); use one of {TIME_OPS}",
        f"'gt' nie pasuje do agregatu 'last_time' (data i godzina); użyj jednego z: {TIME_OPS}",
    ),
    "window that is not a duration": (
        {"event": "purchase", "window": {"last": "3 months"}},
        "rule.window.last",
        "'3 months' is not a duration; write a whole number and a unit (s, m, h, d, w, mo, y), e.g. '7d' or '3mo'",
        "'3 months' nie jest okresem; podaj liczbę całkowitą i jednostkę (s, m, h, d, w, mo, y), np. '7d' lub '3mo'",
    ),
    "window of the wrong shape": (
        {"event": "purchase", "window": {"during": "7d"}},
        "rule.window",
        'a window is {"last": DURATION}, {"since": TIME} or {"between": [TIME, TIME]}',
        'okno czasu ma postać {"last": OKRES}, {"since": CZAS} lub {"between": [CZAS, CZAS]}',
    ),
    "time that is not a time": (
        {"event": "purchase", "window": {"since": 5}},
        "rule.window.since",
        "5 is not a time; write ISO 8601 like '2026-11-30T12:00:00Z', a date like '2026-11-30', or {\"ago\": \"7d\"}",
        "5 nie jest czasem; podaj czas w ISO 8601, np. '2026-11-30T12:00:00Z', datę, np. '2026-11-30', "
        'albo {"ago": "7d"}',
    ),
    "unknown segment": (
        {"in_segment": "vipy"},
        "rule.in_segment",
        "unknown segment 'vipy'; saved segments: vip",
        "nieznany segment 'vipy'; zapisane segmenty: vip",
    ),
    "unknown list": (
        {"in_list": "vip-en"},
        "rule.in_list",
        "unknown list 'vip-en'; known lists: vip-pl",
        "nieznana lista 'vip-en'; znane listy: vip-pl",
    ),
    "unknown key": (
        {"attribute": "city", "op": "eq", "value": "Gdańsk", "valeu": 1},
        "rule.valeu",
        "unknown key; valid keys here are attribute, op, value",
        "nieznany klucz; w tym miejscu dozwolone są: attribute, op, value",
    ),
    "empty event name": (
        {"event": ""},
        "rule.event",
        "event name must be a non-empty string, got ''",
        "nazwa zdarzenia musi być niepustym tekstem, a jest ''",
    ),
    "short sequence": (
        {"sequence": [{"event": "purchase"}]},
        "rule.sequence",
        "a sequence needs a list of at least two steps",
        "sekwencja potrzebuje listy co najmniej dwóch kroków",
    ),
    "no kind of rule": (
        {"atribute": "city"},
        "rule",
        "a rule needs exactly one of all, any, not, attribute, event, sequence, in_segment, in_list; found keys atribute",
        "reguła potrzebuje dokładnie jednego z kluczy: all, any, not, attribute, event, sequence, in_segment, "
        "in_list; znaleziono klucze: atribute",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_each_problem_in_english_and_in_polish(case):
    rule, path, english, polish = CASES[case]
    (problem,) = found(rule)
    assert problem.path == path
    assert problem.message == english
    assert str(problem) == f"{path}: {english}"  # what the CLI prints
    assert problem.render() == problem.render(EN) == english
    assert problem.render(PL) == polish


def test_a_reference_cycle_and_an_invalid_referenced_segment():
    library = {
        "a": Segment("a", "A", Segment.from_dict({"name": "a", "rule": {"in_segment": "b"}}).rule),
        "b": Segment("b", "B", Segment.from_dict({"name": "b", "rule": {"in_segment": "a"}}).rule),
        "bad": Segment("bad", "Bad", Segment.from_dict({"name": "x", "rule": {"event": "zakup"}}).rule),
        "uses-bad": Segment("uses-bad", "U", Segment.from_dict({"name": "x", "rule": {"in_segment": "bad"}}).rule),
    }
    catalog = Catalog.standard(events=CATALOG.events, segments=frozenset(library))
    with pytest.raises(SegmentError) as cycle:
        validate(library["a"], catalog, library.__getitem__)
    assert str(cycle.value) == "rule.in_segment: segment reference cycle: a → b → a"
    assert cycle.value.render(PL) == "rule.in_segment: segmenty odwołują się do siebie w kółko: a → b → a"
    with pytest.raises(SegmentError) as nested:
        validate(library["uses-bad"], catalog, library.__getitem__)
    assert str(nested.value) == (
        "rule.in_segment: segment 'bad' is invalid: rule.event: unknown event 'zakup'; known events are purchase"
    )
    assert nested.value.render(PL) == (
        "rule.in_segment: segment 'bad' zawiera błąd: rule.event: nieznane zdarzenie 'zakup'; "
        "znane zdarzenia to: purchase"
    )


def test_long_lists_of_choices_say_how_many_more():
    events = {f"event_{i:02}": EventType(f"event_{i:02}", "custom") for i in range(45)}
    (problem,) = found({"event": "zakup"}, Catalog.standard(events=events))
    shown = ", ".join(f"event_{i:02}" for i in range(40))
    assert problem.message == f"unknown event 'zakup'; known events are {shown}, … (5 more)"
    assert problem.render(PL) == f"nieznane zdarzenie 'zakup'; znane zdarzenia to: {shown}, … (jeszcze 5)"


def test_nothing_to_choose_from_yet():
    (problem,) = found({"in_list": "vip-pl"}, Catalog.standard())
    assert problem.message == "unknown list 'vip-pl'; known lists: none yet"
    assert problem.render(PL) == "nieznana lista 'vip-pl'; znane listy: na razie brak"


HOSTILE = {
    "braces": "{x}",
    "attribute access": "{0.__class__}",
    "positional": "{}",
    "format spec": "{name:>10}",
    "percent": "%s %(name)s 100%",
    "newline": "miasto\nDROP",
    "long": "ę{" * 5000,
}


def named(data: object, name: str) -> object:
    """``data`` with every ``NAME`` (key or value) replaced by ``name``."""
    if isinstance(data, dict):
        return {(name if k == "NAME" else k): named(v, name) for k, v in data.items()}
    if isinstance(data, list):
        return [named(item, name) for item in data]
    return name if data == "NAME" else data


@pytest.mark.parametrize("name", HOSTILE)
@pytest.mark.parametrize(
    ("rule", "path", "english", "polish"),
    [
        ({"attribute": "NAME", "op": "eq", "value": "x"}, "rule.attribute", "unknown field {}", "nieznane pole {}"),
        ({"event": "NAME"}, "rule.event", "unknown event {}", "nieznane zdarzenie {}"),
        (
            {"event": "purchase", "where": [{"property": "NAME", "op": "eq", "value": "x"}]},
            "rule.where[0].property",
            "unknown property {} for event 'purchase'",
            "nieznana właściwość {} dla zdarzenia 'purchase'",
        ),
        ({"in_segment": "NAME"}, "rule.in_segment", "unknown segment {}", "nieznany segment {}"),
        ({"in_list": "NAME"}, "rule.in_list", "unknown list {}", "nieznana lista {}"),
        ({"attribute": "city", "op": "eq", "value": 1, "NAME": 1}, "rule.NAME", "unknown key", "nieznany klucz"),
    ],
    ids=["field", "event", "property", "segment", "list", "key"],
)
def test_names_are_data_never_format_strings(name, rule, path, english, polish):
    hostile = HOSTILE[name]
    document = named(rule, hostile)
    (problem,) = found(document)
    quoted = repr(hostile)
    assert problem.path == path.replace("NAME", hostile)
    assert problem.message.startswith(english.replace("{}", quoted))
    assert problem.render(PL).startswith(polish.replace("{}", quoted))
    assert "\n" not in problem.render(PL)  # repr writes a newline as \n: one problem, one line
    assert SegmentError([problem]).render(PL).startswith(f"{problem.path}: {polish.replace('{}', quoted)}")


def test_a_message_fills_values_once():
    message = later._("unknown list {list}; known lists: {known}", list="{known}", known="{list}")
    assert message.render(PL) == "nieznana lista {known}; znane listy: {list}"
    assert str(message) == "unknown list {known}; known lists: {list}"
    nested = later._("{type} field {name}", type=later.pgettext("type", "number"), name="'{0.__class__}'")
    assert nested.render(PL) == "pola '{0.__class__}' (liczba)"
    assert str(nested) == "number field '{0.__class__}'"
    assert isinstance(nested, Message) and nested == later._(
        "{type} field {name}", type=later.pgettext("type", "number"), name="'{0.__class__}'"
    )


def test_the_english_message_stays_the_default():
    (problem,) = found({"attribute": "city", "op": "gt", "value": 3})
    assert problem == Problem("rule.op", problem.message)  # the message, not how it was made, is the problem
    assert SegmentError([problem]).render() == str(SegmentError([problem]))
