"""Proposing an idea, in two steps that work without JavaScript, and editing one.

1. **Write**: the title and the idea. "Check" sends them; nothing is posted yet.
2. **Complete**: the ideas of the process that look similar (participation.text.similar,
   against the newest `MAX_COMPARED`; a client may check `CHECK_LIMIT`) are shown first —
   "support one of them instead, or post yours anyway" — then the rest of the form
   (domain, cost, district or address, photo) with the title and text kept. "Post my
   idea" posts it.

Who may propose, and when, is the domain's decision (the proposals phase; a verified
account where the process says so): the page says why not before the form is filled,
and a refusal on posting re-renders the form with everything typed (a browser cannot
keep a chosen file: the page asks to choose the photo again).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from evoting import platform_schema as ps
from participation.errors import NotAllowed, ParticipationError, WrongPhase
from participation.fields import plain
from participation.ideas import Draft, Idea, edit_idea, get_idea, submit_idea
from participation.photos import MAX_BYTES
from participation.processes import Process, require_phase
from participation.residents import Account
from participation.text import IdeaText, similar
from web.accounts import current_resident, resident_required
from web.extensions import limiter
from web.i18n import current
from web.platform_base import PER_CLIENT, blueprint, load_idea, load_process, now, reading, writing
from web.platform_forms import IdeaForm, cost, field
from web.platform_words import _, refusal

MAX_COMPARED = 2_000  # the newest ideas a draft is compared with
CHECK_LIMIT = "5 per minute"  # "check" compares the draft with them all: about 1 s at most


def _not_a_check() -> bool:
    """The stricter limit is for the check step only (posting has PER_CLIENT's)."""
    return request.form.get("step") != "check"


def _why_not(process: Process, me: Account | None) -> str | None:
    """Why the resident cannot propose now, in words (None: they can)."""
    try:
        require_phase(process, "propose", now())
    except WrongPhase as exc:
        return refusal(exc)
    if me is not None and process.settings.proposers == "verified" and not me.verified:
        return refusal(NotAllowed("propose", "not-verified"))
    return None


def _existing(session: Session, process_id: str) -> list[IdeaText]:
    i = ps.ideas
    rows = session.execute(
        select(i.c.id, i.c.title, i.c.text)
        .where(i.c.process_id == process_id, i.c.hidden_at.is_(None), i.c.status != "merged")
        .order_by(i.c.id.desc())
        .limit(MAX_COMPARED)
    )
    return [IdeaText(r.id, r.title, r.text) for r in rows]


def _similar(process: Process, title: str, text: str) -> list[Idea]:
    with reading() as session:
        matches = similar(title, text, _existing(session, process.id))
        return [get_idea(session, int(m.id)) for m in matches]


def _photo() -> bytes | None:
    chosen = request.files.get("photo")
    if chosen is None or not chosen.filename:
        return None
    data = chosen.stream.read(MAX_BYTES + 1)
    return data or None


def _draft(form: IdeaForm) -> Draft:
    return Draft(
        field(form.title.data, 150),
        field(form.text.data, 10_000),
        current(),
        field(form.domain.data, 64) or None,
        cost(form.estimated_cost.data),
        field(form.district.data, 64) or None,
        field(form.address.data, 200) or None,
    )


def _page(
    process: Process,
    form: IdeaForm,
    step: str,
    *,
    problem: str | None = None,
    similar_ideas: list[Idea] | None = None,
    idea: Idea | None = None,
    blocked: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    form.step.data = "post" if step != "write" else "check"
    me = current_resident()
    page = render_template(
        "platform/propose.html",
        process=process,
        form=form,
        step=step,
        problem=problem,
        similar_ideas=similar_ideas or [],
        idea=idea,
        blocked=blocked,
        logged_in=me is not None,
        verify_link=me is not None and not me.verified and process.settings.proposers == "verified",
        photo_again=problem is not None
        and request.method == "POST"
        and bool(request.files.get("photo") and request.files["photo"].filename),
    )
    return page, status


@blueprint.get("/<process_id>/ideas/new")
def new_idea(process_id: str) -> tuple[str, int]:
    with reading() as session:
        process = load_process(session, process_id)
    return _page(
        process, IdeaForm(formdata=None), "write", blocked=_why_not(process, current_resident())
    )


@blueprint.post("/<process_id>/ideas/new")
@limiter.limit(PER_CLIENT, methods=["POST"])
@limiter.limit(CHECK_LIMIT, methods=["POST"], exempt_when=_not_a_check)
@resident_required
def propose(process_id: str) -> Response | tuple[str, int]:
    me = current_resident()
    assert me is not None
    with reading() as session:
        process = load_process(session, process_id)
    form = IdeaForm()
    step = "check" if form.step.data == "check" else "post"
    if not form.validate_on_submit():
        return _page(
            process,
            form,
            "write" if step == "check" else "complete",
            problem=_("The form expired. Please try again."),
            status=400,
        )
    blocked = _why_not(process, me)
    if blocked is not None:
        return _page(process, form, "write", blocked=blocked, status=403)
    if step == "check":
        try:
            title = plain(field(form.title.data, 150), "title", 150, minimum=3)
            text = plain(field(form.text.data, 10_000), "text", 10_000, minimum=10, multiline=True)
        except ParticipationError as exc:
            return _page(process, form, "write", problem=refusal(exc), status=400)
        return _page(process, form, "complete", similar_ideas=_similar(process, title, text))
    try:
        draft = _draft(form)
        with writing() as session:
            idea = submit_idea(session, process.id, me.id, draft, now(), photo=_photo())
    except ParticipationError as exc:
        status = 403 if isinstance(exc, (NotAllowed, WrongPhase)) else 400
        return _page(process, form, "complete", problem=refusal(exc), status=status)
    flash(_("Your idea is posted. Thank you!"), "notice")
    return redirect(url_for("platform.idea_page", process_id=process.id, idea_id=idea.id), 303)


@blueprint.route("/<process_id>/ideas/<int:idea_id>/edit", methods=["GET", "POST"])
@limiter.limit(PER_CLIENT, methods=["POST"])
@resident_required
def edit(process_id: str, idea_id: int) -> Response | tuple[str, int]:
    me = current_resident()
    assert me is not None
    with reading() as session:
        process = load_process(session, process_id)
        idea = load_idea(session, process, idea_id)
    if idea.author_id != me.id:
        return _page(
            process,
            IdeaForm(formdata=None),
            "edit",
            idea=idea,
            status=403,
            blocked=refusal(NotAllowed("edit", "not-author")),
        )
    form = IdeaForm() if request.method == "POST" else IdeaForm(formdata=None)
    if request.method == "GET":
        form.title.data, form.text.data, form.domain.data = idea.title, idea.text, idea.domain
        form.estimated_cost.data = "" if idea.estimated_cost is None else str(idea.estimated_cost)
        form.district.data, form.address.data = idea.district, idea.address
        return _page(process, form, "edit", idea=idea)
    if not form.validate_on_submit():
        return _page(
            process,
            form,
            "edit",
            idea=idea,
            status=400,
            problem=_("The form expired. Please try again."),
        )
    try:
        draft = _draft(form)
        with writing() as session:
            edit_idea(
                session,
                idea.id,
                me.id,
                draft,
                now(),
                photo=_photo(),
                remove_photo=bool(form.remove_photo.data),
            )
    except ParticipationError as exc:
        status = 403 if isinstance(exc, (NotAllowed, WrongPhase)) else 400
        return _page(process, form, "edit", idea=idea, problem=refusal(exc), status=status)
    flash(_("Your changes are saved."), "notice")
    return redirect(url_for("platform.idea_page", process_id=process.id, idea_id=idea.id), 303)
