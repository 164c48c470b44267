"""Language variants of a template: one sub-folder per language, chosen per recipient by the
contact's ``language``, the top-level parts for everyone else.

Every expectation here is written by hand: which subject each language value gets, what the
errors say, what the sample templates' Polish copy reads for a named and an unnamed contact.
Sends go through the real send path to a real SMTP server (aiosmtpd) and the CLI's notebook.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from tests.send_support import AS_OF, SmtpSink, contact_row, write_template
from workbench.app.launch_send import list_templates
from workbench.cli import main
from workbench.sample.load import load_sample
from workbench.send import SendOptions, SendPolicy, TemplateError, define_campaign, load_templates, prepare_send
from workbench.send.audit import write_recipients
from workbench.store.workspace import Workspace

SAMPLE_TEMPLATES = Path(__file__).resolve().parents[1] / "sample_data" / "templates"
NO_CAPS = SendPolicy(None, None, None)

EN = {"subject.txt": "Hello {{ contact.first_name }}", "body.txt": "Hi {{ contact.first_name }}, -20% today."}
PL = {"subject.txt": "Cześć {{ contact.first_name }}", "body.txt": "Dzień dobry, {{ contact.first_name }}: -20%."}
PT_BR = {"subject.txt": "Olá {{ contact.first_name }}", "body.txt": "Oi {{ contact.first_name }}, -20% hoje."}


def languages_template(folder: Path) -> Path:
    """English at the top level (the default), ``pl/`` and ``pt-BR/``."""
    write_template(folder, EN)
    write_template(folder / "pl", PL)
    write_template(folder / "pt-BR", PT_BR)
    return folder


def subject_for(folder: Path, language: object) -> str:
    templates = load_templates(folder, "email")
    context = {"contact": {"first_name": "Ala"}, "campaign": {}, "unsubscribe_url": ""}
    return templates.variant_for(language).render(context)["subject"]


# --- choosing the variant -----------------------------------------------------------------------

CHOICES = [
    # (the contact's language, the subject it gets, the variant's name)
    ("pl", "Cześć Ala", "pl"),
    ("PL", "Cześć Ala", "pl"),
    ("pl-PL", "Cześć Ala", "pl"),
    ("pl_PL", "Cześć Ala", "pl"),
    (" pl ", "Cześć Ala", "pl"),
    ("pt-BR", "Olá Ala", "pt-BR"),
    ("pt-br", "Olá Ala", "pt-BR"),
    ("pt_BR", "Olá Ala", "pt-BR"),
    ("pt", "Hello Ala", "default"),  # only Brazilian Portuguese was written; not guessed for pt
    ("pt-PT", "Hello Ala", "default"),
    ("en", "Hello Ala", "default"),
    ("de", "Hello Ala", "default"),
    (None, "Hello Ala", "default"),
    ("", "Hello Ala", "default"),
    ("   ", "Hello Ala", "default"),
    # hostile or broken values only ever fall back; none of them is read as a path
    ("../x", "Hello Ala", "default"),
    ("pl/../../etc", "Hello Ala", "default"),
    ("pl-../../etc", "Hello Ala", "default"),
    ("../pl", "Hello Ala", "default"),
    ("pl/", "Hello Ala", "default"),
    ("/etc/passwd", "Hello Ala", "default"),
    ("pl\x00", "Hello Ala", "default"),
    ("pl\nBcc: x", "Hello Ala", "default"),
    ("x" * 10_000, "Hello Ala", "default"),
    ("pl-" + "x" * 10_000, "Hello Ala", "default"),
    ("pl" * 5_000, "Hello Ala", "default"),
    (42, "Hello Ala", "default"),
    (["pl"], "Hello Ala", "default"),
]


@pytest.mark.parametrize(("language", "subject", "variant"), CHOICES, ids=[repr(c[0])[:20] for c in CHOICES])
def test_each_recipient_gets_the_variant_of_its_language_else_the_default(tmp_path, language, subject, variant):
    folder = languages_template(tmp_path / "t")
    assert subject_for(folder, language) == subject
    assert load_templates(folder, "email").variant_for(language).variant_name == variant


def test_a_template_without_variants_is_the_same_for_everyone(tmp_path):
    folder = write_template(tmp_path / "t", EN)
    templates = load_templates(folder, "email")
    assert templates.languages == ()
    for language in ("pl", "en", None, "../x"):
        assert subject_for(folder, language) == "Hello Ala"


def test_the_variants_are_listed_as_their_folders_spell_them(tmp_path):
    templates = load_templates(languages_template(tmp_path / "t"), "email")
    assert templates.languages == ("pl", "pt-BR")
    assert templates.variant_for("pl").source == (tmp_path / "t" / "pl").resolve()


# --- what a template folder may hold ------------------------------------------------------------


@pytest.mark.parametrize(
    ("folder", "problem"),
    [
        ("images", "sub-folder 'images' is not a language tag"),
        ("polish", "sub-folder 'polish' is not a language tag"),
        ("p", "sub-folder 'p' is not a language tag"),
        ("pl_PL", "sub-folder 'pl_PL' is not a language tag"),
        ("pl-PL-extra", "sub-folder 'pl-PL-extra' is not a language tag"),
        ("pl..", "sub-folder 'pl..' is not a language tag"),
        ("12", "sub-folder '12' is not a language tag"),
    ],
)
def test_a_sub_folder_that_is_not_a_language_tag_is_refused_by_name(tmp_path, folder, problem):
    template = write_template(tmp_path / "t", EN)
    write_template(template / folder, PL)
    with pytest.raises(TemplateError, match=re.escape(problem)):
        load_templates(template, "email")


@pytest.mark.parametrize("name", ["pl", "en", "pt-BR", "zh-Hant-TW", "es-419", "PL"])
def test_language_tags_are_accepted_as_folder_names(tmp_path, name):
    template = write_template(tmp_path / "t", EN)
    write_template(template / name, PL)
    assert load_templates(template, "email").languages == (name,)


def test_hidden_folders_are_not_variants(tmp_path):
    template = write_template(tmp_path / "t", EN)
    write_template(template / ".ipynb_checkpoints", {"subject-checkpoint.txt": "old"})
    assert load_templates(template, "email").languages == ()


def test_two_folders_of_one_language_are_refused(tmp_path):
    template = languages_template(tmp_path / "t")
    write_template(template / "PL", PL)
    with pytest.raises(TemplateError, match=r"sub-folders '(PL|pl)' and '(pl|PL)' are one language"):
        load_templates(template, "email")


def test_a_variant_has_the_same_parts_as_the_default(tmp_path):
    push = write_template(tmp_path / "push", {"title.txt": "Hi", "body.txt": "Come back", "url.txt": "https://x.pl"})
    write_template(push / "pl", {"title.txt": "Cześć", "body.txt": "Wróć"})
    with pytest.raises(TemplateError, match="language variant 'pl' has no url; every variant has the same parts"):
        load_templates(push, "push")

    email = write_template(tmp_path / "email", {"subject.txt": "Hi", "body.txt": "Hi"})
    write_template(email / "pl", {"subject.txt": "Cześć", "body.txt": "Cześć", "body.html": "<p>Cześć</p>"})
    with pytest.raises(TemplateError, match="language variant 'pl' has html, which the default has not"):
        load_templates(email, "email")


def test_a_variant_is_checked_for_its_parts_like_the_default(tmp_path):
    template = write_template(tmp_path / "t", EN)
    write_template(template / "pl", {"body.txt": "Cześć"})
    with pytest.raises(TemplateError, match=r"t/pl: email template has no subject"):
        load_templates(template, "email")
    write_template(template / "pl", {"subject.txt": "{{ contact.first_name", "body.txt": "Cześć"})
    with pytest.raises(TemplateError, match=r"t/pl part 'subject' line 1"):
        load_templates(template, "email")
    (template / "pl" / "subject.txt").write_text("Cześć")
    write_template(template / "pl", {"footer.txt": "x"})
    with pytest.raises(TemplateError, match=r"t/pl: footer not a part of email"):
        load_templates(template, "email")


def test_variants_need_a_default_and_hold_no_folders(tmp_path):
    only_languages = tmp_path / "only"
    write_template(only_languages / "pl", PL)
    write_template(only_languages / "en", EN)
    with pytest.raises(TemplateError, match=r"the parts at the top level are the default.*only en, pl"):
        load_templates(only_languages, "email")

    nested = languages_template(tmp_path / "nested")
    write_template(nested / "pl" / "en", EN)
    with pytest.raises(TemplateError, match=r"a language variant holds parts only, not sub-folders \(en\)"):
        load_templates(nested, "email")


# --- checking every variant before the send -------------------------------------------------------

VARIABLES = {"contact": {"first_name": None, "city": None}, "segment": {}}


def test_a_variable_missing_in_one_variant_only_is_refused_naming_its_language(tmp_path):
    template = languages_template(tmp_path / "t")
    (template / "pl" / "body.txt").write_text("Dzień dobry, {{ contact.imie }}")
    templates = load_templates(template, "email")
    with pytest.raises(TemplateError) as refused:
        templates.check(VARIABLES)
    message = str(refused.value)
    assert "text (pl): unknown variable 'contact.imie'" in message
    assert "nothing was sent" in message
    assert "(default)" not in message and "(pt-BR)" not in message  # the others are fine


def test_the_default_is_named_too_when_the_template_has_variants(tmp_path):
    template = languages_template(tmp_path / "t")
    (template / "subject.txt").write_text("Hello {{ contact.frist_name }}")
    (template / "pt-BR" / "subject.txt").write_text("Olá {{ coupon }}")
    with pytest.raises(TemplateError) as refused:
        load_templates(template, "email").check(VARIABLES)
    message = str(refused.value)
    assert "subject (default): unknown variable 'contact.frist_name' (did you mean 'contact.first_name'?)" in message
    assert "subject (pt-BR): unknown variable 'coupon'" in message


def test_a_variant_past_the_rendering_limits_is_refused_naming_its_language(tmp_path):
    template = languages_template(tmp_path / "t")
    (template / "pl" / "body.txt").write_text("{{ 'x' * 10**9 }}")
    with pytest.raises(TemplateError, match=r"goes past the rendering limits(.|\n)*text \(pl\): "):
        load_templates(template, "email").check(VARIABLES)


def test_a_template_with_good_variants_passes_the_check(tmp_path):
    load_templates(languages_template(tmp_path / "t"), "email").check(VARIABLES)


# --- the digest -------------------------------------------------------------------------------------


def test_the_digest_covers_every_variant(tmp_path):
    template = write_template(tmp_path / "t", EN)
    plain = load_templates(template, "email").digest
    # without variants, the digest is what audit records have always held: parts sorted, as JSON
    parts = {"subject": EN["subject.txt"], "text": EN["body.txt"]}
    assert plain == hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()[:16]

    write_template(template / "pl", PL)
    with_pl = load_templates(template, "email").digest
    assert with_pl != plain

    (template / "pl" / "subject.txt").write_text("Cześć, {{ contact.first_name }}!")
    edited = load_templates(template, "email").digest
    assert edited not in (plain, with_pl)

    (template / "pl").rename(template / "cs")  # the same text under another language is another template
    assert load_templates(template, "email").digest not in (plain, with_pl, edited)

    (template / "cs").rename(template / "pl")
    assert load_templates(template, "email").digest == edited  # and it is stable


# --- the app's template picker ---------------------------------------------------------------------


def test_the_app_offers_a_template_with_variants_for_its_channel(tmp_path):
    folder = tmp_path / "templates"
    languages_template(folder / "hello")
    write_template(folder / "sale", {"text.txt": "Sale"})
    write_template(folder / "sale" / "pl", {"text.txt": "Wyprzedaż"})
    offered = {t.name: t.channels for t in list_templates(folder)}
    assert offered == {"hello": ("email",), "sale": ("sms",)}


# --- a send to a real SMTP server ----------------------------------------------------------------

LANGUAGE_OF = {
    # contact id: (first name, language, the subject the contact must get)
    "c_pl": ("Zofia", "pl", "Cześć Zofia"),
    "c_pl_upper": ("Jan", "PL", "Cześć Jan"),
    "c_pl_region": ("Iga", "pl-PL", "Cześć Iga"),
    "c_br": ("Ana", "pt-BR", "Olá Ana"),
    "c_en": ("John", "en", "Hello John"),
    "c_null": ("Ola", None, "Hello Ola"),
    "c_de": ("Hans", "de", "Hello Hans"),
    "c_path": ("Ewa", "../pl", "Hello Ewa"),
    "c_huge": ("Adam", "pl" + "x" * 10_000, "Hello Adam"),
}
VARIANT_OF = {"c_pl": "pl", "c_pl_upper": "pl", "c_pl_region": "pl", "c_br": "pt-BR"}


@pytest.fixture
def languages_store(tmp_path) -> Workspace:
    ws = Workspace(f"duckdb://{tmp_path / 'languages.duckdb'}")
    ws.init()
    rows = [contact_row(cid, name, language=language) for cid, (name, language, _) in LANGUAGE_OF.items()]
    report = ws.append("contacts", rows)
    assert not report.rejected, report.rejects
    ws.save_segment(
        {"id": "testowo", "name": "In Testowo", "rule": {"attribute": "city", "op": "eq", "value": "Testowo"}}
    )
    return ws


def test_a_send_gives_each_recipient_the_subject_of_its_language(languages_store, tmp_path, monkeypatch):
    ws = languages_store
    monkeypatch.delenv("WORKBENCH_TRACKER", raising=False)
    define_campaign(ws, "hello", segment="testowo", channel="email", template=languages_template(tmp_path / "t"))
    with SmtpSink() as sink:
        for key, value in sink.env().items():
            monkeypatch.setenv(key, value)
        plan = prepare_send(ws, "hello", as_of=AS_OF, policy=NO_CAPS)
        report = plan.execute(SendOptions(progress=False), journal=tmp_path / "hello.journal.jsonl")

    assert report.summary()["sent"] == len(LANGUAGE_OF)
    subjects = {message["To"].addresses[0].addr_spec: str(message["Subject"]) for message in sink.messages}
    assert subjects == {f"{cid}@example.org": subject for cid, (_, _, subject) in LANGUAGE_OF.items()}
    bodies = {
        message["To"].addresses[0].addr_spec: message.get_body(("plain",)).get_content() for message in sink.messages
    }
    assert bodies["c_pl@example.org"].startswith("Dzień dobry, Zofia: -20%.")
    assert bodies["c_en@example.org"].startswith("Hi John, -20% today.")

    # the sent events and the recipient list say which variant each recipient got
    events = [e for e in ws.table("events").to_pylist() if e["name"] == "email_sent"]
    recorded = {e["contact_id"]: json.loads(e["properties"])["template_language"] for e in events}
    assert recorded == {cid: VARIANT_OF.get(cid, "default") for cid in LANGUAGE_OF}
    listed = write_recipients(tmp_path / "r.parquet", plan.audience, report).to_pylist()
    assert {r["contact_id"]: r["template_language"] for r in listed} == recorded


def test_the_send_notebook_records_the_variant_of_each_recipient(languages_store, tmp_path):
    ws = languages_store
    runs = tmp_path / "runs"
    template = languages_template(tmp_path / "t")
    with SmtpSink() as sink:
        result = CliRunner().invoke(
            main,
            [
                "--db", ws.url.url, "send", "--segment", "testowo", "--channel", "email",
                "--template", str(template), "--campaign", "nb-hello", "--as-of", AS_OF.isoformat(),
                "--runs-dir", str(runs), "--max-per-day", "0", "--max-per-week", "0",
            ],
            env={**sink.env(), "WORKBENCH_TRACKER": ""},
            catch_exceptions=False,
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert sorted(str(m["Subject"]) for m in sink.messages) == sorted(s for _, _, s in LANGUAGE_OF.values())
    (listing,) = (runs / "nb-hello").glob("*.recipients.parquet")
    listed = pq.read_table(listing).to_pylist()
    assert {r["contact_id"]: r["template_language"] for r in listed} == {
        cid: VARIANT_OF.get(cid, "default") for cid in LANGUAGE_OF
    }


def test_a_recipient_whose_variant_fails_is_recorded_with_that_variant(languages_store, tmp_path, monkeypatch):
    ws = languages_store
    template = languages_template(tmp_path / "t")
    # fails on Zofia's values only: the Polish variant divides by the length of "Zofia" minus 5
    (template / "pl" / "body.txt").write_text("{{ 10 // (contact.first_name | length - 5) }}")
    define_campaign(ws, "one-fails", segment="testowo", channel="email", template=template)
    plan = prepare_send(ws, "one-fails", as_of=AS_OF, policy=NO_CAPS, dry_run=True)
    report = plan.execute(SendOptions(progress=False), outbox=tmp_path / "outbox")
    failed = report.failures().set_index("contact_id")["reason"].to_dict()
    assert list(failed) == ["c_pl"] and "part 'text'" in failed["c_pl"]
    listed = {r["contact_id"]: r for r in write_recipients(tmp_path / "r.parquet", plan.audience, report).to_pylist()}
    assert (listed["c_pl"]["status"], listed["c_pl"]["template_language"]) == ("failed", "pl")
    assert (listed["c_en"]["status"], listed["c_en"]["template_language"]) == ("dry_run", "default")


def test_a_template_without_variants_records_no_variant(languages_store, tmp_path):
    ws = languages_store
    define_campaign(ws, "plain", segment="testowo", channel="email", template=write_template(tmp_path / "t", EN))
    plan = prepare_send(ws, "plain", as_of=AS_OF, policy=NO_CAPS, dry_run=True)
    report = plan.execute(SendOptions(progress=False), outbox=tmp_path / "outbox")
    listed = write_recipients(tmp_path / "r.parquet", plan.audience, report).to_pylist()
    assert {r["template_language"] for r in listed} == {None}
    message = plan.composer.compose(plan.audience.recipients()[0], track=False)
    assert "template_language" not in message.event_properties()


# --- the sample templates in Polish ---------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory) -> Workspace:
    ws = Workspace(f"duckdb://{tmp_path_factory.mktemp('sample') / 'sample.duckdb'}")
    load_sample(ws, 200, save_segments=False)
    ws.save_segment({"id": "everyone", "name": "Everyone", "rule": {"all": []}})
    return ws


def _thank_you_subject(contact: dict) -> str:
    name = contact["first_name"]
    if (contact["language"] or "").lower() == "pl":
        return f"Dziękujemy za zakupy, {name}!" if name else "Dziękujemy za zakupy!"
    return f"{name or 'Hello'}, thank you for shopping with us"


def _come_back_title(contact: dict) -> str:
    name = contact["first_name"]
    if (contact["language"] or "").lower() == "pl":
        return f"Tęsknimy za Tobą, {name}!" if name else "Tęsknimy za Tobą!"
    return f"We miss you, {name or 'friend'}"


def _flash_sale_text(contact: dict) -> str:
    name = contact["first_name"]
    if (contact["language"] or "").lower() == "pl":
        return f"{name or 'Hej'}, tylko dzis blyskawiczna wyprzedaz: -20% na wszystko z kodem FLASH20. https://shop.example/sale"
    return f"{name or 'Hi'}, flash sale today only: -20% on everything with code FLASH20. https://shop.example/sale"


@pytest.mark.parametrize(
    ("template", "channel", "part", "expected"),
    [
        ("thank_you", "email", "subject", _thank_you_subject),
        ("come_back", "push", "title", _come_back_title),
        ("flash_sale", "sms", "text", _flash_sale_text),
    ],
)
def test_the_sample_templates_speak_polish_to_polish_contacts(sample_store, template, channel, part, expected):
    ws = sample_store
    assert load_templates(SAMPLE_TEMPLATES / template, channel).languages == ("pl",)
    campaign = define_campaign(
        ws, f"sample-{template}", segment="everyone", channel=channel, template=SAMPLE_TEMPLATES / template
    )
    plan = prepare_send(ws, campaign, as_of=AS_OF, policy=NO_CAPS, dry_run=True)
    contacts = {c["contact_id"]: c for c in ws.table("contacts").to_pylist()}
    recipients = plan.audience.recipients()
    languages = {contacts[r["contact_id"]]["language"] for r in recipients}
    assert "pl" in languages and len(languages - {"pl"}) >= 2  # Polish, and others who get the default
    for row in recipients:
        message = plan.composer.compose(row, track=False)
        assert message.content[part] == expected(contacts[row["contact_id"]]), row["contact_id"]
        assert message.template_language == ("pl" if contacts[row["contact_id"]]["language"] == "pl" else "default")


def test_the_sample_thank_you_reads_naturally_in_polish(tmp_path):
    templates = load_templates(SAMPLE_TEMPLATES / "thank_you", "email").variant_for("pl")
    context = {
        "contact": {"first_name": "Zofia", "city": "Kraków"},
        "campaign": {"id": "dzieki-2026"},
        "unsubscribe_url": "https://shop.example/u/1",
    }
    text = templates.render(context)["text"]
    assert text == (
        "Dzień dobry, Zofia!\n\n"
        "Dziękujemy, że robisz zakupy właśnie u nas. W podziękowaniu mamy dla Ciebie 10% rabatu\n"
        "na kolejne zamówienie z kodem THANKS10.\n\n"
        "https://shop.example/?utm_campaign=dzieki-2026\n\n"
        "Wypisz się z newslettera: https://shop.example/u/1"
    )
    html = templates.render({**context, "contact": {"first_name": "<b>Ala</b>", "city": None}})["html"]
    assert "Dzień dobry, &lt;b&gt;Ala&lt;/b&gt;!" in html and 'lang="pl"' in html
    assert 'href="https://shop.example/u/1">Wypisz się z newslettera</a>' in templates.render(context)["html"]


def test_the_audit_record_reads_in_the_workspace_language(languages_store, tmp_path):
    """The executed send notebook of a Polish workspace: its sections, the policy and the gate's
    reasons in Polish (written by hand), its figures and the template's variants as they are."""
    import nbformat

    ws = languages_store
    ws.set_locale("pl")
    runs = tmp_path / "runs"
    result = CliRunner().invoke(
        main,
        [
            "--db", ws.url.url, "send", "--segment", "testowo", "--channel", "email", "--dry-run",
            "--template", str(languages_template(tmp_path / "t")), "--campaign", "audyt", "--as-of", AS_OF.isoformat(),
            "--runs-dir", str(runs), "--outbox", str(tmp_path / "outbox"), "--max-per-day", "0", "--max-per-week", "0",
        ],
        env={"WORKBENCH_TRACKER": ""},
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    (record,) = (runs / "audyt").glob("*.ipynb")
    shown = []
    for cell in nbformat.read(record, as_version=4).cells:
        for output in cell.get("outputs", []):
            shown += [output.get("text", ""), output.get("data", {}).get("text/markdown", "")]
            shown.append(output.get("data", {}).get("text/plain", ""))
    text = "\n".join(shown)
    for heading in (
        "# Wysyłka kampanii: zapis audytowy",
        "## Kiedy, i reguły bramki",
        "## Skompilowane zapytanie SQL",
        "## Liczby według powodu wykluczenia",
        "## Szablon",
        "## Podglądy",
        "## Lista odbiorców według planu",
        "## Wysyłka",
        "## Wynik",
    ):
        assert heading in text, heading
    assert "policy:    bez limitu częstotliwości; bez godzin ciszy" in text
    assert "segment:   Miasto to Testowo" in text
    assert "brak zgody email_consent" in text and "brak pola email dla tego kanału" in text
    assert "kontakty, które przechodzą bramkę i nie są w grupie kontrolnej" in text
    assert "languages: default + pl, pt-BR" in text and "--- subject (pl) ---" in text
    assert "When, and the rules of the gate" not in text
