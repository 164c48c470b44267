"""The main job: Voila serves the notebook on the sample shop, as the README's demo command does."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.network import free_port
from workbench.sample.load import load_sample
from workbench.store.workspace import Workspace

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]


def test_voila_serves_the_notebook_on_sample_data(tmp_path):
    url = f"duckdb://{tmp_path / 'demo.duckdb'}"
    load_sample(Workspace(url), 800)
    port = free_port()
    voila = Path(sys.executable).with_name("voila")
    server = subprocess.Popen(
        [
            str(voila),
            str(ROOT / "notebooks" / "01_explore_segments.ipynb"),
            "--no-browser",
            "--Voila.ip=127.0.0.1",
            f"--Voila.port={port}",
            "--Voila.port_retries=0",
        ],
        env={**os.environ, "WORKBENCH_DB": url},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        page = ""
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=60) as response:
                    page = response.read().decode()
                break
            except OSError:
                time.sleep(0.5)
        assert "spent more than 1000 PLN on purchase in the last 3 months" in page
        assert "Traceback" not in page
        for segment_id in ("abandoned_cart", "vip", "push_ignored"):
            assert segment_id in page
    finally:
        server.terminate()
        server.wait(timeout=30)
