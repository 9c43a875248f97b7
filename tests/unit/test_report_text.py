"""The official report's numbers, dates and rule wording in nl, fr and en (audit/report_text.py)."""

from __future__ import annotations

import datetime

import pytest

from audit.report_layout import wrap
from audit.report_text import (
    NBSP,
    TEXT,
    date,
    date_time,
    decimal,
    integer,
    moment,
    percent,
    rule_line,
    share,
    verdict,
)


@pytest.mark.parametrize(
    ("n", "nl", "fr", "en"),
    [
        (0, "0", "0", "0"),
        (999, "999", "999", "999"),
        (1025, "1.025", f"1{NBSP}025", "1,025"),
        (9_000_000, "9.000.000", f"9{NBSP}000{NBSP}000", "9,000,000"),
    ],
)
def test_thousands(n: int, nl: str, fr: str, en: str) -> None:
    assert (integer(n, "nl"), integer(n, "fr"), integer(n, "en")) == (nl, fr, en)


def test_decimals_are_repunctuated_never_rounded() -> None:
    assert decimal("2.50", "nl") == "2,50"
    assert decimal("2.5", "fr") == "2,5"
    assert decimal("2.50", "en") == "2.50"
    assert decimal("1234.567", "nl") == "1.234,567"
    assert decimal("2000", "fr") == f"2{NBSP}000"
    assert decimal("none", "nl") == "none"  # not a number: left as it is


def test_percentages() -> None:
    assert percent("51.25", "nl") == "51,25%"
    assert percent("51.25", "fr") == f"51,25{NBSP}%"
    assert percent("51.25", "en") == "51.25%"
    assert share(1025, 2000) == "51.25"
    assert share(1, 3) == "33.33"
    assert share(1, 8) == "12.50"
    assert share(5, 0) is None


def test_times_are_shown_in_brussels() -> None:
    closing = moment("2019-05-27T18:00:00Z")
    assert closing.utcoffset() == datetime.timedelta(hours=2)  # summer time
    assert date_time(closing, "nl") == "27 mei 2019, 20:00"
    assert date_time(closing, "fr") == "27 mai 2019, 20:00"
    assert date_time(closing, "en") == "27 May 2019, 20:00"
    winter = moment("2026-01-01T07:00:00+00:00")
    assert date(winter, "fr") == "1er janvier 2026"
    assert date_time(winter, "nl") == "1 januari 2026, 08:00"
    assert moment("2019-05-20T08:00:00+02:00").hour == 8


def test_the_verdict_in_the_words_of_the_results_page() -> None:
    assert verdict({"binding": True, "outcome": "yes"}, "nl") == "Bindend: ja wint"
    assert verdict({"binding": False, "outcome": "no"}, "fr") == (
        f"Consultatif{NBSP}: le non l’emporte"
    )
    assert verdict({"binding": False, "outcome": "tie"}, "en") == "Advisory: a tie"


@pytest.mark.parametrize(
    ("check", "lang", "words"),
    [
        ({"rule": "min_participants", "actual": "1999", "required": "2000", "met": False}, "nl",
         ("Deelnemers: 1.999, vereist minstens 2.000", "niet voldaan")),
        ({"rule": "min_margin_points", "actual": "2.50", "required": "2.5", "met": True}, "fr",
         (f"Écart entre oui et non{NBSP}: 2,50 points, au moins 2,5 requis", "rempli")),
        ({"rule": "min_margin_points", "actual": "none", "required": "2.5", "met": False}, "en",
         ("Nobody voted yes or no, a difference of at least 2.5 points required", "not met")),
        ({"rule": "min_turnout_percent", "actual": "12.00", "required": "10", "met": True},
         "en", ("Turnout: 12.00%, at least 10% required", "met")),
        ({"rule": "no_tie", "actual": "3 = 3", "required": "yes ≠ no", "met": False}, "nl",
         ("Ja en nee staan gelijk: een gelijkspel beslist niets", "niet voldaan")),
        ({"rule": "future_rule", "explanation": "in English", "met": True}, "fr",
         ("in English", "rempli")),
    ],
)  # fmt: skip
def test_each_rule_in_words(check: dict[str, object], lang: str, words: tuple[str, str]) -> None:
    assert rule_line(check, lang) == words


def test_every_language_has_every_text() -> None:
    assert set(TEXT["nl"]) == set(TEXT["fr"]) == set(TEXT["en"])


def test_wrapping_keeps_every_line_inside_the_width() -> None:
    text = "a " * 50 + "0123456789abcdef" * 8 + f" 1{NBSP}025{NBSP}%"
    lines = wrap(text, "Courier", 10, 200)
    assert all(len(line) * 6 <= 200 for line in lines)  # Courier: 6 points a character at 10
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")  # nothing lost
    assert lines[-1].endswith(f"1{NBSP}025{NBSP}%")  # a no-break space holds its words together
    assert wrap("", "Helvetica", 10, 100) == [""]
