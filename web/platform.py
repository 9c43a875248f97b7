"""The participation platform for residents (issue 12): the processes, and each process's
page with its timeline, what residents can do now and what comes next, its ideas
(sorted, filtered, searched, in pages), the vote when it is on, and after the tally each
project's result and follow-up.

The idea pages are in `web.platform_ideas`, proposing and editing in
`web.platform_propose`; all three share one blueprint (`web.platform_base`), which this
module exports for the app to register.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from flask import render_template, request, url_for
from sqlalchemy.orm import Session

from evoting.elections import Election, ElectionError, get_election
from participation import log as process_log
from participation.errors import InvalidInput, ParticipationError
from participation.followup import Update, updates
from participation.ideas import SORTS, STATUSES, Idea, Page, list_ideas
from participation.processes import Process, list_processes, timeline, what_now
from web import platform_ideas, platform_propose
from web.platform_base import blueprint, load_process, now, phase_dates, reading
from web.platform_words import refusal

__all__ = ["blueprint", "platform_ideas", "platform_propose"]

PER_PAGE = 20
MAX_SEED = 2_147_483_646  # participation.ideas: a seed below its prime
RESULT_STATUSES = ("selected", "in-progress", "done", "not-selected")


@dataclass(frozen=True, slots=True)
class Listing:
    """What the ideas' list shows, read from the address (anything unknown is ignored)."""

    sort: str
    seed: int
    domain: str | None
    district: str | None
    status: str | None
    search: str
    page: int

    def args(self, **changes: Any) -> dict[str, Any]:
        """The address's arguments for this listing with ``changes`` (empty ones left out)."""
        values: dict[str, Any] = {
            "sort": self.sort,
            "domain": self.domain,
            "district": self.district,
            "status": self.status,
            "q": self.search or None,
            "page": self.page,
        }
        values |= changes
        if values["sort"] == "random":
            values["seed"] = self.seed  # one stable order from page to page
        if values.get("page") == 1:
            del values["page"]
        return {k: v for k, v in values.items() if v not in (None, "")}


def _whole(name: str, low: int, high: int) -> int | None:
    raw = request.args.get(name, "")
    if not raw.isdigit() or len(raw) > 12:
        return None
    value = int(raw)
    return value if low <= value <= high else None


def _listing(process: Process) -> Listing:
    a = request.args
    sort = a.get("sort", "newest")
    sort = sort if sort in SORTS else "newest"
    seed = _whole("seed", 1, MAX_SEED) or secrets.randbelow(MAX_SEED) + 1
    domain = a.get("domain") if a.get("domain") in process.settings.domain_ids() else None
    district = a.get("district") if a.get("district") in process.settings.districts else None
    status = a.get("status") if a.get("status") in STATUSES else None
    search = a.get("q", "")[:200].strip()
    return Listing(sort, seed, domain, district, status, search, _whole("page", 1, 10**6) or 1)


def _ideas(session: Session, process: Process, listing: Listing) -> tuple[Page, str | None]:
    """A page of ideas; with a search the resident cannot make, the refusal in words
    and the list without it."""

    def page(search: str | None) -> Page:
        return list_ideas(
            session,
            process.id,
            sort=listing.sort,
            seed=listing.seed,
            domain=listing.domain,
            district=listing.district,
            status=listing.status,
            search=search,
            include_hidden=not search,
            limit=PER_PAGE,
            offset=(listing.page - 1) * PER_PAGE,
        )

    try:
        return page(listing.search or None), None
    except InvalidInput as exc:
        return page(None), refusal(exc)


def _election(session: Session, process: Process) -> Election | None:
    """The vote made from the shortlist, once it is more than a draft."""
    if process.election_id is None:
        return None
    try:
        election = get_election(session, process.election_id)
    except ElectionError:
        return None
    return None if election.state == "draft" else election


def _results(session: Session, process: Process) -> list[tuple[Idea, list[Update]]]:
    """The voted projects, selected ones first, each with its follow-up."""
    try:
        found = list_ideas(session, process.id, status=RESULT_STATUSES, limit=100, sort="supported")
    except ParticipationError:
        return []
    ordered = sorted(found.ideas, key=lambda i: (RESULT_STATUSES.index(i.status), i.id))
    return [(idea, updates(session, idea.id)) for idea in ordered]


@blueprint.get("/")
def index() -> str:
    moment = now()
    with reading() as session:
        processes = list_processes(session)
    shown = [(p, what_now(p, moment)) for p in processes]
    return render_template("platform/index.html", processes=shown)


@blueprint.get("/<process_id>")
def process_page(process_id: str) -> str:
    moment = now()
    with reading() as session:
        process = load_process(session, process_id)
        listing = _listing(process)
        ideas, search_problem = _ideas(session, process, listing)
        election = _election(session, process)
        results = _results(session, process)
        log_head = process_log.head(session, process.id)
    steps = timeline(process, moment)
    state = what_now(process, moment)
    pages = max(1, -(-ideas.total // PER_PAGE))

    def listing_url(**changes: Any) -> str:
        return (
            url_for("platform.process_page", process_id=process.id, **listing.args(**changes))
            + "#ideas"
        )

    return render_template(
        "platform/process.html",
        process=process,
        steps=steps,
        state=state,
        dates=phase_dates,
        ideas=ideas,
        listing=listing,
        pages=pages,
        listing_url=listing_url,
        search_problem=search_problem,
        election=election,
        results=results,
        sorts=SORTS,
        statuses=STATUSES,
        log_head=log_head,
    )
