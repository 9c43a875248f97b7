"""The JSON API the booth talks to.

No cookie authenticates any of it, so CSRF protection does not apply (the app
exempts this blueprint): the credential request carries its issuance ticket, and
a ballot carries its credential. The booth sends the cast and the challenge
without cookies (``credentials: "omit"``), so the server cannot tie a ballot to a
login session; it keeps no request log of its own.

Errors are ``{"error": code, "message": text}`` with a 4xx status.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from flask import Blueprint, Response, jsonify, request

from ballots.ballot import MAX_BALLOT_BYTES, BallotRejected
from ballots.board import by_tracking_code, signed_head
from ballots.booth import booth_parameters
from ballots.cast import MAX_SPOILED_BYTES, AppendFailed, cast, publish_spoiled
from evoting.crypto.canonical import b64decode, b64encode
from evoting.crypto.errors import CanonicalEncodingError
from evoting.elections import (
    NoSuchElection,
    checked_credential_public_key,
    election_public_key,
)
from identity.issuance import AlreadyIssued, IssuanceError, TicketRefused, blind_sign
from web import health
from web.casting import RETRY_AFTER_S, Busy, election_cache, proof_gate, status_of
from web.extensions import limiter, services
from web.views import load_election

blueprint = Blueprint("api", __name__, url_prefix="/api")


def _error(status: int, code: str, message: str) -> tuple[Response, int]:
    return jsonify(error=code, message=message), status


def _json_body() -> dict[str, Any] | None:
    value = request.get_json(silent=True)
    return value if isinstance(value, dict) else None


@blueprint.get("/e/<election_id>/booth")
def booth(election_id: str) -> Response:
    election = load_election(election_id)
    s = services()
    with s.factory() as session:
        key = election_public_key(session, election_id)
        credential_key = checked_credential_public_key(session, election_id, s.keys)
    return jsonify(booth_parameters(election.manifest, key, credential_key))


def _ticket() -> str:
    """The rate-limit key of a credential request: its issuance ticket (a hash of it),
    not the client's address, which a whole library or carrier may share."""
    body = _json_body()
    ticket = body.get("ticket") if body is not None else None
    if not isinstance(ticket, str):
        return "no-ticket"
    return hashlib.sha256(ticket.encode("utf-8", "replace")).hexdigest()


def _busy() -> tuple[Response, int]:
    response, status = _error(503, "busy", "the ballot box is very busy: try again in a moment")
    response.headers["Retry-After"] = str(RETRY_AFTER_S)
    return response, status


@blueprint.post("/e/<election_id>/credential")
@limiter.limit("10 per minute", key_func=_ticket)
def credential(election_id: str) -> Response | tuple[Response, int]:
    load_election(election_id)
    body = _json_body()
    if body is None or not isinstance(body.get("ticket"), str):
        return _error(400, "schema", "expected {ticket, blinded}")
    try:
        blinded = b64decode(str(body.get("blinded", "")))
    except CanonicalEncodingError:
        return _error(400, "schema", "blinded: base64url text")
    s = services()
    try:
        signature = blind_sign(s.factory, s.keys, election_id, body["ticket"], blinded, s.clock())
    except TicketRefused as exc:
        health.record_issuance("ticket")
        return _error(403, "ticket", str(exc))
    except AlreadyIssued as exc:
        health.record_issuance("already_issued")
        return _error(409, "already_issued", str(exc))
    except IssuanceError as exc:
        health.record_issuance("refused")
        return _error(403, "refused", str(exc))
    health.record_issuance("accepted")
    return jsonify(blind_signature=b64encode(signature))


def _body(limit: int) -> bytes | None:
    """The request body, or None if it says or turns out to be over ``limit`` bytes
    (refused before it is read whole)."""
    if request.content_length is not None and request.content_length > limit:
        return None
    parts, held = [], 0
    while held <= limit:  # a stream may return less than asked: read to its end
        part = request.stream.read(limit + 1 - held)
        if not part:
            break
        parts.append(part)
        held += len(part)
    return None if held > limit else b"".join(parts)


@blueprint.post("/e/<election_id>/cast")
def cast_ballot(election_id: str) -> Response | tuple[Response, int]:
    """No per-address limit (web/casting.py says what bounds a flood instead). The
    election is read once, by `cast` (an unknown one is a 404)."""
    data = _body(MAX_BALLOT_BYTES)
    if data is None:
        return _error(413, "schema", "the ballot is too large")
    s = services()
    started = time.perf_counter()
    try:
        receipt = cast(s.factory, s.keys, election_id, data, s.clock(), gate=proof_gate,
                       appender=s.appender.append if s.appender else None,
                       lookup=election_cache())  # fmt: skip
    except NoSuchElection:
        return _error(404, "not_found", "there is no such election")
    except BallotRejected as exc:
        health.record_cast(exc.code, time.perf_counter() - started)
        return _error(status_of(exc.code), exc.code, str(exc))
    except (Busy, TimeoutError, AppendFailed):  # no slot; the batch did not commit (in time)
        health.record_cast("busy", time.perf_counter() - started)
        health.record_busy()
        return _busy()
    health.record_cast("accepted", time.perf_counter() - started)
    return jsonify(receipt.to_json())


@blueprint.post("/e/<election_id>/spoil")
def spoil(election_id: str) -> Response | tuple[Response, int]:
    """Bounded per credential (MAX_SPOILED_PER_CREDENTIAL, and web/casting.py's attempts)."""
    load_election(election_id)
    data = _body(MAX_SPOILED_BYTES)
    if data is None:
        return _error(413, "schema", "the record is too large")
    s = services()
    try:
        code = publish_spoiled(s.factory, s.keys, election_id, data, now=s.clock(),
                               gate=proof_gate)  # fmt: skip
    except BallotRejected as exc:
        health.record_spoil(exc.code)
        return _error(status_of(exc.code), exc.code, str(exc))
    except Busy:
        health.record_spoil("busy")
        health.record_busy()
        return _busy()
    health.record_spoil("accepted")
    return jsonify(tracking_code=code)


@blueprint.get("/e/<election_id>/board/<code>")
def board_entry(election_id: str, code: str) -> Response | tuple[Response, int]:
    """A board entry by its tracking code: the full 64 hex digits, at least 16 leading
    ones, or the receipt's short form (16 base32 characters); each an index search."""
    from ballots.board import by_short_code

    load_election(election_id)
    with services().factory() as session:
        entry = by_tracking_code(session, election_id, code) or by_short_code(
            session, election_id, code
        )
    if entry is None:
        return _error(404, "not_found", "no ballot with this tracking code is on the board")
    return jsonify(position=entry.position, tracking_code=entry.tracking_code,
                   entry_hash=entry.entry_hash, previous=entry.previous_hash)  # fmt: skip


@blueprint.get("/e/<election_id>/head")
def head(election_id: str) -> Response:
    election = load_election(election_id)
    with services().factory() as session:
        signed = signed_head(session, election_id, election.fingerprint, services().keys)
    return jsonify(signed.to_json())
