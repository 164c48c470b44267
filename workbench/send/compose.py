"""One recipient's message: the rendered template, tracking, unsubscribe links and ids."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

from workbench.send.campaigns import Campaign
from workbench.send.errors import ChannelConfigError
from workbench.send.headers import header_problem
from workbench.send.recipients import Audience
from workbench.send.settings import SendSettings
from workbench.send.templates import TemplateSet
from workbench.send.tracking import Tracker, track_html, track_text


@dataclass(frozen=True)
class OutgoingMessage:
    """What a channel delivers: the address, the rendered parts and the headers' inputs."""

    campaign_id: str
    contact_id: str
    channel: str
    to: str
    message_id: str  # the same on every attempt and every run, so a provider can de-duplicate
    content: Mapping[str, str]
    recipient_name: str | None = None
    unsubscribe: tuple[str, ...] = field(default=())  # https and/or mailto URLs
    template_language: str | None = None  # the variant sent (``pl``, ``default``); None: the template has none

    def event_properties(self) -> dict[str, str]:
        """What the ``*_sent`` event keeps of the message, as the sample shop's sends do, and
        the language variant sent when the template has variants (results can be split by it)."""
        props = {"message_id": self.message_id}
        if self.template_language is not None:
            props["template_language"] = self.template_language
        if "subject" in self.content:
            props["subject"] = self.content["subject"]
        if "title" in self.content:
            props["title"] = self.content["title"]
        return props


def message_id(campaign_id: str, contact_id: str, domain: str) -> str:
    """``<wb.campaign.contact@domain>``, stable across retries and re-runs."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", contact_id)
    return f"<wb.{campaign_id}.{safe}@{domain}>"


class Composer:
    """Renders the campaign's template for the audience's recipients."""

    def __init__(
        self, campaign: Campaign, audience: Audience, templates: TemplateSet, settings: SendSettings, tracker: Tracker
    ) -> None:
        self.campaign = campaign
        self.audience = audience
        self.templates = templates
        self.settings = settings
        self.tracker = tracker

    def unsubscribe_links(self, contact_id: str) -> tuple[str, ...]:
        links = []
        if self.settings.unsubscribe_url:
            links.append(
                self.settings.unsubscribe_url.format(
                    campaign_id=quote(self.campaign.campaign_id, safe=""), contact_id=quote(contact_id, safe="")
                )
            )
        if self.settings.unsubscribe_mailto and self.campaign.channel == "email":
            subject = quote(f"unsubscribe {self.campaign.campaign_id} {contact_id}")
            links.append(f"mailto:{self.settings.unsubscribe_mailto}?subject={subject}")
        return tuple(links)

    def check_links(self) -> None:
        """Refuse unsubscribe settings that would break every message — a placeholder other
        than ``{campaign_id}`` / ``{contact_id}``, a line break — before anything is sent, so
        that a configuration mistake stops the run instead of failing each recipient."""
        try:
            links = self.unsubscribe_links("contact")
        except (KeyError, IndexError, ValueError, AttributeError) as exc:
            raise ChannelConfigError(
                f"WORKBENCH_UNSUBSCRIBE_URL {self.settings.unsubscribe_url!r} cannot be filled in "
                f"({type(exc).__name__}: {exc}); use {{campaign_id}} and {{contact_id}}"
            ) from exc
        for link in links:
            if problem := header_problem(link):
                raise ChannelConfigError(f"unsubscribe link {link!r}: {problem}")

    def context(self, row: dict) -> dict:
        """The template variables for one audience row."""
        links = self.unsubscribe_links(row["contact_id"])
        return {
            **self.audience.context(row),
            "campaign": {
                "id": self.campaign.campaign_id,
                "name": self.campaign.name,
                "channel": self.campaign.channel,
                "segment": self.audience.segment.id,
            },
            "unsubscribe_url": links[0] if links else "",
        }

    def template_for(self, row: dict) -> TemplateSet:
        """The template variant for one audience row: by the contact's ``language``, else the default."""
        language = row.get("language") if "language" in self.audience.contact_columns else None
        return self.templates.variant_for(language)

    def template_language(self, row: dict) -> str | None:
        """The name of the variant a row gets (``pl``, ``default``); None when the template has none."""
        return self._variant_name(self.template_for(row))

    def _variant_name(self, variant: TemplateSet) -> str | None:
        return variant.variant_name if self.templates.variants else None

    def compose(self, row: dict, *, track: bool = True) -> OutgoingMessage:
        """The message for one recipient (``track=False`` for previews an editor clicks through)."""
        contact_id = row["contact_id"]
        links = self.unsubscribe_links(contact_id)
        variant = self.template_for(row)
        content = variant.render(self.context(row))
        if track and self.campaign.channel in ("email", "sms"):  # push opens are the app's to report
            keep = frozenset(links)
            cid, channel = self.campaign.campaign_id, self.campaign.channel
            for part in content:
                if part == "html":
                    content[part] = track_html(content[part], self.tracker, cid, contact_id, keep)
                elif part == "text":
                    content[part] = track_text(content[part], self.tracker, cid, contact_id, keep, channel)
        name = " ".join(filter(None, (row.get("first_name"), row.get("last_name")))) or None
        return OutgoingMessage(
            campaign_id=self.campaign.campaign_id,
            contact_id=contact_id,
            channel=self.campaign.channel,
            to=row["address"],
            message_id=message_id(self.campaign.campaign_id, contact_id, self.settings.sender_domain),
            content=content,
            recipient_name=name,
            unsubscribe=links,
            template_language=self._variant_name(variant),
        )
