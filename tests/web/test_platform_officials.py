"""The officials' side of the participation platform in the browser's place: creating a
process, its phases, paper ideas, moderation, screening, the vote made from the shortlist,
exports, and who may do what (web/platform_officials.py and the modules beside it)."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import insert, select, update

from evoting import platform_schema as ps
from evoting import schema
from evoting.accounts import add_official
from evoting.elections import get_election
from participation import log
from participation.ideas import authors, get_idea
from participation.moderation import hide
from participation.processes import get_process
from participation.reactions import react, report, support
from participation.screening import add_to_shortlist, latest_screening, screen
from tests.integration.conftest import NOW, Setup
from tests.integration.participation_world import (
    FOLLOW_UP,
    PROPOSALS,
    SCREENING,
    SHORTLIST,
    make_process,
    official,
    propose,
    resident,
    tx,
)
from tests.web.conftest import Clock
from tests.web.test_officials import PASSWORD, log_in, token

BASE = "/officials/processes"
ROLES = ("admin", "official", "moderator", "evaluator", "observer")
NAMES = {
    "admin": "ada",
    "official": "olaf",
    "moderator": "mona",
    "evaluator": "eva",
    "observer": "otto",
}
REFUSAL = {
    "nl": "Te duur voor de grens",
    "fr": "Trop cher pour le plafond",
    "en": "Too expensive for the cap",
}


@pytest.fixture
def people(setup: Setup) -> Setup:
    with setup.factory() as session, session.begin():
        for role, name in NAMES.items():
            add_official(session, name, PASSWORD, role, NOW)
    return setup


@pytest.fixture
def process(people: Setup, clock: Clock) -> str:
    """Poperinge-style (tests/integration/participation_world.py), in its proposals phase."""
    clock.now = PROPOSALS
    return make_process(people.engine, official(people.engine))


def as_role(client: FlaskClient, role: str) -> FlaskClient:
    assert log_in(client, NAMES[role]) is not None
    return client


def post(client: FlaskClient, path: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(path, data={"csrf_token": token(client, f"{BASE}/"), **(data or {})})


def page(client: FlaskClient, path: str) -> str:
    answer = client.get(path)
    assert answer.status_code == 200, path
    return answer.get_data(as_text=True)


# -- creating a process --------------------------------------------------------------


def creation_form(client: FlaskClient, **changes: str) -> dict[str, str]:
    """Rueil's domains from the preset button, then the rest as an official types it."""
    preset = post(
        client, f"{BASE}/new", {"preset": "rueil", "id": "rueil-2026", "title_nl": "Burgerbudget"}
    )
    text = preset.get_data(as_text=True)
    assert preset.status_code == 200
    assert 'value="Numérique"' in text
    assert 'value="Burgerbudget"' in text  # what was typed is kept
    data = dict(re.findall(r'name="(domain_[a-z]+_\d+)"[^>]*value="([^"]*)"', text))
    data |= {
        "id": "rueil-2026",
        "level": "co-decide",
        "proposers": "verified",
        "cost_cap": "40000",
        "districts": "centrum\nplaine",
        "initiative": "percent",
        "initiative_percent": "1,5",
        "initiative_population": "20000",
        "initiative_starts_on": "2026-03-01",
        "initiative_ends_on": "2026-04-30",
        "initiative_days": "90",
    }
    for lang in ("nl", "fr", "en"):
        data |= {
            f"language_{lang}": "1",
            f"title_{lang}": f"Budget ({lang})",
            f"description_{lang}": f"About ({lang})",
        }
    days = {
        "information": ("2026-02-01", "2026-02-28"),
        "proposals": ("2026-03-01", "2026-03-31"),
        "screening": ("2026-04-01", "2026-04-30"),
        "vote": ("2026-05-16", "2026-05-31"),
        "follow-up": ("2026-06-15", ""),
    }
    for kind, (first, last) in days.items():
        data |= {f"phase_{kind}": "1", f"starts_{kind}": first, f"ends_{kind}": last}
    return data | changes


