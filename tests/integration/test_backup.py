"""`evote db backup` and `evote db restore`, on SQLite and PostgreSQL: a backup taken
mid-election restores into a fresh database and over the live one with the board's
chain intact at the count it had, and the vote goes on from there."""

from __future__ import annotations

import dataclasses
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import inspect, update

from ballots.ballot import encrypt_ballot
from ballots.board import by_short_code, check_chain, head, short_code
from ballots.cast import Receipt, cast
from cli.main import evote
from evoting import backup, db, schema
from evoting.deployment import DeploymentKeys
from evoting.elections import check_deployment_secret
from tests.integration.conftest import NOW, Setup, obtain_credential
from tests.support.postgres import PostgresServer

YES = {"car-free-sunday": "yes"}


def _evote_db(url: str, instance: Path, *args: str | Path) -> Result:
    return CliRunner().invoke(evote, ["--db", url, "--instance", str(instance), "db",
                                      *map(str, args)])  # fmt: skip


def _cast(s: Setup, name: str) -> Receipt:
    ballot, _ = encrypt_ballot(s.manifest, s.public_key, obtain_credential(s, name), YES)
    return cast(s.factory, s.keys, s.election_id, ballot.canonical(), NOW)


def _on(s: Setup, url: str) -> Setup:
    """The same election, read from (and cast into) the database at ``url``."""
    engine = db.make_engine(url)
    return dataclasses.replace(s, engine=engine, factory=db.session_factory(engine))


def _board(s: Setup) -> tuple[int, bool, int]:
    """(entries, chain intact, head position)."""
    with s.factory() as session:
        checked = check_chain(session, s.election_id, s.manifest.fingerprint)
        position = head(session, s.election_id)[0]
    return checked.entries, checked.intact, position


