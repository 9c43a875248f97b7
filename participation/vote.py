"""The shortlist becomes a vote in one step: the election manifest, written from it.

`shortlist_manifest` writes the manifest (evoting/election.py, docs/manifest.md)
of an ``approval``, ``points`` or ``budget`` question whose projects are the
shortlisted ideas — project id ``idea-<id>``, the shortlist's title in each of the
process's languages, the screening's **final cost** in whole euros, the idea's
domain, and the process's cost cap as ``max_cost`` — and checks it with the
manifest's own parser, so what it returns is what `evoting.election` accepts.

The official then goes on with the normal election flow (the caller:
``evoting.lifecycle.set_up_election``, the register, the trustees, opening) and
calls `link_election` so that the process page shows the vote and, after the
tally, its results (followup.py).

A process has one vote: `link_election` takes the process row's lock first
(screening.lock_process) and links only a process with no vote yet, else
`AlreadyExists` ("vote of process"); the shortlist cannot change once it is linked.
Hidden ideas never go on the ballot: a shortlisted idea hidden by a moderator before
that rule existed is left out of the manifest, and `link_election` takes it off the
shortlist (back to eligible, logged), so that the results name the whole shortlist.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

import yaml
from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from evoting import platform_schema as ps
from evoting.accounts import Official
from evoting.election import Manifest, ManifestError, parse_manifest
from evoting.elections import get_election
from participation import log
from participation.errors import AlreadyExists, InvalidInput, ShortlistError
from participation.fields import ZONE, from_json, per_language
from participation.ideas import change_status, get_idea
from participation.permissions import require_official
from participation.processes import Process, get_process
from participation.screening import lock_process

KINDS = ("approval", "points", "budget")
PROJECT_ID = re.compile(r"idea-([0-9]+)")


@dataclass(frozen=True, slots=True)
class VoteSpec:
    """What the official decides about the vote; the rest comes from the process.

    ``opens``/``closes``: the window (default: the vote phase's first day's midnight
    to the midnight after its last day, Brussels). ``method``: ``greedy`` with
    ``budget`` (the amount to spend) or ``top`` with ``seats``; ``ties`` end with
    ``lot``, drawn from the published ``seed``. ``max_choices``/``min_choices`` for
    approval, ``points`` for points, ``basket`` (the budget a ballot may fill) for a
    budget basket.
    """

    kind: str
    question: Mapping[str, str]
    web_address: str
    municipality: str
    minimum_age: int
    trustees: int
    threshold: int
    seed: str
    method: str = "greedy"
    budget: int | None = None
    seats: int | None = None
    ties: tuple[str, ...] = ("lower_cost", "lot")
    max_choices: int | None = None
    min_choices: int = 0
    points: tuple[int, ...] = (3, 2, 1)
    basket: int | None = None
    opens: datetime.datetime | None = None
    closes: datetime.datetime | None = None
    election_id: str | None = None


def _moment(moment: datetime.datetime) -> str:
    return moment.astimezone(ZONE).strftime("%Y-%m-%dT%H:%M")


def _window(process: Process, spec: VoteSpec) -> tuple[str, str]:
    if spec.opens is not None and spec.closes is not None:
        return _moment(spec.opens), _moment(spec.closes)
    phase = process.phase("vote")
    end = phase.end
    if end is None:
        raise InvalidInput("closes", "missing", "the vote phase has no last day")
    return _moment(spec.opens or phase.start), _moment(spec.closes or end)


def _projects(session: Session, process: Process) -> list[dict[str, object]]:
    i = ps.ideas
    rows = session.execute(
        select(i)
        .where(i.c.process_id == process.id, i.c.status == "shortlisted", i.c.hidden_at.is_(None))
        .order_by(i.c.id)
    )
    out = []
    for r in rows:
        project: dict[str, object] = {"id": f"idea-{r.id}", "title": from_json(r.project_title),
                                      "cost": r.final_cost}  # fmt: skip
        if r.domain is not None:
            project["domain"] = r.domain
        out.append(project)
    return out


def shortlist_manifest(session: Session, process_id: str, spec: VoteSpec) -> dict[str, object]:
    """The manifest (a plain dict, as YAML or JSON would hold it); raises `ShortlistError`
    with the manifest reader's problems if it is not a valid one."""
    process = get_process(session, process_id)
    if spec.kind not in KINDS:
        raise InvalidInput("kind", "unknown", ", ".join(KINDS))
    languages = list(process.settings.languages)
    projects = _projects(session, process)
    if not projects:
        raise ShortlistError(process_id, ["the shortlist is empty"])
    opens, closes = _window(process, spec)
    question: dict[str, object] = {
        "id": "projects", "type": spec.kind,
        "text": per_language(spec.question, languages, "question", 1_000),
        "cost_unit": "EUR", "projects": projects,
    }  # fmt: skip
    if process.settings.cost_cap is not None:
        question["max_cost"] = process.settings.cost_cap
    rule: dict[str, object] = {"method": spec.method, "ties": list(spec.ties), "seed": spec.seed}
    if spec.method == "greedy":
        rule["budget"] = spec.budget
    else:
        rule["seats"] = spec.seats
    question["rule"] = rule
    if spec.kind == "approval":
        if spec.max_choices is not None and spec.max_choices < 1:
            raise InvalidInput("max_choices", "invalid", "at least 1, or none for every project")
        question["min_choices"] = spec.min_choices
        question["max_choices"] = spec.max_choices or len(projects)
    elif spec.kind == "points":
        question["points"] = list(spec.points)
    else:
        question["budget"] = spec.basket if spec.basket is not None else spec.budget
    manifest: dict[str, object] = {
        "id": spec.election_id or f"{process_id}-vote"[:63],
        "languages": languages,
        "title": dict(process.title),
        "web_address": spec.web_address,
        "window": {"opens": opens, "closes": closes, "timezone": "Europe/Brussels"},
        "eligibility": {"minimum_age": spec.minimum_age, "municipality": spec.municipality},
        "questions": [question],
        "trustees": {"n": spec.trustees, "k": spec.threshold},
    }
    try:
        parse_manifest(manifest)
    except ManifestError as exc:
        raise ShortlistError(process_id, list(exc.problems)) from exc
    return manifest


