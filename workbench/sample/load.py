"""Fill a workspace with the sample shop and the example segments."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from workbench.sample.labels import SAMPLE_LABELS
from workbench.sample.vocabulary import SAMPLE_AS_OF
from workbench.sample.writer import write_parquet
from workbench.store.workspace import Workspace

log = logging.getLogger(__name__)

SEGMENTS_DIR = Path(__file__).resolve().parents[2] / "sample_data" / "segments"
IMPORT_ORDER = ("contacts", "identities", "events")


def example_segment_files() -> list[Path]:
    """The example segment documents of ``sample_data/segments``."""
    return sorted(SEGMENTS_DIR.glob("*.json"))


def save_example_segments(ws: Workspace) -> list[str]:
    """Save (again) the example segments of ``sample_data/segments``; their ids."""
    return [ws.save_segment(path).id for path in example_segment_files()]


def load_sample(
    ws: Workspace,
    contacts: int = 5000,
    *,
    seed: int = 7,
    as_of: datetime | None = None,
    save_segments: bool = True,
    progress: Callable[[int], None] | None = None,
    history: bool = False,
) -> str:
    """Generate the sample (deterministic for a seed and reference time), import it and
    save the example segments; returns a one-line summary. With ``history``, also the
    ``come_back`` campaign's send with its holdout and a planted effect
    (:mod:`workbench.sample.history`; the generated contacts and events are unchanged)."""
    ws.init()
    with tempfile.TemporaryDirectory(prefix="workbench-sample-") as tmp:
        parts = write_parquet(Path(tmp), contacts, seed=seed, as_of=as_of or SAMPLE_AS_OF, progress=progress)
        # each kind's parts in one import: staged on disk, stored in one ordered write
        stored = {kind: ws.import_file(kind, parts[kind]).stored for kind in IMPORT_ORDER}
    for locale, labels in SAMPLE_LABELS.items():
        ws.set_labels(locale, labels)
    saved = save_example_segments(ws) if save_segments else []
    summary = (
        f"sample shop: {stored['contacts']} contacts, {stored['events']} events, "
        f"{stored['identities']} identity links; {len(saved)} example segments saved"
    )
    if history:
        from workbench.sample.history import load_history  # reads the store it was loaded into

        summary += f"; {load_history(ws, seed=seed, as_of=as_of or SAMPLE_AS_OF)}"
    log.info(summary)
    return summary
