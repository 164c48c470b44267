"""Tracking endpoints: email open pixels, click redirects, web beacons and the site script.

- ``GET /t/o/<token>.gif`` records ``email_open`` and answers a 1x1 transparent GIF.
- ``GET /t/c/<token>`` records ``email_click`` (or ``sms_click``) and redirects to the URL
  inside the signed token, and only there: a token that is not signed by this workspace
  gets a 400, never a redirect.
- ``POST /t/w`` takes beacons from ``track.js``, only from the configured site origins.
- ``GET /track.js`` is the script a site includes.

A person who opens or clicks should never see a tracking failure: when the store cannot
record an open or a click, the failure is logged and the image or redirect is served.
"""

from __future__ import annotations

import base64
import json
import logging
from importlib.resources import files
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from workbench.collector import models
from workbench.collector.limits import BEACON_MEDIA_TYPES, content_type_problem
from workbench.collector.service import Rejected
from workbench.collector.state import Collector, collector, rejection, state_of, validation_problems
from workbench.collector.tokens import MAX_TOKEN, BadToken, read_click, read_open

log = logging.getLogger(__name__)

BEACON_PATH = "/t/w"
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")  # 1x1 transparent
SCRIPT = files("workbench.collector").joinpath("track.js").read_text(encoding="utf-8")
NO_STORE = {"Cache-Control": "no-store, private", "Pragma": "no-cache"}
REJECTION_JSON = {"application/json": {"schema": {"$ref": "#/components/schemas/Rejection"}}}
# refusals are JSON even where success is an image or a redirect
BAD_TOKEN = {
    400: {"description": "The token is not one this workspace signed", "content": REJECTION_JSON},
    422: {"description": "The path is not a token at all", "content": REJECTION_JSON},
}
Token = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$", max_length=MAX_TOKEN)]
BEACON_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/Beacon"}},
        "text/plain": {"schema": {"type": "string", "description": "the same JSON, as navigator.sendBeacon sends it"}},
    },
}

router = APIRouter(tags=["tracking"])


class GifResponse(Response):
    media_type = "image/gif"


class JavaScriptResponse(Response):
    media_type = "application/javascript"


@router.get("/t/o/{token}.gif", response_class=GifResponse, responses=BAD_TOKEN)
async def open_pixel(token: Token, c: Annotated[Collector, Depends(collector)]) -> Response:
    """Record that the message was opened; answers a 1x1 transparent GIF."""
    try:
        opened = read_open(c.signer, token)
    except BadToken as exc:
        return rejection(400, f"not a valid open pixel: {exc}")
    await _record(c, "email_open", opened.campaign_id, opened.contact_id, "email", None)
    return GifResponse(PIXEL, headers=NO_STORE)


@router.get(
    "/t/c/{token}",
    response_class=RedirectResponse,
    status_code=302,
    responses={302: {"description": "Redirect to the URL the token carries"}, **BAD_TOKEN},
)
async def click(token: Token, c: Annotated[Collector, Depends(collector)]) -> Response:
    """Record the click and redirect to the signed URL."""
    try:
        clicked = read_click(c.signer, token)
    except BadToken as exc:
        return rejection(400, f"not a valid tracked link: {exc}")
    await _record(c, f"{clicked.channel}_click", clicked.campaign_id, clicked.contact_id, clicked.channel, clicked.url)
    return RedirectResponse(clicked.url, status_code=302, headers=NO_STORE)


async def _record(c: Collector, name: str, campaign_id: str, contact_id: str, channel: str, url: str | None) -> None:
    try:
        await c.ingestion.record_message_event(name, campaign_id, contact_id, channel, url)
    except Exception:
        log.exception("could not record %s of campaign %s for %s", name, campaign_id, contact_id)


def _cors(origin: str) -> dict[str, str]:
    return {"Access-Control-Allow-Origin": origin, "Access-Control-Allow-Credentials": "true", "Vary": "Origin"}


@router.post(
    BEACON_PATH,
    status_code=204,
    response_class=Response,
    openapi_extra={"requestBody": BEACON_BODY},
    responses={
        status: {"model": models.Rejection, "description": text}
        for status, text in {
            400: "The body is not JSON",
            403: "The page's origin is not allowed",
            413: "The body is too large",
            415: "The body is not sent as text/plain or application/json",
            422: "Invalid messages, each listed; nothing was stored",
        }.items()
    },
)
async def beacon(request: Request) -> Response:
    """Store what the tracking script saw (a `Beacon`): page views, time on page, custom
    events and identify calls. Only pages of the configured origins may send."""
    c = state_of(request)
    origin = request.headers.get("origin")
    if not c.config.allows(origin):
        return rejection(403, f"beacons from origin {origin or '(none)'} are not allowed; start with --origin")
    content_type = request.headers.get("content-type")
    # a beacon of an untyped Blob comes without a Content-Type: read it as the text it is
    if content_type and (problem := content_type_problem(content_type, BEACON_MEDIA_TYPES)):
        return rejection(415, problem, headers=_cors(origin))
    try:
        data: Any = json.loads(await request.body())
    except (ValueError, RecursionError):
        return rejection(400, "the body is not valid JSON", headers=_cors(origin))
    try:
        message = models.Beacon.model_validate(data)
    except ValidationError as exc:
        problems = validation_problems(exc.errors())
        return rejection(422, "the beacon is invalid; nothing was stored", problems, headers=_cors(origin))
    try:
        await c.ingestion.record_web(message)
    except Rejected as exc:
        return rejection(422, str(exc), exc.problems, headers=_cors(origin))
    return Response(status_code=204, headers=_cors(origin))


@router.options(BEACON_PATH, include_in_schema=False)
async def beacon_preflight(request: Request, c: Annotated[Collector, Depends(collector)]) -> Response:
    """CORS preflight, for pages that post beacons with fetch and a JSON content type."""
    origin = request.headers.get("origin")
    if not c.config.allows(origin):
        return Response(status_code=403)
    headers = {
        **_cors(origin),
        "Access-Control-Allow-Methods": "POST",
        "Access-Control-Allow-Headers": "Content-Type",
        "Access-Control-Max-Age": "86400",
    }
    return Response(status_code=204, headers=headers)


@router.get("/track.js", response_class=JavaScriptResponse)
async def track_js() -> Response:
    """The tracking script for the customer's pages (see docs/collector.md)."""
    return JavaScriptResponse(SCRIPT, headers={"Cache-Control": "public, max-age=300"})
