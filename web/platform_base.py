"""What the participation platform's pages share: the blueprint, the process and idea by
URL (404 when there is none, or when an idea of another process is asked for under this
process's address), the time, authors' names, and how a domain or an amount reads.

The routes are split by area: `web.platform` (the processes and the process page),
`web.platform_ideas` (an idea: reactions, supports, reports, its photo) and
`web.platform_propose` (proposing and editing an idea, with the similar-ideas check).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Blueprint, abort
from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.report_text import money
from evoting import db
from evoting.residents_schema import residents
from participation.errors import NotFound
from participation.fields import local_day
from participation.ideas import Idea, authors, get_idea
from participation.processes import Phase, Process, get_process
from participation.settings import Domain
from web import platform_words as words
from web.extensions import services
from web.i18n import current, text
from web.platform_words import _

blueprint = Blueprint("platform", __name__, url_prefix="/participate")

PER_CLIENT = "10 per minute; 60 per hour"  # proposing, editing, reacting, reporting
SUPPORTS = "30 per minute; 300 per hour"


@blueprint.context_processor
def _words() -> dict[str, object]:
    """The platform's words and forms for its templates."""
    return {
        "level_name": words.level_name,
        "level_explained": words.level_explained,
        "phase_name": words.phase_name,
        "phase_explained": words.phase_explained,
        "action_words": words.action_words,
        "status_name": words.status_name,
        "hide_reason": words.hide_reason,
        "report_reason": words.report_reason,
        "refusal_reason": words.refusal_reason,
        "supports_line": words.supports_line,
        "domain_label": domain_label,
        "domain_words": domain_words,
        "amount": amount,
    }


def now() -> datetime.datetime:
    return services().clock()


@contextmanager
def reading() -> Iterator[Session]:
    """A session for reading (no transaction kept open after the block)."""
    with services().factory() as session:
        yield session


@contextmanager
def writing() -> Iterator[Session]:
    """One transaction, committed when the block ends without an exception."""
    with db.UnitOfWork(services().factory) as uow:
        yield uow.session
        uow.commit()


def load_process(session: Session, process_id: str) -> Process:
    try:
        return get_process(session, process_id[:64])
    except NotFound:
        abort(404)


def load_idea(session: Session, process: Process, idea_id: int) -> Idea:
    """The idea, if it belongs to ``process``; else 404 (never another process's idea)."""
    try:
        idea = get_idea(session, idea_id)
    except NotFound:
        abort(404)
    if idea.process_id != process.id:
        abort(404)
    return idea


def domain_label(process: Process, domain_id: str | None) -> str:
    """A domain of the process in the page's language (as the official named it)."""
    if domain_id is None:
        return ""
    for d in process.settings.domains:
        if d.id == domain_id:
            return domain_words(d)
    return domain_id


def domain_words(domain: Domain) -> str:
    return text(domain.name) or domain.id


def amount(value: int | None) -> str:
    return "" if value is None else money(value, current())


@dataclass(frozen=True, slots=True)
class Dates:
    """A phase's first and last day as residents read them (Brussels days)."""

    first: datetime.date
    last: datetime.date | None


def phase_dates(phase: Phase) -> Dates:
    """From its first day (or the moment an official opened it) to its last day (or the
    moment an official closed it)."""
    first = local_day(phase.opened_at) if phase.opened_at is not None else phase.starts_on
    if phase.closed_at is not None:
        return Dates(first, local_day(phase.closed_at - datetime.timedelta(microseconds=1)))
    return Dates(first, phase.ends_on)


def display_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(
        select(residents.c.id, residents.c.display_name).where(residents.c.id.in_(ids))
    )
    return {r.id: r.display_name for r in rows}


def idea_authors(session: Session, idea: Idea) -> list[str]:
    """Who the idea is by, in words: its author (a former participant for a deleted
    account, the town-hall box for a paper idea), then those credited by a merge."""
    credited = authors(session, idea.id)
    names = display_names(session, set(credited))
    first: list[str] = []
    if idea.author_id is None:
        first = [
            _("an idea from the town-hall box")
            if idea.source == "paper"
            else _("a former participant")
        ]
    return first + [names.get(i, _("a former participant")) for i in credited]
