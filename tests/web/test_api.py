"""The booth's JSON API through the Flask test client, with the Python voter client.

Each step as the browser does it: log in (session), take the ticket from the
booth page, ask for the blind signature, cast and challenge without any cookie.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from ballots.ballot import encrypt_ballot
from ballots.spoil import spoiled_record
from evoting.crypto.blind import PublicKey
from evoting.crypto.canonical import b64decode, b64encode, canonical_json
from evoting.crypto.credential import Credential, CredentialRequest
from tests.integration.conftest import EXAMPLES, Setup
from tests.web.conftest import Clock
from tests.web.test_resident import log_in, ticket_on_booth_page

API = "/api/e/kortrijk-2019"


def ticket_for(client: FlaskClient, setup: Setup, name: str) -> str:
    log_in(client, setup.form(name))
    ticket = ticket_on_booth_page(client)
    assert ticket
    return ticket


def credential_for(app: Flask, setup: Setup, name: str) -> Credential:
    ticket = ticket_for(app.test_client(), setup, name)
    params = app.test_client().get(f"{API}/booth").get_json()
    key = PublicKey.from_der(b64decode(params["credential_key"]))
    request = CredentialRequest.start(key, setup.manifest.fingerprint)
    answer = app.test_client().post(f"{API}/credential", json={
        "ticket": ticket, "blinded": b64encode(request.blinded_message)})  # fmt: skip
    assert answer.status_code == 200, answer.get_json()
    return request.finish(key, b64decode(answer.get_json()["blind_signature"]))


def ballot_bytes(setup: Setup, credential: Credential, answer: str) -> bytes:
    ballot, _ = encrypt_ballot(setup.manifest, setup.public_key, credential,
                               {"car-free-sunday": answer})  # fmt: skip
    return ballot.canonical()


def post(app: Flask, path: str, body: bytes) -> tuple[int, dict[str, object]]:
    """With a client that holds no cookie, as the booth sends it."""
    answer = app.test_client().post(path, data=body, content_type="application/json")
    return answer.status_code, answer.get_json()


def test_the_booth_parameters_are_the_elections(app: Flask, setup: Setup) -> None:
    params = app.test_client().get(f"{API}/booth").get_json()
    assert params["fingerprint"] == b64encode(setup.manifest.fingerprint)
    assert params["election_key"] == b64encode(setup.public_key.to_bytes())
    assert params["contests"][0]["label"] == "car-free-sunday"
    assert params["contests"][0]["options"] == ["yes", "no", "blank"]


def test_a_resident_casts_and_finds_the_ballot_on_the_board(app: Flask, setup: Setup) -> None:
    credential = credential_for(app, setup, "An")
    body = ballot_bytes(setup, credential, "yes")
    status, receipt = post(app, f"{API}/cast", body)
    assert status == 200
    assert receipt["position"] == 1
    assert receipt["head"]["final"] is False  # type: ignore[index]
    again = post(app, f"{API}/cast", body)
    assert again == (200, receipt)  # re-sending is idempotent: the same receipt
    code = receipt["tracking_code"]
    found = app.test_client().get(f"{API}/board/{code}").get_json()
    assert found["position"] == 1
    board = app.test_client().get(f"/e/kortrijk-2019/board?code={code}&lang=en")
    page = board.get_data(as_text=True)
    assert "Found: this ballot is on the board." in page
    assert app.test_client().get(f"{API}/head").get_json()["position"] == 1


def test_a_second_ballot_with_the_same_credential_is_refused(app: Flask, setup: Setup) -> None:
    credential = credential_for(app, setup, "An")
    assert post(app, f"{API}/cast", ballot_bytes(setup, credential, "yes"))[0] == 200
    status, error = post(app, f"{API}/cast", ballot_bytes(setup, credential, "no"))
    assert (status, error["error"]) == (409, "credential_used")


def test_a_replayed_ticket_gets_no_second_credential(app: Flask, setup: Setup) -> None:
    client = app.test_client()
    ticket = ticket_for(client, setup, "Bram")
    params = client.get(f"{API}/booth").get_json()
    key = PublicKey.from_der(b64decode(params["credential_key"]))
    first = CredentialRequest.start(key, setup.manifest.fingerprint)
    body = {"ticket": ticket, "blinded": b64encode(first.blinded_message)}
    assert app.test_client().post(f"{API}/credential", json=body).status_code == 200
    second = CredentialRequest.start(key, setup.manifest.fingerprint)
    body["blinded"] = b64encode(second.blinded_message)
    replay = app.test_client().post(f"{API}/credential", json=body)
    assert (replay.status_code, replay.get_json()["error"]) == (409, "already_issued")


def test_a_forged_or_malformed_ticket_is_refused(app: Flask) -> None:
    forged = app.test_client().post(f"{API}/credential",
                                    json={"ticket": "x.y.z", "blinded": "AAAA"})  # fmt: skip
    assert (forged.status_code, forged.get_json()["error"]) == (403, "ticket")
    missing = app.test_client().post(f"{API}/credential", json={"blinded": "AAAA"})
    assert (missing.status_code, missing.get_json()["error"]) == (400, "schema")


def test_a_ballot_after_the_close_is_refused(app: Flask, setup: Setup, clock: Clock) -> None:
    credential = credential_for(app, setup, "An")
    clock.now = datetime.datetime(2019, 5, 27, 18, 0, 1, tzinfo=datetime.UTC)  # 20:00:01 local
    status, error = post(app, f"{API}/cast", ballot_bytes(setup, credential, "yes"))
    assert (status, error["error"]) == (403, "window")


def test_a_challenged_ballot_is_published_and_can_never_be_cast(app: Flask, setup: Setup) -> None:
    credential = credential_for(app, setup, "An")
    ballot, secrets = encrypt_ballot(setup.manifest, setup.public_key, credential,
                                     {"car-free-sunday": "no"})  # fmt: skip
    record = canonical_json(spoiled_record(ballot, secrets))
    status, answer = post(app, f"{API}/spoil", record)
    assert (status, answer["tracking_code"]) == (200, ballot.tracking_code)
    page = app.test_client().get("/e/kortrijk-2019/spoiled?lang=en").get_data(as_text=True)
    assert "<dt>Should the city centre go car-free one Sunday a month?</dt><dd>No</dd>" in page
    status, error = post(app, f"{API}/cast", ballot.canonical())
    assert (status, error["error"]) == (400, "spoiled")
    fresh = ballot_bytes(setup, credential, "yes")  # the same credential votes afresh
    assert post(app, f"{API}/cast", fresh)[0] == 200


def test_a_challenge_of_a_cast_ballot_or_out_of_the_window_says_why(
    app: Flask, setup: Setup, clock: Clock
) -> None:
    credential = credential_for(app, setup, "An")
    ballot, secrets = encrypt_ballot(setup.manifest, setup.public_key, credential,
                                     {"car-free-sunday": "no"})  # fmt: skip
    assert post(app, f"{API}/cast", ballot.canonical())[0] == 200
    record = canonical_json(spoiled_record(ballot, secrets))
    status, error = post(app, f"{API}/spoil", record)
    assert (status, error["error"]) == (409, "already_cast")
    bram = credential_for(app, setup, "Bram")
    other, more = encrypt_ballot(setup.manifest, setup.public_key, bram, {"car-free-sunday": "yes"})
    clock.now = datetime.datetime(2019, 5, 27, 18, 0, 1, tzinfo=datetime.UTC)  # closed at 20:00
    status, error = post(app, f"{API}/spoil", canonical_json(spoiled_record(other, more)))
    assert (status, error["error"]) == (403, "window")


def test_garbage_is_refused_with_its_reason(app: Flask) -> None:
    status, error = post(app, f"{API}/cast", b"{not json")
    assert (status, error["error"]) == (400, "schema")
    status, error = post(app, f"{API}/spoil", b"[]")
    assert status == 400


def test_the_cast_is_not_limited_per_address(app: Flask) -> None:
    """A shared address (a library, carrier-grade NAT) is many residents: what bounds
    casting is per credential and per process (tests/web/test_cast_limits.py)."""
    statuses = [post(app, f"{API}/cast", b"{}")[0] for _ in range(40)]
    assert statuses == [400] * 40


def test_evote_verify_spoiled_rechecks_the_published_challenges(
    app: Flask, setup: Setup, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from cli.main import evote

    credential = credential_for(app, setup, "An")
    ballot, secrets = encrypt_ballot(setup.manifest, setup.public_key, credential,
                                     {"car-free-sunday": "blank"})  # fmt: skip
    assert post(app, f"{API}/spoil", canonical_json(spoiled_record(ballot, secrets)))[0] == 200
    with app.test_client().get("/e/kortrijk-2019/spoiled.jsonl") as answer:
        published = answer.get_data(as_text=True)
    spoiled = tmp_path / "spoiled.jsonl"
    spoiled.write_text(published)
    key = b64encode(setup.public_key.to_bytes())
    args = ["verify-spoiled", str(spoiled), "--manifest", str(EXAMPLES / "kortrijk-2019.yaml"),
            "--election-key", key]  # fmt: skip
    checked = CliRunner().invoke(evote, args)
    assert checked.exit_code == 0, checked.output
    assert "car-free-sunday=[0, 0, 1]: OK" in checked.output
    record = json.loads(published)
    record["contests"][0]["selections"] = [1, 0, 0]  # claim it encrypted "yes"
    spoiled.write_text(json.dumps(record) + "\n")
    lied = CliRunner().invoke(evote, args)
    assert lied.exit_code == 1
    assert "FAIL" in lied.output
