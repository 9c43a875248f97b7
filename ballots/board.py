"""The bulletin board: an append-only hash chain of ballots, with signed heads.

Entry n holds its position, the ballot, the hash of entry n − 1 and its own hash

    entry_hash(n) = SHA-256(canonical_json({"ballot": tracking code, "position": n,
                                            "previous": entry_hash(n − 1)}))

starting from ``entry_hash(0) = SHA-256(canonical_json({"election": b64(fingerprint),
"format": "EVOTING-V1-board"}))``. A **head** is (position, entry hash, final),
signed by the board's Ed25519 key (purpose ``EVOTING-V1-board-head``): on every
receipt, and once more, final, when the vote closes. A dropped, changed or
reordered entry breaks the chain; a board cut short contradicts a signed head.

The board holds no identity data and no time. Appending locks the election's head
row, so appends queue; the credential column is unique, so one credential casts
once however many requests race.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import nacl.signing
from sqlalchemy import Row, insert, select, update
from sqlalchemy.orm import Session

from evoting import schema
from evoting.crypto import signing
from evoting.crypto.canonical import b64decode, b64encode, canonical_json
from evoting.crypto.errors import CanonicalEncodingError, InvalidEncoding
from evoting.deployment import DeploymentKeys
from evoting.elections import sealed_public_key, store_sealed_key, unsealed_private_key

HEAD_PURPOSE = "EVOTING-V1-board-head"


def genesis_hash(fingerprint: bytes) -> str:
    return hashlib.sha256(
        canonical_json({"format": "EVOTING-V1-board", "election": fingerprint})
    ).hexdigest()


def entry_hash(position: int, previous_hash: str, tracking_code: str) -> str:
    return hashlib.sha256(
        canonical_json({"position": position, "previous": previous_hash, "ballot": tracking_code})
    ).hexdigest()


@dataclass(frozen=True, slots=True)
class SignedHead:
    fingerprint: bytes
    position: int
    entry_hash: str
    final: bool
    signature: bytes

    def payload(self) -> dict[str, object]:
        return {
            "election": self.fingerprint,
            "position": self.position,
            "head": self.entry_hash,
            "final": self.final,
        }

    def to_json(self) -> dict[str, object]:
        return {
            "election": b64encode(self.fingerprint),
            "position": self.position,
            "head": self.entry_hash,
            "final": self.final,
            "signature": b64encode(self.signature),
        }

    @classmethod
    def from_json(cls, value: object) -> SignedHead:
        try:
            if not isinstance(value, dict) or set(value) != {
                "election", "position", "head", "final", "signature",
            }:  # fmt: skip
                raise InvalidEncoding(
                    "a signed head has election, position, head, final, signature"
                )
            position, head, final = value["position"], value["head"], value["final"]
            if isinstance(position, bool) or not isinstance(position, int) or position < 0:
                raise InvalidEncoding("position: a whole number")
            if not isinstance(head, str) or len(head) != 64:
                raise InvalidEncoding("head: 64 hex digits")
            if not isinstance(final, bool):
                raise InvalidEncoding("final: true or false")
            return cls(b64decode(value["election"]), position, head, final,
                       b64decode(value["signature"]))  # fmt: skip
        except CanonicalEncodingError as exc:
            raise InvalidEncoding(f"signed head: {exc}") from exc

    def verify(self, board_key: nacl.signing.VerifyKey) -> None:
        """Raise `InvalidSignature` unless the board key signed this head."""
        signing.verify(board_key, HEAD_PURPOSE, self.payload(), self.signature)


def sign_head(
    key: nacl.signing.SigningKey, fingerprint: bytes, position: int, head: str, *, final: bool
) -> SignedHead:
    unsigned = SignedHead(fingerprint, position, head, final, b"")
    return SignedHead(fingerprint, position, head, final,
                      signing.sign(key, HEAD_PURPOSE, unsigned.payload()))  # fmt: skip


# --- storage --------------------------------------------------------------------------


class BoardError(Exception):
    """The board cannot take this entry (closed, or already final)."""


@dataclass(frozen=True, slots=True)
class BoardEntry:
    position: int
    ballot: str  # canonical JSON
    tracking_code: str
    credential: str
    previous_hash: str
    entry_hash: str

    def to_json(self) -> dict[str, object]:
        """One line of board.jsonl."""
        return {
            "position": self.position,
            "ballot": self.ballot,
            "tracking_code": self.tracking_code,
            "previous": self.previous_hash,
            "entry_hash": self.entry_hash,
        }


def create_board(
    session: Session,
    election_id: str,
    fingerprint: bytes,
    keys: DeploymentKeys,
    now: datetime.datetime,
) -> nacl.signing.VerifyKey:
    """The board's signing key (sealed) and its empty head."""
    key = nacl.signing.SigningKey.generate()
    store_sealed_key(session, election_id, "board", bytes(key.verify_key), bytes(key), keys, now)
    session.execute(
        insert(schema.board_heads).values(
            election_id=election_id, position=0, entry_hash=genesis_hash(fingerprint), final=False
        )
    )
    return key.verify_key


