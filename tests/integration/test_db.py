"""The database layer on both back ends: migrations, units of work, constraints."""

from __future__ import annotations

import base64
import json
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, insert, inspect, select, text
from sqlalchemy.exc import IntegrityError

from evoting import db, schema

WHEN = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _election(n: int, state: str = "draft") -> dict[str, object]:
    return {
        "id": f"election-{n}",
        "fingerprint": f"{n:064x}",
        "manifest": '{"id":"x"}',
        "state": state,
        "created_at": WHEN,
    }


def _store(engine: Engine, row: dict[str, object]) -> None:
    with db.UnitOfWork(db.session_factory(engine)) as uow:
        uow.session.execute(insert(schema.elections).values(**row))
        uow.commit()


def _crash_after_adding(engine: Engine, row: dict[str, object]) -> None:
    with db.UnitOfWork(db.session_factory(engine)) as uow:
        uow.session.execute(insert(schema.elections).values(**row))
        raise RuntimeError("crash in the middle")


def _ids(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(schema.elections.c.id)).scalars())


def test_migrations_create_exactly_the_declared_schema(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), schema.metadata)
    assert diff == []
    assert db.current_revision(engine) == db.head_revision()


def test_downgrade_to_base_and_back(engine: Engine) -> None:
    _store(engine, _election(1))
    db.downgrade(engine, "base")
    assert "elections" not in inspect(engine).get_table_names()
    db.upgrade(engine)
    assert "board_entries" in inspect(engine).get_table_names()


def test_migration_0003_moves_credential_keys(engine: Engine) -> None:
    db.downgrade(engine, "0002")
    _store(engine, _election(7))
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO credential_keys (election_id, public_key, sealed_private_key, "
                "created_at) VALUES ('election-7', :pk, :sk, :at)"
            ),
            {"pk": b"public", "sk": b"sealed", "at": WHEN},
        )
    db.upgrade(engine)
    with engine.connect() as conn:
        moved = conn.execute(select(schema.election_keys)).one()
    assert (moved.purpose, bytes(moved.public_key), bytes(moved.sealed_private_key)) == (
        "credential", b"public", b"sealed",
    )  # fmt: skip


def test_migration_0009_reads_spoiled_credentials_and_forgets_logins(engine: Engine) -> None:
    db.downgrade(engine, "0008")
    _store(engine, _election(8, state="open"))
    _store(engine, _election(9, state="closed"))
    key = bytes(range(32))
    public_key = base64.urlsafe_b64encode(key).decode().rstrip("=")
    ballot = {"credential": {"public_key": public_key}}
    record = json.dumps({"format": "EVOTING-V1-spoiled", "ballot": ballot, "contests": []})
    counters = [("election-8", "failed", 2), ("election-8", "succeeded", 0),
                ("election-9", "closed", 3)]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO spoiled_ballots (election_id, record, tracking_code) "
                 "VALUES ('election-8', :record, :code)"),
            {"record": record, "code": "ab" * 32},
        )  # fmt: skip
        for election, subject, failures in counters:
            conn.execute(insert(schema.login_failures).values(
                election_id=election, kind="number", subject=subject, failures=failures,
                window_started_at=WHEN))  # fmt: skip
    db.upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(select(schema.spoiled_ballots.c.credential)).scalar_one() == key.hex()
        left = conn.execute(select(schema.login_failures.c.subject)).scalars().all()
    assert left == ["failed"]  # a success's row and a closed vote's rows are gone


def test_committed_unit_of_work_is_stored(engine: Engine) -> None:
    _store(engine, _election(1))
    with engine.connect() as conn:
        stored = conn.execute(select(schema.elections)).one()
    assert stored.fingerprint == f"{1:064x}"
    assert stored.created_at.replace(tzinfo=UTC) == WHEN


def test_unit_of_work_rolls_back_unless_committed(engine: Engine) -> None:
    with db.UnitOfWork(db.session_factory(engine)) as uow:
        uow.session.execute(insert(schema.elections).values(**_election(2)))
    with pytest.raises(RuntimeError, match="crash"):
        _crash_after_adding(engine, _election(3))
    assert _ids(engine) == []


def test_fingerprint_is_unique(engine: Engine) -> None:
    _store(engine, _election(4))
    clash = _election(4) | {"id": "other-id"}
    with pytest.raises(IntegrityError):
        _store(engine, clash)


@pytest.mark.parametrize("state", ["", "deleted", "OPEN"])
def test_state_is_checked_by_the_database(engine: Engine, state: str) -> None:
    with pytest.raises(IntegrityError):
        _store(engine, _election(5, state=state))


def test_concurrent_writers_queue_instead_of_failing(engine: Engine) -> None:
    errors: list[BaseException] = []

    def writer(offset: int) -> None:
        try:
            for n in range(offset, offset + 15):
                _store(engine, _election(n))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(base,)) for base in (100, 200, 300)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(_ids(engine)) == 45


def test_sqlite_connections_are_configured(tmp_path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path}/pragmas.sqlite3")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    finally:
        engine.dispose()


def test_in_memory_sqlite_is_refused() -> None:
    with pytest.raises(db.DatabaseError, match="in-memory"):
        db.make_engine("sqlite://")


def test_unknown_backend_is_refused() -> None:
    with pytest.raises(db.DatabaseError, match="unsupported"):
        db.make_engine("mysql://u@localhost/x")


def test_url_resolution(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(db.URL_ENVIRONMENT_VARIABLE, raising=False)
    monkeypatch.chdir(tmp_path)
    assert db.database_url() == f"sqlite:///{tmp_path}/evoting.sqlite3"
    monkeypatch.setenv(db.URL_ENVIRONMENT_VARIABLE, "postgresql://u:p@h:5/d")
    assert db.database_url() == "postgresql+psycopg://u:p@h:5/d"
    assert db.database_url("sqlite:////x.db") == "sqlite:////x.db"
