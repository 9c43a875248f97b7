"""Shared fixtures. Every test that takes `engine` runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import Engine

from evoting import db
from tests.support.postgres import PostgresServer, running_server
from tests.support.redis import RedisServer, running_redis

# Group operations cost tens of microseconds: no per-example deadline.
settings.register_profile(
    "default", deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci",
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    with running_server() as server:
        yield server


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    with running_redis() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'evoting.sqlite3'}"
    else:
        server: PostgresServer = request.getfixturevalue("postgres_server")
        with server.database() as url:
            yield url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A migrated, empty database on each back end."""
    eng = db.make_engine(db_url)
    db.upgrade(eng)
    try:
        yield eng
    finally:
        eng.dispose()


@pytest.fixture(scope="module", params=["libsodium", "native"])
def verification_path(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run a module's tests on both verification paths (evoting/crypto/combine.py): each
    accept and each reject must be the same on the native core as on libsodium.
    Opt in with ``pytestmark = pytest.mark.usefixtures("verification_path")``."""
    from evoting.crypto import _native, combine

    if request.param == "native" and _native.load() is None:
        if os.environ.get("EVOTING_REQUIRE_NATIVE") == "1":
            pytest.fail(
                "the native core (native/) is not installed, or is older than this "
                "code: ./dev builds it"
            )
        pytest.skip("the native core (native/) is not built on this machine")
    with combine.using(request.param):
        yield request.param
