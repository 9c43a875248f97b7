"""Residents' reactions (one level of replies), supports (one per resident) and reports.

* **Reactions** need a confirmed account and a phase that allows debate
  (permissions.PHASE_ACTIONS); a reply answers a top-level reaction of the same
  idea — a reply to a reply is refused (`ReplyTooDeep`), so threads stay one deep.
* **Supports**: one per resident and idea, by the table's primary key, so two
  racing clicks make one support and the second gets `AlreadySupported`. The idea's
  row is locked first, so the initiative check that follows (initiatives.py) sees
  every support committed before it. A support keeps whether the account was
  verified then: only those count toward an initiative threshold.
* **Reports**: a resident reports an idea or a reaction once, with a reason code;
  moderators handle them (moderation.py).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from evoting import platform_schema as ps
from participation.errors import (
    AlreadyExists,
    AlreadySupported,
    InvalidInput,
    NotAllowed,
    NotFound,
    ReplyTooDeep,
)
from participation.fields import aware, from_json, language, optional, plain, utc
from participation.ideas import Idea, get_idea
from participation.initiatives import check_threshold
from participation.permissions import require_resident
from participation.processes import get_process, require_phase

SUPPORTABLE = ("submitted", "threshold-reached", "eligible")
REPORT_REASONS = ps.REPORT_REASONS


@dataclass(frozen=True, slots=True)
class Reaction:
    id: int
    idea_id: int
    parent_id: int | None
    author_id: int | None  # None: a former participant
    language: str
    text: str
    created_at: datetime.datetime
    hidden_at: datetime.datetime | None
    hidden_reason: str | None
    hidden_note: dict[str, str] | None
    replies: tuple[Reaction, ...] = ()

    @property
    def hidden(self) -> bool:
        return self.hidden_at is not None


def _reaction(r: Any, replies: tuple[Reaction, ...] = ()) -> Reaction:
    return Reaction(
        r.id, r.idea_id, r.parent_id, r.author_id, r.language, r.text, utc(r.created_at),
        None if r.hidden_at is None else utc(r.hidden_at), r.hidden_reason,
        from_json(r.hidden_note), replies,
    )  # fmt: skip


def get_reaction(session: Session, reaction_id: int, *, lock: bool = False) -> Reaction:
    query = select(ps.reactions).where(ps.reactions.c.id == reaction_id)
    if lock:
        query = query.with_for_update()
    row = session.execute(query).one_or_none()
    if row is None:
        raise NotFound("reaction", reaction_id)
    return _reaction(row)


def _open_idea(session: Session, idea_id: int, action: str, now: datetime.datetime,
               *, lock: bool = False) -> Idea:  # fmt: skip
    idea = get_idea(session, idea_id, lock=lock)
    if idea.hidden:
        raise NotAllowed(action, "hidden")
    if idea.status == "merged":
        raise NotAllowed(action, "merged", f"into idea {idea.merged_into}")
    require_phase(get_process(session, idea.process_id), action, now)
    return idea


def react(
    session: Session,
    idea_id: int,
    resident_id: int,
    text: str,
    lang: str,
    now: datetime.datetime,
    *,
    parent_id: int | None = None,
) -> Reaction:
    """A reaction to an idea, or (``parent_id``) a reply to a top-level reaction."""
    aware(now)
    _open_idea(session, idea_id, "react", now)
    require_resident(session, resident_id, "react")
    if parent_id is not None:
        parent = get_reaction(session, parent_id)
        if parent.idea_id != idea_id:
            raise InvalidInput("parent_id", "invalid", "a reaction to another idea")
        if parent.parent_id is not None:
            raise ReplyTooDeep(parent_id)
        if parent.hidden:
            raise NotAllowed("react", "hidden")
    body = plain(text, "text", 5_000, multiline=True)
    new_id = session.execute(insert(ps.reactions).values(
        idea_id=idea_id, parent_id=parent_id, author_id=resident_id, language=language(lang),
        text=body, created_at=now).returning(ps.reactions.c.id)).scalar_one()  # fmt: skip
    return get_reaction(session, int(new_id))


def reactions(session: Session, idea_id: int) -> list[Reaction]:
    """The idea's reactions, oldest first, each with its replies (hidden ones included:
    the web shows the reason in their place)."""
    t = ps.reactions
    rows = session.execute(
        select(t).where(t.c.idea_id == idea_id).order_by(t.c.created_at, t.c.id)
    ).all()
    replies: dict[int, list[Reaction]] = {}
    for row in rows:
        if row.parent_id is not None:
            replies.setdefault(row.parent_id, []).append(_reaction(row))
    return [_reaction(row, tuple(replies.get(row.id, ()))) for row in rows
            if row.parent_id is None]  # fmt: skip


def support(session: Session, idea_id: int, resident_id: int, now: datetime.datetime) -> Idea:
    """Support the idea (once); returns it with its new count and, should this support
    have reached the initiative threshold, its new status."""
    aware(now)
    idea = _open_idea(session, idea_id, "support", now, lock=True)
    if idea.status not in SUPPORTABLE:
        raise NotAllowed("support", "status", idea.status)
    resident = require_resident(session, resident_id, "support")
    try:
        with session.begin_nested():
            session.execute(insert(ps.supports).values(
                idea_id=idea_id, resident_id=resident_id, created_at=now,
                verified=resident.verified))  # fmt: skip
    except IntegrityError as exc:
        raise AlreadySupported(idea_id, resident_id) from exc
    check_threshold(session, idea, now)
    return get_idea(session, idea_id)


def supported(session: Session, idea_id: int, resident_id: int) -> bool:
    s = ps.supports
    return (
        session.execute(
            select(s.c.idea_id).where(s.c.idea_id == idea_id, s.c.resident_id == resident_id)
        ).first()
        is not None
    )


def report(
    session: Session,
    resident_id: int,
    reason: str,
    now: datetime.datetime,
    *,
    idea_id: int | None = None,
    reaction_id: int | None = None,
    note: str | None = None,
) -> int:
    """Report an idea or a reaction (exactly one) to the moderators; the report's id."""
    aware(now)
    if (idea_id is None) == (reaction_id is None):
        raise InvalidInput("target", "invalid", "an idea or a reaction")
    if reason not in REPORT_REASONS:
        raise InvalidInput("reason", "unknown", ", ".join(REPORT_REASONS))
    require_resident(session, resident_id, "report")
    if idea_id is not None:
        get_idea(session, idea_id)
    else:
        assert reaction_id is not None
        get_reaction(session, reaction_id)
    try:
        with session.begin_nested():
            new_id = session.execute(insert(ps.content_reports).values(
                idea_id=idea_id, reaction_id=reaction_id, reporter_id=resident_id,
                reason=reason, note=optional(note, "note", 2_000), created_at=now,
            ).returning(ps.content_reports.c.id)).scalar_one()  # fmt: skip
    except IntegrityError as exc:
        raise AlreadyExists("report", idea_id or reaction_id) from exc
    return int(new_id)
