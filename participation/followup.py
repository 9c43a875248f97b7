"""After the vote: each shortlisted idea's result, then its follow-up with dated updates.

`record_results` reads the tallied election's result (``tallies.result``, the
canonical JSON the tally stored; or a result given as a mapping, from a published
bundle's result.json): each project ``idea-<id>`` whose status is ``elected`` or
``funded`` (tally/winners.py) becomes ``selected``, every other ``not-selected``,
each with a first update (author ``system``, no text). Then officials post updates
in each of the process's languages: ``in-progress`` (as often as there is news) and
``done``.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from evoting import platform_schema as ps
from evoting import schema
from evoting.accounts import Official
from participation import log
from participation.errors import InvalidInput, NotFound, ShortlistError
from participation.fields import aware, from_json, per_language, to_json, utc
from participation.ideas import change_status, get_idea
from participation.permissions import require_official
from participation.processes import get_process
from participation.vote import idea_of_project

WINNING = ("elected", "funded")


@dataclass(frozen=True, slots=True)
class Update:
    id: int
    idea_id: int
    status: str
    text: dict[str, str] | None
    created_at: datetime.datetime
    author: str


def _tallied_result(session: Session, election_id: str) -> Mapping[str, Any]:
    t = schema.tallies
    stored = session.execute(select(t.c.result).where(t.c.election_id == election_id)).scalar()
    if stored is None:
        raise NotFound("tallied result of election", election_id)
    return dict(json.loads(stored))


def _statuses(result: Mapping[str, Any]) -> dict[int, str]:
    """idea id → selected / not-selected, from the result's project question."""
    out: dict[int, str] = {}
    for question in result.get("questions", ()):
        for decision in question.get("explanation", ()) if isinstance(question, dict) else ():
            idea = idea_of_project(str(decision.get("project")))
            if idea is None:
                continue
            out[idea] = "selected" if decision.get("status") in WINNING else "not-selected"
    return out


def record_results(
    session: Session,
    official: Official,
    process_id: str,
    now: datetime.datetime,
    *,
    result: Mapping[str, Any] | None = None,
) -> dict[int, str]:
    """Each shortlisted idea's result (see the module docstring); idea id → status."""
    require_official(official, "run")
    aware(now)
    process = get_process(session, process_id)
    if process.election_id is None:
        raise ShortlistError(process_id, ["no vote was made from the shortlist"])
    statuses = _statuses(result if result is not None
                         else _tallied_result(session, process.election_id))  # fmt: skip
    i = ps.ideas
    shortlisted = set(session.execute(select(i.c.id).where(
        i.c.process_id == process_id, i.c.status == "shortlisted")).scalars())  # fmt: skip
    if set(statuses) != shortlisted:
        raise ShortlistError(process_id, [f"the result names ideas {sorted(statuses)}, the "
                                          f"shortlist holds {sorted(shortlisted)}"])  # fmt: skip
    for idea_id in sorted(statuses):
        change_status(session, get_idea(session, idea_id, lock=True), statuses[idea_id], now)
        session.execute(insert(ps.idea_updates).values(
            idea_id=idea_id, status=statuses[idea_id], text=None, created_at=now,
            author=log.SYSTEM))  # fmt: skip
    log.append(session, process_id, official.username, "results-recorded",
               {"election": process.election_id,
                "ideas": {str(k): v for k, v in sorted(statuses.items())}}, now)  # fmt: skip
    return statuses


def post_update(
    session: Session,
    official: Official,
    idea_id: int,
    status: str,
    text: Mapping[str, str],
    now: datetime.datetime,
) -> None:
    """A dated public update of a selected idea: ``in-progress`` or ``done``."""
    require_official(official, "run")
    aware(now)
    if status not in ("in-progress", "done"):
        raise InvalidInput("status", "unknown", "in-progress or done")
    idea = get_idea(session, idea_id, lock=True)
    languages = get_process(session, idea.process_id).settings.languages
    words = per_language(text, languages, "text", 5_000, multiline=True)
    change_status(session, idea, status, now)
    session.execute(insert(ps.idea_updates).values(
        idea_id=idea_id, status=status, text=to_json(words), created_at=now,
        author=official.username))  # fmt: skip
    log.append(session, idea.process_id, official.username, "idea-updated",
               {"idea": idea_id, "status": status, "text": words}, now)  # fmt: skip


def updates(session: Session, idea_id: int) -> list[Update]:
    """The idea's follow-up, oldest first."""
    u = ps.idea_updates
    rows = session.execute(select(u).where(u.c.idea_id == idea_id).order_by(u.c.created_at, u.c.id))
    return [Update(r.id, r.idea_id, r.status, from_json(r.text), utc(r.created_at), r.author)
            for r in rows]  # fmt: skip
