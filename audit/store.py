"""The audit log in the database, and the election's operator key that signs it."""

from __future__ import annotations

import datetime
from collections.abc import Mapping

import nacl.signing
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from audit.log import entry_hash, genesis, new_entry
from evoting import schema
from evoting.crypto.canonical import JSONValue, canonical_json
from evoting.deployment import DeploymentKeys
from evoting.elections import (
    get_election,
    sealed_public_key,
    store_sealed_key,
    unsealed_private_key,
)


def create_operator_key(
    session: Session, election_id: str, keys: DeploymentKeys, now: datetime.datetime
) -> bytes:
    key = nacl.signing.SigningKey.generate()
    store_sealed_key(session, election_id, "operator", bytes(key.verify_key), bytes(key), keys, now)
    return bytes(key.verify_key)


def operator_key(
    session: Session, election_id: str, keys: DeploymentKeys
) -> nacl.signing.SigningKey:
    return nacl.signing.SigningKey(unsealed_private_key(session, election_id, "operator", keys))


def operator_public_key(session: Session, election_id: str) -> bytes:
    return sealed_public_key(session, election_id, "operator")


def append(
    session: Session,
    election_id: str,
    action: str,
    details: Mapping[str, JSONValue],
    key: nacl.signing.SigningKey,
    now: datetime.datetime,
) -> dict[str, object]:
    """Append one signed entry in the caller's transaction."""
    election = get_election(session, election_id, lock=True)
    log = schema.audit_log
    last = session.execute(
        select(log.c.seq, log.c.entry_hash)
        .where(log.c.election_id == election_id)
        .order_by(log.c.seq.desc())
        .limit(1)
    ).one_or_none()
    if last is None:
        seq, previous = 1, genesis(election.fingerprint)
    else:
        seq, previous = last.seq + 1, last.entry_hash
    entry = new_entry(election.fingerprint, seq, previous, action, details, key, now)
    session.execute(
        insert(log).values(
            election_id=election_id,
            seq=seq,
            entry=canonical_json(entry).decode("utf-8"),
            entry_hash=entry_hash(entry),
        )
    )
    return entry


def entries(session: Session, election_id: str) -> list[str]:
    """The log's entries in order, as canonical JSON lines."""
    log = schema.audit_log
    return list(
        session.execute(
            select(log.c.entry).where(log.c.election_id == election_id).order_by(log.c.seq)
        ).scalars()
    )


def record(
    session: Session,
    election_id: str,
    action: str,
    details: Mapping[str, JSONValue],
    keys: DeploymentKeys,
    now: datetime.datetime,
) -> dict[str, object]:
    """Append an entry signed by the election's operator key (in the caller's transaction)."""
    return append(
        session, election_id, action, details, operator_key(session, election_id, keys), now
    )