def test_an_official_creates_a_process_with_phases_and_rueils_domains(
    client: FlaskClient, people: Setup
) -> None:
    as_role(client, "official")
    data = creation_form(client)
    answer = post(client, f"{BASE}/new", data)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    assert answer.headers["Location"] == f"{BASE}/rueil-2026"
    with people.factory() as s:
        made = get_process(s, "rueil-2026")
        entry = log.entries(s, "rueil-2026")[0]
    assert made.settings.domain_ids() == (
        "environment",
        "mobility",
        "sport",
        "culture",
        "solidarity",
        "digital",
        "living",
    )
    assert made.settings.domains[5].name == {"nl": "Digitaal", "fr": "Numérique", "en": "Digital"}
    assert [p.kind for p in made.phases] == [
        "information",
        "proposals",
        "screening",
        "vote",
        "follow-up",
    ]
    assert made.phases[-1].ends_on is None
    assert made.settings.cost_cap == 40_000
    assert made.settings.districts == ("centrum", "plaine")
    assert made.settings.initiative is not None
    assert made.settings.initiative.threshold == 300
    assert (entry.action, entry.actor) == ("process-created", "olaf")
    assert "Budget (en)" in page(client, f"{BASE}/")
    again = post(client, f"{BASE}/new", data)  # the same id twice
    assert again.status_code == 400
    assert "A process with this id exists already." in again.get_data(as_text=True)


def test_refusals_stand_next_to_their_fields_and_nothing_typed_is_lost(
    client: FlaskClient, people: Setup
) -> None:
    as_role(client, "admin")
    data = creation_form(
        client, id="Not A Slug", ends_screening="2026-03-15", title_fr="Mon titre à garder"
    )
    answer = post(client, f"{BASE}/new", data)
    text = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert 'id="id-error"' in text
    assert "lowercase letters" in text
    assert 'value="Mon titre à garder"' in text
    data["id"] = "fine-id"
    answer = post(client, f"{BASE}/new", data)  # screening ends before it starts
    text = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert 'id="ends_screening-error"' in text
    assert "The last day is before the first day." in text
    data["ends_screening"] = "2026-04-30"
    data["domain_id_2"] = "Sport!"  # a domain id that is no id
    text = post(client, f"{BASE}/new", data).get_data(as_text=True)
    assert 'id="domain_id_2-error"' in text
    with people.factory() as s:
        assert s.execute(select(ps.processes.c.id)).all() == []


# -- the process page: phases and the log -------------------------------------------


def test_an_official_opens_and_closes_phases_and_the_log_says_so(
    client: FlaskClient, process: str, people: Setup, clock: Clock
) -> None:
    as_role(client, "official")
    text = page(client, f"{BASE}/{process}")
    assert 'data-phase="proposals" data-state="current"' in text
    assert 'id="log-verified"' in text
    assert post(client, f"{BASE}/{process}/phases/proposals/close").status_code == 302
    opened = post(client, f"{BASE}/{process}/phases/screening/open", {"until": "2026-04-30"})
    assert opened.status_code == 302
    refused = post(client, f"{BASE}/{process}/phases/screening/open")
    assert refused.status_code == 302
    text = page(client, f"{BASE}/{process}")
    assert "The phase Screening is open already." in text
    assert 'data-phase="screening" data-state="current"' in text
    assert 'data-phase="proposals" data-state="done"' in text
    with people.factory() as s:
        entries = [(e.action, e.actor, e.details.get("phase")) for e in log.entries(s, process)]
        head = log.verify_log(s, process)
    assert entries[-2:] == [
        ("phase-closed", "olaf", "proposals"),
        ("phase-opened", "olaf", "screening"),
    ]
    assert head in text
    assert post(client, f"{BASE}/{process}/phases/nonsense/open").status_code == 404


def test_the_process_page_shows_participation_with_small_cells_hidden(
    client: FlaskClient, process: str, people: Setup
) -> None:
    for _ in range(12):
        resident(people.engine, age_band="30-44", district="centrum")
    lone = resident(people.engine, age_band="75+", district="watou")
    propose(people.engine, process, lone)
    as_role(client, "observer")
    text = page(client, f"{BASE}/{process}")
    assert 'id="demographics-age_band"' in text
    assert 'id="demographics-district"' in text
    assert "hidden" in text  # the lone 75+ resident is not shown as one
    assert not re.search(r"75\+</th>\s*<td class=\"num\">1<", text)


# -- paper ideas ----------------------------------------------------------------------


