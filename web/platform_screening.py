"""Screening for officials: each idea against the process's criteria, duplicates, topics.

Evaluators, officials and admins (participation/permissions.py ``screen``). The list
shows every idea with its cost against the cap, its decision and a **suggested
domain** (participation/text.py, from the process's domains and the ideas already
screened into them); **likely duplicates** (text.duplicate_pairs) each with a merge
action that credits both authors (screening.merge); and **clusters by topic**. The
text analysis only suggests: an evaluator decides. Per idea, the form records the
criteria (domain, general interest; cost ≤ cap is computed from the final cost),
internal technical / legal / financial notes, the decision and, for a refusal, the
reason and its public wording in each of the process's languages.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from evoting import db
from evoting import platform_schema as ps
from evoting.accounts import Official
from participation import text
from participation.errors import ParticipationError
from participation.processes import Process
from participation.screening import NOTES, Screening, latest_screening, merge, screen
from participation.text_batch import suggest_domains
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
    whole,
)
from web.platform_officials_words import _, field_errors, message

blueprint = Blueprint("platform_screening", __name__, url_prefix=PREFIX)

ANALYSED = ("submitted", "threshold-reached", "eligible", "refused", "shortlisted")
"""Ideas the duplicates and topics are looked for among (not merged ones)."""
LABELLED = ("eligible", "shortlisted", "selected", "not-selected", "in-progress", "done")
"""Ideas whose domain an evaluator confirmed: the domain suggestion learns from them."""
MAX_ANALYSED = 2_000


def _rows(session: Session, process_id: str) -> list[Any]:
    i = ps.ideas
    return list(
        session.execute(
            select(
                i.c.id,
                i.c.title,
                i.c.text,
                i.c.domain,
                i.c.status,
                i.c.estimated_cost,
                i.c.final_cost,
                i.c.source,
                i.c.hidden_at,
            )
            .where(i.c.process_id == process_id, i.c.status != "merged")
            .order_by(i.c.id)
            .limit(MAX_ANALYSED)
        ).all()
    )


def _seeds(process: Process) -> dict[str, str]:
    """Each of the process's domains in words: text.py's description where it has one,
    and the domain's names in every language."""
    return {
        d.id: " ".join([text.DOMAIN_SEEDS.get(d.id, ""), *d.name.values()]).strip()
        for d in process.settings.domains
    }


def _analysis(process: Process, rows: list[Any]) -> dict[str, Any]:
    analysed = [r for r in rows if r.status in ANALYSED and r.hidden_at is None]
    items = [text.IdeaText(r.id, r.title, r.text) for r in analysed]
    labelled = [
        (text.IdeaText(r.id, r.title, r.text), r.domain)
        for r in rows
        if r.status in LABELLED and r.domain
    ]
    seeds = _seeds(process)
    suggestions: dict[str | int, text.Suggestion | None] = {}
    if seeds:
        asked = [
            text.IdeaText(r.id, r.title, r.text)
            for r in rows
            if r.status in ("submitted", "threshold-reached")
        ]
        ids = {i.id for i in asked}
        mine = [(i, d) for i, d in labelled if i.id not in ids]
        suggestions = suggest_domains(asked, mine, seeds)  # one fit for all: not one per idea
    return {
        "pairs": text.duplicate_pairs(items),
        "clusters": text.clusters(items),
        "suggestions": suggestions,
    }


@blueprint.get("/<process_id>/screening")
@needs("screen")
def ideas(process_id: str, official: Official) -> str:
    with services().factory() as s:
        process = process_or_404(s, process_id)
        rows = _rows(s, process_id)
        decisions = {r.id: latest_screening(s, r.id) for r in rows}
    titles = {r.id: r.title for r in rows}
    return render(
        "screening.html",
        official,
        process=process,
        rows=rows,
        titles=titles,
        decisions=decisions,
        domains={d.id: d for d in process.settings.domains},
        **_analysis(process, rows),
    )


FIELDS = {
    "decision": "decision",
    "domain_ok": "domain_ok",
    "general_interest": "general_interest",
    "final_cost": "final_cost",
    "cost_ok": "final_cost",
    "reason_code": "reason_code",
    **{f"public_reason.{lang}": f"public_reason_{lang}" for lang in ("nl", "fr", "en")},
    **{f"notes.{n}": f"notes_{n}" for n in NOTES},
}


