"""Screening, merging, the shortlist made a vote, the results' follow-up, moderation,
and participation by age band and district."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine

from evoting.accounts import Official
from evoting.election import manifest_from_text, parse_manifest
from evoting.elections import create_election
from participation import log
from participation.demographics import participation, suppress_counts
from participation.errors import InvalidInput, NotAllowed, ShortlistError, WrongStatus
from participation.followup import post_update, record_results, updates
from participation.ideas import authors, get_idea, list_ideas
from participation.moderation import handle_report, hide, reports, restore
from participation.reactions import react, reactions, report, support
from participation.screening import add_to_shortlist, latest_screening, merge, screen
from participation.vote import VoteSpec, link_election, shortlist_manifest, shortlist_manifest_yaml
from tests.integration.participation_world import (
    FOLLOW_UP,
    PROPOSALS,
    SCREENING,
    SHORTLIST,
    make_process,
    official,
    propose,
    resident,
    texts,
    tx,
)

REFUSAL = {"nl": "Dit project kost meer dan 40.000 euro.",
           "fr": "Ce projet coûte plus de 40 000 euros.",
           "en": "This project costs more than 40,000 euros."}  # fmt: skip


def eligible(engine: Engine, evaluator: Official, idea_id: int, cost: int) -> None:
    with tx(engine) as s:
        screen(s, evaluator, idea_id, decision="eligible", domain_ok=True,
               general_interest=True, final_cost=cost, now=SCREENING,
               notes={"technical": "Feasible on municipal land."})  # fmt: skip


def test_refused_over_the_cap_with_its_reason_in_three_languages(engine: Engine) -> None:
    admin, evaluator = official(engine), official(engine, "evaluator")
    pid = make_process(engine, admin)
    idea = propose(engine, pid, resident(engine), estimated_cost=55_000)
    with tx(engine) as s, pytest.raises(InvalidInput, match="cost_ok"):
        screen(s, evaluator, idea.id, decision="eligible", domain_ok=True,
               general_interest=True, final_cost=52_000, now=SCREENING)  # fmt: skip
    with tx(engine) as s, pytest.raises(InvalidInput, match=r"public_reason\.fr"):
        screen(s, evaluator, idea.id, decision="refused", domain_ok=True, general_interest=True,
               final_cost=52_000, reason_code="over-cap", public_reason={"nl": "Te duur"},
               now=SCREENING)  # fmt: skip
    with tx(engine) as s:
        done = screen(s, evaluator, idea.id, decision="refused", domain_ok=True,
                      general_interest=True, final_cost=52_000, reason_code="over-cap",
                      public_reason=REFUSAL, now=SCREENING)  # fmt: skip
        entry = log.entries(s, pid)[-1]
        assert get_idea(s, idea.id).status == "refused"
        assert latest_screening(s, idea.id) == done
    assert (done.decision, done.cost_ok, done.reason_code) == ("refused", False, "over-cap")
    assert done.public_reason == REFUSAL
    assert (entry.action, entry.actor, entry.details["public_reason"]) == (
        "idea-screened", evaluator.username, REFUSAL)  # fmt: skip


@pytest.mark.parametrize("role", ["moderator", "observer"])
def test_only_evaluators_and_officials_screen(engine: Engine, role: str) -> None:
    pid = make_process(engine, official(engine))
    idea = propose(engine, pid, resident(engine))
    with tx(engine) as s, pytest.raises(NotAllowed, match="role"):
        screen(s, official(engine, role), idea.id, decision="eligible", domain_ok=True,
               general_interest=True, final_cost=1, now=SCREENING)  # fmt: skip


def test_merging_credits_both_authors_and_moves_supports(engine: Engine) -> None:
    admin, evaluator = official(engine), official(engine, "evaluator")
    pid = make_process(engine, admin)
    first, second, fan, both = (resident(engine) for _ in range(4))
    kept = propose(engine, pid, first, "Trees on the square")
    duplicate = propose(engine, pid, second, "More trees on the market square")
    with tx(engine) as s:
        support(s, duplicate.id, fan, PROPOSALS)
        support(s, duplicate.id, both, PROPOSALS)
        support(s, kept.id, both, PROPOSALS)
    with tx(engine) as s:
        merge(s, evaluator, duplicate.id, kept.id, SCREENING)
    with tx(engine) as s:
        assert authors(s, kept.id) == [first, second]
        gone = get_idea(s, duplicate.id)
        assert (gone.status, gone.merged_into, gone.supports) == ("merged", kept.id, 0)
        assert get_idea(s, kept.id).supports == 2  # "both" counted once
        assert [i.id for i in list_ideas(s, pid).ideas] == [kept.id]  # merged ones are left out
        assert log.entries(s, pid)[-1].details == {"duplicate": duplicate.id, "into": kept.id}
        with pytest.raises(WrongStatus):
            merge(s, evaluator, duplicate.id, kept.id, SCREENING)


def spec(**changes: Any) -> VoteSpec:
    base: dict[str, Any] = {
        "kind": "approval", "question": texts("Which projects?"),
        "web_address": "https://beslist.example.be", "municipality": "33021",
        "minimum_age": 16, "trustees": 3, "threshold": 2, "seed": "Public draw of 1 May",
        "method": "greedy", "budget": 60_000, "max_choices": 2,
    }  # fmt: skip
    return VoteSpec(**(base | changes))


def shortlisted(engine: Engine) -> tuple[str, Official, list[int]]:
    admin, evaluator = official(engine), official(engine, "evaluator")
    pid = make_process(engine, admin)
    ideas = [propose(engine, pid, resident(engine), f"Project {n}") for n in range(3)]
    for idea, cost in zip(ideas, (12_500, 30_000, 39_999), strict=True):
        eligible(engine, evaluator, idea.id, cost)
    with tx(engine) as s:
        for idea in ideas:
            add_to_shortlist(s, admin, idea.id, texts(f"Project {idea.id}"), SHORTLIST)
    return pid, admin, [i.id for i in ideas]


def test_the_shortlist_becomes_a_manifest_with_the_final_costs(engine: Engine) -> None:
    pid, admin, ids = shortlisted(engine)
    with tx(engine) as s:
        for kind, extra in (("approval", {}), ("points", {}), ("budget", {"basket": 50_000})):
            manifest = parse_manifest(shortlist_manifest(s, pid, spec(kind=kind, **extra)))
            vote = manifest.questions[0].vote
            assert vote is not None
            assert [(p.id, p.cost) for p in vote.projects] == [
                (f"idea-{ids[0]}", 12_500), (f"idea-{ids[1]}", 30_000),
                (f"idea-{ids[2]}", 39_999)]  # fmt: skip
            assert (vote.max_cost, vote.cost_unit, vote.rule.budget) == (40_000, "EUR", 60_000)
            assert vote.projects[0].title == texts(f"Project {ids[0]}")
        text = shortlist_manifest_yaml(s, pid, spec())
        parsed = manifest_from_text(text.encode())
        assert parsed.window.opens.isoformat() == "2026-05-16T00:00:00+02:00"
        with pytest.raises(ShortlistError, match="seed"):
            shortlist_manifest(s, pid, spec(seed=""))
        with pytest.raises(ShortlistError, match="max_choices"):
            shortlist_manifest(s, pid, spec(max_choices=9))
        created = create_election(s, parsed, SHORTLIST)
        link_election(s, admin, pid, created.id, SHORTLIST)
        assert log.entries(s, pid)[-1].action == "vote-created"


def test_results_and_follow_up(engine: Engine) -> None:
    pid, admin, ids = shortlisted(engine)
    with tx(engine) as s:
        election = create_election(s, parse_manifest(shortlist_manifest(s, pid, spec())),
                                   SHORTLIST)  # fmt: skip
        link_election(s, admin, pid, election.id, SHORTLIST)
    explanation = [{"project": f"idea-{ids[0]}", "status": "funded"},
                   {"project": f"idea-{ids[1]}", "status": "funded"},
                   {"project": f"idea-{ids[2]}", "status": "skipped"}]  # fmt: skip
    result = {"questions": [{"id": "projects", "explanation": explanation}]}
    with tx(engine) as s:
        with pytest.raises(ShortlistError):  # a result that does not name the whole shortlist
            record_results(s, admin, pid, FOLLOW_UP,
                           result={"questions": [{"explanation": explanation[:2]}]})  # fmt: skip
        got = record_results(s, admin, pid, FOLLOW_UP, result=result)
    assert got == {ids[0]: "selected", ids[1]: "selected", ids[2]: "not-selected"}
    with tx(engine) as s:
        post_update(s, admin, ids[0], "in-progress", texts("Works start"), FOLLOW_UP)
        post_update(s, admin, ids[0], "done", texts("Opened"), FOLLOW_UP)
        with pytest.raises(WrongStatus):
            post_update(s, admin, ids[2], "in-progress", texts("No"), FOLLOW_UP)
        history = [(u.status, u.author) for u in updates(s, ids[0])]
    assert history == [("selected", "system"), ("in-progress", admin.username),
                       ("done", admin.username)]  # fmt: skip


def test_moderators_hide_and_restore_with_a_logged_reason(engine: Engine) -> None:
    admin, moderator = official(engine), official(engine, "moderator")
    pid = make_process(engine, admin)
    author, troll, reporter = resident(engine), resident(engine), resident(engine)
    idea = propose(engine, pid, author)
    with tx(engine) as s:
        rude = react(s, idea.id, troll, "You are all idiots", "en", PROPOSALS)
        report(s, reporter, "abusive", PROPOSALS, reaction_id=rude.id)
    with tx(engine) as s, pytest.raises(NotAllowed):
        hide(s, official(engine, "evaluator"), "abusive", SCREENING, reaction_id=rude.id)
    with tx(engine) as s:
        [open_report] = reports(s, pid)
        closed = handle_report(s, moderator, open_report.id, "hidden", SCREENING,
                               note={"en": "Insults are not allowed."})  # fmt: skip
        [shown] = reactions(s, idea.id)
        assert reports(s, pid) == []
    assert closed == 1
    assert (shown.hidden, shown.hidden_reason, shown.hidden_note) == (
        True, "abusive", {"en": "Insults are not allowed."})  # fmt: skip
    with tx(engine) as s:
        with pytest.raises(InvalidInput, match="already-hidden"):
            hide(s, moderator, "spam", SCREENING, reaction_id=rude.id)
        restore(s, moderator, SCREENING, reaction_id=rude.id)
        hide(s, moderator, "off-topic", SCREENING, idea_id=idea.id)
        assert list_ideas(s, pid).total == 0
        assert get_idea(s, idea.id).status == "submitted"  # hiding is not a status
        actions = [(e.action, e.actor) for e in log.entries(s, pid)[-4:]]
        log.verify_log(s, pid)
    assert actions == [("reaction-hidden", moderator.username),
                       ("report-handled", moderator.username),
                       ("reaction-restored", moderator.username),
                       ("idea-hidden", moderator.username)]  # fmt: skip


def test_participation_by_age_band_with_small_cells_hidden(engine: Engine) -> None:
    pid = make_process(engine, official(engine), proposers="everyone")
    young = [resident(engine, age_band="16-29") for _ in range(12)]
    middle = [resident(engine, age_band="30-44") for _ in range(25)]
    old = [resident(engine, age_band="65+") for _ in range(3)]
    resident(engine, verified=False)
    for r in young[:11] + middle[:10] + old[:1]:
        propose(engine, pid, r, "An idea of mine")
    with tx(engine) as s:
        table = participation(s, pid, "age_band", min_cell=2)
        strict = participation(s, pid, "age_band", min_cell=10)
    assert (table.accounts_total, table.verified_total) == (41, 40)
    assert table.accounts == {"16-29": 12, "30-44": 25, "65+": 3}
    assert table.proposed["30-44"] == {"eligible": 25, "took_part": 10}
    assert table.proposed["16-29"] is None  # 1 stayed away: it would single them out
    assert strict.accounts["65+"] is None
    assert strict.proposed["65+"] is None
    assert suppress_counts({"a": 30, "b": 3, "c": 40}, 10) == {"a": None, "b": None, "c": 40}