def test_a_paper_idea_is_entered_and_marked_as_paper(
    client: FlaskClient, process: str, people: Setup
) -> None:
    as_role(client, "official")
    form = {
        "title": "Bancs sur la place",
        "text": "Des bancs pour se reposer au marché.",
        "language": "fr",
        "domain": "environment",
        "estimated_cost": "4.500",
        "district": "centrum",
    }
    refused = post(client, f"{BASE}/{process}/paper", form | {"title": "ab"})
    assert refused.status_code == 400
    assert 'id="title-error"' in refused.get_data(as_text=True)
    assert "Des bancs pour se reposer" in refused.get_data(as_text=True)
    assert post(client, f"{BASE}/{process}/paper", form).status_code == 302
    with people.factory() as s:
        row = s.execute(select(ps.ideas).where(ps.ideas.c.process_id == process)).one()
        entry = log.entries(s, process)[-1]
    assert (row.source, row.entered_by, row.author_id, row.estimated_cost) == (
        "paper",
        "olaf",
        None,
        4_500,
    )
    assert (entry.action, entry.actor) == ("paper-idea-entered", "olaf")
    text = page(client, f"{BASE}/{process}/ideas/{row.id}")
    assert 'data-source="paper"' in text


# -- moderation -----------------------------------------------------------------------


def test_a_moderator_hides_an_abusive_reaction_with_a_reason(
    client: FlaskClient, process: str, people: Setup
) -> None:
    author, troll = resident(people.engine), resident(people.engine)
    idea = propose(people.engine, process, author)
    with tx(people.engine) as s:
        bad = react(s, idea.id, troll, "You are all idiots", "en", PROPOSALS)
        report(s, author, "abusive", PROPOSALS, reaction_id=bad.id, note="Insults")
    hiding = {
        "target": "reaction",
        "id": str(bad.id),
        "reason": "abusive",
        "note_nl": "Beledigend",
        "note_fr": "Injurieux",
        "note_en": "Insulting",
    }
    for role in ("evaluator", "observer"):
        with client.session_transaction() as cookie:
            cookie.clear()
        as_role(client, role)
        assert post(client, f"{BASE}/{process}/moderation/hide", hiding).status_code == 403
        assert client.get(f"{BASE}/{process}/moderation").status_code == 403
    with client.session_transaction() as cookie:
        cookie.clear()
    as_role(client, "moderator")
    queue = page(client, f"{BASE}/{process}/moderation")
    assert "You are all idiots" in queue
    assert "Insults" in queue
    answer = post(client, f"{BASE}/{process}/moderation/hide", hiding)
    assert answer.headers["Location"] == f"{BASE}/{process}/ideas/{idea.id}"
    with people.factory() as s:
        row = s.execute(select(ps.reactions).where(ps.reactions.c.id == bad.id)).one()
        entry = log.entries(s, process)[-1]
    assert row.hidden_reason == "abusive"
    assert row.hidden_at is not None
    assert (entry.action, entry.actor, entry.details["reason"]) == (
        "reaction-hidden",
        "mona",
        "abusive",
    )
    assert entry.details["note"] == {"nl": "Beledigend", "fr": "Injurieux", "en": "Insulting"}
    assert "Insulting" in page(client, f"{BASE}/{process}/ideas/{idea.id}")
    reports = page(client, f"{BASE}/{process}/moderation")
    report_id = re.search(r'id="report-(\d+)"', reports)
    assert report_id is not None
    kept = post(
        client, f"{BASE}/{process}/moderation/reports/{report_id.group(1)}", {"outcome": "kept"}
    )
    assert kept.status_code == 302
    assert 'id="report-' not in page(client, f"{BASE}/{process}/moderation")
    restored = post(
        client, f"{BASE}/{process}/moderation/restore", {"target": "reaction", "id": str(bad.id)}
    )
    assert restored.status_code == 302
    with people.factory() as s:
        assert [e.action for e in log.entries(s, process)[-2:]] == [
            "report-handled",
            "reaction-restored",
        ]


# -- screening ------------------------------------------------------------------------


