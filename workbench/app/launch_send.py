"""Sending from the launch tab, without widgets: the templates a marketer may pick, a
campaign's preview (the send gate and its first messages), the checks made before a send
starts, and the send itself as the send package's papermill run on a background thread.

Everything goes through the send package's public API (``define_campaign``,
``prepare_send``, ``select_audience``, ``run_send_notebook``), so the app sends exactly as
``workbench send`` does: same notebook, same audit record, same exactly-once send log.
Templates come only from the app's templates folder, picked by name.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from workbench.app.recipients import RecipientPreview
from workbench.errors import WorkbenchError
from workbench.i18n import Texts, texts
from workbench.send import (
    GATE,
    Audience,
    Campaign,
    ChannelConfigError,
    RunFiles,
    SendSettings,
    TemplateError,
    prepare_send,
    resolve_policy,
    run_send_notebook,
    select_audience,
)
from workbench.send.audit import run_summary
from workbench.send.campaigns import check_campaign_id
from workbench.send.channels import open_transport
from workbench.send.templates import ALIASES, PARTS, REQUIRED
from workbench.store.workspace import Workspace

log = logging.getLogger(__name__)

# What a template file or folder in the templates folder may be called (no paths, no dot-files).
TEMPLATE_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,99}$")
SENDABLE = ("sent", "failed", "deferred", "claimed_elsewhere", "not_attempted", "dry_run")


# --- templates --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateChoice:
    """A template in the templates folder and the channels its parts are for."""

    name: str
    path: Path
    channels: tuple[str, ...]


def _fits(parts: set[str], channel: str) -> bool:
    if not parts <= set(PARTS[channel]) or not set(REQUIRED[channel]) <= parts:
        return False
    return channel != "email" or bool({"html", "text"} & parts)


def _channels_of(path: Path) -> tuple[str, ...]:
    """The channels a template's parts are for; a template that fits none (a missing or
    unknown part, unreadable JSON) is offered for every channel, so picking it shows why."""
    if path.is_file() and path.suffix == ".txt":
        return ("sms",)
    try:
        if path.is_dir():
            names = [f.name for f in path.iterdir() if f.is_file() and not f.name.startswith(".")]
            fitting = tuple(c for c in PARTS if _fits({ALIASES[c].get(n, Path(n).stem) for n in names}, c))
        else:
            parts = json.loads(path.read_text(encoding="utf-8"))
            fitting = tuple(c for c in PARTS if isinstance(parts, dict) and _fits(set(parts), c))
    except (OSError, ValueError):
        fitting = ()
    return fitting or tuple(PARTS)


def list_templates(folder: Path) -> list[TemplateChoice]:
    """The templates in ``folder``: its sub-folders, ``.json`` files and (SMS) ``.txt`` files."""
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.iterdir(), key=lambda p: p.name.casefold()):
        if not TEMPLATE_NAME_RE.match(path.name) or not (path.is_dir() or path.suffix in (".json", ".txt")):
            continue
        found.append(TemplateChoice(path.name, path, _channels_of(path)))
    return found


def template_path(folder: Path, name: str | None, channel: str, t: Texts | None = None) -> Path:
    """The template called ``name`` in ``folder`` for ``channel``; nothing outside the folder."""
    t = t or texts()
    if not name:
        raise WorkbenchError(t._("Pick a template first (the templates are in {folder}).", folder=folder))
    for choice in list_templates(folder):
        if choice.name == name:
            if channel not in choice.channels:
                raise WorkbenchError(
                    t._(
                        "Template {name} is for {channels}, not {channel}.",
                        name=repr(name),
                        channels=" + ".join(choice.channels),
                        channel=channel,
                    )
                )
            return choice.path
    raise WorkbenchError(t._("There is no template {name} in {folder}.", name=repr(name), folder=folder))


def campaign_id_of(text: str, t: Texts | None = None) -> str:
    """A campaign id typed by the user, checked."""
    t = t or texts()
    text = (text or "").strip()
    if not text:
        raise WorkbenchError(t._("Type a campaign id first."))
    try:
        return check_campaign_id(text)
    except WorkbenchError:
        raise WorkbenchError(
            t._(
                "{id} is not a valid campaign id: lower-case letters, digits, '_' and '-', at most 100, "
                "e.g. 'vip-thanks-2026-11'.",
                id=repr(text),
            )
        ) from None


# --- the preview of one campaign ---------------------------------------------------------------


@dataclass(frozen=True)
class CampaignPreview:
    """The gate's counts for the campaign, the first messages, and what stops the template."""

    recipients: RecipientPreview
    messages: list[dict] = field(default_factory=list)
    problem: str | None = None


