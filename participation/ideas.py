"""Ideas: proposed by residents online or entered from paper by officials, edited by their
author until screening, listed, sorted, filtered and searched.

**The state machine** (``ideas.status``; every change by an official or the system
is logged in the process log):

==================  ===================================  ==============================
from                to                                   by
==================  ===================================  ==============================
(new)               submitted                            a resident, or an official
                                                         (paper)
submitted           threshold-reached                    the system: enough verified
                                                         supports (initiatives.py)
submitted,          eligible | refused                   an evaluator (screening.py);
threshold-reached,                                       a screened idea can be
eligible, refused                                        screened again
submitted,          merged (into another idea)           an evaluator (screening.py)
threshold-reached,
eligible, refused
eligible            shortlisted                          an official (screening.py)
shortlisted         eligible                             an official, before the vote
                                                         is made
shortlisted         selected | not-selected              the vote's result
                                                         (followup.py)
selected            in-progress | done                   an official (followup.py)
in-progress         done                                 an official (followup.py)
==================  ===================================  ==============================

Hiding is not a status: a moderator hides and restores an idea (moderation.py)
whatever its status, which it keeps.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import BigInteger, Select, and_, cast, func, insert, literal, or_, select, update
from sqlalchemy.orm import Session

from evoting import platform_schema as ps
from evoting.accounts import Official
from participation import log
from participation.errors import InvalidInput, NotAllowed, NotFound, WrongStatus
from participation.fields import aware, from_json, language, optional, plain, utc, whole
from participation.permissions import require_official, require_resident
from participation.photos import Photo, clean_photo
from participation.processes import Process, get_process, require_phase
from participation.settings import MAX_COST

STATUSES = ps.IDEA_STATUSES
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "threshold-reached": ("submitted",),
    "eligible": ("submitted", "threshold-reached", "eligible", "refused", "shortlisted"),
    "refused": ("submitted", "threshold-reached", "eligible", "refused"),
    "merged": ("submitted", "threshold-reached", "eligible", "refused"),
    "shortlisted": ("eligible",),
    "selected": ("shortlisted",),
    "not-selected": ("shortlisted",),
    "in-progress": ("selected", "in-progress"),
    "done": ("selected", "in-progress"),
}
EDITABLE = ("submitted", "threshold-reached")
SORTS = ("newest", "supported", "random")
MAX_PAGE = 100
_RANDOM_M = 2_147_483_647  # a prime: id ↦ id × m mod M is a permutation for 0 < m < M


@dataclass(frozen=True, slots=True)
class Draft:
    """What a resident (or an official, from paper) writes."""

    title: str
    text: str
    language: str
    domain: str | None = None
    estimated_cost: int | None = None  # whole euros
    district: str | None = None
    address: str | None = None


@dataclass(frozen=True, slots=True)
class Idea:
    id: int
    process_id: str
    author_id: int | None  # None: a paper idea, or a former participant
    source: str
    entered_by: str | None
    language: str
    title: str
    text: str
    domain: str | None
    estimated_cost: int | None
    final_cost: int | None
    district: str | None
    address: str | None
    status: str
    merged_into: int | None
    project_title: dict[str, str] | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    hidden_at: datetime.datetime | None
    hidden_reason: str | None
    hidden_note: dict[str, str] | None
    supports: int = 0

    @property
    def hidden(self) -> bool:
        return self.hidden_at is not None


@dataclass(frozen=True, slots=True)
class Page:
    ideas: list[Idea]
    total: int
    filters: dict[str, Any] = field(default_factory=dict)


def _multiplier(seed: int) -> int:
    """The random order's multiplier for ``seed``: from a hash, so near seeds give unrelated
    orders."""
    digest = hashlib.sha256(f"EVOTING-V1-idea-order:{seed}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % (_RANDOM_M - 1) + 1


def _idea(row: Any, supports: int = 0) -> Idea:
    return Idea(
        row.id, row.process_id, row.author_id, row.source, row.entered_by, row.language,
        row.title, row.text, row.domain, row.estimated_cost, row.final_cost, row.district,
        row.address, row.status, row.merged_into, from_json(row.project_title),
        utc(row.created_at), utc(row.updated_at),
        None if row.hidden_at is None else utc(row.hidden_at), row.hidden_reason,
        from_json(row.hidden_note), supports,
    )  # fmt: skip


def _support_counts() -> Any:
    s = ps.supports
    return (select(s.c.idea_id, func.count().label("n")).group_by(s.c.idea_id)
            .subquery("support_counts"))  # fmt: skip


def get_idea(session: Session, idea_id: int, *, lock: bool = False) -> Idea:
    """The idea with its support count; its row locked until the transaction ends if ``lock``."""
    query = select(ps.ideas).where(ps.ideas.c.id == idea_id)
    if lock:
        query = query.with_for_update()
    row = session.execute(query).one_or_none()
    if row is None:
        raise NotFound("idea", idea_id)
    n = session.execute(
        select(func.count()).select_from(ps.supports).where(ps.supports.c.idea_id == idea_id)
    ).scalar_one()
    return _idea(row, n)


def check_draft(process: Process, draft: Draft) -> Draft:
    """The draft with its texts stripped, every field checked against the process."""
    s = process.settings
    domain = optional(draft.domain, "domain", 64)
    if s.domains and domain is None:
        raise InvalidInput("domain", "missing", "pick one of the process's domains")
    if domain is not None and domain not in s.domain_ids():
        raise InvalidInput("domain", "unknown", ", ".join(s.domain_ids()))
    district = optional(draft.district, "district", 64)
    if district is not None and s.districts and district not in s.districts:
        raise InvalidInput("district", "unknown", ", ".join(s.districts))
    cost = None
    if draft.estimated_cost is not None:
        cost = whole(draft.estimated_cost, "estimated_cost", 0, MAX_COST)
    return Draft(plain(draft.title, "title", 150, minimum=3),
                 plain(draft.text, "text", 10_000, minimum=10, multiline=True),
                 language(draft.language), domain, cost, district,
                 optional(draft.address, "address", 200))  # fmt: skip


def _store_photo(session: Session, idea_id: int, photo: Photo) -> None:
    t = ps.idea_photos
    session.execute(t.delete().where(t.c.idea_id == idea_id))
    session.execute(insert(t).values(idea_id=idea_id, media_type=photo.media_type,
                                     data=photo.data, width=photo.width, height=photo.height,
                                     sha256=photo.sha256))  # fmt: skip


def _insert(session: Session, process: Process, draft: Draft, now: datetime.datetime,
            author_id: int | None, entered_by: str | None) -> int:  # fmt: skip
    d = check_draft(process, draft)
    return int(session.execute(insert(ps.ideas).values(
        process_id=process.id, author_id=author_id,
        source="online" if entered_by is None else "paper", entered_by=entered_by,
        language=d.language, title=d.title, text=d.text, domain=d.domain,
        estimated_cost=d.estimated_cost, district=d.district, address=d.address,
        status="submitted", created_at=now, updated_at=now,
    ).returning(ps.ideas.c.id)).scalar_one())  # fmt: skip


def submit_idea(
    session: Session,
    process_id: str,
    resident_id: int,
    draft: Draft,
    now: datetime.datetime,
    *,
    photo: bytes | None = None,
) -> Idea:
    """A resident's idea, during the proposals phase (verified if the process says so)."""
    aware(now)
    process = get_process(session, process_id)
    require_phase(process, "propose", now)
    require_resident(session, resident_id, "propose",
                     verified=process.settings.proposers == "verified")  # fmt: skip
    cleaned = None if photo is None else clean_photo(photo)
    idea_id = _insert(session, process, draft, now, resident_id, None)
    if cleaned is not None:
        _store_photo(session, idea_id, cleaned)
    log.append(session, process_id, log.resident_actor(resident_id), "idea-submitted",
               {"idea": idea_id}, now)  # fmt: skip
    return get_idea(session, idea_id)