def test_an_evaluator_refuses_an_idea_over_the_cap_with_a_public_reason(
    client: FlaskClient, process: str, people: Setup, clock: Clock
) -> None:
    idea = propose(
        people.engine, process, resident(people.engine), "A new sports hall", estimated_cost=50_000
    )
    clock.now = SCREENING
    as_role(client, "evaluator")
    path = f"{BASE}/{process}/screening/{idea.id}"
    form = {
        "domain_ok": "1",
        "general_interest": "1",
        "final_cost": "52000",
        "notes_financial": "Quote from the city's works department",
    }
    over = post(client, path, form | {"decision": "eligible"})
    text = over.get_data(as_text=True)
    assert over.status_code == 400
    assert "above the process" in text
    assert 'value="52000"' in text
    unreasoned = post(client, path, form | {"decision": "refused", "reason_code": "over-cap"})
    assert unreasoned.status_code == 400
    assert 'id="public_reason_nl-error"' in unreasoned.get_data(as_text=True)
    reasons = {f"public_reason_{lang}": text for lang, text in REFUSAL.items()}
    done = post(client, path, form | reasons | {"decision": "refused", "reason_code": "over-cap"})
    assert done.status_code == 302
    with people.factory() as s:
        decision = latest_screening(s, idea.id)
        assert get_idea(s, idea.id).status == "refused"
    assert decision is not None
    assert (decision.decision, decision.reason_code, decision.cost_ok) == (
        "refused",
        "over-cap",
        False,
    )
    assert decision.public_reason == REFUSAL
    assert decision.evaluator == "eva"
    assert 'data-status="refused"' in page(client, f"{BASE}/{process}/screening")


def test_duplicates_are_listed_and_a_merge_credits_both_authors(
    client: FlaskClient, process: str, people: Setup, clock: Clock
) -> None:
    first, second = resident(people.engine), resident(people.engine)
    kept = propose(
        people.engine,
        process,
        first,
        "Plant trees on the market square",
        text="Plant ten lime trees around the market square for shade.",
    )
    twin = propose(
        people.engine,
        process,
        second,
        "Plant trees on the market square!",
        text="Plant lime trees around the market square, for shade in summer.",
    )
    propose(
        people.engine,
        process,
        resident(people.engine),
        "A skatepark for teenagers",
        domain="mobility",
        text="Build a skatepark near the station for young people.",
    )
    clock.now = SCREENING
    as_role(client, "evaluator")
    text = page(client, f"{BASE}/{process}/screening")
    assert f'data-pair="{kept.id}-{twin.id}"' in text
    assert 'id="clusters"' in text
    answer = post(client, f"{BASE}/{process}/merge", {"duplicate": twin.id, "into": kept.id})
    assert answer.status_code == 302
    with people.factory() as s:
        assert authors(s, kept.id) == [first, second]
        assert get_idea(s, twin.id).status == "merged"
        assert log.entries(s, process)[-1].details == {"duplicate": twin.id, "into": kept.id}


# -- the vote ---------------------------------------------------------------------------


def eligible(people: Setup, process: str, costs: tuple[int, ...]) -> list[int]:
    evaluator = official(people.engine, "evaluator")
    ids = []
    for n, cost in enumerate(costs):
        idea = propose(people.engine, process, resident(people.engine), f"Project number {n}")
        with tx(people.engine) as s:
            screen(
                s,
                evaluator,
                idea.id,
                decision="eligible",
                domain_ok=True,
                general_interest=True,
                final_cost=cost,
                now=SCREENING,
            )
        ids.append(idea.id)
    return ids


def vote_form(ids: list[int], **changes: str) -> dict[str, str]:
    data = {
        "kind": "approval",
        "min_choices": "1",
        "max_choices": "2",
        "method": "greedy",
        "budget": "60000",
        "ties": "lower_cost",
        "seed": "Public draw of 1 May",
        "election_id": "poperinge-2026-vote",
        "opens": "2026-05-16T08:00",
        "closes": "2026-05-31T20:00",
        "web_address": "https://beslist.example.be",
        "municipality": "33021",
        "minimum_age": "16",
        "trustees": "3",
        "threshold": "2",
    }
    for lang in ("nl", "fr", "en"):
        data[f"question_{lang}"] = f"Which projects? ({lang})"
        for idea in ids:
            data[f"title_{idea}_{lang}"] = f"Project {idea} ({lang})"
    return data | {f"pick_{idea}": "1" for idea in ids} | changes


