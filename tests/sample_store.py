"""The sample shop in a store, and the same rows as plain Python for the reference evaluation."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from workbench.sample import SAMPLE_AS_OF
from workbench.sample.load import load_sample
from workbench.store.workspace import Workspace

SNAPSHOTS = Path(__file__).parent / "snapshots"


def snapshot(dialect: str, segment_id: str) -> str:
    """The reviewed SQL of a sample segment at the sample's instant (``tests/snapshots``), as the
    CLI prints it; written only by ``UPDATE_SNAPSHOTS=1`` in ``test_sql_dialects.py``."""
    return (SNAPSHOTS / dialect / f"{segment_id}.sql").read_text(encoding="utf-8")


@dataclass
class SampleStore:
    ws: Workspace
    rows: dict

    def reference_kwargs(self) -> dict:
        return {**self.rows, "as_of": SAMPLE_AS_OF}


def build(url: str, contacts: int = 5000) -> SampleStore:
    ws = Workspace(url)
    load_sample(ws, contacts)
    rows = {name: ws.table(name).to_pylist() for name in ("contacts", "events", "identities")}
    for event in rows["events"]:
        if event["properties"] is not None:
            event["properties"] = json.loads(event["properties"])
    return SampleStore(ws, rows)
