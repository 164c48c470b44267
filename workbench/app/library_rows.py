"""One saved segment as a row of the library: its name (a button that selects it) and its
figures — members now, reach per channel, the size's trend — beside its rule in English.

A row is four widgets whatever it shows (a name button, one HTML block of cells, the line
holding them and the box that also holds the actions when the row is selected), sharing
their layout and style models (``RowLooks``): a library of dozens of segments stays quick to
send to the browser and to draw. The cells line up with the header through the same CSS
grid (``theme.css``).
"""

from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as widgets
from ipywidgets.widgets.widget_string import HTMLStyle

from workbench.app.channels import CHANNELS, NO_SEND_PACKAGE, REACH_RULES
from workbench.app.figures import TREND_WEEKS, SegmentFigures
from workbench.app.sparkline import sparkline
from workbench.app.text import folded
from workbench.i18n import Texts
from workbench.store.library import SavedSegment


def pending(t: Texts) -> str:
    counting = html.escape(t._("counting…"))
    return f'<span class="wb-pending" title="{counting}">…</span>'


def header(t: Texts) -> widgets.HBox:
    """The column titles, aligned with the rows."""
    segment = html.escape(t._("Segment"))
    name = widgets.HTML(f'<div class="wb-name-head">{segment}</div>')
    name.add_class("wb-name-col")
    reach = html.escape(t._("Members with {rules}", rules=t._(REACH_RULES)))
    channels = [html.escape(t._(c.label)) for c in CHANNELS.values()]
    members, trend = (
        html.escape(t._("Members")),
        html.escape(t.ngettext("Last {n} week", "Last {n} weeks", TREND_WEEKS)),
    )
    who, edited = html.escape(t._("Who")), html.escape(t._("Edited"))
    titles = (
        f'<div class="wb-num">{members}</div>'
        + "".join(f'<div class="wb-num" title="{reach}">{channel}</div>' for channel in channels)
        + f"<div>{trend}</div><div>{who}</div><div>{edited}</div>"
    )
    cells = widgets.HTML(f'<div class="wb-cells">{titles}</div>')
    cells.add_class("wb-cells-col")
    head = widgets.HBox([name, cells])
    head.add_class("wb-library-head")
    return head


def members_cell(figures: SegmentFigures | None, t: Texts) -> str:
    if figures is None:
        return f'<div class="wb-num">{pending(t)}</div>'
    if figures.members is None:
        problem = html.escape(figures.problem or "")
        cannot = html.escape(t._("cannot count"))
        return f'<div class="wb-num" title="{problem}">{cannot} ⚠</div>'
    return f'<div class="wb-num"><span class="wb-size">{t.number(figures.members)}</span></div>'


def reach_cells(figures: SegmentFigures | None, t: Texts) -> str:
    cells = []
    for key, channel in CHANNELS.items():
        if figures is None:
            cells.append(f'<div class="wb-num">{pending(t)}</div>')
        elif figures.members is None:
            cells.append('<div class="wb-num wb-muted">–</div>')
        elif figures.reach is None:
            no_send = html.escape(t._(NO_SEND_PACKAGE))
            cells.append(f'<div class="wb-num wb-muted" title="{no_send}">–</div>')
        else:
            reached = figures.reach[key]
            title = t._(
                "{reached} of {members} members reachable by {channel}",
                reached=t.number(reached),
                members=t.number(figures.members),
                channel=t._(channel.label),
            )
            share = t.percent(reached / figures.members) if figures.members else "–"
            cells.append(
                f'<div class="wb-num wb-reach-{key}" title="{html.escape(title)}">{t.number(reached)}'
                f'<span class="wb-share">{share}</span></div>'
            )
    return "".join(cells)


def trend_cell(figures: SegmentFigures | None, t: Texts) -> str:
    if figures is None:
        return f"<div>{pending(t)}</div>"
    return f"<div>{sparkline(figures.trend, t) if figures.trend else ''}</div>"


class RowLooks:
    """Layout and style models every row shares (each is a model the browser must create:
    one for all rows instead of one per widget). A row's own box keeps its own layout, which
    search hides."""

    def __init__(self) -> None:
        self.layout = widgets.Layout()
        self.button = widgets.ButtonStyle()
        self.html = HTMLStyle()


class LibraryRow:
    """One saved segment on screen; ``on_select`` is what a click on its name does."""

    def __init__(
        self, saved: SavedSegment, english: str, on_select: Callable[[str], None], looks: RowLooks, t: Texts
    ) -> None:
        self.segment_id = saved.id
        self.t = t
        self.name = widgets.Button(layout=looks.layout, style=looks.button)
        self.name.add_class("wb-row-name")
        self.name.add_class("wb-name-col")
        self.name.on_click(lambda _button: on_select(self.segment_id))
        self.cells = widgets.HTML(layout=looks.layout, style=looks.html)
        self.cells.add_class("wb-cells-col")
        self.line = widgets.HBox([self.name, self.cells], layout=looks.layout)
        self.line.add_class("wb-row-line")
        # The selected row holds the actions right under its line: next in the page, and
        # next when tabbing from its name.
        self.widget = widgets.VBox([self.line])
        self.widget.add_class("wb-library-row")
        self.saved = saved
        self.english = english
        self.figures: SegmentFigures | None = None
        self.haystack = ""
        self.show(saved, english)

    def show(self, saved: SavedSegment, english: str) -> None:
        """Show the segment as saved now (the row's widgets are kept, so a click on them is never lost)."""
        segment = saved.segment
        self.saved, self.english = saved, english
        self.name.description = segment.name
        self.name.tooltip = self.t._("Select {name}", name=segment.name)
        # What a search matches: the name, the id, the description and the rule in English.
        self.haystack = folded(" ".join((segment.name, saved.id, segment.description or "", english)))
        self._render()

    def show_figures(self, figures: SegmentFigures | None) -> None:
        """Show the segment's figures (None: being counted)."""
        self.figures = figures
        self._render()

    def _render(self) -> None:
        segment = self.saved.segment
        note = f'<div class="wb-description">{html.escape(segment.description)}</div>' if segment.description else ""
        who = (
            f'<div class="wb-who">{note}<div>{html.escape(self.english)} '
            f'<span class="wb-muted">· {html.escape(self.saved.id)}</span></div></div>'
        )
        edited = f'<div class="wb-edited">{self.t.when(self.saved.updated_at)}</div>'
        t, figures = self.t, self.figures
        cells = members_cell(figures, t) + reach_cells(figures, t) + trend_cell(figures, t) + who + edited
        self.cells.value = f'<div class="wb-cells">{cells}</div>'

    def matches(self, words: list[str]) -> bool:
        return all(word in self.haystack for word in words)

    def set_selected(self, selected: bool, actions: widgets.Widget | None) -> None:
        """Highlight the row, and show ``actions`` under it while it is selected."""
        (self.widget.add_class if selected else self.widget.remove_class)("wb-selected")
        self.name.button_style = "info" if selected else ""
        children = (self.line, actions) if selected else (self.line,)
        if self.widget.children != children:
            self.widget.children = children

    def close(self) -> None:
        for part in (self.widget, self.line, self.name, self.cells):  # not the shared looks
            part.close()
