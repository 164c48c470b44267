"""A campaign's results as of an instant: the outcome table run on the store, summed per group,
compared by :func:`~workbench.results.lift.lift`, and broken down by channel, day and segment."""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa

from workbench.expr.context import CompileContext
from workbench.expr.timeutil import Duration, instant_or_now
from workbench.results.lift import Lift, lift
from workbench.results.outcomes import HOLDOUT, RECIPIENT, outcome_table
from workbench.results.summary import GroupOutcome
from workbench.send.campaigns import Campaign, get_campaign
from workbench.send.tables import ensure_tables
from workbench.store.workspace import Workspace

DAY_SECONDS = 86400


def _context(ws: Workspace, dialect: str) -> CompileContext:
    saved = {s.id: s.segment for s in ws.segments()}
    return CompileContext(ws.catalog, saved.__getitem__, dialect)


def outcome_expression(ws: Workspace, campaigns: Sequence[Campaign], as_of: datetime | str | None = None) -> ir.Table:
    """The outcome table of ``campaigns`` at ``as_of`` as an unbound Ibis expression for the
    store's engine (``ibis.to_sql(expr, dialect=ws.dialect)`` shows the SQL that runs)."""
    return outcome_table(campaigns, instant_or_now(as_of), _context(ws, ws.dialect))


def outcome_rows(ws: Workspace, campaigns: Sequence[Campaign], as_of: datetime | str | None = None) -> pa.Table:
    """The outcome table of ``campaigns`` at ``as_of`` (default now), run on the store."""
    ensure_tables(ws)
    at = instant_or_now(as_of)
    with ws.connector.reading() as con:
        return con.to_pyarrow(outcome_table(campaigns, at, _context(ws, con.name)))


@dataclass(frozen=True)
class Cell:
    """One breakdown cell: its key, both groups and their lift."""

    key: Hashable
    recipients: GroupOutcome
    holdout: GroupOutcome
    lift: Lift

    def to_dict(self) -> dict:
        return {
            "key": self.key,
            "recipients": self.recipients.to_dict(),
            "holdout": self.holdout.to_dict(),
            "lift": self.lift.to_dict(),
        }


def compare(rows: Iterable[dict], key: Hashable = None) -> Cell:
    """Both groups of ``rows`` summed and compared."""
    rows = list(rows)
    mine = [r for r in rows if r["group"] == RECIPIENT]
    held = [r for r in rows if r["group"] == HOLDOUT]
    treated, control = GroupOutcome.of(mine), GroupOutcome.of(held)
    measured = lift(
        treated.converted,
        treated.contacts,
        control.converted,
        control.contacts,
        [r["revenue"] for r in mine],
        [r["revenue"] for r in held],
    )
    return Cell(key, treated, control, measured)


def breakdown(rows: Iterable[dict], key: Callable[[dict], Hashable]) -> list[Cell]:
    """One cell per value of ``key(row)``, in order of the values."""
    cells: dict[Hashable, list[dict]] = {}
    for row in rows:
        cells.setdefault(key(row), []).append(row)
    return [compare(group, k) for k, group in sorted(cells.items(), key=lambda kv: str(kv[0]))]


