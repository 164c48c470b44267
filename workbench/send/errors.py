"""Errors of campaign sends: each says what went wrong and what to do about it."""

from __future__ import annotations

from workbench.errors import WorkbenchError


class TemplateError(WorkbenchError):
    """A template that cannot be used: missing part, syntax error, unknown variable."""


class TemplateLimitError(TemplateError):
    """Rendering went past a limit on size or work (see :mod:`workbench.send.limits`): during a
    send that recipient fails; when checking or previewing a template, the template is refused."""


class ChannelConfigError(WorkbenchError):
    """A channel that cannot work as configured (no server, refused login, no TLS); stops the run."""


class DeliveryError(Exception):
    """One message could not be delivered; raised by a channel session, handled by the send loop."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TransientError(DeliveryError):
    """Worth retrying: the provider is busy, down or the connection dropped."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class PermanentError(DeliveryError):
    """Never worth retrying for this recipient (bad address, refused by the provider).

    ``bounce`` marks a refusal of the address itself, recorded as a hard ``bounce`` event so
    that later sends exclude it.
    """

    def __init__(self, reason: str, bounce: bool = False) -> None:
        super().__init__(reason)
        self.bounce = bounce


class MessageError(PermanentError):
    """This recipient's message cannot be put in the channel's form — a header value with a line
    break, an address the channel cannot carry — so it fails without being handed over, and the
    run goes on. ``reason`` names the field."""


class ProviderUnavailable(WorkbenchError):
    """The provider kept failing for message after message; the run stopped so a re-run can resume."""