def enter_paper_idea(
    session: Session,
    official: Official,
    process_id: str,
    draft: Draft,
    now: datetime.datetime,
    *,
    photo: bytes | None = None,
) -> Idea:
    """An idea from a town-hall box, typed in by an official and marked ``paper``."""
    require_official(official, "run")
    aware(now)
    process = get_process(session, process_id)
    require_phase(process, "enter-paper-idea", now)
    cleaned = None if photo is None else clean_photo(photo)
    idea_id = _insert(session, process, draft, now, None, official.username)
    if cleaned is not None:
        _store_photo(session, idea_id, cleaned)
    log.append(session, process_id, official.username, "paper-idea-entered",
               {"idea": idea_id}, now)  # fmt: skip
    return get_idea(session, idea_id)


def edit_idea(
    session: Session,
    idea_id: int,
    resident_id: int,
    draft: Draft,
    now: datetime.datetime,
    *,
    photo: bytes | None = None,
    remove_photo: bool = False,
) -> Idea:
    """The author's new version, while the proposals phase runs and before any screening."""
    aware(now)
    idea = get_idea(session, idea_id, lock=True)
    if idea.author_id != resident_id:
        raise NotAllowed("edit", "not-author")
    require_resident(session, resident_id, "edit")
    process = get_process(session, idea.process_id)
    require_phase(process, "edit", now)
    screened = session.execute(
        select(func.count()).select_from(ps.screenings).where(ps.screenings.c.idea_id == idea_id)
    ).scalar_one()
    if idea.status not in EDITABLE or screened or idea.hidden:
        raise NotAllowed("edit", "screening-started" if not idea.hidden else "hidden")
    d = check_draft(process, draft)
    cleaned = None if photo is None else clean_photo(photo)
    session.execute(update(ps.ideas).where(ps.ideas.c.id == idea_id).values(
        title=d.title, text=d.text, language=d.language, domain=d.domain,
        estimated_cost=d.estimated_cost, district=d.district, address=d.address,
        updated_at=now))  # fmt: skip
    if cleaned is not None:
        _store_photo(session, idea_id, cleaned)
    elif remove_photo:
        session.execute(ps.idea_photos.delete().where(ps.idea_photos.c.idea_id == idea_id))
    return get_idea(session, idea_id)