@pytest.fixture
def fresh_url(db_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Another, empty database on the same back end (no schema: the restore makes it)."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    else:
        server: PostgresServer = request.getfixturevalue("postgres_server")
        with server.database() as url:
            yield url


@pytest.fixture
def instance(setup: Setup, tmp_path: Path) -> Path:
    """The deployment secret, saved where `evote --instance` reads it, and its check
    recorded in the database (as the first command with it does)."""
    directory = tmp_path / "instance"
    setup.keys.save(directory)
    with setup.factory() as session, session.begin():
        check_deployment_secret(session, setup.keys)
    return directory


def test_a_backup_mid_election_restores_with_the_board_intact_and_the_vote_goes_on(
    setup: Setup, db_url: str, fresh_url: str, instance: Path, tmp_path: Path
) -> None:
    for name in ("An", "Bram", "Chantal"):
        _cast(setup, name)
    path = tmp_path / "mid-vote.backup"
    made = _evote_db(db_url, instance, "backup", path)
    assert made.exit_code == 0, made.output
    assert f"(schema revision {db.head_revision()}) into {path}" in made.output
    assert "the deployment secret (instance/secret.key" in made.output
    assert "back it up separately" in made.output
    assert path.stat().st_mode & 0o077 == 0  # the sealed keys are in it: mode 0600
    assert backup.file_kind(path) == backend_of(db_url)
    for name in ("Dries", "Finn"):
        _cast(setup, name)
    assert _board(setup) == (5, True, 5)

    restored = _evote_db(fresh_url, instance, "restore", path)
    assert restored.exit_code == 0, restored.output
    assert f"schema revision {db.head_revision()} (current)" in restored.output
    assert "election kortrijk-2019: 3 board entries, chain intact" in restored.output
    assert "deployment secret: the one found matches this database" in restored.output
    fresh = _on(setup, fresh_url)
    try:
        assert _board(fresh) == (3, True, 3)
        receipt = _cast(fresh, "Ilse")  # the vote goes on from the restored head
        assert receipt.position == 4
        assert _board(fresh) == (4, True, 4)
    finally:
        fresh.engine.dispose()

    refused = _evote_db(db_url, instance, "restore", path)
    assert refused.exit_code == 1
    assert "--replace" in refused.output
    setup.engine.dispose()  # the server is stopped for a restore
    replaced = _evote_db(db_url, instance, "restore", path, "--replace")
    assert replaced.exit_code == 0, replaced.output
    assert "election kortrijk-2019: 3 board entries, chain intact" in replaced.output
    live = _on(setup, db_url)
    try:
        assert _board(live) == (3, True, 3)
        receipt = _cast(live, "Jonas")
        assert receipt.position == 4
        assert _board(live) == (4, True, 4)
        with live.factory() as session:
            found = by_short_code(session, live.election_id, short_code(receipt.tracking_code))
        assert found is not None
        assert found.position == 4
    finally:
        live.engine.dispose()


def backend_of(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def test_a_backup_while_a_transaction_is_open_holds_what_was_committed(
    setup: Setup, db_url: str, fresh_url: str, instance: Path, tmp_path: Path
) -> None:
    _cast(setup, "An")
    path = tmp_path / "busy.backup"
    with setup.engine.connect() as connection:  # a cast half-way: the write lock held
        transaction = connection.begin()
        connection.execute(update(schema.board_heads).values(position=99))
        made = _evote_db(db_url, instance, "backup", path)
        transaction.rollback()
    assert made.exit_code == 0, made.output
    restored = _evote_db(fresh_url, instance, "restore", path)
    assert restored.exit_code == 0, restored.output
    assert "election kortrijk-2019: 1 board entries, chain intact" in restored.output


def test_a_broken_chain_is_reported_and_fails_the_restore(
    setup: Setup, db_url: str, fresh_url: str, instance: Path, tmp_path: Path
) -> None:
    for name in ("An", "Bram"):
        _cast(setup, name)
    with setup.factory() as session, session.begin():
        session.execute(update(schema.board_entries)
                        .where(schema.board_entries.c.position == 2)
                        .values(previous_hash="0" * 64))  # fmt: skip
    path = tmp_path / "broken.backup"
    assert _evote_db(db_url, instance, "backup", path).exit_code == 0
    restored = _evote_db(fresh_url, instance, "restore", path)
    assert restored.exit_code == 1
    assert ("election kortrijk-2019: 2 board entries, chain BROKEN: entry 2 does not chain "
            "to the entry before it") in restored.output  # fmt: skip
    assert "the board chain is broken in: kortrijk-2019" in restored.output


def test_a_backup_of_an_older_revision_restores_and_then_upgrades(
    setup: Setup, db_url: str, fresh_url: str, instance: Path, tmp_path: Path
) -> None:
    receipt = _cast(setup, "An")
    db.downgrade(setup.engine, "0013")  # as the database was before board short codes
    path = tmp_path / "old.backup"
    assert _evote_db(db_url, instance, "backup", path).exit_code == 0
    restored = _evote_db(fresh_url, instance, "restore", path)
    assert restored.exit_code == 0, restored.output
    assert (f"schema revision 0013: run `evote db upgrade` to migrate it to "
            f"{db.head_revision()}") in restored.output  # fmt: skip
    assert "election kortrijk-2019: 1 board entries, chain intact" in restored.output
    upgraded = _evote_db(fresh_url, instance, "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    fresh = _on(setup, fresh_url)
    try:
        with fresh.factory() as session:  # the migration filled in the short codes
            found = by_short_code(session, fresh.election_id, short_code(receipt.tracking_code))
        assert found is not None
        assert found.tracking_code == receipt.tracking_code
        assert _cast(fresh, "Bram").position == 2
        assert _board(fresh) == (2, True, 2)
    finally:
        fresh.engine.dispose()


def _sqlite_file(path: Path) -> Path:
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE t (x)")
    return path


def _fake_dump(path: Path) -> Path:
    """The header of a custom-format pg_dump archive, and nothing else."""
    path.write_bytes(b"PGDMP\x01\x0e\x00\x04\x08\x01" + b"\x00" * 64)
    return path


def test_a_backup_of_the_other_kind_or_none_is_refused(
    setup: Setup, db_url: str, instance: Path, tmp_path: Path
) -> None:
    if backend_of(db_url) == "sqlite":
        other, wanted = _fake_dump(tmp_path / "pg.dump"), "is a PostgreSQL backup"
    else:
        other, wanted = _sqlite_file(tmp_path / "lite.sqlite3"), "is a SQLite backup"
    refused = _evote_db(db_url, instance, "restore", other, "--replace")
    assert refused.exit_code == 1
    assert wanted in refused.output
    plain = tmp_path / "dump.sql"
    plain.write_text("--\n-- PostgreSQL database dump\n--\n")
    refused = _evote_db(db_url, instance, "restore", plain, "--replace")
    assert refused.exit_code == 1
    assert "is not a backup made by `evote db backup`" in refused.output
    tar = tmp_path / "dump.dir"
    tar.write_bytes(b"PGDMP\x01\x0e\x00\x04\x08\x05")  # a directory-format archive's toc.dat
    refused = _evote_db(db_url, instance, "restore", tar, "--replace")
    assert refused.exit_code == 1
    assert "in another format than custom" in refused.output
    with setup.factory() as session:
        assert head(session, setup.election_id)[0] == 0  # untouched


def test_a_backup_never_overwrites_a_file(db_url: str, setup: Setup, instance: Path,
                                          tmp_path: Path) -> None:  # fmt: skip
    path = tmp_path / "there.backup"
    path.write_text("keep me")
    refused = _evote_db(db_url, instance, "backup", path)
    assert refused.exit_code == 1
    assert "exists: give a new file name" in refused.output
    assert path.read_text() == "keep me"


def _wreck_the_board(path: Path, tracking_code: str) -> str:
    """Overwrite the board table's root page header in a SQLite file: its magic stays."""
    with sqlite3.connect(path) as connection:
        root = connection.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'board_entries'"
        ).fetchone()[0]
        size = connection.execute("PRAGMA page_size").fetchone()[0]
    connection.close()
    with path.open("r+b") as f:
        f.seek((root - 1) * size)
        f.write(b"\xff" * 12)
    return "is damaged, so it is not restored: database disk image is malformed"


def _change_a_code(path: Path, tracking_code: str) -> str:
    """Change one digit of a tracking code where it is first stored (the table or its
    index, not both): every page still reads, but the index no longer fits the table."""
    data = bytearray(path.read_bytes())
    at = data.index(tracking_code.encode())
    data[at] = ord("0") if data[at] != ord("0") else ord("1")
    path.write_bytes(bytes(data))
    return "fails SQLite's integrity check, so it is not restored"


@pytest.mark.parametrize("damage", [_wreck_the_board, _change_a_code])
def test_a_damaged_sqlite_backup_is_refused_by_the_integrity_check(
    setup: Setup, db_url: str, fresh_url: str, instance: Path, tmp_path: Path,
    damage: Callable[[Path, str], str],
) -> None:  # fmt: skip
    if backend_of(db_url) != "sqlite":
        pytest.skip("SQLite's integrity check")
    receipt = _cast(setup, "An")
    path = tmp_path / "damaged.backup"
    assert _evote_db(db_url, instance, "backup", path).exit_code == 0
    message = damage(path, receipt.tracking_code)
    refused = _evote_db(fresh_url, instance, "restore", path)
    assert refused.exit_code == 1
    assert message in refused.output
    assert not Path(fresh_url.removeprefix("sqlite:///")).exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]
    setup.engine.dispose()
    refused = _evote_db(db_url, instance, "restore", path, "--replace")
    assert refused.exit_code == 1
    with setup.factory() as session:
        assert head(session, setup.election_id)[0] == 1  # the live database is untouched


def _backup_between_two_casts(setup: Setup, db_url: str, instance: Path, tmp_path: Path) -> Path:
    """A backup holding An's ballot, taken before Bram's was cast."""
    _cast(setup, "An")
    path = tmp_path / "whole.backup"
    assert _evote_db(db_url, instance, "backup", path).exit_code == 0
    _cast(setup, "Bram")
    return path


def test_a_damaged_dump_leaves_the_database_as_it_was(
    setup: Setup, db_url: str, instance: Path, tmp_path: Path
) -> None:
    if backend_of(db_url) != "postgresql":
        pytest.skip("pg_restore --single-transaction")
    path = _backup_between_two_casts(setup, db_url, instance, tmp_path)
    data = bytearray(path.read_bytes())
    cut = tmp_path / "cut.backup"
    cut.write_bytes(data[: len(data) * 2 // 3])
    damaged = tmp_path / "damaged.backup"
    last_block = data.rindex(b"\x78\x9c")  # the last table's data, compressed (zlib)
    data[last_block + 2 : last_block + 10] = b"\xff" * 8
    damaged.write_bytes(bytes(data))
    setup.engine.dispose()
    refused = _evote_db(db_url, instance, "restore", cut, "--replace")
    assert refused.exit_code == 1
    assert "cannot be read as a dump: pg_restore failed" in refused.output
    refused = _evote_db(db_url, instance, "restore", damaged, "--replace")
    assert refused.exit_code == 1
    assert "Error: pg_restore failed" in refused.output  # its contents read, its data not
    assert _board(setup) == (2, True, 2)  # one transaction: nothing of it was kept


def test_a_postgresql_restore_over_a_database_in_use_is_refused(
    setup: Setup, db_url: str, instance: Path, tmp_path: Path
) -> None:
    if backend_of(db_url) != "postgresql":
        pytest.skip("sessions of a PostgreSQL server")
    path = _backup_between_two_casts(setup, db_url, instance, tmp_path)
    with setup.engine.connect():  # a server still running: a pooled connection, idle
        refused = _evote_db(db_url, instance, "restore", path, "--replace")
    assert refused.exit_code == 1
    assert "1 other session is connected" in refused.output
    assert "stop the server" in refused.output
    assert _board(setup) == (2, True, 2)
    setup.engine.dispose()
    restored = _evote_db(db_url, instance, "restore", path, "--replace")
    assert restored.exit_code == 0, restored.output
    assert _board(setup) == (1, True, 1)


def test_a_sqlite_restore_refuses_a_non_empty_file_without_replace(
    tmp_path: Path, setup: Setup, db_url: str, instance: Path
) -> None:
    if backend_of(db_url) != "sqlite":
        pytest.skip("a SQLite file")
    path = tmp_path / "a.backup"
    assert _evote_db(db_url, instance, "backup", path).exit_code == 0
    target = _sqlite_file(tmp_path / "other.sqlite3")
    refused = _evote_db(f"sqlite:///{target}", instance, "restore", path)
    assert refused.exit_code == 1
    assert "exists and is not empty: give --replace" in refused.output
    with sqlite3.connect(target) as connection:
        assert connection.execute("SELECT name FROM sqlite_master").fetchall() == [("t",)]
    connection.close()


def test_a_postgresql_restore_needs_a_client_as_new_as_the_server(
    setup: Setup, db_url: str, instance: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if backend_of(db_url) != "postgresql":
        pytest.skip("pg_dump")
    monkeypatch.setattr(backup, "_server_major", lambda engine: 99)
    refused = _evote_db(db_url, instance, "backup", tmp_path / "x.backup")
    assert refused.exit_code == 1
    assert "the server runs PostgreSQL 99, but the newest pg_dump found is" in refused.output
    monkeypatch.setenv(backup.BINDIR_ENVIRONMENT_VARIABLE, str(tmp_path / "nowhere"))
    refused = _evote_db(db_url, instance, "backup", tmp_path / "x.backup")
    assert refused.exit_code == 1
    assert "pg_dump not found in" in refused.output
    assert not (tmp_path / "x.backup").exists()


def test_the_libpq_url_keeps_the_password_off_the_command_line() -> None:
    url, password = backup.libpq_url(
        "postgresql+psycopg://vote%40r:s3cr%2Ft@db.example:6543/evoting?sslmode=require"
    )
    assert url == "postgresql://vote%40r@db.example:6543/evoting?sslmode=require"
    assert password == "s3cr/t"
    assert backup.libpq_url("postgresql+psycopg://u@[::1]/d") == ("postgresql://u@[::1]/d", None)


def test_upgrade_still_works_from_its_own_module(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    answer = _evote_db(url, tmp_path / "instance", "upgrade")
    assert answer.exit_code == 0, answer.output
    assert answer.output == f"schema at revision {db.head_revision()}\n"


def test_a_restore_says_whether_the_deployment_secret_fits(
    setup: Setup, db_url: str, fresh_url: str, instance: Path, tmp_path: Path
) -> None:
    path = tmp_path / "a.backup"
    assert _evote_db(db_url, instance, "backup", path).exit_code == 0
    other = tmp_path / "other-instance"
    DeploymentKeys.generate().save(other)
    restored = _evote_db(fresh_url, other, "restore", path)
    assert restored.exit_code == 0, restored.output
    assert "deployment secret: the deployment secret does not match this database" in (
        restored.output)  # fmt: skip
    missing = _evote_db(fresh_url, tmp_path / "no-instance", "restore", path, "--replace")
    assert "deployment secret: none usable here" in missing.output
    assert "from its own backup" in missing.output


def test_the_password_goes_to_pg_dump_by_its_environment(
    setup: Setup, db_url: str, instance: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if backend_of(db_url) != "postgresql":
        pytest.skip("pg_dump")
    calls: list[tuple[list[str], dict[str, str]]] = []
    real = subprocess.run

    def watched(args: list[str], **kwargs: Any) -> Any:
        calls.append((args, kwargs.get("env") or {}))
        return real(args, **kwargs)

    monkeypatch.setattr("evoting.backup.subprocess.run", watched)
    with_password = db_url.replace("evoting@", "evoting:s3cr%40t@")  # trust: not checked
    made = _evote_db(with_password, instance, "backup", tmp_path / "p.backup")
    assert made.exit_code == 0, made.output
    assert "s3cr" not in made.output
    dumps = [(args, env) for args, env in calls if "--format=custom" in args]
    assert len(dumps) == 1
    args, env = dumps[0]
    assert not any("s3cr" in a for a in args), args
    assert env["PGPASSWORD"] == "s3cr@t"


def test_replacing_a_newer_schema_drops_the_tables_the_backup_lacks(
    setup: Setup, db_url: str, fresh_url: str, instance: Path, tmp_path: Path
) -> None:
    if backend_of(db_url) != "postgresql":
        pytest.skip("pg_restore --clean leaves tables that the dump lacks")
    _cast(setup, "An")
    path = tmp_path / "a.backup"
    assert _evote_db(db_url, instance, "backup", path).exit_code == 0
    engine = db.make_engine(fresh_url)
    try:
        db.upgrade(engine)
        with engine.begin() as connection:  # what a later migration might have added
            connection.exec_driver_sql("CREATE TABLE from_the_future (x integer)")
            connection.exec_driver_sql("INSERT INTO from_the_future VALUES (1)")
        refused = _evote_db(fresh_url, instance, "restore", path)
        assert refused.exit_code == 1
        assert "holds data already (from_the_future)" in refused.output
        engine.dispose()  # no session left open on it
        replaced = _evote_db(fresh_url, instance, "restore", path, "--replace")
        assert replaced.exit_code == 0, replaced.output
        assert "1 board entries, chain intact" in replaced.output
        assert "from_the_future" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()
