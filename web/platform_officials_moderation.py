"""Moderation for officials: residents' reports, hiding and restoring ideas and reactions.

Moderators, officials and admins (participation/permissions.py ``moderate``) see the
queue of open reports and those handled, and hide an idea or a reaction with a
reason code and a note per language that residents read in its place, or restore
it. participation/moderation.py records each in the process log with the
moderator's name. An idea, reaction or report of another process is a 404.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, request, url_for
from werkzeug.wrappers import Response

from evoting import db
from evoting.accounts import Official
from participation.errors import ParticipationError
from participation.ideas import get_idea, list_ideas
from participation.moderation import handle_report, hide, reports, restore
from participation.reactions import get_reaction
from web.extensions import limiter, services
from web.platform_officials_base import (
    ACTION_LIMIT,
    PREFIX,
    idea_in,
    needs,
    now,
    process_or_404,
    reaction_in,
    render,
    report_in,
    texts,
)
from web.platform_officials_words import _, message

blueprint = Blueprint("platform_moderation", __name__, url_prefix=PREFIX)

IDEAS_SHOWN = 100


def _excerpt(session: Any, report: Any) -> dict[str, Any]:
    if report.idea_id is not None:
        idea = get_idea(session, report.idea_id)
        return {"kind": "idea", "idea_id": idea.id, "text": idea.title, "hidden": idea.hidden}
    reaction = get_reaction(session, report.reaction_id)
    return {
        "kind": "reaction",
        "idea_id": reaction.idea_id,
        "text": reaction.text[:300],
        "hidden": reaction.hidden,
    }


@blueprint.get("/<process_id>/moderation")
@needs("moderate")
def queue(process_id: str, official: Official) -> str:
    with services().factory() as s:
        found = process_or_404(s, process_id)
        every = reports(s, process_id, open_only=False)
        waiting = [(r, _excerpt(s, r)) for r in every if r.handled_at is None]
        handled = [(r, _excerpt(s, r)) for r in every if r.handled_at is not None]
        ideas = list_ideas(s, process_id, include_hidden=True, limit=IDEAS_SHOWN, status=None)
    return render(
        "moderation.html",
        official,
        process=found,
        waiting=waiting,
        handled=list(reversed(handled)),
        ideas=ideas,
    )


def _target(session: Any, process_id: str) -> tuple[str, int, int]:
    """(kind, id, the idea to go back to) of the idea or reaction the form names."""
    kind = request.form.get("target")
    if kind == "idea":
        idea = idea_in(session, process_id, request.form.get("id"))
        return kind, idea.id, idea.id
    if kind != "reaction":
        abort(400)
    reaction = reaction_in(session, process_id, request.form.get("id"))
    return kind, reaction.id, reaction.idea_id


def _back(process_id: str, idea_id: int) -> Response:
    return redirect(url_for("platform_officials.idea", process_id=process_id, idea_id=idea_id))


@blueprint.post("/<process_id>/moderation/hide", endpoint="hide")
@limiter.limit(ACTION_LIMIT)
@needs("moderate")
def hide_item(process_id: str, official: Official) -> Response:
    with db.UnitOfWork(services().factory) as uow:
        s = uow.session
        process = process_or_404(s, process_id)
        kind, item, back = _target(s, process_id)
        note = texts("note", process.settings.languages)
        try:
            hide(
                s,
                official,
                request.form.get("reason", ""),
                now(),
                note=note,
                **{f"{kind}_id": item},
            )
            uow.commit()
        except ParticipationError as exc:
            flash(message(exc), "error")
            return _back(process_id, back)
    flash(_("Hidden, with the reason shown in its place."), "ok")
    return _back(process_id, back)


@blueprint.post("/<process_id>/moderation/restore", endpoint="restore")
@limiter.limit(ACTION_LIMIT)
@needs("moderate")
def restore_item(process_id: str, official: Official) -> Response:
    with db.UnitOfWork(services().factory) as uow:
        s = uow.session
        process_or_404(s, process_id)
        kind, item, back = _target(s, process_id)
        try:
            restore(s, official, now(), **{f"{kind}_id": item})
            uow.commit()
        except ParticipationError as exc:
            flash(message(exc), "error")
            return _back(process_id, back)
    flash(_("Restored."), "ok")
    return _back(process_id, back)


@blueprint.post("/<process_id>/moderation/reports/<int:report_id>")
@limiter.limit(ACTION_LIMIT)
@needs("moderate")
def handle(process_id: str, report_id: int, official: Official) -> Response:
    with db.UnitOfWork(services().factory) as uow:
        s = uow.session
        process = process_or_404(s, process_id)
        report_in(s, process_id, report_id)
        note = texts("note", process.settings.languages)
        try:
            closed = handle_report(
                s, official, report_id, request.form.get("outcome", ""), now(), note=note
            )
            uow.commit()
        except ParticipationError as exc:
            flash(message(exc), "error")
        else:
            flash(_("Report handled (%(n)s reports on the same content closed).", n=closed), "ok")
    return redirect(url_for(".queue", process_id=process_id))
