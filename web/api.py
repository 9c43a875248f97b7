"""The JSON API the booth talks to.

No cookie authenticates any of it, so CSRF protection does not apply (the app
exempts this blueprint): the credential request carries its issuance ticket, and
a ballot carries its credential. The booth sends the cast and the challenge
without cookies (``credentials: "omit"``), so the server cannot tie a ballot to a
login session; it keeps no request log of its own.

Errors are ``{"error": code, "message": text}`` with a 4xx status.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from ballots.ballot import BallotRejected
from ballots.board import by_tracking_code, signed_head
from ballots.booth import booth_parameters
from ballots.cast import cast, publish_spoiled
from evoting.crypto.canonical import b64decode, b64encode
from evoting.crypto.errors import CanonicalEncodingError
from evoting.elections import checked_credential_public_key, election_public_key
from identity.issuance import AlreadyIssued, IssuanceError, TicketRefused, blind_sign
from web.extensions import limiter, services
from web.views import load_election

blueprint = Blueprint("api", __name__, url_prefix="/api")

SPOIL_STATUS = {"window": 403, "already_cast": 409, "spoil_limit": 429}
"""A challenge refused because the vote is not open, the ballot was cast, or the
credential has used its challenges (ballots/cast.py); any other refusal is 400."""


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


@blueprint.post("/e/<election_id>/credential")
@limiter.limit("10 per minute")
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
        return _error(403, "ticket", str(exc))
    except AlreadyIssued as exc:
        return _error(409, "already_issued", str(exc))
    except IssuanceError as exc:
        return _error(403, "refused", str(exc))
    return jsonify(blind_signature=b64encode(signature))


@blueprint.post("/e/<election_id>/cast")
@limiter.limit("30 per minute")
def cast_ballot(election_id: str) -> Response | tuple[Response, int]:
    load_election(election_id)
    s = services()
    try:
        receipt = cast(s.factory, s.keys, election_id, request.get_data(), s.clock())
    except BallotRejected as exc:
        status = 409 if exc.code == "credential_used" else 403 if exc.code == "window" else 400
        return _error(status, exc.code, str(exc))
    return jsonify(receipt.to_json())


@blueprint.post("/e/<election_id>/spoil")
@limiter.limit("30 per minute")
def spoil(election_id: str) -> Response | tuple[Response, int]:
    load_election(election_id)
    s = services()
    try:
        code = publish_spoiled(s.factory, s.keys, election_id, request.get_data(), now=s.clock())
    except BallotRejected as exc:
        return _error(SPOIL_STATUS.get(exc.code, 400), exc.code, str(exc))
    return jsonify(tracking_code=code)


@blueprint.get("/e/<election_id>/board/<code>")
def board_entry(election_id: str, code: str) -> Response | tuple[Response, int]:
    load_election(election_id)
    with services().factory() as session:
        entry = by_tracking_code(session, election_id, code.lower())
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
