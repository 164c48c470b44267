"""The lists tab: static lists — snapshot a segment, combine lists, import a CSV of
contacts, export a list or a segment as CSV."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from workbench.app.downloads import download_link
from workbench.app.feedback import Feedback
from workbench.app.lists import (
    OPERATIONS,
    Match,
    check_list_id,
    combine_lists,
    list_export,
    match_contacts,
    read_contact_file,
    segment_export,
    slugify,
    to_csv,
)
from workbench.errors import WorkbenchError
from workbench.widgets.nodeview import set_options

if TYPE_CHECKING:
    from workbench.app.shell import SegmentsApp


def lists_table(app: SegmentsApp) -> str:
    t = app.t
    if not app.lists:
        empty = html.escape(t._("No lists yet: snapshot a segment or import a CSV below."))
        return f'<div class="wb-muted">{empty}</div>'
    rows = "".join(
        f"<tr><td>{html.escape(info.name)}</td><td>{html.escape(info.list_id)}</td>"
        f'<td class="wb-num">{t.number(info.size)}</td><td>{html.escape(info.origin or "")}</td>'
        f"<td>{t.when(info.created_at)}</td></tr>"
        for info in app.lists
    )
    heads = [html.escape(h) for h in (t._("List"), t._("Id"), t._("Contacts"), t._("Made from"), t._("Made"))]
    return (
        f'<table class="wb-table wb-lists"><tr><th>{heads[0]}</th><th>{heads[1]}</th><th class="wb-num">{heads[2]}</th>'
        f"<th>{heads[3]}</th><th>{heads[4]}</th></tr>{rows}</table>"
    )


def section(title: str) -> widgets.HTML:
    return widgets.HTML(f'<div class="wb-section">{html.escape(title)}</div>')


class ListsView:
    """The lists tab. Each section's button calls one method, which tests call too."""

    def __init__(self, app: SegmentsApp) -> None:
        self.app = app
        self.t = t = app.t
        self.feedback = Feedback(t)
        self.table = widgets.HTML()
        wide = widgets.Layout(width="380px")
        # Snapshot
        self.snapshot_segment = widgets.Dropdown(description=t._("Segment"), layout=wide)
        self.snapshot_segment.observe(
            lambda change: self.feedback.run(lambda: self._suggest_snapshot_id(change["new"])), "value"
        )
        self.snapshot_id = widgets.Text(description=t._("List id"), layout=widgets.Layout(width="300px"))
        self.snapshot_button = widgets.Button(description=t._("Snapshot"), icon="camera", button_style="primary")
        self.snapshot_button.on_click(
            lambda _b: self.feedback.run(lambda: self.snapshot(self.snapshot_segment.value, self.snapshot_id.value))
        )
        # Combine
        self.first = widgets.Dropdown(description=t._("List"), layout=wide)
        self.operation = widgets.ToggleButtons(
            options=[(t._(name), key) for key, (name, _whom) in OPERATIONS.items()], value="union"
        )
        self.second = widgets.Dropdown(description=t._("with"), layout=wide)
        self.combined_id = widgets.Text(description=t._("New list id"), layout=widgets.Layout(width="300px"))
        combine = widgets.Button(description=t._("Combine"), icon="object-group", button_style="primary")
        combine.on_click(
            lambda _b: self.feedback.run(
                lambda: self.combine(self.operation.value, self.first.value, self.second.value, self.combined_id.value)
            )
        )
        # Import
        self.upload = widgets.FileUpload(accept=".csv,.txt", multiple=False, description=t._("Choose CSV"))
        self.import_id = widgets.Text(description=t._("List id"), layout=widgets.Layout(width="300px"))
        self.import_button = widgets.Button(description=t._("Import"), icon="upload", button_style="primary")
        self.import_button.on_click(lambda _b: self.feedback.run(self.import_uploaded))
        # Export
        self.export_source = widgets.Dropdown(description=t._("Export"), layout=widgets.Layout(width="480px"))
        export = widgets.Button(description=t._("Prepare CSV"), icon="download")
        export.on_click(
            lambda _b: self.feedback.run(lambda: self.export(self.export_source.value), busy=t._("Preparing…"))
        )
        columns = t._(
            "One column headed {contact_id} or {email} (or a single column without a header). "
            "Values that match no contact are reported.",
            contact_id="<code>contact_id</code>",
            email="<code>email</code>",
        )
        self.export_link = widgets.HTML()
        self.widget = widgets.VBox(
            [
                section(t._("Lists")),
                self.table,
                self.feedback.widget,
                section(t._("Snapshot a segment: freeze its members now into a list")),
                widgets.HBox([self.snapshot_segment, self.snapshot_id, self.snapshot_button]),
                section(t._("Combine two lists into a new one")),
                widgets.HBox([self.first, self.operation]),
                widgets.HBox([self.second, self.combined_id, combine]),
                section(t._("Import a CSV of contact ids or e-mail addresses")),
                widgets.HBox([self.upload, self.import_id, self.import_button]),
                widgets.HTML(f'<div class="wb-note">{columns}</div>'),
                section(t._("Export as CSV")),
                widgets.HBox([self.export_source, export]),
                self.export_link,
            ]
        )
        self.widget.add_class("wb-lists-view")
        self.refresh()

    def refresh(self) -> None:
        """Show the lists and offer the current segments and lists in every picker."""
        self.table.value = lists_table(self.app)
        segments = self.app.segment_options()
        lists = self.app.list_options()
        set_options(self.snapshot_segment, segments, self.snapshot_segment.value)
        set_options(self.first, lists, self.first.value)
        set_options(self.second, lists, self.second.value)
        t = self.t
        sources = [(t._("List › {name}", name=label), ("list", v)) for label, v in lists]
        sources += [(t._("Segment › {name}", name=label), ("segment", v)) for label, v in segments]
        set_options(self.export_source, sources, self.export_source.value)

    def _suggest_snapshot_id(self, segment_id: str | None) -> None:
        if segment_id:
            self.snapshot_id.value = slugify(f"{segment_id}-{self.app.instant():%Y-%m-%d}")

    def _new_list_id(self, list_id: str) -> str:
        list_id = check_list_id(list_id, self.t)
        if any(info.list_id == list_id for info in self.app.lists):
            raise WorkbenchError(self.t._("A list {id} already exists; choose another id.", id=repr(list_id)))
        return list_id

    # --- actions ----------------------------------------------------------------------------------

    def prepare_snapshot(self, segment_id: str) -> None:
        """Go to this tab with ``segment_id`` picked for a snapshot."""
        set_options(self.snapshot_segment, self.app.segment_options(), segment_id)
        self._suggest_snapshot_id(segment_id)
        self.app.go("Lists")

    def snapshot(self, segment_id: str | None, list_id: str) -> int:
        """Freeze the segment's members now into a new list; returns its size."""
        if not segment_id:
            raise WorkbenchError(self.t._("Pick a segment to snapshot."))
        list_id = self._new_list_id(list_id)
        as_of = self.app.instant()
        size = self.app.workspace.snapshot(segment_id, list_id, as_of)
        self.app.lists_changed()
        t = self.t
        self.feedback.say(
            t._(
                "List {id}: {contacts} of {segment}, as of {time}.",
                id=repr(list_id),
                contacts=t.contacts(size),
                segment=repr(segment_id),
                time=t.when(as_of),
            )
        )
        return size

    def combine(self, operation: str, first: str | None, second: str | None, list_id: str) -> int:
        """Make a new list of the contacts in ``first`` and/or not ``second``; returns its size."""
        if not first or not second:
            raise WorkbenchError(self.t._("Pick the two lists to combine."))
        t = self.t
        list_id = self._new_list_id(list_id)
        ids = combine_lists(self.app.workspace, operation, first, second, t)
        origin = f"{operation} of {first} and {second}"
        self.app.workspace.create_list(list_id, ids, name=list_id, origin=origin)
        self.app.lists_changed()
        whom = t._(OPERATIONS[operation][1])
        self.feedback.say(
            t._("List {id}: {contacts} {whom}.", id=repr(list_id), contacts=t.contacts(len(ids)), whom=whom)
        )
        return len(ids)

    def import_uploaded(self) -> Match:
        """Import the uploaded file into the list named beside it."""
        uploaded = self.upload.value
        if not uploaded:
            raise WorkbenchError(self.t._("Choose a CSV file first."))
        file: Any = uploaded[0]
        match = self.import_csv(
            bytes(file["content"]), self.import_id.value or slugify(file["name"].rsplit(".", 1)[0]), file["name"]
        )
        self.upload.value = ()
        return match

    def import_csv(self, content: bytes, list_id: str, filename: str = "upload.csv") -> Match:
        """Make a list of the contacts a CSV names; reports how many values matched none."""
        list_id = self._new_list_id(list_id)
        match = match_contacts(self.app.evaluator(), read_contact_file(content))
        if not match.contact_ids:
            raise WorkbenchError(
                self.t.ngettext(
                    "None of the {n} value in the file matches a contact; no list was made.",
                    "None of the {n} values in the file matches a contact; no list was made.",
                    match.values,
                )
            )
        self.app.workspace.create_list(list_id, match.contact_ids, name=list_id, origin=f"import of {filename}")
        self.app.lists_changed()
        self.feedback.say(match.summary(list_id, self.t))
        return match

    def export(self, source: tuple[str, str] | None) -> bytes:
        """A CSV of a list's or a segment's members (as of now), offered as a download link."""
        if not source:
            raise WorkbenchError(self.t._("Pick a list or a segment to export."))
        kind, source_id = source
        evaluator = self.app.evaluator()
        if kind == "list":
            frame = list_export(evaluator, source_id)
        else:
            frame = segment_export(evaluator, source_id, self.app.instant())
        content = to_csv(frame)
        filename = f"{kind}-{source_id}.csv"
        # the members' columns keep their raw names: the file is made to be imported again
        label = self.t._("Download {file} ({contacts})", file=filename, contacts=self.t.contacts(len(frame)))
        self.export_link.value = download_link(content, filename, label)
        return content
