"""The database goes away or cannot write: a 503 with Retry-After, never a 500, and the
board is never half-written (web/unavailable.py).

PostgreSQL runs on a server of this module's own, stopped and started again (never the
session's server). SQLite is opened read-only, made full, or kept locked.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, create_engine, event, func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

import ballots.appender
from ballots import board
from ballots.chain import entry_hash, genesis_hash
from evoting import db, schema
from evoting.crypto.canonical import b64encode
from evoting.deployment import SECRET_ENVIRONMENT_VARIABLE
from tests.integration.conftest import NOW, Setup, make_setup
from tests.support.postgres import RestartableServer, restartable_server
from tests.web.conftest import Clock
from tests.web.test_api import ballot_bytes, credential_for
from web import create_app, unavailable
from web.extensions import limiter

API = "/api/e/kortrijk-2019"
SECRETS = ("SELECT", "INSERT", "board_", "psycopg", "sqlite", "Traceback", "127.0.0.1")
"""What a 503 must not show: SQL, the driver, the server's address, a traceback."""


@dataclass
class Site:
    setup: Setup
    url: str
    app: Flask

    @property
    def client(self) -> FlaskClient:
        made = self.app.test_client()
        made.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        return made

    def cast(self, body: bytes) -> tuple[int, dict[str, Any], dict[str, str]]:
        answer = self.client.post(f"{API}/cast", data=body, content_type="application/json")
        text = answer.get_data(as_text=True)
        assert not any(secret in text for secret in SECRETS), text
        return answer.status_code, answer.get_json(), dict(answer.headers)

    def ballot(self, name: str, answer: str = "yes") -> bytes:
        return ballot_bytes(self.setup, credential_for(self.app, self.setup, name), answer)

    def board(self) -> tuple[int, int, str]:
        """(entries on the board, head position, head hash), checking the whole chain."""
        s = self.setup
        with s.factory() as session:
            count = session.execute(select(func.count()).select_from(schema.board_entries)
                                    .where(schema.board_entries.c.election_id == s.election_id)
                                    ).scalar_one()  # fmt: skip
            position, head, _ = board.head(session, s.election_id)
            previous = genesis_hash(s.manifest.fingerprint)
            for n, entry in enumerate(board.entries(session, s.election_id), start=1):
                assert entry.position == n
                assert entry.previous_hash == previous
                assert entry.entry_hash == entry_hash(n, previous, entry.tracking_code)
                previous = entry.entry_hash
        assert (count, head) == (position, previous)
        return count, position, head


def make_site(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **config: Any) -> Site:
    engine = db.make_engine(url)
    db.upgrade(engine)
    setup = make_setup(engine, tmp_path, monkeypatch)
    monkeypatch.setenv(SECRET_ENVIRONMENT_VARIABLE, b64encode(setup.keys.master))
    app = create_app(url, tmp_path / "instance", clock=Clock(NOW), secure_cookies=False,
                     config={"TESTING": True, **config})  # fmt: skip
    limiter.reset()
    return Site(setup, url, app)


def dispose(site: Site) -> None:
    site.app.extensions["evoting"].engine.dispose()
    site.setup.engine.dispose()


def assert_unavailable(status: int, body: dict[str, Any], headers: dict[str, str]) -> str:
    assert status == 503
    assert body["error"] == "unavailable"
    assert int(headers["Retry-After"]) > 0
    return str(body["message"])


# --- PostgreSQL stopped ------------------------------------------------------------------


@pytest.fixture(scope="module")
def own_server() -> Iterator[RestartableServer]:
    """A server of this module's own: the tests stop it (never the session's server)."""
    with restartable_server() as server:
        yield server


@pytest.fixture
def pg_site(
    own_server: RestartableServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Site]:
    with own_server.database() as url:
        site = make_site(url, tmp_path, monkeypatch)
        yield site
        dispose(site)


@contextmanager
def stopped(server: RestartableServer) -> Iterator[None]:
    server.stop()
    try:
        yield
    finally:
        server.start()


def test_a_cast_while_postgresql_is_stopped_is_503_and_succeeds_after(
    pg_site: Site, own_server: RestartableServer
) -> None:
    assert pg_site.cast(pg_site.ballot("An"))[0] == 200
    ballot = pg_site.ballot("Bram")
    before = pg_site.board()
    with stopped(own_server):
        message = assert_unavailable(*pg_site.cast(ballot))
        assert "cannot be reached" in message
        health = pg_site.client.get("/healthz")
        assert health.status_code == 503
        assert health.get_json() == {"status": "unavailable", "database": "connection"}
        assert "Retry-After" in health.headers
        page = pg_site.client.get("/")  # a page, not the API: the error page
        assert page.status_code == 503
        assert "Temporarily unavailable" in page.get_data(as_text=True)
        assert "Retry-After" in page.headers
    assert pg_site.board() == before  # nothing half-written
    status, receipt, _ = pg_site.cast(ballot)  # the same ballot, sent again
    assert (status, receipt["position"]) == (200, 2)
    assert pg_site.cast(ballot)[:2] == (200, receipt)  # idempotent
    assert pg_site.client.get("/healthz").get_json()["status"] == "ok"
    assert pg_site.board()[:2] == (2, 2)


