"""The interface's translations: complete, well-formed, compiled, and actually served.

msgids are Spanish; rutapyme/locale holds one catalog per other language. The compiled .mo
files are committed (a fresh machine has no GNU gettext to build them), so a test checks that
each one still matches its .po. How to update them: docs/TRANSLATING.md.
"""

import re
from collections import Counter
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import to_locale

LOCALE_DIR = Path(settings.BASE_DIR) / "rutapyme" / "locale"
TRANSLATED_LANGUAGES = ["pt-br", "en"]  # every language in settings.LANGUAGES except Spanish

# printf-style conversions as Python's % operator reads them: %s, %d, %(name)s, %(n)d, %.2f…
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[diouxXeEfFgGcrsa%]")


def po_path(language: str) -> Path:
    return LOCALE_DIR / to_locale(language) / "LC_MESSAGES" / "django.po"


def load_po(language: str) -> polib.POFile:
    return polib.pofile(str(po_path(language)))


def active_entries(catalog) -> list:
    return [entry for entry in catalog if not entry.obsolete]


def placeholders(text: str) -> Counter:
    return Counter(match for match in PLACEHOLDER.findall(text) if match != "%%")


def forms(entry) -> list[tuple[str, str]]:
    """(source, translation) pairs: one per plural form, or a single pair."""
    if entry.msgid_plural:
        return [
            (entry.msgid if index == 0 else entry.msgid_plural, msgstr)
            for index, msgstr in sorted(entry.msgstr_plural.items())
        ]
    return [(entry.msgid, entry.msgstr)]


def pairs(catalog, *, skip_fuzzy: bool) -> dict:
    """msgctxt/msgid/msgid_plural -> translation(s), as gettext would look them up."""
    result = {}
    for entry in active_entries(catalog):
        if skip_fuzzy and "fuzzy" in entry.flags:
            continue
        key = (entry.msgctxt, entry.msgid, entry.msgid_plural or None)
        if entry.msgid_plural:
            value = tuple(msgstr for _index, msgstr in sorted(entry.msgstr_plural.items()))
        else:
            value = entry.msgstr
        if not any(value if isinstance(value, tuple) else [value]):
            continue  # msgfmt leaves untranslated entries out of the .mo
        result[key] = value
    return result


def msgstr(language: str, msgid: str) -> str:
    entry = load_po(language).find(msgid)
    assert entry is not None, f"{msgid!r} is not in the {language} catalog"
    assert entry.msgstr and entry.msgstr != msgid, f"{msgid!r} is not translated to {language}"
    return entry.msgstr


def test_every_language_but_spanish_has_a_catalog():
    assert sorted(code for code, _name in settings.LANGUAGES if code != "es") == sorted(
        TRANSLATED_LANGUAGES
    )
    for language in TRANSLATED_LANGUAGES:
        assert po_path(language).is_file(), f"{po_path(language)} is missing"


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_every_entry_is_translated_and_not_fuzzy(language):
    catalog = load_po(language)
    assert active_entries(catalog), "the catalog is empty"
    assert not catalog.metadata_is_fuzzy, "the header is marked fuzzy"
    fuzzy = [entry.msgid for entry in active_entries(catalog) if "fuzzy" in entry.flags]
    untranslated = [
        entry.msgid
        for entry in active_entries(catalog)
        if not all(translation for _source, translation in forms(entry))
    ]
    assert not fuzzy, f"fuzzy in {language}: {fuzzy}"
    assert not untranslated, f"untranslated in {language}: {untranslated}"


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_plural_entries_fill_every_form(language):
    catalog = load_po(language)
    nplurals = int(re.search(r"nplurals=(\d+)", catalog.metadata["Plural-Forms"]).group(1))
    for entry in active_entries(catalog):
        if entry.msgid_plural:
            assert sorted(entry.msgstr_plural) == list(range(nplurals)), entry.msgid


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_placeholders_match_the_spanish(language):
    mismatches = []
    for entry in active_entries(load_po(language)):
        if "no-python-format" in entry.flags:
            continue
        for source, translation in forms(entry):
            if placeholders(translation) != placeholders(source):
                mismatches.append((source, translation))
    assert not mismatches, f"placeholders differ in {language}: {mismatches}"


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_committed_mo_is_up_to_date_with_its_po(language):
    mo_path = po_path(language).with_suffix(".mo")
    assert mo_path.is_file(), f"{mo_path} is missing: run compilemessages and commit it"
    compiled = pairs(polib.mofile(str(mo_path)), skip_fuzzy=False)
    source = pairs(load_po(language), skip_fuzzy=True)
    stale = sorted(
        {key[1] for key in source.keys() ^ compiled.keys()}
        | {key[1] for key in source.keys() & compiled.keys() if source[key] != compiled[key]}
    )
    assert not stale, (
        f"{mo_path} does not match its .po (run compilemessages and commit the .mo): {stale}"
    )


def get_in(client, language: str, url: str):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Language"] == language
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_home_is_served_in_the_chosen_language(client, language):
    page = get_in(client, language, reverse("core:home"))
    assert escape(msgstr(language, "Registrar mi empresa")) in page
    assert "Registrar mi empresa" not in page


REGISTRATION_LABELS = [
    "Su nombre y apellido",
    "Contraseña",
    "RUC o identificación tributaria",
    "Razón social",
    "Nombre comercial",
    "Cantón o ciudad",
    "¿Cuántas personas trabajan en la empresa?",
]


@pytest.mark.django_db
@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_registration_form_labels_are_translated(client, language):
    page = get_in(client, language, reverse("firms:register"))
    for label in REGISTRATION_LABELS:
        assert escape(msgstr(language, label)) in page, label
    assert "Razón social" not in page


@pytest.mark.django_db
def test_registration_labels_read_naturally(client):
    english = get_in(client, "en", reverse("firms:register"))
    assert "Legal name" in english
    assert "Trade name" in english
    portuguese = get_in(client, "pt-br", reverse("firms:register"))
    assert "Razão social" in portuguese
    assert "Município ou cidade" in portuguese
