"""Processes, phases on a timeline, officials' roles and the hash-chained process log."""

from __future__ import annotations

import datetime

import pytest
from sqlalchemy import Engine, delete, update

from evoting import platform_schema as ps
from evoting.crypto.canonical import canonical_json
from participation import log
from participation.errors import AlreadyExists, InvalidInput, LogTampered, NotAllowed, PhaseError
from participation.processes import (
    PhasePlan,
    close_phase,
    create_process,
    current_phase,
    get_process,
    open_phase,
    timeline,
    what_now,
)
from tests.integration.participation_world import (
    PHASES,
    PROPOSALS,
    UTC,
    D,
    make_process,
    official,
    settings,
    texts,
    tx,
)


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    """A Brussels wall-clock time, as UTC."""
    from participation.fields import ZONE

    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=ZONE).astimezone(UTC)


def test_phases_follow_brussels_days(engine: Engine) -> None:
    pid = make_process(engine, official(engine))
    with tx(engine) as s:
        p = get_process(s, pid)
    # The proposals phase runs 1-31 March, Brussels time: 23:59 on 28 February is information.
    assert current_phase(p, at(D(2026, 2, 28), 23, 59)).kind == "information"  # type: ignore[union-attr]
    assert current_phase(p, at(D(2026, 3, 1), 0, 0)).kind == "proposals"  # type: ignore[union-attr]
    assert current_phase(p, at(D(2026, 3, 31), 23, 59)).kind == "proposals"  # type: ignore[union-attr]
    assert current_phase(p, at(D(2026, 4, 1), 0, 0)).kind == "screening"  # type: ignore[union-attr]
    assert current_phase(p, at(D(2026, 1, 1), 12)) is None
    now = what_now(p, PROPOSALS)
    assert (now.current, now.actions) == ("proposals", ("propose", "react", "support"))
    assert now.next is not None
    assert now.next.kind == "screening"
    states = [(step.phase.kind, step.state) for step in timeline(p, PROPOSALS)]
    assert states[:3] == [("information", "done"), ("proposals", "current"),
                          ("screening", "upcoming")]  # fmt: skip


def test_official_opens_early_and_closes_and_it_is_logged(engine: Engine) -> None:
    admin = official(engine)
    pid = make_process(engine, admin)
    early = PROPOSALS + datetime.timedelta(days=3)
    with tx(engine) as s:
        p = open_phase(s, admin, pid, "screening", early)
    assert current_phase(p, early + datetime.timedelta(minutes=1)).kind == "screening"  # type: ignore[union-attr]
    assert p.phase("proposals").closed_at == early  # opening screening closed proposals
    later = early + datetime.timedelta(days=1)
    with tx(engine) as s:
        p = close_phase(s, admin, pid, "screening", later)
        with pytest.raises(PhaseError, match="not-open"):
            close_phase(s, admin, pid, "screening", later)
        entries = log.entries(s, pid)
    assert current_phase(p, later + datetime.timedelta(hours=1)) is None
    assert [e.action for e in entries] == ["process-created", "phase-opened", "phase-closed"]
    assert entries[1].details == {"phase": "screening", "ends_on": "2026-04-30",
                                  "closed": ["proposals"]}  # fmt: skip
    assert entries[1].actor == admin.username


@pytest.mark.parametrize("role", ["moderator", "evaluator", "observer"])
def test_only_officials_run_processes(engine: Engine, role: str) -> None:
    admin, other = official(engine), official(engine, role)
    pid = make_process(engine, admin)
    with tx(engine) as s, pytest.raises(NotAllowed, match="role"):
        open_phase(s, other, pid, "screening", PROPOSALS)
    with tx(engine) as s, pytest.raises(NotAllowed):
        create_process(s, other, "other", texts("t"), texts("d"), "consult", settings(), PHASES,
                       PROPOSALS)  # fmt: skip


