"""Real components for the send tests, and an independent reading of the gate.

- :class:`SmtpSink`: a real SMTP server (aiosmtpd) on localhost, optionally with STARTTLS and
  a required login; it parses and keeps every message, can refuse addresses with 550 and can
  run a hook when a client starts a new message (the crash test kills the sender there).
- :class:`ProviderServer`: an HTTP provider (http.server in a thread) answering from a
  script of status codes per address, keeping every request.
- :func:`build_store`: the sample shop plus hand-made contacts, one per exclusion reason.
- :func:`expected_reasons`: the gate computed in plain Python from the contacts and events
  rows, without the workbench's query code.
- ``python -m tests.send_support send …``: a send run in its own process, for the crash test.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import shutil
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.network import free_port
from tests.reference import evaluate
from workbench.sample import SAMPLE_AS_OF
from workbench.sample.load import load_sample
from workbench.store.workspace import Workspace

AS_OF = SAMPLE_AS_OF
SEGMENT_ID = "send_test"
SEGMENT_RULE = {
    "any": [
        {"attribute": "city", "op": "eq", "value": "Testowo"},
        {"event": "purchase", "window": {"last": "90d"}},
    ]
}
SMTP_USER, SMTP_PASSWORD = "sender", "s3cret"
CHANNEL_COLUMNS = {
    "email": ("email", "email_consent"),
    "sms": ("phone", "sms_consent"),
    "push": ("push_token", "push_consent"),
}


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost (openssl)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


# --- SMTP -----------------------------------------------------------------------------------


@dataclass
class SmtpSink:
    """An aiosmtpd server on 127.0.0.1 keeping parsed messages."""

    certificate: tuple[Path, Path] | None = None
    require_login: bool = False
    refuse: frozenset[str] = frozenset()
    on_new_message: Callable[[int], None] | None = None  # called at MAIL FROM with the count so far
    messages: list[email.message.EmailMessage] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    connections: set[tuple] = field(default_factory=set)
    logins: list[str] = field(default_factory=list)
    tls_sessions: int = 0

    def __enter__(self) -> SmtpSink:
        self.port = free_port()
        kwargs: dict = {}
        if self.certificate:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*map(str, self.certificate))
            kwargs |= {"tls_context": context, "require_starttls": True}
        if self.require_login:
            kwargs |= {"authenticator": self._authenticate, "auth_required": True, "auth_require_tls": True}
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, **kwargs)
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and auth_data == LoginPassword(
            SMTP_USER.encode(), SMTP_PASSWORD.encode()
        )
        if ok:
            self.logins.append(SMTP_USER)
        return AuthResult(success=ok)

    async def handle_MAIL(self, server, session, envelope, address, options):  # noqa: N802 - the names aiosmtpd calls
        if self.on_new_message is not None:
            self.on_new_message(len(self.messages))
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802 - the names aiosmtpd calls
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - the names aiosmtpd calls
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)
        self.recipients.extend(envelope.rcpt_tos)
        self.connections.add(session.peer)
        if session.ssl is not None:
            self.tls_sessions += 1
        return "250 OK"

    def env(self, ca_file: Path | None = None) -> dict[str, str]:
        """The environment that points the workbench at this server."""
        values = {
            "WORKBENCH_SMTP_URL": f"smtp://127.0.0.1:{self.port}?starttls={'require' if self.certificate else 'off'}",
            "WORKBENCH_MAIL_FROM": "Sklep Testowy <news@shop.example>",
            "WORKBENCH_UNSUBSCRIBE_URL": "https://shop.example/unsubscribe?c={campaign_id}&u={contact_id}",
        }
        if self.require_login:
            values |= {"WORKBENCH_SMTP_USER": SMTP_USER, "WORKBENCH_SMTP_PASSWORD": SMTP_PASSWORD}
        if ca_file is not None:
            values["WORKBENCH_SMTP_CA_FILE"] = str(ca_file)
        return values


# --- HTTP provider ----------------------------------------------------------------------------


@dataclass
class ProviderServer:
    """A JSON webhook provider; ``script`` maps an address to the statuses it answers in turn."""

    script: dict[str, list[int]] = field(default_factory=dict)
    requests: list[dict] = field(default_factory=list)

    def __enter__(self) -> ProviderServer:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real providers

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                statuses = provider.script.get(body["to"])
                status = statuses.pop(0) if statuses else 200
                provider.requests.append({"headers": dict(self.headers), "json": body, "status": status})
                reply = json.dumps({"id": f"prov-{len(provider.requests)}"} if status == 200 else {"error": "no"})
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                if status == 503:
                    self.send_header("Retry-After", "0")
                self.end_headers()
                self.wfile.write(reply.encode())

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/messages"


# --- the shop -----------------------------------------------------------------------------------


def contact_row(contact_id: str, first_name: str, **extra) -> dict:
    """A contact of the test shop in Testowo (so a member of ``send_test``), with consent on every channel."""
    base = {
        "contact_id": contact_id,
        "email": f"{contact_id}@example.org",
        "phone": "+4860000" + contact_id[-4:].replace("_", "0"),
        "push_token": f"tok-{contact_id}",
        "first_name": first_name,
        "last_name": "Testowy",
        "city": "Testowo",
        "country": "PL",
        "email_consent": True,
        "sms_consent": True,
        "push_consent": True,
        "created_at": datetime(2026, 1, 5, tzinfo=UTC),
        "updated_at": datetime(2026, 1, 5, tzinfo=UTC),
    }
    return base | extra


HAND_MADE = {
    # contact_id: (the reason it is built to hit on email, or None for a recipient)
    "t_ok_1": None,
    "t_ok_2": None,
    "t_no_address": "no_address",
    "t_no_consent": "no_consent",
    "t_unsub": "unsubscribed",
    "t_unsub_all": "unsubscribed",
    "t_hard_bounce": "bounced",
    "t_soft_bounce": None,
    "t_cap_day": "frequency_cap",
    "t_cap_week": "frequency_cap",
    "t_cap_old": None,
}


def _hand_made_rows() -> tuple[list[dict], list[dict]]:
    contacts = [
        contact_row("t_ok_1", "Zofia"),
        contact_row("t_ok_2", "Jan"),
        contact_row("t_no_address", "Ala", email=None, phone=None, push_token=None),
        contact_row("t_no_consent", "Ola", email_consent=False, sms_consent=False, push_consent=False),
        contact_row("t_unsub", "Ewa"),
        contact_row("t_unsub_all", "Iga"),
        contact_row("t_hard_bounce", "Piotr"),
        contact_row("t_soft_bounce", "Adam"),
        contact_row("t_cap_day", "Kasia"),
        contact_row("t_cap_week", "Marek"),
        contact_row("t_cap_old", "Lena"),
    ]

    def event(contact_id: str, name: str, ts: datetime, channel: str | None = "email", **props) -> dict:
        return {
            "event_id": f"{name}-{contact_id}-{ts:%m%d%H}",
            "contact_id": contact_id,
            "source": "messaging",
            "name": name,
            "ts": ts,
            "campaign_id": "cmp_old",
            "channel": channel,
            "properties": props or None,
        }

    day = timedelta(days=1)
    events = [
        event("t_unsub", "unsubscribe", AS_OF - 30 * day),
        event("t_unsub_all", "unsubscribe", AS_OF - 40 * day, channel=None),
        event("t_hard_bounce", "bounce", AS_OF - 20 * day, type="hard"),
        event("t_soft_bounce", "bounce", AS_OF - 20 * day, type="soft"),
        event("t_cap_day", "email_sent", AS_OF - timedelta(hours=3), subject="x"),
        *[event("t_cap_week", "email_sent", AS_OF - k * day, subject="x") for k in (2, 3, 4)],
        *[event("t_cap_old", "email_sent", AS_OF - k * day, subject="x") for k in (20, 21, 22)],
        {
            "event_id": "purchase-t_ok_1",
            "contact_id": "t_ok_1",
            "source": "custom",
            "name": "purchase",
            "ts": AS_OF - 5 * day,
            "amount": 120.0,
            "currency": "PLN",
        },
    ]
    return contacts, events


def build_store(path: Path, contacts: int = 300) -> Workspace:
    """The sample shop with the hand-made contacts and the ``send_test`` segment."""
    ws = Workspace(f"duckdb://{path}")
    load_sample(ws, contacts, save_segments=False)
    people, events = _hand_made_rows()
    for kind, rows in (("contacts", people), ("events", events)):
        report = ws.append(kind, rows)
        assert not report.rejected, report.rejects
    ws.save_segment({"version": 1, "id": SEGMENT_ID, "name": "Send test audience", "rule": SEGMENT_RULE})
    return ws


def copy_store(source: Path, target: Path) -> Workspace:
    shutil.copy(source, target)
    return Workspace(f"duckdb://{target}")


# --- the gate, independently ------------------------------------------------------------------


@dataclass(frozen=True)
class Rows:
    contacts: list[dict]
    events: list[dict]
    identities: list[dict]

    @classmethod
    def of(cls, ws: Workspace) -> Rows:
        rows = {name: ws.table(name).to_pylist() for name in ("contacts", "events", "identities")}
        for event in rows["events"]:
            if event["properties"] is not None:
                event["properties"] = json.loads(event["properties"])
        return cls(**rows)

    def members(self, as_of: datetime = AS_OF) -> set[str]:
        return evaluate(
            SEGMENT_RULE, contacts=self.contacts, events=self.events, identities=self.identities, as_of=as_of
        )

    def contact(self, contact_id: str) -> dict:
        return next(c for c in self.contacts if c["contact_id"] == contact_id)


def expected_reasons(
    rows: Rows,
    channel: str,
    *,
    max_per_day: int | None,
    max_per_week: int | None,
    in_quiet_hours: bool = False,
    already: Iterable[str] = (),
    failed: Iterable[str] = (),
    as_of: datetime = AS_OF,
) -> dict[str, str | None]:
    """Each member's exclusion reason (None: a recipient), read straight from the rows."""
    address_column, consent_column = CHANNEL_COLUMNS[channel]
    already, failed = set(already), set(failed)
    mine = [e for e in rows.events if e["contact_id"] is not None and e["ts"] <= as_of]

    def has(contact_id: str, name: str, test: Callable[[dict], bool] = lambda e: True) -> list[dict]:
        return [e for e in mine if e["contact_id"] == contact_id and e["name"] == name and test(e)]

    def on_channel(e: dict) -> bool:
        return e["channel"] in (channel, None)

    out: dict[str, str | None] = {}
    for contact_id in sorted(rows.members(as_of)):
        contact = rows.contact(contact_id)
        sent = has(contact_id, f"{channel}_sent")
        last_day = sum(1 for e in sent if e["ts"] > as_of - timedelta(hours=24))
        last_week = sum(1 for e in sent if e["ts"] > as_of - timedelta(days=7))
        if contact_id in already:
            reason = "already_sent"
        elif contact_id in failed:
            reason = "failed_earlier"
        elif not (contact[address_column] or "").strip():
            reason = "no_address"
        elif not contact[consent_column]:
            reason = "no_consent"
        elif has(contact_id, "unsubscribe", on_channel):
            reason = "unsubscribed"
        elif has(contact_id, "bounce", lambda e: on_channel(e) and (e["properties"] or {}).get("type") == "hard"):
            reason = "bounced"
        elif (max_per_day and last_day >= max_per_day) or (max_per_week and last_week >= max_per_week):
            reason = "frequency_cap"
        elif in_quiet_hours:
            reason = "quiet_hours"
        else:
            reason = None
        out[contact_id] = reason
    return out


