"""The outbox: messages written as files instead of sent, for dry runs and reviews.

Email becomes ``<outbox>/<campaign>/<contact>.eml`` (open it in any mail program), SMS and
push ``<contact>.json``. Writing the same message again overwrites its file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from workbench.send.channels.smtp import build_email
from workbench.send.compose import OutgoingMessage


class OutboxTransport:
    """Writes each message to a file in a folder per campaign."""

    name = "outbox"

    def __init__(self, folder: Path, mail_from: str) -> None:
        self.folder = Path(folder)
        self.mail_from = mail_from

    @contextmanager
    def session(self) -> Iterator[OutboxTransport]:
        yield self

    def path_for(self, message: OutgoingMessage) -> Path:
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", message.contact_id)
        suffix = ".eml" if message.channel == "email" else ".json"
        return self.folder / message.campaign_id / f"{name}{suffix}"

    def deliver(self, message: OutgoingMessage) -> str | None:
        path = self.path_for(message)
        path.parent.mkdir(parents=True, exist_ok=True)
        if message.channel == "email":
            path.write_bytes(bytes(build_email(message, self.mail_from)))
        else:
            record = {"to": message.to, "message_id": message.message_id, **message.content}
            path.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
        return str(path)
