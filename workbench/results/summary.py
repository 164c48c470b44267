"""Counts and rates of one group of contacts, from outcome rows (see :mod:`.outcomes`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from decimal import Decimal


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class GroupOutcome:
    """What happened to one group (the recipients, the holdout, a breakdown's cell): contacts
    counted once each, whatever the number of their events."""

    contacts: int
    sent: int
    delivered: int
    opened: int
    clicked: int
    unsubscribed: int
    bounced: int
    converted: int
    conversions: int
    revenue: Decimal

    @classmethod
    def of(cls, rows: Iterable[dict]) -> GroupOutcome:
        rows = list(rows)
        flags = ("sent", "delivered", "opened", "clicked", "unsubscribed", "bounced", "converted")
        counts = {flag: sum(1 for r in rows if r[flag]) for flag in flags}
        revenue = sum((Decimal(r["revenue"] or 0) for r in rows), Decimal(0))
        return cls(len(rows), **counts, conversions=sum(r["conversions"] for r in rows), revenue=revenue)

    @property
    def rates(self) -> dict[str, float | None]:
        """Delivery and bounces per sent; opens, clicks and unsubscribes per delivered;
        conversion per contact of the group (None: nobody to divide by)."""
        return {
            "delivery_rate": _rate(self.delivered, self.sent),
            "bounce_rate": _rate(self.bounced, self.sent),
            "open_rate": _rate(self.opened, self.delivered),
            "click_rate": _rate(self.clicked, self.delivered),
            "unsubscribe_rate": _rate(self.unsubscribed, self.delivered),
            "conversion_rate": _rate(self.converted, self.contacts),
        }

    @property
    def revenue_per_contact(self) -> Decimal | None:
        return self.revenue / self.contacts if self.contacts else None

    def to_dict(self) -> dict:
        out = asdict(self) | self.rates
        out["revenue"] = _money(self.revenue)
        per = self.revenue_per_contact
        out["revenue_per_contact"] = None if per is None else _money(round(per, 4))
        return out


def _money(value: Decimal) -> str:
    """An exact amount without the engine's trailing zeros: ``230.75``, ``100``."""
    return format(value.normalize(), "f")
