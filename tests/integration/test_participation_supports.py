"""Reactions, supports (one each, even racing), reports and the initiative threshold."""

from __future__ import annotations

import datetime
import threading

import pytest
from sqlalchemy import Engine

from participation import log
from participation.errors import (
    AlreadyExists,
    AlreadySupported,
    NotAllowed,
    NotFound,
    ReplyTooDeep,
    WrongPhase,
)
from participation.ideas import get_idea
from participation.initiatives import progress, record_answer, unanswered
from participation.reactions import react, reactions, report, support
from tests.integration.participation_world import (
    PROPOSALS,
    SCREENING,
    make_process,
    official,
    propose,
    resident,
    texts,
    tx,
)

HOUR = datetime.timedelta(hours=1)


def test_one_level_of_replies(engine: Engine) -> None:
    pid = make_process(engine, official(engine))
    a, b = resident(engine), resident(engine, verified=False)
    idea = propose(engine, pid, a)
    with tx(engine) as s:
        top = react(s, idea.id, b, "Good idea, but where exactly?", "en", PROPOSALS)
        reply = react(s, idea.id, a, "Around the church.", "en", PROPOSALS, parent_id=top.id)
    with tx(engine) as s, pytest.raises(ReplyTooDeep):
        react(s, idea.id, b, "A reply to a reply", "en", PROPOSALS, parent_id=reply.id)
    other = propose(engine, pid, a, "Another idea")
    with tx(engine) as s, pytest.raises(Exception, match="another idea"):
        react(s, other.id, b, "Misplaced reply", "en", PROPOSALS, parent_id=top.id)
    with tx(engine) as s:
        threads = reactions(s, idea.id)
    assert [(r.id, [x.id for x in r.replies]) for r in threads] == [(top.id, [reply.id])]


def test_reacting_needs_a_confirmed_account_and_an_open_phase(engine: Engine) -> None:
    pid = make_process(engine, official(engine))
    idea = propose(engine, pid, resident(engine))
    with tx(engine) as s, pytest.raises(NotAllowed, match="not-confirmed"):
        react(s, idea.id, resident(engine, verified=False, confirmed=False), "Hi there", "nl",
              PROPOSALS)  # fmt: skip
    with tx(engine) as s, pytest.raises(WrongPhase):
        react(s, idea.id, resident(engine), "Too early", "nl", PROPOSALS - 30 * 24 * HOUR)


def test_supporting_twice_racing_makes_one_support(engine: Engine) -> None:
    pid = make_process(engine, official(engine))
    idea = propose(engine, pid, resident(engine))
    fan = resident(engine)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def click() -> None:
        start.wait()
        try:
            with tx(engine) as s:
                support(s, idea.id, fan, PROPOSALS)
            outcomes.append("supported")
        except AlreadySupported:
            outcomes.append("already")
        except BaseException as exc:  # anything else is a failure of the test
            outcomes.append(repr(exc))

    threads = [threading.Thread(target=click) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["already", "supported"]
    with tx(engine) as s:
        assert get_idea(s, idea.id).supports == 1
        with pytest.raises(AlreadySupported):
            support(s, idea.id, fan, PROPOSALS + HOUR)


def test_threshold_reached_exactly_at_n_verified_supports(engine: Engine) -> None:
    admin = official(engine)
    pid = make_process(engine, admin)  # 3 verified supports within March and April
    idea = propose(engine, pid, resident(engine))
    when = PROPOSALS
    for _ in range(3):  # unverified supports: shown, never counted
        when += HOUR
        with tx(engine) as s:
            support(s, idea.id, resident(engine, verified=False), when)
    for n in (1, 2):
        when += HOUR
        with tx(engine) as s:
            after = support(s, idea.id, resident(engine), when)
            bar = progress(s, idea.id)
        assert after.status == "submitted"
        assert bar is not None
        assert (bar.supports, bar.threshold, bar.reached, bar.percent) == (n, 3, False, n * 33)
    when += HOUR
    with tx(engine) as s:
        after = support(s, idea.id, resident(engine), when)
        bar = progress(s, idea.id)
        entry = log.entries(s, pid)[-1]
    assert (after.status, after.supports) == ("threshold-reached", 6)
    assert bar is not None
    assert (bar.reached, bar.percent, bar.answer_due) == (True, 100, datetime.date(2026, 6, 8))
    assert (entry.action, entry.actor, entry.details["supports"]) == (
        "initiative-threshold-reached", "system", 3)  # fmt: skip
    with tx(engine) as s:
        assert unanswered(s, pid) == [(idea.id, datetime.date(2026, 6, 8))]
        record_answer(s, admin, idea.id, texts("The council will plant the trees"), when)
        with pytest.raises(AlreadyExists):
            record_answer(s, admin, idea.id, texts("Twice"), when)
        assert unanswered(s, pid) == []
        answered = progress(s, idea.id)
    assert answered is not None
    assert answered.answer == texts("The council will plant the trees")


def test_supports_after_the_period_do_not_count(engine: Engine) -> None:
    initiative = {"supports": 2, "starts_on": "2026-03-01", "ends_on": "2026-03-20"}
    pid = make_process(engine, official(engine), initiative=initiative)
    idea = propose(engine, pid, resident(engine))
    with tx(engine) as s:
        support(s, idea.id, resident(engine), PROPOSALS)  # 10 March: counts
    late = datetime.datetime(2026, 3, 20, 23, 30, tzinfo=datetime.UTC)  # 21 March in Brussels
    with tx(engine) as s:
        after = support(s, idea.id, resident(engine), late)
        bar = progress(s, idea.id)
    assert after.status == "submitted"
    assert bar is not None
    assert (bar.supports, bar.reached) == (1, False)


def test_threshold_as_a_share_of_the_population(engine: Engine) -> None:
    initiative = {"percent": "1.5", "population": 130, "starts_on": "2026-03-01",
                  "ends_on": "2026-04-30"}  # fmt: skip  # 1.95 → 2 supports
    pid = make_process(engine, official(engine), initiative=initiative)
    idea = propose(engine, pid, resident(engine))
    first, second = resident(engine), resident(engine)
    with tx(engine) as s:
        support(s, idea.id, first, PROPOSALS)
        assert get_idea(s, idea.id).status == "submitted"
        assert support(s, idea.id, second, PROPOSALS).status == "threshold-reached"


def test_supports_only_while_supporting_is_open(engine: Engine) -> None:
    pid = make_process(engine, official(engine))
    idea = propose(engine, pid, resident(engine))
    with tx(engine) as s:
        support(s, idea.id, resident(engine), SCREENING)  # still open in screening
    with tx(engine) as s, pytest.raises(WrongPhase):
        support(s, idea.id, resident(engine), datetime.datetime(2026, 5, 5, tzinfo=datetime.UTC))


def test_reports_once_per_resident(engine: Engine) -> None:
    pid = make_process(engine, official(engine))
    a, b = resident(engine), resident(engine)
    idea = propose(engine, pid, a)
    with tx(engine) as s:
        first = report(s, b, "spam", PROPOSALS, idea_id=idea.id)
        assert first > 0
        with pytest.raises(AlreadyExists):
            report(s, b, "abusive", PROPOSALS, idea_id=idea.id)
        with pytest.raises(NotFound):
            report(s, b, "spam", PROPOSALS, reaction_id=999_999)
        with pytest.raises(Exception, match="reason"):
            report(s, b, "ugly", PROPOSALS, idea_id=idea.id)
