"""Public pages: the election, the bulletin board, spoiled ballots, the results.

From the moment an election is created its page shows what to pin before the vote
(the fingerprint, the authority key's hash, the board key) and offers its
canonical manifest; a draft shows nothing else (no board, booth or results).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, abort, render_template, request, send_file
from flask import stream_with_context as streamed
from sqlalchemy import func, select

from ballots import board
from ballots.ballot import tracking_code_short
from ballots.chain import BoardEntry
from ballots.encoding import ContestSpec, contests
from evoting import schema
from evoting.crypto.canonical import b64encode
from evoting.election import Question
from evoting.elections import Election, ElectionError, election_public_key, list_elections
from evoting.elections import sealed_public_key as stored_public_key
from web import i18n, project_view
from web.extensions import services
from web.turnout import registrar_figures, turnout
from web.views import load_election, phase

blueprint = Blueprint("public", __name__)

HEX64 = re.compile(r"^[0-9a-f]{64}$")
SHORT = re.compile(r"^[A-Z2-7]{16}$")
SPOILED_PER_PAGE = 50
BOARD_PER_PAGE = 100


@blueprint.get("/")
def index() -> str:
    with services().factory() as session:
        elections = list_elections(session)
    return render_template("public/index.html", elections=elections, phase=phase)


def _pins(election: Election) -> dict[str, str | None]:
    """What to pin before the vote: the fingerprint (SHA-256 of the canonical manifest),
    the SHA-256 of the authority's public key if the manifest pins one, and the board key."""
    authority = election.manifest.authority_key
    with services().factory() as session:
        try:
            board_key: str | None = b64encode(stored_public_key(session, election.id, "board"))
        except ElectionError:
            board_key = None
    return {
        "fingerprint": election.fingerprint.hex(),
        "authority": hashlib.sha256(authority).hexdigest() if authority is not None else None,
        "board": board_key,
    }


@blueprint.get("/e/<election_id>")
def election(election_id: str) -> str:
    found = load_election(election_id, drafts=True)
    projects = {q.id: project_view.before_vote(q) for q in found.manifest.questions if q.vote}
    return render_template("public/election.html", election=found, phase=phase(found),
                           pins=_pins(found), projects=projects)  # fmt: skip


@blueprint.get("/e/<election_id>/manifest.json")
def manifest_download(election_id: str) -> Response:
    """The canonical manifest, whose SHA-256 is the fingerprint (drafts included)."""
    found = load_election(election_id, drafts=True)
    name = f"{found.id}-manifest.json"
    return Response(found.manifest.canonical(), mimetype="application/json",
                    headers={"Content-Disposition": f"attachment; filename={name}"})  # fmt: skip


def _codes_like(table: Any, election_id: str, typed: str) -> list[str] | None:
    """The tracking codes of ``table`` that a typed code names: the full code (64 hex
    digits), or the short form on receipts (16 base32 characters, dashes and case as
    typed), which is the first 80 bits: a range of the (election, tracking code)
    index, never a scan. None if nothing was typed. (For the spoiled ballots; the board
    has a short-code column of its own: `_find`.)"""
    code = "".join(typed.split()).replace("-", "")
    if not code:
        return None
    if HEX64.match(code.lower()):
        low, high = code.lower(), code.lower()
    elif SHORT.match(code.upper()):
        low = base64.b32decode(code.upper()).hex()  # 20 hex digits
        high = low + "g"  # after every code that starts with them ("g" > "f")
    else:
        return []
    c = table.c
    with services().factory() as session:
        rows = session.execute(
            select(c.tracking_code)
            .where(c.election_id == election_id, c.tracking_code >= low, c.tracking_code <= high)
            .limit(10)
        )
        return list(rows.scalars())


def _find(election_id: str, typed: str) -> BoardEntry | None:
    """A board entry by its full tracking code or its short form (any case, dashes,
    spaces): each an index search (ballots/board.py), never a scan of the board. Two
    codes that share the short form's 80 bits: it names neither."""
    code = "".join(typed.split()).replace("-", "")
    with services().factory() as session:
        if HEX64.match(code.lower()):
            return board.by_tracking_code(session, election_id, code)
        if SHORT.match(code.upper()):
            return board.by_short_code(session, election_id, code)
    return None


