"""Email over SMTP: one connection per batch, STARTTLS and login as configured.

Reply codes decide what a failure means: 4xx is temporary (retried), 5xx permanent; a 5xx
refusal of the recipient is a hard bounce. A dropped connection is temporary and the next
attempt reconnects.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import formataddr, formatdate, parseaddr

from workbench.send.compose import OutgoingMessage
from workbench.send.errors import ChannelConfigError, MessageError, PermanentError, TransientError
from workbench.send.headers import header_problem
from workbench.send.settings import SmtpSettings

log = logging.getLogger(__name__)


def build_email(message: OutgoingMessage, mail_from: str) -> EmailMessage:
    """The MIME message: text and/or HTML, with List-Unsubscribe (RFC 2369, 8058).

    A recipient's value that cannot be a header (see :mod:`workbench.send.headers`), or
    anything else the email library cannot write, fails this message with
    :class:`MessageError` naming the field; a From address that cannot be a header is the
    configuration's fault and stops the run (:class:`ChannelConfigError`).
    """
    if problem := header_problem(mail_from):
        raise ChannelConfigError(f"WORKBENCH_MAIL_FROM {mail_from!r}: {problem}")
    for field, value in _recipient_headers(message):
        if problem := header_problem(value):
            raise MessageError(f"{field}: {problem}")
    try:
        email = _mime_message(message, mail_from)
        bytes(email)  # written once here, so what the email library refuses fails this message, not the batch
    except Exception as exc:  # building touches no server: whatever fails here is this message's
        raise MessageError(f"the email cannot be written: {type(exc).__name__}: {exc}") from exc
    return email


def _recipient_headers(message: OutgoingMessage) -> list[tuple[str, str]]:
    """(field, value) of the headers whose values come from the recipient and the template."""
    return [
        ("subject", message.content["subject"]),
        ("recipient name (first_name last_name)", message.recipient_name or ""),
        ("address", message.to),
    ]


def _mime_message(message: OutgoingMessage, mail_from: str) -> EmailMessage:
    # An address beyond ASCII needs UTF-8 headers (SMTPUTF8), as smtplib writes them when sending.
    email = EmailMessage(policy=email_policy.default.clone(utf8=not message.to.isascii()))
    email["From"] = mail_from
    email["To"] = formataddr((message.recipient_name or "", message.to))
    email["Subject"] = message.content["subject"]
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = message.message_id
    if message.unsubscribe:
        email["List-Unsubscribe"] = ", ".join(f"<{u}>" for u in message.unsubscribe)
        if any(u.startswith("https://") for u in message.unsubscribe):
            email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email["X-Workbench-Campaign"] = message.campaign_id
    text, html = message.content.get("text"), message.content.get("html")
    if text is not None:
        email.set_content(text)
        if html is not None:
            email.add_alternative(html, subtype="html")
    else:
        email.set_content(html or "", subtype="html")
    return email


class SmtpTransport:
    """Delivers email through one SMTP server."""

    name = "smtp"

    def __init__(self, settings: SmtpSettings, mail_from: str) -> None:
        self.settings = settings
        self.mail_from = mail_from
        self.envelope_from = parseaddr(mail_from)[1]

    @contextmanager
    def session(self) -> Iterator[SmtpSession]:
        session = SmtpSession(self)
        try:
            yield session
        finally:
            session.close()

    def check(self) -> None:
        """Connect (with TLS and login, as a batch would) and hang up, sending nothing;
        ``ChannelConfigError`` says what is wrong, including an unreachable server."""
        session = SmtpSession(self)
        try:
            session.connection = session._connect()
        except TransientError as exc:
            raise ChannelConfigError(f"{exc.reason}; check WORKBENCH_SMTP_URL") from exc
        finally:
            session.close()


class SmtpSession:
    """One SMTP connection, opened on the first message and reopened after a drop."""

    def __init__(self, transport: SmtpTransport) -> None:
        self.transport = transport
        self.connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        cfg = self.transport.settings
        context = ssl.create_default_context(cafile=cfg.ca_file)
        try:
            if cfg.tls == "ssl":
                conn: smtplib.SMTP = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout, context=context)
            else:
                conn = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
            conn.ehlo()
            if cfg.tls in ("require", "auto") and conn.has_extn("starttls"):
                conn.starttls(context=context)
                conn.ehlo()
            elif cfg.tls == "require":
                conn.close()
                raise ChannelConfigError(
                    f"SMTP server {cfg.host}:{cfg.port} does not offer STARTTLS, which is required"
                )
            if cfg.username:
                conn.login(cfg.username, cfg.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            raise ChannelConfigError(
                f"SMTP login as {cfg.username!r} refused: {exc.smtp_code} {exc.smtp_error!r}"
            ) from exc
        except ssl.SSLError as exc:
            raise ChannelConfigError(f"TLS with {cfg.host}:{cfg.port} failed: {exc}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise TransientError(f"cannot connect to SMTP server {cfg.host}:{cfg.port}: {exc}") from exc
        log.debug("connected to %s:%s", cfg.host, cfg.port)
        return conn

    def deliver(self, message: OutgoingMessage) -> str | None:
        email = build_email(message, self.transport.mail_from)  # before connecting: a bad message fails alone
        if self.connection is None:
            self.connection = self._connect()
        try:
            self.connection.send_message(email, from_addr=self.transport.envelope_from, to_addrs=[message.to])
        except smtplib.SMTPNotSupportedError as exc:  # raised before any command: the connection is fine
            raise PermanentError(f"the server cannot take this address: {exc}") from exc
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            reason = f"recipient refused: {code} {_text(text)}"
            if code >= 500:
                raise PermanentError(reason, bounce=True) from exc
            raise TransientError(reason) from exc
        except smtplib.SMTPResponseException as exc:
            self._reset()
            reason = f"{exc.smtp_code} {_text(exc.smtp_error)}"
            if exc.smtp_code >= 500:
                raise PermanentError(reason) from exc
            raise TransientError(reason) from exc
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self._drop()
            raise TransientError(f"connection lost: {exc}") from exc
        return None  # SMTP gives no id; the Message-ID header identifies the message

    def _reset(self) -> None:
        try:
            if self.connection is not None:
                self.connection.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _drop(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()
            finally:
                self.connection = None

    def close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.connection.quit()
            self._drop()


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)
