"""One vote per process, a shortlist that cannot change under it, hidden ideas kept off
the ballot (participation/vote.py, screening.py, moderation.py), on SQLite and
PostgreSQL.

The races hold the first transaction open (its work done, not yet committed) while
the second one starts: on PostgreSQL the second waits on the process row's lock and
then sees the first's vote; on SQLite the second waits at ``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from evoting import db, schema
from evoting import platform_schema as ps
from evoting.deployment import DeploymentKeys
from evoting.election import parse_manifest
from participation import log
from participation.errors import InvalidInput, NotAllowed
from participation.ideas import get_idea
from participation.moderation import hide, restore
from participation.screening import add_to_shortlist, remove_from_shortlist, shortlist
from participation.vote import VoteSpec, link_election, shortlist_manifest
from services.lifecycle import set_up_election
from tests.integration.participation_world import (
    SHORTLIST,
    make_process,
    official,
    propose,
    resident,
    texts,
    tx,
)
from tests.integration.test_participation_screening import eligible

Work = Callable[[Session], object]
HELD = 0.5  # seconds the first transaction stays open once its work is done


@pytest.fixture(scope="module")
def keys() -> DeploymentKeys:
    return DeploymentKeys.generate()


def spec(**changes: Any) -> VoteSpec:
    base: dict[str, Any] = {
        "kind": "approval", "question": texts("Which projects?"),
        "web_address": "https://beslist.example.be", "municipality": "33021",
        "minimum_age": 16, "trustees": 3, "threshold": 2, "seed": "Public draw of 1 May",
        "budget": 60_000, "max_choices": 2,
    }  # fmt: skip
    return VoteSpec(**(base | changes))


def project_ids(document: dict[str, Any]) -> list[str]:
    return [p["id"] for p in document["questions"][0]["projects"]]


class World:
    """A process with three shortlisted ideas and a fourth, eligible one (``spare``)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.admin = official(engine)
        self.moderator = official(engine, "moderator")
        self.pid = make_process(engine, self.admin)
        evaluator = official(engine, "evaluator")
        ideas = [propose(engine, self.pid, resident(engine), f"Project {n}") for n in range(4)]
        for idea, cost in zip(ideas, (12_500, 30_000, 39_999, 20_000), strict=True):
            eligible(engine, evaluator, idea.id, cost)
        self.ids = [i.id for i in ideas[:3]]
        self.spare = ideas[3].id
        with tx(engine) as s:
            for n in self.ids:
                add_to_shortlist(s, self.admin, n, texts(f"Project {n}"), SHORTLIST)

    def make_vote(self, keys: DeploymentKeys, election_id: str) -> Work:
        """What the officials' "make the vote" does: manifest, election, link."""

        def work(s: Session) -> None:
            manifest = parse_manifest(
                shortlist_manifest(s, self.pid, spec(election_id=election_id))
            )
            made = set_up_election(s, manifest, keys, SHORTLIST, by=self.admin.username)
            link_election(s, self.admin, self.pid, made.id, SHORTLIST)

        return work

    def votes_logged(self) -> list[object]:
        with tx(self.engine) as s:
            log.verify_log(s, self.pid)
            entries = log.entries(s, self.pid)
        return [e.details["election"] for e in entries if e.action == "vote-created"]

    def linked(self) -> object:
        with tx(self.engine) as s:
            return s.execute(
                select(ps.processes.c.election_id).where(ps.processes.c.id == self.pid)
            ).scalar_one()


