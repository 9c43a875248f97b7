"""Issue 12's "Done when", played in Chromium from start to end on one served platform.

An admin creates a Poperinge-style process on the officials' pages (proposals open
now, then screening, shortlist, vote, results, follow-up; Rueil's 7 domains, a
40,000 EUR cap, verified proposers, an initiative threshold of 2 verified supports).
Three residents, each in their own browser — Bram on a 360 px phone in Dutch, Chantal
on a 1280 px desktop in French, Karine on a phone in French — register, confirm their
address with the link the real SMTP server received, log in and verify with their
platform letter. They propose ideas (Karine's paraphrase of Chantal's idea is flagged
before posting, and she supports Chantal's instead), react and support; Chantal's
idea reaches the threshold and says so. Karine's abusive reaction is reported by Bram
and hidden by a moderator, with the reason in its place. An evaluator screens: the
skatepark is refused as over the cap (its page gives the reason in the reader's
language), the others are eligible with their final costs. The admin makes the
shortlist an approval vote; its register, poll cards, key ceremony and opening run in
Python (platform_journey_site.py: the browser adds nothing there). The three
residents vote in the booth with encrypted ballots; the vote is closed and tallied in
Python as the CLI does, the admin publishes it, records the results and posts a
follow-up update; the process page shows the results and the update in nl and fr.
No page a resident sees on a phone scrolls sideways. Screenshots: ``journey-*.png``.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from participation.fields import ZONE, local_day
from tests.browser.platform_journey_site import (
    KORTRIJK,
    OFFICIALS,
    Journey,
    close_and_tally,
    journey_fixture,
    set_up_vote,
)
from tests.browser.test_phone import fits

__all__ = ["journey_fixture"]  # the served platform, as the fixture `journey`

PROCESS = "poperinge-2026"
ELECTION = f"{PROCESS}-vote"
PHONE = ViewportSize(width=360, height=780)
DESKTOP = ViewportSize(width=1280, height=800)
DAY = datetime.timedelta(days=1)
CONFIRM_LINK = re.compile(r"http://127\.0\.0\.1:\d+/account/confirm/[A-Za-z0-9_-]+")
IDEA_URL = re.compile(r".*/participate/" + PROCESS + r"/ideas/(\d+)$")
WAIT = 30_000  # ms: Argon2id, the booth's encryption

WORDS = {  # the residents' pages, in their words (web/translations)
    "nl": {
        "subject": "Bevestig uw e-mailadres",
        "email": "E-mailadres", "password": "Wachtwoord", "again": "Wachtwoord nogmaals",
        "name": "Naam bij uw ideeën en reacties", "create": "Mijn account aanmaken",
        "confirm": "Mijn adres bevestigen", "log in": "Aanmelden",
        "number": "Rijksregisternummer", "code": "Code uit uw brief",
        "verify": "Mijn account verifiëren", "title": "Titel", "idea": "Uw idee",
        "check": "Controleren", "domain": "Domein",
        "cost": "Geraamde kostprijs (niet verplicht)", "post": "Mijn idee plaatsen",
        "post anyway": "Mijn idee toch plaatsen", "similar": "Deze ideeën lijken erop",
        "none similar": "Er is geen gelijkaardig idee gevonden",
        "posted": "Uw idee is geplaatst. Bedankt!", "support": "Dit idee steunen",
        "supported": "U steunt dit idee.", "reaction": "Uw reactie",
        "react": "Mijn reactie plaatsen", "report reaction": "Deze reactie melden",
        "abusive": "Het is kwetsend of beledigend", "note": "Toelichting (niet verplicht)",
        "send report": "Mijn melding versturen", "threshold": "Drempel bereikt",
        "reached": "Drempel bereikt: de gemeenteraad antwoordt vóór",
        "hidden": "Verborgen door een moderator: kwetsend of beledigend.",
        "not eligible": "Niet ontvankelijk. Het kost meer dan het maximum per project.",
        "eligible": "Ontvankelijk: het idee voldoet aan de criteria.",
        "vote": "Aanmelden om te stemmen", "results": "De projecten na de stemming",
        "selected": "Gekozen", "not selected": "Niet gekozen", "in progress": "In uitvoering",
    },
    "fr": {
        "subject": "Confirmez votre adresse e-mail",
        "email": "Adresse e-mail", "password": "Mot de passe",
        "again": "Confirmez le mot de passe", "name": "Nom affiché avec vos idées et réactions",
        "create": "Créer mon compte", "confirm": "Confirmer mon adresse",
        "log in": "Se connecter", "number": "Numéro de registre national",
        "code": "Code figurant sur votre lettre", "verify": "Vérifier mon compte",
        "title": "Titre", "idea": "Votre idée", "check": "Vérifier", "domain": "Domaine",
        "cost": "Coût estimé (facultatif)", "post": "Publier mon idée",
        "post anyway": "Publier quand même mon idée", "similar": "Ces idées semblent similaires",
        "none similar": "Aucune idée semblable n'a été trouvée",
        "posted": "Votre idée est publiée. Merci !", "support": "Soutenir cette idée",
        "supported": "Vous soutenez cette idée.", "reaction": "Votre réaction",
        "react": "Publier ma réaction", "report reaction": "Signaler cette réaction",
        "abusive": "C'est injurieux ou insultant", "note": "Explication (facultative)",
        "send report": "Envoyer mon signalement", "threshold": "Seuil atteint",
        "reached": "Seuil atteint : le conseil communal répondra avant le",
        "hidden": "Masqué par un modérateur : injurieux ou insultant.",
        "not eligible": "Non recevable. Elle coûte plus que le maximum par projet.",
        "eligible": "Recevable : l'idée répond aux critères.",
        "vote": "Se connecter pour voter", "results": "Les projets après le vote",
        "selected": "Retenue", "not selected": "Non retenue", "in progress": "En cours",
    },
}  # fmt: skip

REFUSAL = {  # the evaluator's public reason for the skatepark, in the process's languages
    "nl": "De dienst sport raamt het skatepark op 85.000 euro: meer dan het plafond van "
    "40.000 euro per project.",
    "fr": "Le service des sports estime le skatepark à 85 000 euros : plus que le plafond de "
    "40 000 euros par projet.",
    "en": "The sports department puts the skate park at 85,000 euros: more than the cap of "
    "40,000 euros per project.",
}
HIDE_NOTE = {
    "nl": "Blijf beleefd: kritiek op een idee mag, beledigingen niet.",
    "fr": "Restez courtois : critiquer une idée, oui ; insulter, non.",
    "en": "Stay polite: criticise ideas, do not insult people.",
}
UPDATE = {
    "nl": "De groendienst plant de eerste tien bomen in november.",
    "fr": "Le service des plantations met les dix premiers arbres en terre en novembre.",
    "en": "The parks department plants the first ten trees in November.",
}


@dataclass
class Resident:
    name: str  # as in examples/register-sample.csv
    email: str
    password: str
    language: str
    viewport: ViewportSize
    page: Page | None = None

    @property
    def words(self) -> dict[str, str]:
        return WORDS[self.language]

    @property
    def on_phone(self) -> bool:
        return self.viewport["width"] == PHONE["width"]

    def browser_page(self) -> Page:
        assert self.page is not None
        return self.page


@dataclass(frozen=True)
class Idea:
    id: int
    title: str
    project: dict[str, str]  # its title as a project, per language


def _check_width(resident: Resident, what: str) -> None:
    """On a phone: no horizontal scroll, nothing sticking out (test_phone.fits)."""
    if resident.on_phone:
        fits(resident.browser_page(), f"{resident.name}: {what}")


def _shot(page: Page, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"journey-{name}.png"), full_page=True)


# --- officials ----------------------------------------------------------------------------


def _official(browser: Browser, journey: Journey, username: str) -> Page:
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    page = context.new_page()
    page.goto(f"{journey.url}/officials/login?lang=en")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(OFFICIALS[username][0])
    page.locator("main").get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/officials/?$"))
    return page


def _create_process(page: Page, journey: Journey, today: datetime.date) -> None:
    """Through /officials/processes/new, Rueil's domains filled in by its button."""
    page.goto(f"{journey.url}/officials/processes/new")
    page.get_by_role("button", name="Fill in Rueil's 7 domains").click()
    expect(page.get_by_label("Domain id 7", exact=True)).to_have_value("living")
    page.get_by_label("Id (used in the address)").fill(PROCESS)
    titles = {
        "nl": ("Poperinge beslist mee", "Stel een project voor uw stad voor, steun andere "
               "ideeën en stem daarna over de lijst."),
        "fr": ("Poperinge décide avec vous", "Proposez un projet pour votre ville, soutenez "
               "d'autres idées, puis votez sur la liste."),
        "en": ("Poperinge decides with you", "Propose a project for your town, support other "
               "ideas, then vote on the shortlist."),
    }  # fmt: skip
    for lang, (title, description) in titles.items():
        page.locator(f"#title_{lang}").fill(title)
        page.locator(f"#description_{lang}").fill(description)
    page.get_by_label("Participation level").select_option("co-decide")
    plan = [  # proposals open today; every later phase is opened by hand, earlier than planned
        ("Proposals", today, today + DAY),
        ("Screening", today + 2 * DAY, today + 3 * DAY),
        ("Shortlist", today + 4 * DAY, today + 5 * DAY),
        ("Vote", today + 6 * DAY, today + 12 * DAY),
        ("Results", today + 13 * DAY, today + 14 * DAY),
        ("Follow-up", today + 15 * DAY, None),
    ]
    for name, first, last in plan:
        page.get_by_label(name, exact=True).check()
        page.get_by_label(f"First day: {name}").fill(first.isoformat())
        if last is not None:
            page.get_by_label(f"Last day: {name}").fill(last.isoformat())
    page.get_by_label("Cost cap per idea (whole euros; empty: no cap)").fill("40000")
    page.get_by_label("Verified residents only").check()
    page.get_by_label("A number of verified supports").check()
    page.get_by_label("Supports needed").fill("2")
    page.get_by_label("Period: first day").fill(today.isoformat())
    page.get_by_label("Period: last day").fill((today + DAY).isoformat())
    page.get_by_label("The council answers within (days)").fill("90")
    page.get_by_role("button", name="Create the process").click()
    page.wait_for_url(f"{journey.url}/officials/processes/{PROCESS}")
    expect(page.locator("#current-phase")).to_have_attribute("data-phase", "proposals")
    facts = page.locator("#facts")
    expect(facts).to_contain_text("40000 EUR")
    expect(facts).to_contain_text("Verified residents only")
    expect(facts).to_contain_text("Environment, Mobility, Sport, Culture, Solidarity, Digital, "
                                  "Living environment")  # fmt: skip


