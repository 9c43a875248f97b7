"""Group commit for the board: many casts appended under one lock and one commit.

The board is a chain, so appends are serialized on its head row, and each append
holds that lock through its commit (a disk flush, on a durable database). Under a
cast storm every request thread queues on the lock, and a thread holding it can
be kept off the CPU by the others' proof checks (Python's GIL). `BatchAppender`
gives each process one thread that takes every ballot waiting, appends them all in
one transaction (`append_many`: one lock, one insert, one commit) and hands each
request its entry. Nothing is acknowledged before its transaction commits; a batch
that fails fails every request in it, and each client retries (casting is
idempotent). The checks under the lock are `append`'s (ballots/board.py): a spoiled
tracking code is refused, a credential on the board answers with its entry (the
same ballot) or refuses (another one), per ballot, so one bad ballot never fails
the others.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, insert, select, update
from sqlalchemy.orm import Session

from ballots.ballot import BallotRejected
from ballots.board import SPOILED, BoardError, locked_head, short_code
from ballots.chain import BoardEntry, entry_hash
from evoting import schema

MAX_BATCH = 64
"""Ballots per transaction at most; a storm's queue is drained in batches of this."""
WAIT_S = 30.0
"""How long a request waits for its batch to commit before it is told to retry."""

CREDENTIAL_USED = "this credential has already cast a ballot"

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Pending:
    ballot_json: str
    tracking_code: str
    credential: str


def append_many(
    session: Session, election_id: str, items: Sequence[Pending]
) -> list[BoardEntry | BallotRejected]:
    """Append ``items`` in the caller's transaction, in order, under the head's lock.

    Per item: its entry (new, or the one already on the board for this very ballot),
    or the `BallotRejected` that refuses it (``spoiled``, ``credential_used``).
    `BoardError` if the board is final (nothing is appended).
    """
    position, previous, final = locked_head(session, election_id)
    if final:
        raise BoardError("the board is final: the vote has closed")
    b, t = schema.board_entries, schema.spoiled_ballots
    codes = sorted({i.tracking_code for i in items})
    credentials = sorted({i.credential for i in items})
    spoiled = set(session.execute(
        select(t.c.tracking_code).where(t.c.election_id == election_id,
                                        t.c.tracking_code.in_(codes))
    ).scalars())  # fmt: skip
    found = session.execute(
        select(b).where(b.c.election_id == election_id, b.c.credential.in_(credentials))
    )
    on_board = {row.credential: _entry(row) for row in found}
    results: list[BoardEntry | BallotRejected] = []
    rows = []
    for item in items:
        held = on_board.get(item.credential)
        if held is not None:
            same = held.tracking_code == item.tracking_code
            results.append(held if same else BallotRejected("credential_used", CREDENTIAL_USED))
            continue
        if item.tracking_code in spoiled:
            results.append(BallotRejected("spoiled", SPOILED))
            continue
        position += 1
        digest = entry_hash(position, previous, item.tracking_code)
        entry = BoardEntry(position, item.ballot_json, item.tracking_code, item.credential,
                           previous, digest)  # fmt: skip
        previous = entry.entry_hash
        on_board[item.credential] = entry
        rows.append({
            "election_id": election_id, "position": entry.position, "ballot": entry.ballot,
            "tracking_code": entry.tracking_code, "credential": entry.credential,
            "previous_hash": entry.previous_hash, "entry_hash": entry.entry_hash,
            "short_code": short_code(entry.tracking_code),
        })  # fmt: skip
        results.append(entry)
    if rows:
        session.execute(insert(b), rows)
        session.execute(
            update(schema.board_heads)
            .where(schema.board_heads.c.election_id == election_id)
            .values(position=position, entry_hash=previous)
        )
    return results


def _entry(row: Row[Any, Any]) -> BoardEntry:
    return BoardEntry(row.position, row.ballot, row.tracking_code, row.credential,
                      row.previous_hash, row.entry_hash)  # fmt: skip


def append(
    session: Session, election_id: str, ballot_json: str, tracking_code: str, credential: str
) -> BoardEntry:
    """One ballot in the caller's transaction; raises its `BallotRejected`."""
    (result,) = append_many(session, election_id, [Pending(ballot_json, tracking_code, credential)])
    if isinstance(result, BallotRejected):
        raise result
    return result


def append_one(factory: Callable[[], Session], election_id: str, item: Pending) -> BoardEntry:
    """One ballot in its own transaction (the default, and the CLI's)."""
    with factory() as session, session.begin():
        return append(session, election_id, item.ballot_json, item.tracking_code,
                      item.credential)  # fmt: skip


class BatchAppender:
    """One appending thread per process; `append` blocks until the ballot's batch commits.

    The thread starts on first use, so a process forked after the app was made (a
    gunicorn worker) starts its own. The queue needs no bound of its own: each
    request thread waits for its ballot's batch, so it holds at most one ballot per
    thread of the worker (gunicorn's ``--threads``).
    """

    def __init__(self, factory: Callable[[], Session], max_batch: int = MAX_BATCH) -> None:
        self._factory = factory
        self._max = max_batch
        self._queue: queue.SimpleQueue[tuple[str, Pending, Future[BoardEntry]]] = (
            queue.SimpleQueue()
        )
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def append(self, election_id: str, item: Pending) -> BoardEntry:
        """The ballot's entry once committed; raises `BallotRejected`, `BoardError`, the
        database's error, or `TimeoutError` (the batch did not commit in `WAIT_S`)."""
        self._start()
        done: Future[BoardEntry] = Future()
        self._queue.put((election_id, item, done))
        return done.result(timeout=WAIT_S)

    def _start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="board-appender",
                                                daemon=True)  # fmt: skip
                self._thread.start()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < self._max:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            by_election: dict[str, list[tuple[Pending, Future[BoardEntry]]]] = {}
            for election_id, item, done in batch:
                by_election.setdefault(election_id, []).append((item, done))
            for election_id, waiting in by_election.items():
                self._commit(election_id, waiting)

    def _commit(self, election_id: str, waiting: list[tuple[Pending, Future[BoardEntry]]]) -> None:
        try:
            with self._factory() as session, session.begin():
                results = append_many(session, election_id, [item for item, _ in waiting])
        except Exception as exc:  # handed to every waiting request
            log.warning("a batch of %d ballots was not appended (%s)", len(waiting),
                        type(exc).__name__)  # the class only: no ballot in the log  # fmt: skip
            for _, done in waiting:
                if not done.done():
                    done.set_exception(exc)
            return
        for (_, done), result in zip(waiting, results, strict=True):
            if isinstance(result, BallotRejected):
                done.set_exception(result)
            else:
                done.set_result(result)
