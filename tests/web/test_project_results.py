"""Project questions on the public pages, and turnout by age band and district.

The published election is Rueil's participatory budget run through the whole
pipeline by `evote simulate` (cli/simulate.py: register, credentials, encrypted
ballots, a paper box entered by two officials, the tally, the signed bundle), with
the deployment's secret kept so the web app can open its database; the bundle is
put where the officials' tally leaves it and the election marked published. The
ballots are those of tests/integration/test_simulate_projects.py, whose figures are
worked out by hand there: the six best fit the 200,000 EUR (199,500 spent), and with
500 EUR left the shared garden (18,000 EUR) is skipped.
"""

from __future__ import annotations

import datetime
import json
import re
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from evoting.deployment import SECRET_ENVIRONMENT_VARIABLE
from tests.web.test_officials import accounts  # noqa: F401 - a fixture

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
RUEIL = [
    "jardin-partage", "arbres-ecoles", "ruches", "arceaux-velos", "pietons-ecoles",
    "bornes-recharge", "street-workout", "terrain-basket", "parcours-sante", "boite-livres",
    "fresque", "scene-ete", "frigo-solidaire", "bancs-seniors", "repair-cafe", "wifi-parcs",
    "atelier-numerique", "eclairage-led", "aire-jeux", "fontaines",
]  # fmt: skip
BALLOTS = [
    (8, ["pietons-ecoles", "bornes-recharge", "ruches"]),
    (6, ["eclairage-led", "terrain-basket", "jardin-partage"]),
    (5, ["aire-jeux", "arbres-ecoles", "boite-livres"]),
    (3, ["arbres-ecoles", "aire-jeux", "fontaines"]),
]
MIN_CELL = 4  # small enough that some age bands are shown, large enough that some are hidden
ABSTAINERS = 40  # residents who stay at home: no cell where everyone took part


@dataclass(frozen=True)
class Published:
    database_url: str
    instance: Path
    election_id: str
    credentials: dict[str, Any]  # the bundle's credentials.json
    result: dict[str, Any]  # the bundle's result.json


def publish_rueil(directory: Path, monkeypatch: pytest.MonkeyPatch) -> Published:
    """Rueil simulated end to end (22 online ballots, a paper box of 4), then published."""
    from audit.store import record
    from cli import simulate
    from evoting import db
    from evoting.deployment import DeploymentKeys
    from evoting.elections import change_state

    manifest = directory / "rueil.yaml"
    text = (EXAMPLES / "rueil-2019.yaml").read_text(encoding="utf-8")
    manifest.write_text(text.replace("trustees:\n", f"min_cell: {MIN_CELL}\ntrustees:\n"),
                        encoding="utf-8")  # fmt: skip
    ballots = directory / "ballots.jsonl"
    ballots.write_text("".join(json.dumps({"projects": answer}) + "\n"
                               for count, answer in BALLOTS for _ in range(count)))  # fmt: skip
    grid = [0] * 60  # four paper ballots: fontaines 1st, jardin-partage 2nd, arceaux 3rd
    grid[0 * 20 + RUEIL.index("fontaines")] = 4
    grid[1 * 20 + RUEIL.index("jardin-partage")] = 4
    grid[2 * 20 + RUEIL.index("arceaux-velos")] = 4
    boxes = directory / "boxes.json"
    boxes.write_text(json.dumps([{"box": "Hôtel de ville", "ballots": 4,
                                  "contests": {"projects": grid}}]))  # fmt: skip
    keys = DeploymentKeys.generate()  # the simulation's own, kept for the web app
    instance = directory / "instance"
    keys.save(instance)
    monkeypatch.setattr(DeploymentKeys, "generate", staticmethod(lambda: keys))
    out = directory / "out"
    sim = simulate.run(manifest, out, ballots_file=ballots, paper_file=boxes, paper_voters=4,
                       abstainers=ABSTAINERS, workers=1)  # fmt: skip
    assert sim.passed, sim.failures
    election_id = sim.manifest.id
    published = instance / "published" / election_id
    published.mkdir(parents=True)
    shutil.copy(out / "bundle.zip", published / "bundle.zip")
    shutil.copy(out / "report.pdf", published / "report.pdf")
    url = f"sqlite:///{out / 'simulation.sqlite3'}"
    engine = db.make_engine(url)
    try:
        with db.session_factory(engine)() as session, session.begin():
            change_state(session, election_id, "published")
            record(session, election_id, "published", {}, keys,
                   sim.manifest.window.closes + datetime.timedelta(days=1))  # fmt: skip
    finally:
        engine.dispose()
    with zipfile.ZipFile(published / "bundle.zip") as bundle:
        credentials = json.loads(bundle.read("credentials.json"))
        result = json.loads(bundle.read("result.json"))
    return Published(url, instance, election_id, credentials, result)