@dataclass(frozen=True)
class CampaignResults:
    """What a campaign achieved as of ``as_of``: see ``docs/results.md`` for every definition."""

    campaign: Campaign
    as_of: datetime
    rows: list[dict]  # the outcome table, one row per contact

    @cached_property
    def overall(self) -> Cell:
        """Both groups and their lift, computed once (each group, the lift and the views read it)."""
        return compare(self.rows, "all")

    @property
    def recipients(self) -> GroupOutcome:
        return self.overall.recipients

    @property
    def holdout(self) -> GroupOutcome:
        return self.overall.holdout

    @property
    def lift(self) -> Lift:
        return self.overall.lift

    def by_channel(self) -> list[Cell]:
        return breakdown(self.rows, lambda r: r["channel"])

    def by_day(self) -> pd.DataFrame:
        """Contacts converted by the end of each day since their message (day 0: the first 24
        hours, its end included), cumulative, per group, up to the attribution window."""
        days = max(1, math.ceil(Duration.parse(self.campaign.attribution).seconds / DAY_SECONDS))
        lines = []
        for group in (RECIPIENT, HOLDOUT):
            mine = [r for r in self.rows if r["group"] == group]
            first_days = [_day(r["first_conversion_at"], r["at"]) for r in mine if r["first_conversion_at"] is not None]
            for day in range(days):
                converted = sum(1 for d in first_days if d <= day)
                rate = converted / len(mine) if mine else None
                lines.append({"day": day, "group": group, "contacts": len(mine), "converted": converted, "rate": rate})
        return pd.DataFrame(lines, columns=["day", "group", "contacts", "converted", "rate"])

    def by_segment(self, ws: Workspace, segment: str, at: datetime | None = None) -> list[Cell]:
        """Members of ``segment`` against the others, each with both groups and their lift.
        Membership is evaluated at ``at``, by default the campaign's first message (what the
        contacts were when it went out)."""
        moments = [r["at"] for r in self.rows]
        when = at or (min(moments) if moments else self.as_of)
        members = set(ws.members(segment, as_of=when))
        return breakdown(self.rows, lambda r: "member" if r["contact_id"] in members else "other")

    def funnel(self) -> pd.DataFrame:
        """The recipients' funnel (sent, delivered, opened, clicked, converted) and the holdout's conversions."""
        rec, hold = self.recipients, self.holdout
        steps = [
            ("sent", rec.sent, None),
            ("delivered", rec.delivered, None),
            ("opened", rec.opened, None),
            ("clicked", rec.clicked, None),
            ("converted", rec.converted, hold.converted),
        ]
        return pd.DataFrame(
            [
                {"step": step, "recipients": n, "holdout": h, "rate": n / rec.contacts if rec.contacts else None}
                for step, n, h in steps
            ]
        )

    def metrics(self) -> pd.DataFrame:
        """Every number of the results as one table (what the CSV download holds)."""
        lines = []
        for name, group in ((RECIPIENT, self.recipients), (HOLDOUT, self.holdout)):
            for metric, value in group.to_dict().items():
                lines.append(
                    {"campaign_id": self.campaign.campaign_id, "group": name, "metric": metric, "value": value}
                )
        for metric, value in self.lift.to_dict().items():
            if isinstance(value, tuple):
                for end, v in zip(("low", "high"), value, strict=True):
                    lines.append(
                        {
                            "campaign_id": self.campaign.campaign_id,
                            "group": "lift",
                            "metric": f"{metric}_{end}",
                            "value": v,
                        }
                    )
            else:
                lines.append(
                    {"campaign_id": self.campaign.campaign_id, "group": "lift", "metric": metric, "value": value}
                )
        return pd.DataFrame(lines, columns=["campaign_id", "group", "metric", "value"])

    def to_dict(self) -> dict:
        return {
            "campaign_id": self.campaign.campaign_id,
            "channel": self.campaign.channel,
            "as_of": self.as_of.isoformat(),
            "conversion_event": self.campaign.conversion_event,
            "conversion_where": self.campaign.conversion_where,
            "attribution": self.campaign.attribution,
            "holdout_share": self.campaign.holdout,
            "recipients": self.recipients.to_dict(),
            "holdout": self.holdout.to_dict(),
            "lift": self.lift.to_dict(),
            "by_day": self.by_day().to_dict(orient="records"),
        }


def _day(later: datetime, earlier: datetime) -> int:
    """Day 0 is (0, 24 h] after the message, day 1 (24 h, 48 h]…: the window's edges."""
    return max(0, math.ceil((later - earlier).total_seconds() / DAY_SECONDS) - 1)


def campaign_results(ws: Workspace, campaign: Campaign | str, as_of: datetime | str | None = None) -> CampaignResults:
    """The results of a stored campaign (or a :class:`Campaign` given whole) at ``as_of`` (default now)."""
    campaign = get_campaign(ws, campaign) if isinstance(campaign, str) else campaign
    return many_results(ws, [campaign], as_of)[0]


def many_results(
    ws: Workspace, campaigns: Sequence[Campaign], as_of: datetime | str | None = None
) -> list[CampaignResults]:
    """The results of each of ``campaigns`` at ``as_of`` (default now), from one query of the
    store (a list of campaigns is one outcome table, not one query each)."""
    at = instant_or_now(as_of)
    if not campaigns:
        return []
    mine: dict[str, list[dict]] = {c.campaign_id: [] for c in campaigns}
    for row in outcome_rows(ws, campaigns, at).to_pylist():
        # a triggered occurrence is "<campaign>.<seq>"; campaign ids never hold a dot
        mine[row["campaign_id"].split(".", 1)[0]].append(row)
    return [CampaignResults(c, at, mine[c.campaign_id]) for c in campaigns]
