"""The bulletin board in the database: append-only, locked appends, signed heads.

The chain itself (entry hashes, signed heads) is in ballots/chain.py. Appending
locks the election's head row, so appends queue; the credential column is unique,
so one credential casts once however many requests race.

Publishing a spoiled ballot (a Benaloh challenge) takes the same lock, so a ballot
is cast or spoiled, never both: `append` refuses a tracking code that was spoiled
and `add_spoiled` one that is on the board, each checking inside its own locked
transaction (SQLite's BEGIN IMMEDIATE, PostgreSQL's SELECT ... FOR UPDATE), and the
credential's count of challenges is read under that lock as well.

Reads never scan the board: a page is a range of the primary key (`page`), a look-up
by the full tracking code or a prefix searches the (election, tracking code) index and
one by the receipt's short code the (election, short code) index. `check_chain`
recomputes a stored board's chain (`evote db restore` runs it on every election).
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import nacl.signing
from sqlalchemy import Row, func, insert, select, update
from sqlalchemy.orm import Session

from ballots.ballot import BallotRejected, tracking_code_short
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


def locked_head(session: Session, election_id: str) -> tuple[int, str, bool]:
    """The head, locked until the caller's transaction ends (as `append` takes it)."""
    return _head(session, election_id, lock=True)


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


def page(session: Session, election_id: str, after: int, size: int) -> list[BoardEntry]:
    """At most ``size`` entries from position ``after`` + 1 on, in order (keyset: a range of
    the primary key, however long the board)."""
    b = schema.board_entries
    rows = session.execute(
        select(b)
        .where(b.c.election_id == election_id, b.c.position > after)
        .order_by(b.c.position)
        .limit(size)
    ).all()
    return [_entry(row) for row in rows]


def by_credential(session: Session, election_id: str, credential: str) -> BoardEntry | None:
    b = schema.board_entries
    row = session.execute(
        select(b).where(b.c.election_id == election_id, b.c.credential == credential)
    ).one_or_none()
    return None if row is None else _entry(row)


HEX_PREFIX = re.compile(r"[0-9a-f]{16,64}")
SHORT_CODE = re.compile(r"[A-Z2-7]{16}")


def short_code(tracking_code: str) -> str:
    """The receipt's short form without its dashes, as the short_code column holds it."""
    return tracking_code_short(tracking_code).replace("-", "")


def _one(rows: list[Row[Any, Any]]) -> BoardEntry | None:
    """The entry if exactly one matched: a prefix two codes share names neither."""
    return _entry(rows[0]) if len(rows) == 1 else None


def by_tracking_code(session: Session, election_id: str, code: str) -> BoardEntry | None:
    """The entry whose tracking code is ``code`` (full hex, or at least 16 leading hex digits).

    Both are searches of the unique (election, tracking code) index: the full code by
    equality, a prefix as the range [prefix, the next prefix), which every collation
    orders the same way for hex digits (unlike LIKE, which only a C collation indexes).
    """
    code = code.strip().lower()
    if not HEX_PREFIX.fullmatch(code):
        return None
    b = schema.board_entries
    where = [b.c.election_id == election_id]
    if len(code) == 64:
        where.append(b.c.tracking_code == code)
    else:
        where.append(b.c.tracking_code >= code)
        following = int(code, 16) + 1
        if following < 16 ** len(code):  # "ff…f" has no next prefix: the range is open
            where.append(b.c.tracking_code < f"{following:0{len(code)}x}")
    return _one(list(session.execute(select(b).where(*where).limit(2)).all()))


def by_short_code(session: Session, election_id: str, typed: str) -> BoardEntry | None:
    """The entry whose receipt shows this short code (16 base32 characters; case, dashes
    and spaces as typed), found by the (election, short code) index. None if no entry
    or two entries have it (codes that share their first 80 bits)."""
    code = "".join(typed.split()).replace("-", "").upper()
    if not SHORT_CODE.fullmatch(code):
        return None
    b = schema.board_entries
    rows = session.execute(
        select(b).where(b.c.election_id == election_id, b.c.short_code == code).limit(2)
    ).all()
    return _one(list(rows))


@dataclass(frozen=True, slots=True)
class ChainCheck:
    """A board's chain recomputed from its stored entries (see `check_chain`)."""

    entries: int
    head_position: int | None  # None: the election has no board head
    problem: str | None  # the first thing wrong; None if the chain is intact

    @property
    def intact(self) -> bool:
        return self.problem is None


def check_chain(
    session: Session, election_id: str, fingerprint: bytes, batch: int = 500
) -> ChainCheck:
    """Recompute the board's hash chain from the stored entries, in batches.

    Every entry must follow the one before it (positions 1, 2, …; its previous hash the
    entry hash before it, from the genesis hash of ``fingerprint``), its entry hash must
    be recomputed exactly, its tracking code must be the SHA-256 of its ballot, and the
    stored head must be the last entry. Only the columns the chain covers are read, so
    this works on a database at any schema revision since the board's (0003).
    """
    b, h = schema.board_entries, schema.board_heads
    columns = (b.c.position, b.c.ballot, b.c.tracking_code, b.c.previous_hash, b.c.entry_hash)
    problem: str | None = None
    previous, count, after = genesis_hash(fingerprint), 0, 0
    while True:
        rows = session.execute(
            select(*columns)
            .where(b.c.election_id == election_id, b.c.position > after)
            .order_by(b.c.position)
            .limit(batch)
        ).all()
        if not rows:
            break
        for row in rows:
            count += 1
            if problem is None:
                if row.position != count:
                    problem = f"entry {count} has position {row.position} (dropped or reordered)"
                elif row.previous_hash != previous:
                    problem = f"entry {count} does not chain to the entry before it"
                elif entry_hash(row.position, previous, row.tracking_code) != row.entry_hash:
                    problem = f"entry {count}: its hash is wrong"
                elif hashlib.sha256(row.ballot.encode()).hexdigest() != row.tracking_code:
                    problem = f"entry {count}: the tracking code is not its ballot's"
            previous = row.entry_hash
        after = rows[-1].position
    stored = session.execute(
        select(h.c.position, h.c.entry_hash).where(h.c.election_id == election_id)
    ).one_or_none()
    if stored is None:
        return ChainCheck(count, None, problem or "the election has no board head")
    if problem is None and (stored.position, stored.entry_hash) != (count, previous):
        problem = (f"the stored head (position {stored.position}) is not the last entry "
                   f"(position {count})")  # fmt: skip
    return ChainCheck(count, stored.position, problem)
