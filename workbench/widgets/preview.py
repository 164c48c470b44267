"""The live preview under the rule: the count, the diff with the saved version, the rule as a
sentence, and the panels for analysts (SQL and Ibis), for a sample of members, and for
"why is this contact in?"."""

from __future__ import annotations

import html
from datetime import datetime
from typing import TYPE_CHECKING

import ipywidgets as widgets

from workbench.explain import Verdict, format_value
from workbench.expr.catalog import Catalog
from workbench.expr.describe import describe
from workbench.widgets.evaluation import Preview
from workbench.widgets.nodeview import ERROR_STYLE

if TYPE_CHECKING:
    from workbench.widgets.builder import SegmentBuilder

SQL_PANEL, MEMBERS_PANEL, EXPLAIN_PANEL = 0, 1, 2
MUTED = "color:#555"


def as_of_text(as_of: datetime | None) -> str:
    return "now" if as_of is None else as_of.strftime("%Y-%m-%d %H:%M UTC")


def count_html(preview: Preview) -> str:
    """``1,234 contacts · as of … · 85 ms``, or why there is no count."""
    when = f"as of {as_of_text(preview.as_of)}"
    if preview.error:
        return f'<span style="{ERROR_STYLE}">⚠ {html.escape(preview.error)}</span>'
    if preview.total is None:
        return f'<span style="{MUTED}">Fix the highlighted conditions to see the count ({when}).</span>'
    return f'<b style="font-size:130%">{preview.total:,}</b> contacts · {when} · {preview.millis:,.0f} ms'


def diff_html(preview: Preview) -> str:
    """``+12 / −3 compared with the saved version``."""
    if preview.total is None or preview.error:
        return ""
    if preview.added is None:
        return f'<span style="{MUTED}">Not saved yet.</span>'
    if preview.added == preview.removed == 0:
        return f'<span style="{MUTED}">Same members as the saved version.</span>'
    return (
        f'<span style="color:#1b5e20">+{preview.added:,}</span> / '
        f'<span style="color:#b71c1c">−{preview.removed:,}</span> members compared with the saved version'
    )


def members_html(rows: tuple[dict, ...], catalog: Catalog) -> str:
    if not rows:
        return f'<span style="{MUTED}">No members.</span>'
    columns = list(rows[0])
    head = "".join(f"<th>{html.escape(catalog.fields[c].label)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(format_value(row[c]))}</td>" for c in columns) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def verdict_html(verdict: Verdict, catalog: Catalog) -> str:
    """The verdict tree as nested lines: ✓ or ✗, the rule in English, the deciding values."""
    mark = '<span style="color:#1b5e20">✓</span>' if verdict.met else '<span style="color:#b71c1c">✗</span>'
    evidence = f' <span style="{MUTED}">— {html.escape(verdict.evidence)}</span>' if verdict.evidence else ""
    children = "".join(verdict_html(c, catalog) for c in verdict.children)
    nested = f'<div style="margin-left:20px">{children}</div>' if children else ""
    return f"<div>{mark} {html.escape(describe(verdict.rule, catalog))}{evidence}{nested}</div>"


class PreviewPanel:
    """Shows what the builder's live evaluation found."""

    def __init__(self, builder: SegmentBuilder) -> None:
        self.builder = builder
        self.result: Preview | None = None
        self.count = widgets.HTML()
        self.diff = widgets.HTML()
        self.sentence = widgets.HTML()
        self.sql = widgets.HTML()
        self.members = widgets.HTML()
        self.contact = widgets.Combobox(placeholder="contact id", ensure_option=False)
        self.explain_button = widgets.Button(description="Explain")
        self.explanation = widgets.HTML()
        self.explain_button.on_click(lambda _button: builder.act(builder.request_explanation, self.contact.value))
        self.details = widgets.Accordion(
            children=[
                self.sql,
                self.members,
                widgets.VBox([widgets.HBox([self.contact, self.explain_button]), self.explanation]),
            ],
            titles=("SQL and Ibis expression", "Members sample", "Why is this contact in?"),
        )
        self.details.observe(lambda _change: builder.act(builder.refresh), "selected_index")
        self.widget = widgets.VBox([self.count, self.diff, self.sentence, self.details])

    @property
    def wants_sql(self) -> bool:
        return self.details.selected_index == SQL_PANEL

    @property
    def wants_members(self) -> bool:
        return self.details.selected_index in (MEMBERS_PANEL, EXPLAIN_PANEL)

    def show_counting(self, as_of: datetime | None) -> None:
        self.count.value = f'<span style="{MUTED}">counting… (as of {as_of_text(as_of)})</span>'

    def show_sentence(self, text: str | None) -> None:
        self.sentence.value = (
            f"<i>{html.escape(text)}</i>" if text else f'<span style="{MUTED}">The rule is not complete yet.</span>'
        )

    def show(self, preview: Preview) -> None:
        """Show a finished evaluation (runs on the counting thread)."""
        self.result = preview
        self.count.value = count_html(preview)
        self.diff.value = diff_html(preview)
        if preview.members is not None:
            self.members.value = members_html(preview.members, self.builder.catalog)
            self.contact.options = [str(row["contact_id"]) for row in preview.members]
        if preview.sql is not None:
            self.sql.value = f"<b>SQL</b><pre>{html.escape(preview.sql)}</pre><b>Ibis expression</b><pre>{html.escape(preview.ibis or '')}</pre>"

    def show_explaining(self, contact_id: str) -> None:
        self.explanation.value = f'<span style="{MUTED}">looking at {html.escape(contact_id)}…</span>'

    def show_explanation(self, outcome: Verdict | str) -> None:
        """A verdict tree, or a message saying why there is none."""
        if isinstance(outcome, str):
            self.explanation.value = f'<span style="{ERROR_STYLE}">⚠ {html.escape(outcome)}</span>'
        else:
            self.explanation.value = verdict_html(outcome, self.builder.catalog)
