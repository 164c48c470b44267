"""Open and click tracking: the hook through which the collector's signed URLs are plugged in.

The send package does not know how tracking URLs are made. A :class:`Tracker` gives the
open-pixel URL and the redirect URL for a link; the default, :class:`NoTracking`, leaves
messages untouched. The collector's tracking links (``open_pixel_url(campaign_id,
contact_id)``, ``click_url(campaign_id, contact_id, url, channel)``) are such a tracker.
Plug one in with either

- ``use_tracker(tracker)`` in Python, or
- ``WORKBENCH_TRACKER=package.module:name`` in the environment of the process that sends,
  where ``name`` is a tracker, a module with the two functions, or a factory called with the
  workspace that returns a tracker, e.g. ``workbench.collector.tokens:TrackingLinks.for_workspace``.

Without either, a workspace whose collector was started with ``--public-url`` tracks through
that collector's signed links.
"""

from __future__ import annotations

import html
import importlib
import inspect
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Protocol, runtime_checkable

from workbench.send.errors import ChannelConfigError
from workbench.store.workspace import Workspace


@runtime_checkable
class Tracker(Protocol):
    """Makes tracking URLs for one message (campaign, contact)."""

    def open_pixel_url(self, campaign_id: str, contact_id: str) -> str | None:
        """The URL of a 1×1 image whose loading records ``email_open``; None for no pixel."""
        ...

    def click_url(self, campaign_id: str, contact_id: str, url: str, channel: str = "email") -> str:
        """A URL that records ``<channel>_click`` and redirects to ``url``. Called without
        ``channel`` for email, so a three-argument function is a tracker for email."""
        ...


class NoTracking:
    """The default: no pixel, links unchanged."""

    def open_pixel_url(self, campaign_id: str, contact_id: str) -> str | None:
        return None

    def click_url(self, campaign_id: str, contact_id: str, url: str, channel: str = "email") -> str:
        return url


@dataclass(frozen=True)
class FunctionTracker:
    """A tracker made of two functions."""

    open_pixel: Callable[[str, str], str | None]
    click: Callable[..., str]

    def open_pixel_url(self, campaign_id: str, contact_id: str) -> str | None:
        return self.open_pixel(campaign_id, contact_id)

    def click_url(self, campaign_id: str, contact_id: str, url: str, channel: str = "email") -> str:
        if channel == "email":
            return self.click(campaign_id, contact_id, url)
        return self.click(campaign_id, contact_id, url, channel=channel)


_installed: Tracker | None = None


def use_tracker(tracker: Tracker | None) -> None:
    """Install the tracker every later send in this process uses (None: back to the environment)."""
    global _installed
    if tracker is not None and not isinstance(tracker, Tracker):
        raise TypeError(
            "a tracker needs open_pixel_url(campaign_id, contact_id) and click_url(campaign_id, contact_id, url)"
        )
    _installed = tracker


def current_tracker(ws: Workspace | None = None) -> Tracker:
    """The installed tracker, else the one named by ``WORKBENCH_TRACKER``, else the
    workspace's collector links (when a collector was started with ``--public-url``), else
    no tracking."""
    if _installed is not None:
        return _installed
    spec = os.environ.get("WORKBENCH_TRACKER", "").strip()
    if spec:
        return load_tracker(spec, ws)
    return _collector_links(ws) or NoTracking()


def _collector_links(ws: Workspace | None) -> Tracker | None:
    if ws is None:
        return None
    try:
        from workbench.collector.tokens import TrackingLinks
    except ImportError:  # the "collector" extra is not installed
        return None
    return TrackingLinks.if_configured(ws)


def load_tracker(spec: str, ws: Workspace | None = None) -> Tracker:
    """``package.module[:name[.attribute]]`` as a tracker (see the module doc)."""
    module_name, _, path = spec.partition(":")
    try:
        found: object = importlib.import_module(module_name)
        for attribute in filter(None, path.split(".")):
            found = getattr(found, attribute)
    except (ImportError, AttributeError) as exc:
        raise ChannelConfigError(f"WORKBENCH_TRACKER={spec!r} cannot be loaded: {exc}") from exc
    if not inspect.isclass(found) and isinstance(found, (ModuleType, Tracker)):
        tracker = found
    elif callable(found):
        tracker = found(ws)  # a factory: it needs the workspace (e.g. for its signing key)
    else:
        tracker = None
    if not isinstance(tracker, Tracker):
        raise ChannelConfigError(f"WORKBENCH_TRACKER={spec!r} gives no open_pixel_url and click_url")
    return tracker


_HREF = re.compile(r"""(<a\b[^>]*?\bhref\s*=\s*)(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)
_URL = re.compile(r"""https?://[^\s<>"')\]]+""")
_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)


def track_html(text: str, tracker: Tracker, campaign_id: str, contact_id: str, keep: frozenset[str]) -> str:
    """Links (``<a href="http…">``) rewritten through the tracker and the open pixel added.

    URLs in ``keep`` (the unsubscribe link) stay as they are.
    """

    def rewrite(match: re.Match) -> str:
        url = html.unescape(match.group(3))
        if not url.lower().startswith(("http://", "https://")) or url in keep:
            return match.group(0)
        tracked = tracker.click_url(campaign_id, contact_id, url)
        return f"{match.group(1)}{match.group(2)}{html.escape(tracked, quote=True)}{match.group(2)}"

    out = _HREF.sub(rewrite, text)
    pixel_url = tracker.open_pixel_url(campaign_id, contact_id)
    if pixel_url:
        pixel = f'<img src="{html.escape(pixel_url, quote=True)}" width="1" height="1" alt="" style="display:none">'
        out, found = _BODY_END.subn(lambda m: pixel + m.group(0), out, count=1)
        if not found:
            out += pixel
    return out


def track_text(
    text: str, tracker: Tracker, campaign_id: str, contact_id: str, keep: frozenset[str], channel: str = "email"
) -> str:
    """Bare ``http(s)://`` URLs in plain text (email text part, SMS) rewritten through the tracker."""

    def rewrite(match: re.Match) -> str:
        url = match.group(0)
        if url in keep:
            return url
        if channel == "email":
            return tracker.click_url(campaign_id, contact_id, url)
        return tracker.click_url(campaign_id, contact_id, url, channel=channel)

    return _URL.sub(rewrite, text)
