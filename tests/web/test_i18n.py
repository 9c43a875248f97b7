"""Dutch by default, French and English on request; the catalogues are complete."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "web" / "translations"
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s|%%")


Message = str | tuple[str, ...]
"""A message's id: its text, or its singular and plural (ngettext)."""


def _source_messages() -> set[Message]:
    found = extract_from_dir(str(ROOT / "web"), METHODS,
                             keywords={"_": None, "gettext": None, "ngettext": (1, 2)})  # fmt: skip
    return {message if isinstance(message, str) else tuple(message)
            for _, _, message, _, _ in found}  # fmt: skip


def _key(value: object) -> Message:
    """A catalogue's id or translation, a plural's forms as a tuple (.mo gives lists)."""
    return value if isinstance(value, str) else tuple(str(v) for v in value)  # type: ignore[attr-defined]


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_every_message_is_translated_and_compiled(language: str) -> None:
    po_path = TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as f:
        catalogue = read_po(f)
    translated = {_key(m.id): _key(m.string) for m in catalogue
                  if m.id and not m.fuzzy and m.string and all(_key(m.string))}  # fmt: skip
    missing = sorted(_source_messages() - set(translated), key=str)  # plurals are tuples
    assert not missing, f"{language}: untranslated (run pybabel update, see docs/web.md): {missing}"
    for source, text in translated.items():
        assert sorted(PLACEHOLDER.findall(str(text))) == sorted(PLACEHOLDER.findall(str(source)))
    with (po_path.with_suffix(".mo")).open("rb") as f:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(f) if m.id}
    stale = {k for k in translated if compiled.get(k) != translated[k]}
    assert not stale, f"{language}: messages.mo is out of date: pybabel compile"
    singular_as_plural = [m.id for m in catalogue if isinstance(m.id, tuple)
                          and m.id[0] != m.id[1] and len(set(_key(m.string))) == 1]  # fmt: skip
    assert not singular_as_plural, f"{language}: plural the same as singular: {singular_as_plural}"


def test_dutch_is_the_default_and_french_and_english_are_offered(app: Flask) -> None:
    client = app.test_client()
    dutch = client.get("/e/kortrijk-2019/login").get_data(as_text=True)
    assert "Rijksregisternummer" in dutch
    assert "Volksraadpleging autovrije zondag" in dutch  # the manifest's own text, in nl
    french = client.get("/e/kortrijk-2019/login?lang=fr").get_data(as_text=True)
    assert "Numéro de registre national" in french
    assert "Consultation populaire sur le dimanche sans voiture" in french
    english = client.get("/e/kortrijk-2019/login?lang=en").get_data(as_text=True)
    assert "National register number" in english


def test_dates_are_in_the_belgian_format(app: Flask) -> None:
    page = app.test_client().get("/e/kortrijk-2019?lang=fr").get_data(as_text=True)
    assert "20/05/2019 08:00" in page  # the window opens 20 May 2019 at 08:00 in Kortrijk
