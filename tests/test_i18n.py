"""English and Polish: the catalogs are complete, and plurals, numbers, money and dates read
as a Polish marketer writes them (expectations written by hand)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from click.testing import CliRunner

from workbench.cli import main
from workbench.errors import WorkbenchError
from workbench.i18n import LOCALES, texts
from workbench.i18n.catalogs import read_catalog

NBSP = "\u00a0"  # Babel's thousands separator and the space before "zł" in Polish
PACKAGE = Path(__file__).resolve().parents[1] / "workbench"


def extracted() -> dict[tuple[str | None, str], tuple[str, ...]]:
    """Every message id used in the package, as Babel extracts it: (context, id) → (id, plural)."""
    found = {}
    for _file, _line, message, _comments, context in extract_from_dir(
        str(PACKAGE), method_map=[("**.py", "python")], keywords=DEFAULT_KEYWORDS
    ):
        ids = (message,) if isinstance(message, str) else tuple(message)
        found[(context, ids[0])] = ids
    return found


def entries(locale: str) -> dict[tuple[str | None, str], object]:
    return {
        (m.context, m.id if isinstance(m.id, str) else m.id[0]): m for m in read_catalog(locale) if m.id and not m.fuzzy
    }


@pytest.mark.parametrize("locale", sorted(LOCALES))
def test_every_message_has_an_entry_and_none_is_stale(locale):
    used, catalog = extracted(), entries(locale)
    assert sorted(set(used) - set(catalog), key=str) == [], "run scripts/i18n-update.sh and translate"
    assert sorted(set(catalog) - set(used), key=str) == [], "stale entries: run scripts/i18n-update.sh"
    for key, ids in used.items():
        msgid = catalog[key].id
        assert (msgid,) if isinstance(msgid, str) else tuple(msgid) == ids, key


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w*)\}", text))


def test_every_polish_entry_is_translated_with_known_placeholders():
    for key, message in entries("pl").items():
        forms = [message.string] if isinstance(message.string, str) else list(message.string)
        assert forms and all(forms), f"untranslated: {key}"
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        allowed = set().union(*map(placeholders, ids)) | {"n", "negated"}
        for form in forms:
            assert placeholders(form) <= allowed, (key, form)


PLURALS = {  # n → (Polish, English), written by hand
    1: ("1 kontakt", "1 contact"),
    2: ("2 kontakty", "2 contacts"),
    5: ("5 kontaktów", "5 contacts"),
    12: ("12 kontaktów", "12 contacts"),
    22: ("22 kontakty", "22 contacts"),
    101: ("101 kontaktów", "101 contacts"),
    1_000_000: (f"1{NBSP}000{NBSP}000 kontaktów", "1,000,000 contacts"),
}


@pytest.mark.parametrize("n", sorted(PLURALS))
def test_plural_forms(n):
    polish, english = PLURALS[n]
    assert texts("pl").contacts(n) == polish
    assert texts("en").contacts(n) == english


@pytest.mark.parametrize(
    ("value", "polish", "english"),
    [
        (1000.5, f"1{NBSP}000,5", "1,000.5"),
        (12, "12", "12"),
        (1_000_000, f"1{NBSP}000{NBSP}000", "1,000,000"),
        (2.0, "2", "2"),
    ],
)
def test_numbers(value, polish, english):
    assert texts("pl").number(value) == polish
    assert texts("en").number(value) == english


def test_money():
    assert texts("pl").money(Decimal("1000.50"), "PLN") == f"1{NBSP}000,50{NBSP}zł"
    assert texts("en").money(Decimal("1000.50"), "PLN") == "PLN1,000.50"
    assert texts("pl").amount(1000, "PLN") == f"1{NBSP}000{NBSP}zł"
    assert texts("pl").money(22, "EUR") == f"22,00{NBSP}€"


def test_dates_in_the_workspace_time_zone():
    warsaw = texts("pl", "Europe/Warsaw")
    assert warsaw.long_date(date(2026, 12, 7)) == "7 grudnia 2026"
    # 23:30 UTC on 7 December is already 8 December in Warsaw
    assert warsaw.long_date(datetime(2026, 12, 7, 23, 30, tzinfo=UTC)) == "8 grudnia 2026"
    assert warsaw.when(datetime(2026, 12, 7, 9, 5, tzinfo=UTC)) == "7 gru 2026, 10:05"
    assert texts("en").long_date(date(2026, 12, 7)) == "December 7, 2026"


@pytest.mark.parametrize(
    ("delta", "polish"),
    [
        (-timedelta(days=90), "3 miesiące temu"),
        (-timedelta(hours=5), "5 godzin temu"),
        (-timedelta(days=1), "1 dzień temu"),
        (timedelta(hours=2), "za 2 godziny"),
    ],
)
def test_relative_times(delta, polish):
    assert texts("pl").relative(delta) == polish


@pytest.mark.parametrize(
    ("duration", "polish"),
    [
        ("1d", " w ciągu ostatniego dnia"),
        ("3mo", " w ciągu ostatnich 3 miesięcy"),
        ("22h", " w ciągu ostatnich 22 godzin"),
        ("2w", " w ciągu ostatnich 2 tygodni"),
        ("1y", " w ciągu ostatniego roku"),
    ],
)
def test_windows_in_polish(duration, polish):
    from workbench.expr.describe import describe_window
    from workbench.expr.rules import Last

    assert describe_window(Last(duration), texts("pl")) == polish


def test_an_unknown_locale_is_refused():
    with pytest.raises(WorkbenchError, match="unknown locale 'de'; use one of en, pl"):
        texts("de")


def test_workspace_locale_and_labels_through_the_cli(tmp_path):
    from workbench.expr.labels import Labels
    from workbench.store.workspace import connect

    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    run = CliRunner()
    assert run.invoke(main, ["--db", url, "init"]).exit_code == 0
    ws = connect(url)
    assert ws.catalog.locale == "en" and ws.texts.locale == "en"
    result = run.invoke(main, ["--db", url, "config", "set", "locale", "pl"])
    assert result.exit_code == 0, result.output
    result = run.invoke(main, ["--db", url, "config", "set", "timezone", "Europe/Warsaw"])
    assert result.exit_code == 0, result.output
    shown = run.invoke(main, ["--db", url, "config", "show"]).output
    assert shown == "locale = pl\ntimezone = Europe/Warsaw\nglobal_control = 0.0\n"
    assert ws.texts == texts("pl", "Europe/Warsaw")
    bad = run.invoke(main, ["--db", url, "config", "set", "locale", "de"])
    assert bad.exit_code == 2 and "unknown locale 'de'; use one of en, pl" in bad.output
    assert run.invoke(main, ["--db", url, "config", "set", "colour", "red"]).exit_code == 2
    assert run.invoke(main, ["--db", url, "config", "set", "timezone", "Mars/Base"]).exit_code == 2
    ws.set_labels("pl", Labels(events={"signup": "zapisał(a) się"}))
    ws.set_labels("pl", Labels(properties={"plan": "Plan"}))
    catalog = ws.catalog
    assert catalog.event_label("signup", "pl") == "zapisał(a) się"
    assert catalog.property_label("plan", "pl") == "Plan"
    assert catalog.event_label("signup") == "signup"  # English keeps the raw name


def test_no_message_is_looked_up_inside_an_f_string():
    """Babel cannot see into f-strings (before Python 3.12): a message there would be missed
    by the completeness test above."""
    import tokenize

    lookup = re.compile(r"(\._|gettext)\(")
    found = []
    for path in PACKAGE.rglob("*.py"):
        with path.open("rb") as f:
            for token in tokenize.tokenize(f.readline):
                if (
                    token.type == tokenize.STRING
                    and token.string[:2].lower() in ('f"', "f'")
                    and lookup.search(token.string)
                ):
                    found.append(f"{path.relative_to(PACKAGE)}:{token.start[0]}")
    assert found == []
