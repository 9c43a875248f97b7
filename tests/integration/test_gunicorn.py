"""The production set-up, for real: `evote serve --workers 2` under gunicorn, on
PostgreSQL, with Redis, over loopback HTTP; workers and the whole server killed
with SIGKILL during a cast storm.

Each test starts its own gunicorn (a process group) and stops it; the PostgreSQL
and Redis servers are the session's (tests/conftest.py).
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.bench_load import gunicorn_server, open_election, run_load_benchmark, serve_command
from cli.local_servers import free_port
from tests.support.postgres import PostgresServer
from tests.support.redis import RedisServer

PASSWORD = "a long enough password"


@pytest.fixture
def pg_url(postgres_server: PostgresServer) -> Iterator[str]:
    with postgres_server.database() as url:
        yield url


def test_a_storm_with_kills_loses_and_doubles_nothing(
    pg_url: str, redis_server: RedisServer
) -> None:
    figures = run_load_benchmark(url=pg_url, workers=2, threads=4, clients=16, ballots=400,
                                 kill_every=0.5, redis_url=redis_server.url(1),
                                 proof_checks=2)  # fmt: skip
    assert figures["database"] == "postgresql"
    kills: dict[str, int] = figures["kills"]  # type: ignore[assignment]
    assert kills["server"] == 1
    assert kills["worker"] >= 1
    assert figures["accepted"] == 400, figures
    assert figures["refused"] == {}
    assert figures["lost"] == 0
    assert figures["doubled"] == 0
    assert figures["receipt_position_wrong"] == 0
    assert figures["on_board_unacknowledged"] == 0
    assert figures["board_entries"] == 400
    assert figures["chain_intact"] is True


def test_a_storm_on_sqlite_under_gunicorn(tmp_path: Path, redis_server: RedisServer) -> None:
    url = f"sqlite:///{tmp_path / 'storm.sqlite3'}"
    figures = run_load_benchmark(url=url, workers=2, threads=4, clients=8, ballots=120,
                                 kill_every=None, redis_url=redis_server.url(2),
                                 proof_checks=2)  # fmt: skip
    assert (figures["accepted"], figures["lost"], figures["doubled"]) == (120, 0, 0)
    assert figures["chain_intact"] is True


# --- state shared by the workers: officials' sessions and login limits -----------------


@pytest.fixture
def served(pg_url: str, redis_server: RedisServer, tmp_path: Path) -> Iterator[str]:
    # Redis database 0 is this fixture's: flushed before each test.
    """gunicorn with 2 workers on PostgreSQL and Redis, an official account 'ada'."""
    instance = tmp_path / "instance"
    open_election(pg_url, instance, "shared-state")
    environment = {**os.environ, "EVOTING_OFFICIAL_PASSWORD": PASSWORD}
    subprocess.run(
        [sys.executable, "-c", "from cli.main import main; main()", "--db", pg_url,
         "--instance", str(instance), "official", "add", "ada", "--role", "admin"],
        check=True, env=environment, capture_output=True, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    redis_server.flush()
    port = free_port()
    with gunicorn_server(serve_command(pg_url, instance, port, redis_server.url(), workers=2),
                         port):  # fmt: skip
        yield f"http://127.0.0.1:{port}"


def _browser() -> tuple[urllib.request.OpenerDirector, http.cookiejar.CookieJar]:
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar)), jar


Browser = tuple[urllib.request.OpenerDirector, http.cookiejar.CookieJar]


def _log_in(base: str, password: str = PASSWORD) -> tuple[int, *Browser]:
    opener, jar = _browser()
    page = opener.open(f"{base}/officials/login").read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    form = urllib.parse.urlencode({"csrf_token": token.group(1), "username": "ada",
                                   "password": password}).encode()  # fmt: skip
    try:
        answer = opener.open(f"{base}/officials/login", data=form)
    except urllib.error.HTTPError as exc:
        return exc.code, opener, jar
    return answer.status, opener, jar


def _logged_in(opener: urllib.request.OpenerDirector, base: str) -> bool:
    """Whether the officials' dashboard opens (not a redirect to the login page)."""
    answer = opener.open(f"{base}/officials/")
    return str(urllib.parse.urlsplit(answer.url).path) != "/officials/login"


def test_logging_out_ends_the_session_in_every_worker(served: str) -> None:
    status, opener, jar = _log_in(served)
    assert status == 200
    # A second browser holding a copy of the cookie, its requests spread over the workers.
    copy, copy_jar = _browser()
    for cookie in jar:
        copy_jar.set_cookie(cookie)
    assert all(_logged_in(copy, served) for _ in range(6))
    page = opener.open(f"{served}/officials/").read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    opener.open(f"{served}/officials/logout",
                data=urllib.parse.urlencode({"csrf_token": token.group(1)}).encode())  # fmt: skip
    assert not any(_logged_in(copy, served) for _ in range(6))


def test_login_limits_are_counted_across_workers(served: str, redis_server: RedisServer) -> None:
    """10 tries a minute per address: in one count in Redis, whichever worker answers."""
    statuses = [_log_in(served, "wrong password!")[0] for _ in range(12)]
    assert statuses[:10] == [200] * 10  # the form again, with its message
    assert statuses[10:] == [429, 429]
    import redis

    assert redis.Redis(port=redis_server.port).keys("*LIMITER*")  # not each worker's memory
