"""A web app over an open Kortrijk election (tests/integration's setup), on SQLite."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from evoting import db
from evoting.crypto.canonical import b64encode
from evoting.deployment import SECRET_ENVIRONMENT_VARIABLE
from tests.integration.conftest import NOW, Setup, make_setup
from web import create_app
from web.extensions import limiter


class Clock:
    """The app's clock, which a test may move."""

    def __init__(self, now: datetime.datetime) -> None:
        self.now = now

    def __call__(self) -> datetime.datetime:
        return self.now


def give_code(setup: Setup, name: str) -> str:
    """A poll-card code for a resident who got no letter (an ineligible one), as if a
    letter had reached them before the register changed."""
    from sqlalchemy import update

    from evoting import schema
    from identity.pollcards import code_hasher, new_code
    from identity.register import number_hasher

    row = next(r for r in setup.register.rows if r.name.startswith(name))
    number_hash = number_hasher(setup.keys, setup.election_id)(row.number)
    code = new_code()
    with setup.factory() as session, session.begin():
        session.execute(
            update(schema.voters)
            .where(schema.voters.c.number_hash == number_hash)
            .values(code_hash=code_hasher(setup.keys, setup.election_id)(number_hash, code))
        )
    setup.codes[row.number.digits] = code
    return code


@pytest.fixture
def with_trustees() -> bool:
    """A real key ceremony (needed to decrypt); modules that tally override this."""
    return False


@pytest.fixture
def site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, with_trustees: bool
) -> Iterator[tuple[Setup, str]]:
    url = f"sqlite:///{tmp_path / 'web.sqlite3'}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    setup = make_setup(engine, tmp_path, monkeypatch, trustees=with_trustees)
    monkeypatch.setenv(SECRET_ENVIRONMENT_VARIABLE, b64encode(setup.keys.master))
    yield setup, url
    engine.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def app(site: tuple[Setup, str], tmp_path: Path, clock: Clock) -> Iterator[Flask]:
    _, url = site
    made = create_app(url, tmp_path / "instance", clock=clock, secure_cookies=False,
                      config={"TESTING": True})  # fmt: skip
    limiter.reset()
    yield made
    made.extensions["evoting"].engine.dispose()


@pytest.fixture
def setup(site: tuple[Setup, str]) -> Setup:
    return site[0]


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser that prefers English (the app's default is Dutch: test_i18n.py)."""
    made = app.test_client()
    made.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return made
