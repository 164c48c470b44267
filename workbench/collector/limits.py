"""What a request must be before its body is read: within the size limit (enforced while
the body streams in) and of a content type the endpoint reads; and the busiest endpoints'
short way past the framework (``HotRoutes``)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY = 8 << 20  # 1,000 events with generous properties
MAX_BEACON = 64 << 10  # a beacon from a browser is small; the endpoint has no key

# /v1 reads JSON only: other types (a form, text/plain, other +json formats) are a client
# error better named than "Input should be a valid dictionary".
API_MEDIA_TYPES = ("application/json",)
# track.js sends text/plain, which needs no CORS preflight; a page may post JSON with fetch.
BEACON_MEDIA_TYPES = ("text/plain", "application/json")
UTF8_NAMES = ("utf-8", "utf8")  # JSON travels as UTF-8 (RFC 8259)


def content_type_problem(content_type: str | None, accepted: tuple[str, ...]) -> str | None:
    """Why a body sent with this ``Content-Type`` is not read, or None: the media type must be
    one of ``accepted`` (any case), and a charset, if given, UTF-8.

    >>> content_type_problem("application/json; charset=UTF-8", API_MEDIA_TYPES) is None
    True
    >>> content_type_problem("text/plain", API_MEDIA_TYPES)
    "send the body as application/json (UTF-8); this request's Content-Type is 'text/plain'"
    """
    wanted = f"send the body as {' or '.join(accepted)} (UTF-8)"
    if not content_type:
        return f"{wanted}; this request has no Content-Type"
    media_type, *parameters = (part.strip() for part in content_type.split(";"))
    pairs = (parameter.partition("=") for parameter in parameters)
    charsets = [value.strip().strip('"').lower() for name, _, value in pairs if name.strip().lower() == "charset"]
    if media_type.lower() not in accepted or any(c not in UTF8_NAMES for c in charsets):
        return f"{wanted}; this request's Content-Type is {content_type!r}"
    return None


class BodyLimit:
    """Refuses bodies over a limit with 413, whether announced by Content-Length or streamed."""

    def __init__(self, app: ASGIApp, default: int = MAX_BODY, by_path: dict[str, int] | None = None) -> None:
        self.app = app
        self.default = default
        self.by_path = by_path or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.by_path.get(scope["path"], self.default)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(send, limit)
            return
        seen = 0
        refused = False

        async def counted() -> Message:
            # a streamed body: answer 413 as soon as it passes the limit, and tell the app the
            # client is gone so it stops reading; whatever the app answers then is dropped
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request" and not refused:
                seen += len(message.get("body", b""))
                if seen > limit:
                    refused = True
                    await _too_large(send, limit)
            return {"type": "http.disconnect"} if refused else message

        async def guarded(message: Message) -> None:
            if not refused:
                await send(message)

        await self.app(scope, counted, guarded)


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps({"error": f"the request body is larger than {limit} bytes", "errors": []}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


Endpoint = Callable[[Any], Awaitable[Any]]  # a Request in, a Response out
ExceptionHandler = Callable[[Any, Exception], Awaitable[Any]]


class HotRoutes:
    """Serves the busiest endpoints (events and beacons: one small message per page view)
    without the framework's routing and dependency machinery, which costs more than the
    rest of such a request. They are the very endpoint functions the app also routes (and
    documents), called with the request; an exception they raise is answered by the app's
    exception handler for it, as a routed request's would be. Anything else goes on to the
    app. Install it inside ``BodyLimit``, so that the size limit still applies."""

    def __init__(
        self,
        app: ASGIApp,
        routes: dict[tuple[str, str], Endpoint],
        handlers: dict[Any, ExceptionHandler],
        request: Callable[[Scope, Receive], Any],
    ) -> None:
        self.app = app
        self.routes = routes
        self.handlers = handlers
        self.request = request

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = self.routes.get((scope.get("method"), scope.get("path"))) if scope["type"] == "http" else None
        if endpoint is None:
            await self.app(scope, receive, send)
            return
        request = self.request(scope, receive)
        try:
            response = await endpoint(request)
        except Exception as exc:
            handler = next((self.handlers[c] for c in type(exc).__mro__ if c in self.handlers), None)
            if handler is None:
                raise
            response = await handler(request, exc)
        await response(scope, receive, send)
