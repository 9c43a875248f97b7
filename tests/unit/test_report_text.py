"""The official report's numbers, dates and rule wording in nl, fr and en (audit/report_text.py)."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from audit.report_layout import wrap
from audit.report_projects import WORDS, ballot_words, rule_words, status_words
from audit.report_text import (
    NBSP,
    TEXT,
    band_name,
    date,
    date_time,
    decimal,
    integer,
    listing,
    moment,
    money,
    ordinal,
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


@pytest.mark.parametrize(
    ("amount", "unit", "nl", "fr", "en"),
    [
        (38000, "EUR", "38.000 EUR", "38 000 EUR", "EUR 38,000"),
        (200000, "EUR", "200.000 EUR", "200 000 EUR", "EUR 200,000"),
        (950, "EUR", "950 EUR", "950 EUR", "EUR 950"),
        (0, "EUR", "0 EUR", "0 EUR", "EUR 0"),
        (3800050, "cent", "38.000,50 EUR", "38 000,50 EUR", "EUR 38,000.50"),
        (5, "cent", "0,05 EUR", "0,05 EUR", "EUR 0.05"),
    ],
)
def test_money(amount: int, unit: str, nl: str, fr: str, en: str) -> None:
    shown = [money(amount, lang, unit).replace(NBSP, " ") for lang in ("nl", "fr", "en")]
    assert shown == [nl, fr, en]
    assert " " not in money(amount, "fr", unit)  # no-break spaces only: never split


def test_ordinals_and_lists() -> None:
    assert [ordinal(n, "nl") for n in (1, 2, 3)] == ["1e", "2e", "3e"]
    assert [ordinal(n, "fr") for n in (1, 2, 3)] == ["1er", "2e", "3e"]
    assert [ordinal(n, "en") for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "111th"
    ]  # fmt: skip
    assert listing(["3", "2", "1"], "nl") == "3, 2 en 1"
    assert listing(["3", "2"], "fr") == "3 et 2"
    assert listing(["3"], "en") == "3"


GREEDY = {"method": "greedy", "budget": 200000, "seats": None, "ties": ["lower_cost", "lot"],
          "seed": "rueil-2019"}  # fmt: skip


def test_the_winner_rule_in_words() -> None:
    assert rule_words(GREEDY, "points", "EUR", "en") == [
        "Rule: projects are funded in order of points while the budget of EUR\u00a0200,000 "
        "allows; a project that no longer fits is skipped and the next one is considered.",
        "Ties: the cheaper project first, then a lot drawn from the published seed “rueil-2019”.",
    ]
    nl = rule_words(GREEDY, "approval", "EUR", "nl")
    assert nl[0].startswith("Regel: de projecten worden gefinancierd in volgorde van stemmen")
    assert "200.000\u00a0EUR" in nl[0]
    assert rule_words(GREEDY, "points", "EUR", "fr")[1] == (
        f"En cas d’égalité{NBSP}: d’abord le projet le moins cher, puis un tirage au sort "
        f"calculé à partir du texte publié «{NBSP}rueil-2019{NBSP}»."
    )
    top = {"method": "top", "seats": 5, "budget": None, "ties": [], "seed": None}
    assert rule_words(top, "approval", "EUR", "nl") == [
        "Regel: de 5 projecten met de meeste stemmen zijn verkozen.",
        "Bij gelijke stand: geen regel vastgelegd.",
    ]
    assert rule_words({**top, "seats": 1, "ties": ["higher_cost"]}, "cumulative", "EUR",
                      "en") == ["Rule: the project with the most points is elected.",
                                "Ties: the more expensive project first."]  # fmt: skip


def test_what_became_of_a_project_and_why() -> None:
    skipped = {"status": "skipped", "remaining": 9000, "tie": []}
    assert status_words(skipped, "EUR", "en") == ("Skipped", ["did not fit: EUR\u00a09,000 left"])
    assert status_words(skipped, "cent", "nl") == (
        "Overgeslagen", [f"paste niet: nog 90,00{NBSP}EUR over"]
    )  # fmt: skip
    tie = [{"project": "a", "decided_by": "lower_cost"}, {"project": "b", "decided_by": "lot"}]
    funded = {"status": "funded", "remaining": 200000, "tie": tie}
    assert status_words(funded, "EUR", "en") == ("Funded", ["tie decided by lower cost and lot"])
    assert status_words(funded, "EUR", "fr") == (
        "Financé", [f"égalité{NBSP}: moins cher d’abord et tirage au sort"]
    )  # fmt: skip
    late = {"status": "not_reached", "remaining": 0, "tie": [{"project": "c",
                                                               "decided_by": "none"}]}  # fmt: skip
    assert status_words(late, "EUR", "nl") == (
        "Niet bereikt", ["het budget was op", "gelijke stand zonder gevolg voor de uitslag"]
    )  # fmt: skip
    assert status_words({"status": "not_elected", "remaining": None, "tie": []}, "EUR",
                        "fr") == ("Non retenu", [])  # fmt: skip


def test_how_residents_voted_in_words() -> None:
    points = {"type": "points", "points": [3, 2, 1], "projects": []}
    assert (
        ballot_words(points, "nl")
        == "Elke deelnemer rangschikte 3 projecten, voor 3, 2 en 1 punten."
    )
    approval = {"type": "approval", "min_choices": 1, "max_choices": 5, "projects": [{}] * 50}
    assert (
        ballot_words(approval, "en") == "Each participant chose between 1 and 5 of the 50 projects."
    )
    basket = {"type": "budget", "budget": 150000, "cost_unit": "cent", "projects": []}
    assert ballot_words(basket, "en") == (
        "Each participant chose projects costing at most EUR\u00a01,500.00 together."
    )
    fewer = {**points, "fewer_ranks": True}
    assert ballot_words(fewer, "fr") == (
        "Chaque participant a classé jusqu’à 3 projets, pour 3, 2 et 1 points."
    )
    spend = {**basket, "min_spend": 100000}
    assert ballot_words(spend, "nl") == (
        f"Elke deelnemer koos projecten die samen tussen 1.000,00{NBSP}EUR en "
        f"1.500,00{NBSP}EUR kosten."
    )
    cumulative = {"type": "cumulative", "max_total": 10, "max_per_option": 3, "projects": []}
    assert ballot_words(cumulative, "fr") == (
        "Chaque participant a réparti au plus 10 points, au plus 3 par projet."
    )


def test_every_language_has_every_project_word() -> None:
    assert set(WORDS["nl"]) == set(WORDS["fr"]) == set(WORDS["en"])


TURNOUT = {  # the report's words for the turnout tables, and the results page's messages
    "turnout_heading": "Turnout by age and by district",
    "turnout_who": "A resident took part when they took a voting key or voted on paper. The "
    "registrar counts this without ever seeing a ballot.",
    "turnout_by_age_band": "Turnout by age band",
    "turnout_by_district": "Turnout by district",
    "turnout_age": "Age",
    "turnout_district": "District",
    "turnout_may_vote": "May vote",
    "participants": "Took part",
    "turnout": "Turnout",
    "turnout_all": "All eligible residents",
    "turnout_band": "%(low)s to %(high)s years",
    "turnout_band_over": "%(low)s years and over",
    "turnout_hidden": "hidden",
    "turnout_hidden_why": "Hidden: a group in which fewer than %(n)s residents took part, or "
    "fewer than %(n)s stayed away, is not shown, so that nobody can be singled out. Other "
    "groups are hidden with it until the hidden groups together, as the totals give them "
    "away, single nobody out either.",
}
CATALOGUES = Path(__file__).resolve().parents[2] / "web" / "translations"


@pytest.mark.parametrize("lang", ["nl", "fr", "en"])
def test_the_turnout_words_are_the_results_pages(lang: str) -> None:
    """The report cannot import the web's catalogues (audit/ stands alone): its copy of
    every turnout word must say what the results page says, in each language."""
    translated: dict[str, str] = {}
    if lang != "en":
        with (CATALOGUES / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
            translated = {str(m.id): str(m.string) for m in read_po(f) if m.id and m.string}
    for key, message in TURNOUT.items():
        expected = translated.get(message, message) if lang != "en" else message
        expected = expected.replace("%(low)s", "{low}").replace("%(high)s", "{high}")
        expected = expected.replace("%(n)s", "{n}")
        if lang == "fr":
            expected = expected.replace(" :", f"{NBSP}:")  # as the report's French holds it
        assert TEXT[lang][key] == expected, key


def test_the_turnout_words_in_each_language() -> None:
    words = {lang: [TEXT[lang][key] for key in ("turnout_heading", "turnout_by_age_band",
                                                 "turnout_by_district", "turnout_age",
                                                 "turnout_district", "turnout_may_vote",
                                                 "participants", "turnout", "turnout_all",
                                                 "turnout_hidden")]
             for lang in ("nl", "fr", "en")}  # fmt: skip
    assert words["nl"] == [
        "Opkomst per leeftijd en per wijk", "Opkomst per leeftijdsgroep", "Opkomst per wijk",
        "Leeftijd", "Wijk", "Stemgerechtigd", "Namen deel", "Opkomst",
        "Alle stemgerechtigde inwoners", "verborgen"]  # fmt: skip
    assert words["fr"] == [
        "Participation par âge et par quartier", "Participation par tranche d’âge",
        "Participation par quartier", "Âge", "Quartier", "Peuvent voter", "Ont participé",
        "Participation", "Tous les habitants ayant le droit de vote", "masqué"]  # fmt: skip
    assert words["en"] == [
        "Turnout by age and by district", "Turnout by age band", "Turnout by district", "Age",
        "District", "May vote", "Took part", "Turnout", "All eligible residents",
        "hidden"]  # fmt: skip
    assert TEXT["nl"]["turnout_who"].startswith("Een inwoner nam deel wie een stemsleutel")
    assert TEXT["fr"]["turnout_hidden_why"].format(n=10).startswith(
        f"Masqué{NBSP}: un groupe dans lequel moins de 10 habitants ont participé, ou moins de "
        "10 n’ont pas participé, n’est pas affiché")  # fmt: skip
    english = TEXT["en"]["turnout_hidden_why"].format(n=4)
    assert english.startswith("Hidden: a group in which fewer than 4 residents took part, or "
                              "fewer than 4 stayed away")  # fmt: skip


@pytest.mark.parametrize(
    ("key", "nl", "fr", "en"),
    [
        ("16-17", "16 tot 17 jaar", "16 à 17 ans", "16 to 17 years"),
        ("25-34", "25 tot 34 jaar", "25 à 34 ans", "25 to 34 years"),
        ("65+", "65 jaar en ouder", "65 ans et plus", "65 years and over"),
        ("75+", "75 jaar en ouder", "75 ans et plus", "75 years and over"),
        ("under 16", "under 16", "under 16", "under 16"),  # no band of ours: as it is
    ],
)
def test_age_bands_in_words(key: str, nl: str, fr: str, en: str) -> None:
    assert [band_name(key, lang) for lang in ("nl", "fr", "en")] == [nl, fr, en]
