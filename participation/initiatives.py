"""Initiatives: an idea that enough verified residents support within the period gets an
answer from the council.

The threshold is an absolute number of supports or a share of the population
(participation/settings.py; the CitizenLab guide suggests 1–2 %). **What counts**:
supports by accounts that were verified when they supported (``supports.verified``,
kept at support time: verifying later does not make an old support count, and the
figure a reached threshold was measured on cannot shift afterwards), given within
the period (from its first day's midnight to the midnight after its last day,
Brussels time).

The check runs in the transaction that adds a support (or merges supports in),
under the idea's row lock, so two racing supports cannot both miss the threshold
or both record it. When reached: an ``initiative_answers`` row with the count, the
threshold and the day the answer is due, the idea's status becomes
``threshold-reached`` if it was still ``submitted``, and the process log says so.
A support withdrawn or deleted afterwards does not undo it.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.orm import Session

from evoting import platform_schema as ps
from evoting.accounts import Official
from participation import log
from participation.errors import AlreadyExists, NotFound
from participation.fields import aware, from_json, local_day, per_language, to_json, utc
from participation.ideas import Idea, change_status, get_idea
from participation.permissions import require_official
from participation.processes import get_process
from participation.settings import Initiative


@dataclass(frozen=True, slots=True)
class Progress:
    """For the idea page's bar: verified supports counted, the threshold, the share
    reached in whole percent (at most 100), and the answer's due day and text."""

    supports: int
    threshold: int
    percent: int
    reached: bool
    answer_due: datetime.date | None
    answer: dict[str, str] | None
    answered_at: datetime.datetime | None


def counted_supports(session: Session, idea_id: int, initiative: Initiative) -> int:
    s = ps.supports
    return int(session.execute(
        select(func.count()).select_from(s).where(and_(
            s.c.idea_id == idea_id, s.c.verified.is_(True),
            s.c.created_at >= initiative.period_start, s.c.created_at < initiative.period_end))
    ).scalar_one())  # fmt: skip


def check_threshold(session: Session, idea: Idea, now: datetime.datetime) -> bool:
    """Record the threshold reached if it is (``idea`` read under its row lock); True if
    this call recorded it."""
    aware(now)
    initiative = get_process(session, idea.process_id).settings.initiative
    if initiative is None or not initiative.within(now):
        return False
    a = ps.initiative_answers
    if session.execute(select(a.c.idea_id).where(a.c.idea_id == idea.id)).first() is not None:
        return False
    count = counted_supports(session, idea.id, initiative)
    if count < initiative.threshold:
        return False
    due = local_day(now) + datetime.timedelta(days=initiative.answer_within_days)
    session.execute(insert(a).values(idea_id=idea.id, reached_at=now, supports=count,
                                     threshold=initiative.threshold, answer_due=due))  # fmt: skip
    if idea.status == "submitted":
        change_status(session, idea, "threshold-reached", now)
    log.append(session, idea.process_id, log.SYSTEM, "initiative-threshold-reached",
               {"idea": idea.id, "supports": count, "threshold": initiative.threshold,
                "answer_due": due.isoformat()}, now)  # fmt: skip
    return True


def progress(session: Session, idea_id: int) -> Progress | None:
    """None if the idea's process has no initiative threshold."""
    idea = get_idea(session, idea_id)
    initiative = get_process(session, idea.process_id).settings.initiative
    if initiative is None:
        return None
    a = ps.initiative_answers
    row = session.execute(select(a).where(a.c.idea_id == idea_id)).one_or_none()
    count = counted_supports(session, idea_id, initiative)
    threshold = initiative.threshold if row is None else row.threshold
    percent = min(100, count * 100 // threshold)
    if row is None:
        return Progress(count, threshold, percent, False, None, None, None)
    return Progress(max(count, row.supports), threshold, 100, True,
                    row.answer_due, from_json(row.answer),
                    None if row.answered_at is None else utc(row.answered_at))  # fmt: skip


def record_answer(
    session: Session,
    official: Official,
    idea_id: int,
    answer: Mapping[str, str],
    now: datetime.datetime,
) -> None:
    """The council's answer, in each of the process's languages (once)."""
    require_official(official, "run")
    aware(now)
    idea = get_idea(session, idea_id, lock=True)
    process = get_process(session, idea.process_id)
    text = per_language(answer, process.settings.languages, "answer", 20_000, multiline=True)
    a = ps.initiative_answers
    row = session.execute(select(a).where(a.c.idea_id == idea_id)).one_or_none()
    if row is None:
        raise NotFound("initiative", idea_id)
    if row.answer is not None:
        raise AlreadyExists("answer to initiative", idea_id)
    session.execute(update(a).where(a.c.idea_id == idea_id).values(
        answer=to_json(text), answered_at=now, answered_by=official.username))  # fmt: skip
    log.append(session, idea.process_id, official.username, "initiative-answered",
               {"idea": idea_id, "answer": text,
                "late": local_day(now) > row.answer_due}, now)  # fmt: skip


def unanswered(session: Session, process_id: str) -> list[tuple[int, datetime.date]]:
    """Ideas waiting for the council's answer, with their due day, soonest first."""
    a, i = ps.initiative_answers, ps.ideas
    rows = session.execute(
        select(a.c.idea_id, a.c.answer_due).join(i, i.c.id == a.c.idea_id)
        .where(i.c.process_id == process_id, a.c.answer.is_(None))
        .order_by(a.c.answer_due, a.c.idea_id)
    )  # fmt: skip
    return [(r.idea_id, r.answer_due) for r in rows]