def shortlist_manifest_yaml(session: Session, process_id: str, spec: VoteSpec) -> str:
    """The same manifest as YAML text, for the official to keep or edit."""
    return yaml.safe_dump(shortlist_manifest(session, process_id, spec), allow_unicode=True,
                          sort_keys=False)  # fmt: skip


def shortlist_manifest_parsed(session: Session, process_id: str, spec: VoteSpec) -> Manifest:
    return parse_manifest(shortlist_manifest(session, process_id, spec))


def link_election(
    session: Session, official: Official, process_id: str, election_id: str,
    now: datetime.datetime,
) -> None:  # fmt: skip
    """Record that ``election_id`` (created by the caller from `shortlist_manifest`) is the
    process's vote: its projects must be exactly the shortlist (its hidden ideas left out).
    `AlreadyExists` if the process has a vote already (module docstring)."""
    require_official(official, "run")
    process = lock_process(session, process_id)
    if process.election_id is not None:
        raise AlreadyExists("vote of process", process_id)
    election = get_election(session, election_id)
    i = ps.ideas
    rows = session.execute(select(i.c.id, i.c.hidden_at).order_by(i.c.id).where(
        i.c.process_id == process_id, i.c.status == "shortlisted")).all()  # fmt: skip
    wanted = {f"idea-{r.id}" for r in rows if r.hidden_at is None}
    found = {p.id for q in election.manifest.questions if q.vote is not None
             for p in q.vote.projects}  # fmt: skip
    if found != wanted:
        raise ShortlistError(
            process_id,
            [
                f"election {election_id!r} has projects "
                f"{sorted(found)}, the shortlist {sorted(wanted)}"
            ],
        )
    linked = cast(CursorResult[Any], session.execute(
        update(ps.processes).where(ps.processes.c.id == process_id,
                                   ps.processes.c.election_id.is_(None))
        .values(election_id=election_id))).rowcount  # fmt: skip
    if linked != 1:
        raise AlreadyExists("vote of process", process_id)
    for r in rows:
        if r.hidden_at is not None:
            change_status(session, get_idea(session, r.id, lock=True), "eligible", now,
                          project_title=None)  # fmt: skip
            log.append(session, process_id, official.username, "idea-unshortlisted",
                       {"idea": r.id, "reason": "hidden"}, now)  # fmt: skip
    log.append(session, process_id, official.username, "vote-created",
               {"election": election_id, "fingerprint": election.fingerprint.hex(),
                "projects": sorted(wanted)}, now)  # fmt: skip


def idea_of_project(project_id: str) -> int | None:
    """The idea id behind a project id ``idea-<id>`` (None for another id)."""
    m = PROJECT_ID.fullmatch(project_id)
    return None if m is None else int(m.group(1))
