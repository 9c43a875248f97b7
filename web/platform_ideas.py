"""An idea's page: who proposed it, its status, screening, initiative progress and
follow-up, its photo, reactions with one level of replies, supports and reports.

Every POST needs a logged-in resident (web/accounts.py), a CSRF token and stays under a
rate limit; a refusal re-renders the page with the reason in words and what was typed.
"""

from __future__ import annotations

import hashlib

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from participation import initiatives, reactions
from participation.errors import (
    AlreadySupported,
    InvalidInput,
    NotAllowed,
    ParticipationError,
    WrongPhase,
)
from participation.followup import updates
from participation.ideas import EDITABLE, get_photo
from participation.processes import what_now
from participation.reactions import REPORT_REASONS, SUPPORTABLE, Reaction
from participation.screening import latest_screening
from web.accounts import current_resident, resident_required
from web.extensions import limiter
from web.i18n import current
from web.platform_base import (
    PER_CLIENT,
    SUPPORTS,
    blueprint,
    display_names,
    idea_authors,
    load_idea,
    load_process,
    now,
    reading,
    writing,
)
from web.platform_forms import ButtonForm, ReactionForm, ReportForm, field
from web.platform_words import _, refusal

IDEA = "/<process_id>/ideas/<int:idea_id>"


def _status(exc: ParticipationError) -> int:
    return 403 if isinstance(exc, (NotAllowed, WrongPhase)) else 400


