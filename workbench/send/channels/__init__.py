"""Channels: how a rendered message reaches a person.

A :class:`Transport` opens a :class:`Session` per batch (one SMTP connection, one HTTP
keep-alive connection) whose ``deliver`` sends one message and returns the provider's id,
or raises :class:`~workbench.send.errors.TransientError` (retry later) or
:class:`~workbench.send.errors.PermanentError` (never for this recipient).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol

from workbench.send.compose import OutgoingMessage
from workbench.send.settings import SendSettings


class Session(Protocol):
    """One batch's connection to a provider."""

    def deliver(self, message: OutgoingMessage) -> str | None:
        """Send one message; the provider's id for it, if it gives one."""
        ...


class Transport(Protocol):
    """A way to deliver a channel's messages."""

    name: str

    def session(self) -> AbstractContextManager[Session]:
        """A connection for one batch, closed at the end of the block."""
        ...


def open_transport(
    channel: str, settings: SendSettings, *, dry_run: bool = False, outbox: Path | None = None
) -> Transport:
    """The transport for ``channel``: the outbox for dry runs, else SMTP or the HTTP provider."""
    from workbench.send.channels.outbox import OutboxTransport
    from workbench.send.channels.smtp import SmtpTransport
    from workbench.send.channels.webhook import HttpTransport, provider_for

    if dry_run:
        return OutboxTransport(outbox or settings.outbox, settings.mail_from)
    if channel == "email":
        return SmtpTransport(settings.smtp, settings.mail_from)
    return HttpTransport(provider_for(channel, settings))


__all__ = ["Session", "Transport", "open_transport"]
