"""What the officials' participation pages share: who may open them, the process and the
idea or reaction a URL names, and reading per-language texts from a form.

Access follows participation/permissions.py (one place): ``run`` (admins and
officials), ``moderate`` (and moderators), ``screen`` (and evaluators); every official
may ``read``; admins, officials and observers may ``export``. The view first needs a
login (else the login page), then the role (else 403), then the process (else 404);
an idea, reaction or report of another process named in a process's URL or form is a
404 too, so a value from one process never acts on another.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from flask import abort, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from evoting import platform_schema as ps
from evoting.accounts import ROLES, Official
from participation.errors import NotFound
from participation.ideas import Idea, get_idea
from participation.permissions import OFFICIAL_ACTIONS
from participation.processes import Process, get_process
from participation.reactions import Reaction, get_reaction
from web import platform_officials_words as words
from web.extensions import services
from web.officials import current

View = TypeVar("View", bound=Callable[..., Any])

PREFIX = "/officials/processes"
ACTIONS: dict[str, tuple[str, ...]] = {
    "read": ROLES,
    "export": ("admin", "official", "observer"),
    **OFFICIAL_ACTIONS,
}
ACTION_LIMIT = "60 per minute"
EXPORT_LIMIT = "20 per minute"


def may(official: Official, action: str) -> bool:
    return not official.disabled and official.role in ACTIONS[action]


def needs(action: str) -> Callable[[View], View]:
    """The view needs a logged-in official whose role may ``action`` (see the docstring)."""

    def wrap(view: View) -> View:
        @functools.wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            official = current()
            if official is None:
                return redirect(url_for("officials.login", next=request.path))
            if not may(official, action):
                abort(403)
            return view(*args, official=official, **kwargs)

        return checked  # type: ignore[return-value]

    return wrap


def now() -> datetime.datetime:
    return services().clock()


def process_or_404(session: Session, process_id: str) -> Process:
    try:
        return get_process(session, process_id)
    except NotFound:
        abort(404)


def idea_in(session: Session, process_id: str, idea_id: int | str | None) -> Idea:
    """The idea, if it belongs to ``process_id``; else 404."""
    try:
        idea = get_idea(session, int(str(idea_id)))
    except (NotFound, ValueError):
        abort(404)
    if idea.process_id != process_id:
        abort(404)
    return idea


def reaction_in(session: Session, process_id: str, reaction_id: int | str | None) -> Reaction:
    try:
        reaction = get_reaction(session, int(str(reaction_id)))
    except (NotFound, ValueError):
        abort(404)
    idea_in(session, process_id, reaction.idea_id)
    return reaction


def report_in(session: Session, process_id: str, report_id: int) -> None:
    """404 unless the report concerns an idea or a reaction of ``process_id``."""
    c = ps.content_reports
    row = session.execute(select(c.c.idea_id, c.c.reaction_id).where(c.c.id == report_id)).first()
    if row is None:
        abort(404)
    if row.idea_id is not None:
        idea_in(session, process_id, row.idea_id)
    else:
        reaction_in(session, process_id, row.reaction_id)


def texts(prefix: str, languages: Sequence[str]) -> dict[str, str]:
    """``{lang: form[prefix_lang]}`` for each language (empty strings kept: the domain
    says which are missing)."""
    return {lang: request.form.get(f"{prefix}_{lang}", "") for lang in languages}


def whole(name: str) -> int | str | None:
    """A whole number from the form: None if empty, the text itself if not a number."""
    raw = request.form.get(name, "").strip().replace(".", "").replace(" ", "")
    if not raw:
        return None
    return int(raw) if raw.isdigit() and len(raw) <= 12 else raw


def day(name: str) -> datetime.date | str | None:
    raw = request.form.get(name, "").strip()
    if not raw:
        return None
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        return raw


def display_names(session: Session, ids: set[int]) -> dict[int, str]:
    """Residents' display names (never their e-mail addresses) by id."""
    from evoting.residents_schema import residents

    if not ids:
        return {}
    rows = session.execute(
        select(residents.c.id, residents.c.display_name).where(residents.c.id.in_(ids))
    )
    return {int(r.id): str(r.display_name) for r in rows}


def render(template: str, official: Official, **context: Any) -> str:
    """An officials' platform page: ``w`` gives the codes' names, ``may`` the role's rights."""
    return render_template(
        f"officials/platform/{template}",
        official=official,
        w=words,
        may=lambda action: may(official, action),
        **context,
    )
