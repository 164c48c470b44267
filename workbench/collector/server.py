"""Running the collector with uvicorn, and the ``workbench collector`` command's actions."""

from __future__ import annotations

import ctypes
import logging
import os
import shutil
import signal
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from uvicorn.supervisors import Multiprocess

from workbench.collector import policy, tables
from workbench.collector.app import create_app
from workbench.collector.config import TimestampRange, resolve_config
from workbench.collector.journal import create_instance, journal_files
from workbench.collector.keys import create_write_key, list_write_keys, revoke_write_key
from workbench.collector.loader import JOURNAL_SETTING, Loader, journal_root
from workbench.errors import WorkbenchError
from workbench.store.workspace import Workspace

DEFAULT_PORT = 8787
log = logging.getLogger(__name__)
USAGE = (
    "use: workbench collector [key create NAME | key list | key revoke KEY_ID"
    " | reserved [add|remove NAME…] | limits [event-names N | properties-per-event N]]"
)


def default_workers() -> int:
    """One HTTP process per core, up to 4: parsing and checking requests is CPU work."""
    return max(1, min(os.cpu_count() or 1, 4))


def serve(
    store: str | Workspace | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    origins: Iterable[str] | None = None,
    public_url: str | None = None,
    ts_range: TimestampRange | None = None,
    journal_dir: str | Path | None = None,
    workers: int | None = None,
    log_level: str = "info",
) -> None:
    """Serve the collector for ``store`` until interrupted (SIGINT or SIGTERM); the settings
    are those of ``create_app``.

    With ``workers`` > 1 (default: one per core, up to 4) this process runs the loader — the
    store's one writer of collected events — and that many HTTP processes share the port,
    each with its own journal file in this collector's journal directory. The HTTP processes
    die with this one (a SIGKILL of it stops the whole collector; the next start loads what
    its journal holds).
    """
    logging.getLogger("workbench.collector").setLevel(getattr(logging, log_level.upper(), logging.INFO))
    workers = workers or default_workers()
    options = {"log_level": log_level, "server_header": False, "timeout_graceful_shutdown": 10, "access_log": False}
    if workers == 1:
        app = create_app(store, origins=origins, public_url=public_url, ts_range=ts_range, journal_dir=journal_dir)
        uvicorn.run(app, host=host, port=port, **options)
        return
    ws = store if isinstance(store, Workspace) else Workspace(store)
    ws.init()
    tables.ensure_tables(ws)
    resolve_config(ws, origins, public_url, ts_range)  # saved: the workers read them back
    if journal_dir is not None:
        tables.write_setting(ws, JOURNAL_SETTING, str(Path(journal_dir).resolve()))
    root = journal_root(ws)
    instance, lock = create_instance(root)
    loader = Loader(Workspace(ws.url.url), root, own=instance)
    stop = threading.Event()
    thread = threading.Thread(target=loader.run, args=(stop,), name="workbench-loader")
    thread.start()
    os.environ[STORE_ENV], os.environ[INSTANCE_ENV] = ws.url.url, str(instance)
    config = uvicorn.Config(f"{__name__}:worker_app", factory=True, host=host, port=port, workers=workers, **options)
    try:
        Multiprocess(config, sockets=[config.bind_socket()]).run()
    finally:
        stop.set()  # the workers are gone: the loader stores what they journaled, then ends
        thread.join()
        loader.close()
        os.close(lock)
        if not journal_files(instance):
            shutil.rmtree(instance, ignore_errors=True)


STORE_ENV = "WORKBENCH_COLLECTOR_STORE"
INSTANCE_ENV = "WORKBENCH_COLLECTOR_INSTANCE"


def worker_app() -> FastAPI:
    """The app of one HTTP process of ``serve(workers=N)`` (uvicorn's factory, in the worker)."""
    _die_with_parent()
    return create_app(os.environ[STORE_ENV], instance=Path(os.environ[INSTANCE_ENV]))


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when the main process dies, so that no worker keeps
    answering (and journaling into a directory no loader drains) after its collector is gone."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        log.warning("workers will not stop by themselves if the collector's main process is killed")
    if os.getppid() == 1:  # the main process died before the request took effect
        os._exit(1)


PR_SET_PDEATHSIG = 1


def key_command(store: str | None, words: Sequence[str], echo: Callable[..., None]) -> None:
    """The administration actions of ``workbench collector`` (see ``USAGE``)."""
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
        case ["reserved"]:
            _echo_lines(echo, policy.reserved_names(ws))
        case ["reserved", "add", *names] if names:
            _echo_lines(echo, policy.reserve_names(ws, names))
        case ["reserved", "remove", *names] if names:
            _echo_lines(echo, policy.allow_from_browser(ws, names))
        case ["limits"]:
            _echo_limits(echo, policy.limits(ws))
        case ["limits", "event-names", number] if number.isdigit():
            _echo_limits(echo, policy.set_limits(ws, event_names=int(number)))
        case ["limits", "properties-per-event", number] if number.isdigit():
            _echo_limits(echo, policy.set_limits(ws, properties_per_event=int(number)))
        case _:
            raise WorkbenchError(f"unknown collector action {' '.join(words)!r}; {USAGE}")


def _echo_lines(echo: Callable[..., None], names: Iterable[str]) -> None:
    for name in names:
        echo(name)


def _echo_limits(echo: Callable[..., None], limits: policy.Limits) -> None:
    echo(f"event-names\t{limits.max_event_names}")
    echo(f"properties-per-event\t{limits.max_properties_per_event}")