def board_verify_key(session: Session, election_id: str) -> nacl.signing.VerifyKey:
    return nacl.signing.VerifyKey(sealed_public_key(session, election_id, "board"))


def board_signing_key(
    session: Session, election_id: str, keys: DeploymentKeys
) -> nacl.signing.SigningKey:
    return nacl.signing.SigningKey(unsealed_private_key(session, election_id, "board", keys))


def _head(session: Session, election_id: str, *, lock: bool) -> tuple[int, str, bool]:
    h = schema.board_heads
    query = select(h.c.position, h.c.entry_hash, h.c.final).where(h.c.election_id == election_id)
    if lock:
        query = query.with_for_update()
    row = session.execute(query).one_or_none()
    if row is None:
        raise BoardError(f"election {election_id!r} has no board")
    return row.position, row.entry_hash, row.final


def head(session: Session, election_id: str) -> tuple[int, str, bool]:
    """(position, entry hash, final) of the board now."""
    return _head(session, election_id, lock=False)


def append(
    session: Session, election_id: str, ballot_json: str, tracking_code: str, credential: str
) -> BoardEntry:
    """Append one ballot in the caller's transaction (the head row stays locked until commit).

    A used credential or tracking code raises the database's IntegrityError.
    """
    position, previous, final = _head(session, election_id, lock=True)
    if final:
        raise BoardError("the board is final: the vote has closed")
    entry = BoardEntry(
        position + 1,
        ballot_json,
        tracking_code,
        credential,
        previous,
        entry_hash(position + 1, previous, tracking_code),
    )
    session.execute(
        insert(schema.board_entries).values(
            election_id=election_id,
            position=entry.position,
            ballot=entry.ballot,
            tracking_code=entry.tracking_code,
            credential=entry.credential,
            previous_hash=entry.previous_hash,
            entry_hash=entry.entry_hash,
        )
    )
    session.execute(
        update(schema.board_heads)
        .where(schema.board_heads.c.election_id == election_id)
        .values(position=entry.position, entry_hash=entry.entry_hash)
    )
    return entry


def freeze(
    session: Session, election_id: str, fingerprint: bytes, keys: DeploymentKeys
) -> SignedHead:
    """Mark the board final and sign its final head (in the caller's transaction)."""
    position, last, _ = _head(session, election_id, lock=True)
    session.execute(
        update(schema.board_heads)
        .where(schema.board_heads.c.election_id == election_id)
        .values(final=True)
    )
    return sign_head(board_signing_key(session, election_id, keys), fingerprint, position, last,
                     final=True)  # fmt: skip


def _entry(row: Row[Any, Any]) -> BoardEntry:
    return BoardEntry(
        row.position, row.ballot, row.tracking_code, row.credential, row.previous_hash,
        row.entry_hash,
    )  # fmt: skip


def entries(session: Session, election_id: str, batch: int = 500) -> Iterator[BoardEntry]:
    """Every entry in order, fetched in batches (the board is never loaded whole)."""
    b = schema.board_entries
    after = 0
    while True:
        rows = session.execute(
            select(b)
            .where(b.c.election_id == election_id, b.c.position > after)
            .order_by(b.c.position)
            .limit(batch)
        ).all()
        if not rows:
            return
        for row in rows:
            yield _entry(row)
        after = rows[-1].position


def by_credential(session: Session, election_id: str, credential: str) -> BoardEntry | None:
    b = schema.board_entries
    row = session.execute(
        select(b).where(b.c.election_id == election_id, b.c.credential == credential)
    ).one_or_none()
    return None if row is None else _entry(row)


def by_tracking_code(session: Session, election_id: str, code: str) -> BoardEntry | None:
    """The entry whose tracking code is ``code`` (full hex, or at least 16 leading hex digits)."""
    code = code.strip().lower()
    if len(code) < 16 or any(c not in "0123456789abcdef" for c in code):
        return None
    b = schema.board_entries
    rows = session.execute(
        select(b)
        .where(b.c.election_id == election_id, b.c.tracking_code.startswith(code, autoescape=True))
        .limit(2)
    ).all()
    return _entry(rows[0]) if len(rows) == 1 else None
