"""Backups of the database, and restoring them (`evote db backup` and `evote db restore`).

* **PostgreSQL**: ``pg_dump --format=custom --no-owner --no-privileges``, restored by
  ``pg_restore --single-transaction --no-owner --no-privileges`` (all or nothing). The
  SQLAlchemy URL becomes a libpq URL without its password, which goes to the child
  in ``$PGPASSWORD``: never on a command line, where ``ps`` would show it. The
  client tools are the newest found (``$EVOTING_PG_BINDIR``, else ``PATH`` and
  ``/usr/lib/postgresql/*/bin``) whose major version is at least the server's.
* **SQLite**: the online backup API, a consistent copy while the server runs (WAL);
  the copy is a self-contained file (rollback journal). A restore writes a temporary
  file next to the database, checks it (``PRAGMA integrity_check``) and renames it
  into place: the server must be stopped.

A backup's kind is told by its first bytes (``PGDMP`` or ``SQLite format 3\\0``): a
SQLite backup is never restored into PostgreSQL, nor the reverse. Every backup file
is made with mode 0600 and renamed into place only once complete.

The deployment secret (``instance/secret.key`` or ``$EVOTING_SECRET_KEY``) is not in
the database, so in no backup: it must be backed up on its own, and kept apart.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import quote, urlencode

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, literal, select, table, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from evoting import db, schema
from evoting.deployment import DeploymentError, DeploymentKeys
from evoting.elections import check_deployment_secret

Kind = Literal["sqlite", "postgresql"]

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
PGDUMP_CUSTOM = 1  # the format byte of a custom-format archive (pg_backup_archiver.h)
BINDIR_ENVIRONMENT_VARIABLE = "EVOTING_PG_BINDIR"
NOT_IN_THE_BACKUP = (
    "the deployment secret (instance/secret.key or $EVOTING_SECRET_KEY) is not in the "
    "database: back it up separately and keep it apart from the database backups"
)
KIND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


class BackupError(Exception):
    """A backup or a restore that cannot be made, with what to do about it."""


# --- what a URL and a file are ----------------------------------------------------------


def backend(url: str) -> Kind:
    name = make_url(url).get_backend_name()
    if name == "sqlite":
        return "sqlite"
    if name == "postgresql":
        return "postgresql"
    raise BackupError(f"unsupported database {name!r}: use sqlite or postgresql")


def shown(url: str) -> str:
    """The URL as messages show it: without a password."""
    return make_url(url).render_as_string(hide_password=True)


def file_kind(path: Path) -> Kind:
    """What a backup file holds, by its first bytes; `BackupError` if it is neither kind."""
    try:
        with path.open("rb") as f:
            head = f.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise BackupError(f"cannot read {path}: {exc.strerror}") from exc
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        if len(head) <= 10 or head[10] != PGDUMP_CUSTOM:
            raise BackupError(
                f"{path} is a pg_dump archive in another format than custom: evote restores "
                "what `evote db backup` makes (pg_dump --format=custom)"
            )
        return "postgresql"
    raise BackupError(
        f"{path} is not a backup made by `evote db backup` (neither a PostgreSQL custom dump "
        "nor a SQLite database)"
    )


def libpq_url(url: str) -> tuple[str, str | None]:
    """(the libpq URL pg_dump and pg_restore connect with, the password apart).

    ``postgresql+psycopg://user:secret@host:5432/db?sslmode=require`` gives
    ``postgresql://user@host:5432/db?sslmode=require`` and ``secret``.
    """
    parsed = make_url(url)
    query = {k: v for k, v in parsed.query.items() if k != "password"}
    password = parsed.password
    if password is None and isinstance(parsed.query.get("password"), str):
        password = str(parsed.query["password"])
    netloc = ""
    if parsed.username:
        netloc = quote(parsed.username, safe="") + "@"
    if parsed.host:
        host = parsed.host
        netloc += f"[{host}]" if ":" in host else quote(host, safe="")
    if parsed.port:
        netloc += f":{parsed.port}"
    database = quote(parsed.database or "", safe="")
    rest = f"?{urlencode(query, doseq=True)}" if query else ""
    return f"postgresql://{netloc}/{database}{rest}", password


def _sqlite_file(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("use a SQLite file; an in-memory database has nothing to back up")
    return Path(database)


# --- files: complete or absent --------------------------------------------------------


@contextlib.contextmanager
def _partial(final: Path) -> Iterator[Path]:
    """A new file (mode 0600) next to ``final``, removed unless the block renamed it there."""
    try:
        fd, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".partial", dir=final.parent)
    except OSError as exc:
        raise BackupError(f"cannot write in {final.parent}: {exc.strerror}") from exc
    os.close(fd)
    temporary = Path(name)
    try:
        yield temporary
    finally:
        temporary.unlink(missing_ok=True)


def _sync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _put_in_place(temporary: Path, final: Path) -> None:
    """Sync, rename atomically, sync the directory: the name holds all of it or nothing."""
    _sync(temporary)
    os.replace(temporary, final)
    _sync(final.parent)


def _new_target(path: Path) -> None:
    if path.exists():
        raise BackupError(f"{path} exists: give a new file name (a backup never overwrites one)")
    if not path.parent.is_dir():
        raise BackupError(f"the directory {path.parent} does not exist")


# --- PostgreSQL's client tools ----------------------------------------------------------


@dataclass(frozen=True)
class Tool:
    path: Path
    major: int
    version: str  # as --version prints it, e.g. "15.18"

    def __str__(self) -> str:
        return f"{self.path.name} {self.version} ({self.path})"


def _candidates(name: str) -> list[Path]:
    chosen = os.environ.get(BINDIR_ENVIRONMENT_VARIABLE)
    if chosen:
        return [Path(chosen) / name]
    found: list[Path] = []
    on_path = shutil.which(name)
    if on_path:
        found.append(Path(on_path))
    server = shutil.which("pg_ctl")  # the server's own tools, as tests/support/postgres.py
    if server:
        found.append(Path(server).resolve().parent / name)
    found.extend(Path(p) for p in sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")))
    unique: dict[str, Path] = {}
    for path in found:
        unique.setdefault(str(path.resolve()), path)
    return list(unique.values())


def _tool_version(path: Path) -> Tool | None:
    try:
        answer = subprocess.run(  # noqa: S603 - a fixed argument list, no shell
            [str(path), "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r"\(PostgreSQL\) (\d+)(\.\d+)?", answer.stdout)
    if answer.returncode != 0 or found is None:
        return None
    return Tool(path, int(found.group(1)), found.group(1) + (found.group(2) or ""))


def find_tool(name: str, server_major: int) -> Tool:
    """The newest ``name`` (pg_dump, pg_restore) whose major version is ≥ the server's."""
    tools = [t for t in map(_tool_version, _candidates(name)) if t is not None]
    if not tools:
        where = os.environ.get(BINDIR_ENVIRONMENT_VARIABLE) or "PATH or /usr/lib/postgresql/*/bin"
        raise BackupError(
            f"{name} not found in {where}: install the PostgreSQL client tools "
            f"(Debian: apt-get install postgresql-client-{server_major}) or set "
            f"${BINDIR_ENVIRONMENT_VARIABLE}"
        )
    best = max(tools, key=lambda t: t.major)
    if best.major < server_major:
        raise BackupError(
            f"the server runs PostgreSQL {server_major}, but the newest {name} found is "
            f"{best}: a {name} older than the server cannot be used; install "
            f"postgresql-client-{server_major} (or newer) or set ${BINDIR_ENVIRONMENT_VARIABLE}"
        )
    return best


