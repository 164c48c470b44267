"""The prose of a send's audit record (``notebooks/send_campaign.ipynb``), in the workspace's
language: each section of the executed notebook opens with its heading and what it shows.

The notebook displays a section with ``section("gate", t)``; the record then reads in the
language of the team that sent the campaign, while its figures, SQL and recipient list stay
what programs read.
"""

from __future__ import annotations

from typing import Any

from workbench.i18n import N_, Texts

SECTIONS = {  # key -> (heading, what the section shows); messages
    "intro": (
        N_("Campaign send: audit record"),
        N_(
            "Which campaign, evaluated at which instant, with what SQL; how many members the segment "
            "had and why each excluded one was left out; what the template looked like for a few "
            "recipients; and what happened to each message."
        ),
    ),
    "gate": (
        N_("When, and the rules of the gate"),
        N_(
            "The segment is evaluated at the moment of sending. Interrupted earlier runs of this campaign "
            "are recovered first, so that “already sent” is exact."
        ),
    ),
    "sql": (
        N_("The compiled SQL"),
        N_("The segment, then the whole gate (segment, contact data, segment values, exclusion reasons) as run."),
    ),
    "counts": (
        N_("Counts by exclusion reason"),
        N_(
            "Each member is counted once, under the first reason that applies (in this order). Members = "
            "recipients + holdout + every reason: the holdout passed the gate and is counted, not messaged."
        ),
    ),
    "template": (N_("Template"), N_("Checked against the recipients' variables before anything is sent.")),
    "previews": (N_("Previews"), N_("The first recipients' messages, without tracking.")),
    "planned": (N_("Recipient list as planned"), ""),
    "sending": (N_("Sending"), ""),
    "outcome": (
        N_("Outcome"),
        N_("Who got what: the recipient list with every message's outcome, and the failures with their reasons."),
    ),
}


def section_markdown(key: str, t: Texts) -> str:
    """The Markdown of section ``key``: its heading, then what it shows."""
    heading, text = SECTIONS[key]
    title = ("# " if key == "intro" else "## ") + t._(heading)
    return title + "\n\n" + t._(text) if text else title


def section(key: str, t: Texts) -> Any:
    """Section ``key`` for a notebook to display (an IPython ``Markdown``)."""
    from IPython.display import Markdown  # the notebook's kernel has IPython; the package need not

    return Markdown(section_markdown(key, t))
