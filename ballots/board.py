"""The bulletin board in the database: append-only, locked appends, signed heads.

The chain itself (entry hashes, signed heads) is in ballots/chain.py. Appending
locks the election's head row, so appends queue; the credential column is unique,
so one credential casts once however many requests race.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import nacl.signing
from sqlalchemy import Row, insert, select, update
from sqlalchemy.orm import Session

from ballots.chain import BoardEntry, SignedHead, entry_hash, genesis_hash, sign_head
from evoting import schema
from evoting.deployment import DeploymentKeys
from evoting.elections import sealed_public_key, store_sealed_key, unsealed_private_key


class BoardError(Exception):
    """The board cannot take this entry (closed, or already final)."""


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


def signed_head(
    session: Session, election_id: str, fingerprint: bytes, keys: DeploymentKeys
) -> SignedHead:
    """The board's head now, signed by the board key (as on every receipt)."""
    position, entry, final = head(session, election_id)
    key = board_signing_key(session, election_id, keys)
    return sign_head(key, fingerprint, position, entry, final=final)


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
