"""The visual rule builder (ipywidgets): build a segment by clicking, with a live audience count."""

from workbench.widgets.builder import SegmentBuilder

__all__ = ["SegmentBuilder"]