def render_idea(
    process_id: str,
    idea_id: int,
    *,
    problem: str | None = None,
    form: ReactionForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    """The idea's page; with ``problem`` (a refusal) and ``form`` (what was typed)."""
    me = current_resident()
    moment = now()
    with reading() as session:
        process = load_process(session, process_id)
        idea = load_idea(session, process, idea_id)
        by = idea_authors(session, idea)
        progress = initiatives.progress(session, idea.id)
        if progress is not None and not progress.reached and idea.status != "submitted":
            progress = None  # screened, merged or shortlisted: no longer gathering supports
        screening = latest_screening(session, idea.id)
        follow = updates(session, idea.id)
        thread = reactions.reactions(session, idea.id)
        ids = {r.author_id for r in thread} | {x.author_id for r in thread for x in r.replies}
        names = display_names(session, {i for i in ids if i is not None})
        supported = me is not None and reactions.supported(session, idea.id, me.id)
        photo = get_photo(session, idea.id) if not idea.hidden else None
    typed = form.parent_id.data if form is not None else None
    reply_to = next((r.id for r in thread if str(r.id) == typed), None)
    actions = what_now(process, moment).actions
    open_idea = not idea.hidden and idea.status != "merged"
    may_edit = (
        me is not None
        and me.id == idea.author_id
        and idea.status in EDITABLE
        and screening is None
        and "propose" in actions
        and open_idea
    )
    page = render_template(
        "platform/idea.html",
        process=process,
        idea=idea,
        authors=by,
        progress=progress,
        initiative=process.settings.initiative,
        screening=screening,
        updates=follow,
        reactions=thread,
        names=names,
        me=me,
        supported=supported,
        photo=photo,
        may_react=open_idea and "react" in actions,
        may_support=open_idea and "support" in actions and idea.status in SUPPORTABLE,
        may_edit=may_edit,
        problem=problem,
        form=form or ReactionForm(formdata=None),
        button=ButtonForm(),
        reply_to=reply_to,
    )
    return page, status


@blueprint.get(IDEA)
def idea_page(process_id: str, idea_id: int) -> tuple[str, int]:
    return render_idea(process_id, idea_id)


@blueprint.get(IDEA + "/photo")
def photo(process_id: str, idea_id: int) -> Response:
    """The photo as re-encoded when it was posted (no metadata); revalidated on each use,
    so that a photo a moderator hides is not served from a cache afterwards."""
    with reading() as session:
        process = load_process(session, process_id)
        idea = load_idea(session, process, idea_id)
        found = get_photo(session, idea.id) if not idea.hidden else None
    if found is None:
        return make_response(
            render_template(
                "error.html", title=_("Not found"), message=_("There is no such page.")
            ),
            404,
        )
    response = make_response(found.data)
    response.headers["Content-Type"] = found.media_type
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-cache"
    extension = "png" if found.media_type == "image/png" else "jpg"
    response.headers["Content-Disposition"] = f'inline; filename="idea-{idea.id}.{extension}"'
    response.set_etag(hashlib.sha256(found.data).hexdigest())
    return response.make_conditional(request)


@blueprint.post(IDEA + "/support")
@limiter.limit(SUPPORTS, methods=["POST"])
@resident_required
def support(process_id: str, idea_id: int) -> Response | tuple[str, int]:
    me = current_resident()
    assert me is not None
    if not ButtonForm().validate_on_submit():
        return render_idea(
            process_id, idea_id, problem=_("The form expired. Please try again."), status=400
        )
    try:
        with writing() as session:
            process = load_process(session, process_id)
            idea = load_idea(session, process, idea_id)
            after = reactions.support(session, idea.id, me.id, now())
    except AlreadySupported:
        flash(_("You support this idea already."), "notice")
    except ParticipationError as exc:
        return render_idea(process_id, idea_id, problem=refusal(exc), status=_status(exc))
    else:
        flash(_("Thank you: you support this idea."), "notice")
        if after.status == "threshold-reached" and idea.status != "threshold-reached":
            flash(
                _("With your support this idea reached the threshold: the council will answer it."),
                "notice",
            )
    return redirect(
        url_for("platform.idea_page", process_id=process_id, idea_id=idea_id) + "#support", 303
    )


def _parent(raw: str | None) -> int | None:
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 12:
        raise InvalidInput("parent_id", "invalid")
    return int(raw)


@blueprint.post(IDEA + "/reactions")
@limiter.limit(PER_CLIENT, methods=["POST"])
@resident_required
def react(process_id: str, idea_id: int) -> Response | tuple[str, int]:
    me = current_resident()
    assert me is not None
    form = ReactionForm()
    if not form.validate_on_submit():
        return render_idea(
            process_id,
            idea_id,
            problem=_("The form expired. Please try again."),
            form=form,
            status=400,
        )
    try:
        with writing() as session:
            process = load_process(session, process_id)
            idea = load_idea(session, process, idea_id)
            made = reactions.react(
                session,
                idea.id,
                me.id,
                field(form.text.data, 5_000),
                current(),
                now(),
                parent_id=_parent(form.parent_id.data),
            )
    except ParticipationError as exc:
        problem = refusal(exc, text_name=_("Your reaction"))
        return render_idea(process_id, idea_id, problem=problem, form=form, status=_status(exc))
    flash(_("Your reaction is posted."), "notice")
    return redirect(
        url_for("platform.idea_page", process_id=process_id, idea_id=idea_id)
        + f"#reaction-{made.id}",
        303,
    )


def _report(
    process_id: str, idea_id: int, reaction_id: int | None
) -> str | Response | tuple[str, int]:
    me = current_resident()
    assert me is not None
    form = ReportForm()
    with reading() as session:
        process = load_process(session, process_id)
        idea = load_idea(session, process, idea_id)
        target: Reaction | None = None
        if reaction_id is not None:
            target = next(
                (r for r in _flat(reactions.reactions(session, idea.id)) if r.id == reaction_id),
                None,
            )
            if target is None:
                abort(404)
    problem = None
    if form.validate_on_submit():
        try:
            with writing() as session:
                reactions.report(
                    session,
                    me.id,
                    form.reason.data or "",
                    now(),
                    idea_id=None if reaction_id else idea.id,
                    reaction_id=reaction_id,
                    note=field(form.note.data, 2_000),
                )
        except ParticipationError as exc:
            problem = refusal(exc)
        else:
            flash(_("Thank you: a moderator will look at your report."), "notice")
            anchor = f"#reaction-{reaction_id}" if reaction_id else ""
            return redirect(
                url_for("platform.idea_page", process_id=process_id, idea_id=idea_id) + anchor, 303
            )
    elif request.method == "POST":
        problem = _("The form expired. Please try again.")
    page = render_template(
        "platform/report.html",
        process=process,
        idea=idea,
        target=target,
        form=form,
        reasons=REPORT_REASONS,
        problem=problem,
    )
    return (page, 400) if problem else page


def _flat(thread: list[Reaction]) -> list[Reaction]:
    return [x for r in thread for x in (r, *r.replies)]


@blueprint.route(IDEA + "/report", methods=["GET", "POST"])
@limiter.limit(PER_CLIENT, methods=["POST"])
@resident_required
def report_idea(process_id: str, idea_id: int) -> str | Response | tuple[str, int]:
    return _report(process_id, idea_id, None)


@blueprint.route(IDEA + "/reactions/<int:reaction_id>/report", methods=["GET", "POST"])
@limiter.limit(PER_CLIENT, methods=["POST"])
@resident_required
def report_reaction(
    process_id: str, idea_id: int, reaction_id: int
) -> str | Response | tuple[str, int]:
    return _report(process_id, idea_id, reaction_id)