@pytest.fixture(scope="module")
def rueil(tmp_path_factory: pytest.TempPathFactory) -> Published:
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(SECRET_ENVIRONMENT_VARIABLE, raising=False)
        return publish_rueil(tmp_path_factory.mktemp("rueil"), patch)


@pytest.fixture
def rueil_app(rueil: Published, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    from web import create_app
    from web.extensions import limiter

    monkeypatch.delenv(SECRET_ENVIRONMENT_VARIABLE, raising=False)
    made = create_app(rueil.database_url, rueil.instance, secure_cookies=False,
                      config={"TESTING": True})  # fmt: skip
    limiter.reset()
    yield made
    made.extensions["evoting"].engine.dispose()


@pytest.fixture
def public(rueil_app: Flask) -> FlaskClient:
    return rueil_app.test_client()


def _text(html: str) -> str:
    """The page's words: tags dropped, entities read, white space (no-break too) as one space."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def _rows(page: str, table_id: str) -> list[str]:
    found = re.search(rf'<table[^>]*id="{table_id}".*?</table>', page, re.DOTALL)
    assert found is not None, table_id
    return [_text(row) for row in re.findall(r"<tr\b.*?</tr>", found.group(0), re.DOTALL)]


def _said(page: str, element_id: str) -> str:
    """The words of the paragraph with this id."""
    found = re.search(rf'id="{element_id}">(.*?)</p>', page, re.DOTALL)
    assert found is not None, element_id
    return _text(found.group(1))


def _row(page: str, project: str) -> str:
    found = re.search(rf'<tr[^>]*data-project="{project}".*?</tr>', page, re.DOTALL)
    assert found is not None, project
    return found.group(0)


HEADERS = {
    "en": "Rank Project Cost Online On paper Points 1st 2nd 3rd Result",
    "nl": "Rang Project Kost Online Op papier Punten 1e 2e 3e Uitslag",
    "fr": "Rang Projet Coût En ligne Sur papier Points 1er 2e 3e Résultat",
}
ROWS = {  # rank title cost online paper points 1st 2nd 3rd, what became of it and why
    "en": {
        "pietons-ecoles": "1 Safe walking routes to school EUR 39,500 24 0 24 8 0 0 Funded",
        "fontaines": "6 Drinking fountains EUR 21,000 3 12 15 4 0 3 Funded",
        "jardin-partage": "7 Shared vegetable garden in the park EUR 18,000 6 8 14 0 4 6 Skipped "
        "did not fit: EUR 500 left",
        "repair-cafe": "12 Repair café EUR 8,000 0 0 0 0 0 0 Skipped did not fit: EUR 500 left "
        "tie decided by lower cost",
    },
    "nl": {
        "pietons-ecoles": "1 Veilige voetgangersroutes naar school 39.500 EUR 24 0 24 8 0 0 "
        "Gefinancierd",
        "fontaines": "6 Drinkfonteinen 21.000 EUR 3 12 15 4 0 3 Gefinancierd",
        "jardin-partage": "7 Gedeelde moestuin in het park 18.000 EUR 6 8 14 0 4 6 Overgeslagen "
        "paste niet: nog 500 EUR over",
        "repair-cafe": "12 Repair café 8.000 EUR 0 0 0 0 0 0 Overgeslagen paste niet: nog 500 EUR "
        "over gelijke stand: goedkoopste eerst",
    },
    "fr": {
        "pietons-ecoles": "1 Cheminements piétons sûrs vers les écoles 39 500 EUR 24 0 24 8 0 0 "
        "Financé",
        "fontaines": "6 Fontaines à eau potable 21 000 EUR 3 12 15 4 0 3 Financé",
        "jardin-partage": "7 Jardin partagé au parc 18 000 EUR 6 8 14 0 4 6 Écarté ne rentrait "
        "pas : il restait 500 EUR",
        "repair-cafe": "12 Repair café 8 000 EUR 0 0 0 0 0 0 Écarté ne rentrait pas : il restait "
        "500 EUR égalité : moins cher d’abord",
    },
}
BUDGET = {
    "en": "Budget: EUR 199,500 spent of EUR 200,000, EUR 500 left (6 projects funded).",
    "nl": "Budget: 199.500 EUR besteed van 200.000 EUR, 500 EUR blijft over (6 projecten "
    "gefinancierd).",
    "fr": "Budget : 199 500 EUR utilisés sur 200 000 EUR, il reste 500 EUR (6 projets financés).",
}


@pytest.mark.parametrize("language", ["en", "nl", "fr"])
def test_the_results_table_lists_every_project_in_the_rules_order_and_says_why(
    public: FlaskClient, rueil: Published, language: str
) -> None:
    page = public.get(f"/e/{rueil.election_id}/results?lang={language}").get_data(as_text=True)
    question = rueil.result["questions"][0]
    rows = _rows(page, "projects-projects")
    assert rows[0] == HEADERS[language]
    shown = re.findall(r'<tr class="(won|lost)" data-project="([a-z-]+)" data-status="([a-z_]+)"',
                       page)  # fmt: skip
    assert [p for _, p, _ in shown] == question["order"]
    explained = {e["project"]: e["status"] for e in question["explanation"]}
    assert [(p, s) for _, p, s in shown] == [(p, explained[p]) for p in question["order"]]
    assert [p for won, p, _ in shown if won == "won"] == question["winners"]
    for project, words in ROWS[language].items():
        assert _text(_row(page, project)) == words, project
    assert _said(page, "budget-projects") == BUDGET[language]
    assert re.search(r'id="participants">26 \((online|en ligne) 22, (on paper|op papier|sur '
                     r'papier) 4\)', page)  # fmt: skip


def test_the_rule_the_ballot_and_the_seed_are_said_in_words(
    public: FlaskClient, rueil: Published
) -> None:
    english = _text(public.get(f"/e/{rueil.election_id}/results?lang=en").get_data(as_text=True))
    assert "Each participant ranked 3 projects, for 3, 2 and 1 points." in english
    assert ("Rule: projects are funded in order of points while the budget of EUR 200,000 "
            "allows; a project that no longer fits is skipped") in english  # fmt: skip
    assert ("Ties: the cheaper project first, then a lot drawn from the published seed "
            "“rueil-2019: tirage public du 1er octobre”.") in english  # fmt: skip
    assert "1st, 2nd and 3rd: how many participants put the project at that rank." in english
    french = public.get(f"/e/{rueil.election_id}/results?lang=fr").get_data(as_text=True)
    # French holds its spacing with no-break spaces: "; " never starts a line
    assert "le permet\u00a0; un projet qui n’y rentre plus est écarté" in french
    assert "Chaque participant a classé 3 projets, pour 3, 2 et 1 points." in _text(french)
    dutch = _text(public.get(f"/e/{rueil.election_id}/results?lang=nl").get_data(as_text=True))
    assert "Bij gelijke stand: eerst het goedkoopste project, daarna loting" in dutch


def test_the_chart_draws_every_project_with_a_text_alternative(
    public: FlaskClient, rueil: Published
) -> None:
    answer = public.get(f"/e/{rueil.election_id}/results?lang=en")
    page = answer.get_data(as_text=True)
    assert "style-src 'self'" in answer.headers["Content-Security-Policy"]
    assert "style=" not in page  # no inline style: the CSP would refuse it
    assert "<script" not in page
    figure = re.search(r'<figure class="chart" id="chart-projects">.*?</figure>', page, re.DOTALL)
    assert figure is not None
    chart = figure.group(0)
    assert re.search(r'<svg role="img" aria-labelledby="chart-caption-projects"', chart)
    caption = re.search(r'id="chart-caption-projects">(.*?)<', chart)
    assert caption is not None
    assert caption.group(1) == "Points per project, numbered as in the table"
    bars = re.findall(r'<rect class="(won|lost)" x="([\d.]+)%" y="(\d+)" width="[\d.]+%" '
                      r'height="(\d+)"><title>(.*?)</title>', chart)  # fmt: skip
    assert len(bars) == 20
    assert [b[0] for b in bars] == ["won"] * 6 + ["lost"] * 14
    assert unescape(bars[0][4]) == "1. Safe walking routes to school: 24 points – Funded"
    assert unescape(bars[6][4]) == "7. Shared vegetable garden in the park: 14 points – Skipped"
    heights = [int(b[3]) for b in bars]
    assert heights == sorted(heights, reverse=True)  # the rule's order is by points here
    assert heights[0] == round(120 * 24 / 30)  # gridlines every 10 points, up to 30
    assert [float(b[1]) for b in bars] == sorted(float(b[1]) for b in bars)
    assert "Funded</li>" in chart
    assert "Not funded</li>" in chart


def _expected_turnout(credentials: dict[str, Any], language: str) -> list[str]:
    from audit.report_text import integer, percent, share

    hidden = {"en": "hidden", "nl": "verborgen", "fr": "masqué"}[language]
    ranged = {"en": "{} to {} years", "nl": "{} tot {} jaar", "fr": "{} à {} ans"}[language]
    over = {"en": "{} years and over", "nl": "{} jaar en ouder", "fr": "{} ans et plus"}[language]
    lines = []
    cells = credentials["turnout_by_age_band"]
    for band in sorted(cells, key=lambda b: int(re.match(r"\d+", b).group())):  # type: ignore[union-attr]
        low, _, high = band.rstrip("+").partition("-")
        label = ranged.format(low, high) if high else over.format(low)
        cell = cells[band]
        if cell is None:
            lines.append(f"{label} {hidden}")
        else:
            ratio = share(cell["took_part"], cell["eligible"])
            assert ratio is not None
            numbers = [integer(cell["eligible"], language), integer(cell["took_part"], language),
                       percent(ratio, language)]  # fmt: skip
            lines.append(" ".join([label, *numbers]).replace("\u00a0", " "))
    return lines


@pytest.mark.parametrize("language", ["en", "nl", "fr"])
def test_turnout_by_age_band_and_district_with_the_hidden_cells_explained(
    public: FlaskClient, rueil: Published, language: str
) -> None:
    credentials = rueil.credentials
    assert credentials["min_cell"] == MIN_CELL
    assert None in credentials["turnout_by_age_band"].values()  # a suppressed cell to show
    assert any(credentials["turnout_by_age_band"].values())  # and a cell shown
    page = public.get(f"/e/{rueil.election_id}/results?lang={language}").get_data(as_text=True)
    ages = _rows(page, "turnout-age")
    assert ages[1:-1] == _expected_turnout(credentials, language)
    total = {"en": "All eligible residents 66 26 39.39%",
             "nl": "Alle stemgerechtigde inwoners 66 26 39,39%",
             "fr": "Tous les habitants ayant le droit de vote 66 26 39,39 %"}  # fmt: skip
    assert ages[-1] == total[language]
    districts = _rows(page, "turnout-district")
    heading = {"en": "District May vote Took part Turnout",
               "nl": "Wijk Stemgerechtigd Namen deel Opkomst",
               "fr": "Quartier Peuvent voter Ont participé Participation"}  # fmt: skip
    assert districts[0] == heading[language]
    shown = {k: v for k, v in credentials["turnout_by_district"].items() if v is not None}
    assert [row.split()[0] for row in districts[1:-1]] == sorted(credentials["turnout_by_district"])
    for name, cell in shown.items():
        assert f"{name} {cell['eligible']} {cell['took_part']} " in " | ".join(districts)
    why = re.search(r'id="turnout-hidden">(.*?)</p>', page, re.DOTALL)
    assert why is not None
    sentence = {"en": f"Hidden: a group in which fewer than {MIN_CELL} residents took part, or "
                      f"fewer than {MIN_CELL} stayed away, is not shown, so that nobody can be "
                      "singled out.",
                "nl": f"Verborgen: een groep waarin minder dan {MIN_CELL} inwoners deelnamen, of "
                      f"minder dan {MIN_CELL} niet deelnamen, wordt niet getoond, zodat niemand "
                      "herkenbaar wordt.",
                "fr": f"Masqué : un groupe dans lequel moins de {MIN_CELL} habitants ont "
                      f"participé, ou moins de {MIN_CELL} n’ont pas participé, n’est pas "
                      "affiché"}[language]  # fmt: skip
    assert _text(why.group(1)).startswith(sentence)


def test_the_figures_counted_from_the_database_are_the_bundles(
    rueil_app: Flask, rueil: Published
) -> None:
    """Without a bundle here (tallied from the command line) the registrar's figures are
    counted from the database: the same as credentials.json, counted once after the close."""
    from web import turnout
    from web.views import load_election

    with rueil_app.test_request_context("/"):
        election = load_election(rueil.election_id)
        assert turnout.registrar_figures(election) == rueil.credentials  # from the bundle
        counted = turnout._from_database(election)
        assert counted == rueil.credentials
        assert turnout._from_database(election) is counted  # kept: it can no longer change


def test_numbers_and_shares_in_each_language(rueil_app: Flask) -> None:
    from web.turnout import turnout

    figures = {
        "eligible": 12_430, "credentials_issued": 5_112, "paper_votes": 211, "min_cell": 10,
        "turnout_by_age_band": {"75+": {"eligible": 1_204, "took_part": 702},
                                "16-17": None, "18-24": {"eligible": 2_000, "took_part": 583},
                                "25-34": None},
        "turnout_by_district": {"Centrum": {"eligible": 9_226, "took_part": 4_001}},
    }  # fmt: skip
    seen = {}
    for language in ("nl", "fr", "en"):
        with rueil_app.test_request_context(f"/?lang={language}"):
            made = turnout(figures)
            assert made is not None
            seen[language] = made
    nl, fr, en = seen["nl"], seen["fr"], seen["en"]
    assert [line.label for line in en.tables[0].lines] == [
        "16 to 17 years", "18 to 24 years", "25 to 34 years", "75 years and over"]  # fmt: skip
    assert [line.hidden for line in nl.tables[0].lines] == [True, False, True, False]
    assert (nl.tables[0].lines[3].eligible, nl.tables[0].lines[3].share) == ("1.204", "58,31%")
    assert (fr.tables[0].lines[3].eligible, fr.tables[0].lines[3].share) == (
        "1\u00a0204", "58,31\u00a0%")  # fmt: skip
    assert (en.tables[0].lines[3].eligible, en.tables[0].lines[3].share) == ("1,204", "58.31%")
    assert (en.total.eligible, en.total.took_part, en.total.share) == ("12,430", "5,323", "42.82%")
    assert nl.tables[0].lines[0].eligible == "verborgen"
    assert (en.min_cell, en.any_hidden) == (10, True)
    assert turnout({"eligible": 3}) is None  # no table: no section


ELECTION_PAGE = {
    "en": ("Rank 3 projects in order of preference, for 3, 2 and 1 points.",
           "none costs more than EUR 40,000.", "Environment (3)", "EUR 6,500", "The projects (20)"),
    "nl": ("Rangschik 3 projecten naar voorkeur, voor 3, 2 en 1 punten.",
           "geen enkel kost meer dan 40.000 EUR.", "Milieu (3)", "6.500 EUR", "De projecten (20)"),
    "fr": ("Classez 3 projets par ordre de préférence, pour 3, 2 et 1 points.",
           "aucun ne coûte plus de 40 000 EUR.", "Environnement (3)", "6 500 EUR",
           "Les projets (20)"),
}  # fmt: skip


@pytest.mark.parametrize("language", ["en", "nl", "fr"])
def test_the_election_page_shows_the_projects_by_domain_how_to_vote_and_the_rule(
    public: FlaskClient, rueil: Published, language: str
) -> None:
    page = public.get(f"/e/{rueil.election_id}?lang={language}").get_data(as_text=True)
    how, cap, domain, cost, heading = ELECTION_PAGE[language]
    words = _text(page)
    assert _said(page, "how-projects") == how
    assert cap in words
    assert heading in words
    groups = re.findall(r'<details class="group" data-domain="([a-z]+)">\s*<summary>(.*?)<',
                        page)  # fmt: skip
    assert [g[0] for g in groups] == ["environment", "mobility", "sport", "culture", "solidarity",
                                      "digital", "living"]  # fmt: skip
    assert _text(groups[0][1]) == domain  # folded: 20 projects are more than a phone shows
    ruches = re.search(r'<li id="project-projects-ruches">(.*?)</li>', page, re.DOTALL)
    assert ruches is not None
    assert _text(ruches.group(1)).endswith(cost)
    assert len(re.findall(r'<li id="project-projects-', page)) == 20
    rule = {"en": "Rule: projects are funded in order of points while the budget of EUR 200,000",
            "nl": "Regel: de projecten worden gefinancierd in volgorde van punten, zolang het "
                  "budget van 200.000 EUR",
            "fr": "Règle : les projets sont financés par ordre de points tant que le budget de "
                  "200 000 EUR"}[language]  # fmt: skip
    assert rule in words
    assert "rueil-2019: tirage public du 1er octobre" in words  # the published seed


@pytest.fixture(scope="module")
def poperinge(rueil: Published) -> str:
    """Poperinge's shortlist vote as a draft beside Rueil (a draft's page is public)."""
    from evoting import db
    from evoting.deployment import DeploymentKeys
    from evoting.election import load_manifest
    from services.lifecycle import set_up_election

    manifest = load_manifest(EXAMPLES / "poperinge.yaml")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(SECRET_ENVIRONMENT_VARIABLE, raising=False)
        keys = DeploymentKeys.load(rueil.instance)
    engine = db.make_engine(rueil.database_url)
    try:
        with db.session_factory(engine)() as session, session.begin():
            set_up_election(session, manifest, keys, manifest.window.opens)
    finally:
        engine.dispose()
    return manifest.id


def test_fifty_projects_without_domains_fold_into_one_list(
    public: FlaskClient, poperinge: str
) -> None:
    """Poperinge: approve at most 5 of 50, no domains: one list, folded on the page."""
    page = public.get(f"/e/{poperinge}?lang=en").get_data(as_text=True)
    assert "Choose at most 5 of the 50 projects." in _text(page)
    folds = re.findall(r"<details class=\"group\">\s*<summary>(.*?)</summary>", page)
    assert folds == ["Show the 50 projects"]
    assert len(re.findall(r'<li id="project-shortlist-', page)) == 50
    assert "data-domain" not in page
    dutch = _text(public.get(f"/e/{poperinge}?lang=nl").get_data(as_text=True))
    assert "Kies hoogstens 5 van de 50 projecten." in dutch
    assert "Toon de 50 projecten" in dutch
    assert "Regel: de projecten worden gefinancierd in volgorde van stemmen" in dutch


def _small_question(rule: dict[str, object]) -> Any:
    """Four projects costing 60, 40, 30 and 30 (an approval of at most 2), under ``rule``."""
    import yaml

    from evoting.election import parse_manifest

    document = yaml.safe_load((EXAMPLES / "poperinge.yaml").read_text(encoding="utf-8"))
    document["questions"] = [{
        "id": "pick", "type": "approval", "max_choices": 2, "rule": rule,
        "text": {"nl": "Welke?", "fr": "Lesquels ?", "en": "Which?"},
        "projects": [{"id": pid, "cost": cost, "title": {"nl": f"{pid} nl", "fr": f"{pid} fr",
                                                         "en": f"{pid} en"}}
                     for pid, cost in (("a", 60), ("b", 40), ("c", 30), ("d", 30))],
    }]  # fmt: skip
    return parse_manifest(document).questions[0]


def _render(app: Flask, language: str, question: Any, counts: dict[str, int],
            participants: int) -> str:  # fmt: skip
    from flask import render_template

    from tally.project_result import project_result
    from web import project_view

    zero = dict.fromkeys(counts, 0)
    q = project_result(question, counts, counts, zero, participants)
    with app.test_request_context(f"/?lang={language}"):
        view = project_view.results(question, q, {"total": participants, "online": participants,
                                                  "paper": 0})  # fmt: skip
        return render_template("public/_project_results.html", p=view)


def test_greedy_spent_to_the_last_euro_and_a_tie_decided_by_lot(rueil_app: Flask) -> None:
    question = _small_question({"method": "greedy", "budget": 100, "ties": ["lower_cost", "lot"],
                                "seed": "public draw"})  # fmt: skip
    counts = {"a": 5, "b": 4, "c": 2, "d": 2}
    english = _render(rueil_app, "en", question, counts, 6)
    rows = _rows(english, "projects-pick")
    assert rows[0] == "Rank Project Cost Votes Share Result"  # no paper ballots, no ranks
    assert rows[1] == "1 a en EUR 60 5 83.33% Funded"
    assert rows[2] == "2 b en EUR 40 4 66.67% Funded"
    assert sorted(row.split(" ", 1)[1] for row in rows[3:]) == [  # the lot says which is 3rd
        "c en EUR 30 2 33.33% Not reached the budget was spent tie decided by lot",
        "d en EUR 30 2 33.33% Not reached the budget was spent tie decided by lot",
    ]
    assert _said(english, "budget-pick") == (
        "Budget: EUR 100 spent of EUR 100, EUR 0 left (2 projects funded)."
    )
    assert "Share: the share of the 6 participants who chose the project." in _text(english)
    assert "Each participant chose at most 2 of the 4 projects." in _text(english)
    dutch = _rows(_render(rueil_app, "nl", question, counts, 6), "projects-pick")
    assert dutch[1] == "1 a nl 60 EUR 5 83,33% Gefinancierd"
    assert dutch[3].endswith("Niet bereikt het budget was op gelijke stand: loting")
    french = _rows(_render(rueil_app, "fr", question, counts, 6), "projects-pick")
    assert french[1] == "1 a fr 60 EUR 5 83,33 % Financé"
    assert french[3].endswith("Non atteint le budget était épuisé égalité : tirage au sort")


def test_the_top_method_elects_by_seats_and_a_share_without_participants_is_a_dash(
    rueil_app: Flask,
) -> None:
    question = _small_question({"method": "top", "seats": 2, "ties": ["higher_cost", "lot"],
                                "seed": "public draw"})  # fmt: skip
    page = _render(rueil_app, "en", question, {"a": 0, "b": 0, "c": 0, "d": 0}, 0)
    words = _text(page)
    assert "Rule: the 2 projects with the most votes are elected." in words
    assert "2 projects elected, costing EUR 100 in all." in words  # a 60 and b 40: higher cost
    rows = _rows(page, "projects-pick")
    assert rows[1] == "1 a en EUR 60 0 – Elected tie decided by higher cost"
    assert rows[2] == "2 b en EUR 40 0 – Elected tie decided by higher cost"
    assert rows[3].split(" ", 2)[2].startswith("en EUR 30 0 – Not elected tie decided by")
    assert "Elected</li>" in page
    assert "Not elected</li>" in page
    assert 'class="budget-bar"' not in page  # no budget: no bar


def test_officials_follow_turnout_by_age_and_district_during_the_vote(
    app: Flask,
    client: FlaskClient,
    accounts: Any,  # noqa: F811 - the fixture
) -> None:
    """Kortrijk's sample register (nine eligible residents): every cell is under the
    default min_cell of 10, so each is hidden; the total counts the key just taken."""
    from tests.web.test_api import credential_for
    from tests.web.test_officials import log_in

    page = "/officials/e/kortrijk-2019/turnout"
    assert client.get(page).status_code == 302  # officials only
    log_in(client, "otto")  # an observer reads it
    election = client.get("/officials/e/kortrijk-2019").get_data(as_text=True)
    assert f'id="turnout-link" href="{page}"' in election
    before = client.get(page).get_data(as_text=True)
    assert 'id="turnout-live"' in before
    assert _rows(before, "turnout-district")[-1] == "All eligible residents 9 0 0.00%"
    assert all(row.endswith(" hidden") for row in _rows(before, "turnout-age")[1:-1])
    assert "fewer than 10 residents" in _text(before)
    credential_for(app, accounts, "An")
    after = client.get(page + "?lang=nl").get_data(as_text=True)
    assert _rows(after, "turnout-district")[-1] == "Alle stemgerechtigde inwoners 9 1 11,11%"
    assert "Centrum verborgen" in _rows(after, "turnout-district")
    assert "De stemming is open: deze cijfers worden nu geteld en veranderen nog." in after
    assert client.get("/officials/e/nothing/turnout").status_code == 404


def test_projects_without_a_domain_come_last_and_descriptions_are_shown(
    rueil_app: Flask,
) -> None:
    import yaml
    from flask import render_template

    from evoting.election import parse_manifest
    from web import project_view

    document = yaml.safe_load((EXAMPLES / "poperinge.yaml").read_text(encoding="utf-8"))
    texts = {"nl": "Tekst", "fr": "Texte", "en": "Text"}
    projects = [
        {"id": "alone", "cost": 900, "title": {**texts, "nl": "Zonder domein"}},
        {"id": "bench", "cost": 1200, "domain": "city-parks", "title": texts,
         "description": {"nl": "Tien banken langs de vest.", "fr": "Dix bancs.",
                         "en": "Ten benches."}},
        {"id": "trees", "cost": 5000, "domain": "environment", "title": texts},
    ]  # fmt: skip
    document["questions"] = [{"id": "q", "type": "budget", "budget": 6000, "min_spend": 1000,
                              "text": texts, "projects": projects,
                              "rule": {"method": "greedy", "budget": 6000, "ties": ["lot"],
                                       "seed": "draw"}}]  # fmt: skip
    question = parse_manifest(document).questions[0]
    with rueil_app.test_request_context("/?lang=nl"):
        view = project_view.before_vote(question)
        page = render_template("public/_project_question.html", v=view, q=question)
    named = [(g.domain, g.name) for g in view.groups]
    assert named == [("city-parks", "City parks"), ("environment", "Milieu"),
                     (None, "Andere projecten")]  # fmt: skip
    assert not view.folded  # three projects: every group open
    assert page.count('<details class="group" open') == 3
    assert '<p class="description">Tien banken langs de vest.</p>' in page
    assert view.how == "Kies projecten die samen tussen 1.000\xa0EUR en 6.000\xa0EUR kosten."
    assert "Regel: de projecten worden gefinancierd in volgorde van stemmen" in view.rule[0]
