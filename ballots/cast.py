"""Casting: the ballot box's checks, in order, then one atomic append.

1. ``window``: the vote is open and the moment is inside the manifest's window;
2. ``schema``: canonical JSON of a ballot, every point and scalar valid;
3. ``fingerprint``: the ballot is for this election;
4. ``credential``: the credential carries this election's blind signature;
5. ``credential_used``: the credential has not cast another ballot (re-sending the
   same ballot returns the same receipt: casting is idempotent);
6. ``signature``: the credential key signed the ballot;
7. ``proof``: every selection and sum proof holds.

Then the ballot is appended in one transaction. Two different ballots racing with
one credential: the board's unique credential column lets exactly one in.

A ballot is cast or spoiled, never both. A ballot that was challenged and spoiled
(Benaloh) can never be cast (``spoiled``) and a cast ballot can never be spoiled
(``already_cast``): the early checks only save work, the deciding ones run in the
transaction that appends or publishes, under the board head's lock that both take
(ballots/board.py). Spoiling follows casting's rule for the window (``window``) and
needs a valid credential and signature; each credential may have at most
`MAX_SPOILED_PER_CREDENTIAL` challenges published (``spoil_limit``), counted under
that lock. Publishing the same record again changes and counts nothing.

The receipt is the tracking code, the position and the board head after the
append, signed; Ed25519 is deterministic, so a re-sent ballot gets the very same
receipt.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

import nacl.signing
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ballots.appender import Pending, append_one
from ballots.ballot import (
    MAX_BALLOT_BYTES,
    Ballot,
    BallotRejected,
    check_credential,
    check_fingerprint,
    check_proofs,
    check_signature,
    read_document,
    read_head,
)
from ballots.board import (
    SPOILED,
    BoardError,
    add_spoiled,
    by_credential,
    is_spoiled,
)
from ballots.chain import BoardEntry, SignedHead, sign_head
from ballots.spoil import SpoiledMismatch, verify_spoiled
from evoting.crypto.blind import PublicKey
from evoting.crypto.canonical import canonical_json, parse_canonical
from evoting.crypto.errors import CanonicalEncodingError
from evoting.deployment import DeploymentKeys
from evoting.election import Manifest
from evoting.elections import (
    BallotBoxKeys,
    Election,
    ballot_box_keys,
    checked_credential_public_key,
    election_public_key,
    get_election,
)

MAX_SPOILED_PER_CREDENTIAL = 10
"""Benaloh challenges a credential may publish: enough to check a device several
times, few enough that nobody fills the public page with them."""
MAX_SPOILED_BYTES = 2 * MAX_BALLOT_BYTES
"""A record is its ballot plus, per option, a selection and 32 bytes of randomness."""


@dataclass(frozen=True, slots=True)
class Receipt:
    tracking_code: str
    position: int
    head: SignedHead

    def to_json(self) -> dict[str, object]:
        return {
            "tracking_code": self.tracking_code,
            "position": self.position,
            "head": self.head.to_json(),
        }


def _receipt(key: nacl.signing.SigningKey, fingerprint: bytes, entry: BoardEntry) -> Receipt:
    head = sign_head(key, fingerprint, entry.position, entry.entry_hash, final=False)
    return Receipt(entry.tracking_code, entry.position, head)


class AppendFailed(Exception):
    """The checked ballot was not appended, for a reason of the server's: sending the
    same ballot again is safe (a 503 to the booth)."""


def read_for_casting(
    session: Session, keys: DeploymentKeys, election_id: str
) -> tuple[Election, BallotBoxKeys]:
    """The election and its ballot-box keys; `BallotRejected` "window" unless it is open
    (a draft may not have its keys yet)."""
    election = get_election(session, election_id)
    if election.state != "open":
        raise BallotRejected("window", "the vote is not open now")
    return election, ballot_box_keys(session, election_id, keys)


def _read_checked(manifest: Manifest, credential_key: PublicKey, data: bytes) -> Ballot:
    """The ballot, its election and credential checked before its contests are decoded
    when its head is well-formed (a sender without a credential costs a JSON parse and
    an RSA check, not the points of up to 2 MiB)."""
    if len(data) > MAX_BALLOT_BYTES:
        raise BallotRejected("schema", "the ballot is too large")
    document = read_document(data)
    head = read_head(document)
    if head is not None:
        check_fingerprint(manifest, head)
        check_credential(manifest, credential_key, head)
    ballot = Ballot.from_document(document, data)
    if head is None:  # not expected: a ballot that reads whole has a well-formed head
        check_fingerprint(manifest, ballot)
        check_credential(manifest, credential_key, ballot)
    return ballot


Appender = Callable[[str, Pending], BoardEntry]
"""Appends one checked ballot to an election's board (ballots/appender.py)."""
Lookup = Callable[[str], tuple[Election, BallotBoxKeys]]
"""The election and its ballot-box keys by id (`read_for_casting`, or a cache of it)."""
Gate = Callable[[str], AbstractContextManager[object]]
"""Wraps the expensive checks (signature, proofs) of one credential's ballot: the web
app's per-credential attempt limit and its cap on proof checks at once (web/casting.py)."""