def test_the_shortlist_becomes_an_approval_vote_in_one_step(
    client: FlaskClient, process: str, people: Setup, clock: Clock
) -> None:
    ids = eligible(people, process, (12_500, 30_000, 39_999))
    clock.now = SHORTLIST
    as_role(client, "evaluator")
    assert client.get(f"{BASE}/{process}/vote").status_code == 403
    with client.session_transaction() as cookie:
        cookie.clear()
    as_role(client, "official")
    path = f"{BASE}/{process}/vote"
    form = page(client, path)
    assert 'name="opens" type="datetime-local" value="2026-05-16T00:00"' in form
    assert f'name="title_{ids[0]}_nl"' in form
    picked = ids[:2]
    preview = post(client, path, vote_form(picked, action="preview"))
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200, text
    fingerprint = re.search(r'id="fingerprint">([0-9a-f]{64})<', text)
    assert fingerprint is not None
    with people.factory() as s:
        assert get_idea(s, picked[0]).status == "eligible"  # a preview keeps nothing
    bad = post(client, path, vote_form(picked, action="create", max_choices="9"))
    assert bad.status_code == 400
    assert 'id="manifest-problems"' in bad.get_data(as_text=True)
    made = post(client, path, vote_form(picked, action="create"))
    assert made.status_code == 302, made.get_data(as_text=True)
    assert made.headers["Location"] == "/officials/e/poperinge-2026-vote"
    with people.factory() as s:
        election = get_election(s, "poperinge-2026-vote")
        linked = get_process(s, process).election_id
        statuses = [get_idea(s, i).status for i in ids]
    vote = election.manifest.questions[0].vote
    assert vote is not None
    assert election.state == "draft"
    assert election.fingerprint.hex() == fingerprint.group(1)
    assert [(p.id, p.cost) for p in vote.projects] == [
        (f"idea-{ids[0]}", 12_500),
        (f"idea-{ids[1]}", 30_000),
    ]
    assert vote.projects[0].title["fr"] == f"Project {ids[0]} (fr)"
    assert linked == "poperinge-2026-vote"
    assert statuses == ["shortlisted", "shortlisted", "eligible"]
    assert fingerprint.group(1) in page(client, f"{BASE}/{process}")


def test_a_second_vote_is_refused_in_words_with_a_link_to_the_first(
    client: FlaskClient, process: str, people: Setup, clock: Clock
) -> None:
    ids = eligible(people, process, (12_500, 30_000))
    clock.now = SHORTLIST
    as_role(client, "official")
    path = f"{BASE}/{process}/vote"
    assert post(client, path, vote_form(ids, action="create")).status_code == 302
    again = post(client, path, vote_form(ids, action="create", election_id="another-vote"))
    text = again.get_data(as_text=True)
    assert again.status_code == 409, text
    assert "A vote was made from this shortlist already" in text
    assert 'href="/officials/e/poperinge-2026-vote"' in text
    with people.factory() as s:
        made = [e.details["election"] for e in log.entries(s, process)
                if e.action == "vote-created"]  # fmt: skip
        other = s.execute(select(schema.elections.c.id).where(
            schema.elections.c.id == "another-vote")).one_or_none()  # fmt: skip
    assert (made, other) == (["poperinge-2026-vote"], None)
    with client.session_transaction() as cookie:
        cookie.clear()
    as_role(client, "moderator")  # the ballot is fixed: an idea on it is not hidden
    hiding = {"target": "idea", "id": str(ids[0]), "reason": "personal-data"}
    refused = post(client, f"{BASE}/{process}/moderation/hide", hiding)
    assert "Not possible for an idea with this status." in page(client, refused.headers["Location"])
    with people.factory() as s:
        assert (get_idea(s, ids[0]).status, get_idea(s, ids[0]).hidden) == ("shortlisted", False)


def test_a_hidden_idea_never_goes_on_the_ballot(
    client: FlaskClient, process: str, people: Setup, clock: Clock
) -> None:
    ids = eligible(people, process, (12_500, 30_000, 39_999, 20_000))
    clock.now = SHORTLIST
    admin, moderator = official(people.engine), official(people.engine, "moderator")
    with tx(people.engine) as s:
        for n in ids[:3]:
            add_to_shortlist(s, admin, n, dict.fromkeys(("nl", "fr", "en"), f"P{n}"), SHORTLIST)
        # hidden before hiding took a shortlisted idea off the shortlist
        s.execute(update(ps.ideas).where(ps.ideas.c.id == ids[0])
                  .values(hidden_at=SHORTLIST, hidden_reason="personal-data"))  # fmt: skip
        hide(s, moderator, "spam", SHORTLIST, idea_id=ids[3])
    as_role(client, "official")
    path = f"{BASE}/{process}/vote"
    form = page(client, path)
    assert f'id="hidden-{ids[0]}"' in form
    assert f'name="pick_{ids[0]}" value="1" >' in form  # offered, unticked
    assert f'name="pick_{ids[1]}" value="1" checked>' in form
    assert f'name="pick_{ids[3]}"' not in form  # hidden and only eligible: not offered
    zero = post(client, path, vote_form(ids[1:3], action="preview", max_choices="0"))
    assert zero.status_code == 400
    assert "At least 1, or empty for every project." in zero.get_data(as_text=True)
    made = post(client, path, vote_form(ids[1:3], action="create"))
    assert made.status_code == 302, made.get_data(as_text=True)
    with people.factory() as s:
        vote = get_election(s, "poperinge-2026-vote").manifest.questions[0].vote
        statuses = [get_idea(s, n).status for n in ids]
    assert vote is not None
    assert [p.id for p in vote.projects] == [f"idea-{ids[1]}", f"idea-{ids[2]}"]
    assert statuses == ["eligible", "shortlisted", "shortlisted", "eligible"]


