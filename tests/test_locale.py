"""Translations: our pages in German through AA's language switch, and the catalogue check.

The catalogue check regenerates the catalogue with Django's ``makemessages`` in a temporary
copy of the package and fails when the committed German catalogue misses a message of the
code, has fuzzy or untranslated entries, breaks a placeholder, when the committed
``django.mo`` does not hold exactly what the ``django.po`` says (someone forgot to run
``compilemessages``), or when another app's catalogue hides one of our translations.
How to update the catalogue: README, "Translations".
"""

from __future__ import annotations

import ast
import gettext
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from helpers import create_member, register_main

from django.conf import settings
from django.core.management import call_command
from django.core.management.utils import find_command
from django.urls import reverse
from django.utils import translation

import memberaudit

PACKAGE = Path(memberaudit.__file__).resolve().parent
LOCALE = PACKAGE / "locale"
#: every language we ship a catalogue for, besides English (the language of the msgids)
TRANSLATED = ("de",)

LAUNCHER = reverse("memberaudit:launcher")

#: (English, German) strings that the launcher of a member with one registered character shows
LAUNCHER_STRINGS = [
    ("My characters", "Meine Charaktere"),
    ("Register character", "Charakter registrieren"),
    ("Skill points", "Skillpunkte"),
    ("Update status", "Aktualisierungsstatus"),
]
#: (English, German) strings of the character viewer's page (header, tabs, overview)
VIEWER_STRINGS = [
    ("Overview", "Übersicht"),
    ("Skill queue", "Skill-Warteschlange"),
    ("Jump clones", "Sprungklone"),
    ("Wallet journal", "Wallet-Journal"),
    ("Not training", "Kein Training"),
]


# --- pages in German --------------------------------------------------------------------------


@pytest.fixture
def member(client, db):
    """A logged-in member with a registered main character."""
    user = create_member("Greta Gunnery", "basic_access")
    character = register_main(user)
    client.force_login(user)
    return user, character


