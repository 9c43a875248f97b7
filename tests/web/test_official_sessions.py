"""Officials' sessions on the server (web/official_sessions.py): logging out ends a
copied cookie too, and a Redis that is away is a 503, not a 500.

Several gunicorn workers sharing one Redis: tests/integration/test_gunicorn.py."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from cli.local_servers import free_port
from evoting.accounts import add_official
from tests.integration.conftest import NOW, Setup
from tests.support.redis import RedisServer
from tests.web.conftest import Clock
from web import create_app
from web.official_sessions import MemorySessions, RedisSessions

PASSWORD = "correct horse battery"


def make_app(site: tuple[Setup, str], tmp_path: Path, clock: Clock, redis_url: str | None) -> Flask:
    setup, url = site
    with setup.factory() as session, session.begin():
        add_official(session, "ada", PASSWORD, "admin", NOW)
    return create_app(url, tmp_path / "instance", clock=clock, secure_cookies=False,
                      config={"REDIS_URL": redis_url})  # fmt: skip


@pytest.fixture(params=["memory", "redis"])
def app(request: pytest.FixtureRequest, site: tuple[Setup, str], tmp_path: Path,
        clock: Clock) -> Iterator[Flask]:  # fmt: skip
    url = None
    if request.param == "redis":
        server: RedisServer = request.getfixturevalue("redis_server")
        url = server.url(3)
    made = make_app(site, tmp_path, clock, url)
    yield made
    made.extensions["evoting"].engine.dispose()


def csrf(client: FlaskClient, path: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert found is not None
    return found.group(1)


def log_in(client: FlaskClient) -> None:
    form = {"csrf_token": csrf(client, "/officials/login"), "username": "ada",
            "password": PASSWORD}  # fmt: skip
    answer = client.post("/officials/login", data=form)
    assert answer.status_code == 302


def test_the_store_is_the_configured_one(app: Flask) -> None:
    store = app.extensions["evoting"].sessions
    assert isinstance(store, RedisSessions if app.config["REDIS_URL"] else MemorySessions)


def test_logging_out_ends_a_copied_cookie(app: Flask) -> None:
    client = app.test_client()
    log_in(client)
    cookie = client.get_cookie("session")
    assert cookie is not None
    copy = app.test_client()
    copy.set_cookie("session", cookie.value)
    assert copy.get("/officials/").status_code == 200
    client.post("/officials/logout", data={"csrf_token": csrf(client, "/officials/")})
    answer = copy.get("/officials/")
    assert answer.status_code == 302
    assert "/officials/login" in answer.headers["Location"]


def test_the_cookie_holds_a_token_not_the_username(app: Flask) -> None:
    client = app.test_client()
    log_in(client)
    cookie = client.get_cookie("session")
    assert cookie is not None
    from flask.sessions import SecureCookieSessionInterface
    from itsdangerous import URLSafeTimedSerializer

    interface = SecureCookieSessionInterface()
    serializer = interface.get_signing_serializer(app)
    assert isinstance(serializer, URLSafeTimedSerializer)
    held = serializer.loads(cookie.value)
    assert "official" not in held
    assert "ada" not in str(held)


def test_a_redis_that_is_away_is_a_503(site: tuple[Setup, str], tmp_path: Path,
                                       clock: Clock) -> None:  # fmt: skip
    app = make_app(site, tmp_path, clock, f"redis://127.0.0.1:{free_port()}/0")
    client = app.test_client()
    form = {"csrf_token": csrf(client, "/officials/login"), "username": "ada",
            "password": PASSWORD}  # fmt: skip
    answer = client.post("/officials/login", data=form)
    assert answer.status_code == 503
    assert int(answer.headers["Retry-After"]) > 0
    app.extensions["evoting"].engine.dispose()
