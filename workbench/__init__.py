"""Segment Workbench: real-time audience segmentation over DuckDB, PostgreSQL and ClickHouse.

>>> import workbench as wb
>>> ws = wb.connect("duckdb://shop.duckdb")                       # doctest: +SKIP
>>> ws.count(wb.event("purchase").last("3mo").sum("amount") > 1000)  # doctest: +SKIP
"""

from workbench.errors import NotFound, SegmentError, StoreBusy, WorkbenchError
from workbench.expr.catalog import Catalog, EventType, Field
from workbench.expr.context import CompileContext
from workbench.expr.describe import describe
from workbench.expr.dsl import ago, all_, any_, attr, event, in_list, in_segment, not_, prop, sequence, step
from workbench.expr.reader import rule_from_dict
from workbench.expr.rules import Rule, Segment
from workbench.expr.validate import validate
from workbench.store.workspace import ImportReport, Workspace, connect, load_document


def __getattr__(name: str):
    # The builder needs ipywidgets (the "notebooks" extra); import it only when asked for.
    if name == "SegmentBuilder":
        from workbench.widgets import SegmentBuilder

        return SegmentBuilder
    raise AttributeError(f"module 'workbench' has no attribute {name!r}")


__all__ = [
    "Catalog",
    "CompileContext",
    "EventType",
    "Field",
    "ImportReport",
    "NotFound",
    "Rule",
    "Segment",
    "SegmentBuilder",
    "SegmentError",
    "StoreBusy",
    "WorkbenchError",
    "Workspace",
    "ago",
    "all_",
    "any_",
    "attr",
    "connect",
    "describe",
    "event",
    "in_list",
    "in_segment",
    "load_document",
    "not_",
    "prop",
    "rule_from_dict",
    "sequence",
    "step",
    "validate",
]