def _run(tool: Tool, arguments: Sequence[str], password: str | None) -> str:
    """Run a client tool; its stdout, or `BackupError` with the end of its stderr."""
    environment = dict(os.environ)
    if password is not None:
        environment["PGPASSWORD"] = password
    try:
        answer = subprocess.run(  # noqa: S603 - a fixed argument list, no shell
            [str(tool.path), *arguments], capture_output=True, text=True, env=environment,
            stdin=subprocess.DEVNULL, check=False,
        )  # fmt: skip
    except OSError as exc:
        raise BackupError(f"cannot run {tool}: {exc.strerror}") from exc
    if answer.returncode != 0:
        lines = [line for line in answer.stderr.splitlines() if line.strip()]
        detail = "\n".join(lines[-8:]) or f"exit status {answer.returncode}"
        raise BackupError(f"{tool.path.name} failed:\n{detail}")
    return answer.stdout


@contextlib.contextmanager
def _engine(url: str) -> Iterator[Engine]:
    engine = db.make_engine(url)
    try:
        yield engine
    except SQLAlchemyError as exc:
        message = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        raise BackupError(f"{shown(url)}: {message[0] if message else exc}") from exc
    finally:
        engine.dispose()


def _server_major(engine: Engine) -> int:
    with engine.connect() as connection:
        number = int(connection.exec_driver_sql("SHOW server_version_num").scalar_one())
    return number // 10000