def get_photo(session: Session, idea_id: int) -> Photo | None:
    t = ps.idea_photos
    row = session.execute(select(t).where(t.c.idea_id == idea_id)).one_or_none()
    return None if row is None else Photo(bytes(row.data), row.media_type, row.width, row.height)


def change_status(session: Session, idea: Idea, wanted: str, now: datetime.datetime,
                  **values: Any) -> None:  # fmt: skip
    """Move ``idea`` (read under its row lock) to ``wanted``, checking `TRANSITIONS`."""
    allowed = TRANSITIONS[wanted]
    if idea.status not in allowed:
        raise WrongStatus(idea.id, idea.status, wanted, allowed)
    session.execute(update(ps.ideas).where(ps.ideas.c.id == idea.id)
                    .values(status=wanted, updated_at=now, **values))  # fmt: skip


def list_ideas(
    session: Session,
    process_id: str,
    *,
    sort: str = "newest",
    seed: int = 0,
    domain: str | None = None,
    district: str | None = None,
    status: str | Sequence[str] | None = None,
    search: str | None = None,
    include_hidden: bool = False,
    limit: int = 20,
    offset: int = 0,
) -> Page:
    """A page of the process's ideas.

    Merged ideas are left out unless asked for by ``status``; hidden ones unless
    ``include_hidden`` (the web shows them as a placeholder with the reason).
    ``random`` orders by a seeded permutation of the ids, so that a resident who
    keeps the seed (in the page's address) pages through one stable order.
    ``search`` matches the title or text, case-insensitively, as a plain substring:
    ``%`` and ``_`` are matched literally on both back ends.
    """
    if sort not in SORTS:
        raise InvalidInput("sort", "unknown", ", ".join(SORTS))
    whole(limit, "limit", 1, MAX_PAGE)
    whole(offset, "offset", 0, 10**9)
    whole(seed, "seed", 0, _RANDOM_M - 1)
    i = ps.ideas
    conditions = [i.c.process_id == process_id]
    statuses = (status,) if isinstance(status, str) else tuple(status or ())
    for s in statuses:
        if s not in STATUSES:
            raise InvalidInput("status", "unknown", ", ".join(STATUSES))
    conditions.append(i.c.status.in_(statuses) if statuses else i.c.status != "merged")
    if domain is not None:
        conditions.append(i.c.domain == domain)
    if district is not None:
        conditions.append(i.c.district == district)
    if not include_hidden:
        conditions.append(i.c.hidden_at.is_(None))
    if search is not None and search.strip():
        term = plain(search, "search", 200)
        conditions.append(or_(i.c.title.icontains(term, autoescape=True),
                              i.c.text.icontains(term, autoescape=True)))  # fmt: skip
    counts = _support_counts()
    n = func.coalesce(counts.c.n, 0)
    query: Select[Any] = (select(i, n.label("supports"))
                          .outerjoin(counts, counts.c.idea_id == i.c.id)
                          .where(and_(*conditions)))  # fmt: skip
    if sort == "newest":
        query = query.order_by(i.c.created_at.desc(), i.c.id.desc())
    elif sort == "supported":
        query = query.order_by(n.desc(), i.c.created_at.desc(), i.c.id.desc())
    else:
        key = (cast(i.c.id, BigInteger) * literal(_multiplier(seed), BigInteger)) % _RANDOM_M
        query = query.order_by(key, i.c.id)
    total = session.execute(select(func.count()).select_from(i).where(and_(*conditions)))
    rows = session.execute(query.limit(limit).offset(offset)).all()
    filters = {"sort": sort, "seed": seed, "domain": domain, "district": district,
               "status": list(statuses), "search": search}  # fmt: skip
    return Page([_idea(r, r.supports) for r in rows], total.scalar_one(), filters)


def authors(session: Session, idea_id: int) -> list[int]:
    """The idea's author and the residents credited by merges, author first."""
    idea = get_idea(session, idea_id)
    c = ps.idea_coauthors
    others = session.execute(select(c.c.resident_id).where(c.c.idea_id == idea_id)
                             .order_by(c.c.resident_id)).scalars()  # fmt: skip
    first = [] if idea.author_id is None else [idea.author_id]
    return first + [r for r in others if r != idea.author_id]
