"""Opened ballots of project questions on the public page, in nl, fr and en.

The election is Kortrijk's (its register and residents) with four project questions
instead of the referendum: Rueil's points vote (allowed fewer than three ranks here,
to show an empty rank and an empty ranking), Poperinge's approval shortlist of 50, a
budget basket and a cumulative vote. A resident's device encrypts a ballot
(`encrypt_ballot`) and challenges it through the API (ballots/cast.py checks and
stores it); the page shows what the record revealed in the booth review's words: the
chosen titles, the basket with its costs and total, each rank with its points, each
project's points, and an empty answer in words. Selections that are no answer the
ballot can hold (stored behind the ballot box's back) are said to be so and shown as
they were revealed, never a 500. The domain names are one function for every page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert

from ballots.ballot import encrypt_ballot
from ballots.encoding import cell, contests
from ballots.spoil import spoiled_record
from evoting import db, schema
from evoting.crypto.canonical import b64encode, canonical_json
from evoting.deployment import SECRET_ENVIRONMENT_VARIABLE
from tests.integration.conftest import EXAMPLES, Setup, make_setup
from tests.web.test_api import API, credential_for, post
from tests.web.test_resident import log_in

PAGE = "/e/kortrijk-2019/spoiled"
NBSP = "\u00a0"


def _title(nl: str, fr: str, en: str) -> dict[str, str]:
    return {"nl": nl, "fr": fr, "en": en}


BASKET = [  # id, cost, title
    ("moestuin", 18_000, _title("Gedeelde moestuin", "Potager partagé", "Shared vegetable garden")),
    ("bijen", 6_500, _title("Bijenkasten", "Ruches", "Beehives")),
    ("zaal", 90_000, _title("Buurtzaal", "Salle de quartier", "Neighbourhood hall")),
    ("skatepark", 45_000, _title("Skatepark", "Skatepark", "Skate park")),
]
SPREAD = [  # id, cost in cents, title
    ("speeltuin", 1_250_050, _title("Speeltuin", "Aire de jeux", "Playground")),
    ("bank", 99, _title("Zitbank", "Banc", "Bench")),
    ("fontein", 2_000_000, _title("Drinkfontein", "Fontaine", "Drinking fountain")),
]
QUESTIONS = {  # question id → its text in nl, fr, en
    "car-free-sunday": ("Moet het stadscentrum één zondag per maand autovrij worden?",
                        "Le centre-ville doit-il devenir sans voiture un dimanche par mois ?",
                        "Should the city centre go car-free one Sunday a month?"),
    "projects": ("Welke projecten moet de stad uitvoeren? Rangschik er drie.",
                 "Quels projets la ville doit-elle réaliser ? Classez-en trois.",
                 "Which projects should the city carry out? Rank three."),
    "shortlist": ("Welke projecten steunt u? Kies er hoogstens vijf.",
                  "Quels projets soutenez-vous ? Choisissez-en cinq au plus.",
                  "Which projects do you support? Choose at most five."),
    "basket": ("Wat legt u in het mandje?", "Que mettez-vous dans le panier ?",
               "What do you put in the basket?"),
    "spread": ("Hoe verdeelt u uw punten?", "Comment répartissez-vous vos points ?",
               "How do you share out your points?"),
}  # fmt: skip
PROJECT_QUESTIONS = ("projects", "shortlist", "basket", "spread")
LANGUAGES = ("nl", "fr", "en")


def _manifest(directory: Path) -> Path:
    raw = yaml.safe_load((EXAMPLES / "kortrijk-2019.yaml").read_text(encoding="utf-8"))
    rueil = yaml.safe_load((EXAMPLES / "rueil-2019.yaml").read_text(encoding="utf-8"))
    poperinge = yaml.safe_load((EXAMPLES / "poperinge.yaml").read_text(encoding="utf-8"))
    points = {**rueil["questions"][0], "fewer_ranks": True}
    texts = {q: dict(zip(LANGUAGES, words, strict=True)) for q, words in QUESTIONS.items()}
    rule = {"method": "greedy", "budget": 200_000, "ties": ["lower_cost", "lot"], "seed": "s"}
    raw["questions"] = [
        *raw["questions"],  # the referendum, shown as before
        points,
        poperinge["questions"][0],
        {"id": "basket", "type": "budget", "text": texts["basket"], "budget": 200_000,
         "rule": rule, "projects": [{"id": i, "cost": c, "domain": "environment", "title": t}
                                    for i, c, t in BASKET]},
        {"id": "spread", "type": "cumulative", "text": texts["spread"], "max_total": 5,
         "max_per_option": 3, "cost_unit": "cent",
         "rule": {"method": "top", "seats": 2, "ties": ["lot"], "seed": "s"},
         "projects": [{"id": i, "cost": c, "title": t} for i, c, t in SPREAD]},
    ]  # fmt: skip
    path = directory / "projects.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Setup, str]]:
    """tests/web/conftest.py's site, with the project questions above."""
    url = f"sqlite:///{tmp_path / 'web.sqlite3'}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    setup = make_setup(engine, tmp_path, monkeypatch, manifest_path=_manifest(tmp_path))
    monkeypatch.setenv(SECRET_ENVIRONMENT_VARIABLE, b64encode(setup.keys.master))
    yield setup, url
    engine.dispose()