def _after() -> int:
    """The board page's ``after`` (the last position of the page before): anything but a
    whole number gives the first page; a number past the board's end, the view's 404."""
    text = request.args.get("after", "")
    if not (text.isascii() and text.isdigit()):
        return 0
    return int(text) if len(text) <= 12 else 10**12  # past any board's end: the view's 404


@blueprint.get("/e/<election_id>/board")
def bulletin_board(election_id: str) -> str:
    """The board's head, a look-up by tracking code, and the entries a page at a time in
    chain order (keyset by position: ``?after=200`` shows 201–300)."""
    found = load_election(election_id)
    typed = request.args.get("code", "").strip()[:100]
    entry = _find(election_id, typed) if typed else None
    after = _after()
    with services().factory() as session:
        head = board.signed_head(session, election_id, found.fingerprint, services().keys)
        if after and after >= head.position:  # past the end: no such page
            abort(404)
        entries = board.page(session, election_id, after, BOARD_PER_PAGE)
    last = entries[-1].position if entries else after
    return render_template(
        "public/board.html", election=found, phase=phase(found), head=head, typed=typed,
        entry=entry, short=tracking_code_short, entries=entries, after=after,
        previous=max(0, after - BOARD_PER_PAGE) if after else None,
        next=last if last < head.position else None,
        final_page=max(0, head.position - 1) // BOARD_PER_PAGE * BOARD_PER_PAGE,
    )  # fmt: skip


@dataclass(frozen=True)
class _Contest:
    """A contest of the ballot as the opened-ballots page reads it back."""

    text: str  # its question or statement in the page's language
    spec: ContestSpec
    question: Question


def _contests(election: Election) -> dict[str, _Contest]:
    """Contest label → its text, its contest (ballots/encoding.py) and its question."""
    texts: dict[str, str] = {}
    for q in election.manifest.questions:
        texts[q.id] = i18n.text(q.text)
        for s in q.statements:
            texts[f"{q.id}/{s.id}"] = i18n.text(s.text)
    questions = {q.id: q for q in election.manifest.questions}
    return {spec.label: _Contest(texts.get(spec.label, spec.label), spec,
                                 questions[spec.question_id])
            for spec in contests(election.manifest)}  # fmt: skip


def _as_revealed(selections: object) -> str:
    """Selections as the record holds them, for a line that says they are no answer."""
    if isinstance(selections, list):
        return ", ".join(json.dumps(s) for s in selections) or "[]"
    return json.dumps(selections)


def _revealed(record: Any, known: dict[str, _Contest]) -> list[dict[str, Any]]:
    """What a stored spoiled ballot revealed, per contest, in the page's language: the
    question (or statement) and the option chosen; for a project question the booth
    review's lines (project_view.opened). The record was checked before it was stored
    (ballots/cast.py); here it is only read, never re-encrypted: `evote verify-spoiled`
    re-checks the download. Selections that are no answer the contest can hold are
    shown as revealed, with a sentence saying so."""
    shown: list[dict[str, Any]] = []
    items = record.get("contests") if isinstance(record, dict) else None
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        label, revealed = str(item.get("label", "")), item.get("selections")
        contest = known.get(label)
        chosen = project_view.revealed_selections(contest.spec, revealed) if contest else None
        if contest is None or chosen is None:
            shown.append({"question": contest.text if contest else label,
                          "invalid": _as_revealed(revealed)})  # fmt: skip
        elif contest.question.vote is not None:
            shown.append({"question": contest.text,
                          "project": project_view.opened(contest.question, contest.spec,
                                                         chosen)})  # fmt: skip
        else:
            picked = [o for o, v in zip(contest.spec.options, chosen, strict=True) if v]
            shown.append({"question": contest.text, "chosen": picked})
    return shown


