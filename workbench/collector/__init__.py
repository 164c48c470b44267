"""The real-time ingestion collector: an HTTP service that stores events, contacts and
identity links in a workspace, tracks email opens and clicks, and serves the site script.

>>> from workbench.collector import TrackingLinks                          # doctest: +SKIP
>>> links = TrackingLinks.for_workspace(ws)                                 # doctest: +SKIP
>>> links.click_url("spring_sale", "c42", "https://shop.example/sale")      # doctest: +SKIP

See docs/collector.md. The service needs the ``collector`` extra (FastAPI, uvicorn); minting
links and managing keys do not, so a send run can use them without it.
"""

from typing import Any

from workbench.collector.config import TimestampRange
from workbench.collector.keys import WriteKey, create_write_key, list_write_keys, revoke_write_key
from workbench.collector.policy import (
    Limits,
    allow_from_browser,
    limits,
    reserve_names,
    reserved_names,
    set_limits,
)
from workbench.collector.tokens import BadToken, Signer, TrackingLinks


def __getattr__(name: str) -> Any:
    # the web stack is imported only by whoever runs the service
    if name == "create_app":
        from workbench.collector.app import create_app

        return create_app
    if name == "serve":
        from workbench.collector.server import serve

        return serve
    if name == "wait_for_collected":  # the loader pulls in the importer
        from workbench.collector.loader import wait_for_collected

        return wait_for_collected
    raise AttributeError(f"module 'workbench.collector' has no attribute {name!r}")


__all__ = [
    "BadToken",
    "Limits",
    "Signer",
    "TimestampRange",
    "TrackingLinks",
    "WriteKey",
    "allow_from_browser",
    "create_app",
    "create_write_key",
    "limits",
    "list_write_keys",
    "reserve_names",
    "reserved_names",
    "revoke_write_key",
    "serve",
    "set_limits",
    "wait_for_collected",
]