# -- exports ----------------------------------------------------------------------------


def test_exports_hold_no_e_mail_and_no_formula(
    client: FlaskClient, process: str, people: Setup
) -> None:
    author = resident(people.engine)
    idea = propose(people.engine, process, author, '=HYPERLINK("https://evil.example")')
    with tx(people.engine) as s:
        react(s, idea.id, author, "@SUM(A1:A9) is what I think", "en", PROPOSALS)
    as_role(client, "moderator")
    assert client.get(f"{BASE}/{process}/export/ideas.csv").status_code == 403
    with client.session_transaction() as cookie:
        cookie.clear()
    as_role(client, "observer")
    for kind in ("ideas", "reactions", "screenings"):
        answer = client.get(f"{BASE}/{process}/export/{kind}.csv")
        assert answer.status_code == 200
        assert "attachment" in answer.headers["Content-Disposition"]
        text = answer.data.decode("utf-8-sig")
        assert "@example.be" not in text
        rows = list(csv.reader(io.StringIO(text)))
        assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
        book = openpyxl.load_workbook(
            io.BytesIO(client.get(f"{BASE}/{process}/export/{kind}.xlsx").data)
        )
        cells = [c for row in book.active.iter_rows() for c in row]
        assert all(c.data_type != "f" for c in cells)
        assert not any("@example.be" in str(c.value) for c in cells)
    ideas = list(
        csv.DictReader(
            io.StringIO(client.get(f"{BASE}/{process}/export/ideas.csv").data.decode("utf-8-sig"))
        )
    )
    assert ideas[0]["title"] == '\'=HYPERLINK("https://evil.example")'
    assert ideas[0]["author"].startswith("Resident ")
    book = openpyxl.load_workbook(
        io.BytesIO(client.get(f"{BASE}/{process}/export/reactions.xlsx").data)
    )
    assert book.active["F2"].value == "'@SUM(A1:A9) is what I think"
    assert client.get(f"{BASE}/{process}/export/ideas.json").status_code == 404


def test_the_pdf_summary_opens_and_names_the_process(
    client: FlaskClient, process: str, people: Setup
) -> None:
    propose(people.engine, process, resident(people.engine))
    as_role(client, "observer")
    answer = client.get(f"{BASE}/{process}/summary.pdf?lang=fr")
    assert answer.status_code == 200
    assert answer.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(answer.data)).pages)
    assert "Poperinge beslist mee (fr)" in text
    assert "10 mars 2026" in text  # in the official's language (audit/report_text.py's forms)


# -- who may do what, and values from another process --------------------------------


ACCESS = {
    "platform_officials.processes": "read",
    "platform_officials.new": "run",
    "platform_officials.create": "run",
    "platform_officials.process": "read",
    "platform_officials.open_now": "run",
    "platform_officials.close_now": "run",
    "platform_officials.paper": "run",
    "platform_officials.enter_paper": "run",
    "platform_officials.idea": "read",
    "platform_moderation.queue": "moderate",
    "platform_moderation.hide": "moderate",
    "platform_moderation.restore": "moderate",
    "platform_moderation.handle": "moderate",
    "platform_screening.ideas": "screen",
    "platform_screening.screen_form": "screen",
    "platform_screening.screen_idea": "screen",
    "platform_screening.merge_ideas": "screen",
    "platform_vote.shortlist": "run",
    "platform_vote.make_vote": "run",
    "platform_followup.follow_up": "run",
    "platform_followup.results": "run",
    "platform_followup.update": "run",
    "platform_followup.answer": "run",
    "platform_exports.table": "export",
    "platform_exports.summary": "export",
}
ALLOWED = {
    "read": ROLES,
    "run": ("admin", "official"),
    "moderate": ("admin", "official", "moderator"),
    "screen": ("admin", "official", "evaluator"),
    "export": ("admin", "official", "observer"),
}


