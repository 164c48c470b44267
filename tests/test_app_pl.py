"""The app in Polish, without a browser: every text a widget shows is scanned for English
left over, the numbers, dates and sentences are Polish, and the language switch works."""

from __future__ import annotations

import dataclasses
import html
import json
import re
from collections.abc import Iterator

import ipywidgets as widgets
import pytest

from workbench.app import SegmentsApp
from workbench.app.shell import TABS
from workbench.expr.rules import Segment
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


def test_the_builder_shows_the_validators_problems_in_polish(app):
    builder = app.builder.open(None)
    rules = [
        {"event": "purchase", "aggregate": {"fn": "sum", "property": "category"}},
        {"event": "purchase", "where": [{"property": "koszyk", "op": "eq", "value": "x"}]},
        {"in_list": "nie-ma-takiej"},
    ]
    builder.load({"name": "Do poprawy", "rule": {"all": rules}})
    shown = " ".join(shown_texts(builder))
    assert "'sum' wymaga właściwości liczbowej; 'category' to tekst." in shown
    assert "Nieznana właściwość 'koszyk' dla zdarzenia 'purchase'; użyj jednej z: amount, " in shown
    assert "Nieznana lista 'nie-ma-takiej'; znane listy: " in shown
    assert not {"unknown", "needs", "property", "known"} & words(shown)
    assert builder.save() is None
    assert "Nie zapisano: najpierw popraw 3 zaznaczone problemy." in html.unescape(builder.header.message.value)


def test_an_invalid_segment_file_is_explained_in_polish(app, tmp_path):
    view = app.builder
    wrong = tmp_path / "zly.json"
    rule = {"attribute": "city", "op": "eq", "value": "Gdańsk", "valeu": 1}
    wrong.write_text(json.dumps({"version": "{0.__class__}", "name": "Zły", "rule": rule}))
    assert view.feedback.run(lambda: view.open(wrong)) is None
    assert view.feedback.text == (
        "Najpierw trzeba poprawić ten segment: nieobsługiwana wersja '{0.__class__}'; obsługiwana jest wersja 1; "
        "nieznany klucz; w tym miejscu dozwolone są: attribute, op, value."
    )
    builder = view.open(None)
    builder.act(builder.load, wrong)  # the builder's own Open: each problem with its path
    message = html.unescape(re.sub(r"<[^>]+>", "", builder.header.message.value))
    assert message == (
        "version: nieobsługiwana wersja '{0.__class__}'; obsługiwana jest wersja 1\n"
        "rule.valeu: nieznany klucz; w tym miejscu dozwolone są: attribute, op, value"
    )
    broken = tmp_path / "urwany.json"
    broken.write_text('{"name": "x",')
    assert view.feedback.run(lambda: view.open(broken)) is None
    assert view.feedback.text.startswith(
        f"Najpierw trzeba poprawić ten segment: {broken} nie jest poprawnym plikiem JSON: "
    )
    assert view.feedback.text.endswith(" w wierszu 1, kolumnie 14.")


def test_saving_and_counting_against_a_changed_library_explain_in_polish(app, ws):
    ws.save_segment(
        Segment.from_dict(
            {"id": "chwilowy", "name": "Chwilowy", "rule": {"attribute": "city", "op": "eq", "value": "x"}}
        )
    )
    builder = app.builder.open(None)
    builder.set_name("Odwołanie")
    path = builder.add_condition("rule", "in_segment", segment="chwilowy")
    assert builder.problems == []
    ws.delete_segment("chwilowy")  # elsewhere: this builder is not told
    try:
        builder.preview.details.selected_index = 0  # the SQL panel: the store checks the segment again
        preview = builder.wait_for_count()
        assert preview.error is not None
        assert preview.error.startswith(
            f"Nie udało się policzyć: {path}.in_segment: nieznany segment 'chwilowy'; zapisane segmenty: abandoned_cart, "
        )
        assert builder.save() is None
        message = html.unescape(builder.header.message.value)
        assert f"Nie zapisano: {path}.in_segment: nieznany segment 'chwilowy'; zapisane segmenty: " in message
    finally:
        builder.preview.details.selected_index = None


def test_a_library_segment_that_cannot_be_counted_says_why_in_polish(app, ws):
    from workbench.app.evaluate import Evaluator
    from workbench.app.figures import library_figures
    from workbench.app.library_rows import members_cell
    from workbench.i18n import texts

    evaluator = Evaluator.read(ws)
    broken = Segment.from_dict({"id": "zepsuty", "name": "Zepsuty", "rule": {"attribute": "miasto", "op": "is_set"}})
    evaluator = dataclasses.replace(evaluator, library={**evaluator.library, "zepsuty": broken})
    figures = library_figures(evaluator, ["zepsuty"], SAMPLE_AS_OF, trend=False, t=texts("pl"))["zepsuty"]
    assert figures.members is None
    assert figures.problem is not None and figures.problem.startswith(
        "rule.attribute: nieznane pole 'miasto'; pola kontaktu to: birth_date, city, "
    )
    assert "nieznane pole &#x27;miasto&#x27;" in members_cell(figures, texts("pl"))
    english = library_figures(evaluator, ["zepsuty"], SAMPLE_AS_OF, trend=False)["zepsuty"]
    assert english.problem is not None and english.problem.startswith("rule.attribute: unknown field 'miasto'")
