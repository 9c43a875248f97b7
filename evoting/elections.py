"""Elections as stored: create one from a manifest, load it, move it through its states.

States: ``draft`` (register and poll cards may change) → ``open`` (the register is
frozen, credentials are issued, ballots cast) → ``closed`` → ``tallied`` →
``published``. A state change locks the election's row, so it cannot interleave
with a register import that read the old state.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from evoting import schema
from evoting.election import Manifest, manifest_from_canonical

TRANSITIONS = {"open": ("draft",), "closed": ("open",), "tallied": ("closed",),
               "published": ("tallied",)}  # fmt: skip


class ElectionError(Exception):
    """An election that does not exist, already exists, or is in the wrong state."""


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
        raise ElectionError(f"an election {manifest.id!r} (or this very manifest) exists") from exc
    return Election(manifest.id, "draft", manifest, now)


def get_election(session: Session, election_id: str, *, lock: bool = False) -> Election:
    """The election, its row locked until the transaction ends if ``lock``."""
    query = select(schema.elections).where(schema.elections.c.id == election_id)
    if lock:
        query = query.with_for_update()
    row = session.execute(query).one_or_none()
    if row is None:
        raise ElectionError(f"there is no election {election_id!r}")
    manifest = manifest_from_canonical(row.manifest.encode("utf-8"))
    if manifest.fingerprint.hex() != row.fingerprint:
        raise ElectionError(f"election {election_id!r}: the stored manifest was altered")
    created = row.created_at
    if created.tzinfo is None:  # SQLite returns naive datetimes; we store UTC
        created = created.replace(tzinfo=datetime.UTC)
    return Election(row.id, row.state, manifest, created)


def change_state(session: Session, election_id: str, to_state: str) -> Election:
    election = get_election(session, election_id, lock=True)
    allowed_from = TRANSITIONS.get(to_state, ())
    if election.state not in allowed_from:
        raise ElectionError(
            f"election {election_id!r} is {election.state}; it can become {to_state} only "
            f"from {' or '.join(allowed_from) or 'nowhere'}"
        )
    session.execute(
        update(schema.elections).where(schema.elections.c.id == election_id).values(state=to_state)
    )
    return Election(election.id, to_state, election.manifest, election.created_at)
