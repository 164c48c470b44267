"""Every example segment read in Polish, with the sample shop's labels: sentences written by
hand, as a Polish marketer would say them. The English sentences stay as they were."""

from __future__ import annotations

import json

import pytest

from workbench.expr.catalog import Catalog
from workbench.expr.describe import describe
from workbench.expr.reader import rule_from_dict
from workbench.expr.rules import Segment
from workbench.sample.labels import SAMPLE_LABELS
from workbench.sample.load import example_segment_files

NBSP = "\u00a0"

POLISH = {
    "abandoned_cart": "dodał(a) do koszyka w ciągu ostatnich 7 dni i od tego czasu nie kupił(a) "
    "przez co najmniej 2 godziny (ta sama wartość: Koszyk)",
    "birthday": "Data urodzenia ma rocznicę w ciągu najbliższych 7 dni",
    "cross_sell": "kupił(a) (Produkt to p_shoe_run_01) i nigdy nie kupił(a) (Produkt to p_socks_run_01)",
    "interested": "wyświetlił(a) stronę (Produkt ma wartość), a potem wyświetlił(a) stronę (Produkt ma wartość) "
    "najwyżej 7 dni później w ciągu ostatnich 7 dni (ta sama wartość: Produkt)",
    "lapsed": "nic nie zrobił(a) w ciągu ostatnich 30 dni",
    "mobile_active": "otworzył(a) aplikację w ciągu ostatnich 7 dni",
    "multichannel": "kliknął/kliknęła w link w e-mailu, a potem wyświetlił(a) stronę najwyżej 24 godziny później "
    "w ciągu ostatnich 30 dni",
    "new_subscribers": "Data zapisu przypada w ciągu ostatnich 7 dni",
    "no_email_opens": "dostał(a) e-mail w ciągu ostatnich 30 dni i nie otworzył(a) e-maila w ciągu ostatnich 30 dni",
    "push_ignored": "dostał(a) powiadomienie push w ciągu ostatnich 7 dni i od tego czasu nie otworzył(a) "
    "powiadomienia push przez co najmniej 24 godziny (ta sama wartość: Kampania)",
    "target_city": "Miasto to Gdańsk",
    "topic_readers": "wyświetlił(a) stronę co najmniej 3 razy (Adres strony zaczyna się od /blog/ i Kategoria to "
    "running) w ciągu ostatnich 7 dni",
    "vip": f"kupił(a) za ponad 1{NBSP}000 zł w ciągu ostatnich 3 miesięcy",
}

ENGLISH = {
    "abandoned_cart": "did add_to_cart in the last 7 days, and no purchase since for at least 2 hours (same cart id)",
    "no_email_opens": "did email_sent in the last 30 days and never did email_open in the last 30 days",
    "vip": "spent more than 1000 PLN on purchase in the last 3 months",
    "topic_readers": "did page_view at least 3 times where Page URL starts with /blog/ and Category is running "
    "in the last 7 days",
}

CATALOG = Catalog.standard(labels=SAMPLE_LABELS)


def example(segment_id: str) -> Segment:
    path = next(p for p in example_segment_files() if p.stem == segment_id)
    return Segment.from_dict(json.loads(path.read_text(encoding="utf-8")))


def test_every_example_has_a_polish_sentence():
    assert sorted(POLISH) == sorted(p.stem for p in example_segment_files())


@pytest.mark.parametrize("segment_id", sorted(POLISH))
def test_example_reads_in_polish(segment_id):
    assert describe(example(segment_id), CATALOG, locale="pl") == POLISH[segment_id]


@pytest.mark.parametrize("segment_id", sorted(ENGLISH))
def test_english_is_unchanged_by_polish_labels(segment_id):
    assert describe(example(segment_id), CATALOG) == ENGLISH[segment_id]


@pytest.mark.parametrize(
    ("rule", "polish"),
    [
        (
            {"attribute": "city", "op": "in", "value": ["Gdańsk", "Gdynia", "Sopot"]},
            "Miasto to Gdańsk, Gdynia lub Sopot",
        ),
        ({"not": {"in_segment": "vip"}}, "nie należy do segmentu 'vip'"),
        ({"not": {"attribute": "city", "op": "eq", "value": "Gdańsk"}}, "nieprawda, że Miasto to Gdańsk"),
        ({"event": "purchase", "op": "eq", "value": 0}, "nigdy nie kupił(a)"),
        ({"event": "purchase", "op": "eq", "value": 1}, "kupił(a) dokładnie 1 raz"),
        (
            {"event": "app_open", "window": {"last": "1d"}, "op": "eq", "value": 0},
            "nie otworzył(a) aplikacji w ciągu ostatniego dnia",
        ),
        ({"attribute": "email_consent", "op": "is_true"}, "Zgoda na e-maile ma wartość: tak"),
        ({"any": []}, "nikt"),
        (
            {"event": "purchase", "window": {"since": {"ago": "1mo"}}, "op": "gte", "value": 2},
            "kupił(a) co najmniej 2 razy od miesiąc temu",
        ),
        (
            {"event": "purchase", "aggregate": {"fn": "last_time"}, "op": "not_within_last", "value": "90d"},
            "ostatni raz kupił(a): data nie przypada w ciągu ostatnich 90 dni",
        ),
        (
            {"event": "purchase", "aggregate": {"fn": "avg", "property": "amount"}, "op": "gt", "value": 150.5},
            "kupił(a), a średnia (Kwota) wynosi więcej niż 150,5",
        ),
    ],
)
def test_rules_read_in_polish(rule, polish):
    assert describe(rule_from_dict(rule), CATALOG, locale="pl") == polish


def test_the_command_line_describes_in_polish_when_asked(tmp_path):
    from click.testing import CliRunner

    from workbench.cli import main
    from workbench.sample.load import load_sample
    from workbench.store.workspace import Workspace

    url = f"duckdb:///{tmp_path / 'shop.duckdb'}"
    load_sample(Workspace(url), 200)
    english = CliRunner().invoke(main, ["--db", url, "describe", "vip"])
    polish = CliRunner().invoke(main, ["--db", url, "describe", "vip", "--locale", "pl"])
    assert english.output.strip() == ENGLISH["vip"]
    assert polish.output.strip() == POLISH["vip"]
    assert CliRunner().invoke(main, ["--db", url, "describe", "vip", "--locale", "de"]).exit_code == 2
