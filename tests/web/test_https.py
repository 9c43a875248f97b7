"""Forms over HTTPS, as behind the TLS proxy: the app sends Referrer-Policy:
no-referrer, so a browser posts its forms without a Referer, and they must work."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from evoting.accounts import add_official
from tests.integration.conftest import NOW, Setup
from tests.web.conftest import Clock
from web import create_app

PASSWORD = "correct horse battery"


@pytest.fixture
def secure_app(site: tuple[Setup, str], tmp_path: Path, clock: Clock) -> Iterator[Flask]:
    setup, url = site
    with setup.factory() as session, session.begin():
        add_official(session, "ada", PASSWORD, "admin", NOW)
    made = create_app(url, tmp_path / "instance", clock=clock, secure_cookies=True)
    yield made
    made.extensions["evoting"].engine.dispose()


def test_an_official_logs_in_over_https_without_a_referer(secure_app: Flask) -> None:
    client = secure_app.test_client()
    page = client.get("/officials/login", base_url="https://evote.example")
    assert page.headers["Referrer-Policy"] == "no-referrer"
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert token is not None
    answer = client.post("/officials/login", base_url="https://evote.example",
                         data={"csrf_token": token.group(1), "username": "ada",
                               "password": PASSWORD})  # fmt: skip
    assert answer.status_code == 302, answer.get_data(as_text=True)
    assert answer.headers["Location"].endswith("/officials/")
    dashboard = client.get("/officials/", base_url="https://evote.example")
    assert dashboard.status_code == 200


def test_a_form_over_https_without_its_token_is_still_refused(secure_app: Flask) -> None:
    client = secure_app.test_client()
    answer = client.post("/officials/login", base_url="https://evote.example",
                         data={"username": "ada", "password": PASSWORD})  # fmt: skip
    assert answer.status_code == 400
