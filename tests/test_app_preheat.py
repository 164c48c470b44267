"""A pooled kernel's wait for its visitor (``workbench.app.preheat``), against a websocket
server that answers as Voila's query handler does: the request's details, once, on
``<ws base>voila/query/<kernel id>``. ``tests/test_app_load.py`` checks the same against a
real Voila serving its pool."""

from __future__ import annotations

import json
import socket
import threading

import pytest
from websockets.sync.server import serve

from workbench.app import preheat


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def voila_env(monkeypatch):
    port = free_port()
    for name, value in {
        "VOILA_PREHEAT": "True",
        "VOILA_APP_IP": "127.0.0.1",
        "VOILA_APP_PORT": str(port),
        "VOILA_SERVER_URL": "/shop/",
        "VOILA_KERNEL_ID": "k-123",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("VOILA_WS_BASE_URL", raising=False)
    monkeypatch.delenv("QUERY_STRING", raising=False)
    return port


def test_the_wait_ends_with_the_request_voila_sends(voila_env):
    asked = []

    def handler(connection):
        asked.append(connection.request.path)
        connection.send(json.dumps({"QUERY_STRING": "tab=overlap", "SCRIPT_NAME": "/shop/"}))

    with serve(handler, "127.0.0.1", voila_env) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        details = preheat.wait_for_visitor()
        server.shutdown()
    assert asked == ["/shop/voila/query/k-123"]
    assert details == {"QUERY_STRING": "tab=overlap", "SCRIPT_NAME": "/shop/"}
    assert preheat.os.environ["QUERY_STRING"] == "tab=overlap"  # as Voila's own client leaves it


def test_no_server_means_no_visitor(voila_env):
    assert preheat.wait_for_visitor() is None  # nothing listens on the port


def test_a_kernel_started_for_its_visitor_does_not_wait(voila_env, monkeypatch):
    monkeypatch.setenv("VOILA_PREHEAT", "False")
    assert preheat.wait_for_visitor() is None


def test_waiting_does_not_load_voilas_server(voila_env):
    """Voila's own client would load jupyter_server into every pooled kernel (1.6 s of CPU)."""
    import subprocess
    import sys

    code = "import sys; from workbench.app import preheat; preheat.wait_for_visitor(); print('jupyter_server' in sys.modules)"
    waited = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert waited.stdout == "False\n"