def audience_preview(audience: Audience, segment_id: str) -> RecipientPreview:
    """The gate's counts as the launch tab shows them (earlier sends of the campaign when any),
    in the audience's language."""
    counts, t = audience.counts(), audience.texts
    excluded = tuple(
        (audience.rules[key], counts[key])
        for key in GATE
        if key not in ("already_sent", "failed_earlier") or counts[key]
    )
    return RecipientPreview(
        segment_id,
        audience.campaign.channel,
        audience.as_of,
        counts["members"],
        excluded,
        counts["recipients"],
        t._(
            "address, consent, unsubscribes, bounces, frequency caps, quiet hours and earlier sends of "
            "campaign {id}, as a send now would",
            id=audience.campaign.campaign_id,
        ),
        counts["holdout"],
    )


def preview_campaign(
    ws: Workspace, campaign: Campaign, as_of: datetime, messages: int = 3, t: Texts | None = None
) -> CampaignPreview:
    """What a send of ``campaign`` would do now: its recipients and first messages, the gate's
    rules written with ``t`` (default: the workspace's language). Nothing is stored or sent. A
    template or configuration problem comes back as ``problem``, with the counts."""
    try:
        plan = prepare_send(ws, campaign, as_of=as_of, dry_run=True, t=t)
    except (TemplateError, ChannelConfigError) as exc:
        audience = select_audience(ws, campaign, as_of, resolve_policy(ws, campaign.channel), t=t)
        return CampaignPreview(audience_preview(audience, campaign.segment), [], str(exc))
    rendered = plan.previews(messages)
    # one recipient's values may break their message (they alone would fail); on everyone shown, the template
    failed = [message["error"] for message in rendered if "error" in message]
    problem = failed[0] if failed and len(failed) == len(rendered) else None
    return CampaignPreview(audience_preview(plan.audience, campaign.segment), rendered, problem)


# --- before a send -------------------------------------------------------------------------------


def check_channel_ready(channel: str) -> None:
    """Refuse to start a send the channel cannot deliver: the settings read from the
    environment, the provider configured, and for email the SMTP server reachable and the
    login accepted (a connection opened and closed; nothing is sent)."""
    try:
        transport = open_transport(channel, SendSettings.from_env())
        if channel == "email":
            transport.check()
    except ChannelConfigError as exc:
        raise ChannelConfigError(f"{exc}. Nothing was sent") from exc


# --- the send, on a background thread --------------------------------------------------------------


class SendJob:
    """One run of the send notebook on a thread of its own, so the app stays usable.

    ``progress`` is the latest counts of the progress file the notebook writes (total, done,
    sent, failed, …); when the run is over, ``summary`` holds the counts read back from the
    recipient list, and ``error`` what stopped the run, if anything. ``on_change(job)`` is
    called (on the job's thread) after each change.
    """

    def __init__(
        self,
        campaign_id: str,
        parameters: dict[str, Any],
        files: RunFiles,
        *,
        dry_run: bool,
        outbox: Path,
        on_change: Callable[[SendJob], None] | None = None,
    ) -> None:
        self.campaign_id = campaign_id
        self.parameters = parameters
        self.files = files
        self.dry_run = dry_run
        self.outbox = outbox
        self.on_change = on_change
        self.progress: dict[str, int] = {}
        self.summary: dict[str, Any] | None = None
        self.error: str | None = None
        self.done = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"send-{campaign_id}", daemon=True)

    @property
    def audit_record(self) -> Path:
        return self.files.notebook

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and not self.done.is_set()

    def start(self) -> SendJob:
        self._thread.start()
        return self

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the run is over (scripts, tests); False on timeout."""
        return self.done.wait(timeout)

    def _run(self) -> None:
        from papermill.exceptions import PapermillExecutionError

        try:
            run_send_notebook(self.parameters, self.files, on_progress=self._progressed)
        except PapermillExecutionError as exc:
            evalue = " ".join(str(exc.evalue).split())[:500]
            self.error = f"The send stopped in the notebook: {exc.ename}: {evalue}"
        except Exception as exc:
            log.exception("the send of %s could not run", self.campaign_id)
            self.error = f"The send could not run ({type(exc).__name__}: {exc})"
        self.summary = run_summary(self.files)
        self.done.set()
        self._changed()

    def _progressed(self, counts: dict) -> None:
        self.progress = dict(counts)
        self._changed()

    def _changed(self) -> None:
        if self.on_change is None:
            return
        try:
            self.on_change(self)
        except Exception:  # the page must not lose the run's end because of a display problem
            log.exception("showing the progress of %s failed", self.campaign_id)
