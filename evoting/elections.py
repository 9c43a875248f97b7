"""Elections as stored: create one from a manifest, load it, move it through its states.

States: ``draft`` (register and poll cards may change) → ``open`` (the register is
frozen, credentials are issued, ballots cast) → ``closed`` → ``tallied`` →
``published``. A state change locks the election's row, so it cannot interleave
with a register import that read the old state.
"""

from __future__ import annotations

import datetime
import functools
import hmac
from dataclasses import dataclass
from typing import Any

import nacl.signing
from sqlalchemy import Row, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from evoting import schema
from evoting.crypto.blind import BlindSigner, PublicKey
from evoting.crypto.group import Point
from evoting.deployment import DeploymentError, DeploymentKeys
from evoting.election import Manifest, manifest_from_canonical

TRANSITIONS = {"open": ("draft",), "closed": ("open",), "tallied": ("closed",),
               "published": ("tallied",)}  # fmt: skip


class ElectionError(Exception):
    """An election that does not exist, already exists, or is in the wrong state.

    Each case has its own type with the facts as fields, so that the web UI can say
    it in the reader's language; the message is English, for the command line.
    """


class NoSuchElection(ElectionError):
    def __init__(self, election_id: str) -> None:
        super().__init__(f"there is no election {election_id!r}")
        self.election_id = election_id


class ElectionExists(ElectionError):
    """An election with this id, or with this very manifest, exists already."""

    def __init__(self, election_id: str) -> None:
        super().__init__(f"an election {election_id!r} (or this very manifest) exists")
        self.election_id = election_id


class ManifestAltered(ElectionError):
    """The stored manifest no longer has the fingerprint stored beside it."""

    def __init__(self, election_id: str) -> None:
        super().__init__(f"election {election_id!r}: the stored manifest was altered")
        self.election_id = election_id


class WrongState(ElectionError):
    """The election is in ``state``; what was asked needs ``wanted`` (a state to move
    to, from one of ``allowed_from``)."""

    def __init__(self, election_id: str, state: str, wanted: str,
                 allowed_from: tuple[str, ...]) -> None:  # fmt: skip
        super().__init__(
            f"election {election_id!r} is {state}; it can become {wanted} only "
            f"from {' or '.join(allowed_from) or 'nowhere'}"
        )
        self.election_id, self.state, self.wanted = election_id, state, wanted
        self.allowed_from = allowed_from


class KeyFixed(ElectionError):
    """The election key is set only while the election is a draft."""

    def __init__(self, election_id: str, state: str) -> None:
        super().__init__(f"election {election_id!r} is {state}: its key is fixed")
        self.election_id, self.state = election_id, state


class NoElectionKey(ElectionError):
    """The trustees' key ceremony has not produced the election key yet."""

    def __init__(self, election_id: str) -> None:
        super().__init__(f"election {election_id!r} has no key yet: run the key ceremony")
        self.election_id = election_id


class MissingKey(ElectionError):
    """One of the election's own stored keys (credential, board) is missing."""

    def __init__(self, election_id: str, purpose: str) -> None:
        super().__init__(f"election {election_id!r} has no {purpose} key")
        self.election_id, self.purpose = election_id, purpose


@dataclass(frozen=True, slots=True)
class Election:
    id: str
    state: str
    manifest: Manifest
    created_at: datetime.datetime

    @property
    def fingerprint(self) -> bytes:
        return self.manifest.fingerprint


def create_election(session: Session, manifest: Manifest, now: datetime.datetime) -> Election:
    try:
        with session.begin_nested():
            session.execute(
                insert(schema.elections).values(
                    id=manifest.id,
                    fingerprint=manifest.fingerprint.hex(),
                    manifest=manifest.canonical().decode("utf-8"),
                    state="draft",
                    created_at=now,
                )
            )
    except IntegrityError as exc:
        raise ElectionExists(manifest.id) from exc
    return Election(manifest.id, "draft", manifest, now)


def get_election(session: Session, election_id: str, *, lock: bool = False) -> Election:
    """The election, its row locked until the transaction ends if ``lock``."""
    query = select(schema.elections).where(schema.elections.c.id == election_id)
    if lock:
        query = query.with_for_update()
    row = session.execute(query).one_or_none()
    if row is None:
        raise NoSuchElection(election_id)
    manifest = manifest_from_canonical(row.manifest.encode("utf-8"))
    if manifest.fingerprint.hex() != row.fingerprint:
        raise ManifestAltered(election_id)
    created = row.created_at
    if created.tzinfo is None:  # SQLite returns naive datetimes; we store UTC
        created = created.replace(tzinfo=datetime.UTC)
    return Election(row.id, row.state, manifest, created)


def list_elections(session: Session) -> list[Election]:
    """Every election, newest first."""
    ids = session.execute(
        select(schema.elections.c.id).order_by(schema.elections.c.created_at.desc())
    ).scalars()
    return [get_election(session, election_id) for election_id in ids]


def change_state(session: Session, election_id: str, to_state: str) -> Election:
    election = get_election(session, election_id, lock=True)
    if to_state == "open":
        election_public_key(session, election_id)  # no vote without the trustees' key
    allowed_from = TRANSITIONS.get(to_state, ())
    if election.state not in allowed_from:
        raise WrongState(election_id, election.state, to_state, allowed_from)
    session.execute(
        update(schema.elections).where(schema.elections.c.id == election_id).values(state=to_state)
    )
    return Election(election.id, to_state, election.manifest, election.created_at)


# --- the election's keys ------------------------------------------------------------------


