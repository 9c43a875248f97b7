"""The officials' side of the participation platform: processes, their phases, paper ideas.

Routes under ``/officials/processes`` (docs/web.md): the list and the "create a
process" form, the process page (the timeline with "open now" and "close now", the
initiatives awaiting an answer, participation by age band and district with small
cells hidden, the process log with its chain checked) and the form for ideas from
the town hall's paper boxes. Moderation, screening, the vote, follow-up and exports
are in their own modules (platform_officials_moderation.py, platform_screening.py,
platform_officials_vote.py, platform_officials_followup.py, platform_exports.py).
Every change goes through participation/, which checks the role again and writes
the process log in the same transaction.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, request, url_for
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from evoting import db
from evoting import platform_schema as ps
from evoting.accounts import Official
from evoting.elections import ElectionError, get_election
from participation import log
from participation.demographics import DIMENSIONS, participation
from participation.errors import LogTampered, ParticipationError, PhotoRefused
from participation.fields import LANGUAGES, local_day
from participation.followup import updates
from participation.ideas import Draft, authors, enter_paper_idea
from participation.initiatives import unanswered
from participation.processes import (
    LEVELS,
    PHASE_KINDS,
    Process,
    close_phase,
    create_process,
    list_processes,
    open_phase,
    timeline,
    what_now,
)
from participation.reactions import reactions
from participation.screening import latest_screening
from web.extensions import limiter, services
from web.platform_officials_base import (
    ACTION_LIMIT,
    PREFIX,
    day,
    display_names,
    idea_in,
    needs,
    now,
    process_or_404,
    render,
    whole,
)
from web.platform_officials_forms import ProcessForm, empty_form, read_form, with_rueil
from web.platform_officials_words import _, field_errors, message, phase_name

blueprint = Blueprint("platform_officials", __name__, url_prefix=PREFIX)

LOG_SHOWN = 50


@blueprint.get("/")
@needs("read")
def processes(official: Official) -> str:
    with services().factory() as s:
        found = list_processes(s)
        moment = now()
        rows = [(p, what_now(p, moment).current) for p in found]
    return render("list.html", official, rows=rows)


def _new_page(official: Official, form: ProcessForm, status: int = 200) -> tuple[str, int]:
    return render(
        "new.html", official, form=form, levels=LEVELS, kinds=PHASE_KINDS, langs=LANGUAGES
    ), status


@blueprint.get("/new")
@needs("run")
def new(official: Official) -> tuple[str, int]:
    return _new_page(official, empty_form())


@blueprint.post("/new")
@limiter.limit(ACTION_LIMIT)
@needs("run")
def create(official: Official) -> Response | tuple[str, int]:
    form = read_form(request.form)
    if request.form.get("preset") == "rueil":
        return _new_page(official, with_rueil(form))
    if form.plan is None:
        return _new_page(official, form, 400)
    try:
        with db.UnitOfWork(services().factory) as uow:
            create_process(uow.session, official, now=now(), **form.plan)
            uow.commit()
    except ParticipationError as exc:
        form.errors |= field_errors(exc, form.fields, "id")
        return _new_page(official, form, 400)
    flash(_("The process was created."), "ok")
    return redirect(url_for(".process", process_id=form.plan["process_id"]))


def _took(cell: dict[str, int] | None) -> int | None:
    return None if cell is None else cell["took_part"]


def _demographics(s: Any, process_id: str) -> list[dict[str, Any]]:
    tables = []
    for by in DIMENSIONS:
        found = participation(s, process_id, by)
        rows = [
            {
                "key": key,
                "accounts": found.accounts[key],
                "proposed": _took(found.proposed.get(key)),
                "supported": _took(found.supported.get(key)),
            }
            for key in found.accounts
        ]
        tables.append(
            {
                "by": by,
                "rows": rows,
                "min_cell": found.min_cell,
                "accounts_total": found.accounts_total,
                "verified_total": found.verified_total,
            }
        )
    return tables


def _figures(s: Any, process_id: str) -> dict[str, int]:
    i, r, sup = ps.ideas, ps.reactions, ps.supports
    in_process = select(i.c.id).where(i.c.process_id == process_id)

    def count(query: Any) -> int:
        return int(s.execute(query).scalar_one())

    return {
        "ideas": count(select(func.count()).select_from(i).where(i.c.process_id == process_id)),
        "paper": count(
            select(func.count())
            .select_from(i)
            .where(i.c.process_id == process_id, i.c.source == "paper")
        ),
        "reactions": count(select(func.count()).select_from(r).where(r.c.idea_id.in_(in_process))),
        "supports": count(
            select(func.count()).select_from(sup).where(sup.c.idea_id.in_(in_process))
        ),
    }


def _vote(s: Any, process: Process) -> dict[str, Any] | None:
    if process.election_id is None:
        return None
    try:
        election = get_election(s, process.election_id)
    except ElectionError:
        return None
    return {"id": election.id, "state": election.state, "fingerprint": election.fingerprint.hex()}


@blueprint.get("/<process_id>")
@needs("read")
def process(process_id: str, official: Official) -> str:
    moment = now()
    with services().factory() as s:
        found = process_or_404(s, process_id)
        try:
            head: str | None = log.verify_log(s, process_id)
            tampered = None
        except LogTampered as exc:
            head, tampered = None, message(exc)
        entries = list(reversed(log.entries(s, process_id)))
        context = {
            "process": found,
            "steps": timeline(found, moment),
            "now": what_now(found, moment),
            "today": local_day(moment),
            "unanswered": unanswered(s, process_id),
            "demographics": _demographics(s, process_id),
            "figures": _figures(s, process_id),
            "vote": _vote(s, found),
            "entries": entries[:LOG_SHOWN],
            "entries_total": len(entries),
            "head": head,
            "tampered": tampered,
        }
    return render("process.html", official, **context)


def _back(process_id: str) -> Response:
    return redirect(url_for(".process", process_id=process_id))


@blueprint.post("/<process_id>/phases/<kind>/open")
@limiter.limit(ACTION_LIMIT)
@needs("run")
def open_now(process_id: str, kind: str, official: Official) -> Response:
    if kind not in PHASE_KINDS:
        abort(404)
    until = day("until")
    if isinstance(until, str):
        flash(_("A date, such as 2026-03-01."), "error")
        return _back(process_id)
    try:
        with db.UnitOfWork(services().factory) as uow:
            process_or_404(uow.session, process_id).phase(kind)
            open_phase(uow.session, official, process_id, kind, now(), until=until)
            uow.commit()
    except ParticipationError as exc:
        flash(message(exc), "error")
    else:
        flash(_("The phase %(phase)s is open.", phase=phase_name(kind)), "ok")
    return _back(process_id)


@blueprint.post("/<process_id>/phases/<kind>/close")
@limiter.limit(ACTION_LIMIT)
@needs("run")
def close_now(process_id: str, kind: str, official: Official) -> Response:
    if kind not in PHASE_KINDS:
        abort(404)
    try:
        with db.UnitOfWork(services().factory) as uow:
            process_or_404(uow.session, process_id)
            close_phase(uow.session, official, process_id, kind, now())
            uow.commit()
    except ParticipationError as exc:
        flash(message(exc), "error")
    else:
        flash(_("The phase %(phase)s is closed.", phase=phase_name(kind)), "ok")
    return _back(process_id)


PAPER_FIELDS = {
    "title": "title",
    "text": "text",
    "language": "language",
    "domain": "domain",
    "estimated_cost": "estimated_cost",
    "district": "district",
    "address": "address",
    "photo": "photo",
}


def _paper_page(
    official: Official,
    process_id: str,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> tuple[str, int]:
    with services().factory() as s:
        found = process_or_404(s, process_id)
        i = ps.ideas
        entered = s.execute(
            select(i.c.id, i.c.title, i.c.entered_by, i.c.created_at)
            .where(i.c.process_id == process_id, i.c.source == "paper")
            .order_by(i.c.id.desc())
            .limit(20)
        ).all()
    return render(
        "paper.html",
        official,
        process=found,
        values=values,
        errors=errors,
        entered=entered,
        langs=LANGUAGES,
    ), status


@blueprint.get("/<process_id>/paper")
@needs("run")
def paper(process_id: str, official: Official) -> tuple[str, int]:
    return _paper_page(official, process_id, {"language": "nl"}, {})


@blueprint.post("/<process_id>/paper")
@limiter.limit(ACTION_LIMIT)
@needs("run")
def enter_paper(process_id: str, official: Official) -> Response | tuple[str, int]:
    values = {k: v for k, v in request.form.items() if k != "csrf_token"}
    cost = whole("estimated_cost")
    if isinstance(cost, str):
        errors = {"estimated_cost": _("A whole number, such as 40000.")}
        return _paper_page(official, process_id, values, errors, 400)
    upload = request.files.get("photo")
    photo = upload.read() if upload is not None and upload.filename else None
    draft = Draft(
        values.get("title", ""),
        values.get("text", ""),
        values.get("language", ""),
        values.get("domain") or None,
        cost,
        values.get("district") or None,
        values.get("address") or None,
    )
    try:
        with db.UnitOfWork(services().factory) as uow:
            process_or_404(uow.session, process_id)
            idea = enter_paper_idea(uow.session, official, process_id, draft, now(), photo=photo)
            uow.commit()
    except PhotoRefused as exc:
        return _paper_page(official, process_id, values, {"photo": message(exc)}, 400)
    except ParticipationError as exc:
        errors = field_errors(exc, PAPER_FIELDS, "title")
        return _paper_page(official, process_id, values, errors, 400)
    flash(_("Paper idea %(n)s was entered.", n=idea.id), "ok")
    return redirect(url_for(".paper", process_id=process_id))


@blueprint.get("/<process_id>/ideas/<int:idea_id>")
@needs("read")
def idea(process_id: str, idea_id: int, official: Official) -> str:
    """One idea as officials see it: its text, screening history, reactions, follow-up."""
    with services().factory() as s:
        found = process_or_404(s, process_id)
        item = idea_in(s, process_id, idea_id)
        credited = authors(s, idea_id)
        threads = reactions(s, idea_id)
        ids = set(credited) | {
            r.author_id for t in threads for r in (t, *t.replies) if r.author_id is not None
        }
        context = {
            "process": found,
            "idea": item,
            "authors": credited,
            "names": display_names(s, ids),
            "reactions": threads,
            "screening": latest_screening(s, idea_id),
            "updates": updates(s, idea_id),
        }
    return render("idea.html", official, **context)