def _spoil(app: Flask, setup: Setup, answers: dict[str, object], name: str = "An") -> str:
    """Encrypt ``answers`` as the resident's device does, challenge the ballot through
    the API (the ballot box checks and stores the record); its tracking code."""
    ballot, secrets = encrypt_ballot(setup.manifest, setup.public_key,
                                     credential_for(app, setup, name), answers)  # fmt: skip
    status, answer = post(app, f"{API}/spoil", canonical_json(spoiled_record(ballot, secrets)))
    assert status == 200, answer
    return ballot.tracking_code


def _plain(html: str) -> str:
    """An element's text, its no-break spaces read as spaces (they are checked apart)."""
    return unescape(re.sub(r"<[^>]+>", "", html)).replace(NBSP, " ").strip()


def _opened(page: str) -> dict[str, dict[str, Any]]:
    """Per question of the (only) opened ballot shown: its summary and its lines, as
    printed; or the plain answer; or the sentence and selections of a wrong one."""
    [block] = re.findall(r'<dl class="facts answers">(.*?)</dl>', page, re.DOTALL)
    shown: dict[str, dict[str, Any]] = {}
    for dt, dd in re.findall(r"<dt>(.*?)</dt>\s*<dd[^>]*>(.*?)</dd>", block, re.DOTALL):
        summary = re.search(r'<p class="summary">(.*?)</p>', dd, re.DOTALL)
        wrong = re.search(r'<p class="error">(.*?)</p><code class="wrap">(.*?)</code>', dd,
                          re.DOTALL)  # fmt: skip
        shown[_plain(dt)] = {
            "summary": _plain(summary.group(1)) if summary else None,
            "lines": [_plain(li) for li in re.findall(r"<li>(.*?)</li>", dd, re.DOTALL)],
            "answer": None if "<li>" in dd or wrong else _plain(dd),
            "wrong": (_plain(wrong.group(1)), _plain(wrong.group(2))) if wrong else None,
        }
    return shown


def _page(client: FlaskClient, lang: str, code: str | None = None) -> str:
    answer = client.get(f"{PAGE}?lang={lang}" + (f"&code={code}" if code else ""))
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def _question(key: str, lang: str) -> str:
    return QUESTIONS[key][LANGUAGES.index(lang)]


