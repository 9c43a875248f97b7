"""The database layer: SQLAlchemy 2.0 engines, units of work, Alembic migrations.

* SQLite is the embedded default: one file, WAL journal, foreign keys on,
  ``synchronous=FULL`` (an acknowledged cast survives a power cut), and every
  transaction opened with ``BEGIN IMMEDIATE`` so that two writers queue on the
  lock instead of failing half-way.
* PostgreSQL is production, by URL, through psycopg 3.

Nothing here runs at import time: callers build an engine from a URL.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.orm import Session, sessionmaker

URL_ENVIRONMENT_VARIABLE = "EVOTING_DATABASE_URL"
DEFAULT_SQLITE_FILE = "evoting.sqlite3"
MIGRATIONS = Path(__file__).parent / "migrations"


class DatabaseError(Exception):
    """A database URL or state the engine cannot work with."""


def database_url(url: str | None = None) -> str:
    """The URL to use: the argument, else $EVOTING_DATABASE_URL, else ./evoting.sqlite3."""
    chosen = url or os.environ.get(URL_ENVIRONMENT_VARIABLE)
    if not chosen:
        return f"sqlite:///{Path.cwd() / DEFAULT_SQLITE_FILE}"
    parsed = make_url(chosen)
    if parsed.drivername in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return chosen


def _sqlite_on_connect(synchronous: str, read_only: bool) -> Callable[[Any, object], None]:
    def configure(dbapi_connection: Any, _record: object) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        if read_only:
            cursor.execute("PRAGMA query_only=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    return configure


def _sqlite_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_begin_reading(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN")  # WAL: a reader neither waits for writers nor blocks them


def make_engine(
    url: str | None = None,
    *,
    durable: bool = True,
    pool_size: int | None = None,
    lock_timeout_s: float | None = None,
    read_only: bool = False,
) -> Engine:
    """An engine for ``url`` (see `database_url`), configured for its back end.

    ``read_only``: every transaction only reads (a cluster's worker reading the closed
    board, tally/board_ranges.py); on SQLite it takes no write lock, so many readers
    run beside the close that holds one.

    ``durable=False`` lets SQLite skip the sync after each commit: only for a
    throwaway database (the simulation), never for a vote.

    ``pool_size``: PostgreSQL connections this process keeps open (one per thread
    that may query at once: a gunicorn worker's threads), as many again on a burst;
    a request that waits 10 s for one gets `sqlalchemy.exc.TimeoutError` (a 503),
    not an endless queue. Every connection is pinged before use, so one that a
    database restart dropped is replaced, not handed to a cast.

    ``lock_timeout_s`` (PostgreSQL; the web app's engine): a statement that waits this
    long for a row lock fails (SQLSTATE 55P03, a 503 to retry) instead of waiting for
    ever: an administrator's session left open on the board's head row would otherwise
    stall every cast of a worker. SQLite's equivalent is its busy timeout.
    """
    resolved = make_url(database_url(url))
    backend = resolved.get_backend_name()
    if backend == "sqlite":
        if resolved.database in (None, "", ":memory:"):
            raise DatabaseError("use a SQLite file; an in-memory database cannot be shared")
        engine = create_engine(resolved, hide_parameters=True)
        synchronous = "FULL" if durable else "NORMAL"
        event.listen(engine, "connect", _sqlite_on_connect(synchronous, read_only))
        event.listen(engine, "begin", _sqlite_begin_reading if read_only else _sqlite_begin)
        return engine
    if backend == "postgresql":
        # TCP keep-alives: a connection to a host that vanished (a fail-over, a cut
        # network) errors within a minute instead of hanging a request or the board's
        # appender. Parameters stay out of error messages: they hold ballots.
        connect: dict[str, int | str] = {
            "connect_timeout": 10,
            "keepalives": 1,
            "keepalives_idle": 30,
            "keepalives_interval": 10,
            "keepalives_count": 3,
        }
        settings: list[str] = []
        if lock_timeout_s is not None:
            if not 0 < lock_timeout_s <= 3600:
                raise DatabaseError("the lock timeout must be between 0 and 3600 seconds")
            settings.append(f"-c lock_timeout={round(lock_timeout_s * 1000)}")
        if read_only:
            settings.append("-c default_transaction_read_only=on")
        if settings:  # after the URL's own options, which connect_args would replace
            given = resolved.query.get("options", ())
            url_options = [given] if isinstance(given, str) else list(given)
            connect["options"] = " ".join([*url_options, *settings])
        if pool_size is None:
            return create_engine(resolved, pool_pre_ping=True, hide_parameters=True,
                                 connect_args=connect)  # fmt: skip
        return create_engine(resolved, pool_pre_ping=True, pool_size=pool_size,
                             max_overflow=pool_size, pool_timeout=10, hide_parameters=True,
                             connect_args=connect)  # fmt: skip
    raise DatabaseError(f"unsupported database {backend!r}: use sqlite or postgresql")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


class UnitOfWork:
    """One transaction: ``with UnitOfWork(factory) as uow: ...; uow.commit()``.

    Leaving the block without `commit` rolls everything back, exceptions included.
    """

    def __init__(self, factory: Callable[[], Session]) -> None:
        self._factory = factory
        self._session: Session | None = None

    def __enter__(self) -> UnitOfWork:
        self._session = self._factory()
        self._session.begin()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._session is not None
        try:
            self._session.rollback()
        finally:
            self._session.close()
            self._session = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise DatabaseError("the unit of work is not open")
        return self._session

    def commit(self) -> None:
        self.session.commit()


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` (Alembic), in one transaction."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def downgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), revision)


def head_revision() -> str:
    """The newest migration this code ships."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise DatabaseError("no migrations found")
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
