"""The officials' counting steps in the web UI: paper boxes by two officials, the tally
left for the authority to sign on its own machine, the signature uploaded."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from pathlib import Path

import nacl.signing
import pytest
from flask import Flask
from flask.testing import FlaskClient

from audit.bundle import member_hashes, signature_document
from audit.store import entries as log_entries
from audit.verify import verify_bundle
from evoting.accounts import add_official
from identity.issuance import mark_paper
from identity.nrn import parse
from tally.decrypt import decrypt_request
from tests.integration.conftest import NOW, Setup
from tests.web.test_api import API, ballot_bytes, credential_for, post
from tests.web.test_officials import PASSWORD, accounts, log_in, token  # noqa: F401

PAGE = "/officials/e/kortrijk-2019"


@pytest.fixture
def with_trustees() -> bool:
    return True


@pytest.fixture
def closed(app: Flask, client: FlaskClient, accounts: Setup) -> Setup:  # noqa: F811
    """Three voted online, two were marked for paper; a second official; closed early."""
    for name, answer in (("An", "yes"), ("Bram", "no"), ("Chantal", "yes")):
        assert post(app, f"{API}/cast", ballot_bytes(accounts, credential_for(app, accounts, name),
                                                     answer))[0] == 200  # fmt: skip
    for name in ("Ilse", "Jonas"):
        mark_paper(accounts.factory, accounts.keys, accounts.election_id,
                   parse(accounts.number(name)), NOW)  # fmt: skip
    with accounts.factory() as session, session.begin():
        add_official(session, "petra", PASSWORD, "official", NOW)
    log_in(client, "olaf")
    client.post(f"{PAGE}/close", data={"csrf_token": token(client, PAGE), "early": "1"})
    return accounts


def enter(client: FlaskClient, who: str, yes: int, no: int, blank: int = 0, box: str = "Stadhuis",
          password: str = PASSWORD, language: str = "en") -> str:  # fmt: skip
    client.post("/officials/logout", data={"csrf_token": token(client, PAGE)})
    log_in(client, who)
    client.post(f"{PAGE}/paper?lang={language}", data={
        "csrf_token": token(client, PAGE), "box": box, "ballots": str(yes + no + blank),
        "count-car-free-sunday-0": str(yes), "count-car-free-sunday-1": str(no),
        "count-car-free-sunday-2": str(blank), "password": password})  # fmt: skip
    page = client.get(f"{PAGE}?lang={language}").get_data(as_text=True)
    return " ".join(re.findall(r'<p class="(?:error|notice)" role="status">(.*?)</p>', page,
                               re.DOTALL))  # fmt: skip


def test_two_officials_enter_a_paper_box_the_second_blind(
    client: FlaskClient, closed: Setup
) -> None:
    said = enter(client, "olaf", 1, 1)
    assert "a second official must now enter it" in said
    waiting = client.get(PAGE).get_data(as_text=True)
    assert "waiting for a second official" in waiting
    assert 'value="1"' not in waiting  # the first official's numbers are not shown
    assert "a second, different official must enter it" in enter(client, "olaf", 1, 1)
    client.post(f"{PAGE}/paper", data={
        "csrf_token": token(client, PAGE), "box": "Markt", "ballots": "\u00b2",  # "²".isdigit()
        "count-car-free-sunday-0": "1", "count-car-free-sunday-1": "1",
        "count-car-free-sunday-2": "0", "password": PASSWORD})  # fmt: skip
    assert "Every count is a whole number" in client.get(PAGE).get_data(as_text=True)
    assert "wachtwoord klopt niet" in enter(client, "petra", 1, 1, password="x" * 20,
                                            language="nl")  # fmt: skip
    assert "differ from the first entry, which is withdrawn too" in enter(client, "petra", 2, 0)
    assert "would hold 3 ballots, but only 2 residents" in enter(client, "petra", 2, 1, box="Markt")
    assert "a second official must now enter it" in enter(client, "petra", 1, 1)  # anew
    assert "is confirmed by two officials" in enter(client, "olaf", 1, 1)
    assert "confirmed: 2 ballots" in client.get(PAGE).get_data(as_text=True)
    log = client.get(PAGE).get_data(as_text=True)
    assert "paper-box-mismatch" in log


def test_the_authority_signs_offline_and_the_signature_completes_the_bundle(
    app: Flask, client: FlaskClient, closed: Setup, tmp_path: Path
) -> None:
    request = json.loads(client.get(f"{PAGE}/tally-request.json").data)
    partials = [json.dumps(decrypt_request(s, request)).encode() for s in closed.shares[1:]]
    client.post(f"{PAGE}/tally", data={
        "csrf_token": token(client, PAGE), "signing": "offline",
        "partials": [(io.BytesIO(p), f"p{i}.json") for i, p in enumerate(partials)]})  # fmt: skip
    page = client.get(PAGE).get_data(as_text=True)
    assert "the authority now signs the bundle on its own machine" in page
    with closed.factory() as session:
        bodies = [json.loads(e)["body"] for e in log_entries(session, closed.election_id)]
    acted = {b["action"]: b["details"].get("by") for b in bodies}
    assert (acted["closed"], acted["tallied"]) == ("olaf", "olaf")  # who closed, who tallied
    assert app.test_client().get("/e/kortrijk-2019/bundle.zip").status_code == 404
    with client.get(f"{PAGE}/unsigned.zip") as unsigned:
        assert unsigned.status_code == 200
        data = unsigned.data
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert "signatures.json" not in z.namelist()
    copy = tmp_path / "unsigned.zip"  # on the authority's own machine
    copy.write_bytes(data)
    fingerprint, hashes = member_hashes(copy)
    mallory = nacl.signing.SigningKey.generate()
    forged = signature_document(fingerprint, {**hashes, "result.json": "0" * 64}, mallory)
    client.post(f"{PAGE}/signature", data={
        "csrf_token": token(client, PAGE),
        "signatures": (io.BytesIO(json.dumps(forged).encode()), "signatures.json")})  # fmt: skip
    assert "The signature was refused" in client.get(PAGE).get_data(as_text=True)
    authority = nacl.signing.SigningKey.generate()  # the demo manifest pins none
    good = signature_document(fingerprint, hashes, authority)
    client.post(f"{PAGE}/signature", data={
        "csrf_token": token(client, PAGE),
        "signatures": (io.BytesIO(json.dumps(good).encode()), "signatures.json")})  # fmt: skip
    signed = client.get(PAGE).get_data(as_text=True)
    assert "Signed: the bundle and the report are ready to publish." in signed
    assert hashlib.sha256(bytes(authority.verify_key)).hexdigest() in signed  # nothing pinned
    again = signature_document(fingerprint, hashes, nacl.signing.SigningKey.generate())
    client.post(f"{PAGE}/signature", data={
        "csrf_token": token(client, PAGE),
        "signatures": (io.BytesIO(json.dumps(again).encode()), "signatures.json")})  # fmt: skip
    assert "The bundle is signed already." in client.get(PAGE).get_data(as_text=True)
    client.post(f"{PAGE}/publish", data={"csrf_token": token(client, PAGE)})
    with app.test_client().get("/e/kortrijk-2019/bundle.zip") as bundle:
        assert bundle.status_code == 200
        assert verify_bundle(bundle.data).passed