def _text(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def _assert_german(html: str, strings: list[tuple[str, str]]) -> None:
    for english, german in strings:
        assert german in html, f"{german!r} missing"
        assert f">{english}<" not in html, f"{english!r} still in English"


def test_choosing_german_in_aas_language_switch_makes_our_pages_german(client, member):
    user, character = member
    # AA's language selector (public/lang_select.html) posts to Django's set_language view
    response = client.post(reverse("set_language"), {"language": "de", "next": LAUNCHER})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "de"
    user.profile.refresh_from_db()
    assert user.profile.language == "de"  # AA's middleware keeps the choice for the next login

    _assert_german(_text(client.get(LAUNCHER)), LAUNCHER_STRINGS)
    viewer = reverse("memberaudit:character_viewer", args=[character.pk])
    _assert_german(_text(client.get(viewer)), VIEWER_STRINGS)


def test_a_german_browser_gets_german_pages(client, member):
    html = _text(client.get(LAUNCHER, headers={"accept-language": "de-DE,de;q=0.9,en;q=0.5"}))
    _assert_german(html, LAUNCHER_STRINGS)


def test_english_stays_the_default(client, member):
    html = _text(client.get(LAUNCHER))
    for english, german in LAUNCHER_STRINGS:
        assert english in html and german not in html


def test_plurals_and_placeholders_are_translated():
    one, many = "%(count)d item", "%(count)d items"
    with translation.override("de"):
        assert translation.ngettext(one, many, 1) % {"count": 1} == "1 Gegenstand"
        assert translation.ngettext(one, many, 3) % {"count": 3} == "3 Gegenstände"


# --- the catalogue check ----------------------------------------------------------------------


@dataclass
class Entry:
    """One message of a .po file."""

    msgid: str
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        return (self.msgctxt, self.msgid, self.msgid_plural)


def parse_po(path: Path) -> list[Entry]:
    """The entries of a .po file, header and obsolete (``#~``) entries left out."""
    entries: list[Entry] = []
    flags: set[str] = set()
    fields: dict[str, str] = {}
    current: str | None = None

    def finish() -> None:
        nonlocal fields, flags, current
        if "msgid" in fields and fields["msgid"]:
            entry = Entry(
                msgid=fields["msgid"], msgctxt=fields.get("msgctxt"), msgid_plural=fields.get("msgid_plural")
            )
            for name, value in fields.items():
                if name == "msgstr":
                    entry.msgstr[0] = value
                elif name.startswith("msgstr["):
                    entry.msgstr[int(name[7:-1])] = value
            entry.flags = flags
            entries.append(entry)
        fields, flags, current = {}, set(), None

    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#~"):
            if not line:
                finish()
            continue
        if line.startswith("#") and "msgstr" in fields:
            finish()  # a comment opens the next entry
        if line.startswith("#,"):
            flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            fields[current] += ast.literal_eval(line)
        else:
            keyword, _, literal = line.partition(" ")
            if keyword in ("msgctxt", "msgid") and "msgstr" in fields:
                finish()
            current = keyword
            fields[current] = ast.literal_eval(literal)
    finish()
    return entries


PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[sd]|_[A-Z]+_")


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> dict[str, list[Entry]]:
    """The catalogues as ``makemessages`` makes them from today's code, per language."""
    if find_command("xgettext") is None or find_command("msgmerge") is None:
        pytest.skip("GNU gettext (xgettext, msgmerge) is needed: apt-get install gettext")
    copy = tmp_path_factory.mktemp("catalogue") / "memberaudit"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.chdir(copy)  # makemessages works on the current directory, like the README says
        call_command("makemessages", locale=list(TRANSLATED), no_obsolete=True, verbosity=0)
    return {
        language: parse_po(copy / "locale" / language / "LC_MESSAGES" / "django.po")
        for language in TRANSLATED
    }


def _committed(language: str) -> list[Entry]:
    return parse_po(LOCALE / language / "LC_MESSAGES" / "django.po")


def _describe(entries) -> str:
    return "\n".join(f"  {entry.msgid!r}" for entry in entries)


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_catalogue_has_every_message_of_the_code(language, regenerated):
    wanted = {entry.key: entry for entry in regenerated[language]}
    have = {entry.key for entry in _committed(language)}
    missing = [entry for key, entry in wanted.items() if key not in have]
    obsolete = [key for key in have if key not in wanted]
    assert not missing, (
        f"{len(missing)} message(s) of the code are not in locale/{language}: run makemessages and "
        f"translate them (README, Translations):\n{_describe(missing)}"
    )
    assert not obsolete, f"locale/{language} has messages the code no longer uses: {obsolete}"
    assert len(wanted) > 500  # the extraction really ran over the package


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    entries = _committed(language)
    untranslated = [e for e in entries if not e.msgstr or not all(e.msgstr.values())]
    fuzzy = [e for e in entries if "fuzzy" in e.flags]
    assert not untranslated, f"untranslated in locale/{language}:\n{_describe(untranslated)}"
    assert not fuzzy, f"fuzzy in locale/{language} (check, fix, drop the flag):\n{_describe(fuzzy)}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_the_placeholders(language):
    broken = []
    for entry in _committed(language):
        if entry.msgid_plural is None:
            if _placeholders(entry.msgstr[0]) != _placeholders(entry.msgid):
                broken.append(entry)
            continue
        # plural forms: the singular may say "one" instead of the number, nothing else may go
        allowed = _placeholders(entry.msgid) | _placeholders(entry.msgid_plural)
        for number, text in entry.msgstr.items():
            wanted = _placeholders(entry.msgid_plural) if number else set()
            if not wanted <= _placeholders(text) <= allowed:
                broken.append(entry)
    assert not broken, f"placeholders changed in locale/{language}:\n{_describe(broken)}"


#: msgids that apps listed before ours in INSTALLED_APPS translate too: Django lets the first
#: app win, so users see the other translation. Where that one is good German, our catalogue
#: uses it; where ours must differ, the code gives the word a message context (pgettext: the
#: import "Format", a record's "created at" / "created by"), and nothing needs listing here.
OVERRIDDEN_BY_OTHER_APPS: dict[str, str] = {}


@pytest.mark.parametrize("language", TRANSLATED)
def test_users_see_our_translations(language):
    """The compiled catalogue is loaded and no other app's catalogue overrides a message."""
    differing = []
    with translation.override(language):
        for entry in _committed(language):
            if entry.msgctxt is not None or entry.msgid in OVERRIDDEN_BY_OTHER_APPS:
                continue
            if entry.msgid_plural is None:
                shown = translation.gettext(entry.msgid)
            else:
                shown = translation.ngettext(entry.msgid, entry.msgid_plural, 1)
            if shown != entry.msgstr[0]:
                differing.append(f"  {entry.msgid!r}: ours {entry.msgstr[0]!r}, shown {shown!r}")
    assert not differing, "another app's catalogue wins for these msgids (use its text or a context):\n" + (
        "\n".join(differing)
    )


@pytest.mark.parametrize("language", [*TRANSLATED, "en"])
def test_the_compiled_catalogue_matches_the_po_file(language):
    directory = LOCALE / language / "LC_MESSAGES"
    mo = directory / "django.mo"
    assert mo.exists(), f"{mo} is missing: run compilemessages and commit it"
    with mo.open("rb") as f:
        compiled = dict(gettext.GNUTranslations(f)._catalog)
    compiled.pop("", None)  # the header
    expected: dict[object, str] = {}
    for entry in parse_po(directory / "django.po"):
        if "fuzzy" in entry.flags or not all(entry.msgstr.values()):
            continue  # msgfmt leaves these out
        msgid = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is None:
            expected[msgid] = entry.msgstr[0]
        else:
            expected.update({(msgid, number): text for number, text in entry.msgstr.items()})
    assert compiled == expected, (
        f"locale/{language}/LC_MESSAGES/django.mo is out of date: run compilemessages"
    )


def test_the_wheel_ships_the_compiled_catalogues():
    manifest = (PACKAGE.parent / "MANIFEST.in").read_text()
    assert "recursive-include memberaudit/locale *" in manifest
    for language in (*TRANSLATED, "en"):
        assert (LOCALE / language / "LC_MESSAGES" / "django.mo").exists()
