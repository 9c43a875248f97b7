"""Hostile review of what officials send: each field is bounded before it costs the
server, and what it is refused with is in the official's language."""

from __future__ import annotations

import json
from pathlib import Path

import nacl.pwhash
import pytest
from flask import Flask
from flask.testing import FlaskClient

from evoting.crypto.keyfile import write_key_file
from tests.integration.conftest import Setup
from tests.web.test_officials import log_in
from tests.web.test_officials_messages import official, post_then_read  # noqa: F401 - fixture
from web import uploads
from web.errors import Refused


def test_a_password_the_login_form_would_cut_short_is_refused(
    client: FlaskClient,
    official: FlaskClient,  # noqa: F811 - the fixture
) -> None:
    log_in(client, "ada")
    accounts = "/officials/accounts"
    said = post_then_read(client, accounts, {"action": "add", "username": "nina", "role":
                          "official", "password": "x" * 1025}, "fr", back=accounts)  # fmt: skip
    assert said == ["Un mot de passe compte au plus 1024 caractères."]
    post_then_read(client, accounts, {"action": "add", "username": "nina", "role": "official",
                                      "password": "y" * 1024}, "fr", back=accounts)  # fmt: skip
    other = client.application.test_client()
    assert log_in(other, "nina", "y" * 1024) == "/officials/"  # the longest one still logs in


def test_a_key_file_asking_the_server_for_a_gigabyte_is_refused_before_any_work(
    app: Flask, setup: Setup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "authority.key"
    write_key_file(path, "authority", b"k" * 32, "authority passphrase", "interactive")
    document = json.loads(path.read_bytes())
    document["kdf"]["memlimit"] = nacl.pwhash.argon2id.MEMLIMIT_SENSITIVE  # 1 GiB, still valid
    greedy = json.dumps(document, separators=(",", ":"), sort_keys=True).encode()

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("Argon2id ran on an upload that asks for a gigabyte")

    monkeypatch.setattr(nacl.pwhash.argon2id, "kdf", never)
    with app.test_request_context("/?lang=nl"), pytest.raises(Refused) as refused:
        uploads.key_file_secret(greedy, "authority", "authority passphrase")
    assert str(refused.value).startswith("Dit sleutelbestand vraagt de server meer geheugen")
