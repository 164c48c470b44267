"""The campaign launch tab: pick a segment, a channel and a template, see who would receive
it and what the first messages look like, then send now (or a test run into the outbox) or
on a schedule.

The campaign id defaults to ``<segment>-<channel>-<template>`` (as ``workbench send`` names
it) and can be changed. Sends are the send package's papermill runs (``launch_run``),
schedules its schedules (``launch_schedule``); without the send package the tab shows the
recipient preview only.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import ipywidgets as widgets

from workbench.app.channels import CHANNELS
from workbench.app.feedback import Feedback
from workbench.app.recipients import RecipientPreview, preview_recipients
from workbench.errors import WorkbenchError
from workbench.i18n import N_, Texts, texts
from workbench.widgets.nodeview import set_options

try:  # sending needs the send package's extras (jinja2, croniter, papermill)
    from workbench.app import launch_send
    from workbench.app.launch_run import SendPanel
    from workbench.app.launch_schedule import SchedulePanel
    from workbench.send import Campaign
    from workbench.send.campaigns import default_campaign_id
except ImportError:  # pragma: no cover - the send extras are installed in development
    launch_send = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from workbench.app.launch_send import CampaignPreview
    from workbench.app.shell import SegmentsApp

log = logging.getLogger(__name__)

NO_SENDING = N_(
    "Sending from this page needs the send package: pip install -e '.[send]'. The preview is what a send would reach now."
)


def preview_html(preview: RecipientPreview, t: Texts | None = None) -> str:
    t = t or texts()
    rows = "".join(
        f'<tr><td>{html.escape(reason)}</td><td class="wb-num">{f"−{t.number(count)}" if count else "0"}</td></tr>'
        for reason, count in preview.excluded
    )
    channel = t._(CHANNELS[preview.channel].label)
    title = t.ngettext("{n} recipient by {channel}", "{n} recipients by {channel}", preview.recipients, channel=channel)
    members = t._("members of {segment} as of {time}", segment=preview.segment_id, time=t.when(preview.as_of))
    if preview.holdout:
        held = t._("held out: counted, not messaged")
        rows += f'<tr class="wb-holdout"><td>{html.escape(held)}</td><td class="wb-num">−{t.number(preview.holdout)}</td></tr>'

    recipients, checked = t._("recipients"), t._("Checked: {what}.", what=preview.checked)
    return (
        f'<div class="wb-section wb-recipient-count">{html.escape(title)}</div>'
        '<table class="wb-table wb-recipients">'
        f"<tr><td>{html.escape(members)}</td>"
        f'<td class="wb-num">{t.number(preview.members)}</td></tr>{rows}'
        f'<tr><th>{html.escape(recipients)}</th><th class="wb-num">{t.number(preview.recipients)}</th></tr></table>'
        f'<div class="wb-note">{html.escape(checked)}</div>'
    )


PART_ORDER = ("subject", "title", "body", "url", "html", "text")
PART_LABELS = {  # messages, shown translated
    "subject": N_("Subject"),
    "title": N_("Title"),
    "body": N_("Body"),
    "url": N_("Link"),
    "text": N_("Text"),
    "error": N_("Cannot be sent to this contact"),
}


def messages_html(messages: list[dict], t: Texts | None = None) -> str:
    """The first messages as rendered for their recipients. An HTML body is shown in a
    sandboxed frame: no scripts, no access to the page."""
    t = t or texts()
    boxes = []
    for message in messages:
        head = t._(
            "To <b>{to}</b> (contact {contact})",
            to=html.escape(str(message["to"])),
            contact=html.escape(str(message["contact_id"])),
        )
        parts = []
        content = {k: v for k, v in message.items() if k not in ("contact_id", "to")}
        for part in sorted(content, key=lambda p: PART_ORDER.index(p) if p in PART_ORDER else len(PART_ORDER)):
            text = str(content[part])
            if part == "html":
                parts.append(
                    f'<iframe class="wb-message-html" sandbox="" srcdoc="{html.escape(text, quote=True)}" '
                    'style="width:100%;height:220px;border:1px solid #ddd;background:#fff"></iframe>'
                )
            else:
                label = t._(PART_LABELS[part]) if part in PART_LABELS else part
                if part == "text" and "html" in content:
                    label = t._("Plain-text version")
                parts.append(
                    f'<div><span class="wb-muted">{html.escape(label)}:</span> '
                    f'<span style="white-space:pre-wrap">{html.escape(text)}</span></div>'
                )
        boxes.append(
            '<div class="wb-message" style="border:1px solid #ccc;border-radius:4px;padding:6px 10px;margin:6px 0">'
            f"<div>{head}</div>{''.join(parts)}</div>"
        )
    if not boxes:
        return ""
    first = html.escape(t.ngettext("The first {n} message", "The first {n} messages", len(boxes)))
    return f'<div class="wb-section">{first}</div>' + "".join(boxes)


@dataclass(frozen=True)
class LaunchChoice:
    """What the tab would send: a saved segment, a channel, a template of the folder, an id."""

    segment_id: str
    channel: str
    template: Path
    campaign_id: str
    holdout: float = 0.0  # the share of eligible recipients kept back to measure the campaign


class LaunchView:
    """The campaign launch tab; ``preview`` is what its button calls, ``sending.ask`` /
    ``sending.start`` are *Send now…* and *Send*, ``scheduling.add`` is *Schedule*."""

    def __init__(self, app: SegmentsApp) -> None:
        self.app = app
        self.t = t = app.t
        self.feedback = Feedback(t)
        self.segment = widgets.Dropdown(description=t._("Segment"), layout=widgets.Layout(width="420px"))
        self.channel = widgets.ToggleButtons(
            options=[(t._(c.label), key) for key, c in CHANNELS.items()], value="email"
        )
        self.template = widgets.Dropdown(description=t._("Template"), layout=widgets.Layout(width="420px"))
        self.campaign_id = widgets.Text(description=t._("Campaign id"), layout=widgets.Layout(width="420px"))
        self.campaign_id.add_class("wb-campaign-id")
        self.holdout = widgets.BoundedIntText(
            value=0,
            min=0,
            max=50,
            description=t._("Holdout %"),
            tooltip=t._(
                "Eligible recipients kept back, chosen by a hash: their results show what the campaign changed"
            ),
            layout=widgets.Layout(width="200px"),
        )
        self.holdout.add_class("wb-holdout")
        self._suggested_id = ""
        self.preview_button = widgets.Button(
            description=t._("Preview recipients"), icon="users", button_style="primary"
        )
        self.preview_button.on_click(
            lambda _b: self.feedback.run(self.preview_from_widgets, busy=t._("Counting recipients…"))
        )
        self.result = widgets.HTML()
        self.messages = widgets.HTML()
        self.last: RecipientPreview | None = None
        self.last_campaign: CampaignPreview | None = None
        rows: list[widgets.Widget] = [widgets.HBox([self.segment, self.channel])]
        if launch_send is not None:
            rows.append(widgets.HBox([self.template, self.campaign_id, self.holdout]))
        rows += [self.preview_button, self.feedback.widget, self.result, self.messages]
        if launch_send is not None:
            self.sending = SendPanel(self)
            self.scheduling = SchedulePanel(self)
            rows += [self.sending.widget, self.scheduling.widget]
            for control in (self.segment, self.channel, self.template, self.campaign_id, self.holdout):
                control.observe(lambda _change: self._selection_changed(), "value")
        else:
            no_sending = html.escape(t._(NO_SENDING))
            rows.append(widgets.HTML(f'<div class="wb-note">{no_sending}</div>'))
        self.widget = widgets.VBox(rows)
        self.widget.add_class("wb-launch-view")
        self.refresh()
        if launch_send is not None:
            self.feedback.run(self.scheduling.refresh)

    # --- the selection ---------------------------------------------------------------------------

    def refresh(self) -> None:
        set_options(self.segment, self.app.segment_options(), self.segment.value)
        self._offer_templates()

    def prepare(self, segment_id: str) -> None:
        """Go to this tab with ``segment_id`` picked."""
        set_options(self.segment, self.app.segment_options(), segment_id)
        self.result.value = self.messages.value = ""
        self.app.go("Campaign launch")

    def template_options(self, channel: str) -> list[str]:
        """The names of the templates in the app's folder that are for ``channel``."""
        if launch_send is None:
            return []
        return [t.name for t in launch_send.list_templates(self.app.templates) if channel in t.channels]

    def _offer_templates(self) -> None:
        if launch_send is None:
            return
        names = self.template_options(self.channel.value)
        current = self.template.value if self.template.value in names else (names[0] if names else None)
        set_options(self.template, [(n, n) for n in names], current)
        t = self.t
        self.template.description = t._("Template") if names else t._("No template")
        self.template.tooltip = t._(
            "Templates for {channel} in {folder}", channel=self.channel.value, folder=self.app.templates
        )

    def _selection_changed(self) -> None:
        self._offer_templates()
        segment, channel, template = self.segment.value, self.channel.value, self.template.value
        suggested = default_campaign_id(segment, channel, template) if segment and template else ""
        if self.campaign_id.value in ("", self._suggested_id):
            self.campaign_id.value = suggested
        self._suggested_id = suggested
        self.sending.cancel()  # a confirmation is for the selection it was asked about

    def choice(self) -> LaunchChoice:
        """The tab's selection, checked: a saved segment, a template of the folder, a valid id."""
        if launch_send is None:
            raise WorkbenchError(self.t._(NO_SENDING))
        segment_id = self._segment(self.segment.value)
        channel = self.channel.value
        template = launch_send.template_path(self.app.templates, self.template.value, channel, self.t)
        campaign_id = launch_send.campaign_id_of(self.campaign_id.value, self.t)
        return LaunchChoice(segment_id, channel, template, campaign_id, self.holdout.value / 100)

    def _segment(self, segment_id: str | None) -> str:
        if not segment_id:
            raise WorkbenchError(self.t._("Pick a segment first."))
        if segment_id not in {saved.id for saved in self.app.saved}:  # ids only: never a path to a file
            raise WorkbenchError(self.t._("There is no saved segment {id}.", id=repr(segment_id)))
        return segment_id

    # --- previews --------------------------------------------------------------------------------

    def preview_from_widgets(self) -> RecipientPreview:
        if launch_send is None or not self.template.value:
            return self.preview(self.segment.value, self.channel.value)
        return self.show_campaign(self.choice(), raise_problem=True).recipients

    def preview(self, segment_id: str | None, channel: str) -> RecipientPreview:
        """Count the recipients the segment would have on ``channel`` now (any campaign)."""
        if not segment_id:
            raise WorkbenchError(self.t._("Pick a segment first."))
        preview = preview_recipients(self.app.evaluator(), segment_id, channel, self.app.instant(), self.t)
        self.result.value = preview_html(preview, self.t)
        self.messages.value = ""
        self.last = preview
        return preview

    def show_campaign(self, choice: LaunchChoice, raise_problem: bool = False) -> CampaignPreview:
        """The campaign's recipients (with its earlier sends) and its first three messages; a
        template problem is raised as a message when ``raise_problem``, the counts shown anyway."""
        self.app.evaluator().segment(choice.segment_id)  # a deleted segment is a clear message
        campaign = Campaign(
            choice.campaign_id,
            choice.campaign_id,
            choice.segment_id,
            choice.channel,
            str(choice.template.resolve()),
            holdout=choice.holdout,
        )
        shown = launch_send.preview_campaign(self.app.workspace, campaign, self.app.instant(), t=self.t)
        self.result.value = preview_html(shown.recipients, self.t)
        self.messages.value = messages_html(shown.messages, self.t)
        self.last, self.last_campaign = shown.recipients, shown
        if shown.problem and raise_problem:
            raise WorkbenchError(shown.problem)
        return shown
