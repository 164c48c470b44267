"""Signed tracking tokens, and the links the send engine puts into messages.

A token is ``<payload>.<signature>``: the payload is compact JSON in URL-safe base64, the
signature its HMAC-SHA256 under the workspace's signing secret. Whoever holds a token can
read what it says (a campaign id, a contact id, a URL) but cannot change it, so the click
redirect can only ever lead to the URL the sender signed: there is no open redirect.

>>> signer = Signer(b"k" * 32)
>>> token = signer.sign({"t": "o", "cp": "spring", "ct": "c1"})
>>> signer.unsign(token)
{'t': 'o', 'cp': 'spring', 'ct': 'c1'}
>>> signer.unsign(token[:-2] + "AA")
Traceback (most recent call last):
...
workbench.collector.tokens.BadToken: the token's signature does not match
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from workbench.collector import tables
from workbench.errors import WorkbenchError
from workbench.store.workspace import Workspace

SECRET_SETTING = tables.SETTING_PREFIX + "signing_secret"
PUBLIC_URL_SETTING = tables.SETTING_PREFIX + "public_url"
MAX_TOKEN = 8192  # characters; a token longer than any URL we would sign is refused unread
CLICK_CHANNELS = ("email", "sms")  # SPEC §1: email_click, sms_click
OPEN, CLICK = "o", "c"


class BadToken(WorkbenchError):
    """A tracking token that is malformed or not signed with this workspace's secret."""


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    """Signs small JSON payloads into URL-safe tokens and checks them."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise WorkbenchError("a signing secret needs at least 16 bytes")
        self._secret = secret

    def _mac(self, payload: str) -> str:
        return _b64encode(hmac.new(self._secret, payload.encode("ascii"), hashlib.sha256).digest())

    def sign(self, payload: dict[str, str]) -> str:
        body = _b64encode(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
        return f"{body}.{self._mac(body)}"

    def unsign(self, token: str) -> dict[str, str]:
        """The payload of a token signed by this signer; BadToken otherwise."""
        if len(token) > MAX_TOKEN or token.count(".") != 1 or not token.isascii():
            raise BadToken("not a tracking token")
        body, mac = token.split(".")
        if not hmac.compare_digest(mac, self._mac(body)):
            raise BadToken("the token's signature does not match")
        try:
            payload = json.loads(_b64decode(body))
        except (binascii.Error, ValueError) as exc:  # only a signer bug could get here
            raise BadToken("the token's payload is unreadable") from exc
        if not isinstance(payload, dict):
            raise BadToken("the token's payload is unreadable")
        return payload


def workspace_signer(ws: Workspace) -> Signer:
    """The workspace's signer; its secret is made (and stored) on first use."""
    tables.ensure_tables(ws)
    secret = tables.setdefault_setting(ws, SECRET_SETTING, _b64encode(secrets.token_bytes(32)))
    return Signer(_b64decode(secret))


def check_link_target(url: str) -> str:
    """A click target must be an absolute http(s) URL: never ``javascript:`` or relative."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise WorkbenchError(f"a tracked link must be an absolute http(s) URL, not {url!r}")
    return url


@dataclass(frozen=True)
class Opened:
    """What an open pixel's token says."""

    campaign_id: str
    contact_id: str


@dataclass(frozen=True)
class Clicked:
    """What a click link's token says."""

    campaign_id: str
    contact_id: str
    url: str
    channel: str


class TrackingLinks:
    """Mints open-pixel and click-redirect URLs for messages, and reads their tokens.

    >>> links = TrackingLinks(Signer(b"s" * 32), "https://t.shop.example/")
    >>> url = links.click_url("spring", "c1", "https://shop.example/sale?utm=mail")
    >>> url.startswith("https://t.shop.example/t/c/")
    True
    >>> read_click(links.signer, url.rsplit("/", 1)[1]).url
    'https://shop.example/sale?utm=mail'
    >>> links.open_pixel_url("spring", "c1").endswith(".gif")
    True
    """

    def __init__(self, signer: Signer, base_url: str) -> None:
        self.signer = signer
        self.base_url = check_link_target(base_url).rstrip("/")

    @classmethod
    def for_workspace(cls, ws: Workspace, base_url: str | None = None) -> TrackingLinks:
        """Links signed with the workspace's secret, pointing at ``base_url`` or at the public
        URL the collector was started with (``workbench collector --public-url``)."""
        signer = workspace_signer(ws)
        base_url = base_url or tables.read_settings(ws).get(PUBLIC_URL_SETTING)
        if not base_url:
            raise WorkbenchError(
                "no public URL for tracking links: start the collector once with --public-url URL, or pass base_url"
            )
        return cls(signer, base_url)

    @classmethod
    def if_configured(cls, ws: Workspace) -> TrackingLinks | None:
        """The workspace's links when its collector has a public URL, else None; reads only,
        so a send on a workspace without a collector writes nothing here."""
        if not tables.read_settings(ws).get(PUBLIC_URL_SETTING):
            return None
        return cls.for_workspace(ws)

    def open_pixel_url(self, campaign_id: str, contact_id: str) -> str:
        """The URL of a 1x1 image that records ``email_open`` when a mail client loads it."""
        _check_ids(campaign_id, contact_id)
        token = self.signer.sign({"t": OPEN, "cp": campaign_id, "ct": contact_id})
        return f"{self.base_url}/t/o/{token}.gif"

    def click_url(self, campaign_id: str, contact_id: str, url: str, channel: str = "email") -> str:
        """A URL that records ``<channel>_click`` and redirects to ``url`` (http or https)."""
        if channel not in CLICK_CHANNELS:
            raise WorkbenchError(f"clicks are tracked for {', '.join(CLICK_CHANNELS)}, not {channel!r}")
        _check_ids(campaign_id, contact_id)
        payload = {"t": CLICK, "cp": campaign_id, "ct": contact_id, "u": check_link_target(url)}
        if channel != "email":  # email, the common case, keeps the token short
            payload["ch"] = channel
        return f"{self.base_url}/t/c/{self.signer.sign(payload)}"


def read_open(signer: Signer, token: str) -> Opened:
    """What an open pixel's token says; BadToken unless this workspace signed an open token."""
    payload = _read(signer, token, OPEN)
    return Opened(payload["cp"], payload["ct"])


def read_click(signer: Signer, token: str) -> Clicked:
    """What a click token says; BadToken unless this workspace signed a click token."""
    payload = _read(signer, token, CLICK)
    try:
        url = check_link_target(payload["u"])  # checked when signed too; a redirect must never go elsewhere
    except WorkbenchError as exc:
        raise BadToken(str(exc)) from exc
    return Clicked(payload["cp"], payload["ct"], url, payload.get("ch", "email"))


def _read(signer: Signer, token: str, kind: str) -> dict[str, str]:
    payload = signer.unsign(token)
    if payload.get("t") != kind:  # an open token is not a click token, and vice versa
        raise BadToken("the token is for another kind of tracking")
    if not all(isinstance(payload.get(k), str) for k in ("cp", "ct", *(("u",) if kind == CLICK else ()))):
        raise BadToken("the token's payload is incomplete")
    return payload


def _check_ids(campaign_id: str, contact_id: str) -> None:
    if not (isinstance(campaign_id, str) and campaign_id and isinstance(contact_id, str) and contact_id):
        raise WorkbenchError(f"tracking needs a campaign id and a contact id, got {campaign_id!r} and {contact_id!r}")
