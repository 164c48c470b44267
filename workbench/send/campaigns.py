"""Campaigns: a segment, a channel and a template, under an id that the send log is keyed by."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from workbench.errors import NotFound, WorkbenchError
from workbench.send.tables import CAMPAIGN_REGISTRY, CAMPAIGNS, SEND_LOG, ensure_tables
from workbench.store.connection import transaction
from workbench.store.statements import insert_arrow, update_where
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


@dataclass(frozen=True)
class Campaign:
    """A campaign's definition. Each contact gets a campaign at most once."""

    campaign_id: str
    name: str
    segment: str
    channel: str
    template: str
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def spec(self) -> ChannelSpec:
        return CHANNELS[self.channel]

    def same_definition(self, other: Campaign) -> bool:
        return (self.segment, self.channel, self.template) == (other.segment, other.channel, other.template)


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


def get_campaign(ws: Workspace, campaign_id: str) -> Campaign:
    """A stored campaign; ``NotFound`` names the stored ones."""
    ensure_tables(ws)
    with ws.connector.reading() as con:
        return Campaign(**CAMPAIGN_REGISTRY.get(con, campaign_id))


def list_campaigns(ws: Workspace) -> list[Campaign]:
    ensure_tables(ws)
    with ws.connector.reading() as con:
        return [Campaign(**r) for r in CAMPAIGN_REGISTRY.rows(con)]


def define_campaign(
    ws: Workspace,
    campaign_id: str,
    *,
    segment: str,
    channel: str,
    template: str | Path,
    name: str | None = None,
) -> Campaign:
    """Store a campaign, or return the stored one when the definition is the same.

    Changing the segment, channel or template of a campaign that has already sent is
    refused: its send log would then describe a different campaign. Use a new id.
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
    with ws.connector.writing() as con, transaction(con):
        campaigns = con.table(CAMPAIGNS.name)
        found = con.to_pyarrow(campaigns.filter(campaigns.campaign_id == campaign_id)).to_pylist()
        if found:
            stored = Campaign(**found[0])
            if stored.same_definition(wanted):
                return stored
            log = con.table(SEND_LOG.name)
            if int(con.execute(log.filter(log.campaign_id == campaign_id).count())):
                raise WorkbenchError(
                    f"campaign {campaign_id!r} already sent as segment {stored.segment}, channel {stored.channel}, "
                    f"template {stored.template}; a campaign's definition cannot change after it sent; "
                    "use a new --campaign id"
                )
            update_where(
                con,
                CAMPAIGNS.name,
                {"segment": wanted.segment, "channel": channel, "template": wanted.template, "updated_at": now},
                campaign_id=campaign_id,
            )
            return Campaign(campaign_id, stored.name, wanted.segment, channel, wanted.template, stored.created_at, now)
        row = pa.Table.from_pylist([wanted.__dict__], schema=CAMPAIGNS.schema.to_pyarrow())
        insert_arrow(con, CAMPAIGNS.name, row)
    return wanted
