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
from workbench.app.text import plural
from workbench.errors import WorkbenchError
from workbench.send import Campaign, RunFiles, SendSettings, define_campaign
from workbench.send.run import check_template

if TYPE_CHECKING:
    from workbench.app.launch_view import LaunchChoice, LaunchView


def _words(counts: dict[str, int]) -> str:
    return ", ".join(f"{key.replace('_', ' ')} {count:,}" for key, count in sorted(counts.items())) or "none"


def summary_html(job: SendJob) -> str:
    """What a finished run did, from its recipient list, and where its audit record is."""
    summary = job.summary or {}
    outcome: dict[str, int] = summary.get("outcome", {})
    excluded: dict[str, int] = summary.get("excluded", {})
    head = html.escape(job.campaign_id)
    if job.dry_run:
        written = outcome.get("dry_run", 0)
        folder = html.escape(str(job.outbox / job.campaign_id))
        done = f"Test run of {head}: {plural(written, 'message')} written to the outbox ({folder}); nothing was sent."
    else:
        done = (
            f"Campaign {head}: sent {outcome.get('sent', 0):,}, failed {outcome.get('failed', 0):,}"
            + "".join(
                f", {k.replace('_', ' ')} {v:,}" for k, v in sorted(outcome.items()) if k not in ("sent", "failed")
            )
            + "."
        )
    parts = []
    if job.error:
        parts.append(f'<div class="wb-error" style="color:#b00020">{html.escape(job.error)}</div>')
    if summary:
        parts.append(f'<div class="wb-send-summary"><b>{done}</b></div>')
        parts.append(
            f'<div class="wb-note">Members {summary.get("members", 0):,}; excluded: {html.escape(_words(excluded))}.</div>'
        )
    parts.append(f'<div class="wb-note">Audit record: <code>{html.escape(str(job.audit_record))}</code></div>')
    return "".join(parts)


class SendPanel:
    """*Send now…*, its confirmation, the test-run box and the running send's progress."""

    def __init__(self, view: LaunchView) -> None:
        self.view = view
        self.feedback = Feedback()
        self.dry_run = widgets.Checkbox(
            value=False, description="Test run (write to outbox, send nothing)", indent=False
        )
        self.send_button = widgets.Button(description="Send now…", icon="paper-plane", button_style="warning")
        self.send_button.on_click(lambda _b: self.feedback.run(self.ask, busy="Counting recipients…"))
        self.question = widgets.HTML()
        self.confirm_button = widgets.Button(description="Send", icon="paper-plane", button_style="danger")
        self.confirm_button.on_click(lambda _b: self.feedback.run(self.start, busy="Starting the send…"))
        cancel = widgets.Button(description="Cancel")
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
                widgets.HTML('<div class="wb-section">Send</div>'),
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
            raise WorkbenchError(f"A send is running ({self.job.campaign_id}); wait for it to finish.")

    def ask(self) -> int:
        """Count the recipients of the tab's campaign now and ask to confirm; returns the count."""
        self._refuse_while_running()
        choice = self.view.choice()
        shown = self.view.show_campaign(choice)
        if shown.problem:
            raise WorkbenchError(f"{shown.problem}. Fix the template first")
        count, dry_run = shown.recipients.recipients, self.dry_run.value
        if dry_run:
            question = f"Test run: write {plural(count, 'message')} to the outbox (nothing is sent)?"
        else:
            question = f"Send to {plural(count, 'recipient')}?"
        if shown.recipients.holdout:
            question += f" {plural(shown.recipients.holdout, 'contact')} held out (counted, not messaged)."
        self.question.value = f"<b>{html.escape(question)}</b> Campaign {html.escape(choice.campaign_id)}."
        self._asked = (choice, dry_run)
        self.confirm_panel.layout.display = None
        return count

    def start(self) -> SendJob:
        """Start the confirmed send: checks first (template, channel), then the notebook in the background."""
        self._refuse_while_running()
        if self._asked is None:
            raise WorkbenchError("Press Send now… first: it shows how many recipients the send has.")
        choice, dry_run = self.view.choice(), self.dry_run.value
        if (choice, dry_run) != self._asked:
            self.cancel()
            raise WorkbenchError("The campaign changed since you were asked; press Send now… again.")
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
        counts = job.progress
        if not job.done.is_set():
            total, done = counts.get("total"), counts.get("done", 0)
            self.bar.layout.display = None
            if total is None:
                text = "starting the send notebook (the audience is evaluated first)…"
            else:
                self.bar.max, self.bar.value = max(total, 1), min(done, max(total, 1))
                text = f"{done:,} of {plural(total, 'message')} · sent {counts.get('sent', 0):,} · failed {counts.get('failed', 0):,}"
            verb = "Test run of" if job.dry_run else "Sending"
            self.status.value = f'<div class="wb-busy" style="color:#555">{verb} {html.escape(job.campaign_id)}: {html.escape(text)}</div>'
            return
        self.bar.layout.display = "none"
        self.status.value = summary_html(job)
        self.send_button.disabled = False