@pytest.mark.parametrize(
    ("phases", "field"),
    [
        ([PhasePlan("screening", D(2026, 1, 1), D(2026, 1, 9)),
          PhasePlan("proposals", D(2026, 2, 1), D(2026, 2, 9))], "phases"),
        ([PhasePlan("proposals", D(2026, 1, 1), D(2026, 1, 9)),
          PhasePlan("screening", D(2026, 1, 9), D(2026, 2, 9))], "phases[1].starts_on"),
        ([PhasePlan("proposals", D(2026, 1, 1), None),
          PhasePlan("screening", D(2026, 2, 1), D(2026, 2, 9))], "phases[0].ends_on"),
        ([PhasePlan("voting", D(2026, 1, 1), D(2026, 1, 9))], "phases[0].kind"),
        ([], "phases"),
    ],
)  # fmt: skip
def test_phases_in_order_without_overlap(engine: Engine, phases: list[PhasePlan],
                                         field: str) -> None:  # fmt: skip
    admin = official(engine)
    with tx(engine) as s, pytest.raises(InvalidInput) as caught:
        create_process(s, admin, "p", texts("t"), texts("d"), "consult", settings(), phases,
                       PROPOSALS)  # fmt: skip
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"proposers": "anyone"}, "settings.proposers"),
        ({"cost_cap": -1}, "settings.cost_cap"),
        ({"domains": [{"id": "Bad Id", "name": texts("x")}]}, "settings.domains[0].id"),
        ({"initiative": {"percent": 1.5, "population": 100, "starts_on": "2026-03-01",
                         "ends_on": "2026-04-01"}}, "settings.initiative.percent"),
        ({"colour": "red"}, "settings.colour"),
    ],
)  # fmt: skip
def test_settings_are_checked(engine: Engine, changes: dict[str, object], field: str) -> None:
    admin = official(engine)
    with tx(engine) as s, pytest.raises(InvalidInput) as caught:
        create_process(s, admin, "p", texts("t"), texts("d"), "consult", settings(**changes),
                       PHASES, PROPOSALS)  # fmt: skip
    assert caught.value.field == field


def test_a_process_id_is_taken_once(engine: Engine) -> None:
    admin = official(engine)
    make_process(engine, admin, "same")
    with pytest.raises(AlreadyExists):
        make_process(engine, admin, "same")


def test_log_chain_detects_tampering(engine: Engine) -> None:
    admin = official(engine)
    pid = make_process(engine, admin)
    with tx(engine) as s:
        open_phase(s, admin, pid, "screening", PROPOSALS)
        close_phase(s, admin, pid, "screening", PROPOSALS + datetime.timedelta(hours=1))
    with tx(engine) as s:
        head = log.verify_log(s, pid)
        assert head == log.entries(s, pid)[-1].entry_hash
    t = ps.process_log
    with tx(engine) as s:  # an operator rewrites who acted, in the entry and the column
        entry = log.entries(s, pid)[1]
        forged = canonical_json({"process": pid, "seq": 2, "previous": "0" * 64,
                                     "time": entry.time, "actor": "mallory", "action":
                                     entry.action, "details": entry.details})  # fmt: skip
        s.execute(update(t).where(t.c.process_id == pid, t.c.seq == 2)
                  .values(entry=forged.decode(), actor="mallory"))  # fmt: skip
        with pytest.raises(LogTampered) as caught:
            log.verify_log(s, pid)
        assert caught.value.seq == 2
        s.rollback()
    with tx(engine) as s:  # only the column changed
        s.execute(update(t).where(t.c.process_id == pid, t.c.seq == 3).values(action="x"))
        with pytest.raises(LogTampered, match="columns"):
            log.verify_log(s, pid)
        s.rollback()
    with tx(engine) as s:  # an entry removed
        s.execute(delete(t).where(t.c.process_id == pid, t.c.seq == 2))
        with pytest.raises(LogTampered, match="missing"):
            log.verify_log(s, pid)
        s.rollback()
    with tx(engine) as s:
        assert log.verify_log(s, pid) == head
