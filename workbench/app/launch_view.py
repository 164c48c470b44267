"""The campaign launch tab: pick a segment and a channel, see how many would receive it.

Sending itself (now or on a schedule) goes through the send package's papermill run; this
tab shows the recipient preview until the app can start one.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import ipywidgets as widgets

from workbench.app.channels import CHANNELS
from workbench.app.feedback import Feedback
from workbench.app.recipients import RecipientPreview, preview_recipients
from workbench.app.text import plural, when
from workbench.errors import WorkbenchError
from workbench.widgets.nodeview import set_options

if TYPE_CHECKING:
    from workbench.app.shell import SegmentsApp

NOT_YET = (
    "Starting or scheduling the send from this page is not available yet: sends run as "
    "papermill jobs of the send package. The preview above is what such a send would reach now."
)


def preview_html(preview: RecipientPreview) -> str:
    rows = "".join(
        f'<tr><td>{html.escape(reason)}</td><td class="wb-num">{f"−{count:,}" if count else "0"}</td></tr>'
        for reason, count in preview.excluded
    )
    label = CHANNELS[preview.channel].label
    return (
        f'<div class="wb-section wb-recipient-count">{plural(preview.recipients, "recipient")} by {label}</div>'
        '<table class="wb-table wb-recipients">'
        f"<tr><td>members of {html.escape(preview.segment_id)} as of {when(preview.as_of)}</td>"
        f'<td class="wb-num">{preview.members:,}</td></tr>{rows}'
        f'<tr><th>recipients</th><th class="wb-num">{preview.recipients:,}</th></tr></table>'
        f'<div class="wb-note">Checked: {html.escape(preview.checked)}.</div>'
    )


class LaunchView:
    """The campaign launch tab; ``preview`` is what its button calls."""

    def __init__(self, app: SegmentsApp) -> None:
        self.app = app
        self.feedback = Feedback()
        self.segment = widgets.Dropdown(description="Segment", layout=widgets.Layout(width="420px"))
        self.channel = widgets.ToggleButtons(options=[(c.label, key) for key, c in CHANNELS.items()], value="email")
        self.preview_button = widgets.Button(description="Preview recipients", icon="users", button_style="primary")
        self.preview_button.on_click(
            lambda _b: self.feedback.run(
                lambda: self.preview(self.segment.value, self.channel.value), busy="Counting recipients…"
            )
        )
        self.result = widgets.HTML()
        self.last: RecipientPreview | None = None
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.segment, self.channel, self.preview_button]),
                self.feedback.widget,
                self.result,
                widgets.HTML(f'<div class="wb-note">{html.escape(NOT_YET)}</div>'),
            ]
        )
        self.widget.add_class("wb-launch-view")
        self.refresh()

    def refresh(self) -> None:
        set_options(self.segment, self.app.segment_options(), self.segment.value)

    def prepare(self, segment_id: str) -> None:
        """Go to this tab with ``segment_id`` picked."""
        set_options(self.segment, self.app.segment_options(), segment_id)
        self.result.value = ""
        self.app.go("Campaign launch")

    def preview(self, segment_id: str | None, channel: str) -> RecipientPreview:
        """Count the recipients the segment would have on ``channel`` now."""
        if not segment_id:
            raise WorkbenchError("Pick a segment first.")
        preview = preview_recipients(self.app.evaluator(), segment_id, channel, self.app.instant())
        self.result.value = preview_html(preview)
        self.last = preview
        return preview