def _open_phase(page: Page, journey: Journey, kind: str) -> None:
    """The "open now" button on the officials' process page (earlier phases close)."""
    page.goto(f"{journey.url}/officials/processes/{PROCESS}")
    page.locator(f"#timeline tr[data-phase={kind}]").get_by_role("button", name="Open now").click()
    expect(page.locator("#current-phase")).to_have_attribute("data-phase", kind)


# --- residents ----------------------------------------------------------------------------


def _sign_up(browser: Browser, journey: Journey, who: Resident, mails_before: int) -> None:
    """Register, confirm with the mailed link, log in, verify with the platform letter."""
    context: BrowserContext = browser.new_context(
        viewport=who.viewport, locale=f"{who.language}-BE"
    )
    page = who.page = context.new_page()
    w = who.words
    page.goto(f"{journey.url}/account/register?lang={who.language}")
    page.get_by_label(w["email"]).fill(who.email)
    page.get_by_label(w["password"], exact=True).fill(who.password)
    page.get_by_label(w["again"], exact=True).fill(who.password)
    page.get_by_label(w["name"]).fill(who.name.split()[0])
    _check_width(who, "register")
    page.get_by_role("button", name=w["create"]).click()
    page.wait_for_url("**/account/mailbox")

    mail = journey.smtp.wait_for(mails_before + 1)[mails_before]
    assert mail.recipients == [who.email]
    assert mail.message["Subject"] == w["subject"]
    body = mail.message.get_body(("plain",))
    assert body is not None
    link = CONFIRM_LINK.search(body.get_content())
    assert link is not None, body.get_content()
    page.goto(link.group(0))
    page.get_by_label(w["password"], exact=True).fill(who.password)  # chosen at registration
    _check_width(who, "confirm")
    page.get_by_role("button", name=w["confirm"]).click()
    page.wait_for_url("**/account/login")

    page.get_by_label(w["email"]).fill(who.email)
    page.get_by_label(w["password"], exact=True).fill(who.password)
    page.locator("main").get_by_role("button", name=w["log in"]).click()
    page.wait_for_url(re.compile(r".*/account$"))

    page.goto(f"{journey.url}/account/verify")
    page.get_by_label(w["number"]).fill(journey.register_numbers[who.name])
    page.get_by_label(w["code"]).fill(journey.platform_codes[who.name])
    _check_width(who, "verify")
    page.get_by_role("button", name=w["verify"]).click()
    page.wait_for_url(re.compile(r".*/account$"))
    expect(page.locator("#verified strong.ok")).to_be_visible()


