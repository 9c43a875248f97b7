"""The participation platform's parts of a resident's data download (GDPR art. 15 and 20).

Each function takes the caller's `Session` and a resident's id and returns a
JSON-ready list of what that resident contributed, oldest first: only rows where the
account is the author, co-author, supporter or reporter, never another resident's
name, id or report. `SECTIONS` maps the download's keys to them, in order; the web
layer passes it to `participation.residents.export_data` (web/accounts_session.py).

Nothing here writes. Times are ISO 8601 in UTC. An idea or reaction hidden by a
moderator is exported with ``hidden: true`` (it is still the resident's text); the
moderators' notes, the officials' names and other residents' reports are not.
"""

from __future__ import annotations

import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from evoting.platform_schema import content_reports, idea_coauthors, ideas, reactions, supports
from participation.fields import utc
from participation.residents import ExportSection

Rows = list[dict[str, object]]


def _when(moment: datetime.datetime | None) -> str | None:
    return None if moment is None else utc(moment).isoformat()


def own_ideas(session: Session, resident_id: int) -> Rows:
    """The ideas the resident wrote."""
    i = ideas.c
    rows = session.execute(
        select(
            i.id,
            i.process_id,
            i.language,
            i.title,
            i.text,
            i.domain,
            i.estimated_cost,
            i.district,
            i.address,
            i.status,
            i.merged_into,
            i.created_at,
            i.updated_at,
            i.hidden_at,
        )
        .where(i.author_id == resident_id)
        .order_by(i.created_at, i.id)
    )
    return [
        {
            "id": r.id,
            "process": r.process_id,
            "language": r.language,
            "title": r.title,
            "text": r.text,
            "domain": r.domain,
            "estimated_cost": r.estimated_cost,
            "district": r.district,
            "address": r.address,
            "status": r.status,
            "merged_into": r.merged_into,
            "created_at": _when(r.created_at),
            "updated_at": _when(r.updated_at),
            "hidden": r.hidden_at is not None,
        }
        for r in rows
    ]


def co_authored_ideas(session: Session, resident_id: int) -> Rows:
    """The ideas the resident is credited on because their own idea was merged into them."""
    i, c = ideas.c, idea_coauthors.c
    rows = session.execute(
        select(i.id, i.process_id, i.title, i.status, i.created_at, c.merged_from)
        .join(idea_coauthors, c.idea_id == i.id)
        .where(c.resident_id == resident_id)
        .order_by(i.created_at, i.id)
    )
    return [
        {
            "id": r.id,
            "process": r.process_id,
            "title": r.title,
            "status": r.status,
            "created_at": _when(r.created_at),
            "merged_from": r.merged_from,
        }
        for r in rows
    ]


def own_reactions(session: Session, resident_id: int) -> Rows:
    """The reactions and replies the resident wrote."""
    r = reactions.c
    rows = session.execute(
        select(r.id, r.idea_id, r.parent_id, r.language, r.text, r.created_at, r.hidden_at)
        .where(r.author_id == resident_id)
        .order_by(r.created_at, r.id)
    )
    return [
        {
            "id": x.id,
            "idea": x.idea_id,
            "reply_to": x.parent_id,
            "language": x.language,
            "text": x.text,
            "created_at": _when(x.created_at),
            "hidden": x.hidden_at is not None,
        }
        for x in rows
    ]


def own_supports(session: Session, resident_id: int) -> Rows:
    """The ideas the resident supported; ``counted``: the account was verified then (an
    initiative's threshold counts only those)."""
    s = supports.c
    rows = session.execute(
        select(s.idea_id, s.created_at, s.verified)
        .where(s.resident_id == resident_id)
        .order_by(s.created_at, s.idea_id)
    )
    return [
        {"idea": x.idea_id, "created_at": _when(x.created_at), "counted": bool(x.verified)}
        for x in rows
    ]


def own_reports(session: Session, resident_id: int) -> Rows:
    """The ideas and reactions the resident reported to the moderators."""
    c = content_reports.c
    rows = session.execute(
        select(c.id, c.idea_id, c.reaction_id, c.reason, c.note, c.created_at, c.handled_at)
        .where(c.reporter_id == resident_id)
        .order_by(c.created_at, c.id)
    )
    return [
        {
            "id": x.id,
            "idea": x.idea_id,
            "reaction": x.reaction_id,
            "reason": x.reason,
            "note": x.note,
            "created_at": _when(x.created_at),
            "handled": x.handled_at is not None,
        }
        for x in rows
    ]


SECTIONS: dict[str, ExportSection] = {
    "ideas": own_ideas,
    "co_authored_ideas": co_authored_ideas,
    "reactions": own_reactions,
    "supports": own_supports,
    "reports": own_reports,
}
"""The download's sections after ``account``, in order."""
