"""What refers to a saved segment, so that deleting it can be refused with the reason."""

from __future__ import annotations

from collections.abc import Mapping

from workbench.i18n import Texts, texts
from workbench.send.tables import CAMPAIGNS
from workbench.store import library
from workbench.store.library import SavedSegment
from workbench.store.workspace import Workspace
from workbench.triggers.tables import TRIGGERS


def including(segments: Mapping[str, SavedSegment], segment_id: str) -> set[str]:
    """``segment_id`` and every saved segment that includes it, directly or through others:
    the segments whose members change when it does."""
    found, todo = set(), [segment_id]
    while todo:
        current = todo.pop()
        if current in found:
            continue
        found.add(current)
        todo.extend(library.referrers(dict(segments), current))
    return found


def segments_using(workspace: Workspace, segment_id: str) -> list[str]:
    """Ids of saved segments whose rules include ``segment_id``."""
    return library.referrers({saved.id: saved for saved in workspace.segments()}, segment_id)


def campaigns_using(workspace: Workspace, segment_id: str) -> list[str]:
    """Ids of campaigns that send to ``segment_id`` (none while no campaign was ever defined)."""
    return _ids_where(workspace, CAMPAIGNS.name, "campaign_id", segment=segment_id)


def triggers_using(workspace: Workspace, segment_id: str) -> list[str]:
    """Ids of triggers that fire on ``segment_id``'s entries or exits."""
    return _ids_where(workspace, TRIGGERS.name, "trigger_id", segment_id=segment_id)


def _ids_where(workspace: Workspace, table: str, id_column: str, **equals: str) -> list[str]:
    """``id_column`` of the rows of ``table`` with these values, sorted; none if no such table
    (another package's, created on its first use)."""
    with workspace.connector.reading() as con:
        if table not in con.list_tables():
            return []
        rows = con.table(table)
        for column, value in equals.items():
            rows = rows.filter(rows[column] == value)
        found = rows.select(id_column).order_by(id_column)
        return [str(v) for v in con.to_pyarrow(found).column(0).to_pylist()]


def deletion_blockers(workspace: Workspace, segment_id: str, t: Texts | None = None) -> list[str]:
    """Why the segment cannot be deleted now, in words (empty: it can be)."""
    t = t or texts()
    reasons = [t._("segment {id} uses it", id=repr(sid)) for sid in segments_using(workspace, segment_id)]
    reasons += [t._("campaign {id} sends to it", id=repr(cid)) for cid in campaigns_using(workspace, segment_id)]
    reasons += [t._("trigger {id} fires on it", id=repr(tid)) for tid in triggers_using(workspace, segment_id)]
    return reasons
