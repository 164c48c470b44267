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
from workbench.i18n import Texts, texts
from workbench.widgets.evaluation import Preview
from workbench.widgets.nodeview import ERROR_STYLE

if TYPE_CHECKING:
    from workbench.widgets.builder import SegmentBuilder

SQL_PANEL, MEMBERS_PANEL, EXPLAIN_PANEL = 0, 1, 2
MUTED = "color:#555"


def as_of_text(as_of: datetime | None, t: Texts | None = None) -> str:
    t = t or texts()
    return t._("now") if as_of is None else t.when(as_of)


def count_html(preview: Preview, t: Texts | None = None) -> str:
    """``1,234 contacts · as of … · 85 ms``, or why there is no count."""
    t = t or texts()
    when = t._("as of {time}", time=as_of_text(preview.as_of, t))
    if preview.error:
        return f'<span style="{ERROR_STYLE}">⚠ {html.escape(preview.error)}</span>'
    if preview.total is None:
        fix = html.escape(t._("Fix the highlighted conditions to see the count ({when}).", when=when))
        return f'<span style="{MUTED}">{fix}</span>'
    # the number stands out: the noun's form for it, around the number in bold
    number = f'<b style="font-size:130%">{t.number(preview.total)}</b>'
    counted = html.escape(t.contacts(preview.total)).replace(html.escape(t.number(preview.total)), number, 1)
    return f"{counted} · {html.escape(when)} · {t.number(round(preview.millis))} ms"


def diff_html(preview: Preview, t: Texts | None = None) -> str:
    """``+12 / −3 compared with the saved version``."""
    t = t or texts()
    if preview.total is None or preview.error:
        return ""
    if preview.added is None:
        unsaved = html.escape(t._("Not saved yet."))
        return f'<span style="{MUTED}">{unsaved}</span>'
    if preview.added == preview.removed == 0:
        same = html.escape(t._("Same members as the saved version."))
        return f'<span style="{MUTED}">{same}</span>'
    return t._(
        "{added} / {removed} members compared with the saved version",
        added=f'<span style="color:#1b5e20">+{t.number(preview.added)}</span>',
        removed=f'<span style="color:#b71c1c">−{t.number(preview.removed)}</span>',
    )


def members_html(rows: tuple[dict, ...], catalog: Catalog, t: Texts | None = None) -> str:
    t = t or texts()
    if not rows:
        none = html.escape(t._("No members."))
        return f'<span style="{MUTED}">{none}</span>'
    columns = list(rows[0])
    head = "".join(f"<th>{html.escape(catalog.field_label(c, t.locale))}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(format_value(row[c], t))}</td>" for c in columns) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def verdict_html(verdict: Verdict, catalog: Catalog, t: Texts | None = None) -> str:
    """The verdict tree as nested lines: ✓ or ✗, the rule in English, the deciding values."""
    mark = '<span style="color:#1b5e20">✓</span>' if verdict.met else '<span style="color:#b71c1c">✗</span>'
    evidence = f' <span style="{MUTED}">— {html.escape(verdict.evidence)}</span>' if verdict.evidence else ""
    locale = (t or texts()).locale
    children = "".join(verdict_html(c, catalog, t) for c in verdict.children)
    nested = f'<div style="margin-left:20px">{children}</div>' if children else ""
    return f"<div>{mark} {html.escape(describe(verdict.rule, catalog, locale))}{evidence}{nested}</div>"


class PreviewPanel:
    """Shows what the builder's live evaluation found."""

    def __init__(self, builder: SegmentBuilder) -> None:
        self.builder = builder
        self.t = t = builder.t
        self.result: Preview | None = None
        self.count = widgets.HTML()
        self.diff = widgets.HTML()
        self.sentence = widgets.HTML()
        self.sql = widgets.HTML()
        self.members = widgets.HTML()
        self.contact = widgets.Combobox(placeholder=t._("contact id"), ensure_option=False)
        self.explain_button = widgets.Button(description=t._("Explain"))
        self.explanation = widgets.HTML()
        self.explain_button.on_click(lambda _button: builder.act(builder.request_explanation, self.contact.value))
        self.details = widgets.Accordion(
            children=[
                self.sql,
                self.members,
                widgets.VBox([widgets.HBox([self.contact, self.explain_button]), self.explanation]),
            ],
            titles=(t._("SQL and Ibis expression"), t._("Members sample"), t._("Why is this contact in?")),
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
        counting = html.escape(self.t._("counting… (as of {time})", time=as_of_text(as_of, self.t)))
        self.count.value = f'<span style="{MUTED}">{counting}</span>'

    def show_sentence(self, text: str | None) -> None:
        incomplete = html.escape(self.t._("The rule is not complete yet."))
        self.sentence.value = f"<i>{html.escape(text)}</i>" if text else f'<span style="{MUTED}">{incomplete}</span>'

    def show(self, preview: Preview) -> None:
        """Show a finished evaluation (runs on the counting thread)."""
        self.result = preview
        self.count.value = count_html(preview, self.t)
        self.diff.value = diff_html(preview, self.t)
        if preview.members is not None:
            self.members.value = members_html(preview.members, self.builder.catalog, self.t)
            self.contact.options = [str(row["contact_id"]) for row in preview.members]
        if preview.sql is not None:
            ibis = html.escape(self.t._("Ibis expression"))
            self.sql.value = f"<b>SQL</b><pre>{html.escape(preview.sql)}</pre><b>{ibis}</b><pre>{html.escape(preview.ibis or '')}</pre>"

    def show_explaining(self, contact_id: str) -> None:
        looking = html.escape(self.t._("looking at {contact}…", contact=contact_id))
        self.explanation.value = f'<span style="{MUTED}">{looking}</span>'

    def show_explanation(self, outcome: Verdict | str) -> None:
        """A verdict tree, or a message saying why there is none."""
        if isinstance(outcome, str):
            self.explanation.value = f'<span style="{ERROR_STYLE}">⚠ {html.escape(outcome)}</span>'
        else:
            self.explanation.value = verdict_html(outcome, self.builder.catalog, self.t)
