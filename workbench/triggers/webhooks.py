"""Outgoing webhooks: entries and exits POSTed as signed JSON to another system.

Body::

    {"trigger_id": "cart-to-crm", "segment_id": "abandoned_cart", "sent_at": "2026-11-30T10:00:00+00:00",
     "changes": [{"id": "cart-to-crm:c42:enter:1", "type": "segment.entered", "contact_id": "c42",
                  "segment_id": "abandoned_cart", "seq": 1, "at": "2026-11-30T09:59:58+00:00"}]}

Header ``Workbench-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` with the
trigger's secret; :func:`verify_signature` is the receiver's check. Delivery is at least once
(a receiver answering after the watcher died gets the change again): deduplicate by ``id``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from workbench.triggers.definitions import Trigger

if TYPE_CHECKING:
    from workbench.triggers.dispatch import Job

SIGNATURE_HEADER = "Workbench-Signature"
TIMEOUT_S = 10.0

WebhookPoster = Callable[[str, bytes, Mapping[str, str]], int]
"""POST ``body`` with ``headers`` to a URL; returns the HTTP status (raises OSError when unreachable)."""


@dataclass(frozen=True)
class Failure:
    reason: str
    permanent: bool  # a 4xx other than 408/429: retrying will not help


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


def urllib_poster(url: str, body: bytes, headers: Mapping[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def post_changes(
    trigger: Trigger, jobs: Sequence[Job], now: datetime, poster: WebhookPoster | None = None
) -> Failure | None:
    """POST the jobs' changes to the trigger's URL; None when the receiver accepted them (2xx)."""
    body = payload(trigger, jobs, now)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "segment-workbench",
        SIGNATURE_HEADER: sign(trigger.secret or "", body, int(time.time())),
    }
    try:
        status = (poster or urllib_poster)(trigger.target, body, headers)
    except OSError as exc:
        return Failure(f"{trigger.target} unreachable: {exc}", permanent=False)
    if 200 <= status < 300:
        return None
    permanent = 400 <= status < 500 and status not in (408, 429)
    return Failure(f"{trigger.target} answered HTTP {status}", permanent)