# --- templates ----------------------------------------------------------------------------------

EMAIL_TEMPLATE = {
    "subject.txt": "{{ contact.first_name or 'Kliencie' }}, {{ segment.purchase_count }} zakupów w 90 dni",
    "body.html": (
        "<html><body><p>Cześć {{ contact.first_name }} z {{ contact.city }}!</p>"
        '<p><a href="https://shop.example/oferta?k={{ contact.contact_id }}&amp;z=1">Oferta</a></p>'
        '<p><a href="{{ unsubscribe_url }}">Wypisz się</a></p></body></html>'
    ),
    "body.txt": "Cześć {{ contact.first_name }}! Oferta: https://shop.example/oferta\nWypisz: {{ unsubscribe_url }}",
}
SMS_TEMPLATE = {"text.txt": "{{ contact.first_name }}: -20% dziś https://shop.example/s"}
PUSH_TEMPLATE = {"title.txt": "Hej {{ contact.first_name }}", "body.txt": "Masz {{ segment.purchase_count }} zakupów"}


def write_template(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


class RecordingTransport:
    """A channel that accepts every message and remembers who it went to; with ``check``,
    also what ``check()`` said at each delivery (e.g. whether the store was write-locked)."""

    name = "recording"

    def __init__(self, check: Callable[[], object] | None = None) -> None:
        self.to: list[str] = []
        self.checked: list[object] = []
        self.check = check

    @contextmanager
    def session(self):
        yield self

    def deliver(self, message) -> str:
        self.to.append(message.contact_id)
        if self.check is not None:
            self.checked.append(self.check())
        return f"id-{message.contact_id}"


def recording_tracker(ws: Workspace) -> object:
    """A tracker factory for ``WORKBENCH_TRACKER=tests.send_support:recording_tracker``."""
    from workbench.send import FunctionTracker

    return FunctionTracker(
        lambda campaign, contact: f"https://t.example/o/{campaign}/{contact}.gif",
        lambda campaign, contact, url, channel="email": f"https://t.example/c/{channel}/{campaign}/{contact}?to={url}",
    )


# --- a send in its own process (the crash test kills it) -----------------------------------------


def _main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.send_support")
    sub = parser.add_subparsers(dest="command", required=True)
    send = sub.add_parser("send", help="send a stored campaign with the API, as the notebook does")
    send.add_argument("--db", required=True)
    send.add_argument("--campaign", required=True)
    send.add_argument("--journal", required=True)
    send.add_argument("--batch-size", type=int, default=10)
    args = parser.parse_args()

    from workbench.send import SendOptions, SendPolicy, prepare_send

    ws = Workspace(args.db)
    plan = prepare_send(ws, args.campaign, as_of=AS_OF, policy=SendPolicy(None, None, None))
    plan.execute(SendOptions(batch_size=args.batch_size, progress=False), journal=Path(args.journal))


if __name__ == "__main__":
    _main()
