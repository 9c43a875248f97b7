"""Officials in the browser's place: accounts, roles, and an election's life cycle."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import nacl.signing
import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text

from audit.verify import verify_bundle
from evoting import schema
from evoting.accounts import AccountError, add_official, authenticate, set_disabled
from evoting.crypto.keyfile import write_key_file
from evoting.election import parse_manifest
from services.lifecycle import set_up_election
from tally.ceremony import TrusteeKeys, make_deal
from tally.decrypt import decrypt_request
from tally.officials import add_trustee, collect_deal, roster
from tests.integration.conftest import EXAMPLES, NOW, Setup
from tests.web.test_api import API, ballot_bytes, credential_for, post

PASSWORD = "correct horse battery"


@pytest.fixture
def with_trustees() -> bool:
    return True


@pytest.fixture
def accounts(setup: Setup) -> Setup:
    with setup.factory() as session, session.begin():
        for name, role in (("ada", "admin"), ("olaf", "official"), ("otto", "observer")):
            add_official(session, name, PASSWORD, role, NOW)
    return setup


def token(client: FlaskClient, path: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert found is not None
    return found.group(1)


def log_in(client: FlaskClient, username: str, password: str = PASSWORD) -> str | None:
    answer = client.post("/officials/login", data={
        "username": username, "password": password,
        "csrf_token": token(client, "/officials/login")})  # fmt: skip
    return answer.headers.get("Location")


def test_passwords_are_argon2id_and_checked(accounts: Setup) -> None:
    with accounts.factory() as session:
        stored = session.execute(
            text("SELECT password_hash FROM officials WHERE username = 'ada'")
        ).scalar_one()
        assert stored.startswith("$argon2id$")
        assert authenticate(session, "ada", PASSWORD) is not None
        assert authenticate(session, "ada", PASSWORD + "!") is None
        assert authenticate(session, "nobody", PASSWORD) is None
    with accounts.factory() as session, session.begin():
        set_disabled(session, "otto", True)
    with accounts.factory() as session:
        assert authenticate(session, "otto", PASSWORD) is None
        with pytest.raises(AccountError, match="at least 12"):
            add_official(session, "eve", "short", "admin", NOW)
        with pytest.raises(AccountError, match="the role is one of"):
            add_official(session, "eve", PASSWORD, "king", NOW)


def test_an_official_logs_in_and_a_wrong_password_says_nothing_more(
    client: FlaskClient, accounts: Setup
) -> None:
    assert client.get("/officials/").headers["Location"].startswith("/officials/login")
    answer = client.post("/officials/login", data={
        "username": "olaf", "password": "wrong password!",
        "csrf_token": token(client, "/officials/login")})  # fmt: skip
    assert "The username or the password is not right." in answer.get_data(as_text=True)
    assert log_in(client, "olaf") == "/officials/"
    assert "kortrijk-2019" in client.get("/officials/").get_data(as_text=True)


def test_an_observer_reads_but_cannot_act(client: FlaskClient, accounts: Setup) -> None:
    log_in(client, "otto")
    page = client.get("/officials/e/kortrijk-2019")
    assert page.status_code == 200
    assert "Close and count" not in page.get_data(as_text=True)
    csrf = token(client, "/officials/e/kortrijk-2019")
    refused = client.post("/officials/e/kortrijk-2019/close", data={"csrf_token": csrf})
    assert refused.status_code == 403
    assert client.get("/officials/accounts").status_code == 403


def test_only_an_admin_manages_accounts(client: FlaskClient, accounts: Setup) -> None:
    log_in(client, "ada")
    csrf = token(client, "/officials/accounts")
    client.post("/officials/accounts", data={"csrf_token": csrf, "action": "add",
                "username": "nina", "password": PASSWORD, "role": "official"})  # fmt: skip
    client.post("/officials/accounts", data={"csrf_token": csrf, "action": "disable",
                "username": "olaf"})  # fmt: skip
    page = client.get("/officials/accounts").get_data(as_text=True)
    assert "nina" in page
    with accounts.factory() as session:
        assert authenticate(session, "olaf", PASSWORD) is None
        assert authenticate(session, "nina", PASSWORD) is not None


def test_unknown_elections_and_missing_tallies_are_404(
    client: FlaskClient, accounts: Setup
) -> None:
    log_in(client, "olaf")
    assert client.get("/officials/e/nowhere").status_code == 404
    csrf = token(client, "/officials/")
    assert (
        client.post("/officials/e/nowhere/register", data={"csrf_token": csrf}).status_code == 404
    )
    assert client.get("/officials/e/kortrijk-2019/tally-request.json").status_code == 404


def test_an_official_session_expires(app: Flask, client: FlaskClient, accounts: Setup) -> None:
    log_in(client, "olaf")
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert cookie.expires is not None  # a permanent session: 30 minutes, not "until closed"


def test_a_form_without_csrf_token_is_refused(client: FlaskClient, accounts: Setup) -> None:
    log_in(client, "olaf")
    assert client.post("/officials/e/kortrijk-2019/close", data={"early": "1"}).status_code == 400


def test_a_bad_register_is_reported_row_by_row(
    client: FlaskClient, accounts: Setup, tmp_path: Path
) -> None:
    log_in(client, "olaf")
    text = (EXAMPLES / "kortrijk-2019.yaml").read_text().replace("id: kortrijk-2019", "id: other")
    csrf = token(client, "/officials/")
    created = client.post("/officials/elections", data={
        "csrf_token": csrf, "manifest": (io.BytesIO(text.encode()), "other.yaml")})  # fmt: skip
    assert created.headers["Location"] == "/officials/e/other"
    lines = (EXAMPLES / "register-sample.csv").read_text().splitlines()
    bad = "\n".join([*lines, lines[1].replace(",1985-07-14,", ",1985-07-15,")]) + "\n"
    answer = client.post("/officials/e/other/register", data={
        "csrf_token": csrf, "register": (io.BytesIO(bad.encode()), "r.csv")})  # fmt: skip
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert "Line 14: The birth date does not agree with the register number." in page
    assert "Line 14: The same register number as line 2." in page
    assert "nothing was imported" in page


def test_an_official_closes_tallies_and_publishes(
    app: Flask, client: FlaskClient, accounts: Setup, tmp_path: Path
) -> None:
    setup = accounts
    for name, answer in (("An", "yes"), ("Bram", "no"), ("Chantal", "yes")):
        credential = credential_for(app, setup, name)
        assert post(app, f"{API}/cast", ballot_bytes(setup, credential, answer))[0] == 200
    log_in(client, "olaf")
    csrf = token(client, "/officials/e/kortrijk-2019")
    client.post("/officials/e/kortrijk-2019/close", data={"csrf_token": csrf})
    assert "Closing it now would cut residents off" in client.get(
        "/officials/e/kortrijk-2019").get_data(as_text=True)  # fmt: skip
    kept = schema.voters.c.issued_request.is_not(None)
    with setup.factory() as session:  # for a resident whose answer was lost...
        assert session.execute(select(func.count()).where(kept)).scalar_one() == 3
    client.post("/officials/e/kortrijk-2019/close", data={"csrf_token": csrf, "early": "1"})
    with setup.factory() as session:  # ...until the vote closes
        assert session.execute(select(func.count()).where(kept)).scalar_one() == 0
    request = json.loads(client.get("/officials/e/kortrijk-2019/tally-request.json").data)
    assert request["ballots"] == 3
    partials = [json.dumps(decrypt_request(s, request)).encode() for s in setup.shares[1:]]
    authority = nacl.signing.SigningKey.generate()
    key_file = tmp_path / "authority.key"
    write_key_file(key_file, "authority", bytes(authority), "authority passphrase", "interactive")

    def files() -> dict[str, object]:
        return {
            "signing": "here",  # the demo's way: the authority's key file on the server
            "authority_key": (io.BytesIO(key_file.read_bytes()), "authority.key"),
            "partials": [(io.BytesIO(p), f"p{i}.json") for i, p in enumerate(partials)],
        }

    wrong = {"csrf_token": csrf, "passphrase": "wrong passphrase", **files()}
    client.post("/officials/e/kortrijk-2019/tally", data=wrong)
    assert "The tally was refused" in client.get("/officials/e/kortrijk-2019").get_data(
        as_text=True)  # fmt: skip
    right = {"csrf_token": csrf, "passphrase": "authority passphrase", **files()}
    client.post("/officials/e/kortrijk-2019/tally", data=right)
    again = {"csrf_token": csrf, "passphrase": "authority passphrase", **files()}
    client.post("/officials/e/kortrijk-2019/tally", data=again)  # a resubmitted form
    assert "Only a closed vote can be tallied: this one is tallied." in client.get(
        "/officials/e/kortrijk-2019").get_data(as_text=True)  # fmt: skip
    preview = client.get("/e/kortrijk-2019/results").get_data(as_text=True)
    assert 'id="preview"' in preview
    assert "Advisory" in preview
    public = app.test_client()
    public.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert "There are no results yet" in public.get("/e/kortrijk-2019/results").get_data(
        as_text=True)  # fmt: skip
    assert public.get("/e/kortrijk-2019/bundle.zip").status_code == 404  # not before publishing
    client.post("/officials/e/kortrijk-2019/publish", data={"csrf_token": csrf})
    assert client.get("/officials/e/kortrijk-2019").get_data(as_text=True).count("published") >= 2
    results = public.get("/e/kortrijk-2019/results").get_data(as_text=True)
    assert 'id="preview"' not in results
    assert 'id="participants">3' in results
    verdict = re.search(r'id="verdict-car-free-sunday">\s*<strong>(\w+)</strong>', results)
    assert verdict is not None
    assert verdict[1] == "Advisory"
    assert "Participants: 3, at least 2000 required – <strong>not met</strong>" in results
    assert "Difference between yes and no: 33.33 points, at least 2.5 required" in results
    dutch = public.get("/e/kortrijk-2019/results?lang=nl").get_data(as_text=True)
    assert "Adviserend" in dutch
    assert "33,33" in dutch
    assert "niet voldaan" in dutch
    with public.get("/e/kortrijk-2019/bundle.zip") as bundle:
        assert bundle.status_code == 200
        assert verify_bundle(bundle.data).passed
    with public.get("/e/kortrijk-2019/report.pdf") as report:
        assert report.data.startswith(b"%PDF")


def test_officials_follow_the_key_ceremony(client: FlaskClient, accounts: Setup) -> None:
    log_in(client, "otto")  # observers follow it too
    text = (EXAMPLES / "kortrijk-2019.yaml").read_text().replace("id: kortrijk-2019", "id: other")
    with accounts.factory() as session, session.begin():
        manifest = parse_manifest(yaml.safe_load(text))
        set_up_election(session, manifest, accounts.keys, NOW)
    page = client.get("/officials/e/other").get_data(as_text=True)
    assert page.count("not yet") == 9  # 3 trustees × registered, dealt, checked
    assert "not set yet: the ceremony is not finished." in page

    manifest_keys = [TrusteeKeys.generate(manifest, i, f"T{i}") for i in (1, 2, 3)]
    with accounts.factory() as session, session.begin():
        for k in manifest_keys:
            add_trustee(session, "other", k.public_record())
        trustees = roster(session, "other")
        collect_deal(session, "other", make_deal(manifest_keys[1], manifest, trustees))
    page = client.get("/officials/e/other").get_data(as_text=True)
    rows = re.findall(r"<tr><th scope=\"row\">(\d) – (\w+)</th>\s*<td>(.*?)</td>\s*<td>(.*?)</td>"
                      r"\s*<td>(.*?)</td></tr>", page)  # fmt: skip
    assert rows == [("1", "T1", "yes", "not yet", "not yet"), ("2", "T2", "yes", "yes", "not yet"),
                    ("3", "T3", "yes", "not yet", "not yet")]  # fmt: skip

    finished = client.get("/officials/e/kortrijk-2019").get_data(as_text=True)
    assert 'id="election-key"' in finished
    assert "not yet" not in finished
