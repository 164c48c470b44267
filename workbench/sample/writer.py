"""Writing the sample as Parquet part files, on a thread while the next batch is generated."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pyarrow.parquet as pq

from workbench.sample.simulation import SCHEMAS, generate
from workbench.sample.vocabulary import SAMPLE_AS_OF


def write_parquet(
    out_dir: Path,
    contacts: int = 5000,
    *,
    seed: int = 7,
    as_of: datetime = SAMPLE_AS_OF,
    progress: Callable[[int], None] | None = None,
) -> dict[str, list[Path]]:
    """Writes contacts/, events/, identities/ parquet part files; progress(n_contacts_done).

    Part files are ``<table>/part-00000.parquet``, one per batch of 50,000 contacts; earlier
    ``part-*.parquet`` files in those directories are removed first. Writing happens on a
    background thread while the next batch is generated.
    """
    out_dir = Path(out_dir)
    written: dict[str, list[Path]] = {name: [] for name in SCHEMAS}
    for name in SCHEMAS:
        d = out_dir / name
        d.mkdir(parents=True, exist_ok=True)
        for old in d.glob("part-*.parquet"):
            old.unlink()
    todo: queue.Queue = queue.Queue(maxsize=2)
    failure: list[BaseException] = []

    def writer() -> None:
        while (item := todo.get()) is not None:
            path, table = item
            if failure:
                continue
            try:
                pq.write_table(table, path, compression="zstd")
            except BaseException as exc:  # reported on the main thread
                failure.append(exc)

    thread = threading.Thread(target=writer, name="sample-parquet-writer", daemon=True)
    thread.start()
    done = 0
    part = 0
    try:
        for name, table in generate(contacts, seed=seed, as_of=as_of):
            path = out_dir / name / f"part-{part:05d}.parquet"
            written[name].append(path)
            todo.put((path, table))
            if failure:
                break
            if name == "contacts":
                done += table.num_rows
            elif name == "identities":
                part += 1
                if progress is not None:
                    progress(done)
    finally:
        todo.put(None)
        thread.join()
    if failure:
        raise failure[0]
    return written