def _write(who: Resident, journey: Journey, title: str, text: str) -> Page:
    """The first step of proposing: write, then "Check" (similar ideas are shown)."""
    page = who.browser_page()
    w = who.words
    page.goto(f"{journey.url}/participate/{PROCESS}/ideas/new")
    page.get_by_label(w["title"], exact=True).fill(title)
    page.get_by_label(w["idea"], exact=True).fill(text)
    page.get_by_role("button", name=w["check"], exact=True).click()
    expect(page.locator(".pp-similar")).to_be_visible()
    return page


def _propose(who: Resident, journey: Journey, title: str, text: str, domain: str, cost: int) -> int:
    """Propose an idea no other idea resembles; its id."""
    page = _write(who, journey, title, text)
    w = who.words
    expect(page.locator(".pp-similar h2")).to_have_text(w["none similar"])
    page.get_by_label(w["domain"], exact=True).select_option(domain)
    page.get_by_label(w["cost"]).fill(str(cost))
    _check_width(who, f"propose {title}")
    page.get_by_role("button", name=w["post"], exact=True).click()
    page.wait_for_url(IDEA_URL)
    expect(page.locator("main")).to_contain_text(w["posted"])
    expect(page.locator("h1")).to_have_text(title)
    _check_width(who, f"idea {title}")
    found = IDEA_URL.match(page.url)
    assert found is not None
    return int(found.group(1))