# --- backups --------------------------------------------------------------------------


@dataclass(frozen=True)
class Done:
    """What a backup or restore did, for the command to print."""

    path: Path
    kind: Kind
    size: int
    revision: str | None  # the schema revision of what was backed up or restored
    how: str  # "pg_dump 15.18 (/usr/…)", "the SQLite online backup API"


def backup(url: str, path: Path) -> Done:
    """Back the database at ``url`` up into the new file ``path``."""
    _new_target(path)
    kind = backend(url)
    if kind == "postgresql":
        return _pg_backup(url, path)
    return _sqlite_backup(url, path)


def _pg_backup(url: str, path: Path) -> Done:
    with _engine(url) as engine:
        major = _server_major(engine)
        revision = db.current_revision(engine)
    if revision is None:
        raise BackupError(f"{shown(url)} has no evote schema: nothing to back up")
    tool = find_tool("pg_dump", major)
    connection, password = libpq_url(url)
    with _partial(path) as temporary:
        _run(tool, ["--format=custom", "--no-owner", "--no-privileges", f"--file={temporary}",
                    f"--dbname={connection}"], password)  # fmt: skip
        if file_kind(temporary) != "postgresql":
            raise BackupError(f"{tool} did not write a custom-format dump")
        _put_in_place(temporary, path)
    return Done(path, "postgresql", path.stat().st_size, revision, str(tool))