def routes(app: Flask, process: str, idea: int) -> list[tuple[str, str, str]]:
    values = {"process_id": process, "idea_id": idea, "report_id": 1, "kind": "ideas", "fmt": "csv"}
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(BASE):
            continue
        url = rule.build({k: values[k] for k in rule.arguments})[1]  # type: ignore[index]
        for method in ("GET", "POST"):
            if method in (rule.methods or ()):
                found.append((rule.endpoint, method, url))
    return found


def test_every_route_knows_who_may_use_it(app: Flask, process: str, people: Setup) -> None:
    idea = propose(people.engine, process, resident(people.engine)).id
    found = routes(app, process, idea)
    assert {endpoint for endpoint, _, _ in found} == set(ACCESS)
    anonymous = app.test_client()
    for endpoint, method, url in found:
        answer = anonymous.open(url, method=method, data={"csrf_token": ""})
        assert answer.status_code in (302, 400), (endpoint, url)  # login, or no CSRF token
    for role in ROLES:
        client = app.test_client()
        as_role(client, role)
        for endpoint, method, url in found:
            if role in ALLOWED[ACCESS[endpoint]]:
                continue
            answer = post(client, url) if method == "POST" else client.get(url)
            assert answer.status_code == 403, (role, endpoint, url)
    with people.factory() as s:
        assert [e.action for e in log.entries(s, process)] == ["process-created", "idea-submitted"]


def test_a_value_from_another_process_is_refused(
    client: FlaskClient, process: str, people: Setup, clock: Clock
) -> None:
    other = make_process(people.engine, official(people.engine), "other-2026")
    author = resident(people.engine)
    theirs = propose(people.engine, other, author, "Their idea")
    mine = propose(people.engine, process, author, "My idea")
    reporter = resident(people.engine)
    with tx(people.engine) as s:
        reaction = react(s, theirs.id, author, "A reaction over there", "en", PROPOSALS)
        reported = report(s, reporter, "spam", PROPOSALS, idea_id=theirs.id)
    clock.now = SCREENING
    as_role(client, "admin")
    here = f"{BASE}/{process}"
    assert client.get(f"{here}/ideas/{theirs.id}").status_code == 404
    assert client.get(f"{here}/screening/{theirs.id}").status_code == 404
    refused = [
        post(client, f"{here}/screening/{theirs.id}", {"decision": "eligible"}),
        post(client, f"{here}/merge", {"duplicate": theirs.id, "into": mine.id}),
        post(client, f"{here}/merge", {"duplicate": mine.id, "into": theirs.id}),
        post(
            client, f"{here}/moderation/hide", {"target": "idea", "id": theirs.id, "reason": "spam"}
        ),
        post(
            client,
            f"{here}/moderation/hide",
            {"target": "reaction", "id": reaction.id, "reason": "spam"},
        ),
        post(client, f"{here}/moderation/reports/{reported}", {"outcome": "hidden"}),
        post(client, f"{here}/ideas/{theirs.id}/update", {"status": "done"}),
        post(client, f"{here}/ideas/{theirs.id}/answer", {"answer_nl": "Nee"}),
        post(client, f"{BASE}/nowhere/paper", {"title": "Anything at all"}),
    ]
    assert [r.status_code for r in refused] == [404] * len(refused)
    with people.factory() as s:
        assert get_idea(s, theirs.id).hidden_at is None
        assert get_idea(s, theirs.id).status == "submitted"
        assert [e.action for e in log.entries(s, other)] == ["process-created", "idea-submitted"]


