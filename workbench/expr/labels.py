"""Display labels of fields, events and event properties, per locale.

A label is what a marketer reads in place of a raw name: ``Miasto`` for ``city``,
``kupił(a)`` for ``purchase``. Polish event labels are verb phrases in the past tense with
the gender-neutral ``(a)`` ending, so that a rule reads as a sentence about a contact
(``kupił(a) w ciągu ostatnich 3 miesięcy``); since Polish negation changes the object's
case (``otworzył(a) aplikację`` / ``nie otworzył(a) aplikacji``), an event may also have a
negated label. English event labels default to the raw names, which analysts know.

Labels are data, not messages: a workspace adds its own (its event names are its own),
over the standard ones below.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields


@dataclass(frozen=True)
class Labels:
    """Labels in one locale, by raw name."""

    fields: Mapping[str, str] = field(default_factory=dict)
    events: Mapping[str, str] = field(default_factory=dict)
    negated_events: Mapping[str, str] = field(default_factory=dict)
    properties: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, dict[str, str]]:
        return {f.name: dict(getattr(self, f.name)) for f in fields(self) if getattr(self, f.name)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Mapping[str, str]]) -> Labels:
        return cls(**{f.name: dict(data.get(f.name, {})) for f in fields(cls)})

    def merged(self, other: Labels) -> Labels:
        """These labels with ``other``'s added over them."""
        return Labels(**{f.name: {**getattr(self, f.name), **getattr(other, f.name)} for f in fields(self)})


STANDARD_LABELS: dict[str, Labels] = {
    "pl": Labels(
        fields={
            "contact_id": "Identyfikator kontaktu",
            "email": "Adres e-mail",
            "phone": "Numer telefonu",
            "push_token": "Token push",
            "first_name": "Imię",
            "last_name": "Nazwisko",
            "gender": "Płeć",
            "birth_date": "Data urodzenia",
            "city": "Miasto",
            "country": "Kraj",
            "language": "Język",
            "status": "Status klienta",
            "tags": "Tagi",
            "email_consent": "Zgoda na e-maile",
            "sms_consent": "Zgoda na SMS-y",
            "push_consent": "Zgoda na powiadomienia push",
            "created_at": "Data zapisu",
            "updated_at": "Data ostatniej zmiany",
        },
        # the messaging events of SPEC §1: every workspace has them
        events={
            "email_sent": "dostał(a) e-mail",
            "email_open": "otworzył(a) e-mail",
            "email_click": "kliknął/kliknęła w link w e-mailu",
            "sms_sent": "dostał(a) SMS",
            "sms_click": "kliknął/kliknęła w link w SMS-ie",
            "push_sent": "dostał(a) powiadomienie push",
            "push_open": "otworzył(a) powiadomienie push",
            "bounce": "miał(a) odbitą wiadomość",
            "unsubscribe": "wypisał(a) się",
        },
        negated_events={
            "email_sent": "nie dostał(a) e-maila",
            "email_open": "nie otworzył(a) e-maila",
            "email_click": "nie kliknął/nie kliknęła w link w e-mailu",
            "sms_sent": "nie dostał(a) SMS-a",
            "sms_click": "nie kliknął/nie kliknęła w link w SMS-ie",
            "push_sent": "nie dostał(a) powiadomienia push",
            "push_open": "nie otworzył(a) powiadomienia push",
            "bounce": "nie miał(a) odbitej wiadomości",
            "unsubscribe": "nie wypisał(a) się",
        },
        properties={
            "source": "Źródło",
            "name": "Nazwa zdarzenia",
            "url": "Adres strony",
            "category": "Kategoria",
            "product_id": "Produkt",
            "campaign_id": "Kampania",
            "channel": "Kanał",
            "currency": "Waluta",
            "amount": "Kwota",
            "duration_s": "Czas na stronie (s)",
            "quantity": "Liczba sztuk",
            "anonymous_id": "Identyfikator anonimowy",
            "ts": "Czas",
        },
    ),
}
