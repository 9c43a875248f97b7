"""Checking the fields the platform stores: plain text, texts per language, Brussels days.

A text may not hold control or invisible characters (bidirectional overrides,
zero-width spaces; Unicode Cc, Cf, Cs, Zl, Zp), except newlines and tabs in the
long texts residents write, nor the characters that are letters or symbols to
Unicode but show as blank space (`BLANK`: the Hangul fillers, the blank braille
pattern…); surrounding whitespace is stripped. A name or a title (`NAMED` fields:
``title``, ``display_name``, ``title.nl``…) must hold at least one letter or digit.
"""

from __future__ import annotations

import datetime
import json
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from evoting.crypto.canonical import canonical_json
from participation.errors import InvalidInput

ZONE = ZoneInfo("Europe/Brussels")
LANGUAGES = ("nl", "fr", "en")
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
BLANK = frozenset(
    "\u034f"  # combining grapheme joiner (Mn)
    "\u115f\u1160"  # Hangul choseong and jungseong fillers (Lo)
    "\u17b4\u17b5"  # Khmer inherent vowels (Mn)
    "\u2800"  # braille pattern blank (So)
    "\u3164"  # Hangul filler (Lo)
    "\uffa0"  # halfwidth Hangul filler (Lo)
)
"""Characters Unicode does not call invisible that still show as nothing."""
NAMED = frozenset({"title", "display_name", "project_title"})
"""Fields (before any ``.lang`` suffix) that must hold a letter or a digit."""


def plain(value: object, field: str, limit: int, *, minimum: int = 1,
          multiline: bool = False) -> str:  # fmt: skip
    """``value`` stripped, checked: a string of ``minimum`` to ``limit`` characters."""
    if not isinstance(value, str):
        raise InvalidInput(field, "missing" if value is None else "invalid", "expected text")
    text = value.strip()
    if multiline:
        text = text.replace("\r\n", "\n")
    if len(text) < minimum:
        raise InvalidInput(field, "missing" if not text else "too-short", f"at least {minimum}")
    if len(text) > limit:
        raise InvalidInput(field, "too-long", f"at most {limit} characters")
    allowed = "\n\t" if multiline else ""
    for ch in text:
        if ch in BLANK or (ch not in allowed and unicodedata.category(ch) in _INVISIBLE):
            raise InvalidInput(field, "invalid", f"invisible character U+{ord(ch):04X}")
    if field.split(".", maxsplit=1)[0] in NAMED and not any(ch.isalnum() for ch in text):
        raise InvalidInput(field, "invalid", "no letter or digit")
    return text


def optional(value: object, field: str, limit: int) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return plain(value, field, limit)


def per_language(value: object, languages: Sequence[str], field: str, limit: int,
                 *, multiline: bool = False) -> dict[str, str]:  # fmt: skip
    """A text in each of ``languages`` (no other key)."""
    if not isinstance(value, Mapping):
        raise InvalidInput(field, "missing" if value is None else "invalid",
                           f"a text per language ({', '.join(languages)})")  # fmt: skip
    for key in value:
        if key not in languages:
            raise InvalidInput(f"{field}.{key}", "unknown", "not one of the process's languages")
    return {lang: plain(value.get(lang), f"{field}.{lang}", limit, multiline=multiline)
            for lang in languages}  # fmt: skip


def language(value: object, field: str = "language") -> str:
    if value not in LANGUAGES:
        raise InvalidInput(field, "unknown", f"one of {', '.join(LANGUAGES)}")
    assert isinstance(value, str)
    return value


def whole(value: object, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(field, "invalid", f"a whole number from {low} to {high}")
    return value


def to_json(value: object) -> str:
    return canonical_json(value).decode("utf-8")


def from_json(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def utc(moment: datetime.datetime) -> datetime.datetime:
    """An aware UTC datetime (SQLite gives stored times back naive)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(datetime.UTC)


def aware(now: datetime.datetime) -> datetime.datetime:
    if now.tzinfo is None:
        raise ValueError("the time must be timezone-aware")
    return now


def day_start(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of ``day`` in Brussels, in UTC."""
    return datetime.datetime.combine(day, datetime.time(0), tzinfo=ZONE).astimezone(datetime.UTC)


def local_day(moment: datetime.datetime) -> datetime.date:
    return moment.astimezone(ZONE).date()
