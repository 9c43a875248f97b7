"""The booth's project questions in Chromium on a 360 px phone (issue 11).

A resident ranks three of Rueil's twenty projects (points), approves up to five of
Poperinge's fifty (approval, with the search), fills a basket within a budget and
shares out points (budget and cumulative): the live counters refuse a rank given
twice, a sixth approval, an overspent basket and points beyond the limits; the review
says the choices in words; "Change my choices" keeps them; the ballot is cast, found
on the board, and decrypts to what was chosen (an opened ballot reveals it too). Every
step fits the phone's width, axe finds no serious violation, and the screenshots go
to ``test-artifacts/projects-*.png``. The votes are served by projects_site.py.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from audit.report_text import money
from ballots.ballot import Ballot
from ballots.encoding import selections
from ballots.spoil import verify_spoiled
from cli import demo
from tests.browser.projects_site import Vote, Votes, votes_fixture
from tests.browser.test_booth import _no_serious_violations
from tests.browser.test_phone import fits

__all__ = ["votes_fixture"]  # the served votes, as the fixture `votes`

PHONE = {"width": 360, "height": 800}
NONE_LEFT = "No points left: take points from another project first."


def _open_booth(browser: Any, votes: Votes, vote: Vote, voter: demo.TestVoter, lang: str) -> Any:
    context = browser.new_context(viewport=PHONE, bypass_csp=True)  # axe is injected
    page = context.new_page()
    page.goto(f"{votes.url}/e/{vote.election_id}/login?lang={lang}")
    page.fill("#register_number", voter.register_number)
    page.fill("#code", voter.code)
    page.click("button[type=submit]")
    page.wait_for_selector("#choose:not([hidden])", timeout=30_000)
    return page


def _shoot(page: Any, artifacts: Path, name: str) -> None:
    """The whole page, scrolled to its end first: a counter that stays at the bottom of
    the screen is then drawn where it stands under its projects."""
    page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
    page.screenshot(path=str(artifacts / f"projects-{name}.png"), full_page=True)


def _card(page: Any, question: str, project: str) -> Any:
    return page.locator(f".question[data-question={question}] .project[data-project={project}]")


def _plain(text: str) -> str:
    """No-break spaces (in amounts: 38 000 EUR never splits) read as spaces."""
    return text.replace("\u00a0", " ")


def _rank(page: Any, project: str, rank: str) -> None:
    _card(page, "projects", project).locator("select").select_option(rank)


def _box(page: Any, project: str) -> Any:
    return _card(page, "basket", project).locator("input[type=checkbox]")


def _step(page: Any, project: str, way: str) -> None:
    _card(page, "spread", project).locator(f"button[data-step='{way}']").click()


def _points(page: Any, project: str) -> str:
    return str(_card(page, "spread", project).locator("input").input_value())


def _said(page: Any, question: str, what: str) -> str:
    """The counter ("count") or the refusal ("problem") of a question."""
    slot = page.locator(f".question[data-question={question}] [data-{what}]")
    return "" if slot.is_hidden() else _plain(slot.inner_text().strip())


def _review(page: Any, where: str = "#summary") -> dict[str, Any]:
    """Per question: the summary line and the (label, answer) lines shown."""
    found: dict[str, Any] = page.evaluate(
        """where => Object.fromEntries([...document.querySelectorAll(where + ' .choice')].map(c => [
              c.querySelector('h3').textContent,
              {summary: c.querySelector('.summary')?.textContent ?? null,
               lines: c.querySelector('dl')
                 ? [...c.querySelectorAll('dt')].map(t => [t.textContent,
                     t.nextElementSibling.textContent])
                 : [...c.querySelectorAll('.answer')].map(a => [null, a.textContent])}]))""",
        where,
    )
    plain: dict[str, Any] = json.loads(_plain(json.dumps(found, ensure_ascii=False)))
    return plain


def _encrypt(page: Any) -> None:
    page.click("#choose button[type=submit]")
    page.wait_for_selector("#review:not([hidden])", timeout=30_000)


def _cast_and_find(page: Any, votes: Votes, vote: Vote) -> str:
    """Cast the ballot under review, find it on the board; its full tracking code."""
    full = page.locator("#tracking-full").text_content() or ""
    short = page.text_content("#tracking-short")
    page.click("#cast")
    page.wait_for_selector("#receipt:not([hidden])", timeout=30_000)
    assert page.text_content("#receipt-short") == short
    page.click("#board-link")
    page.wait_for_selector("#lookup")
    assert page.locator("#lookup.found dd.code").first.text_content() == short
    return full


def test_a_resident_ranks_three_rueil_projects(browser: Any, votes: Votes, artifacts: Path) -> None:
    vote = votes.rueil
    page = _open_booth(browser, votes, vote, vote.voters[0], "fr")
    sent: list[str] = []  # every request's body from here on
    page.on("request", lambda r: sent.append(r.post_data or ""))
    fits(page, "points, choose")
    _no_serious_violations(page, "points, choose")
    assert _said(page, "projects", "count") == "Classés : 0 sur 3"
    _rank(page, "jardin-partage", "1")
    _rank(page, "ruches", "2")
    # The 1st choice moves: one project a rank, one rank a project.
    _rank(page, "pietons-ecoles", "1")
    assert _said(page, "projects", "problem") == (
        "Votre 1er choix est maintenant Cheminements piétons sûrs vers les écoles ; "
        "Jardin partagé au parc n’a plus de rang."
    )
    assert _card(page, "projects", "jardin-partage").locator("select").input_value() == ""
    assert _said(page, "projects", "count") == "Classés : 2 sur 3"
    chosen = page.locator("[data-question=projects] [data-chosen] li").all_inner_texts()
    assert chosen == ["1er choix (3 points) : Cheminements piétons sûrs vers les écoles",
                      "2e choix (2 points) : Ruches sur les bâtiments publics",
                      "3e choix (1 point) : –"]  # fmt: skip
    _encrypt_refused(page, "projects", "Indiquez votre 3e choix : classez 3 projets.")

    # The twenty projects: a search on the titles and a filter by domain.
    page.select_option("#projects--domain", "mobility")
    shown = page.locator("[data-question=projects] .project:visible")

    def ids() -> list[str]:
        return [c.get_attribute("data-project") for c in shown.all()]

    assert ids() == ["ruches", "arceaux-velos", "pietons-ecoles", "bornes-recharge"]
    assert page.text_content("[data-question=projects] [data-shown]") == (
        "Projets trouvés : 3 sur 20 ; ceux que vous avez choisis restent affichés."
    )
    page.select_option("#projects--domain", "")
    page.fill("#projects--search", "eclairage")  # accents do not matter
    assert ids() == ["ruches", "pietons-ecoles", "eclairage-led"]  # the ranked ones stay in sight
    _rank(page, "eclairage-led", "3")
    page.fill("#projects--search", "")
    _shoot(page, artifacts, "points-choose-fr")

    _encrypt(page)
    encrypt_ms = float(page.get_attribute("#booth", "data-encrypt-ms") or "nan")
    print(f"booth, Rueil's 3 × 20 points ballot: encrypted and proved in {encrypt_ms:.1f} ms")
    (artifacts / "projects-encrypt-ms.txt").write_text(f"{encrypt_ms:.1f}\n")
    assert _review(page)["Quels projets la ville doit-elle réaliser ? Classez-en trois."] == {
        "summary": None,
        "lines": [["1er choix (3 points)", "Cheminements piétons sûrs vers les écoles"],
                  ["2e choix (2 points)", "Ruches sur les bâtiments publics"],
                  ["3e choix (1 point)", "Éclairage LED des ruelles"]],
    }  # fmt: skip
    fits(page, "points, review")
    _no_serious_violations(page, "points, review")
    _shoot(page, artifacts, "points-review-fr")

    page.click("text=Modifier mes choix")
    page.wait_for_selector("#choose:not([hidden])")
    assert _card(page, "projects", "ruches").locator("select").input_value() == "2"  # kept
    _rank(page, "boite-livres", "3")
    _encrypt(page)
    lines = _review(page)["Quels projets la ville doit-elle réaliser ? Classez-en trois."]["lines"]
    assert lines[2] == ["3e choix (1 point)", "Boîtes à livres dans chaque quartier"]
    code = _cast_and_find(page, votes, vote)
    expected = selections(vote.manifest, {"projects": ["pietons-ecoles", "ruches", "boite-livres"]})
    assert vote.decrypted(votes.database_url, code) == expected
    [cast] = [body for body in sent if body]  # the only thing sent: the encrypted ballot
    assert "ciphertexts" in cast
    assert not [p for p in ("pietons-ecoles", "ruches", "boite-livres") if p in cast]
    page.context.close()


def _encrypt_refused(page: Any, question: str, why: str) -> None:
    """The ballot is not made ("Encrypt my vote"): the question says why, with the focus."""
    page.click("#choose button[type=submit]")
    assert _said(page, question, "problem") == why
    assert page.is_hidden("#review")
    assert page.evaluate("() => document.activeElement.matches('[data-problem]')")


def _spoiled_record(votes: Votes, vote: Vote, code: str) -> dict[str, Any]:
    url = f"{votes.url}/e/{vote.election_id}/spoiled.jsonl"
    with urllib.request.urlopen(url, timeout=30) as answer:
        records: list[dict[str, Any]] = [
            json.loads(line) for line in answer.read().decode().splitlines()
        ]
    found = [r for r in records if Ballot.from_json(r["ballot"]).tracking_code == code]
    assert len(found) == 1
    return found[0]


def test_a_resident_approves_five_of_poperinges_fifty(
    browser: Any, votes: Votes, artifacts: Path
) -> None:
    vote = votes.poperinge
    page = _open_booth(browser, votes, vote, vote.voters[0], "nl")
    cards = page.locator("[data-question=shortlist] .project")
    assert cards.count() == 50
    page.fill("#shortlist--search", "speelplein")
    assert page.locator("[data-question=shortlist] .project:visible").count() == 5
    assert page.text_content("[data-question=shortlist] [data-shown]") == (
        "5 van de 50 projecten passen; wat u koos, blijft zichtbaar."
    )
    for card in page.locator("[data-question=shortlist] .project:visible").all():
        card.locator("input").check()
    assert _said(page, "shortlist", "count") == "Gekozen: 5 van maximaal 5"
    page.fill("#shortlist--search", "boomgaard")
    sixth = page.locator("[data-question=shortlist] .project:visible:not(.chosen)").first
    sixth.locator("input").click()  # refused: five at most
    assert not sixth.locator("input").is_checked()
    assert _said(page, "shortlist", "problem") == (
        "U hebt 5 projecten gekozen, het maximum: haal er een weg om een ander te kiezen."
    )
    assert _said(page, "shortlist", "count") == "Gekozen: 5 van maximaal 5"
    in_sight = page.evaluate("""() => { const r = document.querySelector(
        '[data-question=shortlist] [data-status]').getBoundingClientRect();
        return r.top >= 0 && r.bottom <= window.innerHeight; }""")
    assert in_sight  # the counter and the refusal stay at the bottom of the screen
    page.screenshot(path=str(artifacts / "projects-approval-refused-nl-screen.png"))
    fits(page, "approval, search")
    _shoot(page, artifacts, "approval-search-nl")
    page.fill("#shortlist--search", "")
    assert cards.locator("input:checked").count() == 5

    _card(page, "shortlist", "speelplein-watou").locator("input").uncheck()
    _card(page, "shortlist", "boomgaard-proven").locator("input").check()
    _encrypt(page)
    review = _review(page)["Welke projecten steunt u? Kies er hoogstens vijf."]
    assert review["summary"] == "Gekozen: 5 van maximaal 5"
    assert review["lines"] == [
        [None, t]
        for t in (
            "Speelplein in Poperinge",
            "Speelplein in Proven",
            "Speelplein in Roesbrugge",
            "Speelplein in Krombeke",
            "Hoogstamboomgaard in Proven",
        )
    ]  # in the ballot's order
    fits(page, "approval, review")
    _no_serious_violations(page, "approval, review")

    # Opened for checking: the ballot reveals what was chosen, as the ballot box checked.
    opened = page.locator("#tracking-full").text_content() or ""
    page.click("#challenge")
    page.wait_for_selector("#challenged:not([hidden])", timeout=30_000)
    assert _review(page, "#revealed") == _review(page)
    answer = [c.get_attribute("data-project") for c in cards.all()
              if c.locator("input").is_checked()]  # fmt: skip
    _, revealed = verify_spoiled(
        vote.manifest, vote.public_key, _spoiled_record(votes, vote, opened)
    )
    assert revealed == selections(vote.manifest, {"shortlist": answer})
    _shoot(page, artifacts, "approval-opened-nl")

    page.click("#fresh")  # a fresh ballot starts from an empty form
    assert _said(page, "shortlist", "count") == "Gekozen: 0 van maximaal 5"
    _card(page, "shortlist", "speelplein-watou").locator("input").check()
    _card(page, "shortlist", "zitbanken-poperinge").locator("input").check()
    _encrypt(page)
    page.click("text=Mijn keuzes wijzigen")
    assert _card(page, "shortlist", "speelplein-watou").locator("input").is_checked()
    _card(page, "shortlist", "speelplein-watou").locator("input").uncheck()
    _encrypt(page)
    review = _review(page)["Welke projecten steunt u? Kies er hoogstens vijf."]
    assert review == {"summary": "Gekozen: 1 van maximaal 5",
                      "lines": [[None, "Zitbanken in Poperinge"]]}  # fmt: skip
    code = _cast_and_find(page, votes, vote)
    expected = selections(vote.manifest, {"shortlist": ["zitbanken-poperinge"]})
    assert vote.decrypted(votes.database_url, code) == expected
    page.context.close()


def test_a_resident_fills_a_basket_and_shares_out_points(
    browser: Any, votes: Votes, artifacts: Path
) -> None:
    vote = votes.wijk
    page = _open_booth(browser, votes, vote, vote.voters[0], "en")
    for project in ("moestuin", "bomen", "zaal", "skatepark"):
        _box(page, project).check()
    assert _said(page, "basket", "count") == "Basket: EUR 185,000 of EUR 200,000 (EUR 15,000 left)"
    _box(page, "fietsenrekken").click()  # 24,000 does not fit in the 15,000 left
    assert not _box(page, "fietsenrekken").is_checked()
    assert _said(page, "basket", "problem") == (
        "Bike racks at the station costs EUR 24,000, but only EUR 15,000 of the budget is "
        "left: take a project out of your basket to make room."
    )
    for project in ("bomen", "zaal", "skatepark"):
        _box(page, project).uncheck()
    _box(page, "bijen").check()
    _box(page, "fietsenrekken").check()
    _encrypt_refused(
        page, "basket", "Your basket must come to at least EUR 50,000; it comes to EUR 48,500."
    )

    cost = page.locator("[data-question=spread] .cost").all_text_contents()
    assert cost[:2] == ["EUR\u00a012,500.50", "EUR\u00a00.99"]  # counted in cents
    for _ in range(4):
        _step(page, "speeltuin", "1")
    assert _points(page, "speeltuin") == "3"
    assert _said(page, "spread", "problem") == "At most 3 points per project."
    _step(page, "bank", "1")
    _step(page, "bank", "1")
    assert _said(page, "spread", "count") == "Points left: 0 of 5"
    _step(page, "fontein", "1")
    assert _points(page, "fontein") == "0"
    assert _said(page, "spread", "problem") == NONE_LEFT
    _card(page, "spread", "muurschildering").locator("input").fill("2")
    _card(page, "spread", "muurschildering").locator("input").press("Tab")
    assert _points(page, "muurschildering") == "0"
    assert _said(page, "spread", "problem") == NONE_LEFT
    _step(page, "speeltuin", "-1")
    _card(page, "spread", "fontein").locator("input").fill("3")
    _card(page, "spread", "fontein").locator("input").press("Enter")  # gives, never encrypts
    assert _points(page, "fontein") == "1"
    assert _said(page, "spread", "problem") == "Only 1 point was left: this project got it."
    assert page.is_hidden("#review")
    _box(page, "bomen").check()
    fits(page, "basket and points, choose")
    _no_serious_violations(page, "basket and points, choose")
    _shoot(page, artifacts, "basket-choose-en")

    _encrypt(page)
    review = _review(page)
    assert review["Which projects do you put in your basket?"] == {
        "summary": "Basket: 4 projects, EUR 80,500 of EUR 200,000",
        "lines": [[None, "Shared vegetable garden – EUR 18,000"],
                  [None, "Trees in the playground – EUR 32,000"],
                  [None, "Beehives – EUR 6,500"],
                  [None, "Bike racks at the station – EUR 24,000"]],
    }  # fmt: skip
    assert review["How do you share out your points?"] == {
        "summary": "Points given: 5 of 5",
        "lines": [["Playground", "2 points"], ["Bench", "2 points"],
                  ["Drinking fountain", "1 point"]],
    }  # fmt: skip
    fits(page, "basket and points, review")
    _shoot(page, artifacts, "basket-review-en")

    page.click("text=Change my choices")
    assert _points(page, "speeltuin") == "2"
    assert _box(page, "bomen").is_checked()
    _box(page, "bomen").uncheck()
    _box(page, "schoolroutes").check()
    _step(page, "bank", "-1")
    _step(page, "muurschildering", "1")
    _encrypt(page)
    review = _review(page)
    assert review["Which projects do you put in your basket?"]["summary"] == (
        "Basket: 4 projects, EUR 88,000 of EUR 200,000"
    )
    code = _cast_and_find(page, votes, vote)
    expected = selections(vote.manifest, {
        "basket": ["moestuin", "bijen", "fietsenrekken", "schoolroutes"],
        "spread": {"speeltuin": 2, "bank": 1, "fontein": 1, "muurschildering": 1},
    })  # fmt: skip
    assert vote.decrypted(votes.database_url, code) == expected
    page.context.close()


def test_protocol_js_is_the_last_guard_and_its_refusal_is_said(browser: Any, votes: Votes) -> None:
    """Were the form to let a sixth approval through, protocol.js refuses the answer
    (AnswerError) before anything is encrypted; the booth says so beside the question,
    never as a stack trace, and makes no ballot."""
    vote = votes.poperinge
    page = _open_booth(browser, votes, vote, vote.voters[2], "en")
    page.evaluate("() => { document.querySelector('[data-question=shortlist] fieldset')"
                  ".dataset.max = '50'; }")  # a form that forgets its limit  # fmt: skip
    for card in page.locator("[data-question=shortlist] .project").all()[:6]:
        card.locator("input").check()
    assert page.locator("[data-question=shortlist] input:checked").count() == 6
    _encrypt_refused(page, "shortlist", "shortlist: choose between 0 and 5 projects")
    assert page.is_hidden("#review")
    page.context.close()


def test_amounts_are_written_as_the_report_writes_them(browser: Any, votes: Votes) -> None:
    """The booth's script and the server (audit/report_text.py) write every amount alike."""
    page = browser.new_page()
    page.goto(f"{votes.url}/")
    amounts = [0, 7, 999, 1000, 38_000, 1_234_567, 200_000_000_000]
    cases = [(a, unit, lang) for a in amounts for unit in ("EUR", "cent")
             for lang in ("nl", "fr", "en")]  # fmt: skip
    shown = page.evaluate(
        """async cases => {
              const { money } = await import('/static/booth/project-parts.js');
              return cases.map(([a, unit, lang]) => money(a, unit, lang)); }""",
        cases,
    )
    assert shown == [money(a, lang, unit) for a, unit, lang in cases]
    assert shown[cases.index((38_000, "EUR", "nl"))] == "38.000\u00a0EUR"
    page.close()


