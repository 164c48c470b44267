"""Outgoing webhooks: entries and exits POSTed as signed JSON to another system.

Body::

    {"trigger_id": "cart-to-crm", "segment_id": "abandoned_cart", "sent_at": "2026-11-30T10:00:00+00:00",
     "changes": [{"id": "cart-to-crm:c42:enter:1", "type": "segment.entered", "contact_id": "c42",
                  "segment_id": "abandoned_cart", "seq": 1, "at": "2026-11-30T09:59:58+00:00"}]}

Header ``Workbench-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` with the
trigger's secret; :func:`verify_signature` is the receiver's check. Delivery is at least once
(a receiver answering after the watcher died gets the change again): deduplicate by ``id``.

Only targets that ``workbench.triggers.targets`` allows are reached: the host is resolved
right before each POST, every address is checked, and the connection goes to a checked
address. Redirects are not followed (a 3xx answer fails the job): following one would POST,
or GET, to a place nobody checked.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import socket
import ssl
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from workbench.store.workspace import Workspace
from workbench.triggers.definitions import Trigger
from workbench.triggers.targets import Address, Resolver, Target, TargetRefused, read_policy, system_resolver

if TYPE_CHECKING:
    from workbench.triggers.dispatch import Job

SIGNATURE_HEADER = "Workbench-Signature"
TIMEOUT_S = 10.0
RESPONSE_READ_LIMIT = 64 * 1024  # of a receiver's answer, read and dropped: only its status matters

WebhookPoster = Callable[[str, bytes, Mapping[str, str]], int]
"""POST ``body`` with ``headers`` to a URL; returns the HTTP status (raises OSError when
unreachable, TargetRefused when the URL may not be reached)."""


@dataclass(frozen=True)
class Failure:
    reason: str
    permanent: bool  # a refused target, a redirect, a 4xx other than 408/429: retrying will not help


def sign(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_signature(
    secret: str, header: str, body: bytes, *, tolerance_s: int = 300, now: float | None = None
) -> bool:
    """Whether ``header`` signs ``body`` with ``secret`` and is at most ``tolerance_s`` old."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - timestamp) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, body, timestamp), f"t={timestamp},v1={parts.get('v1', '')}")


def payload(trigger: Trigger, jobs: Sequence[Job], now: datetime) -> bytes:
    changes = [
        {
            "id": f"{trigger.trigger_id}:{job.contact_id}:{job.change}:{job.seq}",
            "type": "segment.entered" if job.change == "enter" else "segment.exited",
            "contact_id": job.contact_id,
            "segment_id": trigger.segment_id,
            "seq": job.seq,
            "at": job.changed_at.isoformat(),
        }
        for job in jobs
    ]
    document = {
        "trigger_id": trigger.trigger_id,
        "segment_id": trigger.segment_id,
        "sent_at": now.isoformat(),
        "changes": changes,
    }
    return json.dumps(document, ensure_ascii=False).encode()


def checked_poster(ws: Workspace, resolver: Resolver = system_resolver, timeout: float = TIMEOUT_S) -> WebhookPoster:
    """The poster the watcher uses: checks the target against the workspace's policy (read at
    each POST, so a host allowed or disallowed meanwhile counts), then POSTs to a checked address.

    Raises TargetRefused for a target that may not be reached.
    """

    def post(url: str, body: bytes, headers: Mapping[str, str]) -> int:
        target, addresses = read_policy(ws, resolver).addresses(url)
        return post_to_addresses(target, addresses, body, headers, timeout)

    return post


def post_to_addresses(
    target: Target, addresses: Sequence[Address], body: bytes, headers: Mapping[str, str], timeout: float
) -> int:
    """POST to ``target`` through a connection to the first of ``addresses`` that answers, and
    return the HTTP status. The Host header and the TLS certificate check use the URL's host.

    Connecting to the addresses that were checked, rather than handing the URL to a client
    that resolves the name again, closes the DNS-rebinding gap: a name cannot answer the
    check with a public address and the connection with 127.0.0.1. No proxy from the
    environment is used, for the same reason.
    """
    if target.scheme == "https":
        connection: http.client.HTTPConnection = _PinnedHTTPSConnection(target, addresses, timeout)
    else:
        connection = _PinnedHTTPConnection(target, addresses, timeout)
    try:
        connection.request("POST", target.path, body=body, headers=dict(headers))
        response = connection.getresponse()  # http.client never follows a redirect
        response.read(RESPONSE_READ_LIMIT)
        return response.status
    finally:
        connection.close()


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, addresses: Sequence[Address], timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self.addresses = addresses

    def connect(self) -> None:
        self.sock = _connect_first(self.addresses, self.port, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: Target, addresses: Sequence[Address], timeout: float) -> None:
        self.tls = ssl.create_default_context()
        super().__init__(target.host, target.port, timeout=timeout, context=self.tls)
        self.addresses = addresses

    def connect(self) -> None:
        sock = _connect_first(self.addresses, self.port, self.timeout)
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)  # the certificate names the host


def _connect_first(addresses: Sequence[Address], port: int, timeout: float | None) -> socket.socket:
    error: OSError = OSError("no address to connect to")
    for address in addresses:
        try:
            return socket.create_connection((str(address), port), timeout)
        except OSError as exc:
            error = exc
    raise error


def post_changes(trigger: Trigger, jobs: Sequence[Job], now: datetime, poster: WebhookPoster) -> Failure | None:
    """POST the jobs' changes to the trigger's URL; None when the receiver accepted them (2xx).

    A target the policy refuses and a redirect fail for good: neither changes by retrying,
    and the reason says what to fix. No answer, 5xx, 408 and 429 may pass: retried.
    """
    body = payload(trigger, jobs, now)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "segment-workbench",
        SIGNATURE_HEADER: sign(trigger.secret or "", body, int(time.time())),
    }
    try:
        status = poster(trigger.target, body, headers)
    except TargetRefused as exc:
        return Failure(str(exc), permanent=True)
    except (OSError, http.client.HTTPException) as exc:
        return Failure(f"{trigger.target} unreachable: {exc}", permanent=False)
    if 200 <= status < 300:
        return None
    if 300 <= status < 400:
        return Failure(
            f"{trigger.target} answered HTTP {status}, a redirect; webhooks do not follow redirects: "
            "give the trigger the URL the receiver redirects to",
            permanent=True,
        )
    permanent = 400 <= status < 500 and status not in (408, 429)
    return Failure(f"{trigger.target} answered HTTP {status}", permanent)
