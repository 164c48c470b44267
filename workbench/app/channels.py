"""The messaging channels, and what makes a contact reachable on one.

Reach is the send gate's own rule (``workbench.send.recipients.reachable``: an address for
the channel, its consent, no unsubscribe and no hard bounce), never a copy of it, so that
every view counts whom a send would reach. Without the send package (an optional extra)
the app shows no reach.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import ibis.expr.types as ir

from workbench.expr.catalog import Catalog
from workbench.i18n import N_

Reach = Callable[[ir.Table, str], ir.BooleanValue]
"""``reach(base, channel)``: for each row of ``base`` (members joined to ``contacts``),
whether the channel can reach it."""

# messages: shown translated (``t._(REACH_RULES)``)
REACH_RULES = N_("an address and consent for the channel, and no unsubscribe or hard bounce on it")
NO_SEND_PACKAGE = N_("Reach needs the send package: pip install -e '.[send]'.")


@dataclass(frozen=True)
class Channel:
    """A channel's address and consent columns in ``contacts``."""

    key: str
    label: str  # a message: shown translated
    address: str
    consent: str


CHANNELS = {
    "email": Channel("email", N_("Email"), "email", "email_consent"),
    "sms": Channel("sms", "SMS", "phone", "sms_consent"),
    "push": Channel("push", N_("Push"), "push_token", "push_consent"),
}


def reach_rule(catalog: Catalog, as_of: datetime, dialect: str) -> Reach | None:
    """The send gate's reach rule at ``as_of``; None without the send package."""
    try:
        from workbench.send.recipients import reachable
    except ImportError:  # the send extra (jinja2, croniter…) is not installed
        return None

    def reach(base: ir.Table, channel: str) -> ir.BooleanValue:
        return reachable(base, channel, catalog=catalog, as_of=as_of, dialect=dialect)

    return reach
