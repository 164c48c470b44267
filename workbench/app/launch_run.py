"""The launch tab's *Send now*: a confirmation with the recipient count, then the send
notebook on a background thread, its progress, and what it did.

The confirmation is for what was asked about: if the campaign, segment, channel, template
or test-run box change before *Send* is pressed, the send is refused and asked again. While
a send runs, another is refused (the send log would not send twice anyway, but a second
notebook would only report "already sent").
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from workbench.app.feedback import Feedback
from workbench.app.launch_send import SendJob, check_channel_ready
from workbench.errors import WorkbenchError
from workbench.i18n import N_, Texts, texts
from workbench.send import Campaign, RunFiles, SendSettings, define_campaign
from workbench.send.run import check_template

if TYPE_CHECKING:
    from workbench.app.launch_view import LaunchChoice, LaunchView


# Short names of the exclusion reasons and message outcomes of a run's summary (messages).
SUMMARY_WORDS = {
    "already_sent": N_("already sent"),
    "failed_earlier": N_("failed earlier"),
    "no_address": N_("no address"),
    "no_consent": N_("no consent"),
    "unsubscribed": N_("unsubscribed"),
    "bounced": N_("bounced"),
    "frequency_cap": N_("frequency cap"),
    "quiet_hours": N_("quiet hours"),
    "sent": N_("sent"),
    "failed": N_("failed"),
    "deferred": N_("deferred"),
    "claimed_elsewhere": N_("sent by another run"),
    "not_attempted": N_("not attempted"),
    "dry_run": N_("written to the outbox"),
    "holdout": N_("held out"),
}


def _words(counts: dict[str, int], t: Texts) -> str:
    """``no consent 3, unsubscribed 1``: each count after its name, in the order of
    :data:`SUMMARY_WORDS` (the gate's order), an unknown key last, as it is."""
    order = list(SUMMARY_WORDS)
    keys = sorted(counts, key=lambda key: (order.index(key) if key in order else len(order), key))
    named = ((t._(SUMMARY_WORDS[key]) if key in SUMMARY_WORDS else key, counts[key]) for key in keys)
    return ", ".join(f"{name} {t.number(count)}" for name, count in named) or t._("none")


def summary_html(job: SendJob, t: Texts | None = None) -> str:
    """What a finished run did, from its recipient list, and where its audit record is."""
    t = t or texts()
    summary = job.summary or {}
    outcome: dict[str, int] = summary.get("outcome", {})
    excluded: dict[str, int] = summary.get("excluded", {})
    if job.dry_run:
        done = t.ngettext(
            "Test run of {id}: {n} message written to the outbox ({folder}); nothing was sent.",
            "Test run of {id}: {n} messages written to the outbox ({folder}); nothing was sent.",
            outcome.get("dry_run", 0),
            id=job.campaign_id,
            folder=job.outbox / job.campaign_id,
        )
    else:
        done = t._(
            "Campaign {id}: {outcome}.", id=job.campaign_id, outcome=_words({"sent": 0, "failed": 0, **outcome}, t)
        )
    parts = []
    if job.error:
        parts.append(f'<div class="wb-error" style="color:#b00020">{html.escape(job.error)}</div>')
    if summary:
        members = t._(
            "Members {n}; excluded: {excluded}.", n=t.number(summary.get("members", 0)), excluded=_words(excluded, t)
        )
        parts.append(f'<div class="wb-send-summary"><b>{html.escape(done)}</b></div>')
        parts.append(f'<div class="wb-note">{html.escape(members)}</div>')
    record = html.escape(t._("Audit record:"))
    parts.append(f'<div class="wb-note">{record} <code>{html.escape(str(job.audit_record))}</code></div>')
    return "".join(parts)


class SendPanel:
    """*Send now…*, its confirmation, the test-run box and the running send's progress."""

    def __init__(self, view: LaunchView) -> None:
        self.view = view
        self.t = t = view.t
        self.feedback = Feedback(t)
        self.dry_run = widgets.Checkbox(
            value=False, description=t._("Test run (write to outbox, send nothing)"), indent=False
        )
        self.send_button = widgets.Button(description=t._("Send now…"), icon="paper-plane", button_style="warning")
        self.send_button.on_click(lambda _b: self.feedback.run(self.ask, busy=t._("Counting recipients…")))
        self.question = widgets.HTML()
        self.confirm_button = widgets.Button(description=t._("Send"), icon="paper-plane", button_style="danger")
        self.confirm_button.on_click(lambda _b: self.feedback.run(self.start, busy=t._("Starting the send…")))
        cancel = widgets.Button(description=t._("Cancel"))
        cancel.on_click(lambda _b: self.cancel())
        self.confirm_panel = widgets.HBox([self.question, self.confirm_button, cancel])
        self.confirm_panel.add_class("wb-send-confirm")
        self.bar = widgets.IntProgress(min=0, max=1, value=0, layout=widgets.Layout(width="420px", display="none"))
        self.status = widgets.HTML()
        self.status.add_class("wb-send-status")
        self.job: SendJob | None = None
        self._asked: tuple[LaunchChoice, bool] | None = None
        self.cancel()
        self.widget = widgets.VBox(
            [
                widgets.HTML('<div class="wb-section">' + html.escape(t._("Send")) + "</div>"),
                widgets.HBox([self.send_button, self.dry_run]),
                self.confirm_panel,
                self.feedback.widget,
                self.bar,
                self.status,
            ]
        )
        self.widget.add_class("wb-launch-send")

    def cancel(self) -> None:
        """Forget the question asked (the selection changed, or the user said no)."""
        self._asked = None
        self.confirm_panel.layout.display = "none"

    def _refuse_while_running(self) -> None:
        if self.job is not None and self.job.running:
            raise WorkbenchError(self.t._("A send is running ({id}); wait for it to finish.", id=self.job.campaign_id))

    def ask(self) -> int:
        """Count the recipients of the tab's campaign now and ask to confirm; returns the count."""
        self._refuse_while_running()
        t = self.t
        choice = self.view.choice()
        shown = self.view.show_campaign(choice)
        if shown.problem:
            raise WorkbenchError(t._("{problem}. Fix the template first", problem=shown.problem))
        count, dry_run = shown.recipients.recipients, self.dry_run.value
        if dry_run:
            question = t.ngettext(
                "Test run: write {n} message to the outbox (nothing is sent)?",
                "Test run: write {n} messages to the outbox (nothing is sent)?",
                count,
            )
        else:
            question = t.ngettext("Send to {n} recipient?", "Send to {n} recipients?", count)
        if shown.recipients.holdout:
            held = t.ngettext(
                "{n} contact held out (counted, not messaged).",
                "{n} contacts held out (counted, not messaged).",
                shown.recipients.holdout,
            )
            question = f"{question} {held}"
        campaign = t._("Campaign {id}.", id=choice.campaign_id)
        self.question.value = f"<b>{html.escape(question)}</b> {html.escape(campaign)}"
        self._asked = (choice, dry_run)
        self.confirm_panel.layout.display = None
        return count

    def start(self) -> SendJob:
        """Start the confirmed send: checks first (template, channel), then the notebook in the background."""
        self._refuse_while_running()
        if self._asked is None:
            raise WorkbenchError(self.t._("Press Send now… first: it shows how many recipients the send has."))
        choice, dry_run = self.view.choice(), self.dry_run.value
        if (choice, dry_run) != self._asked:
            self.cancel()
            raise WorkbenchError(self.t._("The campaign changed since you were asked; press Send now… again."))
        self.cancel()
        self.job = self._launch(choice, dry_run)
        self._show(self.job)
        return self.job

    def _launch(self, choice: LaunchChoice, dry_run: bool) -> SendJob:
        app, ws = self.view.app, self.view.app.workspace
        # Everything that can refuse the send is checked before the campaign is stored.
        template = str(choice.template.resolve())
        check_template(
            ws, Campaign(choice.campaign_id, choice.campaign_id, choice.segment_id, choice.channel, template)
        )
        if dry_run:
            SendSettings.from_env()
        else:
            check_channel_ready(choice.channel)
        campaign = define_campaign(
            ws,
            choice.campaign_id,
            segment=choice.segment_id,
            channel=choice.channel,
            template=template,
            holdout=choice.holdout,
        )
        files = RunFiles.new(app.runs_dir, campaign.campaign_id)
        parameters: dict[str, Any] = {
            "db": ws.url.url,
            "campaign_id": campaign.campaign_id,
            "as_of": app.as_of.isoformat() if app.as_of else None,
            "dry_run": dry_run,
            "outbox": str(app.outbox.resolve()),
        }
        job = SendJob(campaign.campaign_id, parameters, files, dry_run=dry_run, outbox=app.outbox, on_change=self._show)
        self.send_button.disabled = True
        return job.start()

    def _show(self, job: SendJob) -> None:
        """The run's state on the page (called from the run's thread as it progresses)."""
        if job is not self.job:
            return
        t, counts = self.t, job.progress
        if not job.done.is_set():
            total, done = counts.get("total"), counts.get("done", 0)
            self.bar.layout.display = None
            if total is None:
                text = t._("starting the send notebook (the audience is evaluated first)…")
            else:
                self.bar.max, self.bar.value = max(total, 1), min(done, max(total, 1))
                text = t.ngettext(
                    "{done} of {n} message · sent {sent} · failed {failed}",
                    "{done} of {n} messages · sent {sent} · failed {failed}",
                    total,
                    done=t.number(done),
                    sent=t.number(counts.get("sent", 0)),
                    failed=t.number(counts.get("failed", 0)),
                )
            if job.dry_run:
                line = t._("Test run of {id}: {progress}", id=job.campaign_id, progress=text)
            else:
                line = t._("Sending {id}: {progress}", id=job.campaign_id, progress=text)
            self.status.value = f'<div class="wb-busy" style="color:#555">{html.escape(line)}</div>'
            return
        self.bar.layout.display = "none"
        self.status.value = summary_html(job, t)
        self.send_button.disabled = False
