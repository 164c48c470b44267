"""The library's figures, counted once for every kernel of the machine.

Every page has a kernel of its own, and every kernel shows the library's figures: when a
team opens the app at nine, or Voila refills its pool of preheated kernels, each kernel
would count the same segments at the same instant on the same store: seconds of CPU each,
all at the moment the CPU is needed for the pages. So the figures are kept in a small file
(a directory of this user's in the system's temporary folder), keyed by everything they
depend on: the store, its change counters (``Workspace.versions``: catalog, library,
lists, data), the instant, the segments and this module's format. The first kernel counts
while the others wait on a lock, then read what it wrote. A store without change counters
(ClickHouse) is never cached. Entries live ``MAX_AGE`` at most, so that what the counters
do not see (the trigger watcher's membership history, which the trend reads) is never
older than that.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from workbench.app.figures import SegmentFigures
from workbench.store.workspace import Workspace

log = logging.getLogger(__name__)

FORMAT = 1  # bump when SegmentFigures or how they are counted changes
MAX_AGE = timedelta(minutes=10)


def cache_dir() -> Path:
    """This user's cache folder (only they may read it)."""
    folder = Path(tempfile.gettempdir()) / f"workbench-figures-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def shared_figures(
    workspace: Workspace,
    segment_ids: Iterable[str],
    as_of: datetime,
    count: Callable[[], dict[str, SegmentFigures]],
) -> tuple[dict[str, SegmentFigures], dict[str, int]]:
    """The figures ``count()`` gives for ``segment_ids`` at ``as_of``: from the cache when
    another kernel counted them for the same store and versions, else counted now (and
    kept). Also returns the store's versions they go with."""
    versions = workspace.versions()
    if not versions.get("epoch"):  # no change counters: nothing tells when figures go stale
        return count(), versions
    key = json.dumps([FORMAT, workspace.url.url, versions, as_of.isoformat(), sorted(set(segment_ids))])
    path = cache_dir() / f"{hashlib.sha256(key.encode()).hexdigest()}.json"
    with _locked(path.with_suffix(".lock")):
        kept = _read(path)
        if kept is not None:
            return kept, versions
        figures = count()
        if not any(f.problem for f in figures.values()):  # a failure may pass: do not keep it
            _write(path, figures)
    return figures, versions


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _read(path: Path) -> dict[str, SegmentFigures] | None:
    try:
        if time.time() - path.stat().st_mtime > MAX_AGE.total_seconds():
            return None
        stored = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return {
        sid: SegmentFigures(
            f["members"],
            f["reach"],
            tuple((datetime.fromisoformat(t), n) for t, n in f["trend"]),
            f["problem"],
        )
        for sid, f in stored.items()
    }


def _write(path: Path, figures: dict[str, SegmentFigures]) -> None:
    stored = {
        sid: {
            "members": f.members,
            "reach": dict(f.reach) if f.reach is not None else None,
            "trend": [(t.isoformat(), n) for t, n in f.trend],
            "problem": f.problem,
        }
        for sid, f in figures.items()
    }
    partial = path.with_suffix(".tmp")
    try:
        partial.write_text(json.dumps(stored))
        os.replace(partial, path)  # readers see the whole file or none
        _forget_old(path.parent)
    except OSError:
        log.warning("could not keep the library's figures in %s", path.parent, exc_info=True)


def _forget_old(folder: Path) -> None:
    """Remove entries (and their locks) past ``MAX_AGE``."""
    limit = time.time() - MAX_AGE.total_seconds()
    for old in folder.iterdir():
        try:
            if old.stat().st_mtime < limit:
                old.unlink()
        except OSError:
            pass
