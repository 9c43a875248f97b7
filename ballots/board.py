"""The bulletin board in the database: append-only, locked appends, signed heads.

The chain itself (entry hashes, signed heads) is in ballots/chain.py. Appending
locks the election's head row, so appends queue; the credential column is unique,
so one credential casts once however many requests race.

Publishing a spoiled ballot (a Benaloh challenge) takes the same lock, so a ballot
is cast or spoiled, never both: `append` refuses a tracking code that was spoiled
and `add_spoiled` one that is on the board, each checking inside its own locked
transaction (SQLite's BEGIN IMMEDIATE, PostgreSQL's SELECT ... FOR UPDATE), and the
credential's count of challenges is read under that lock as well.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import nacl.signing
from sqlalchemy import Row, func, insert, select, update
from sqlalchemy.orm import Session

from ballots.ballot import BallotRejected
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
    """The head; with ``lock``, locked until the caller's transaction ends.

    Locks are taken in one order, the election's row first: closing locks it
    (FOR UPDATE, to change the state) and then the head, while an append's or a
    publication's insert takes a key-share lock on it (its foreign key). Taking that
    key-share lock before the head makes a cast or a spoil racing the close wait
    for it instead of deadlocking with it on PostgreSQL. (SQLite's BEGIN IMMEDIATE
    serialises whole transactions; it ignores FOR UPDATE.)
    """
    h = schema.board_heads
    query = select(h.c.position, h.c.entry_hash, h.c.final).where(h.c.election_id == election_id)
    if lock:
        e = schema.elections
        session.execute(
            select(e.c.id).where(e.c.id == election_id).with_for_update(key_share=True)
        ).first()
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

    A tracking code published as spoiled is refused (`BallotRejected` "spoiled"),
    checked under the lock that publishing takes too. A used credential or tracking
    code raises the database's IntegrityError.
    """
    position, previous, final = _head(session, election_id, lock=True)
    if final:
        raise BoardError("the board is final: the vote has closed")
    if is_spoiled(session, election_id, tracking_code):
        raise BallotRejected("spoiled", SPOILED)
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


SPOILED = "this ballot was challenged and spoiled; make a new one"


def is_spoiled(session: Session, election_id: str, tracking_code: str) -> bool:
    """Whether this exact tracking code was published as spoiled."""
    t = schema.spoiled_ballots
    return (
        session.execute(
            select(t.c.id).where(t.c.election_id == election_id, t.c.tracking_code == tracking_code)
        ).first()
        is not None
    )


def _on_board(session: Session, election_id: str, tracking_code: str) -> bool:
    b = schema.board_entries
    return session.execute(
        select(b.c.position).where(b.c.election_id == election_id,
                                   b.c.tracking_code == tracking_code)
    ).first() is not None  # fmt: skip


def add_spoiled(
    session: Session,
    election_id: str,
    record_json: str,
    tracking_code: str,
    credential: str,
    limit: int,
) -> bool:
    """Publish a checked spoiled ballot in the caller's transaction, under the head's lock.

    Returns False if this tracking code was published already (publishing is
    idempotent: nothing is stored or counted again). Refuses a ballot on the board
    (`BallotRejected` "already_cast") and a credential that has ``limit`` challenges
    published already ("spoil_limit"); `BoardError` once the board is final.
    """
    _, _, final = _head(session, election_id, lock=True)
    if final:
        raise BoardError("the board is final: the vote has closed")
    if is_spoiled(session, election_id, tracking_code):
        return False
    if _on_board(session, election_id, tracking_code):
        raise BallotRejected("already_cast", "this ballot was cast: it cannot be spoiled")
    t = schema.spoiled_ballots
    spoiled = session.execute(
        select(func.count()).select_from(t)
        .where(t.c.election_id == election_id, t.c.credential == credential)
    ).scalar_one()  # fmt: skip
    if spoiled >= limit:
        raise BallotRejected(
            "spoil_limit",
            f"this credential has challenged {limit} ballots, the most it may: cast one now",
        )
    session.execute(
        insert(t).values(
            election_id=election_id,
            record=record_json,
            tracking_code=tracking_code,
            credential=credential,
        )
    )
    return True


def spoiled_codes(session: Session, election_id: str, batch: int = 1000) -> Iterator[str]:
    """The tracking codes of every published spoiled ballot, streamed."""
    t = schema.spoiled_ballots
    after = 0
    while True:
        rows = session.execute(
            select(t.c.id, t.c.tracking_code)
            .where(t.c.election_id == election_id, t.c.id > after)
            .order_by(t.c.id)
            .limit(batch)
        ).all()
        if not rows:
            return
        for row in rows:
            yield row.tracking_code
        after = rows[-1].id


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