def test_after_the_tally_the_results_follow_up_and_initiative_answers(
    client: FlaskClient, process: str, people: Setup, clock: Clock
) -> None:
    popular = propose(people.engine, process, resident(people.engine), "Benches everywhere")
    with tx(people.engine) as s:
        for fan in [resident(people.engine) for _ in range(3)]:
            support(s, popular.id, fan, PROPOSALS)
    ids = eligible(people, process, (12_500, 30_000))
    clock.now = SHORTLIST
    as_role(client, "official")
    text = page(client, f"{BASE}/{process}")
    assert 'id="initiatives-due"' in text
    assert "answer due by" in text
    made = post(client, f"{BASE}/{process}/vote", vote_form(ids, action="create"))
    assert made.status_code == 302
    assert "Once the vote is tallied" in page(client, f"{BASE}/{process}/follow-up")
    explanation = [
        {"project": f"idea-{ids[0]}", "status": "funded"},
        {"project": f"idea-{ids[1]}", "status": "skipped"},
    ]
    with tx(people.engine) as s:  # the tally itself is tested with the election's pages
        s.execute(
            update(schema.elections)
            .where(schema.elections.c.id == "poperinge-2026-vote")
            .values(state="tallied")
        )
        s.execute(
            insert(schema.tallies).values(
                election_id="poperinge-2026-vote",
                request="{}",
                paper="{}",
                result=json.dumps({"questions": [{"id": "projects", "explanation": explanation}]}),
            )
        )
    clock.now = FOLLOW_UP
    assert 'id="record-results"' in page(client, f"{BASE}/{process}/follow-up")
    assert post(client, f"{BASE}/{process}/results").status_code == 302
    words = {f"text_{lang}": f"Works start ({lang})" for lang in ("nl", "fr", "en")}
    update_path = f"{BASE}/{process}/ideas/{ids[0]}/update"
    assert post(client, update_path, words | {"status": "in-progress"}).status_code == 302
    answer = {f"answer_{lang}": f"The council agrees ({lang})" for lang in ("nl", "fr", "en")}
    assert post(client, f"{BASE}/{process}/ideas/{popular.id}/answer", answer).status_code == 302
    text = page(client, f"{BASE}/{process}/follow-up")
    assert "Works start (en)" in text
    assert "The council agrees (en)" in text
    with people.factory() as s:
        assert [get_idea(s, i).status for i in ids] == ["in-progress", "not-selected"]
        assert [e.action for e in log.entries(s, process)[-3:]] == [
            "results-recorded",
            "idea-updated",
            "initiative-answered",
        ]
    assert 'id="initiatives-due"' not in page(client, f"{BASE}/{process}")


def test_a_hidden_ideas_title_is_its_reason_in_exports_summary_and_follow_up(
    client: FlaskClient, process: str, people: Setup, clock: Clock
) -> None:
    secret = "Jan Peeters of Kasteelstraat 12 drinks"
    popular = propose(people.engine, process, resident(people.engine), secret)
    fans = [resident(people.engine) for _ in range(3)]
    evaluator = official(people.engine, "evaluator")
    moderator = official(people.engine, "moderator")
    with tx(people.engine) as s:
        for fan in fans:
            support(s, popular.id, fan, PROPOSALS)  # an initiative: the summary lists it
        screen(s, evaluator, popular.id, decision="eligible", domain_ok=True,
               general_interest=True, final_cost=1_000, now=SCREENING)  # fmt: skip
        hide(s, moderator, "personal-data", SCREENING, idea_id=popular.id)
    clock.now = SHORTLIST
    as_role(client, "official")
    answer = client.get(f"{BASE}/{process}/export/screenings.csv")
    rows = list(csv.DictReader(io.StringIO(answer.data.decode("utf-8-sig"))))
    assert [r["idea_title"] for r in rows] == ["Hidden: personal data"]
    assert "Jan Peeters" not in answer.data.decode("utf-8-sig")
    book = openpyxl.load_workbook(
        io.BytesIO(client.get(f"{BASE}/{process}/export/screenings.xlsx").data)
    )
    cells = [str(c.value) for row in book.active.iter_rows() for c in row]
    assert "Hidden: personal data" in cells
    assert not any("Jan Peeters" in c for c in cells)
    pdf = client.get(f"{BASE}/{process}/summary.pdf?lang=en")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert f"#{popular.id} Hidden: personal data" in text
    assert "Jan Peeters" not in text
    dutch = client.get(f"{BASE}/{process}/summary.pdf?lang=nl")
    assert "Jan Peeters" not in "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(dutch.data)).pages
    )
    follow_up = page(client, f"{BASE}/{process}/follow-up")
    assert f'id="initiative-{popular.id}"' in follow_up
    assert "Verborgen: persoonsgegevens" in follow_up  # the officials' pages speak Dutch here
    assert "Jan Peeters" not in follow_up
