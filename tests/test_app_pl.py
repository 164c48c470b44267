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
from workbench.errors import WorkbenchError
from workbench.expr.rules import Segment
from workbench.i18n.catalogs import read_catalog
from workbench.sample import SAMPLE_AS_OF
from workbench.sample.load import load_sample
from workbench.store.workspace import Workspace

# Words that are the same in Polish, and proper names.
SAME_IN_POLISH = {
    *("segment", "segmentu", "push", "sms", "mail", "link", "csv", "png", "svg", "duckdb", "workbench", "english"),
    "data",  # Polish for "date"
    "list",  # Polish for "of lists" ("Nie ma jeszcze list")
    *("cron", "systemd", "sql", "ibis", "europe", "warsaw"),  # names of tools and of the time zone Europe/Warsaw
    "polski",
}
# Raw names an analyst needs (column names, file names, ids) are shown as they are.
RAW_NAME = re.compile(r"\S*\w[_.]\w\S*")


def words(text: str) -> set[str]:
    """The lower-case words of ``text``, leaving out raw names."""
    return {w.lower() for w in re.findall(r"[^\W\d_]{3,}", RAW_NAME.sub(" ", text))}


# The tabs translated so far; the others are listed in docs/app.md as still English.
TRANSLATED_TABS = ("Library", "Builder", "Overlap", "Size over time", "Lists", "Campaign launch", "Results")
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
        # drawings and style are not read; code (a command to run) is typed as it is
        text = re.sub(r"<(svg|style|code)[\s\S]*?</\1>", " ", widget.value)
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
    data += " hard"  # the value of a bounce's type in the gate's rule ("Rodzaj to hard"), as providers send it
    if "Campaign launch" in app._later and app.launch.last_campaign is not None:  # the marketer's own template
        data += " ".join(f" {text}" for message in app.launch.last_campaign.messages for text in message.values())
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
    if tab == "Campaign launch":  # a campaign's preview, the send's question, a schedule
        launch = app.launch
        launch.segment.value, launch.channel.value, launch.template.value = "vip", "email", "thank_you"
        assert launch.preview_from_widgets().members > 0
        assert launch.sending.ask() > 0
        launch.scheduling.add("0 9 * * MON", "Europe/Warsaw")
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


def test_the_send_gate_reads_in_polish(app):
    """The reasons of the launch tab's preview, written by hand from the sample's email policy
    (at most 1 a day and 3 a week, no quiet hours)."""
    launch = app.launch
    preview = launch.preview("vip", "email")
    reasons = [reason for reason, _count in preview.excluded]
    assert reasons == [
        "brak pola email dla tego kanału",
        "brak zgody email_consent",
        "wypisanie z kanału: wypisał(a) się (Kanał to email) lub wypisał(a) się (Kanał nie ma wartości)",
        "trwałe odbicie wiadomości w tym kanale: miał(a) odbitą wiadomość (Rodzaj to hard i Kanał to email)"
        " lub miał(a) odbitą wiadomość (Rodzaj to hard i Kanał nie ma wartości)",
        "osiągnięto limit częstotliwości: dostał(a) e-mail w ciągu ostatnich 24 godzin"
        " lub dostał(a) e-mail co najmniej 3 razy w ciągu ostatnich 7 dni",
        "czas wysyłki wypada w godzinach ciszy (brak godzin ciszy dla tego kanału)",
    ]
    assert preview.checked == (
        "adres, zgoda, wypisania, odbicia, limity częstotliwości i godziny ciszy, tak jak przy wysyłce teraz"
    )


def test_the_send_panel_asks_and_reports_in_polish(app, tmp_path):
    from types import SimpleNamespace

    from workbench.app.launch_run import summary_html

    launch = app.launch
    launch.segment.value, launch.channel.value, launch.template.value = "vip", "email", "thank_you"
    launch.campaign_id.value = "vip-grudzien"
    launch.sending.dry_run.value = True
    count = launch.sending.ask()
    question = html.unescape(launch.sending.question.value)
    forms = {1: "wiadomość", 2: "wiadomości", 3: "wiadomości", 4: "wiadomości"}
    form = forms.get(count, "wiadomości")
    assert f"Próba: zapisać {count} {form} w skrzynce nadawczej (nic nie zostanie wysłane)?" in question
    assert "Kampania vip-grudzien." in question
    launch.sending.cancel()
    launch.sending.dry_run.value = False
    # What a finished run reports: counts in Polish, the gate's reasons by their short names.
    job = SimpleNamespace(
        campaign_id="vip-grudzien",
        dry_run=False,
        outbox=tmp_path,
        error=None,
        audit_record=tmp_path / "run.ipynb",
        summary={
            "members": 1234,
            "excluded": {"unsubscribed": 2, "no_consent": 22},
            "outcome": {"sent": 1205, "failed": 5},
        },
    )
    shown = re.sub(r"<[^>]+>", " ", html.unescape(summary_html(job, app.t)))
    assert "Kampania vip-grudzien: wysłane 1\u00a0205, błędy 5." in shown
    assert "Członkowie: 1\u00a0234; wykluczenia: brak zgody 22, wypisania 2." in shown
    assert "Zapis audytowy:" in shown
    job.dry_run, job.summary = True, {"members": 5, "excluded": {}, "outcome": {"dry_run": 5}}
    shown = html.unescape(summary_html(job, app.t))
    assert f"Próba vip-grudzien: 5 wiadomości zapisanych w skrzynce nadawczej ({tmp_path / 'vip-grudzien'})" in shown


def test_schedules_read_in_polish(app):
    panel = app.launch.scheduling
    assert [label for label, _cron in panel.preset.options] == [
        "Codziennie o 09:00",
        "W dni robocze o 09:00",
        "W poniedziałki o 09:00",
        "Własny (wpisz wyrażenie cron)",
    ]
    launch = app.launch
    launch.segment.value, launch.channel.value, launch.template.value = "vip", "email", "thank_you"
    launch.campaign_id.value = "vip-co-tydzien"
    schedule = panel.add("0 9 * * MON", "Europe/Warsaw")
    assert re.fullmatch(
        rf"Zaplanowano {schedule.schedule_id}: następnie pon\. \d{{1,2}} \w{{3}} 20\d\d, 09:00 Europe/Warsaw,"
        r" o ile działa proces harmonogramu\.",
        panel.feedback.text,
    ), panel.feedback.text
    listed = html.unescape(" ".join(row.children[1].value for row in panel.listing.children))
    assert "kampania vip-co-tydzien" in listed and "w strefie Europe/Warsaw (za każdym razem nowa kampania)" in listed
    assert "Nie działa żaden proces harmonogramu" in html.unescape(panel.scheduler.value)
    for cron, tz, message in (
        ("co tydzień", "UTC", "'co tydzień' nie jest wyrażeniem cron"),
        ("0 9 * * *", "Mars/Base", "Nieznana strefa czasowa 'Mars/Base'"),
    ):
        with pytest.raises(WorkbenchError, match=message):
            panel.add(cron, tz)
    panel.remove(schedule.schedule_id)
    assert panel.feedback.text == f"Usunięto harmonogram {schedule.schedule_id}."


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
