"""Moving data between stores: the canonical tables as Parquet and the segment library as
JSON documents, what ``workbench import`` reads into another store."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.store.schema import CANONICAL

if TYPE_CHECKING:
    from workbench.store.workspace import Workspace

log = logging.getLogger(__name__)


def export_store(ws: Workspace, out: Path) -> dict[str, Path]:
    """Write contacts, events and identities as Parquet (JSON as text) and the segment
    library as JSON documents, for ``workbench import`` into another store."""
    (out / "segments").mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    with ws.connector.reading() as con:
        for name in CANONICAL:
            table = con.table(name)
            portable = table.mutate(**{c: table[c].cast("string") for c, t in table.schema().items() if t.is_json()})
            written[name] = out / f"{name}.parquet"
            con.to_parquet(portable, written[name])
    for saved in ws.segments():
        path = out / "segments" / f"{saved.id}.json"
        path.write_text(json.dumps(saved.segment.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    log.info("exported %s to %s", ", ".join(written), out)
    return written
