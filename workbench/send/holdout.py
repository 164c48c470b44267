"""Holdout groups: the eligible recipients a campaign keeps back to measure what it achieved.

A contact's place is decided by a hash, not by chance, so every run, process and machine
agrees on it and a re-run keeps the same split:

    bucket(key, contact) = first 8 bytes of SHA-256(UTF-8 of key + "\\x1f" + contact_id),
                           read as a big-endian unsigned integer, divided by 2**64

a number in [0, 1). A contact is held out of a campaign when ``bucket(holdout key,
contact) < share``. The holdout key is the stored campaign's id; the occurrences of a
schedule (``<campaign>-<YYYYMMDD-HHMM>``) and of a repeating trigger (``<campaign>.<seq>``)
keep their campaign's key, so a contact stays in the same group across occurrences.

The workspace's global control group works the same way with the fixed key
``"global-control"`` and the share of setting ``send.global_control``: a contact in it is
held out of every campaign that does not say ``reach_control``.

The hash is computed in Python on the contacts the gate let through (never in an engine's
own hash function, which differs between DuckDB, PostgreSQL and ClickHouse).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from workbench.errors import WorkbenchError
from workbench.i18n import Texts, texts
from workbench.store import catalog_store
from workbench.store.workspace import Workspace

GLOBAL_CONTROL_KEY = "global-control"
GLOBAL_CONTROL_SETTING = "send.global_control"
_SEPARATOR = "\x1f"  # the unit separator: no campaign id (a slug) contains it


def bucket(key: str, contact_id: str) -> float:
    """The contact's fixed place in [0, 1) for ``key`` (see the module doc)."""
    digest = hashlib.sha256(f"{key}{_SEPARATOR}{contact_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def check_share(share: float, what: str = "holdout") -> float:
    """A share in [0, 1): a group of everyone would leave nobody to message."""
    share = float(share)
    if not 0.0 <= share < 1.0:
        raise WorkbenchError(f"{what} share must be at least 0 and below 1 (0.1 for 10%), not {share}")
    return share


@dataclass(frozen=True)
class HoldoutSplit:
    """Who of a campaign's eligible recipients is held out: ``share`` of them by ``key``,
    and the workspace's global control group (``control_share``) unless the campaign reaches it."""

    key: str
    share: float = 0.0
    control_share: float = 0.0

    def held_out(self, contact_id: str) -> bool:
        """Whether the contact is counted, not messaged."""
        if self.control_share and bucket(GLOBAL_CONTROL_KEY, contact_id) < self.control_share:
            return True
        return bool(self.share) and bucket(self.key, contact_id) < self.share

    def describe(self, t: Texts | None = None) -> str:
        """Who is held out, in words: ``10% of eligible recipients by hash of ('c1', contact)``."""
        t = t or texts()
        share = t._(
            "{share} of eligible recipients by hash of ({key}, contact)",
            share=t.percent(self.share),
            key=repr(self.key),
        )
        control = t._("the workspace's global control group ({share} of contacts)", share=t.percent(self.control_share))
        if self.share and self.control_share:
            return t._("{first} and {second}", first=share, second=control)
        return share if self.share else control if self.control_share else t._("no holdout")


def global_control_share(ws: Workspace) -> float:
    """The workspace's global control share (setting ``send.global_control``; default 0)."""
    with ws.connector.reading() as con:
        value = catalog_store.read_settings(con).get(GLOBAL_CONTROL_SETTING)
    return check_share(value, "global control") if value else 0.0


def set_global_control(ws: Workspace, share: float) -> None:
    """Keep ``share`` of all contacts out of every campaign that does not ``reach_control``."""
    check_share(share, "global control")
    with ws.connector.writing() as con:
        catalog_store.write_setting(con, GLOBAL_CONTROL_SETTING, repr(float(share)))


NO_HOLDOUT = HoldoutSplit("")
"""A split that holds nobody out."""