def test_postgresql_stopping_in_the_middle_of_the_append_writes_nothing(
    pg_site: Site, own_server: RestartableServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert pg_site.cast(pg_site.ballot("An"))[0] == 200
    ballot = pg_site.ballot("Bram")
    before = pg_site.board()
    stops: list[int] = []

    def append_after_a_stop(session: Session, *args: Any) -> list[Any]:
        if not stops:
            session.execute(text("SELECT 1"))  # the transaction is open on the server
            stops.append(1)
            own_server.stop()  # -m fast: the server rolls it back and cuts the connection
        return real(session, *args)

    real = ballots.appender.append_many  # the web app's group commit calls it
    monkeypatch.setattr(ballots.appender, "append_many", append_after_a_stop)
    try:
        assert_unavailable(*pg_site.cast(ballot))
    finally:
        own_server.start()
    assert stops == [1]
    assert pg_site.board() == before
    status, receipt, _ = pg_site.cast(ballot)
    assert (status, receipt["position"]) == (200, 2)


def test_no_pooled_connection_in_time_is_503(pg_site: Site) -> None:
    ballot = pg_site.ballot("An")
    services = pg_site.app.extensions["evoting"]
    normal = services.engine
    small = create_engine(pg_site.url, pool_size=1, max_overflow=0, pool_timeout=0.2)
    services.engine = small
    vars(services).pop("factory", None)  # the session factory is made once from the engine
    try:
        with small.connect():  # the only connection is taken
            message = assert_unavailable(*pg_site.cast(ballot))
            assert "too busy" in message
            health = pg_site.client.get("/healthz")
            assert health.get_json() == {"status": "unavailable", "database": "pool_timeout"}
    finally:
        services.engine = normal
        vars(services).pop("factory", None)
        small.dispose()
    assert pg_site.cast(ballot)[0] == 200


def test_a_session_holding_the_board_head_makes_casts_503_not_a_hang(
    own_server: RestartableServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An administrator's psql left open on the head row: the web engine's lock timeout
    (evoting.db.make_engine) fails the batch with a 503 instead of stalling the worker's
    appender for as long as the session stays open."""
    with own_server.database() as url:
        site = make_site(url, tmp_path, monkeypatch, DATABASE_LOCK_TIMEOUT=0.5)
        try:
            ballot = site.ballot("An")
            with site.setup.factory() as admin, admin.begin():
                board.locked_head(admin, site.setup.election_id)  # held, never released
                started = time.monotonic()
                message = assert_unavailable(*site.cast(ballot))
                assert time.monotonic() - started < 5
                assert "busy" in message
            assert site.board()[:2] == (0, 0)
            status, receipt, _ = site.cast(ballot)  # released: the same ballot goes in
            assert (status, receipt["position"]) == (200, 1)
        finally:
            dispose(site)


def test_the_lock_timeout_is_bounded() -> None:
    for wrong in (0, -1, 3601):
        with pytest.raises(db.DatabaseError, match="lock timeout"):
            db.make_engine("postgresql+psycopg://u@127.0.0.1/none", lock_timeout_s=wrong)


# --- SQLite that cannot write ------------------------------------------------------------


@pytest.fixture
def sqlite_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    site = make_site(f"sqlite:///{tmp_path / 'web.sqlite3'}", tmp_path, monkeypatch)
    yield site
    dispose(site)


def test_a_read_only_database_is_503_on_cast(sqlite_site: Site, tmp_path: Path) -> None:
    assert sqlite_site.cast(sqlite_site.ballot("An"))[0] == 200
    ballot = sqlite_site.ballot("Bram")
    before = sqlite_site.board()
    read_only = f"sqlite:///file:{tmp_path / 'web.sqlite3'}?mode=ro&uri=true"
    app = create_app(read_only, tmp_path / "instance", clock=Clock(NOW), secure_cookies=False,
                     config={"TESTING": True})  # fmt: skip
    try:
        site = Site(sqlite_site.setup, read_only, app)
        message = assert_unavailable(*site.cast(ballot))
        assert "read-only" in message
        assert site.client.get("/healthz").status_code == 200  # it can be read
    finally:
        app.extensions["evoting"].engine.dispose()
    assert sqlite_site.board() == before
    assert sqlite_site.cast(ballot)[1]["position"] == 2


def limit_growth(engine: Engine, path: Path) -> Callable[[Any, object], None]:
    """Every new connection of ``engine`` may not grow the file past its size now, with
    no free page left in it (a board entry takes more than half a page: the next one
    needs a new page)."""
    engine.dispose()
    with closing(sqlite3.connect(path, isolation_level=None)) as connection:
        connection.execute("VACUUM")
        assert connection.execute("PRAGMA freelist_count").fetchone() == (0,)
        (pages,) = connection.execute("PRAGMA page_count").fetchone()

    def limit(dbapi_connection: Any, _record: object) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count={pages}")

    event.listen(engine, "connect", limit)
    engine.dispose()  # the pooled connections had no limit
    return limit


def test_a_full_database_is_503_on_cast_and_the_chain_is_intact(
    sqlite_site: Site, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert sqlite_site.cast(sqlite_site.ballot("An"))[0] == 200
    ballot = sqlite_site.ballot("Bram")
    before = sqlite_site.board()
    engine = sqlite_site.app.extensions["evoting"].engine
    limit = limit_growth(engine, tmp_path / "web.sqlite3")
    try:
        with caplog.at_level(logging.WARNING, logger="web.unavailable"):
            message = assert_unavailable(*sqlite_site.cast(ballot))
        assert "full" in message
    finally:
        event.remove(engine, "connect", limit)
        engine.dispose()
    logged = [r.getMessage() for r in caplog.records if r.name == "web.unavailable"]
    assert logged == ["database unavailable: full"]  # the kind only: no SQL, no ballot
    assert sqlite_site.board() == before
    assert sqlite_site.cast(ballot)[1]["position"] == 2
    assert sqlite_site.board()[:2] == (2, 2)


def test_a_database_locked_past_the_busy_timeout_is_503(sqlite_site: Site, tmp_path: Path) -> None:
    ballot = sqlite_site.ballot("An")
    engine = sqlite_site.app.extensions["evoting"].engine

    def short_wait(dbapi_connection: Any, _record: object) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout=100")

    event.listen(engine, "connect", short_wait)  # after make_engine's 30 s
    engine.dispose()
    holder = sqlite3.connect(tmp_path / "web.sqlite3", isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        message = assert_unavailable(*sqlite_site.cast(ballot))
        assert "too busy" in message
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        event.remove(engine, "connect", short_wait)
        engine.dispose()
    assert sqlite_site.cast(ballot)[0] == 200


# --- which errors are an outage ----------------------------------------------------------


def wrapped(error: Exception, kind: type[DBAPIError] = OperationalError) -> DBAPIError:
    """As SQLAlchemy raises it: the statement and its parameters, the driver's error."""
    return kind("SELECT secret FROM t WHERE x = ?", ("ballot",), error)


def test_outages_are_told_apart_from_bugs() -> None:
    kind = unavailable.unavailable_kind
    assert kind(wrapped(sqlite3.OperationalError("database is locked"))) == "busy"
    assert kind(wrapped(sqlite3.OperationalError("attempt to write a readonly database"))) == (
        "read_only"
    )
    assert kind(wrapped(sqlite3.OperationalError("database or disk is full"))) == "full"
    assert kind(wrapped(sqlite3.OperationalError("disk I/O error"))) == "disk_io"
    assert kind(sqlite3.OperationalError("database is locked")) == "busy"  # not wrapped
    assert kind(PoolTimeout("QueuePool limit of size 1 overflow 0 reached")) == "pool_timeout"
    # bugs, not outages: the usual 500
    assert kind(wrapped(sqlite3.OperationalError("no such table: board_heads"))) is None
    assert kind(wrapped(sqlite3.OperationalError('near "SELEC": syntax error'))) is None
    assert kind(wrapped(sqlite3.IntegrityError("UNIQUE constraint failed"), IntegrityError)) is None
    assert kind(ValueError("database is locked")) is None


def test_postgresql_errors_are_told_apart_by_sqlstate() -> None:
    import psycopg.errors

    kind = unavailable.unavailable_kind
    assert kind(wrapped(psycopg.OperationalError("connection refused"))) == "connection"
    assert kind(wrapped(psycopg.errors.AdminShutdown())) == "connection"
    assert kind(wrapped(psycopg.errors.DiskFull())) == "full"
    assert kind(wrapped(psycopg.errors.ReadOnlySqlTransaction())) == "read_only"
    assert kind(wrapped(psycopg.errors.SerializationFailure())) == "busy"
    assert kind(wrapped(psycopg.errors.UniqueViolation(), IntegrityError)) is None


def test_any_other_error_still_goes_to_the_500_page(
    sqlite_site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise wrapped(sqlite3.OperationalError("no such table: board_heads"))

    monkeypatch.setattr("web.api.cast", broken)
    with pytest.raises(OperationalError):  # TESTING propagates what no handler took
        sqlite_site.cast(b"{}")
    sqlite_site.app.config.update(TESTING=False, PROPAGATE_EXCEPTIONS=False)
    answer = sqlite_site.app.test_client().post(f"{API}/cast", data=b"{}")
    assert answer.status_code == 500
    assert "no such table" not in answer.get_data(as_text=True)
