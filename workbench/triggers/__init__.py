"""Real-time triggers: tracked segments, their membership history, and actions on entry and exit.

>>> from workbench.triggers import add_trigger, Watcher
>>> add_trigger(ws, "cart-reminder", segment="abandoned_cart", campaign="cart-reminder")  # doctest: +SKIP
>>> Watcher(ws).run()                                                                       # doctest: +SKIP

See ``docs/triggers.md``.
"""

from workbench.triggers.definitions import (
    Trigger,
    add_trigger,
    get_trigger,
    list_triggers,
    remove_trigger,
    track,
    tracked_segments,
    untrack,
)
from workbench.triggers.dispatch import Dispatcher
from workbench.triggers.membership import Change, history, sizes
from workbench.triggers.targets import (
    TargetRefused,
    allow_webhook_host,
    disallow_webhook_host,
    webhook_allowed_hosts,
)
from workbench.triggers.watcher import Tick, Watcher
from workbench.triggers.webhooks import SIGNATURE_HEADER, verify_signature

__all__ = [
    "SIGNATURE_HEADER",
    "Change",
    "Dispatcher",
    "TargetRefused",
    "Tick",
    "Trigger",
    "Watcher",
    "add_trigger",
    "allow_webhook_host",
    "disallow_webhook_host",
    "get_trigger",
    "history",
    "list_triggers",
    "remove_trigger",
    "sizes",
    "track",
    "tracked_segments",
    "untrack",
    "verify_signature",
    "webhook_allowed_hosts",
]