ANSWERS: dict[str, object] = {
    "car-free-sunday": "no",
    "projects": ["pietons-ecoles", "ruches", "jardin-partage"],
    "shortlist": ["speelplein-watou", "zitbanken-poperinge"],
    "basket": ["moestuin", "skatepark"],
    "spread": {"speeltuin": 3, "fontein": 1},
}
EXPECTED = {  # lang → question → (summary, lines), no-break spaces read as spaces
    "nl": {
        "projects": (None, ["1e keuze (3 punten): Veilige voetgangersroutes naar school",
                            "2e keuze (2 punten): Bijenkasten op openbare gebouwen",
                            "3e keuze (1 punt): Gedeelde moestuin in het park"]),
        "shortlist": ("Gekozen: 2 van maximaal 5", ["Speelplein in Watou",
                                                    "Zitbanken in Poperinge"]),
        "basket": ("Mandje: 2 projecten, 63.000 EUR van 200.000 EUR",
                   ["Gedeelde moestuin – 18.000 EUR", "Skatepark – 45.000 EUR"]),
        "spread": ("Gegeven punten: 4 van 5", ["Speeltuin: 3 punten", "Drinkfontein: 1 punt"]),
    },
    "fr": {
        "projects": (None, ["1er choix (3 points) : Cheminements piétons sûrs vers les écoles",
                            "2e choix (2 points) : Ruches sur les bâtiments publics",
                            "3e choix (1 point) : Jardin partagé au parc"]),
        "shortlist": ("Choisis : 2 sur 5 au plus", ["Plaine de jeux à Watou",
                                                   "Bancs à Poperinge"]),
        "basket": ("Panier : 2 projets, 63 000 EUR sur 200 000 EUR",
                   ["Potager partagé – 18 000 EUR", "Skatepark – 45 000 EUR"]),
        "spread": ("Points donnés : 4 sur 5", ["Aire de jeux : 3 points", "Fontaine : 1 point"]),
    },
    "en": {
        "projects": (None, ["1st choice (3 points): Safe walking routes to school",
                            "2nd choice (2 points): Beehives on public buildings",
                            "3rd choice (1 point): Shared vegetable garden in the park"]),
        "shortlist": ("Chosen: 2 of at most 5", ["Playground in Watou", "Benches in Poperinge"]),
        "basket": ("Basket: 2 projects, EUR 63,000 of EUR 200,000",
                   ["Shared vegetable garden – EUR 18,000", "Skate park – EUR 45,000"]),
        "spread": ("Points given: 4 of 5", ["Playground: 3 points", "Drinking fountain: 1 point"]),
    },
}  # fmt: skip


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_opened_project_ballot_reads_as_the_booths_review(
    app: Flask, client: FlaskClient, setup: Setup, lang: str
) -> None:
    code = _spoil(app, setup, ANSWERS)
    shown = _opened(_page(client, lang, code))
    assert list(shown) == [_question(q, lang) for q in QUESTIONS]  # the ballot's order
    no = {"nl": "Nee", "fr": "Non", "en": "No"}[lang]
    assert shown[_question("car-free-sunday", lang)] == {
        "summary": None,
        "lines": [],
        "answer": no,
        "wrong": None,
    }
    for question, (summary, lines) in EXPECTED[lang].items():
        assert shown[_question(question, lang)] == {
            "summary": summary,
            "lines": lines,
            "answer": None,
            "wrong": None,
        }, question
    page = _page(client, lang)
    for raw in ("pietons-ecoles", "zitbanken-poperinge", "skatepark", "1:"):  # no ids shown
        assert not re.search(rf"(>|, ){re.escape(raw)}", page), raw
    if lang == "fr":  # no line starts with a colon, and no amount splits over two lines
        assert f"1er choix (3 points){NBSP}: Cheminements" in page
        assert f"Panier{NBSP}: 2 projets, 63{NBSP}000{NBSP}EUR sur 200{NBSP}000{NBSP}EUR" in page


def test_an_empty_answer_is_said_in_words(app: Flask, client: FlaskClient, setup: Setup) -> None:
    _spoil(app, setup, {"car-free-sunday": None, "projects": None, "shortlist": None,
                        "basket": None, "spread": None})  # fmt: skip
    words = {
        "nl": (None, "Geen project gerangschikt", "Gekozen: 0 van maximaal 5",
               "Geen project gekozen", "Mandje: 0 projecten, 0 EUR van 200.000 EUR",
               "Geen project in het mandje", "Gegeven punten: 0 van 5", "Geen punten gegeven"),
        "fr": (None, "Aucun projet classé", "Choisis : 0 sur 5 au plus",
               "Aucun projet choisi", "Panier : 0 projet, 0 EUR sur 200 000 EUR",
               "Aucun projet dans le panier", "Points donnés : 0 sur 5", "Aucun point donné"),
        "en": (None, "No project ranked", "Chosen: 0 of at most 5", "No project chosen",
               "Basket: 0 projects, EUR 0 of EUR 200,000", "No project in the basket",
               "Points given: 0 of 5", "No points given"),
    }  # fmt: skip
    for lang, said in words.items():
        shown = _opened(_page(client, lang))
        got = [(shown[_question(q, lang)]["summary"], shown[_question(q, lang)]["lines"])
               for q in PROJECT_QUESTIONS]  # fmt: skip
        assert got == [(said[i], [said[i + 1]]) for i in range(0, 8, 2)], lang
        blank = {"nl": "Blanco", "fr": "Blanc", "en": "Blank"}[lang]
        assert shown[_question("car-free-sunday", lang)]["answer"] == blank


