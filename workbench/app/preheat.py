"""Waiting in Voila's kernel pool for the visitor (the preheated kernels of ``voila.json``).

Voila hands a pooled kernel to a page by sending the page's request details on the
kernel's query websocket, ``<ws base url>voila/query/<kernel id>``, whose address it gives
the kernel in environment variables; ``voila.utils.wait_for_request`` is its client. Importing
``voila.utils`` in a kernel loads Voila's server, JupyterLab's and jupyter_server's too: about
1.6 s of CPU in every kernel the pool starts (1.1 s of it jsonschema building a URL grammar),
spent while the visitors who emptied the pool wait for the same two cores. This client does
the same with ``websockets`` alone (36 ms to import).
"""

from __future__ import annotations

import json
import logging
import os

log = logging.getLogger(__name__)

PREHEATED_VARIABLE = "VOILA_PREHEAT"  # "True" in the kernels of Voila's pool
OPEN_TIMEOUT_S = 5.0


def query_url() -> str:
    """Where Voila will send this kernel's visitor, from the variables Voila gives its kernels."""
    env = os.environ.get
    base = env("VOILA_WS_BASE_URL", env("VOILA_SERVER_URL", "/"))
    host, port = env("VOILA_APP_IP", "127.0.0.1"), env("VOILA_APP_PORT", "8866")
    return f"{env('VOILA_WS_PROTOCOL', 'ws')}://{host}:{port}{base}voila/query/{env('VOILA_KERNEL_ID', '')}"


def wait_for_visitor() -> dict[str, str] | None:
    """Block until Voila gives this pooled kernel to a page; its request details (also set in
    ``os.environ``, as Voila's own client does), or None when not preheated or the server is
    gone."""
    if os.environ.get(PREHEATED_VARIABLE) != "True":
        return None
    from websockets.exceptions import WebSocketException
    from websockets.sync.client import connect

    url = query_url()
    try:
        with connect(url, open_timeout=OPEN_TIMEOUT_S) as socket:
            message = socket.recv()
    except (OSError, TimeoutError, WebSocketException) as exc:
        log.warning("no visitor will come: Voila's query socket %s failed (%s)", url, exc)
        return None
    details = {str(k): str(v) for k, v in json.loads(message).items()}
    os.environ.update(details)
    return details
