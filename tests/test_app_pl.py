"""The app in Polish, without a browser: every text a widget shows is scanned for English
left over, the numbers, dates and sentences are Polish, and the language switch works."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import ipywidgets as widgets
import pytest

from workbench.app import SegmentsApp
from workbench.app.shell import TABS
from workbench.i18n.catalogs import read_catalog
from workbench.sample import SAMPLE_AS_OF
from workbench.sample.load import load_sample
from workbench.store.workspace import Workspace

# Words that are the same in Polish, and proper names.
SAME_IN_POLISH = {
    *("segment", "segmentu", "push", "sms", "mail", "link", "csv", "png", "svg", "duckdb", "workbench", "english"),
    "polski",
}
# Raw names an analyst needs (column names, file names, ids) are shown as they are.
RAW_NAME = re.compile(r"\S*\w[_.]\w\S*")


def words(text: str) -> set[str]:
    """The lower-case words of ``text``, leaving out raw names."""
    return {w.lower() for w in re.findall(r"[^\W\d_]{3,}", RAW_NAME.sub(" ", text))}


# The tabs translated so far; the others are listed in docs/app.md as still English.
TRANSLATED_TABS = ("Library", "Builder", "Overlap", "Size over time", "Lists", "Results")
# Example segments opened in the builder: every kind of condition, window and value editor.
IN_THE_BUILDER = ("vip", "abandoned_cart", "birthday", "topic_readers", "cross_sell", "interested", "lapsed")


def english_words() -> set[str]:
    """Every word of the English messages: what a Polish page must not show."""
    words = set()
    for message in read_catalog("en"):
        for text in [message.id] if isinstance(message.id, str) else list(message.id):
            words.update(w.lower() for w in re.findall(r"[^\W\d_]{3,}", re.sub(r"\{\w*\}|<[^>]+>", " ", text)))
    return words - SAME_IN_POLISH


def shown_texts(widget: widgets.Widget) -> Iterator[str]:
    """What a person sees (or hovers, or has read aloud) in a widget and everything in it."""
    for name in ("description", "tooltip", "placeholder"):
        value = getattr(widget, name, None)
        if isinstance(value, str):
            yield value
    if isinstance(widget, widgets.HTML | widgets.Label):
        text = re.sub(r"<(svg|style)[\s\S]*?</\1>", " ", widget.value)  # drawings and style are not read
        yield from re.findall(r'(?:title|aria-label)="([^"]*)"', text)
        yield html.unescape(re.sub(r"<[^>]+>", " ", text))
    if isinstance(widget, widgets.Tab):
        yield from widget.titles
    if isinstance(widget, widgets.Dropdown):
        yield from (
            (label for label, _ in widget.options) if widget.options and isinstance(widget.options[0], tuple) else ()
        )
    for child in getattr(widget, "children", ()):
        yield from shown_texts(child)


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> Workspace:
    workspace = Workspace(f"duckdb://{tmp_path_factory.mktemp('app-pl') / 'shop.duckdb'}")
    load_sample(workspace, 300, history=True)
    workspace.set_locale("pl")
    workspace.set_timezone("Europe/Warsaw")
    return workspace


@pytest.fixture(scope="module")
def app(ws) -> Iterator[SegmentsApp]:
    opened = SegmentsApp(ws, as_of=SAMPLE_AS_OF)
    opened.library.wait()
    yield opened
    opened.close()


def english_left(app: SegmentsApp, widget: widgets.Widget) -> set[str]:
    """English words shown by ``widget``, not counting the segments' own names and descriptions,
    the lists' recorded origins and the raw names of events (shown beside their labels): data."""
    data = " ".join(f"{s.segment.name} {s.segment.description or ''} {s.id}" for s in app.saved)
    data += " ".join(app.workspace.catalog.events)
    data += " ".join(f" {info.origin}" for info in app.lists)
    return words(" ".join(shown_texts(widget))) & english_words() - words(data)


def test_the_workspace_language_is_the_app_language(app):
    assert app.t.locale == "pl"
    assert list(app.tabs.titles) == [
        "Biblioteka",
        "Kreator",
        "Część wspólna",
        "Liczebność w czasie",
        "Listy",
        "Wysyłka kampanii",
        "Wyniki",
    ]


def test_the_library_in_polish(app):
    summary = html.unescape(app.library.summary.value)
    assert "13 segmentów · członkowie na 30 lis 2026, 13:00" in summary  # 12:00 UTC is 13:00 in Warsaw
    vip = app.library.rows["vip"]
    assert "kupił(a) za ponad 1\u00a0000 zł w ciągu ostatnich 3 miesięcy" in html.unescape(vip.cells.value)
    app.library.search("kupił")
    assert "vip" in app.library.visible()
    app.library.search("")


@pytest.mark.parametrize("tab", TRANSLATED_TABS)
def test_no_english_left_on_a_translated_tab(app, tab):
    if tab == "Overlap":
        app.overlap.choose(["vip", "lapsed"])
        assert app.overlap.compare() is not None
    if tab == "Size over time":
        app.history.request("vip")
        app.history.wait()
    if tab == "Library":
        app.library.select("vip")
    if tab == "Lists":
        assert app.list_view.snapshot("vip", "vip-pl") > 0
        assert "Lista 'vip-pl':" in app.list_view.feedback.text
        app.list_view.export(("list", "vip-pl"))
    view = app.library if tab == "Library" else app._view(tab)
    if tab == "Results":  # the sample's campaign with its holdout: list, verdict, charts
        assert view.show("come_back").holdout.contacts > 0
    if tab == "Builder":  # each example in turn: the builder shows one segment at a time
        left = set()
        for segment_id in IN_THE_BUILDER:
            view.open(segment_id)
            left |= english_left(app, view.widget)
        assert left == set()
        return
    assert english_left(app, view.widget) == set()


def test_the_header_has_no_english(app):
    assert english_left(app, app.children[1]) == set()


def test_the_language_switch_rebuilds_the_app(ws):
    app = SegmentsApp(ws, as_of=SAMPLE_AS_OF)
    try:
        app.language.value = "en"
        assert app.t.locale == "en" and list(app.tabs.titles) == list(TABS)
        app.library.wait()
        assert "spent more than 1000 PLN on purchase" in app.library.rows["vip"].cells.value
        app.language.value = "pl"
        assert app.tabs.titles[0] == "Biblioteka"
    finally:
        app.close()


def test_the_builder_asks_in_polish(app):
    app.builder.open(None)
    builder = app.builder.builder
    builder.set_name("")
    builder.add_condition("rule", "attribute", field="city")
    messages = " ".join(shown_texts(builder))
    assert "Nadaj segmentowi nazwę." in messages
    assert "Podaj wartość." in messages or "Wybierz porównanie." in messages
    builder.save()
    assert "Nie zapisano" in builder.header.message.value


def test_why_a_contact_is_in_reads_in_polish(app, ws):
    member = ws.members("vip", SAMPLE_AS_OF)[0]
    builder = app.builder.open("vip")
    verdict = builder.explain(member)
    assert verdict.met and re.fullmatch(r"suma Kwota: \d{1,3}(\u00a0\d{3})+(,\d\d)?", verdict.evidence), (
        verdict.evidence
    )
