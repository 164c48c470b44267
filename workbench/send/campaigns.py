"""Campaigns: a segment, a channel and a template, under an id that the send log is keyed by."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
from ibis.backends import BaseBackend

from workbench.errors import NotFound, WorkbenchError
from workbench.expr.timeutil import Duration
from workbench.send.holdout import check_share
from workbench.send.tables import CAMPAIGN_OPTIONS, CAMPAIGN_REGISTRY, CAMPAIGNS, SEND_LOG, ensure_tables
from workbench.store.connection import transaction
from workbench.store.statements import delete_where, insert_arrow, update_where
from workbench.store.workspace import Workspace

CAMPAIGN_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")


@dataclass(frozen=True)
class ChannelSpec:
    """What a channel needs from a contact, and the messaging event a send of it records."""

    name: str
    address: str  # the contacts column holding the address
    consent: str  # the contacts column holding the consent
    sent_event: str  # the messaging event recorded for each message sent


CHANNELS = {
    "email": ChannelSpec("email", "email", "email_consent", "email_sent"),
    "sms": ChannelSpec("sms", "phone", "sms_consent", "sms_sent"),
    "push": ChannelSpec("push", "push_token", "push_consent", "push_sent"),
}


DEFAULT_CONVERSION = "purchase"
DEFAULT_ATTRIBUTION = "5d"


@dataclass(frozen=True)
class Campaign:
    """A campaign's definition. Each contact gets a campaign at most once.

    ``holdout`` is the share of eligible recipients counted but not messaged, chosen by a hash
    of (``holdout_key``, contact) (see :mod:`workbench.send.holdout`; the key defaults to the
    id); ``reach_control`` lets the campaign message the workspace's global control group.
    ``conversion_event``, ``conversion_where`` (a JSON list of segment property filters) and
    ``attribution`` (a DURATION) say what its results count as a conversion.
    """

    campaign_id: str
    name: str
    segment: str
    channel: str
    template: str
    created_at: datetime | None = None
    updated_at: datetime | None = None
    holdout: float = 0.0
    holdout_key: str = ""
    reach_control: bool = False
    conversion_event: str = DEFAULT_CONVERSION
    conversion_where: str | None = None
    attribution: str = DEFAULT_ATTRIBUTION

    def __post_init__(self) -> None:
        if not self.holdout_key:
            object.__setattr__(self, "holdout_key", self.campaign_id)

    @property
    def spec(self) -> ChannelSpec:
        return CHANNELS[self.channel]

    def same_definition(self, other: Campaign) -> bool:
        """Whether the two send the same thing to the same people (results options aside)."""
        return self._sent_as() == other._sent_as()

    def _sent_as(self) -> tuple:
        return (self.segment, self.channel, self.template, self.holdout, self.holdout_key, self.reach_control)

    def options_row(self) -> dict:
        """The campaign's row of ``wb_campaign_options``."""
        return {
            "campaign_id": self.campaign_id,
            "holdout": float(self.holdout),
            "holdout_key": self.holdout_key,
            "reach_control": bool(self.reach_control),
            "conversion_event": self.conversion_event,
            "conversion_where": self.conversion_where,
            "attribution": self.attribution,
        }


def check_channel(channel: str) -> ChannelSpec:
    """The channel's spec, or a clear error naming the valid channels."""
    if channel not in CHANNELS:
        raise WorkbenchError(f"unknown channel {channel!r}; use one of {', '.join(CHANNELS)}")
    return CHANNELS[channel]


def check_campaign_id(campaign_id: str) -> str:
    if not CAMPAIGN_ID_RE.match(campaign_id):
        raise WorkbenchError(
            f"{campaign_id!r} is not a valid campaign id (lower-case letters, digits, '_' and '-', at most 100)"
        )
    return campaign_id


def default_campaign_id(segment_id: str, channel: str, template: str | Path) -> str:
    """A stable id for a send given without ``--campaign``, so a re-run continues the same campaign."""
    stem = Path(template).stem or Path(template).name
    raw = f"{segment_id}-{channel}-{stem}".lower()
    return re.sub(r"[^a-z0-9_-]+", "-", raw).strip("-")[:100]


def _segment_ref(segment: str) -> str:
    """Saved ids stay ids; document paths become absolute so schedules find them from any folder."""
    if segment.endswith(".json") or "/" in segment:
        return str(Path(segment).resolve())
    return segment


def _with_options(con: BaseBackend, rows: list[dict]) -> list[Campaign]:
    """Campaigns from their ``wb_campaigns`` rows and their options (defaults when none)."""
    options = CAMPAIGN_OPTIONS.unbound()
    ids = [r["campaign_id"] for r in rows]
    found = con.to_pyarrow(options.filter(options.campaign_id.isin(ids))).to_pylist() if ids else []
    by_id = {o.pop("campaign_id"): o for o in found}
    return [Campaign(**r, **by_id.get(r["campaign_id"], {})) for r in rows]


