"""Board look-ups by tracking code, on SQLite and PostgreSQL: the full code, a prefix of
16 or more hex digits and the receipt's short code each search an index (the query
plans say so), and a board page is a range of the primary key."""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

import pytest
from sqlalchemy import Engine, event, insert, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from ballots import appender, board
from ballots.ballot import tracking_code_short
from evoting import db, schema
from tests.integration.conftest import Setup

ENTRIES = 60


def _code(n: int) -> str:
    return hashlib.sha256(b"ballot %d" % n).hexdigest()


@pytest.fixture
def codes(setup: Setup) -> list[str]:
    """A board of ENTRIES entries (stand-in ballots: look-ups never read them)."""
    made = [_code(n) for n in range(ENTRIES)]
    with setup.factory() as session, session.begin():
        for n, code in enumerate(made):
            appender.append(session, setup.election_id, json.dumps({"n": n}), code, f"{n:064x}")
    if setup.engine.dialect.name == "postgresql":
        # The statistics autovacuum keeps: without any, every index of a new table costs
        # the same and the planner picks one at random. (SQLite's planner needs none.)
        with setup.engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE board_entries")
            connection.commit()
    return made


def test_every_form_of_a_tracking_code_finds_its_entry(setup: Setup, codes: list[str]) -> None:
    code = codes[17]
    short = tracking_code_short(code)
    with setup.factory() as session:
        find = board.by_tracking_code
        for typed in (code, code.upper(), code[:16], code[:40], f"  {code[:20]} "):
            found = find(session, setup.election_id, typed)
            assert found is not None, typed
            assert found.position == 18
        for typed in (short, short.lower(), short.replace("-", " "), short.replace("-", "")):
            found = board.by_short_code(session, setup.election_id, typed)
            assert found is not None, typed
            assert found.tracking_code == code
        assert find(session, setup.election_id, code[:15]) is None  # too short to name one
        assert find(session, setup.election_id, "g" * 16) is None
        assert find(session, setup.election_id, "f" * 16) is None  # no next prefix: open range
        assert find(session, setup.election_id, code + "0") is None
        assert board.by_short_code(session, setup.election_id, short[:-1]) is None
        assert board.by_short_code(session, setup.election_id, "0" * 16) is None  # not base32
        assert board.by_tracking_code(session, "other", code) is None
        page = board.page(session, setup.election_id, 50, 100)
    assert [e.position for e in page] == list(range(51, ENTRIES + 1))


def test_a_prefix_or_short_code_two_entries_share_names_neither(setup: Setup) -> None:
    shared = "ab" * 10  # 80 bits in common: the same short code
    twins = [shared + "0" * 44, shared + "1" * 44]
    with setup.factory() as session, session.begin():
        for n, code in enumerate(twins):
            appender.append(session, setup.election_id, "{}", code, f"{n:064x}")
    with setup.factory() as session:
        short = tracking_code_short(twins[0])
        assert board.by_short_code(session, setup.election_id, short) is None
        assert board.by_tracking_code(session, setup.election_id, shared) is None
        found = board.by_tracking_code(session, setup.election_id, twins[1][:21])
        assert found is not None
        assert found.position == 2


