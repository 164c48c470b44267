"""Who a campaign on a channel would reach now: the recipient preview of the launch view.

When the send package (``workbench.send``) is installed, the preview is its gate itself
(``select_audience``): consent, address, unsubscribes, hard bounces, frequency caps and
quiet hours, exactly as a send would apply them at this instant. Without it, the preview
checks what the contacts table alone says: a non-blank address and the channel's consent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from workbench.app.channels import CHANNELS, Channel
from workbench.app.evaluate import Evaluator
from workbench.errors import WorkbenchError
from workbench.i18n import N_, Texts, texts

log = logging.getLogger(__name__)

# The campaign id the send gate is asked about: one that never sends, so "already sent" is 0.
PREVIEW_CAMPAIGN = "wb-app-preview"
GATE_CHECKED = N_("address, consent, unsubscribes, bounces, frequency caps and quiet hours, as a send now would")


@dataclass(frozen=True)
class RecipientPreview:
    """A segment's members on a channel, how many each exclusion reason leaves out, and the rest."""

    segment_id: str
    channel: str
    as_of: datetime
    members: int
    excluded: tuple[tuple[str, int], ...]  # (reason in words, contacts), in the order checked
    recipients: int
    checked: str  # what the preview took into account, in words
    holdout: int = 0  # passed the gate, counted and not messaged (the campaign's holdout)


def check_channel(channel: str) -> Channel:
    if channel not in CHANNELS:
        raise WorkbenchError(f"Unknown channel {channel!r}; choose one of {', '.join(CHANNELS)}.")
    return CHANNELS[channel]


def preview_recipients(
    evaluator: Evaluator, segment_id: str, channel: str, as_of: datetime, t: Texts | None = None
) -> RecipientPreview:
    """The recipient count after consent and suppression, through the send gate when installed;
    the reasons and what was checked are written with ``t`` (default English)."""
    t = t or texts()
    check_channel(channel)
    evaluator.segment(segment_id)  # a deleted segment is a clear message, not a failed query
    gate = _send_gate()
    if gate is not None:
        try:
            return gate(evaluator, segment_id, channel, as_of, t)
        except WorkbenchError:
            raise
        except Exception as exc:  # the send package is optional: its failure must not hide the preview
            log.exception("the send gate failed; previewing with address and consent only")
            preview = consent_preview(evaluator, segment_id, channel, as_of, t)
            checked = t._(
                "{checked}; suppressions could not be checked ({error})",
                checked=preview.checked,
                error=f"{type(exc).__name__}: {exc}",
            )
            return RecipientPreview(**{**preview.__dict__, "checked": checked})
    return consent_preview(evaluator, segment_id, channel, as_of, t)


def consent_preview(
    evaluator: Evaluator, segment_id: str, channel: str, as_of: datetime, t: Texts | None = None
) -> RecipientPreview:
    """Members with a non-blank address and consent for the channel, in one query."""
    t = t or texts()
    spec = check_channel(channel)
    members = evaluator.members(segment_id, as_of)
    contacts = evaluator.contacts()
    joined = contacts.join(members, "contact_id")  # the few on the right: see _planned_as_written
    address = joined[spec.address]
    no_address = address.isnull() | (address.strip() == "")
    no_consent = ~no_address & ~joined[spec.consent].fill_null(False)
    counts = joined.aggregate(
        members=joined.count(),
        no_address=no_address.ifelse(1, 0).sum(),
        no_consent=no_consent.ifelse(1, 0).sum(),
    )
    row = evaluator.workspace.query(lambda _con: counts).iloc[0]
    members_n, no_address_n, no_consent_n = (int(row[key] or 0) for key in ("members", "no_address", "no_consent"))
    return RecipientPreview(
        segment_id,
        channel,
        as_of,
        members_n,
        (
            (t._("has no {address} for the channel", address=spec.address), no_address_n),
            (t._("has not given {consent}", consent=spec.consent), no_consent_n),
        ),
        members_n - no_address_n - no_consent_n,
        t._("address and consent"),
    )


def _send_gate():
    """The send package's gate as a preview function, or None when the package is not there."""
    try:
        from workbench.send.campaigns import Campaign
        from workbench.send.policy import resolve_policy
        from workbench.send.recipients import GATE, select_audience
    except ImportError:
        return None

    def gate(evaluator: Evaluator, segment_id: str, channel: str, as_of: datetime, t: Texts) -> RecipientPreview:
        workspace = evaluator.workspace
        campaign = Campaign(PREVIEW_CAMPAIGN, "Recipient preview", segment_id, channel, "")
        audience = select_audience(workspace, campaign, as_of, resolve_policy(workspace, channel), t=t)
        counts = audience.counts()
        # A preview campaign has never run: "already sent" and "failed earlier" cannot apply.
        excluded = tuple(
            (audience.rules[key], counts[key]) for key in GATE if key not in ("already_sent", "failed_earlier")
        )
        return RecipientPreview(
            segment_id,
            channel,
            as_of,
            counts["members"],
            excluded,
            counts["recipients"],
            t._(GATE_CHECKED),
        )

    return gate