def _spoiled(election: Election, typed: str, page: int) -> tuple[list[dict[str, Any]], int]:
    """One page of spoiled ballots, newest first, and how many there are in all."""
    s = schema.spoiled_ballots
    where = [s.c.election_id == election.id]
    codes = _codes_like(s, election.id, typed)
    if codes is not None:
        where.append(s.c.tracking_code.in_(codes))
    known = _contests(election)
    with services().factory() as session:
        total = int(session.execute(select(func.count()).select_from(s).where(*where)).scalar_one())
        rows = session.execute(
            select(s.c.tracking_code, s.c.record).where(*where).order_by(s.c.id.desc())
            .limit(SPOILED_PER_PAGE).offset((page - 1) * SPOILED_PER_PAGE)
        )  # fmt: skip
        shown = [{"code": code, "revealed": _revealed(json.loads(text), known)}
                 for code, text in rows]  # fmt: skip
    return shown, total


def _page_number() -> int:
    try:
        return max(1, min(int(request.args.get("page", "1")), 1_000_000))
    except ValueError:
        return 1


@blueprint.get("/e/<election_id>/spoiled")
def spoiled(election_id: str) -> str:
    found = load_election(election_id)
    wanted = request.args.get("code", "").strip()[:100]
    page = _page_number()
    shown, total = _spoiled(found, wanted, page)
    pages = max(1, -(-total // SPOILED_PER_PAGE))
    with services().factory() as session:
        key = b64encode(election_public_key(session, election_id).to_bytes())
    return render_template(
        "public/spoiled.html", election=found, phase=phase(found), spoiled=shown, total=total,
        page=page, pages=pages, wanted=wanted, short=tracking_code_short, election_key=key,
    )  # fmt: skip


@blueprint.get("/e/<election_id>/spoiled.jsonl")
def spoiled_download(election_id: str) -> Response:
    """Every spoiled-ballot record as stored, one per line, for `evote verify-spoiled`."""
    load_election(election_id)
    s = schema.spoiled_ballots

    def lines() -> Iterator[str]:
        with services().factory() as session:
            query = select(s.c.record).where(s.c.election_id == election_id).order_by(s.c.id)
            for record in session.execute(query.execution_options(yield_per=500)).scalars():
                yield f"{record}\n"

    return Response(streamed(lines()), content_type="application/x-ndjson; charset=utf-8")


def _visible(state: str) -> tuple[bool, bool]:
    """(shown, preview): the public sees the results once published; a logged-in
    official sees them once tallied, marked as not yet published."""
    from web.officials import current

    if state == "published":
        return True, False
    if state == "tallied" and current() is not None:
        return True, True
    return False, False


@blueprint.get("/e/<election_id>/results")
def results(election_id: str) -> str:
    from tally.service import tally_record

    found = load_election(election_id)
    shown, preview = _visible(found.state)
    if not shown:
        return render_template("public/no_results.html", election=found, phase=phase(found))
    with services().factory() as session:
        result = tally_record(session, election_id)["result"]
    questions = {q.id: q for q in found.manifest.questions}
    projects = {q["id"]: project_view.results(questions[q["id"]], q, result["participants"])
                for q in result["questions"] if questions[q["id"]].vote is not None}  # fmt: skip
    return render_template(
        "public/results.html", election=found, phase=phase(found), result=result,
        projects=projects, turnout=turnout(registrar_figures(found)),
        preview=preview, bundle=published_file(election_id, "bundle.zip") is not None,
        report=published_file(election_id, "report.pdf") is not None,
    )  # fmt: skip


def published_file(election_id: str, name: str):  # type: ignore[no-untyped-def]
    directory = services().published / election_id
    path = directory / name
    return path if path.is_file() else None


@blueprint.get("/e/<election_id>/<any('bundle.zip', 'report.pdf'):name>")
def download(election_id: str, name: str):  # type: ignore[no-untyped-def]
    found = load_election(election_id)
    path = published_file(election_id, name)
    if path is None or not _visible(found.state)[0]:
        abort(404)
    return send_file(path, as_attachment=True, download_name=f"{election_id}-{name}")
