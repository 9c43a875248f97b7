"""Ideas: who may propose and when, editing until screening, paper ideas, listing, search."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from sqlalchemy import Engine

from participation import log
from participation.errors import InvalidInput, NotAllowed, WrongPhase
from participation.ideas import (
    authors,
    edit_idea,
    enter_paper_idea,
    get_idea,
    list_ideas,
    submit_idea,
)
from participation.processes import open_phase
from participation.reactions import support
from participation.screening import screen
from tests.integration.participation_world import (
    PROPOSALS,
    SCREENING,
    draft,
    make_process,
    official,
    propose,
    resident,
    tx,
)


@pytest.mark.parametrize(
    "when",
    [PROPOSALS - datetime.timedelta(days=20), SCREENING,
     datetime.datetime(2026, 3, 31, 22, 0, tzinfo=datetime.UTC)],  # midnight in Brussels
)  # fmt: skip
def test_proposing_outside_the_proposals_phase_is_refused(
    engine: Engine, when: datetime.datetime
) -> None:
    pid = make_process(engine, official(engine))
    author = resident(engine)
    with tx(engine) as s, pytest.raises(WrongPhase) as caught:
        submit_idea(s, pid, author, draft(), when)
    assert caught.value.allowed == ("proposals",)


def test_proposing_after_an_official_closed_the_phase_is_refused(engine: Engine) -> None:
    admin = official(engine)
    pid = make_process(engine, admin)
    with tx(engine) as s:
        open_phase(s, admin, pid, "screening", PROPOSALS)
    with tx(engine) as s, pytest.raises(WrongPhase):
        submit_idea(s, pid, resident(engine), draft(), PROPOSALS + datetime.timedelta(seconds=1))


def test_unverified_residents_propose_only_where_everyone_may(engine: Engine) -> None:
    admin = official(engine)
    strict = make_process(engine, admin, "strict")
    open_to_all = make_process(engine, admin, "open", proposers="everyone")
    unverified = resident(engine, verified=False)
    with tx(engine) as s, pytest.raises(NotAllowed) as caught:
        submit_idea(s, strict, unverified, draft(), PROPOSALS)
    assert caught.value.reason == "not-verified"
    assert propose(engine, open_to_all, unverified).author_id == unverified
    unconfirmed = resident(engine, verified=False, confirmed=False)
    with tx(engine) as s, pytest.raises(NotAllowed, match="not-confirmed"):
        submit_idea(s, open_to_all, unconfirmed, draft(), PROPOSALS)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"domain": "culture"}, "domain"),
        ({"domain": None}, "domain"),
        ({"district": "paris"}, "district"),
        ({"estimated_cost": -5}, "estimated_cost"),
        ({"title": "x" * 151}, "title"),
        ({"title": "Trees\u202eeert"}, "title"),  # a right-to-left override
        ({"language": "de"}, "language"),
    ],
)
def test_fields_are_checked_against_the_process(engine: Engine, changes: dict[str, Any],
                                                 field: str) -> None:  # fmt: skip
    pid = make_process(engine, official(engine))
    with tx(engine) as s, pytest.raises(InvalidInput) as caught:
        submit_idea(s, pid, resident(engine), draft(**changes), PROPOSALS)
    assert caught.value.field == field


def test_the_author_edits_until_screening_starts(engine: Engine) -> None:
    admin, evaluator = official(engine), official(engine, "evaluator")
    pid = make_process(engine, admin)
    author, other = resident(engine), resident(engine)
    idea = propose(engine, pid, author)
    later = PROPOSALS + datetime.timedelta(days=1)
    with tx(engine) as s:
        edited = edit_idea(s, idea.id, author, draft("Trees on the big square"), later)
    assert (edited.title, edited.updated_at) == ("Trees on the big square", later)
    with tx(engine) as s, pytest.raises(NotAllowed, match="not-author"):
        edit_idea(s, idea.id, other, draft("Mine now"), later)
    with tx(engine) as s:  # screened during the proposals phase: no more edits
        screen(s, evaluator, idea.id, decision="eligible", domain_ok=True, general_interest=True,
               final_cost=15_000, now=later)  # fmt: skip
    with tx(engine) as s, pytest.raises(NotAllowed, match="screening-started"):
        edit_idea(s, idea.id, author, draft("Changed after screening"), later)
    unscreened = propose(engine, pid, author, "Benches")
    with tx(engine) as s, pytest.raises(WrongPhase):  # the screening phase has begun
        edit_idea(s, unscreened.id, author, draft("Benches, many"), SCREENING)


def test_paper_ideas_are_entered_by_officials_and_marked(engine: Engine) -> None:
    admin, moderator = official(engine), official(engine, "moderator")
    pid = make_process(engine, admin)
    with tx(engine) as s:
        idea = enter_paper_idea(s, admin, pid, draft("From the town-hall box"), SCREENING)
        assert log.entries(s, pid)[-1].action == "paper-idea-entered"
    assert (idea.source, idea.entered_by, idea.author_id) == ("paper", admin.username, None)
    with tx(engine) as s:
        assert authors(s, idea.id) == []
    with tx(engine) as s, pytest.raises(NotAllowed):
        enter_paper_idea(s, moderator, pid, draft("Sneaked in"), SCREENING)


def test_search_takes_percent_and_underscore_literally(engine: Engine) -> None:
    pid = make_process(engine, official(engine))
    author = resident(engine)
    titles = ["100% green roofs", "A_B cycle path", "100 new benches", "ABC crossing",
              "Back\\slash square"]  # fmt: skip
    for title in titles:
        propose(engine, pid, author, title)

    def found(term: str) -> list[str]:
        with tx(engine) as s:
            return sorted(i.title for i in list_ideas(s, pid, search=term).ideas)

    assert found("100%") == ["100% green roofs"]
    assert found("%") == ["100% green roofs"]
    assert found("_") == ["A_B cycle path"]
    assert found("a_b") == ["A_B cycle path"]  # case-insensitive, and _ is not "any"
    assert found("\\") == ["Back\\slash square"]
    assert found("GREEN") == ["100% green roofs"]
    assert len(found("ten lime trees")) == 5  # the text is searched too


def test_sorting_filters_and_a_stable_random_order(engine: Engine) -> None:
    pid = make_process(engine, official(engine))
    author = resident(engine)
    made = [propose(engine, pid, author, f"Idea number {n}",
                    PROPOSALS + datetime.timedelta(minutes=n),
                    domain="mobility" if n % 2 else "environment") for n in range(8)]  # fmt: skip
    for n in range(3):
        with tx(engine) as s:
            support(s, made[2].id, resident(engine), PROPOSALS + datetime.timedelta(hours=n))
    with tx(engine) as s:
        newest = list_ideas(s, pid).ideas
        most = list_ideas(s, pid, sort="supported").ideas
        mobility = list_ideas(s, pid, domain="mobility")
        pages = [list_ideas(s, pid, sort="random", seed=42, limit=3, offset=o).ideas
                 for o in (0, 3, 6)]  # fmt: skip
        again = list_ideas(s, pid, sort="random", seed=42, limit=8).ideas
        others = {tuple(i.id for i in list_ideas(s, pid, sort="random", seed=n).ideas)
                  for n in range(1, 6)}  # fmt: skip
    assert [i.id for i in newest] == [i.id for i in reversed(made)]
    assert (most[0].id, most[0].supports) == (made[2].id, 3)
    assert mobility.total == 4
    assert all(i.domain == "mobility" for i in mobility.ideas)
    paged = [i.id for page in pages for i in page]
    assert paged == [i.id for i in again]  # pages of one seed make one order
    assert sorted(paged) == sorted(i.id for i in made)
    assert len(others) > 1  # another seed, another order
    with tx(engine) as s, pytest.raises(InvalidInput):
        list_ideas(s, pid, sort="oldest")


def test_get_idea_of_nobody(engine: Engine) -> None:
    from participation.errors import NotFound

    with tx(engine) as s, pytest.raises(NotFound):
        get_idea(s, 12345)
