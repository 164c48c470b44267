"""The segments the benchmark measures: the 13 examples of ``sample_data/segments`` and the
benchmark's own documents in ``bench/segments/documents``.

The benchmark's own segments have shapes that a target names and no example has (issue 16:
"two selective attribute conditions and two event conditions"). They are saved into the
benchmark's stores next to the examples, but not into a workspace the sample fills: they
are measurements, not examples for a marketer.
"""

from __future__ import annotations

from pathlib import Path

from workbench.sample.load import example_segment_files, save_example_segments
from workbench.store.workspace import Workspace

DOCUMENTS_DIR = Path(__file__).resolve().with_name("documents")


def bench_segment_files() -> list[Path]:
    """The benchmark's own segment documents."""
    return sorted(DOCUMENTS_DIR.glob("*.json"))


def example_ids() -> list[str]:
    return [path.stem for path in example_segment_files()]


def segment_ids() -> list[str]:
    """Every measured segment's id: the examples, then the benchmark's own."""
    return example_ids() + [path.stem for path in bench_segment_files()]


def save_segments(ws: Workspace) -> list[str]:
    """Save (again) every measured segment into ``ws``; their ids."""
    return save_example_segments(ws) + [ws.save_segment(path).id for path in bench_segment_files()]
