"""A throwaway PostgreSQL server for the test session.

`initdb` into a temporary directory, `pg_ctl start` on a free loopback port,
removed afterwards. As root (CI), the server runs as the `postgres` system user,
because PostgreSQL refuses to run as root. Missing binaries are an error, not a
skip: `./dev test` installs Debian's postgresql package first.

`restartable_server` gives a server of one's own that a test may stop (``pg_ctl -m
fast``) and start again on the same port with the same data: for tests of the
database going away. Never stop the session-wide server (tests/conftest.py's
`postgres_server`, from `running_server`, which has no `stop`).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from cli.local_servers import free_port


def _binary_dir() -> Path:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: int(Path(p).parts[-3]),
    )
    if not candidates:
        raise RuntimeError(
            "PostgreSQL server binaries (initdb, pg_ctl) not found: install Debian's "
            "'postgresql' package (./dev test does this as root)"
        )
    return Path(candidates[-1]).parent


@dataclass(frozen=True)
class PostgresServer:
    port: int
    user: str = "evoting"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    @contextmanager
    def database(self) -> Iterator[str]:
        """A fresh, empty database for one test; dropped afterwards."""
        name = f"t_{uuid.uuid4().hex[:16]}"
        admin = f"host=127.0.0.1 port={self.port} user={self.user} dbname=postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            yield self.url(name)
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass(frozen=True)
class _Control:
    """How to run ``pg_ctl`` on one server: its binaries, data, log and options."""

    bindir: Path
    root: Path
    port: int
    options: str
    uid: int | None
    gid: int | None

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "server.log"

    def run(self, *args: str | Path, check: bool = True) -> None:
        subprocess.run([str(a) for a in args], check=check, capture_output=True, cwd=self.root,
                       user=self.uid, group=self.gid)  # fmt: skip

    def start(self) -> None:
        try:
            self.run(self.bindir / "pg_ctl", "-D", self.data, "-l", self.log, "-o", self.options,
                     "-w", "-t", "60", "start")  # fmt: skip
        except subprocess.CalledProcessError as exc:
            detail = exc.stderr.decode(errors="replace")
            if self.log.exists():
                detail += self.log.read_text(errors="replace")
            raise RuntimeError(f"could not start PostgreSQL: {detail}") from exc

    def stop(self, mode: str, *, check: bool = True) -> None:
        self.run(self.bindir / "pg_ctl", "-D", self.data, "-m", mode, "-w", "stop", check=check)


@dataclass(frozen=True)
class RestartableServer(PostgresServer):
    """A server of one test module's own, which it may stop and start again."""

    control: _Control | None = field(default=None, repr=False, compare=False)

    def _control(self) -> _Control:
        if self.control is None:
            raise RuntimeError("this server was not started by restartable_server()")
        return self.control

    def stop(self) -> None:
        """Stop now (``-m fast``: open sessions are rolled back and cut off); data kept."""
        self._control().stop("fast")

    def start(self) -> None:
        """Start again on the same port with the same data; returns once it accepts."""
        self._control().start()


@contextmanager
def _launched(durable: bool = False) -> Iterator[_Control]:
    """initdb and start a server in a fresh directory; stopped and removed afterwards.

    Tests run without fsync (nothing here must survive a power cut); ``durable`` keeps
    PostgreSQL's defaults (fsync, synchronous commit), as the load figures need."""
    bindir = _binary_dir()
    root = Path(tempfile.mkdtemp(prefix="evoting-pg-"))
    sockets = root / "sock"
    uid = gid = None
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam("postgres")
        except KeyError as exc:
            shutil.rmtree(root, ignore_errors=True)
            raise RuntimeError("running as root needs the 'postgres' system user") from exc
        uid, gid = account.pw_uid, account.pw_gid
    sockets.mkdir()
    if uid is not None and gid is not None:
        os.chown(root, uid, gid)
        os.chown(sockets, uid, gid)
    port = free_port()
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c max_connections=200"
    if not durable:
        options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    control = _Control(bindir, root, port, options, uid, gid)
    try:
        control.run(bindir / "initdb", "-D", control.data, "-U", PostgresServer.user, "-A",
                    "trust", "-E", "UTF8", "--no-locale", "--no-sync")  # fmt: skip
        control.start()
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"initdb failed: {exc.stderr.decode(errors='replace')}") from exc
    except RuntimeError:
        shutil.rmtree(root, ignore_errors=True)
        raise
    try:
        yield control
    finally:
        control.stop("immediate", check=False)
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def running_server(durable: bool = False) -> Iterator[PostgresServer]:
    """The session's server (tests/conftest.py `postgres_server`): never stopped by a test."""
    with _launched(durable) as control:
        yield PostgresServer(control.port)


@contextmanager
def restartable_server() -> Iterator[RestartableServer]:
    """A server of one's own that may be stopped and started again (`RestartableServer`)."""
    with _launched() as control:
        yield RestartableServer(control.port, control=control)
