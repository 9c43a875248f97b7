"""The audit log: every official action, hash-chained and signed by the acting key.

Entry n is a signed document (purpose ``EVOTING-V1-audit-entry``) whose body is

    {"election": b64(fingerprint), "seq": n, "previous": hash of entry n − 1,
     "time": "2019-05-20T06:00:00Z", "action": "...", "details": {...}}

and whose hash is the SHA-256 of its canonical form. The first entry's previous
hash is ``SHA-256(canonical_json({"election": b64(fingerprint),
"format": "EVOTING-V1-audit-log"}))``. Routine actions are signed by the election's
operator key; documents that trustees sign (deals, acknowledgements, partial
decryptions) are referenced by their hash and kept whole elsewhere in the bundle.

The log names no resident: a paper vote is logged as a count. This module needs
no database (the verifier uses `check_log`); audit/store.py appends to the log in
the database, under the election's row lock, so entries never interleave.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import nacl.signing

from evoting.crypto import signing
from evoting.crypto.canonical import (
    JSONValue,
    b64decode,
    canonical_json,
    parse_canonical,
)
from evoting.crypto.errors import CanonicalEncodingError, CryptoError

ENTRY = "EVOTING-V1-audit-entry"


def genesis(fingerprint: bytes) -> str:
    return hashlib.sha256(
        canonical_json({"format": "EVOTING-V1-audit-log", "election": fingerprint})
    ).hexdigest()


def new_entry(
    fingerprint: bytes,
    seq: int,
    previous: str,
    action: str,
    details: Mapping[str, JSONValue],
    key: nacl.signing.SigningKey,
    now: datetime.datetime,
) -> dict[str, object]:
    """A signed entry (the caller chains it: ``previous`` is the hash of entry seq − 1)."""
    body = {
        "election": fingerprint,
        "seq": seq,
        "previous": previous,
        "time": now.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "action": action,
        "details": dict(details),
    }
    return signing.sign_document(key, ENTRY, body)


def entry_hash(entry: Mapping[str, object]) -> str:
    return hashlib.sha256(canonical_json(entry)).hexdigest()


@dataclass
class LogCheck:
    """What checking a log found: its first action, the bodies kept, the problems."""

    entries: int = 0
    first_action: object = None
    kept: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def check_log(
    lines: Iterable[str],
    fingerprint: bytes,
    signers: Mapping[bytes, str],
    keep: Callable[[Mapping[str, Any]], bool] = lambda body: False,
) -> LogCheck:
    """Check a log's chain and signatures, streamed: only the bodies ``keep`` asks for are
    held (an audit log may have millions of entries).

    ``signers`` maps the public keys allowed to sign entries to their role.
    """
    previous = genesis(fingerprint)
    found = LogCheck()
    for n, line in enumerate(lines, start=1):
        where = f"audit-log.jsonl entry {n}"
        found.entries = n
        try:
            data = line.strip().encode("utf-8")
            entry = parse_canonical(data)
            body, signer = signing.open_document(entry, ENTRY)
        except (CanonicalEncodingError, CryptoError) as exc:
            found.problems.append(f"{where}: {exc}")
            continue
        if n == 1:
            found.first_action = body.get("action")
        if signer not in signers:
            found.problems.append(f"{where}: signed by a key that may not sign the log")
        seq = body.get("seq")
        if type(seq) is not int or seq != n:
            found.problems.append(f"{where}: has number {seq!r} (dropped or reordered)")
        if body.get("previous") != previous:
            found.problems.append(f"{where}: does not chain to the entry before it")
        try:
            if b64decode(str(body.get("election"))) != fingerprint:
                found.problems.append(f"{where}: is about another election")
        except CanonicalEncodingError:
            found.problems.append(f"{where}: names no election")
        previous = hashlib.sha256(data).hexdigest()
        if keep(body):
            found.kept.append(body)
    return found