@pytest.mark.parametrize("which", ["rueil", "poperinge", "wijk"])
def test_the_project_booths_fit_a_phone_in_every_language(
    browser: Any, votes: Votes, artifacts: Path, which: str
) -> None:
    vote: Vote = getattr(votes, which)
    page = _open_booth(browser, votes, vote, vote.voters[1], "nl")
    for lang in ("nl", "fr", "en"):
        page.goto(f"{votes.url}/e/{vote.election_id}/booth?lang={lang}")
        page.wait_for_selector("#choose:not([hidden])", timeout=30_000)
        fits(page, f"{which} ({lang})")
        if lang == "fr":
            _shoot(page, artifacts, f"{which}-fr")
    page.context.close()


def test_the_project_questions_answer_the_keyboard(browser: Any, votes: Votes) -> None:
    """Tab reaches each control, its focus showing: a checkbox ticks with Space, a rank
    is chosen with the arrow keys, a point is added with Enter on "+"."""
    from tests.browser.test_booth import _tab_to

    vote = votes.wijk
    page = _open_booth(browser, votes, vote, vote.voters[2], "en")
    _tab_to(page, "#basket--moestuin")
    page.keyboard.press("Space")
    assert page.is_checked("#basket--moestuin")
    assert _said(page, "basket", "count") == "Basket: EUR 18,000 of EUR 200,000 (EUR 182,000 left)"
    _tab_to(page, "#spread--bank ~ button[data-step='1']")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    assert page.input_value("#spread--bank") == "2"
    page.context.close()

    vote = votes.rueil
    page = _open_booth(browser, votes, vote, vote.voters[2], "en")
    _tab_to(page, "#projects--ruches")
    page.keyboard.press("ArrowDown")
    assert page.input_value("#projects--ruches") == "1"
    assert _said(page, "projects", "count") == "Ranked: 1 of 3"
    page.context.close()
