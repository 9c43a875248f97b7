"""The database layer on both back ends: migrations, units of work, constraints."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from evoting import db, schema


def _record(n: int, state: str = "draft") -> db.ElectionRecord:
    return db.ElectionRecord(
        id=f"election-{n}",
        fingerprint=f"{n:064x}",
        manifest='{"id":"x"}',
        state=state,
        created_at=datetime(2026, 11, 23, 12, 0, tzinfo=UTC),
    )


def _store(engine: Engine, record: db.ElectionRecord) -> None:
    with db.UnitOfWork(db.session_factory(engine)) as uow:
        uow.elections.add(record)
        uow.commit()


def _crash_after_adding(engine: Engine, record: db.ElectionRecord) -> None:
    with db.UnitOfWork(db.session_factory(engine)) as uow:
        uow.elections.add(record)
        raise RuntimeError("crash in the middle")


def test_migrations_create_exactly_the_declared_schema(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), schema.metadata)
    assert diff == []
    assert db.current_revision(engine) == db.head_revision() == "0002"


def test_downgrade_to_base_and_back(engine: Engine) -> None:
    db.downgrade(engine, "base")
    assert "elections" not in inspect(engine).get_table_names()
    db.upgrade(engine)
    assert "elections" in inspect(engine).get_table_names()


def test_committed_unit_of_work_is_stored(engine: Engine) -> None:
    factory = db.session_factory(engine)
    with db.UnitOfWork(factory) as uow:
        uow.elections.add(_record(1))
        uow.commit()
    with db.UnitOfWork(factory) as uow:
        stored = uow.elections.get("election-1")
    assert stored is not None
    assert stored.fingerprint == f"{1:064x}"
    assert stored.created_at.replace(tzinfo=UTC) == datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_unit_of_work_rolls_back_unless_committed(engine: Engine) -> None:
    factory = db.session_factory(engine)
    with db.UnitOfWork(factory) as uow:
        uow.elections.add(_record(2))
    with pytest.raises(RuntimeError, match="crash"):
        _crash_after_adding(engine, _record(3))
    with db.UnitOfWork(factory) as uow:
        assert uow.elections.get("election-2") is None
        assert uow.elections.get("election-3") is None


def test_fingerprint_is_unique(engine: Engine) -> None:
    factory = db.session_factory(engine)
    with db.UnitOfWork(factory) as uow:
        uow.elections.add(_record(4))
        uow.commit()
    duplicate = _record(4)
    clash = db.ElectionRecord(
        "other-id", duplicate.fingerprint, "{}", "draft", duplicate.created_at
    )
    with pytest.raises(IntegrityError):
        _store(engine, clash)


@pytest.mark.parametrize("state", ["", "deleted", "OPEN"])
def test_state_is_checked_by_the_database(engine: Engine, state: str) -> None:
    with pytest.raises(IntegrityError):
        _store(engine, _record(5, state=state))


def test_concurrent_writers_queue_instead_of_failing(engine: Engine) -> None:
    factory = db.session_factory(engine)
    errors: list[BaseException] = []

    def writer(offset: int) -> None:
        try:
            for n in range(offset, offset + 15):
                with db.UnitOfWork(factory) as uow:
                    uow.elections.add(_record(n))
                    uow.commit()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(base,)) for base in (100, 200, 300)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM elections")).scalar_one() == 45


def test_sqlite_connections_are_configured(tmp_path: object) -> None:
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


def test_url_resolution(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    monkeypatch.delenv(db.URL_ENVIRONMENT_VARIABLE, raising=False)
    monkeypatch.chdir(tmp_path)  # type: ignore[arg-type]
    assert db.database_url() == f"sqlite:///{tmp_path}/evoting.sqlite3"
    monkeypatch.setenv(db.URL_ENVIRONMENT_VARIABLE, "postgresql://u:p@h:5/d")
    assert db.database_url() == "postgresql+psycopg://u:p@h:5/d"
    assert db.database_url("sqlite:////x.db") == "sqlite:////x.db"
