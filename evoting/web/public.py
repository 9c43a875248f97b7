"""Public pages: the election, the bulletin board, spoiled ballots, the results."""

from __future__ import annotations

import re

from flask import Blueprint, abort, render_template, request, send_file
from sqlalchemy import select

from ballots import board
from ballots.ballot import tracking_code_short
from ballots.chain import BoardEntry
from ballots.spoil import SpoiledMismatch, verify_spoiled
from evoting import schema
from evoting.crypto.canonical import b64encode, parse_canonical
from evoting.elections import election_public_key, list_elections
from evoting.web.app import services
from evoting.web.views import load_election, phase

blueprint = Blueprint("public", __name__)

HEX64 = re.compile(r"^[0-9a-f]{64}$")
SHORT = re.compile(r"^[A-Z2-7]{16}$")


@blueprint.get("/")
def index() -> str:
    with services().factory() as session:
        elections = [e for e in list_elections(session) if e.state != "draft"]
    return render_template("public/index.html", elections=elections, phase=phase)


@blueprint.get("/e/<election_id>")
def election(election_id: str) -> str:
    found = load_election(election_id)
    return render_template("public/election.html", election=found, phase=phase(found))


def _find(election_id: str, typed: str) -> BoardEntry | None:
    """A board entry by its full tracking code or its short form (any case, dashes)."""
    code = "".join(typed.split()).replace("-", "")
    with services().factory() as session:
        if HEX64.match(code.lower()):
            return board.by_tracking_code(session, election_id, code.lower())
        if SHORT.match(code.upper()):
            rows = session.execute(
                select(schema.board_entries.c.tracking_code).where(
                    schema.board_entries.c.election_id == election_id
                )
            ).scalars()
            for full in rows:  # the board is public; the short form is 80 bits
                if tracking_code_short(full).replace("-", "") == code.upper():
                    return board.by_tracking_code(session, election_id, full)
    return None


@blueprint.get("/e/<election_id>/board")
def bulletin_board(election_id: str) -> str:
    found = load_election(election_id)
    typed = request.args.get("code", "").strip()[:100]
    entry = _find(election_id, typed) if typed else None
    with services().factory() as session:
        head = board.signed_head(session, election_id, found.fingerprint, services().keys)
    return render_template(
        "public/board.html", election=found, phase=phase(found), head=head, typed=typed,
        entry=entry, short=tracking_code_short,
    )  # fmt: skip


def _spoiled(election_id: str) -> list[dict[str, object]]:
    found = load_election(election_id)
    s = schema.spoiled_ballots
    with services().factory() as session:
        key = election_public_key(session, election_id)
        records = session.execute(
            select(s.c.record).where(s.c.election_id == election_id).order_by(s.c.id)
        ).scalars()
        out = []
        for text in records:
            record = parse_canonical(text.encode("utf-8"))
            try:
                ballot, revealed = verify_spoiled(found.manifest, key, record)
                out.append({"code": ballot.tracking_code, "revealed": revealed, "ok": True})
            except SpoiledMismatch as exc:  # stored only after this check: never expected
                out.append({"code": None, "revealed": {}, "ok": False, "reason": str(exc)})
    return out


@blueprint.get("/e/<election_id>/spoiled")
def spoiled(election_id: str) -> str:
    found = load_election(election_id)
    wanted = request.args.get("code", "")
    checked = _spoiled(election_id)
    if wanted:
        checked = [c for c in checked if c["code"] == wanted]
    with services().factory() as session:
        key = b64encode(election_public_key(session, election_id).to_bytes())
    return render_template(
        "public/spoiled.html", election=found, phase=phase(found), spoiled=checked,
        wanted=wanted, short=tracking_code_short, election_key=key,
    )  # fmt: skip


@blueprint.get("/e/<election_id>/spoiled.jsonl")
def spoiled_download(election_id: str):  # type: ignore[no-untyped-def]
    load_election(election_id)
    s = schema.spoiled_ballots
    with services().factory() as session:
        records = session.execute(
            select(s.c.record).where(s.c.election_id == election_id).order_by(s.c.id)
        ).scalars()
        body = "".join(f"{r}\n" for r in records)
    return body, 200, {"Content-Type": "application/x-ndjson; charset=utf-8"}


def _visible(state: str) -> tuple[bool, bool]:
    """(shown, preview): the public sees the results once published; a logged-in
    official sees them once tallied, marked as not yet published."""
    from evoting.web.officials import current

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
    return render_template(
        "public/results.html", election=found, phase=phase(found), result=result,
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
