"""The shortlist becomes a vote in one step (officials and admins).

The official picks eligible ideas (each with its title as a project in every language
of the process), the vote type — approval with a minimum and a maximum, points such
as 3/2/1, or a budget basket with its budget — the winner rule, the window and the
election's facts (web address, municipality, minimum age, trustees). In one
transaction the ideas go on the shortlist (screening.add_to_shortlist; those no
longer picked come off it), participation/vote.py writes the manifest from it, the
election is created exactly as the officials' "create an election" does
(`services.lifecycle.set_up_election`) and linked to the process (vote.link_election).
The official then continues on the election's page: register, trustees, opening.
"Preview" does all of it but the election, shows the manifest and its fingerprint,
and keeps nothing.

The unit of work starts by locking the process row (screening.lock_process), so two
officials making the vote at once queue: the second is told, in words and with a
link, that the vote exists already. A hidden idea still on the shortlist (hidden
before moderation took such ideas off it) is listed, marked and unticked, so that it
comes off; hidden eligible ideas are not offered.
"""

from __future__ import annotations

import datetime
from typing import Any

import yaml
from flask import Blueprint, flash, redirect, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from evoting import db
from evoting import platform_schema as ps
from evoting.accounts import Official
from evoting.election import ManifestError, parse_manifest
from evoting.elections import ElectionError
from participation.errors import AlreadyExists, InvalidInput, ParticipationError, ShortlistError
from participation.fields import ZONE, from_json
from participation.processes import Process
from participation.screening import add_to_shortlist, lock_process, remove_from_shortlist
from participation.vote import KINDS, VoteSpec, link_election, shortlist_manifest
from services.lifecycle import set_up_election
from web import errors
from web.extensions import limiter, services
from web.platform_officials_base import (
    ACTION_LIMIT,
    PREFIX,
    needs,
    now,
    process_or_404,
    render,
    texts,
)
from web.platform_officials_words import _, message

blueprint = Blueprint("platform_vote", __name__, url_prefix=PREFIX)

PROBLEMS_SHOWN = 30


def _candidates(session: Session, process_id: str) -> list[Any]:
    i = ps.ideas
    return list(
        session.execute(
            select(
                i.c.id,
                i.c.title,
                i.c.status,
                i.c.final_cost,
                i.c.domain,
                i.c.project_title,
                i.c.hidden_at,
            )
            .where(
                i.c.process_id == process_id,
                ((i.c.status == "eligible") & i.c.hidden_at.is_(None))
                | (i.c.status == "shortlisted"),
            )
            .order_by(i.c.id)
        ).all()
    )


def _local(moment: datetime.datetime | None) -> str:
    return "" if moment is None else moment.astimezone(ZONE).strftime("%Y-%m-%dT%H:%M")


def _defaults(process: Process, rows: list[Any]) -> dict[str, str]:
    values = {
        "kind": "approval",
        "min_choices": "0",
        "points": "3,2,1",
        "method": "greedy",
        "minimum_age": "16",
        "trustees": "3",
        "threshold": "2",
        "election_id": f"{process.id}-vote"[:63],
        "ties": "lower_cost",
    }
    if process.settings.cost_cap is not None:
        values["max_cost"] = str(process.settings.cost_cap)
    for phase in process.phases:
        if phase.kind == "vote":
            values |= {"opens": _local(phase.start), "closes": _local(phase.end)}
    for r in rows:
        titles = from_json(r.project_title) or {}
        for lang in process.settings.languages:
            values[f"title_{r.id}_{lang}"] = titles.get(lang, r.title)
        if r.status == "shortlisted" and r.hidden_at is None:
            values[f"pick_{r.id}"] = "1"
    return values


def _page(
    official: Official,
    process_id: str,
    values: dict[str, str] | None = None,
    problems: dict[str, str] | None = None,
    status: int = 200,
    **extra: Any,
) -> tuple[str, int]:
    with services().factory() as s:
        process = process_or_404(s, process_id)
        rows = _candidates(s, process_id)
    shown = _defaults(process, rows) if values is None else values
    return render(
        "vote.html",
        official,
        process=process,
        rows=rows,
        values=shown,
        errors=problems or {},
        kinds=KINDS,
        **extra,
    ), status


@blueprint.get("/<process_id>/vote")
@needs("run")
def shortlist(process_id: str, official: Official) -> tuple[str, int]:
    return _page(official, process_id)


class Refused(Exception):
    """The form does not make a vote: ``errors`` by field, ``problems`` of the manifest."""

    def __init__(self, errors: dict[str, str], problems: list[str] | None = None) -> None:
        super().__init__("refused")
        self.errors, self.problems = errors, problems or []


def _number(values: dict[str, str], name: str, *, required: bool = True) -> int | None:
    raw = values.get(name, "").strip().replace(".", "").replace(" ", "")
    if not raw and not required:
        return None
    if not raw.isdigit() or len(raw) > 12:
        raise Refused({name: _("A whole number, such as 40000.")})
    return int(raw)


def _max_choices(values: dict[str, str]) -> int | None:
    found = _number(values, "max_choices", required=False)
    if found == 0:
        raise Refused({"max_choices": _("At least 1, or empty for every project.")})
    return found


