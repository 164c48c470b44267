"""Several processes share one DuckDB file: readers count while a writer imports.

DuckDB lets one process hold a file read-write and then no other may open it; the
store's locking must hide that from every caller: no lock error, nothing lost.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pytest

from workbench.store.workspace import Workspace

pytestmark = pytest.mark.slow

READER = textwrap.dedent(
    """
    import json, sys, time
    import workbench as wb
    ws = wb.Workspace(sys.argv[1])
    deadline = time.monotonic() + float(sys.argv[2])
    counts = []
    while time.monotonic() < deadline:
        counts.append(ws.count({"name": "loyal", "rule": {"event": "purchase", "op": "gte", "value": 11}}))
    print(json.dumps(counts))
    """
)

WRITER = textwrap.dedent(
    """
    import sys
    import workbench as wb
    ws = wb.Workspace(sys.argv[1])
    for path in sys.argv[2:]:
        report = ws.import_file("events", path)
        assert report.stored > 0, report
    print("done")
    """
)


def _batch(path: Path, start: int, n: int) -> Path:
    table = pa.table(
        {
            "event_id": [f"e{start + i}" for i in range(n)],
            "contact_id": [f"c{(start + i) % 50}" for i in range(n)],
            "source": ["custom"] * n,
            "name": ["purchase"] * n,
            "ts": ["2026-01-01T00:00:00Z"] * n,
            "amount": [10.0] * n,
        }
    )
    pa_csv.write_csv(table, path)
    return path


def test_readers_and_a_writer_share_the_file(tmp_path):
    url = f"duckdb://{tmp_path / 'shared.duckdb'}"
    ws = Workspace(url)
    ws.init()
    contacts = tmp_path / "contacts.csv"
    pa_csv.write_csv(
        pa.table({"contact_id": [f"c{i}" for i in range(50)], "created_at": ["2025-01-01T00:00:00Z"] * 50}), contacts
    )
    assert ws.import_file("contacts", contacts).stored == 50
    assert ws.import_file("events", _batch(tmp_path / "seed.csv", 0, 10)).stored == 10
    batches = [str(_batch(tmp_path / f"b{i}.csv", 1000 * (i + 1), 500)) for i in range(8)]

    env_python = sys.executable
    readers = [
        subprocess.Popen(
            [env_python, "-c", READER, url, "12"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    time.sleep(1.0)
    writer = subprocess.run([env_python, "-c", WRITER, url, *batches], capture_output=True, text=True, timeout=300)
    outputs = [r.communicate(timeout=300) for r in readers]

    assert writer.returncode == 0, writer.stderr
    seen: set[int] = set()
    for (out, errors), reader in zip(outputs, readers, strict=True):
        assert reader.returncode == 0, errors
        assert "lock" not in errors.lower()
        counts = json.loads(out)
        assert counts, "a reader never got to count"
        assert counts == sorted(counts), "a count went backwards: a reader saw a partial import"
        # each batch gives every contact 10 purchases at once; the seed gave c0..c9 one each:
        # after one batch 10 contacts have 11, after two all 50 do. Anything else is a torn import.
        assert set(counts) <= {0, 10, 50}, counts
        seen.update(counts)
    assert {0, 50} <= seen, "the readers did not overlap the import"
    stored = ws.query(lambda con: con.table("events").count())
    assert stored == 10 + 8 * 500
