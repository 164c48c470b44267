"""What refers to a saved segment, so that deleting it can be refused with the reason."""

from __future__ import annotations

from collections.abc import Mapping

from workbench.store import library
from workbench.store.library import SavedSegment
from workbench.store.workspace import Workspace

CAMPAIGNS_TABLE = "wb_campaigns"  # created by the send package (workbench.send) on first use
TRIGGERS_TABLE = "wb_triggers"  # created by the trigger package (workbench.triggers) on first use


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
    with workspace.connector.reading() as con:
        if CAMPAIGNS_TABLE not in con.list_tables():
            return []
        campaigns = con.table(CAMPAIGNS_TABLE)
        using = campaigns.filter(campaigns.segment == segment_id).select("campaign_id").order_by("campaign_id")
        return [str(c) for c in con.to_pyarrow(using).column(0).to_pylist()]


def triggers_using(workspace: Workspace, segment_id: str) -> list[str]:
    """Ids of triggers that fire on ``segment_id``'s entries or exits."""
    with workspace.connector.reading() as con:
        if TRIGGERS_TABLE not in con.list_tables():
            return []
        triggers = con.table(TRIGGERS_TABLE)
        using = triggers.filter(triggers.segment_id == segment_id).select("trigger_id").order_by("trigger_id")
        return [str(t) for t in con.to_pyarrow(using).column(0).to_pylist()]


def deletion_blockers(workspace: Workspace, segment_id: str) -> list[str]:
    """Why the segment cannot be deleted now, in words (empty: it can be)."""
    reasons = [f"segment {sid!r} uses it" for sid in segments_using(workspace, segment_id)]
    reasons += [f"campaign {cid!r} sends to it" for cid in campaigns_using(workspace, segment_id)]
    reasons += [f"trigger {tid!r} fires on it" for tid in triggers_using(workspace, segment_id)]
    return reasons
