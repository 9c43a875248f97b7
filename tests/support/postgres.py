"""A throwaway PostgreSQL server for the test session.

`initdb` into a temporary directory, `pg_ctl start` on a free loopback port,
removed afterwards. As root (CI), the server runs as the `postgres` system user,
because PostgreSQL refuses to run as root. Missing binaries are an error, not a
skip: `./dev test` installs Debian's postgresql package first.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg


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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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


@contextmanager
def running_server() -> Iterator[PostgresServer]:
    bindir = _binary_dir()
    root = Path(tempfile.mkdtemp(prefix="evoting-pg-"))
    data, sockets, log = root / "data", root / "sock", root / "server.log"
    uid = gid = None
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam("postgres")
        except KeyError as exc:
            raise RuntimeError("running as root needs the 'postgres' system user") from exc
        uid, gid = account.pw_uid, account.pw_gid
    sockets.mkdir()
    if uid is not None and gid is not None:
        os.chown(root, uid, gid)
        os.chown(sockets, uid, gid)

    def run(*args: str | Path, check: bool = True) -> None:
        subprocess.run(
            [str(a) for a in args], check=check, capture_output=True, cwd=root, user=uid, group=gid
        )

    port = _free_port()
    server = PostgresServer(port)
    options = (
        f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    )
    try:
        run(bindir / "initdb", "-D", data, "-U", server.user, "-A", "trust", "-E", "UTF8",
            "--no-locale", "--no-sync")  # fmt: skip
        run(bindir / "pg_ctl", "-D", data, "-l", log, "-o", options, "-w", "-t", "60", "start")
    except subprocess.CalledProcessError as exc:
        detail = exc.stderr.decode(errors="replace")
        if log.exists():
            detail += log.read_text(errors="replace")
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"could not start PostgreSQL: {detail}") from exc
    try:
        yield server
    finally:
        run(bindir / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(root, ignore_errors=True)
