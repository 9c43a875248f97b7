"""Participatory processes and their phases on a timeline.

A process has a title and a description per language, a participation level
(inform, consult, co-produce, co-decide), settings (participation/settings.py) and
phases: any subset of information, proposals, screening, shortlist, vote,
results, follow-up, **in that order**, each with a first and a last day (Brussels
calendar days, both included; only the last phase may be open-ended), each phase
starting after the one before ends.

**Which phase is open.** A phase runs from its first day's midnight (Brussels) to
the midnight after its last day, unless an official opened it earlier
(``opened_at``) or closed it earlier (``closed_at``): those override the dates.
Opening a phase closes every earlier phase still open, so at most one phase is
open, and the current phase is that one (or none: between phases). Every opening
and closing is recorded in the process log.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from evoting import platform_schema as ps
from evoting.accounts import Official
from participation import log
from participation.errors import AlreadyExists, InvalidInput, NotFound, PhaseError, WrongPhase
from participation.fields import aware, day_start, from_json, per_language, to_json, utc
from participation.permissions import PHASE_ACTIONS, require_official, resident_actions
from participation.settings import Settings, identifier, read_settings

PHASE_KINDS = ps.PHASE_KINDS
LEVELS = ps.PARTICIPATION_LEVELS


@dataclass(frozen=True, slots=True)
class PhasePlan:
    """A phase as an official plans it."""

    kind: str
    starts_on: datetime.date
    ends_on: datetime.date | None


@dataclass(frozen=True, slots=True)
class Phase:
    kind: str
    position: int
    starts_on: datetime.date
    ends_on: datetime.date | None
    opened_at: datetime.datetime | None
    closed_at: datetime.datetime | None

    @property
    def start(self) -> datetime.datetime:
        return self.opened_at if self.opened_at is not None else day_start(self.starts_on)

    @property
    def end(self) -> datetime.datetime | None:
        """When it closes (None: never, an open-ended last phase)."""
        if self.closed_at is not None:
            return self.closed_at
        if self.ends_on is None:
            return None
        return day_start(self.ends_on + datetime.timedelta(days=1))

    def is_open(self, now: datetime.datetime) -> bool:
        end = self.end
        return self.start <= now and (end is None or now < end)


@dataclass(frozen=True, slots=True)
class Process:
    id: str
    title: Mapping[str, str]
    description: Mapping[str, str]
    level: str
    settings: Settings
    election_id: str | None
    created_at: datetime.datetime
    phases: tuple[Phase, ...]

    def phase(self, kind: str) -> Phase:
        for p in self.phases:
            if p.kind == kind:
                return p
        raise NotFound("phase", f"{self.id}/{kind}")


@dataclass(frozen=True, slots=True)
class TimelineStep:
    phase: Phase
    state: str  # done, current, upcoming


@dataclass(frozen=True, slots=True)
class Now:
    """What the public process page says now: the current phase (None: between phases),
    what residents can do (codes), and the next phase (None: none to come)."""

    current: str | None
    actions: tuple[str, ...]
    next: Phase | None


def _check_phases(plans: Sequence[PhasePlan]) -> None:
    if not plans:
        raise InvalidInput("phases", "missing", "at least one phase")
    positions = []
    for i, p in enumerate(plans):
        if p.kind not in PHASE_KINDS:
            raise InvalidInput(f"phases[{i}].kind", "unknown", ", ".join(PHASE_KINDS))
        positions.append(PHASE_KINDS.index(p.kind))
        if p.ends_on is not None and p.ends_on < p.starts_on:
            raise InvalidInput(f"phases[{i}].ends_on", "invalid", "before its first day")
        if p.ends_on is None and i != len(plans) - 1:
            raise InvalidInput(f"phases[{i}].ends_on", "missing", "only the last is open-ended")
    if positions != sorted(set(positions)):
        raise InvalidInput("phases", "invalid", f"each at most once, in the order {PHASE_KINDS}")
    for i in range(1, len(plans)):
        before = plans[i - 1].ends_on
        assert before is not None
        if plans[i].starts_on <= before:
            raise InvalidInput(f"phases[{i}].starts_on", "invalid", "the phase before is not over")


def create_process(
    session: Session,
    official: Official,
    process_id: str,
    title: Mapping[str, str],
    description: Mapping[str, str],
    level: str,
    settings: Mapping[str, object],
    phases: Sequence[PhasePlan],
    now: datetime.datetime,
) -> Process:
    require_official(official, "run")
    aware(now)
    identifier(process_id, "id")
    parsed = read_settings(settings)
    titles = per_language(title, parsed.languages, "title", 300)
    descriptions = per_language(description, parsed.languages, "description", 20_000,
                                multiline=True)  # fmt: skip
    if level not in LEVELS:
        raise InvalidInput("level", "unknown", ", ".join(LEVELS))
    _check_phases(phases)
    try:
        with session.begin_nested():
            session.execute(insert(ps.processes).values(
                id=process_id, title=to_json(titles), description=to_json(descriptions),
                level=level, settings=to_json(parsed.to_json()), created_at=now,
                created_by=official.username))  # fmt: skip
    except IntegrityError as exc:
        raise AlreadyExists("process", process_id) from exc
    for position, p in enumerate(phases, start=1):
        session.execute(insert(ps.process_phases).values(
            process_id=process_id, position=position, kind=p.kind, starts_on=p.starts_on,
            ends_on=p.ends_on))  # fmt: skip
    plan = [{"kind": p.kind, "starts_on": p.starts_on.isoformat(),
             "ends_on": None if p.ends_on is None else p.ends_on.isoformat()}
            for p in phases]  # fmt: skip
    log.append(session, process_id, official.username, "process-created",
               {"title": titles, "level": level, "settings": parsed.to_json(), "phases": plan},
               now)  # fmt: skip
    return get_process(session, process_id)


def get_process(session: Session, process_id: str) -> Process:
    row = session.execute(select(ps.processes).where(ps.processes.c.id == process_id)).one_or_none()
    if row is None:
        raise NotFound("process", process_id)
    t = ps.process_phases
    phases = tuple(
        Phase(
            r.kind,
            r.position,
            r.starts_on,
            r.ends_on,
            None if r.opened_at is None else utc(r.opened_at),
            None if r.closed_at is None else utc(r.closed_at),
        )
        for r in session.execute(
            select(t).where(t.c.process_id == process_id).order_by(t.c.position)
        )
    )
    return Process(row.id, from_json(row.title), from_json(row.description), row.level,
                   read_settings(from_json(row.settings)), row.election_id,
                   utc(row.created_at), phases)  # fmt: skip


def list_processes(session: Session) -> list[Process]:
    """Every process, newest first."""
    ids = session.execute(
        select(ps.processes.c.id).order_by(ps.processes.c.created_at.desc(), ps.processes.c.id)
    ).scalars()
    return [get_process(session, i) for i in ids]


def current_phase(process: Process, now: datetime.datetime) -> Phase | None:
    """The open phase (the last one, should dates and actions ever leave two open)."""
    aware(now)
    open_now = [p for p in process.phases if p.is_open(now)]
    return open_now[-1] if open_now else None


def timeline(process: Process, now: datetime.datetime) -> list[TimelineStep]:
    current = current_phase(process, now)
    steps = []
    for p in process.phases:
        end = p.end
        if current is not None and p.kind == current.kind:
            state = "current"
        elif (end is not None and end <= now) or (
            current is not None and p.position < current.position
        ):
            state = "done"
        else:
            state = "upcoming"
        steps.append(TimelineStep(p, state))
    return steps


def what_now(process: Process, now: datetime.datetime) -> Now:
    current = current_phase(process, now)
    upcoming = [s.phase for s in timeline(process, now) if s.state == "upcoming"]
    kind = None if current is None else current.kind
    return Now(kind, resident_actions(kind), upcoming[0] if upcoming else None)


def require_phase(process: Process, action: str, now: datetime.datetime) -> Phase:
    """The current phase, if it allows ``action`` (permissions.PHASE_ACTIONS)."""
    allowed = PHASE_ACTIONS[action]
    current = current_phase(process, now)
    if current is None or current.kind not in allowed:
        raise WrongPhase(process.id, action, None if current is None else current.kind, allowed)
    return current


def _lock(session: Session, process_id: str) -> Process:
    found = session.execute(
        select(ps.processes.c.id).where(ps.processes.c.id == process_id).with_for_update()
    ).one_or_none()
    if found is None:
        raise NotFound("process", process_id)
    return get_process(session, process_id)


def open_phase(
    session: Session,
    official: Official,
    process_id: str,
    kind: str,
    now: datetime.datetime,
    *,
    until: datetime.date | None = None,
) -> Process:
    """Open ``kind`` now (and, with ``until``, set its last day); earlier open phases close."""
    require_official(official, "run")
    aware(now)
    process = _lock(session, process_id)
    phase = process.phase(kind)
    if phase.is_open(now):
        raise PhaseError(process_id, kind, "already-open")
    ends_on = phase.ends_on if until is None else until
    if until is not None and until < phase.starts_on:
        raise PhaseError(process_id, kind, "invalid-end", "before its first day")
    if ends_on is not None and day_start(ends_on + datetime.timedelta(days=1)) <= now:
        raise PhaseError(process_id, kind, "ends-in-past", "give a later last day")
    t = ps.process_phases
    closed = [p.kind for p in process.phases if p.position < phase.position and p.is_open(now)]
    if closed:
        session.execute(update(t).where(t.c.process_id == process_id, t.c.kind.in_(closed))
                        .values(closed_at=now))  # fmt: skip
    session.execute(update(t).where(t.c.process_id == process_id, t.c.kind == kind)
                    .values(opened_at=now, closed_at=None, ends_on=ends_on))  # fmt: skip
    log.append(session, process_id, official.username, "phase-opened",
               {"phase": kind, "ends_on": None if ends_on is None else ends_on.isoformat(),
                "closed": closed}, now)  # fmt: skip
    return get_process(session, process_id)


def close_phase(
    session: Session, official: Official, process_id: str, kind: str, now: datetime.datetime
) -> Process:
    """Close ``kind`` now, before its last day is over."""
    require_official(official, "run")
    aware(now)
    process = _lock(session, process_id)
    if not process.phase(kind).is_open(now):
        raise PhaseError(process_id, kind, "not-open")
    t = ps.process_phases
    session.execute(update(t).where(t.c.process_id == process_id, t.c.kind == kind)
                    .values(closed_at=now))  # fmt: skip
    log.append(session, process_id, official.username, "phase-closed", {"phase": kind}, now)
    return get_process(session, process_id)