def _sqlite_revision(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:  # no such table
        return None
    return None if row is None else str(row[0])


def _sqlite_backup(url: str, path: Path) -> Done:
    source = _sqlite_file(url)
    if not source.is_file():
        raise BackupError(f"no database at {source}")
    if file_kind(source) != "sqlite":
        raise BackupError(f"{source} is not a SQLite database")
    with _partial(path) as temporary:
        try:
            origin = sqlite3.connect(source, timeout=30)
            try:
                copy = sqlite3.connect(temporary)
                try:
                    origin.backup(copy)  # one step: a consistent snapshot, writers go on (WAL)
                    copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
                    revision = _sqlite_revision(copy)
                finally:
                    copy.close()
            finally:
                origin.close()
        except sqlite3.Error as exc:
            raise BackupError(f"{source}: {exc}") from exc
        if revision is None:
            raise BackupError(f"{source} has no evote schema: nothing to back up")
        _put_in_place(temporary, path)
    return Done(path, "sqlite", path.stat().st_size, revision, "the SQLite online backup API")


# --- restores -------------------------------------------------------------------------


def restore(url: str, path: Path, *, replace: bool = False) -> Done:
    """Restore the backup ``path`` into the database at ``url``.

    Refused if the target holds data already, unless ``replace``; refused if the
    backup is of the other kind of database than the target.
    """
    kind, target = file_kind(path), backend(url)
    if kind != target:
        raise BackupError(
            f"{path} is a {KIND_NAMES[kind]} backup, but the database is {KIND_NAMES[target]} "
            f"({shown(url)}): restore it into a {KIND_NAMES[kind]} database"
        )
    if kind == "postgresql":
        return _pg_restore(url, path, replace)
    return _sqlite_restore(url, path, replace)


TOC_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE (\S+) (\S+) ", re.MULTILINE)


def _tables_with_data(engine: Engine, tables: list[str]) -> list[str]:
    """The tables (but Alembic's) that hold at least one row."""
    with engine.connect() as connection:
        return [name for name in tables if name != "alembic_version" and connection.execute(
            select(literal(1)).select_from(table(name)).limit(1)).first() is not None]  # fmt: skip


def _other_sessions(engine: Engine) -> int:
    """Connections to this database other than ours: a server still running (its pooled
    connections hold no lock, so the restore would not wait for them) would go on
    casting into, and caching, the database being replaced under it."""
    with engine.connect() as connection:
        return int(connection.execute(text(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend'"
        )).scalar_one())  # fmt: skip


def _pg_restore(url: str, path: Path, replace: bool) -> Done:
    with _engine(url) as engine:
        major = _server_major(engine)
        inspector = inspect(engine)
        schema_name = inspector.default_schema_name
        tables = inspector.get_table_names()
        with_data = _tables_with_data(engine, tables)
        others = _other_sessions(engine)
    tool = find_tool("pg_restore", major)
    connection, password = libpq_url(url)
    try:
        contents = _run(tool, ["--list", str(path)], password=None)
    except BackupError as exc:
        raise BackupError(f"{path} cannot be read as a dump: {exc}") from exc
    dumped = {name for where, name in TOC_TABLE.findall(contents) if where == schema_name}
    if "alembic_version" not in dumped:
        raise BackupError(f"{path} is a dump, but not of an evote database (no schema revision)")
    if with_data and not replace:
        raise BackupError(
            f"{shown(url)} holds data already ({', '.join(with_data[:5])}"
            f"{', …' if len(with_data) > 5 else ''}): restore into an empty database, or give "
            "--replace to replace everything in it by the backup"
        )
    if others and tables:
        raise BackupError(
            f"{others} other session{'s are' if others > 1 else ' is'} connected to "
            f"{shown(url)}: stop the server (evote serve) and close any other client before "
            "restoring over this database"
        )
    extra = sorted(set(tables) - dumped)
    if extra:
        # Tables of a newer schema revision than the backup's, which --clean would leave
        # behind for `evote db upgrade` to trip over. Dropped first, in a transaction of
        # their own: only what is being replaced anyway (the target holds no data, or
        # --replace was given).
        with _engine(url) as engine, engine.begin() as conn:
            quote_name = engine.dialect.identifier_preparer.quote
            for name in extra:
                conn.execute(text(f"DROP TABLE IF EXISTS {quote_name(name)} CASCADE"))
    clean = ["--clean", "--if-exists"] if tables else []
    try:
        _run(tool, ["--single-transaction", "--no-owner", "--no-privileges", *clean,
                    f"--dbname={connection}", str(path)], password)  # fmt: skip
    except BackupError as exc:
        dropped = f" (but the newer schema's {', '.join(extra)} were dropped)" if extra else ""
        raise BackupError(f"{exc}\nnothing was restored{dropped}: the restore is one "
                          "transaction, rolled back on the first error") from exc  # fmt: skip
    with _engine(url) as engine:
        revision = db.current_revision(engine)
    return Done(path, "postgresql", path.stat().st_size, revision, str(tool))


def _check_sqlite_copy(copy: Path, path: Path) -> str:
    """The backup's schema revision once SQLite finds it whole; `BackupError` otherwise."""
    try:
        connection = sqlite3.connect(copy)
        try:
            problems = [str(row[0]) for row in connection.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise BackupError(
                    f"{path} fails SQLite's integrity check, so it is not restored: "
                    + "; ".join(problems[:5])
                )
            revision = _sqlite_revision(connection)
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is damaged, so it is not restored: {exc}") from exc
    if revision is None:
        raise BackupError(f"{path} is a SQLite database, but not an evote one (no schema revision)")
    return revision


def _retire_wal(target: Path) -> None:
    """Fold the old database's write-ahead log into it and remove it, so that no stale log
    is ever applied to the restored file. A log still in use means a server runs."""
    busy = None
    if target.exists():
        try:
            connection = sqlite3.connect(target, timeout=5)
            try:
                busy = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            finally:
                connection.close()
        except sqlite3.DatabaseError:
            pass  # not a database: there is nothing to fold in
    if busy is not None and busy[0]:
        raise BackupError(f"{target} is in use: stop the server before restoring")
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)


def _sqlite_restore(url: str, path: Path, replace: bool) -> Done:
    target = _sqlite_file(url)
    if not target.parent.is_dir():
        raise BackupError(f"the directory {target.parent} does not exist")
    if target.exists() and target.stat().st_size > 0 and not replace:
        raise BackupError(
            f"{target} exists and is not empty: give --replace to replace it by the backup "
            "(with the server stopped), or restore into a new file"
        )
    with _partial(target) as temporary:
        shutil.copyfile(path, temporary)
        revision = _check_sqlite_copy(temporary, path)
        _retire_wal(target)
        _put_in_place(temporary, target)
    return Done(path, "sqlite", path.stat().st_size, revision, "a checked copy of the file")


# --- after a restore ------------------------------------------------------------------


def schema_note(revision: str | None) -> str:
    """The restored schema's revision against this code's."""
    head = db.head_revision()
    if revision == head:
        return f"schema revision {revision} (current)"
    if revision is None:
        return "no schema revision: this is not an evote database"
    scripts = ScriptDirectory.from_config(db.alembic_config())
    known = {script.revision for script in scripts.walk_revisions()}
    if revision not in known:
        return (f"schema revision {revision}, which this version of evote does not know "
                f"(its newest is {head}): run a version of evote that does")  # fmt: skip
    return f"schema revision {revision}: run `evote db upgrade` to migrate it to {head}"


def elections(engine: Engine) -> list[tuple[str, bytes]]:
    """Every election's id and fingerprint, by id (columns every revision has)."""
    e = schema.elections
    with engine.connect() as connection:
        rows = connection.execute(select(e.c.id, e.c.fingerprint).order_by(e.c.id)).all()
    return [(row.id, bytes.fromhex(row.fingerprint)) for row in rows]


def secret_note(engine: Engine, instance: Path | None) -> str:
    """Whether the deployment secret this command would use fits the restored database
    (read only: the check runs in a transaction that is rolled back)."""
    d = schema.deployment
    with db.session_factory(engine)() as session:
        try:
            recorded = session.execute(
                select(d.c.value).where(d.c.name == "key_check")
            ).scalar_one_or_none()
        except SQLAlchemyError:
            return "deployment secret: not checked (run `evote db upgrade` first)"
        if recorded is None:
            return "deployment secret: this database records none yet"
        try:
            keys = DeploymentKeys.load(instance)
        except DeploymentError as exc:
            return (
                f"deployment secret: none usable here ({exc}). Restore the one this "
                "database was made with from its own backup: a new one would not match"
            )
        try:
            check_deployment_secret(session, keys)
        except DeploymentError as exc:
            return f"deployment secret: {exc}"
        finally:
            session.rollback()
    return "deployment secret: the one found matches this database"