@contextmanager
def _statements(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """The SQL (and its parameters) sent while the block runs."""
    sent: list[tuple[str, Any]] = []

    def record(_conn: Connection, _cursor: object, statement: str, parameters: Any,
               _context: object, _many: bool) -> None:  # fmt: skip
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _plan(engine: Engine, statement: str, parameters: Any) -> str:
    """The plan of the statement as it was sent. On PostgreSQL sequential scans are
    priced out (a table this small is cheaper to read whole): an index still shows up
    only if the query as written can search it, which the caller checks."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            return "\n".join(str(row[-1]) for row in rows)
        connection.exec_driver_sql("SET enable_seqscan = off")
        rows = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters)
        plan = rows.scalar_one()  # psycopg reads the JSON
        connection.rollback()
    nodes: list[dict[str, Any]] = []
    pending = [plan[0]["Plan"]]
    while pending:
        node = pending.pop()
        nodes.append(node)
        pending.extend(node.get("Plans", []))
    return "\n".join(f"{n['Node Type']} {n.get('Index Name', '')} {n.get('Index Cond', '')} "
                     f"filter={n.get('Filter', '')}" for n in nodes)  # fmt: skip


def _searches(s: Setup, lookup: Callable[[Session], object], index: str, column: str) -> None:
    """Run ``lookup`` alone in a session, then read the plan of the one query it sent:
    an index search with ``column`` in the index's condition (not a filter after it)."""
    with _statements(s.engine) as sent, s.factory() as session:
        lookup(session)
    assert len(sent) == 1, sent
    plan = _plan(s.engine, *sent[0])
    if s.engine.dialect.name == "sqlite":
        # e.g. "SEARCH board_entries USING INDEX ix_board_entries_short_code
        # (election_id=? AND short_code=?)"
        found = re.fullmatch(r"SEARCH board_entries USING (?:INDEX (\S+)|PRIMARY KEY) \((.*)\)",
                             plan)  # fmt: skip
        assert found is not None, plan
        assert found.group(1) is None or found.group(1).startswith(index), plan
        assert re.search(rf"\b{column}[=<>]", found.group(2)), plan
    else:
        scans = [line for line in plan.splitlines() if "Index Scan" in line]
        assert scans, plan
        assert all(f"Index Scan {index} " in line for line in scans), plan
        assert all(column in line.split(" filter=")[0] for line in scans), plan
        assert "Seq Scan" not in plan, plan


def test_look_ups_use_an_index_on_both_back_ends(setup: Setup, codes: list[str]) -> None:
    election, code = setup.election_id, codes[33]
    sqlite = setup.engine.dialect.name == "sqlite"
    tracking = "sqlite_autoindex_board_entries_" if sqlite else "uq_board_entries_tracking_code"
    short = "ix_board_entries_short_code"
    primary = "sqlite_autoindex_board_entries_" if sqlite else "pk_board_entries"
    for typed in (code, code[:16], code[:63], "f" * 16):
        lookup = partial(board.by_tracking_code, election_id=election, code=typed)
        _searches(setup, lookup, tracking, "tracking_code")
    _searches(setup, lambda s: board.by_short_code(s, election, tracking_code_short(code)),
              short, "short_code")  # fmt: skip
    _searches(setup, lambda s: board.page(s, election, 20, 10), primary, "position")


def test_migration_0014_fills_in_every_short_code_in_batches(engine: Engine) -> None:
    """Two elections' boards, more entries than one batch of the migration's."""
    db.downgrade(engine, "0013")
    when = datetime.datetime(2026, 11, 23, 12, 0, tzinfo=datetime.UTC)
    rows = []
    with engine.begin() as connection:
        for n, election in enumerate(("a-vote", "b-vote")):
            connection.execute(insert(schema.elections).values(
                id=election, fingerprint=f"{n:064x}", manifest="{}", state="open",
                created_at=when))  # fmt: skip
            rows += [{"e": election, "p": p, "t": _code(p + 10_000 * n), "c": f"{p:064x}"}
                     for p in range(1, 701)]  # fmt: skip
        connection.execute(
            text("INSERT INTO board_entries (election_id, position, ballot, tracking_code, "
                 "credential, previous_hash, entry_hash) VALUES (:e, :p, '{}', :t, :c, :c, :c)"),
            rows,
        )  # fmt: skip
    db.upgrade(engine)
    b = schema.board_entries
    with engine.connect() as connection:
        stored = connection.execute(select(b.c.tracking_code, b.c.short_code)).all()
    assert len(stored) == 1400
    assert all(short == board.short_code(code) for code, short in stored)
    with db.session_factory(engine)() as session:
        found = board.by_short_code(session, "b-vote", tracking_code_short(_code(10_650)))
    assert found is not None
    assert found.position == 650
