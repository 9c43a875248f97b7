"""Moderation: hide and restore an idea or a reaction, handle residents' reports.

A hidden idea or reaction keeps its row and its status; the public page shows, in
its place, the reason (a code from `HIDE_REASONS`, which the web translates) and
the moderator's note if they wrote one (per language, as written). Every hiding,
restoring and handled report is in the process log, with the moderator's name.

**A shortlisted idea** (screening.py) is hidden only while no vote is made from the
shortlist: hiding it also takes it off the shortlist (back to ``eligible``, logged as
``idea-unshortlisted`` by the moderator), so a hidden idea never goes on a ballot;
restoring it later does not put it back (an official does). Once the vote exists its
ballot is fixed, and hiding an idea on it is refused (`NotAllowed`, reason
``status``): the moderator asks the vote's officials. Hiding an idea takes the
process row's lock first (screening.lock_process), so it cannot race the vote being
made.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, Table, select, update
from sqlalchemy.orm import Session

from evoting import platform_schema as ps
from evoting.accounts import Official
from participation import log
from participation.errors import InvalidInput, NotAllowed, NotFound
from participation.fields import aware, plain, to_json, utc
from participation.ideas import change_status, get_idea
from participation.permissions import require_official
from participation.processes import Process
from participation.reactions import get_reaction
from participation.screening import lock_process

HIDE_REASONS = ps.HIDE_REASONS


@dataclass(frozen=True, slots=True)
class Report:
    id: int
    idea_id: int | None
    reaction_id: int | None
    reporter_id: int | None
    reason: str
    note: str | None
    created_at: datetime.datetime
    handled_at: datetime.datetime | None
    handled_by: str | None
    outcome: str | None


def _target(session: Session, idea_id: int | None,
            reaction_id: int | None) -> tuple[Table, int, str, bool]:  # fmt: skip
    """(table, row id, process id, hidden now) of exactly one idea or reaction."""
    if (idea_id is None) == (reaction_id is None):
        raise InvalidInput("target", "invalid", "an idea or a reaction")
    if idea_id is not None:
        idea = get_idea(session, idea_id, lock=True)
        return ps.ideas, idea_id, idea.process_id, idea.hidden
    assert reaction_id is not None
    reaction = get_reaction(session, reaction_id, lock=True)
    process_id = get_idea(session, reaction.idea_id).process_id
    return ps.reactions, reaction_id, process_id, reaction.hidden


def _lock_process_of(session: Session, idea_id: int) -> Process:
    """The idea's process under its row lock, taken before the idea's (screening.py)."""
    return lock_process(session, get_idea(session, idea_id).process_id)


def hide(
    session: Session,
    official: Official,
    reason: str,
    now: datetime.datetime,
    *,
    idea_id: int | None = None,
    reaction_id: int | None = None,
    note: Mapping[str, str] | None = None,
) -> None:
    require_official(official, "moderate")
    aware(now)
    if reason not in HIDE_REASONS:
        raise InvalidInput("reason", "unknown", ", ".join(HIDE_REASONS))
    words = {lang: plain(text, f"note.{lang}", 1_000) for lang, text in (note or {}).items()
             if text and text.strip()}  # fmt: skip
    for lang in words:
        if lang not in ("nl", "fr", "en"):
            raise InvalidInput(f"note.{lang}", "unknown")
    process = None if idea_id is None else _lock_process_of(session, idea_id)
    table, row_id, process_id, hidden = _target(session, idea_id, reaction_id)
    if hidden:
        raise InvalidInput("target", "already-hidden")
    off_shortlist = False
    if process is not None and get_idea(session, row_id).status == "shortlisted":
        if process.election_id is not None:
            raise NotAllowed("hide", "status", f"idea {row_id} is on the ballot of the vote "
                             f"{process.election_id!r}: ask its officials")  # fmt: skip
        off_shortlist = True
    stored = to_json(words) if words else None
    session.execute(update(table).where(table.c.id == row_id).values(
        hidden_at=now, hidden_reason=reason, hidden_note=stored))  # fmt: skip
    kind = "idea" if idea_id is not None else "reaction"
    log.append(session, process_id, official.username, f"{kind}-hidden",
               {kind: row_id, "reason": reason, "note": words}, now)  # fmt: skip
    if off_shortlist:
        change_status(session, get_idea(session, row_id), "eligible", now, project_title=None)
        log.append(session, process_id, official.username, "idea-unshortlisted",
                   {"idea": row_id, "reason": "hidden"}, now)  # fmt: skip


def restore(
    session: Session,
    official: Official,
    now: datetime.datetime,
    *,
    idea_id: int | None = None,
    reaction_id: int | None = None,
) -> None:
    require_official(official, "moderate")
    aware(now)
    table, row_id, process_id, hidden = _target(session, idea_id, reaction_id)
    if not hidden:
        raise InvalidInput("target", "not-hidden")
    session.execute(update(table).where(table.c.id == row_id).values(
        hidden_at=None, hidden_reason=None, hidden_note=None))  # fmt: skip
    kind = "idea" if idea_id is not None else "reaction"
    log.append(session, process_id, official.username, f"{kind}-restored", {kind: row_id}, now)


def _report(r: Any) -> Report:
    return Report(r.id, r.idea_id, r.reaction_id, r.reporter_id, r.reason, r.note,
                  utc(r.created_at), None if r.handled_at is None else utc(r.handled_at),
                  r.handled_by, r.outcome)  # fmt: skip


def reports(session: Session, process_id: str, *, open_only: bool = True) -> list[Report]:
    """The process's reports, oldest first (only those not handled yet, by default)."""
    c, i, r = ps.content_reports, ps.ideas, ps.reactions
    idea_of = select(r.c.idea_id).where(r.c.id == c.c.reaction_id).scalar_subquery()
    in_process = select(i.c.id).where(i.c.process_id == process_id)
    query = select(c).where((c.c.idea_id.in_(in_process)) | (idea_of.in_(in_process)))
    if open_only:
        query = query.where(c.c.handled_at.is_(None))
    return [_report(row) for row in session.execute(query.order_by(c.c.created_at, c.c.id))]