def get_campaign(ws: Workspace, campaign_id: str) -> Campaign:
    """A stored campaign; ``NotFound`` names the stored ones."""
    ensure_tables(ws)
    with ws.connector.reading() as con:
        return _with_options(con, [CAMPAIGN_REGISTRY.get(con, campaign_id)])[0]


def list_campaigns(ws: Workspace) -> list[Campaign]:
    ensure_tables(ws)
    with ws.connector.reading() as con:
        return _with_options(con, CAMPAIGN_REGISTRY.rows(con))


def _check_options(campaign: Campaign) -> None:
    check_share(campaign.holdout)
    check_campaign_id(campaign.holdout_key)
    try:
        window = Duration.parse(campaign.attribution)
    except ValueError as exc:
        raise WorkbenchError(f"attribution window: {exc}") from None
    if window.is_calendar:  # a fixed length, so that every contact's window is as long
        raise WorkbenchError(f"attribution window {campaign.attribution!r}: use s, m, h, d or w, not months or years")
    if campaign.conversion_where is not None:
        try:
            where = json.loads(campaign.conversion_where)
        except ValueError:
            where = None
        if not isinstance(where, list):
            raise WorkbenchError("conversion_where must be a JSON list of property filters")


def _write_options(con: BaseBackend, campaign: Campaign) -> None:
    delete_where(con, CAMPAIGN_OPTIONS.name, campaign_id=campaign.campaign_id)
    insert_arrow(con, CAMPAIGN_OPTIONS.name, CAMPAIGN_OPTIONS.arrow([campaign.options_row()]))


def define_campaign(
    ws: Workspace,
    campaign_id: str,
    *,
    segment: str,
    channel: str,
    template: str | Path,
    name: str | None = None,
    holdout: float | None = None,
    holdout_key: str | None = None,
    reach_control: bool | None = None,
    conversion_event: str | None = None,
    conversion_where: list[dict] | str | None = None,
    attribution: str | None = None,
) -> Campaign:
    """Store a campaign, or return the stored one when the definition is the same.

    Changing the segment, channel, template or holdout of a campaign that has already sent is
    refused: its send log would then describe a different campaign. Use a new id. The options
    given as None keep their stored value (a new campaign: no holdout, conversions are
    ``purchase`` events within 5 days); the results options may change at any time.
    """
    check_campaign_id(campaign_id)
    check_channel(channel)
    template_path = Path(template).resolve()
    if not template_path.exists():
        raise NotFound(f"no template at {template_path}")
    ensure_tables(ws)
    ws.segment(segment)  # the segment must exist (saved id or document path)
    now = datetime.now(UTC)
    wanted = Campaign(campaign_id, name or campaign_id, _segment_ref(segment), channel, str(template_path), now, now)
    given = {
        "holdout": holdout,
        "holdout_key": holdout_key,
        "reach_control": reach_control,
        "conversion_event": conversion_event,
        "conversion_where": json.dumps(conversion_where) if isinstance(conversion_where, list) else conversion_where,
        "attribution": attribution,
    }
    given = {k: v for k, v in given.items() if v is not None}
    with ws.connector.writing() as con, transaction(con):
        campaigns = con.table(CAMPAIGNS.name)
        found = con.to_pyarrow(campaigns.filter(campaigns.campaign_id == campaign_id)).to_pylist()
        if found:
            stored = _with_options(con, found)[0]
            wanted = replace(wanted, **{k: getattr(stored, k) for k in stored.options_row() if k != "campaign_id"})
            wanted = replace(wanted, **given)
            _check_options(wanted)
            if stored.same_definition(wanted):
                if wanted.options_row() != stored.options_row():
                    _write_options(con, wanted)
                return replace(stored, **given)
            log = con.table(SEND_LOG.name)
            if int(con.execute(log.filter(log.campaign_id == campaign_id).count())):
                raise WorkbenchError(
                    f"campaign {campaign_id!r} already sent as segment {stored.segment}, channel {stored.channel}, "
                    f"template {stored.template}, holdout {stored.holdout:g}; a campaign's definition cannot change "
                    "after it sent; use a new --campaign id"
                )
            update_where(
                con,
                CAMPAIGNS.name,
                {"segment": wanted.segment, "channel": channel, "template": wanted.template, "updated_at": now},
                campaign_id=campaign_id,
            )
            _write_options(con, wanted)
            return replace(wanted, name=stored.name, created_at=stored.created_at)
        wanted = replace(wanted, **given)
        _check_options(wanted)
        row = {k: getattr(wanted, k) for k in CAMPAIGNS.schema.names}
        insert_arrow(con, CAMPAIGNS.name, pa.Table.from_pylist([row], schema=CAMPAIGNS.schema.to_pyarrow()))
        _write_options(con, wanted)
    return wanted