def _idea_page(who: Resident, journey: Journey, idea_id: int) -> Page:
    page = who.browser_page()
    page.goto(f"{journey.url}/participate/{PROCESS}/ideas/{idea_id}")
    return page


def _support(who: Resident, journey: Journey, idea_id: int) -> Page:
    page = _idea_page(who, journey, idea_id)
    page.get_by_role("button", name=who.words["support"]).click()
    expect(page.locator(".pp-support")).to_contain_text(who.words["supported"])
    return page


def _react(who: Resident, journey: Journey, idea_id: int, text: str) -> int:
    """Post a reaction; its id."""
    page = _idea_page(who, journey, idea_id)
    page.get_by_label(who.words["reaction"], exact=True).fill(text)
    page.get_by_role("button", name=who.words["react"]).click()
    page.wait_for_url(re.compile(r".*#reaction-\d+$"))
    reaction = page.locator(".pp-reaction", has_text=text)
    expect(reaction).to_be_visible()
    _check_width(who, "reaction")
    return int((reaction.get_attribute("id") or "").removeprefix("reaction-"))


def _vote(who: Resident, journey: Journey, number: str, code: str, projects: list[int]) -> None:
    """From the process page to the booth: approve ``projects``, encrypt, review, cast."""
    page = who.browser_page()
    w = who.words
    sent: list[str] = []  # what the booth sends to /cast
    page.on(
        "request", lambda r: sent.append(r.post_data or "") if r.url.endswith("/cast") else None
    )
    page.goto(f"{journey.url}/participate/{PROCESS}")
    page.get_by_role("link", name=w["vote"]).click()
    page.wait_for_url(f"**/e/{ELECTION}/login**")
    page.get_by_label(w["number"]).fill(number)
    page.get_by_label(w["code"]).fill(code)
    _check_width(who, "vote: log in")
    page.locator("main").get_by_role("button", name=w["log in"]).click()
    page.wait_for_selector("#choose:not([hidden])", timeout=WAIT)
    cards = page.locator(".question[data-question=projects] .project")
    expect(cards).to_have_count(3)
    for idea_id in projects:
        cards.and_(page.locator(f"[data-project=idea-{idea_id}]")).locator("input").check()
    _check_width(who, "vote: choose")
    page.click("#choose button[type=submit]")
    page.wait_for_selector("#review:not([hidden])", timeout=WAIT)
    _check_width(who, "vote: review")
    short = page.text_content("#tracking-short")
    page.click("#cast")
    page.wait_for_selector("#receipt:not([hidden])", timeout=WAIT)
    assert page.text_content("#receipt-short") == short
    _check_width(who, "vote: receipt")
    [ballot] = sent  # encrypted in the page: no project's id travels in the clear
    assert "ciphertexts" in ballot
    assert not re.search(r"idea-\d+", ballot), ballot


