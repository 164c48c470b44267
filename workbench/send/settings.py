"""How the process that sends reaches the providers, read from its environment.

Secrets stay out of notebooks: papermill records a notebook's parameters in the audit
record, so server addresses, logins and tokens come from environment variables of the
sending process instead (the kernel inherits those of ``workbench send``).

=============================  ==============================================================
``WORKBENCH_SMTP_URL``         ``smtp://user:password@host:587`` (``smtps://`` for TLS from the
                               first byte); ``?starttls=require|auto|off`` (default: require on
                               port 587, auto elsewhere); default ``smtp://localhost:25``
``WORKBENCH_SMTP_USER``,       the login, instead of putting it in the URL
``WORKBENCH_SMTP_PASSWORD``
``WORKBENCH_SMTP_CA_FILE``     CA bundle that signs the server's certificate (default: system)
``WORKBENCH_MAIL_FROM``        the From address, e.g. ``Sklep <news@shop.example>``
``WORKBENCH_SMS_URL``,         the JSON webhook that takes SMS / push messages
``WORKBENCH_PUSH_URL``
``WORKBENCH_WEBHOOK_TOKEN``    sent as ``Authorization: Bearer …`` to the webhooks
``WORKBENCH_SMS_PROVIDER``,    ``webhook`` (default) or ``package.module:Class``, a
``WORKBENCH_PUSH_PROVIDER``    :class:`~workbench.send.channels.webhook.ProviderAdapter`
``WORKBENCH_UNSUBSCRIBE_URL``  ``https://shop.example/unsub?c={campaign_id}&u={contact_id}``
``WORKBENCH_UNSUBSCRIBE_MAILTO`` the address of mailto unsubscribes (default: the From address)
``WORKBENCH_OUTBOX``           where dry runs write messages (default ``outbox``)
``WORKBENCH_TRACKER``          see :mod:`workbench.send.tracking`
=============================  ==============================================================
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from workbench.send.errors import ChannelConfigError


@dataclass(frozen=True)
class SmtpSettings:
    """An SMTP server and how to talk to it."""

    host: str = "localhost"
    port: int = 25
    tls: str = "auto"  # "ssl" (TLS from the start), "require" / "auto" / "off" (STARTTLS)
    username: str | None = None
    password: str | None = None
    ca_file: str | None = None
    timeout: float = 30.0

    @classmethod
    def from_url(cls, url: str, **overrides: str | None) -> SmtpSettings:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ChannelConfigError(f"WORKBENCH_SMTP_URL {url!r} must start with smtp:// or smtps://")
        port = parts.port or (465 if parts.scheme == "smtps" else 25)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        tls = "ssl" if parts.scheme == "smtps" else query.get("starttls", "require" if port == 587 else "auto")
        if tls not in ("ssl", "require", "auto", "off"):
            raise ChannelConfigError(f"starttls={tls!r} in WORKBENCH_SMTP_URL; use require, auto or off")
        return cls(
            host=parts.hostname or "localhost",
            port=port,
            tls=tls,
            username=overrides.get("username") or (unquote(parts.username) if parts.username else None),
            password=overrides.get("password") or (unquote(parts.password) if parts.password else None),
            ca_file=overrides.get("ca_file"),
            timeout=float(query.get("timeout", 30)),
        )


@dataclass(frozen=True)
class SendSettings:
    """Everything the channels need from outside the store."""

    smtp: SmtpSettings
    mail_from: str
    sms_url: str | None = None
    push_url: str | None = None
    webhook_token: str | None = None
    sms_provider: str = "webhook"
    push_provider: str = "webhook"
    unsubscribe_url: str | None = None
    unsubscribe_mailto: str | None = None
    outbox: Path = Path("outbox")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SendSettings:
        env = os.environ if env is None else env
        smtp = SmtpSettings.from_url(
            env.get("WORKBENCH_SMTP_URL", "smtp://localhost:25"),
            username=env.get("WORKBENCH_SMTP_USER"),
            password=env.get("WORKBENCH_SMTP_PASSWORD"),
            ca_file=env.get("WORKBENCH_SMTP_CA_FILE"),
        )
        mail_from = env.get("WORKBENCH_MAIL_FROM", "Segment Workbench <no-reply@localhost>")
        if "@" not in parseaddr(mail_from)[1]:
            raise ChannelConfigError(f"WORKBENCH_MAIL_FROM {mail_from!r} is not an email address")
        return cls(
            smtp=smtp,
            mail_from=mail_from,
            sms_url=env.get("WORKBENCH_SMS_URL"),
            push_url=env.get("WORKBENCH_PUSH_URL"),
            webhook_token=env.get("WORKBENCH_WEBHOOK_TOKEN"),
            sms_provider=env.get("WORKBENCH_SMS_PROVIDER", "webhook"),
            push_provider=env.get("WORKBENCH_PUSH_PROVIDER", "webhook"),
            unsubscribe_url=env.get("WORKBENCH_UNSUBSCRIBE_URL"),
            unsubscribe_mailto=env.get("WORKBENCH_UNSUBSCRIBE_MAILTO") or parseaddr(mail_from)[1],
            outbox=Path(env.get("WORKBENCH_OUTBOX", "outbox")),
        )

    @property
    def sender_domain(self) -> str:
        return parseaddr(self.mail_from)[1].rpartition("@")[2] or "localhost"