def handle_report(
    session: Session,
    official: Official,
    report_id: int,
    outcome: str,
    now: datetime.datetime,
    *,
    note: Mapping[str, str] | None = None,
) -> int:
    """``hidden`` (the content is hidden, for the report's reason, unless it already is)
    or ``kept``; every open report on the same content is closed with it. Returns how
    many reports were closed."""
    require_official(official, "moderate")
    aware(now)
    c = ps.content_reports
    row = session.execute(select(c).where(c.c.id == report_id).with_for_update()).one_or_none()
    if row is None:
        raise NotFound("report", report_id)
    if row.handled_at is not None:
        raise InvalidInput("report", "already-handled")
    if outcome not in ps.REPORT_OUTCOMES:
        raise InvalidInput("outcome", "unknown", ", ".join(ps.REPORT_OUTCOMES))
    if row.idea_id is not None:
        _lock_process_of(session, row.idea_id)
    _, row_id, process_id, hidden = _target(session, row.idea_id, row.reaction_id)
    if outcome == "hidden" and not hidden:
        hide(session, official, row.reason, now, idea_id=row.idea_id,
             reaction_id=row.reaction_id, note=note)  # fmt: skip
    same = c.c.idea_id == row.idea_id if row.idea_id is not None else (
        c.c.reaction_id == row.reaction_id)  # fmt: skip
    closed = cast(CursorResult[Any], session.execute(update(c).where(
        same, c.c.handled_at.is_(None)).values(
        handled_at=now, handled_by=official.username, outcome=outcome))).rowcount  # fmt: skip
    kind = "idea" if row.idea_id is not None else "reaction"
    log.append(
        session,
        process_id,
        official.username,
        "report-handled",
        {"report": report_id, kind: row_id, "outcome": outcome, "closed": closed},
        now,
    )
    return int(closed)
