"""Running the collector with uvicorn, and the ``workbench collector`` command's actions."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence

import uvicorn

from workbench.collector.app import create_app
from workbench.collector.config import TimestampRange
from workbench.collector.keys import create_write_key, list_write_keys, revoke_write_key
from workbench.errors import WorkbenchError
from workbench.store.workspace import Workspace

DEFAULT_PORT = 8787
KEY_USAGE = "use: workbench collector [key create NAME | key list | key revoke KEY_ID]"


def serve(
    store: str | Workspace | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    origins: Iterable[str] | None = None,
    public_url: str | None = None,
    ts_range: TimestampRange | None = None,
    log_level: str = "info",
) -> None:
    """Serve the collector for ``store`` until interrupted (SIGINT or SIGTERM); the settings
    are those of ``create_app``."""
    logging.getLogger("workbench.collector").setLevel(getattr(logging, log_level.upper(), logging.INFO))
    app = create_app(store, origins=origins, public_url=public_url, ts_range=ts_range)
    # One process, one event loop: all store writes of a collector go through one thread
    # anyway, and several processes would just queue on the store's write lock.
    uvicorn.run(app, host=host, port=port, log_level=log_level, server_header=False, timeout_graceful_shutdown=10)


def key_command(store: str | None, words: Sequence[str], echo: Callable[..., None]) -> None:
    """``key create NAME`` (prints the key, last line), ``key list``, ``key revoke KEY_ID``."""
    ws = Workspace(store)
    ws.init()
    match list(words):
        case ["key", "create", name]:
            record, key = create_write_key(ws, name)
            echo(f"created write key {record.key_id} ({record.name}); it is shown only this once:", err=True)
            echo(key)
        case ["key", "list"]:
            for k in list_write_keys(ws):
                echo(f"{k.key_id}\t{k.name}\t{k.created_at.isoformat()}")
        case ["key", "revoke", key_id]:
            revoke_write_key(ws, key_id)
            echo(f"revoked {key_id}")
        case _:
            raise WorkbenchError(f"unknown collector action {' '.join(words)!r}; {KEY_USAGE}")
