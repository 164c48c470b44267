"""The run's journal: one line per message outcome, on disk before the next message goes.

The store is written once per batch (writing it per message would hold the shared DuckDB
file's write lock all the time). Between those writes the journal is the durable record:
each outcome is appended and fsync'ed as soon as the provider answers. A run killed
mid-batch leaves claims in the send log that only the journal can settle.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from workbench.send.retry import Delivery

log = logging.getLogger(__name__)


class Journal:
    """Appends outcomes to a JSON-lines file, each one flushed to disk."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("a", encoding="utf-8")

    def record(self, delivery: Delivery) -> None:
        self._file.write(json.dumps(delivery.to_json(), ensure_ascii=False) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_journal(path: Path) -> dict[str, Delivery]:
    """Outcomes by contact id; the last line may be torn by a crash and is then ignored."""
    outcomes: dict[str, Delivery] = {}
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return outcomes
    for number, line in enumerate(lines, 1):
        try:
            delivery = Delivery.from_json(json.loads(line))
        except (ValueError, TypeError, KeyError):
            log.warning("%s line %d is incomplete (written during a crash); ignored", path, number)
            continue
        outcomes[delivery.contact_id] = delivery
    return outcomes