def cast(
    factory: Callable[[], Session],
    keys: DeploymentKeys,
    election_id: str,
    data: bytes,
    now: datetime.datetime,
    gate: Gate | None = None,
    appender: Appender | None = None,
    lookup: Lookup | None = None,
) -> Receipt:
    """Check and append one ballot (canonical JSON bytes); raises `BallotRejected`.

    ``appender`` appends the checked ballot: by default in a transaction of its own
    (`append_one`); the web app's `BatchAppender` commits a storm's ballots in batches.
    ``lookup`` gives the election and its ballot-box keys instead of reading them (the
    web app keeps them a second: a vote closed meanwhile is still refused, under the
    board's lock, by the append).

    The cheap checks (window, size, schema, fingerprint, credential, credential
    used) run first; the database connection goes back to the pool before the
    signature and proofs are checked, inside ``gate`` if given.
    """
    with factory() as session:
        if lookup is None:
            election, box = read_for_casting(session, keys, election_id)
        else:
            election, box = lookup(election_id)
        manifest = election.manifest
        _check_open(election, now)
        ballot = _read_checked(manifest, box.credential, data)
        tracking_code = hashlib.sha256(data).hexdigest()  # data is canonical: the ballot's
        credential = ballot.credential_public_key.hex()
        board_key = box.board
        existing = by_credential(session, election_id, credential)
        if existing is not None:
            if existing.tracking_code == tracking_code:
                return _receipt(board_key, manifest.fingerprint, existing)
            raise BallotRejected("credential_used", "this credential has already cast a ballot")
        # A challenged ballot is public (its record is on the spoiled page): refused here,
        # before any proof work or count, so replaying it costs its voter nothing.
        if is_spoiled(session, election_id, tracking_code):
            raise BallotRejected("spoiled", SPOILED)
    check_signature(ballot)  # cheap, and only the credential's holder can pass it
    with gate(credential) if gate is not None else nullcontext():
        check_proofs(manifest, box.election, ballot)
    pending = Pending(data.decode("utf-8"), tracking_code, credential)
    try:
        if appender is None:
            entry = append_one(factory, election_id, pending)
        else:
            entry = appender(election_id, pending)
    except BoardError:
        raise BallotRejected("window", "the vote is not open now") from None  # closed meanwhile
    except IntegrityError:
        # Another request with this credential won the race (or this very ballot did);
        # if neither is on the board, the append failed for another reason: send again.
        with factory() as session:
            existing = by_credential(session, election_id, credential)
        if existing is None:
            raise AppendFailed("the board did not take the ballot: send it again") from None
        if existing.tracking_code == tracking_code:
            return _receipt(board_key, manifest.fingerprint, existing)
        raise BallotRejected(
            "credential_used", "this credential has already cast a ballot"
        ) from None
    return _receipt(board_key, manifest.fingerprint, entry)


def publish_spoiled(
    factory: Callable[[], Session],
    keys: DeploymentKeys,
    election_id: str,
    data: bytes,
    now: datetime.datetime,
    gate: Gate | None = None,
) -> str:
    """Check a spoiled-ballot record and publish it; returns its tracking code.

    Only while the vote is open, as for casting (``window``). The ballot must carry
    a valid credential and signature (so that only a credential's holder can spend
    its `MAX_SPOILED_PER_CREDENTIAL` challenges), its revealed randomness must check
    out, and it must not be on the board: decided, with the count, in the publishing
    transaction under the board head's lock. Publishing the same record again
    returns its tracking code and counts nothing.
    """
    if len(data) > MAX_SPOILED_BYTES:
        raise BallotRejected("schema", "the record is too large")
    try:
        record = parse_canonical(data)
    except CanonicalEncodingError as exc:
        raise BallotRejected("schema", f"not canonical JSON: {exc}") from exc
    with factory() as session:
        election = get_election(session, election_id)
        _check_open(election, now)
        # The credential and the signature first: only its holder spends a credential's
        # challenges, and a record without one costs no re-encryption.
        claimed = Ballot.from_json(record.get("ballot") if isinstance(record, dict) else None)
        check_fingerprint(election.manifest, claimed)
        credential_key = checked_credential_public_key(session, election_id, keys)
        check_credential(election.manifest, credential_key, claimed)
        check_signature(claimed)
        if is_spoiled(session, election_id, claimed.tracking_code):
            return claimed.tracking_code  # published already: nothing to check or count again
        election_key = election_public_key(session, election_id)
    with gate(claimed.credential_public_key.hex()) if gate is not None else nullcontext():
        try:
            ballot, _ = verify_spoiled(election.manifest, election_key, record)
        except SpoiledMismatch as exc:
            raise BallotRejected("spoiled", str(exc)) from exc
    try:
        with factory() as session, session.begin():
            add_spoiled(session, election_id, canonical_json(record).decode("utf-8"),
                        ballot.tracking_code, ballot.credential_public_key.hex(),
                        MAX_SPOILED_PER_CREDENTIAL)  # fmt: skip
    except BoardError:
        raise BallotRejected("window", "the vote is not open now") from None  # closed meanwhile
    return ballot.tracking_code


def _check_open(election: Election, now: datetime.datetime) -> None:
    if election.state != "open" or not election.manifest.window.contains(now):
        raise BallotRejected("window", "the vote is not open now")
