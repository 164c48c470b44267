"""What a collector is configured with: the site origins allowed to send beacons, and the
public URL its tracking links point to. Both are remembered in the workspace, so a send run
can mint links and a restarted collector keeps its origins."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from workbench.collector import tables
from workbench.collector.tokens import PUBLIC_URL_SETTING, check_link_target
from workbench.errors import WorkbenchError
from workbench.store.workspace import Workspace

ORIGINS_SETTING = "allowed_origins"
ANY_ORIGIN = "*"


def normalize_origin(origin: str) -> str:
    """``https://Shop.example/`` -> ``https://shop.example``: the form browsers send.

    >>> normalize_origin("https://Shop.example/")
    'https://shop.example'
    >>> normalize_origin("http://localhost:8000")
    'http://localhost:8000'
    """
    origin = origin.strip()
    if origin == ANY_ORIGIN:
        return origin
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/") or parts.query:
        raise WorkbenchError(f"{origin!r} is not a site origin; write it as https://shop.example (scheme and host)")
    return f"{parts.scheme}://{parts.netloc.lower()}"


@dataclass(frozen=True)
class CollectorConfig:
    """Origins whose pages may send beacons (``*``: any, for development) and the public URL."""

    origins: tuple[str, ...] = ()
    public_url: str | None = None

    def allows(self, origin: str | None) -> bool:
        if not origin:
            return False
        return ANY_ORIGIN in self.origins or origin.lower() in self.origins


def resolve_config(ws: Workspace, origins: Iterable[str] | None, public_url: str | None) -> CollectorConfig:
    """The configuration to run with: values given now are saved; missing ones are read back."""
    saved = tables.read_settings(ws)
    if origins:
        chosen = tuple(dict.fromkeys(normalize_origin(o) for o in origins))
        tables.write_setting(ws, ORIGINS_SETTING, json.dumps(list(chosen)))
    else:
        chosen = tuple(json.loads(saved.get(ORIGINS_SETTING, "[]")))
    if public_url:
        public_url = check_link_target(public_url).rstrip("/")
        tables.write_setting(ws, PUBLIC_URL_SETTING, public_url)
    else:
        public_url = saved.get(PUBLIC_URL_SETTING)
    return CollectorConfig(chosen, public_url)
