"""The sample shop's display labels: its own events and properties, in Polish (its language)."""

from __future__ import annotations

from workbench.expr.labels import Labels

SAMPLE_LABELS: dict[str, Labels] = {
    "pl": Labels(
        events={
            "page_view": "wyświetlił(a) stronę",
            "purchase": "kupił(a)",
            "add_to_cart": "dodał(a) do koszyka",
            "app_open": "otworzył(a) aplikację",
            "loyalty_status_change": "zmienił(a) status w programie lojalnościowym",
        },
        negated_events={
            "page_view": "nie wyświetlił(a) strony",
            "purchase": "nie kupił(a)",
            "add_to_cart": "nie dodał(a) do koszyka",
            "app_open": "nie otworzył(a) aplikacji",
            "loyalty_status_change": "nie zmienił(a) statusu w programie lojalnościowym",
        },
        properties={
            "cart_id": "Koszyk",
            "order_id": "Zamówienie",
            "store": "Sklep",
            "subject": "Temat",
            "title": "Tytuł",
            "app_version": "Wersja aplikacji",
            "platform": "Platforma",
            "type": "Rodzaj",
            "from": "Poprzedni status",
            "to": "Nowy status",
        },
    )
}