def _moment(values: dict[str, str], name: str) -> datetime.datetime:
    try:
        moment = datetime.datetime.fromisoformat(values.get(name, "").strip())
    except ValueError:
        raise Refused({name: _("A day and a time, such as 2026-05-16T08:00.")}) from None
    return moment.replace(tzinfo=ZONE) if moment.tzinfo is None else moment


def _spec(process: Process, values: dict[str, str]) -> VoteSpec:
    kind = values.get("kind", "")
    if kind not in KINDS:
        raise Refused({"kind": _("Choose the kind of vote.")})
    points: tuple[int, ...] = (3, 2, 1)
    if kind == "points":
        try:
            points = tuple(int(p) for p in values.get("points", "").replace(" ", "").split(","))
        except ValueError:
            raise Refused(
                {"points": _("Points from the first choice down, such as 3,2,1.")}
            ) from None
    method = values.get("method", "greedy")
    ties = ("lower_cost", "lot") if values.get("ties") == "lower_cost" else ("lot",)
    return VoteSpec(
        kind=kind,
        question=texts("question", process.settings.languages),
        web_address=values.get("web_address", "").strip(),
        municipality=values.get("municipality", "").strip(),
        minimum_age=_number(values, "minimum_age") or 0,
        trustees=_number(values, "trustees") or 0,
        threshold=_number(values, "threshold") or 0,
        seed=values.get("seed", "").strip(),
        method=method,
        budget=_number(values, "budget", required=method == "greedy"),
        seats=_number(values, "seats", required=method == "top"),
        ties=ties,
        max_choices=_max_choices(values) if kind == "approval" else None,
        min_choices=_number(values, "min_choices", required=False) or 0,
        points=points,
        basket=_number(values, "basket", required=kind == "budget"),
        opens=_moment(values, "opens"),
        closes=_moment(values, "closes"),
        election_id=values.get("election_id", "").strip() or None,
    )


def _shortlist(
    session: Session, official: Official, process: Process, rows: list[Any], values: dict[str, str]
) -> None:
    """Put the picked ideas on the shortlist with their titles, take the others off."""
    moment, problems = now(), {}
    for r in rows:
        picked = bool(values.get(f"pick_{r.id}"))
        titles = {
            lang: values.get(f"title_{r.id}_{lang}", "") for lang in process.settings.languages
        }
        same = r.status == "shortlisted" and from_json(r.project_title) == titles
        if r.status == "shortlisted" and (not picked or not same):
            remove_from_shortlist(session, official, r.id, moment)
        if picked and not same:
            try:
                add_to_shortlist(session, official, r.id, titles, moment)
            except InvalidInput as exc:
                lang = exc.field.rpartition(".")[2]
                problems[f"title_{r.id}_{lang}"] = message(exc)
    if problems:
        raise Refused(problems)


def _made(exc: ParticipationError) -> bool:
    """The process has its vote already (another official made it first)."""
    return isinstance(exc, AlreadyExists) and exc.kind == "vote of process"


def _refusal(exc: ParticipationError) -> str:
    if _made(exc):
        return _(
            "A vote was made from this shortlist already, by another official: nothing was changed."
        )
    return message(exc)


@blueprint.post("/<process_id>/vote")
@limiter.limit(ACTION_LIMIT)
@needs("run")
def make_vote(process_id: str, official: Official) -> Response | tuple[str, int]:
    values = {k: v for k, v in request.form.items() if k != "csrf_token"}
    create = request.form.get("action") == "create"
    s = services()
    try:
        with db.UnitOfWork(s.factory) as uow:
            # first: another official making the vote, or a shortlist change, waits here
            lock_process(uow.session, process_id)
            process = process_or_404(uow.session, process_id)
            if process.election_id is not None:
                raise AlreadyExists("vote of process", process_id)
            spec = _spec(process, values)
            _shortlist(uow.session, official, process, _candidates(uow.session, process_id), values)
            document = shortlist_manifest(uow.session, process_id, spec)
            manifest = parse_manifest(document)
            if create:
                election = set_up_election(
                    uow.session, manifest, s.keys, now(), by=official.username, process=process_id
                )
                link_election(uow.session, official, process_id, election.id, now())
                uow.commit()
            # else a preview: the transaction is rolled back, nothing is kept
    except Refused as exc:
        return _page(official, process_id, values, exc.errors, 400)
    except (ShortlistError, ManifestError) as exc:
        said = message(exc) if isinstance(exc, ShortlistError) else errors.message(exc)
        return _page(
            official,
            process_id,
            values,
            {"form": said},
            400,
            details=exc.problems[:PROBLEMS_SHOWN],
        )
    except ParticipationError as exc:
        found = {"form": _refusal(exc)}
        if isinstance(exc, InvalidInput):
            found[exc.field.replace(".", "_")] = message(exc)
        return _page(official, process_id, values, found, 409 if _made(exc) else 400)
    except ElectionError as exc:
        return _page(official, process_id, values, {"form": errors.message(exc)}, 400)
    if not create:
        preview = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
        return _page(
            official, process_id, values, preview=preview, fingerprint=manifest.fingerprint.hex()
        )
    flash(
        _(
            "The vote was made from the shortlist. Its fingerprint: %(fingerprint)s. Go on "
            "with the register, the trustees and the opening.",
            fingerprint=manifest.fingerprint.hex(),
        ),
        "ok",
    )
    return redirect(url_for("officials.election", election_id=election.id))
