"""Files offered for download from the page, as links carrying their content.

The app runs in a Voila kernel that serves no files of its own, so a download is a link
whose ``href`` is a ``data:`` URL of the file and whose ``download`` attribute names it;
the browser saves it without another request to the server.
"""

from __future__ import annotations

import base64
import html

MIME = {"csv": "text/csv", "png": "image/png", "svg": "image/svg+xml"}


def data_url(content: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(content).decode('ascii')}"


def download_link(content: bytes, filename: str, label: str | None = None) -> str:
    """An ``<a download>`` link saving ``content`` as ``filename`` (its type from the extension)."""
    mime = MIME.get(filename.rsplit(".", 1)[-1].lower(), "application/octet-stream")
    text = html.escape(label or f"Download {filename}")
    return (
        f'<a class="wb-download" download="{html.escape(filename)}" href="{data_url(content, mime)}" '
        f'style="margin-right:1em">{text}</a>'
    )