def race(engine: Engine, first: Work, second: Work) -> dict[str, str]:
    """Run ``first`` in a transaction held open `HELD` seconds before it commits, and
    ``second`` in another begun meanwhile; each one's outcome: ``committed`` or the
    name of what it raised."""
    factory = db.session_factory(engine)
    held = threading.Event()
    outcome: dict[str, str] = {}

    def run(name: str, work: Work, holds: bool) -> None:
        try:
            if not holds:
                held.wait(10)
            with db.UnitOfWork(factory) as uow:
                work(uow.session)
                if holds:
                    held.set()
                    time.sleep(HELD)
                uow.commit()
            outcome[name] = "committed"
        except Exception as exc:  # the outcome is what the test checks
            outcome[name] = type(exc).__name__
        finally:
            held.set()

    threads = [
        threading.Thread(target=run, args=("first", first, True)),
        threading.Thread(target=run, args=("second", second, False)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return outcome


def test_two_officials_making_the_vote_at_once_make_one(
    engine: Engine, keys: DeploymentKeys
) -> None:
    world = World(engine)
    outcome = race(engine, world.make_vote(keys, "vote-a"), world.make_vote(keys, "vote-b"))
    assert outcome == {"first": "committed", "second": "AlreadyExists"}
    assert world.linked() == "vote-a"
    assert world.votes_logged() == ["vote-a"]
    with tx(engine) as s:
        elections = s.execute(select(schema.elections.c.id)).scalars().all()
    assert "vote-b" not in elections


def _add(world: World) -> Work:
    return lambda s: add_to_shortlist(s, world.admin, world.spare, texts("Late"), SHORTLIST)


def _remove(world: World) -> Work:
    return lambda s: remove_from_shortlist(s, world.admin, world.ids[0], SHORTLIST)


def _hide(world: World) -> Work:
    return lambda s: hide(s, world.moderator, "personal-data", SHORTLIST, idea_id=world.ids[0])


@pytest.mark.parametrize(
    ("change", "refusal"),
    [(_add, "WrongPhase"), (_remove, "WrongPhase"), (_hide, "NotAllowed")],
    ids=["add", "remove", "hide"],
)
def test_a_shortlist_change_racing_the_vote_is_refused(
    engine: Engine,
    keys: DeploymentKeys,
    change: Callable[[World], Work],
    refusal: str,
) -> None:
    world = World(engine)
    outcome = race(engine, world.make_vote(keys, "vote-a"), change(world))
    assert outcome == {"first": "committed", "second": refusal}
    assert world.linked() == "vote-a"
    with tx(engine) as s:
        assert shortlist(s, world.pid) == world.ids  # exactly the ballot's projects
        assert get_idea(s, world.ids[0]).hidden is False
        assert get_idea(s, world.spare).status == "eligible"
    assert world.votes_logged() == ["vote-a"]


def test_hiding_a_shortlisted_idea_takes_it_off_until_the_vote_exists(
    engine: Engine, keys: DeploymentKeys
) -> None:
    world = World(engine)
    first, second, third = world.ids
    with tx(engine) as s:
        hide(s, world.moderator, "personal-data", SHORTLIST, idea_id=first)
        taken_off = get_idea(s, first)
        tail = [(e.action, e.actor, e.details) for e in log.entries(s, world.pid)[-2:]]
        projects = project_ids(shortlist_manifest(s, world.pid, spec()))
    assert (taken_off.status, taken_off.hidden) == ("eligible", True)
    assert tail[0][:2] == ("idea-hidden", world.moderator.username)
    assert tail[1] == ("idea-unshortlisted", world.moderator.username,
                       {"idea": first, "reason": "hidden"})  # fmt: skip
    assert projects == [f"idea-{second}", f"idea-{third}"]
    with tx(engine) as s, pytest.raises(NotAllowed, match="hidden"):
        add_to_shortlist(s, world.admin, first, texts("Again"), SHORTLIST)
    with tx(engine) as s:
        world.make_vote(keys, "vote-a")(s)
    with tx(engine) as s, pytest.raises(NotAllowed, match="ballot of the vote 'vote-a'"):
        hide(s, world.moderator, "personal-data", SHORTLIST, idea_id=second)
    with tx(engine) as s:
        assert (get_idea(s, second).status, get_idea(s, second).hidden) == ("shortlisted", False)
        restore(s, world.moderator, SHORTLIST, idea_id=first)
        assert get_idea(s, first).status == "eligible"  # an official would put it back


def test_a_hidden_idea_left_on_the_shortlist_stays_off_the_ballot(
    engine: Engine, keys: DeploymentKeys
) -> None:
    world = World(engine)
    first, second, third = world.ids
    with tx(engine) as s:  # hidden before hiding took an idea off the shortlist
        s.execute(update(ps.ideas).where(ps.ideas.c.id == first)
                  .values(hidden_at=SHORTLIST, hidden_reason="personal-data"))  # fmt: skip
    with tx(engine) as s:
        document = shortlist_manifest(s, world.pid, spec())
        world.make_vote(keys, "vote-a")(s)
        statuses = [get_idea(s, n).status for n in world.ids]
        actions = [(e.action, e.details.get("idea")) for e in log.entries(s, world.pid)[-2:]]
    assert project_ids(document) == [f"idea-{second}", f"idea-{third}"]
    assert statuses == ["eligible", "shortlisted", "shortlisted"]
    assert actions == [("idea-unshortlisted", first), ("vote-created", None)]


def test_an_approval_chooses_at_least_one_project(engine: Engine) -> None:
    world = World(engine)
    with tx(engine) as s:
        for wrong in (0, -1):
            with pytest.raises(InvalidInput, match="max_choices"):
                shortlist_manifest(s, world.pid, spec(max_choices=wrong))
        everything = shortlist_manifest(s, world.pid, spec(max_choices=None))
        one = shortlist_manifest(s, world.pid, spec(max_choices=1))
    assert everything["questions"][0]["max_choices"] == 3  # type: ignore[index]
    assert one["questions"][0]["max_choices"] == 1  # type: ignore[index]
