"""`evote bench tally --db URL`: the synthetic board as a real election's ``board_entries``.

Loading (not timed) migrates the database, then writes in one transaction the
election's row (closed, with its election key), its final board head and every
entry, streamed from ``board.jsonl``: PostgreSQL through ``COPY … FROM STDIN``,
SQLite by ``executemany`` in batches of `BATCH`. Each entry's ``credential`` is the
ballot's credential key in hex, as the ballot box stores it. A database that holds
this election's board already (same fingerprint, same final head, as many entries)
is used as it is; one that holds another board of the same election is refused.

Reading (timed) is `ballots.board.entries`, keyset batches of 500 in position order,
each entry turned into its JSON line, as `tally.service.close_vote` reads it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, insert, select

from cli.bench import SyntheticElection
from cli.bench_cache import BenchRefused
from evoting import db, schema

BATCH = 1000
_COLUMNS = ("election_id", "position", "ballot", "tracking_code", "credential",
            "previous_hash", "entry_hash")  # fmt: skip
_FROM_TRACKING_CODE = ("short_code",)
"""Columns the ballot box derives from the tracking code, by `ballots.board`'s function of
the same name (the receipt's short code), when the schema has them."""


def _derived() -> dict[str, Callable[[str], str]]:
    """The board's other columns, each made from the tracking code as `append` makes it."""
    from ballots import board

    derived: dict[str, Callable[[str], str]] = {}
    for column in schema.board_entries.columns:
        if column.name in _COLUMNS:
            continue
        make = getattr(board, column.name, None) if column.name in _FROM_TRACKING_CODE else None
        if callable(make):
            derived[column.name] = make
        elif not column.nullable and column.default is None and column.server_default is None:
            raise BenchRefused(f"the benchmark cannot fill board_entries.{column.name}")
    return derived


def _rows(
    election_id: str, board: Path, derived: dict[str, Callable[[str], str]]
) -> Iterator[tuple[object, ...]]:
    from evoting.crypto.canonical import b64decode

    with board.open(encoding="utf-8") as f:
        for line in f:
            entry = json.loads(line)
            ballot, code = entry["ballot"], entry["tracking_code"]
            credential = b64decode(json.loads(ballot)["credential"]["public_key"]).hex()
            yield (election_id, entry["position"], ballot, code, credential, entry["previous"],
                   entry["entry_hash"], *(make(code) for make in derived.values()))  # fmt: skip


def _batches(
    rows: Iterator[tuple[object, ...]], columns: tuple[str, ...]
) -> Iterator[list[dict[str, object]]]:
    batch: list[dict[str, object]] = []
    for row in rows:
        batch.append(dict(zip(columns, row, strict=True)))
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _held(connection: Connection, election: SyntheticElection) -> bool:
    """Whether the database holds this board already; `BenchRefused` if another one."""
    manifest, head = election.manifest, election.head
    e, h, b = schema.elections, schema.board_heads, schema.board_entries
    row = connection.execute(select(e.c.fingerprint).where(e.c.id == manifest.id)).first()
    if row is None:
        return False
    held = connection.execute(
        select(h.c.position, h.c.entry_hash, h.c.final).where(h.c.election_id == manifest.id)
    ).first()
    entries = connection.execute(
        select(func.count()).select_from(b).where(b.c.election_id == manifest.id)
    ).scalar_one()
    ours = (manifest.fingerprint.hex(), (head.position, head.entry_hash, True), head.position)
    if (row.fingerprint, held and tuple(held), entries) != ours:
        raise BenchRefused(f"the database already holds election {manifest.id!r} with another "
                           f"board ({entries} entries): give an empty database")  # fmt: skip
    return True


def load_board(url: str, election: SyntheticElection) -> dict[str, object]:
    """Put the synthetic board in the database at ``url`` (migrated first), unless it is
    there already; returns what to report: the back end, whether it loaded, in how long."""
    engine = db.make_engine(url, durable=False)  # a throwaway database
    backend = engine.dialect.name
    try:
        db.upgrade(engine)
        started = time.perf_counter()
        manifest, head = election.manifest, election.head
        with engine.begin() as connection:
            if _held(connection, election):
                return {"source": backend, "loaded": False, "load_s": 0.0}
            connection.execute(insert(schema.elections).values(
                id=manifest.id, fingerprint=manifest.fingerprint.hex(),
                manifest=manifest.canonical().decode("utf-8"), state="closed",
                created_at=manifest.window.opens, public_key=election.context.election_key.hex(),
            ))  # fmt: skip
            connection.execute(insert(schema.board_heads).values(
                election_id=manifest.id, position=head.position, entry_hash=head.entry_hash,
                final=True,
            ))  # fmt: skip
            derived = _derived()
            columns = (*_COLUMNS, *derived)
            rows = _rows(manifest.id, election.board, derived)
            if backend == "postgresql":
                _copy(connection, rows, columns)
            else:
                for batch in _batches(rows, columns):
                    connection.execute(insert(schema.board_entries), batch)
        return {"source": backend, "loaded": True,
                "load_s": round(time.perf_counter() - started, 1)}  # fmt: skip
    finally:
        engine.dispose()


def _copy(
    connection: Connection, rows: Iterator[tuple[object, ...]], columns: tuple[str, ...]
) -> None:
    """COPY in the connection's own transaction (psycopg 3 streams the rows)."""
    driver: Any = connection.connection.driver_connection
    statement = f"COPY board_entries ({', '.join(columns)}) FROM STDIN"
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


@contextmanager
def board_lines(url: str, election_id: str) -> Iterator[tuple[Iterator[str], int | None]]:
    """The board's entries as JSON lines, read as `evote tally` reads them, and the
    PostgreSQL server process serving them (its pid), if PostgreSQL."""
    from ballots.board import entries
    from evoting.crypto.canonical import canonical_json

    engine = db.make_engine(url)
    try:
        with db.session_factory(engine)() as session:
            backend = None
            if engine.dialect.name == "postgresql":
                backend = int(session.execute(select(func.pg_backend_pid())).scalar_one())
            lines = (canonical_json(e.to_json()).decode() for e in entries(session, election_id))
            yield lines, backend
    finally:
        engine.dispose()
