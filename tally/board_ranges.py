"""The database's board in ranges, for `--scheduler` on the officials' commands
(tally/cluster.py).

This process reads only the positions of the closed board's entries (keyset
order), and cuts them into ranges of consecutive entries; each Dask worker opens
the database itself (the primary, or a replica it can reach at the same URL) and
reads its range by position, a page at a time, as `ballots.board.entries` does.
The board is closed (frozen) before it is cut, so the ranges cannot move.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from ballots.board import page
from evoting import db, schema
from evoting.crypto.canonical import canonical_json

PAGE = 500


@dataclass(frozen=True, slots=True)
class DatabaseRange:
    """``count`` entries of the board after position ``after``, numbered from ``first``."""

    url: str
    election_id: str
    after: int
    first: int
    count: int

    def lines(self) -> Iterator[str]:
        engine = db.make_engine(self.url, read_only=True)
        try:
            with db.session_factory(engine)() as session:
                after, left = self.after, self.count
                while left > 0:
                    entries = page(session, self.election_id, after, min(PAGE, left))
                    if not entries:
                        return
                    for entry in entries:
                        yield canonical_json(entry.to_json()).decode()
                    left -= len(entries)
                    after = entries[-1].position
        finally:
            engine.dispose()


def reach(url: str) -> None:
    """On each worker, before the vote is closed: the database opens and answers."""
    engine = db.make_engine(url, read_only=True)
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    finally:
        engine.dispose()


def worker_url(session: Session) -> str:
    """The session's database URL as a worker opens it: password included (the cluster
    is the officials' own), a SQLite file made absolute."""
    url = session.get_bind().engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        database = str(url.database)
        if not database.startswith("file:"):
            url = url.set(database=str(Path(database).resolve()))
    elif url.get_backend_name() == "sqlite":
        raise ValueError("an in-memory database cannot be read by a cluster's workers")
    return make_url(url).render_as_string(hide_password=False)


def database_ranges(session: Session, url: str, election_id: str, size: int) -> list[DatabaseRange]:
    """The board of ``election_id`` in ranges of ``size`` entries."""
    b = schema.board_entries
    positions = session.execute(
        select(b.c.position)
        .where(b.c.election_id == election_id)
        .order_by(b.c.position)
        .execution_options(yield_per=10_000)
    ).scalars()
    ranges: list[DatabaseRange] = []
    after = previous = read = count = 0
    for position in positions:
        if count == 0:
            after = previous
        count += 1
        read += 1
        previous = position
        if count == size:
            ranges.append(DatabaseRange(url, election_id, after, read - count + 1, count))
            count = 0
    if count:
        ranges.append(DatabaseRange(url, election_id, after, read - count + 1, count))
    return ranges
