"""A small shop for trigger tests: hand-made contacts and events at fixed instants, a webhook
receiver, and a clock the test moves."""

from __future__ import annotations

import http.server
import json
import ssl
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.send_support import write_template
from workbench.send import define_campaign
from workbench.store.workspace import Workspace

T0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)  # before "now", so real send times never count as past events
CREATED = datetime(2026, 1, 5, tzinfo=UTC)

REMINDER_TEMPLATE = {
    "subject.txt": "{{ contact.first_name }}, your cart is waiting",
    "body.txt": "Hi {{ contact.first_name }}, finish your order: https://shop.example/cart",
}
WELCOME_TEMPLATE = {"subject.txt": "Welcome, {{ contact.first_name }}!", "body.txt": "Glad you joined."}

RECENT_CART = {"version": 1, "id": "recent_cart", "name": "Carted in the last hour",
               "rule": {"event": "add_to_cart", "window": {"last": "1h"}}}  # fmt: skip


class Clock:
    """``clock()`` returns the instant the test set."""

    def __init__(self, at: datetime = T0) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def move(self, **delta: float) -> datetime:
        self.at += timedelta(**delta)
        return self.at


def contact(contact_id: str, first_name: str, created_at: datetime = CREATED, **extra) -> dict:
    return {
        "contact_id": contact_id,
        "email": f"{contact_id}@example.org",
        "first_name": first_name,
        "email_consent": True,
        "created_at": created_at,
        "updated_at": created_at,
    } | extra


def event(contact_id: str, name: str, ts: datetime, **properties) -> dict:
    return {"contact_id": contact_id, "name": name, "ts": ts, "source": "web", **properties}


def shop(where: Path | str, contacts: list[dict], events: list[dict]) -> Workspace:
    """A store (a DuckDB file path, or a store URL) with these rows, plus a cart bought long
    ago by the first contact, outside every window the tests use, so that the catalog knows
    the events and their properties."""
    ws = Workspace(where if isinstance(where, str) else f"duckdb://{where}")
    ws.init()
    store(ws, "contacts", contacts)
    old = T0 - timedelta(days=60)
    known = [
        event(contacts[0]["contact_id"], "add_to_cart", old, cart_id="k-old", value=10.0),
        event(contacts[0]["contact_id"], "purchase", old + timedelta(minutes=5), cart_id="k-old", value=10.0),
    ]
    store(ws, "events", known + events)
    return ws


def store(ws: Workspace, kind: str, rows: list[dict]) -> None:
    if rows:
        report = ws.append(kind, rows)
        assert not report.rejected, report.rejects


def campaign(ws: Workspace, folder: Path, campaign_id: str, segment: str, template: dict) -> str:
    define_campaign(
        ws, campaign_id, segment=segment, channel="email", template=write_template(folder / campaign_id, template)
    )
    return campaign_id


@dataclass
class WebhookReceiver:
    """An HTTP server on 127.0.0.1 keeping every POST; answers with ``statuses`` in turn (then 200),
    with a ``Location: redirect_to`` header when that is set. Any other request is kept in ``others``.
    With ``tls`` (a server-side context) it speaks HTTPS."""

    statuses: list[int] = field(default_factory=list)
    redirect_to: str | None = None
    tls: ssl.SSLContext | None = None
    requests: list[tuple[dict, bytes]] = field(default_factory=list)  # (headers, body)
    others: list[str] = field(default_factory=list)  # "GET /path", … (a client following a redirect)

    def __enter__(self) -> WebhookReceiver:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                if receiver.redirect_to:
                    self.send_header("Location", receiver.redirect_to)
                self.end_headers()

            def do_GET(self) -> None:
                receiver.others.append(f"{self.command} {self.path}")
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if self.tls is not None:
            self.server.socket = self.tls.wrap_socket(self.server.socket, server_side=True)
        scheme = "https" if self.tls is not None else "http"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_port}/hooks/segments"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def changes(self) -> list[dict]:
        return [change for _, body in self.requests for change in json.loads(body)["changes"]]