def _form(
    official: Official,
    process_id: str,
    idea_id: int,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> tuple[str, int]:
    with services().factory() as s:
        process = process_or_404(s, process_id)
        idea = idea_in(s, process_id, idea_id)
        t = ps.screenings
        history = [
            Screening(
                r.id,
                r.idea_id,
                r.evaluator,
                r.decision,
                r.domain_ok,
                r.cost_ok,
                r.general_interest,
                {},
                r.reason_code,
                {},
                r.final_cost,
                r.decided_at,
            )
            for r in s.execute(select(t).where(t.c.idea_id == idea_id).order_by(t.c.id.desc()))
        ]
    return render(
        "screen.html",
        official,
        process=process,
        idea=idea,
        values=values,
        errors=errors,
        history=history,
        notes=NOTES,
    ), status


def _values_of(session: Session, idea_id: int) -> dict[str, str]:
    """The form as the last decision left it (or from the idea, when never screened)."""
    last = latest_screening(session, idea_id)
    if last is None:
        return {"domain_ok": "1", "general_interest": "1"}
    values = {
        "decision": last.decision,
        "reason_code": "" if last.decision == "eligible" else last.reason_code,
        "final_cost": "" if last.final_cost is None else str(last.final_cost),
    }
    values |= {
        "domain_ok": "1" if last.domain_ok else "",
        "general_interest": "1" if last.general_interest else "",
    }
    values |= {f"public_reason_{k}": v for k, v in last.public_reason.items()}
    values |= {f"notes_{k}": v for k, v in last.notes.items()}
    return values


@blueprint.get("/<process_id>/screening/<int:idea_id>")
@needs("screen")
def screen_form(process_id: str, idea_id: int, official: Official) -> tuple[str, int]:
    with services().factory() as s:
        idea_in(s, process_id, idea_id)
        values = _values_of(s, idea_id)
    return _form(official, process_id, idea_id, values, {})


@blueprint.post("/<process_id>/screening/<int:idea_id>")
@limiter.limit(ACTION_LIMIT)
@needs("screen")
def screen_idea(process_id: str, idea_id: int, official: Official) -> Response | tuple[str, int]:
    values = {k: v for k, v in request.form.items() if k != "csrf_token"}
    cost = whole("final_cost")
    if isinstance(cost, str):
        errors = {"final_cost": _("A whole number, such as 40000.")}
        return _form(official, process_id, idea_id, values, errors, 400)
    decision = values.get("decision", "")
    languages: tuple[str, ...] = ("nl",)
    try:
        with db.UnitOfWork(services().factory) as uow:
            process = process_or_404(uow.session, process_id)
            idea_in(uow.session, process_id, idea_id)
            languages = process.settings.languages
            reason = texts("public_reason", languages)
            screen(
                uow.session,
                official,
                idea_id,
                decision=decision,
                domain_ok=bool(values.get("domain_ok")),
                general_interest=bool(values.get("general_interest")),
                final_cost=cost,
                now=now(),
                reason_code=values.get("reason_code") or None,
                public_reason=reason if any(v.strip() for v in reason.values()) else None,
                notes={n: values.get(f"notes_{n}", "") for n in NOTES},
            )
            uow.commit()
    except ParticipationError as exc:
        errors = field_errors(
            exc, FIELDS | {"public_reason": f"public_reason_{languages[0]}"}, "form"
        )
        return _form(official, process_id, idea_id, values, errors, 400)
    flash(_("Idea %(n)s was screened.", n=idea_id), "ok")
    return redirect(url_for(".ideas", process_id=process_id))


@blueprint.post("/<process_id>/merge")
@limiter.limit(ACTION_LIMIT)
@needs("screen")
def merge_ideas(process_id: str, official: Official) -> Response:
    try:
        with db.UnitOfWork(services().factory) as uow:
            process_or_404(uow.session, process_id)
            duplicate = idea_in(uow.session, process_id, request.form.get("duplicate"))
            into = idea_in(uow.session, process_id, request.form.get("into"))
            merge(uow.session, official, duplicate.id, into.id, now())
            uow.commit()
    except ParticipationError as exc:
        flash(message(exc), "error")
    else:
        flash(
            _(
                "Idea %(a)s was merged into idea %(b)s; both authors are credited.",
                a=duplicate.id,
                b=into.id,
            ),
            "ok",
        )
    return redirect(url_for(".ideas", process_id=process_id))
