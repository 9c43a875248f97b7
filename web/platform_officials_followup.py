"""After the vote: the results, follow-up updates, and answers to initiatives.

Officials and admins. Once the vote made from the shortlist is tallied, "Record the
results" marks each shortlisted idea selected or not (followup.record_results, from
the tallied result); then each selected project gets dated updates in every language
of the process (in progress, done). Ideas that reached the initiative threshold wait
for the council's answer: those unanswered come first, with the day it is due.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from evoting import db
from evoting import platform_schema as ps
from evoting.accounts import Official
from evoting.elections import ElectionError, get_election
from participation.errors import ParticipationError
from participation.fields import from_json, local_day
from participation.followup import post_update, record_results, updates
from participation.initiatives import record_answer
from web.extensions import limiter, services
from web.platform_officials_base import (
    ACTION_LIMIT,
    PREFIX,
    idea_in,
    needs,
    now,
    process_or_404,
    render,
    texts,
)
from web.platform_officials_summary import shown_title
from web.platform_officials_words import _, message

blueprint = Blueprint("platform_followup", __name__, url_prefix=PREFIX)

FOLLOWED = ("selected", "in-progress", "done")


def _initiatives(s: Any, process_id: str) -> list[dict[str, Any]]:
    """The initiatives, unanswered first; a hidden idea's title is its hiding reason."""
    a, i = ps.initiative_answers, ps.ideas
    rows = s.execute(
        select(a, i.c.title, i.c.hidden_reason)
        .join(i, i.c.id == a.c.idea_id)
        .where(i.c.process_id == process_id)
        .order_by(a.c.answer.is_not(None), a.c.answer_due, a.c.idea_id)
    ).all()
    return [{**r._mapping, "title": shown_title(r.title, r.hidden_reason)} for r in rows]


@blueprint.get("/<process_id>/follow-up")
@needs("run")
def follow_up(process_id: str, official: Official) -> str:
    i = ps.ideas
    with services().factory() as s:
        process = process_or_404(s, process_id)
        state = None
        if process.election_id is not None:
            try:
                state = get_election(s, process.election_id).state
            except ElectionError:
                state = None
        ideas = s.execute(
            select(i.c.id, i.c.title, i.c.status, i.c.project_title)
            .where(
                i.c.process_id == process_id,
                i.c.status.in_(("shortlisted", "not-selected", *FOLLOWED)),
            )
            .order_by(i.c.id)
        ).all()
        history = {r.id: updates(s, r.id) for r in ideas if r.status in FOLLOWED}
        initiatives = _initiatives(s, process_id)
    waiting = any(r.status == "shortlisted" for r in ideas)
    titles = {r.id: from_json(r.project_title) or {"": r.title} for r in ideas}
    return render(
        "followup.html",
        official,
        process=process,
        state=state,
        ideas=ideas,
        titles=titles,
        history=history,
        waiting=waiting,
        initiatives=initiatives,
        today=local_day(now()),
        followed=FOLLOWED,
        from_json=from_json,
    )


def _back(process_id: str) -> Response:
    return redirect(url_for(".follow_up", process_id=process_id))


@blueprint.post("/<process_id>/results")
@limiter.limit(ACTION_LIMIT)
@needs("run")
def results(process_id: str, official: Official) -> Response:
    try:
        with db.UnitOfWork(services().factory) as uow:
            process_or_404(uow.session, process_id)
            found = record_results(uow.session, official, process_id, now())
            uow.commit()
    except ParticipationError as exc:
        flash(message(exc), "error")
    else:
        selected = sum(1 for status in found.values() if status == "selected")
        flash(
            _(
                "The results were recorded: %(n)s of %(total)s projects selected.",
                n=selected,
                total=len(found),
            ),
            "ok",
        )
    return _back(process_id)


@blueprint.post("/<process_id>/ideas/<int:idea_id>/update")
@limiter.limit(ACTION_LIMIT)
@needs("run")
def update(process_id: str, idea_id: int, official: Official) -> Response:
    try:
        with db.UnitOfWork(services().factory) as uow:
            process = process_or_404(uow.session, process_id)
            idea_in(uow.session, process_id, idea_id)
            post_update(
                uow.session,
                official,
                idea_id,
                request.form.get("status", ""),
                texts("text", process.settings.languages),
                now(),
            )
            uow.commit()
    except ParticipationError as exc:
        flash(message(exc), "error")
    else:
        flash(_("The update was posted."), "ok")
    return _back(process_id)


@blueprint.post("/<process_id>/ideas/<int:idea_id>/answer")
@limiter.limit(ACTION_LIMIT)
@needs("run")
def answer(process_id: str, idea_id: int, official: Official) -> Response:
    try:
        with db.UnitOfWork(services().factory) as uow:
            process = process_or_404(uow.session, process_id)
            idea_in(uow.session, process_id, idea_id)
            record_answer(
                uow.session, official, idea_id, texts("answer", process.settings.languages), now()
            )
            uow.commit()
    except ParticipationError as exc:
        flash(message(exc), "error")
    else:
        flash(_("The council's answer was recorded."), "ok")
    return _back(process_id)
