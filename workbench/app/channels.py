"""The messaging channels, and what makes a contact reachable on one."""

from __future__ import annotations

from dataclasses import dataclass

import ibis.expr.types as ir


@dataclass(frozen=True)
class Channel:
    """A channel's address and consent columns in ``contacts``."""

    key: str
    label: str
    address: str
    consent: str

    def reachable(self, contacts: ir.Table) -> ir.BooleanValue:
        """True for a contact with a non-blank address who consented to the channel."""
        address = contacts[self.address]
        return address.notnull() & (address.strip() != "") & contacts[self.consent].fill_null(False)


CHANNELS = {
    "email": Channel("email", "Email", "email", "email_consent"),
    "sms": Channel("sms", "SMS", "phone", "sms_consent"),
    "push": Channel("push", "Push", "push_token", "push_consent"),
}