# --- the journey --------------------------------------------------------------------------


def test_the_issue_12_journey_from_proposals_to_follow_up(
    browser: Browser, journey: Journey, artifacts: Path
) -> None:
    now = datetime.datetime.now(datetime.UTC)
    today = local_day(now)
    admin = _official(browser, journey, "admin")

    # 1. The process, created on the officials' pages.
    _create_process(admin, journey, today)

    # 2. (The platform register and its letters' codes: imported in the `journey` fixture.)
    # 3. Three residents, each in their own browser, confirm their address and verify.
    bram = Resident("Bram Claes", "bram.claes@example.be", "fietsen langs de Leie", "nl", PHONE)
    chantal = Resident("Chantal Dubois", "chantal.dubois@example.be", "la Lys au printemps",
                       "fr", DESKTOP)  # fmt: skip
    karine = Resident("Karine Lambert", "karine.lambert@example.be", "les tilleuls de Bellegem",
                      "fr", PHONE)  # fmt: skip
    residents = (bram, chantal, karine)
    for n, who in enumerate(residents):
        _sign_up(browser, journey, who, n)

    # 4. Ideas; a near-duplicate is flagged before it is posted; supports and reactions.
    trees = Idea(
        _propose(chantal, journey, "Des arbres sur la place du Marché",
                 "Planter des tilleuls autour de la place du Marché pour avoir de l'ombre "
                 "en été.", "environment", 12_000),
        "Des arbres sur la place du Marché",
        {"nl": "Bomen op de Markt", "fr": "Des arbres sur la place du Marché",
         "en": "Trees on the market square"},
    )  # fmt: skip
    page = _write(karine, journey, "Plus d'arbres place du Marché",
                  "Il faudrait planter plus d'arbres sur la place du Marché, pour l'ombre en "
                  "été.")  # fmt: skip
    similar = page.locator(".pp-similar")
    expect(similar.locator("h2")).to_have_text(karine.words["similar"])
    expect(similar.get_by_role("link")).to_have_text([trees.title])
    expect(page.get_by_role("button", name=karine.words["post anyway"])).to_be_visible()
    _check_width(karine, "similar ideas")
    _shot(page, artifacts, "similar-fr-360")
    similar.get_by_role("link", name=trees.title).click()  # she supports it instead
    page.wait_for_url(f"**/ideas/{trees.id}")
    page.get_by_role("button", name=karine.words["support"]).click()
    expect(page.locator(".pp-support")).to_contain_text(karine.words["supported"])
    expect(page.locator("progress#initiative")).to_have_attribute("value", "1")
    expect(page.locator(".pp-reached")).to_have_count(0)

    benches = Idea(
        _propose(karine, journey, "Des bancs dans le parc",
                 "Installer des bancs confortables dans le parc de la Lys pour les personnes "
                 "âgées.", "living", 6_000),
        "Des bancs dans le parc",
        {"nl": "Zitbanken in het park", "fr": "Des bancs dans le parc",
         "en": "Benches in the park"},
    )  # fmt: skip
    skatepark = _propose(bram, journey, "Een skatepark aan het station",
                         "Een betonnen skatepark voor jongeren naast het station, met "
                         "verlichting en een afdak.", "sport", 85_000)  # fmt: skip
    racks = Idea(
        _propose(bram, journey, "Fietsenstalling aan de school",
                 "Een overdekte fietsenstalling aan de basisschool in Heule, voor veertig "
                 "fietsen.", "mobility", 18_000),
        "Fietsenstalling aan de school",
        {"nl": "Fietsenstalling aan de school", "fr": "Abri vélos à l'école",
         "en": "Bike shelter at the school"},
    )  # fmt: skip

    # The second verified support: the trees reach the initiative threshold.
    page = _support(bram, journey, trees.id)
    expect(page.locator("progress#initiative")).to_have_attribute("value", "2")
    expect(page.locator(".facts .tag")).to_have_text(bram.words["threshold"])
    expect(page.locator(".pp-reached")).to_contain_text(bram.words["reached"])
    _check_width(bram, "threshold reached")
    _shot(page, artifacts, "threshold-nl-360")
    _react(bram, journey, trees.id, "Goed idee, en graag ook een paar bankjes onder de bomen.")
    _support(chantal, journey, racks.id)
    _react(chantal, journey, racks.id, "Excellente idée, mes petits-enfants y vont à vélo.")

    # 5. An abusive reaction, reported, hidden by a moderator with the reason in its place.
    abuse = "Quelle idée débile, bande d'abrutis : les jeunes n'ont qu'à rester chez eux."
    abusive = _react(karine, journey, skatepark, abuse)
    page = _idea_page(bram, journey, skatepark)
    page.get_by_role("link", name=bram.words["report reaction"]).click()
    page.get_by_label(bram.words["abusive"]).check()
    page.get_by_label(bram.words["note"]).fill("Dit is een belediging van de jongeren.")
    _check_width(bram, "report")
    page.get_by_role("button", name=bram.words["send report"]).click()
    page.wait_for_url(f"**/ideas/{skatepark}#reaction-{abusive}")

    moderator = _official(browser, journey, "moderator")
    moderator.goto(f"{journey.url}/officials/processes/{PROCESS}/moderation")
    report = moderator.locator("#reports > li", has_text=abuse)
    expect(report).to_contain_text("abusive")
    expect(report.get_by_label("Hide it, for the reason reported")).to_be_checked()
    for lang, note in HIDE_NOTE.items():
        report.get_by_label(f"Note shown in its place ({lang}, optional)").fill(note)
    report.get_by_role("button", name="Handle the report").click()
    expect(moderator.locator("#handled")).to_contain_text("hidden, by moderator")
    moderator.context.close()
    for who in (bram, karine):
        page = _idea_page(who, journey, skatepark)
        hidden = page.locator(f"#reaction-{abusive}")
        expect(hidden.locator(".pp-hidden")).to_have_text(
            f"{who.words['hidden']} {HIDE_NOTE[who.language]}"
        )
        expect(page.locator("main")).not_to_contain_text(abuse)
        _check_width(who, "hidden reaction")
    _shot(karine.browser_page(), artifacts, "hidden-reaction-fr-360")

    # 6. Screening: one idea refused as over the cap, with its reason; the rest eligible.
    _open_phase(admin, journey, "screening")
    evaluator = _official(browser, journey, "evaluator")
    screening = f"{journey.url}/officials/processes/{PROCESS}/screening"
    decisions = [(skatepark, None), (trees.id, 15_000), (benches.id, 6_000), (racks.id, 20_000)]
    for idea_id, final_cost in decisions:
        evaluator.goto(f"{screening}/{idea_id}")
        if final_cost is None:
            evaluator.get_by_label("Refused", exact=True).check()
            evaluator.get_by_label("Reason for a refusal").select_option("over-cap")
            evaluator.get_by_label("Final cost (whole euros)").fill("85000")
            for lang, reason in REFUSAL.items():
                evaluator.locator(f"#public_reason_{lang}").fill(reason)
        else:
            evaluator.get_by_label("Eligible", exact=True).check()
            evaluator.get_by_label("Final cost (whole euros)").fill(str(final_cost))
        evaluator.get_by_role("button", name="Record the decision").click()
        evaluator.wait_for_url(screening)
        expect(evaluator.locator("main")).to_contain_text(f"Idea {idea_id} was screened.")
    evaluator.context.close()
    for who in (bram, chantal):
        page = _idea_page(who, journey, skatepark)
        said = page.locator("section", has=page.locator("h2#screening"))
        expect(said).to_contain_text(who.words["not eligible"])
        expect(said).to_contain_text(REFUSAL[who.language])
        _check_width(who, "refused idea")
    _shot(bram.browser_page(), artifacts, "refused-nl-360")
    page = _idea_page(karine, journey, benches.id)
    expect(page.locator("main")).to_contain_text(karine.words["eligible"])

    # 7. The shortlist becomes an approval vote (a draft election linked to the process).
    _open_phase(admin, journey, "shortlist")
    admin.goto(f"{journey.url}/officials/processes/{PROCESS}/vote")
    for idea in (trees, benches, racks):
        admin.locator(f"#candidate-{idea.id} input[name=pick_{idea.id}]").check()
        for lang, title in idea.project.items():
            admin.locator(f"#title_{idea.id}_{lang}").fill(title)
    expect(admin.locator(f"#candidate-{skatepark}")).to_have_count(0)  # refused: not offered
    admin.get_by_label("Approval: choose between a minimum and a maximum of projects").check()
    admin.get_by_label("Funded in order of votes while the budget lasts").check()
    admin.get_by_label("Budget to spend (whole euros)").fill("35000")
    admin.get_by_label("The lot's seed: a text published before the vote").fill(PROCESS)
    questions = {"nl": "Welke projecten steunt u?", "fr": "Quels projets soutenez-vous ?",
                 "en": "Which projects do you support?"}  # fmt: skip
    for lang, question in questions.items():
        admin.locator(f"#question_{lang}").fill(question)
    brussels = now.astimezone(ZONE)
    opens = (brussels - datetime.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")
    closes = (brussels + 7 * DAY).strftime("%Y-%m-%dT20:00")
    admin.get_by_label("Election id").fill(ELECTION)
    admin.get_by_label("Opens (Brussels time)").fill(opens)
    admin.get_by_label("Closes (Brussels time)").fill(closes)
    admin.get_by_label("Web address residents vote at").fill(journey.url)
    admin.get_by_label("Municipality (NIS code)").fill(KORTRIJK)
    admin.get_by_label("Trustees", exact=True).fill("3")
    admin.get_by_label("Trustees needed to decrypt").fill("2")
    admin.get_by_role("button", name="Make the vote").click()
    admin.wait_for_url(f"{journey.url}/officials/e/{ELECTION}")
    expect(admin.locator("main")).to_contain_text("The vote was made from the shortlist.")
    expect(admin.locator("#state")).to_have_attribute("data-state", "draft")

    # The normal election flow, in Python (the browser adds nothing): register, poll
    # cards, the trustees' ceremony, open. Then the vote phase opens on the process.
    vote = set_up_vote(journey, ELECTION)
    _open_phase(admin, journey, "vote")
    expect(admin.locator("#vote")).to_contain_text(ELECTION)  # the process's vote

    # 8. The residents vote in the booth, with ballots encrypted in their browsers.
    ballots = [(chantal, [trees.id, racks.id]), (karine, [trees.id, benches.id]),
               (bram, [benches.id])]  # fmt: skip
    for who, chosen in ballots:
        number = journey.register_numbers[who.name]
        _vote(who, journey, number, vote.poll_cards[who.name], chosen)

    # 9. Closed and tallied as the CLI does; published, results recorded, followed up.
    # Trees (2 votes, 15,000) and benches (2, 6,000) fit the 35,000 EUR; the bike
    # shelter (1 vote, 20,000) does not fit in the 14,000 left.
    result = close_and_tally(journey, vote)
    [counted] = cast(list[dict[str, Any]], result["questions"])
    assert counted["online"] == {f"idea-{trees.id}": 2, f"idea-{benches.id}": 2,
                                 f"idea-{racks.id}": 1}, counted  # fmt: skip
    admin.goto(f"{journey.url}/officials/e/{ELECTION}")
    admin.get_by_role("button", name="Publish the results, the bundle and the report").click()
    expect(admin.locator("#state")).to_have_attribute("data-state", "published")
    _open_phase(admin, journey, "results")
    follow_up = f"{journey.url}/officials/processes/{PROCESS}/follow-up"
    admin.goto(follow_up)
    admin.get_by_role("button", name="Record the results").click()
    expect(admin.locator("main")).to_contain_text(
        "The results were recorded: 2 of 3 projects selected."
    )
    _open_phase(admin, journey, "follow-up")
    admin.goto(follow_up)
    project = admin.locator(f"#project-{trees.id}")
    expect(project).to_have_attribute("data-status", "selected")
    expect(admin.locator(f"#project-{racks.id}")).to_have_attribute("data-status", "not-selected")
    project.get_by_label("in progress").check()
    for lang, name in (("nl", "Nederlands"), ("fr", "Français"), ("en", "English")):
        project.get_by_label(f"Update ({name})").fill(UPDATE[lang])
    project.get_by_role("button", name="Post the update").click()
    expect(admin.locator("main")).to_contain_text("The update was posted.")
    expect(project).to_have_attribute("data-status", "in-progress")
    admin.context.close()

    # 10. The process page: the results and the follow-up, in nl and fr, on a phone.
    for who in (bram, karine):
        page = who.browser_page()
        w = who.words
        page.goto(f"{journey.url}/participate/{PROCESS}")
        results = page.locator("section", has=page.locator("h2#results"))
        expect(results.locator("h2")).to_have_text(w["results"])
        items = results.locator(".pp-result")
        expect(items).to_have_count(3)
        shown = [
            (trees, w["in progress"], "pp-in-progress"),
            (benches, w["selected"], "pp-selected"),
            (racks, w["not selected"], "pp-not-selected"),
        ]
        for idea, status, css in shown:
            item = items.filter(has_text=idea.project[who.language])
            expect(item).to_have_class(re.compile(rf"\b{css}\b"))
            expect(item.locator(".tag")).to_have_text(status)
        updates = items.filter(has_text=trees.project[who.language]).locator(".pp-updates")
        expect(updates).to_contain_text(UPDATE[who.language])
        _check_width(who, "process page with the results")
        _shot(page, artifacts, f"results-{who.language}-360")
    for who in residents:
        who.browser_page().context.close()
