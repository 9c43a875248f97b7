"""The audit log: every official action, hash-chained and signed by the acting key.

Entry n is a signed document (purpose ``EVOTING-V1-audit-entry``) whose body is

    {"election": b64(fingerprint), "seq": n, "previous": hash of entry n − 1,
     "time": "2019-05-20T06:00:00Z", "action": "...", "details": {...}}

and whose hash is the SHA-256 of its canonical form. The first entry's previous
hash is ``SHA-256(canonical_json({"election": b64(fingerprint),
"format": "EVOTING-V1-audit-log"}))``. Routine actions are signed by the election's
operator key; documents that trustees sign (deals, acknowledgements, partial
decryptions) are referenced by their hash and kept whole elsewhere in the bundle.

Appending takes the election's row lock, so entries never interleave. The log
names no resident: a paper vote is logged as a count.

`check_log` checks a log from its lines alone (the verifier uses it).
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

import nacl.signing
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from evoting import schema
from evoting.crypto import signing
from evoting.crypto.canonical import (
    JSONValue,
    b64decode,
    canonical_json,
    parse_canonical,
)
from evoting.crypto.errors import CanonicalEncodingError, CryptoError
from evoting.deployment import DeploymentKeys
from evoting.elections import (
    get_election,
    sealed_public_key,
    store_sealed_key,
    unsealed_private_key,
)

ENTRY = "EVOTING-V1-audit-entry"


def genesis(fingerprint: bytes) -> str:
    return hashlib.sha256(
        canonical_json({"format": "EVOTING-V1-audit-log", "election": fingerprint})
    ).hexdigest()


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
    seq, previous = (1, genesis(election.fingerprint)) if last is None else (
        last.seq + 1, last.entry_hash,
    )  # fmt: skip
    body = {
        "election": election.fingerprint,
        "seq": seq,
        "previous": previous,
        "time": now.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "action": action,
        "details": dict(details),
    }
    entry = signing.sign_document(key, ENTRY, body)
    session.execute(
        insert(log).values(
            election_id=election_id,
            seq=seq,
            entry=canonical_json(entry).decode("utf-8"),
            entry_hash=hashlib.sha256(canonical_json(entry)).hexdigest(),
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


def check_log(
    lines: Iterable[str], fingerprint: bytes, signers: Mapping[bytes, str]
) -> tuple[list[dict[str, Any]], list[str]]:
    """Check a log's chain and signatures; returns the bodies and the problems found.

    ``signers`` maps the public keys allowed to sign entries to their role.
    """
    previous = genesis(fingerprint)
    bodies: list[dict[str, Any]] = []
    problems: list[str] = []
    for n, line in enumerate(lines, start=1):
        where = f"audit-log.jsonl entry {n}"
        try:
            data = line.strip().encode("utf-8")
            entry = parse_canonical(data)
            body, signer = signing.open_document(entry, ENTRY)
        except (CanonicalEncodingError, CryptoError) as exc:
            problems.append(f"{where}: {exc}")
            continue
        if signer not in signers:
            problems.append(f"{where}: signed by a key that may not sign the log")
        if body.get("seq") != n:
            problems.append(f"{where}: has number {body.get('seq')} (dropped or reordered)")
        if body.get("previous") != previous:
            problems.append(f"{where}: does not chain to the entry before it")
        try:
            if b64decode(str(body.get("election"))) != fingerprint:
                problems.append(f"{where}: is about another election")
        except CanonicalEncodingError:
            problems.append(f"{where}: names no election")
        previous = hashlib.sha256(data).hexdigest()
        bodies.append(body)
    return bodies, problems
