"""Delivering one message with retries and backoff, and pacing messages to a rate limit."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from workbench.send.channels import Session
from workbench.send.compose import OutgoingMessage
from workbench.send.errors import MessageError, PermanentError, TransientError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    """Up to ``attempts`` tries; waits grow ×2 from ``first_delay`` up to ``max_delay``, with
    jitter so parallel senders do not retry in step. A provider's Retry-After wins."""

    attempts: int = 4
    first_delay: float = 1.0
    max_delay: float = 60.0

    def delay(self, failed_attempts: int, hint: float | None = None) -> float:
        if hint is not None:
            return min(hint, self.max_delay)
        base = min(self.max_delay, self.first_delay * 2 ** (failed_attempts - 1))
        return base * (0.5 + random.random() / 2)


@dataclass(frozen=True)
class Delivery:
    """What happened to one message. ``deferred``: temporary failures outlasted the retries;
    the claim is released so the next run sends it."""

    contact_id: str
    address: str
    status: str  # sent | failed | deferred
    attempts: int
    message_id: str
    at: datetime
    reason: str | None = None
    provider_id: str | None = None
    bounce: bool = False
    properties: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {**asdict(self), "at": self.at.isoformat()}

    @classmethod
    def from_json(cls, data: dict) -> Delivery:
        return cls(**{**data, "at": datetime.fromisoformat(data["at"])})


def deliver_with_retry(
    session: Session,
    message: OutgoingMessage,
    policy: RetryPolicy,
    sleep: Callable[[float], None] = time.sleep,
) -> Delivery:
    """Deliver, retrying temporary errors; permanent ones and exhausted retries are outcomes."""
    reason = None
    for attempt in range(1, policy.attempts + 1):
        try:
            provider_id = session.deliver(message)
        except PermanentError as exc:
            tried = 0 if isinstance(exc, MessageError) else attempt  # refused before it was handed over
            return _outcome(message, "failed", tried, exc.reason, bounce=exc.bounce)
        except TransientError as exc:
            reason = exc.reason
            if attempt == policy.attempts:
                break
            wait = policy.delay(attempt, exc.retry_after)
            log.info("%s: %s; retrying in %.2fs (attempt %d of %d)", message.to, reason, wait, attempt, policy.attempts)
            sleep(wait)
        else:
            return _outcome(message, "sent", attempt, None, provider_id=provider_id)
    return _outcome(message, "deferred", policy.attempts, f"gave up after {policy.attempts} attempts: {reason}")


def _outcome(message: OutgoingMessage, status: str, attempts: int, reason: str | None, **extra) -> Delivery:
    return Delivery(
        contact_id=message.contact_id,
        address=message.to,
        status=status,
        attempts=attempts,
        message_id=message.message_id,
        at=datetime.now(UTC),
        reason=reason,
        properties=message.event_properties(),
        **extra,
    )


class RateLimiter:
    """Spaces calls to at most ``per_second`` (None: no limit)."""

    def __init__(
        self,
        per_second: float | None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 1.0 / per_second if per_second else 0.0
        self.clock = clock
        self.sleep = sleep
        self.next_at = 0.0

    def wait(self) -> None:
        if not self.interval:
            return
        now = self.clock()
        if self.next_at > now:
            self.sleep(self.next_at - now)
            now = self.next_at
        self.next_at = now + self.interval
