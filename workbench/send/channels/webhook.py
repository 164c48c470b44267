"""SMS and push through HTTP providers: a generic JSON webhook, and the shape of real ones.

A provider is a :class:`ProviderAdapter`: it turns a message into an HTTP request and the
response into the provider's message id or an error. :class:`JsonWebhook` posts

    {"channel": "sms", "to": "+48…", "text": "…", "message_id": "<…>",
     "campaign_id": "…", "contact_id": "…"}

(push: ``title``, ``body``, ``url`` instead of ``text``) with an ``Idempotency-Key`` header
equal to the message id, so a provider that honours it never delivers a retried request
twice. A real provider (Twilio, SMSAPI, FCM, APNs…) is a small subclass overriding
``request`` and ``outcome``; name it with ``WORKBENCH_SMS_PROVIDER=package.module:Class``.

Status codes decide what a failure means: 408, 429 and 5xx are temporary (retried,
honouring ``Retry-After``); other 4xx are permanent for that message.
"""

from __future__ import annotations

import http.client
import importlib
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

from workbench.send.compose import OutgoingMessage
from workbench.send.errors import ChannelConfigError, DeliveryError, MessageError, PermanentError, TransientError
from workbench.send.settings import SendSettings


@dataclass(frozen=True)
class HttpRequest:
    """One request to a provider."""

    url: str
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    method: str = "POST"


class ProviderAdapter(Protocol):
    """Speaks one provider's API."""

    def request(self, message: OutgoingMessage) -> HttpRequest:
        """The HTTP request that sends ``message``."""
        ...

    def outcome(self, status: int, headers: Mapping[str, str], body: bytes) -> str | None:
        """The provider's message id for a response, or raise TransientError / PermanentError."""
        ...


class JsonWebhook:
    """The generic adapter: JSON in, 2xx with an optional ``{"id": …}`` out."""

    def __init__(self, url: str, token: str | None = None, timeout: float = 30.0) -> None:
        self.url = url
        self.token = token
        self.timeout = timeout

    def payload(self, message: OutgoingMessage) -> dict:
        return {
            "channel": message.channel,
            "to": message.to,
            **message.content,
            "message_id": message.message_id,
            "campaign_id": message.campaign_id,
            "contact_id": message.contact_id,
        }

    def request(self, message: OutgoingMessage) -> HttpRequest:
        headers = {"Content-Type": "application/json", "Idempotency-Key": message.message_id}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        body = json.dumps(self.payload(message), ensure_ascii=False).encode()
        return HttpRequest(self.url, body, headers)

    def outcome(self, status: int, headers: Mapping[str, str], body: bytes) -> str | None:
        if 200 <= status < 300:
            try:
                data = json.loads(body) if body else {}
            except ValueError:
                return None
            return str(data["id"]) if isinstance(data, dict) and data.get("id") is not None else None
        reason = f"HTTP {status}: {body[:200].decode(errors='replace').strip()}"
        if status in (408, 429) or status >= 500:
            raise TransientError(reason, retry_after=_seconds(headers.get("retry-after")))
        raise PermanentError(reason)


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None  # an HTTP date: fall back to the retry policy's own delay


def provider_for(channel: str, settings: SendSettings) -> ProviderAdapter:
    """The adapter configured for ``channel`` (``sms`` or ``push``)."""
    url = settings.sms_url if channel == "sms" else settings.push_url
    name = settings.sms_provider if channel == "sms" else settings.push_provider
    if name == "webhook":
        if not url:
            raise ChannelConfigError(f"no webhook for {channel}: set WORKBENCH_{channel.upper()}_URL")
        return JsonWebhook(url, settings.webhook_token)
    module_name, _, class_name = name.partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ChannelConfigError(f"{channel} provider {name!r} cannot be loaded: {exc}") from exc
    return cls(url, settings.webhook_token)


class HttpTransport:
    """Delivers through a provider adapter over HTTP(S), one keep-alive connection per batch."""

    name = "webhook"

    def __init__(self, adapter: ProviderAdapter) -> None:
        self.adapter = adapter

    @contextmanager
    def session(self) -> Iterator[HttpSession]:
        session = HttpSession(self.adapter)
        try:
            yield session
        finally:
            session.close()


class HttpSession:
    """Keeps one connection per host for the batch; a failed connection is reopened."""

    def __init__(self, adapter: ProviderAdapter) -> None:
        self.adapter = adapter
        self.connections: dict[tuple[str, str], http.client.HTTPConnection] = {}

    def _connection(self, scheme: str, netloc: str) -> http.client.HTTPConnection:
        key = (scheme, netloc)
        if key not in self.connections:
            timeout = getattr(self.adapter, "timeout", 30.0)
            cls = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
            self.connections[key] = cls(netloc, timeout=timeout)
        return self.connections[key]

    def deliver(self, message: OutgoingMessage) -> str | None:
        request = self._request(message)
        parts = urlsplit(request.url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        conn = self._connection(parts.scheme, parts.netloc)
        try:
            conn.request(request.method, path, body=request.body, headers=dict(request.headers))
            response = conn.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            self.connections.pop((parts.scheme, parts.netloc), None)
            raise TransientError(f"{parts.netloc}: {exc}") from exc
        headers = {k.lower(): v for k, v in response.getheaders()}
        return self.adapter.outcome(response.status, headers, body)

    def _request(self, message: OutgoingMessage) -> HttpRequest:
        """The adapter's request for ``message``; one it cannot make fails this message alone."""
        try:
            return self.adapter.request(message)
        except (DeliveryError, ChannelConfigError):
            raise
        except Exception as exc:  # making the request touches no server: whatever fails is this message's
            raise MessageError(f"the provider's request cannot be made: {type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        for conn in self.connections.values():
            conn.close()
        self.connections.clear()