def store_sealed_key(
    session: Session,
    election_id: str,
    purpose: str,
    public_key: bytes,
    private_key: bytes,
    keys: DeploymentKeys,
    now: datetime.datetime,
) -> None:
    """Store an online key of the election, the private half sealed (evoting.deployment)."""
    session.execute(
        insert(schema.election_keys).values(
            election_id=election_id,
            purpose=purpose,
            public_key=public_key,
            sealed_private_key=keys.seal(election_id, purpose, private_key),
            created_at=now,
        )
    )


def _key_row(session: Session, election_id: str, purpose: str) -> Row[Any, Any]:
    k = schema.election_keys
    row = session.execute(
        select(k.c.public_key, k.c.sealed_private_key).where(
            k.c.election_id == election_id, k.c.purpose == purpose
        )
    ).one_or_none()
    if row is None:
        raise MissingKey(election_id, purpose)
    return row


def sealed_public_key(session: Session, election_id: str, purpose: str) -> bytes:
    return bytes(_key_row(session, election_id, purpose).public_key)


def unsealed_private_key(
    session: Session, election_id: str, purpose: str, keys: DeploymentKeys
) -> bytes:
    row = _key_row(session, election_id, purpose)
    return keys.unseal(election_id, purpose, bytes(row.sealed_private_key))


def checked_credential_public_key(
    session: Session, election_id: str, keys: DeploymentKeys
) -> PublicKey:
    """The election's credential key, checked against its sealed private half.

    Someone who can write to the database but does not hold the deployment secret
    could replace the stored public key with their own and mint credentials the
    ballot box would accept; the sealed private key they cannot forge.
    """
    stored = sealed_public_key(session, election_id, "credential")
    if _public_der(unsealed_private_key(session, election_id, "credential", keys)) != stored:
        raise DeploymentError(f"the stored credential key of {election_id} was altered")
    return PublicKey.from_der(stored)


@dataclass(frozen=True)
class BallotBoxKeys:
    """What the ballot box checks and signs with, read for every cast."""

    credential: PublicKey  # checked against its sealed private half
    board: nacl.signing.SigningKey
    election: Point


def ballot_box_keys(session: Session, election_id: str, keys: DeploymentKeys) -> BallotBoxKeys:
    """The credential key (checked as `checked_credential_public_key`), the board's
    signing key and the election key, in one query. Unsealing and parsing are cached
    by the stored bytes, so a changed row is read afresh and never served stale."""
    k, e = schema.election_keys, schema.elections
    found = session.execute(
        select(k.c.purpose, k.c.public_key, k.c.sealed_private_key,
               e.c.public_key.label("election_key"))
        .join(e, e.c.id == k.c.election_id)
        .where(k.c.election_id == election_id, k.c.purpose.in_(("credential", "board")))
    ).all()  # fmt: skip
    rows = {row.purpose: row for row in found}
    for purpose in ("credential", "board"):
        if purpose not in rows:
            raise MissingKey(election_id, purpose)
    credential, board = rows["credential"], rows["board"]
    if credential.election_key is None:
        raise NoElectionKey(election_id)
    return _ballot_box_keys(
        keys, election_id, bytes(credential.public_key), bytes(credential.sealed_private_key),
        bytes(board.sealed_private_key), bytes.fromhex(credential.election_key),
    )  # fmt: skip


@functools.lru_cache(maxsize=64)
def _ballot_box_keys(
    keys: DeploymentKeys,
    election_id: str,
    credential_public: bytes,
    credential_sealed: bytes,
    board_sealed: bytes,
    election_key: bytes,
) -> BallotBoxKeys:
    private = keys.unseal(election_id, "credential", credential_sealed)
    if _public_der(private) != credential_public:
        raise DeploymentError(f"the stored credential key of {election_id} was altered")
    return BallotBoxKeys(
        PublicKey.from_der(credential_public),
        nacl.signing.SigningKey(keys.unseal(election_id, "board", board_sealed)),
        Point.from_bytes(election_key),
    )


@functools.lru_cache(maxsize=16)
def _public_der(private_pem: bytes) -> bytes:
    return BlindSigner.from_pem(private_pem).public_key.to_der()


def set_election_public_key(session: Session, election_id: str, key: Point) -> None:
    """Record the election key K that the trustees' ceremony produced (draft only)."""
    election = get_election(session, election_id, lock=True)
    if election.state != "draft":
        raise KeyFixed(election_id, election.state)
    session.execute(
        update(schema.elections)
        .where(schema.elections.c.id == election_id)
        .values(public_key=key.to_bytes().hex())
    )


def election_public_key(session: Session, election_id: str) -> Point:
    row = session.execute(
        select(schema.elections.c.public_key).where(schema.elections.c.id == election_id)
    ).one_or_none()
    if row is None:
        raise NoSuchElection(election_id)
    if row.public_key is None:
        raise NoElectionKey(election_id)
    return Point.from_bytes(bytes.fromhex(row.public_key))


# --- the deployment secret and the database belong together ------------------------------


def check_deployment_secret(session: Session, keys: DeploymentKeys) -> None:
    """Refuse a deployment secret this database was not made with; record it the first time.

    Without this check a wrong secret would not fail loudly: register numbers would
    hash differently, a re-import would look like "everyone removed, everyone added"
    and wipe the poll-card codes, and every login would fail.
    """
    check = keys.keyed_hash("key-check", b"EVOTING-V1-key-check")
    stored = session.execute(
        select(schema.deployment.c.value).where(schema.deployment.c.name == "key_check")
    ).scalar_one_or_none()
    if stored is None:
        session.execute(insert(schema.deployment).values(name="key_check", value=check))
    elif not hmac.compare_digest(stored, check):
        raise DeploymentError(
            "the deployment secret does not match this database (was it replaced? "
            "restore the secret this database was made with)"
        )