def test_a_ranking_cut_short_shows_the_empty_rank(
    app: Flask, client: FlaskClient, setup: Setup
) -> None:
    _spoil(app, setup, {"car-free-sunday": "yes", "projects": ["fontaines", "ruches"]})
    for lang, lines in {
        "nl": ["1e keuze (3 punten): Drinkfonteinen",
               "2e keuze (2 punten): Bijenkasten op openbare gebouwen", "3e keuze (1 punt): –"],
        "en": ["1st choice (3 points): Drinking fountains",
               "2nd choice (2 points): Beehives on public buildings", "3rd choice (1 point): –"],
    }.items():  # fmt: skip
        assert _opened(_page(client, lang))[_question("projects", lang)]["lines"] == lines


def _store_altered(app: Flask, setup: Setup, altered: dict[str, object]) -> None:
    """A real challenged ballot whose revealed selections were then changed, put in the
    table behind the ballot box's back (the box would refuse it: ballots/cast.py)."""
    credential = credential_for(app, setup, "Bram")
    ballot, secrets = encrypt_ballot(setup.manifest, setup.public_key, credential, ANSWERS)
    record = spoiled_record(ballot, secrets)
    for item in record["contests"]:  # type: ignore[attr-defined]
        item["selections"] = altered.get(item["label"], item["selections"])
    row = {"election_id": "kortrijk-2019", "tracking_code": ballot.tracking_code,
           "record": canonical_json(record).decode(),
           "credential": credential.public_key.hex()}  # fmt: skip
    with setup.factory() as session, session.begin():
        session.execute(insert(schema.spoiled_ballots), [row])


def test_selections_that_are_no_answer_are_said_to_be_so_and_shown_as_revealed(
    app: Flask, client: FlaskClient, setup: Setup
) -> None:
    specs = {c.label: c for c in contests(setup.manifest)}
    twice = [0] * len(specs["projects"].options)  # one project ranked 1st and 2nd
    for rank in (1, 2):
        twice[specs["projects"].options.index(cell(rank, "ruches"))] = 1
    two = [0] * 50
    two[3] = 2  # a 2 in an approval
    altered: dict[str, object] = {"car-free-sunday": [1, 1, 0], "projects": twice, "shortlist": two,
               "basket": [1, 0], "spread": "3 points"}  # fmt: skip
    _store_altered(app, setup, altered)
    said = {
        "nl": "De onthulde keuzes zijn geen geldig antwoord op deze vraag:",
        "fr": "Les sélections révélées ne sont pas une réponse valable à cette question :",
        "en": "The revealed selections are not a valid answer to this question:",
    }
    for lang, sentence in said.items():
        shown = _opened(_page(client, lang))
        wrong = {q: shown[_question(q, lang)]["wrong"] for q in QUESTIONS}
        assert wrong == {
            "car-free-sunday": (sentence, "1, 1, 0"),
            "projects": (sentence, ", ".join(map(str, twice))),
            "shortlist": (sentence, ", ".join(map(str, two))),
            "basket": (sentence, "1, 0"),
            "spread": (sentence, '"3 points"'),
        }, lang


def test_the_booth_and_the_election_page_name_the_domains_alike(
    client: FlaskClient, setup: Setup
) -> None:
    """One function (project_view.domain_name) names a domain on both pages: the basket's
    projects are all "environment"; an id the pages do not know is shown as written."""
    from web.project_view import domain_name

    log_in(client, setup.form("An"))
    names = {"nl": "Milieu", "fr": "Environnement", "en": "Environment"}
    for lang, name in names.items():
        booth = client.get(f"/e/kortrijk-2019/booth?lang={lang}").get_data(as_text=True)
        basket = booth[
            booth.index('data-question="basket"') : booth.index('data-question="spread"')
        ]
        assert basket.count(f'<span class="tag">{name}</span>') == len(BASKET), lang
        election = client.get(f"/e/kortrijk-2019?lang={lang}").get_data(as_text=True)
        assert f"<summary>{name} ({len(BASKET)})</summary>" in election, lang
    with client.application.test_request_context("/?lang=fr"):
        assert domain_name("living") == "Cadre de vie"
        assert domain_name("city-parks") == "City parks"
