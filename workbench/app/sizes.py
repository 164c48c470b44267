"""The current size of every saved segment, for the library, in one query.

All the segments are counted in one shared pass (``Evaluator.counts``: ``events`` is read
once for all of them). A segment that cannot be evaluated (it names a field or list that
no longer exists) gets its reason instead of a size; the others are still counted. If the
one query fails as a whole, each segment is counted alone so that one broken segment
cannot blank the library.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from workbench.app.evaluate import Evaluator
from workbench.errors import WorkbenchError
from workbench.expr.rules import Segment
from workbench.expr.validate import validate

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Size:
    """Members of a segment at ``as_of``, or why it could not be counted."""

    members: int | None
    problem: str | None = None


def segment_sizes(evaluator: Evaluator, segment_ids: Iterable[str], as_of: datetime) -> dict[str, Size]:
    """Sizes of the given saved segments at ``as_of``."""
    sizes: dict[str, Size] = {}
    chosen: dict[str, Segment] = {}
    for sid in segment_ids:
        try:
            segment = evaluator.segment(sid)
            validate(segment, evaluator.catalog, evaluator.library.__getitem__)
            chosen[sid] = segment
        except WorkbenchError as exc:
            sizes[sid] = Size(None, str(exc))
    try:
        counts = evaluator.counts(chosen, as_of)
    except Exception:
        log.exception("counting the library in one query failed; counting each segment alone")
        counts = {}
        for sid, segment in chosen.items():
            try:
                counts[sid] = evaluator.counts({sid: segment}, as_of)[sid]
            except Exception as exc:
                sizes[sid] = Size(None, f"{type(exc).__name__}: {exc}")
    sizes.update({sid: Size(n) for sid, n in counts.items()})
    return sizes
