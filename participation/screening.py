"""Screening ideas against the process's criteria, merging duplicates, the shortlist.

**Screening** (evaluators, during the proposals or screening phase): an evaluator
records whether the idea is in one of the process's domains, in the general
interest, its technical / legal / financial notes (internal), the final cost
(whole euros) and the decision. ``cost_ok`` is computed, never typed: the final
cost (else the author's estimate) against the process's cap. An idea is
``eligible`` only if every criterion holds and it has a final cost; a ``refused``
idea carries a reason code (`REFUSAL_REASONS`, which the web translates) and a
public reason in each of the process's languages, shown to residents.

**Merging** a duplicate into another idea: the duplicate becomes ``merged`` (it
points to the other), its author and co-authors are credited on the other
(``idea_coauthors``), and its supports move over (a resident supporting both keeps
one); the initiative threshold is checked again.

**The shortlist**: an official puts an eligible idea on it with its title as a
project in each of the process's languages (the vote's manifest needs them), or
takes it off again until the vote is made (vote.py). A hidden idea cannot go on it,
and hiding a shortlisted idea takes it off (moderation.py).

**Locks**: the shortlist and the vote's link (``processes.election_id``) change only
under the process row's lock (`lock_process`: ``SELECT … FOR UPDATE`` on PostgreSQL;
SQLite's transactions are ``BEGIN IMMEDIATE``), taken *before* any idea's row, so that
a shortlist change cannot slip in while a vote is being made from the shortlist, nor
two officials make two votes.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from evoting import platform_schema as ps
from evoting.accounts import Official
from participation import log
from participation.errors import InvalidInput, NotAllowed, NotFound, WrongPhase, WrongStatus
from participation.fields import aware, from_json, per_language, plain, to_json, utc, whole
from participation.ideas import change_status, get_idea
from participation.initiatives import check_threshold
from participation.permissions import require_official
from participation.processes import Process, get_process, require_phase
from participation.settings import MAX_COST

REFUSAL_REASONS = ("over-cap", "out-of-domain", "not-general-interest", "not-feasible",
                   "not-legal", "not-municipal", "already-planned", "other")  # fmt: skip
NOTES = ("technical", "legal", "financial")
SCREENABLE = ("submitted", "threshold-reached", "eligible", "refused")


def lock_process(session: Session, process_id: str) -> Process:
    """The process, read under its row's lock, held until the transaction ends (the
    module docstring's **Locks**: take it before any idea's lock)."""
    found = session.execute(
        select(ps.processes.c.id).where(ps.processes.c.id == process_id).with_for_update()
    ).one_or_none()
    if found is None:
        raise NotFound("process", process_id)
    return get_process(session, process_id)


@dataclass(frozen=True, slots=True)
class Screening:
    id: int
    idea_id: int
    evaluator: str
    decision: str
    domain_ok: bool
    cost_ok: bool
    general_interest: bool
    notes: dict[str, str]
    reason_code: str
    public_reason: dict[str, str]
    final_cost: int | None
    decided_at: datetime.datetime


def screen(
    session: Session,
    official: Official,
    idea_id: int,
    *,
    decision: str,
    domain_ok: bool,
    general_interest: bool,
    final_cost: int | None,
    now: datetime.datetime,
    reason_code: str | None = None,
    public_reason: Mapping[str, str] | None = None,
    notes: Mapping[str, str] | None = None,
) -> Screening:
    require_official(official, "screen")
    aware(now)
    lock_process(session, get_idea(session, idea_id).process_id)  # the process before the idea
    idea = get_idea(session, idea_id, lock=True)
    if idea.status not in SCREENABLE:
        raise WrongStatus(idea_id, idea.status, decision, SCREENABLE)
    process = get_process(session, idea.process_id)
    require_phase(process, "screen", now)
    s = process.settings
    cost = None if final_cost is None else whole(final_cost, "final_cost", 0, MAX_COST)
    measured = cost if cost is not None else idea.estimated_cost
    cost_ok = measured is not None and (s.cost_cap is None or measured <= s.cost_cap)
    domain_ok = bool(domain_ok) and (not s.domains or idea.domain in s.domain_ids())
    kept_notes = {k: plain(v, f"notes.{k}", 5_000, multiline=True)
                  for k, v in (notes or {}).items() if v and v.strip()}  # fmt: skip
    for key in kept_notes:
        if key not in NOTES:
            raise InvalidInput(f"notes.{key}", "unknown", ", ".join(NOTES))
    if decision == "eligible":
        if cost is None:
            raise InvalidInput("final_cost", "missing", "an eligible idea has a final cost")
        for name, ok in (("domain_ok", domain_ok), ("cost_ok", cost_ok),
                         ("general_interest", general_interest)):  # fmt: skip
            if not ok:
                raise InvalidInput(name, "invalid", "an idea failing a criterion is refused")
        code = "eligible"
        reason = ({} if not public_reason else
                  per_language(public_reason, s.languages, "public_reason", 2_000))  # fmt: skip
    elif decision == "refused":
        if reason_code not in REFUSAL_REASONS:
            raise InvalidInput("reason_code", "unknown", ", ".join(REFUSAL_REASONS))
        code = reason_code
        reason = per_language(public_reason, s.languages, "public_reason", 2_000,
                              multiline=True)  # fmt: skip
    else:
        raise InvalidInput("decision", "unknown", "eligible or refused")
    change_status(session, idea, decision, now,
                  final_cost=cost if decision == "eligible" else idea.final_cost)  # fmt: skip
    session.execute(insert(ps.screenings).values(
        idea_id=idea_id, evaluator=official.username, decision=decision, domain_ok=domain_ok,
        cost_ok=cost_ok, general_interest=bool(general_interest), notes=to_json(kept_notes),
        reason_code=code, public_reason=to_json(reason), final_cost=cost, decided_at=now,
    ))  # fmt: skip
    log.append(session, idea.process_id, official.username, "idea-screened",
               {"idea": idea_id, "decision": decision, "reason": code, "public_reason": reason,
                "final_cost": cost, "domain_ok": domain_ok, "cost_ok": cost_ok,
                "general_interest": bool(general_interest)}, now)  # fmt: skip
    found = latest_screening(session, idea_id)
    assert found is not None
    return found


def latest_screening(session: Session, idea_id: int) -> Screening | None:
    """The decision in force (the last one), None if the idea was never screened."""
    t = ps.screenings
    r = session.execute(
        select(t)
        .where(t.c.idea_id == idea_id)
        .order_by(t.c.decided_at.desc(), t.c.id.desc())
        .limit(1)
    ).one_or_none()
    if r is None:
        return None
    return Screening(r.id, r.idea_id, r.evaluator, r.decision, r.domain_ok, r.cost_ok,
                     r.general_interest, from_json(r.notes), r.reason_code,
                     from_json(r.public_reason), r.final_cost, utc(r.decided_at))  # fmt: skip


def merge(
    session: Session, official: Official, duplicate_id: int, into_id: int, now: datetime.datetime
) -> None:
    """Merge ``duplicate_id`` into ``into_id``, crediting both authors (module docstring)."""
    require_official(official, "screen")
    aware(now)
    if duplicate_id == into_id:
        raise InvalidInput("into", "invalid", "an idea cannot be merged into itself")
    lock_process(session, get_idea(session, into_id).process_id)  # the process first
    first, second = sorted((duplicate_id, into_id))  # then the ideas in id order: no deadlock
    locked = {first: get_idea(session, first, lock=True),
              second: get_idea(session, second, lock=True)}  # fmt: skip
    duplicate, target = locked[duplicate_id], locked[into_id]
    if duplicate.process_id != target.process_id:
        raise InvalidInput("into", "invalid", "an idea of another process")
    if target.status not in ("submitted", "threshold-reached", "eligible"):
        raise NotAllowed("merge", "status", f"idea {into_id} is {target.status}")
    process = get_process(session, target.process_id)
    require_phase(process, "screen", now)
    change_status(session, duplicate, "merged", now, merged_into=into_id)
    c = ps.idea_coauthors
    credited = set(session.execute(select(c.c.resident_id).where(c.c.idea_id == into_id))
                   .scalars())  # fmt: skip
    theirs = session.execute(select(c.c.resident_id).where(c.c.idea_id == duplicate_id))
    for resident in [duplicate.author_id, *theirs.scalars()]:
        if resident is None or resident == target.author_id or resident in credited:
            continue
        credited.add(resident)
        session.execute(insert(c).values(idea_id=into_id, resident_id=resident,
                                         merged_from=duplicate_id))  # fmt: skip
    s = ps.supports
    already = select(s.c.resident_id).where(s.c.idea_id == into_id).scalar_subquery()
    session.execute(update(s).where(s.c.idea_id == duplicate_id, s.c.resident_id.not_in(already))
                    .values(idea_id=into_id))  # fmt: skip
    session.execute(s.delete().where(s.c.idea_id == duplicate_id))
    log.append(session, target.process_id, official.username, "ideas-merged",
               {"duplicate": duplicate_id, "into": into_id}, now)  # fmt: skip
    check_threshold(session, get_idea(session, into_id), now)


def add_to_shortlist(
    session: Session,
    official: Official,
    idea_id: int,
    project_title: Mapping[str, str],
    now: datetime.datetime,
) -> None:
    require_official(official, "run")
    aware(now)
    process = lock_process(session, get_idea(session, idea_id).process_id)
    idea = get_idea(session, idea_id, lock=True)
    require_phase(process, "shortlist", now)
    if process.election_id is not None:
        raise WrongPhase(process.id, "shortlist", "vote", ("screening", "shortlist"))
    if idea.hidden:
        raise NotAllowed("shortlist", "hidden")
    titles = per_language(project_title, process.settings.languages, "project_title", 300)
    change_status(session, idea, "shortlisted", now, project_title=to_json(titles))
    details = {"idea": idea_id, "project_title": titles, "cost": idea.final_cost}
    log.append(session, idea.process_id, official.username, "idea-shortlisted", details, now)


def remove_from_shortlist(
    session: Session, official: Official, idea_id: int, now: datetime.datetime
) -> None:
    require_official(official, "run")
    aware(now)
    process = lock_process(session, get_idea(session, idea_id).process_id)
    idea = get_idea(session, idea_id, lock=True)
    if process.election_id is not None:
        raise WrongPhase(process.id, "shortlist", "vote", ("screening", "shortlist"))
    if idea.status != "shortlisted":
        raise NotAllowed("unshortlist", "status", idea.status)
    change_status(session, idea, "eligible", now, project_title=None)
    log.append(session, idea.process_id, official.username, "idea-unshortlisted",
               {"idea": idea_id}, now)  # fmt: skip


def shortlist(session: Session, process_id: str) -> list[int]:
    """The shortlisted ideas' ids, in order."""
    i = ps.ideas
    return list(
        session.execute(
            select(i.c.id)
            .where(i.c.process_id == process_id, i.c.status == "shortlisted")
            .order_by(i.c.id)
        ).scalars()
    )
