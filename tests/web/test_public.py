"""The public pages: what to pin before the vote, from the draft on; spoiled ballots
shown as stored (never re-encrypted on a request), a page at a time."""

from __future__ import annotations

import hashlib
import json
import re

import nacl.signing
import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert

from ballots.ballot import encrypt_ballot, tracking_code_short
from ballots.spoil import spoiled_record
from evoting import schema
from evoting.crypto.canonical import b64encode, canonical_json
from evoting.election import Manifest, parse_manifest
from services.lifecycle import set_up_election
from tests.integration.conftest import EXAMPLES, NOW, Setup
from tests.web.test_api import credential_for

OTHER = (EXAMPLES / "kortrijk-2019.yaml").read_text().replace("id: kortrijk-2019", "id: other")


def _shown(page: str, element_id: str) -> str:
    """The text of the element with this id: a hash's groups joined (templates/_code.html)."""
    found = re.search(rf'id="{element_id}">(.*?)</dd>', page, re.DOTALL)
    assert found is not None, element_id
    return re.sub(r"<[^>]+>", "", found.group(1))


def _draft(setup: Setup, text: str = OTHER) -> Manifest:
    manifest = parse_manifest(yaml.safe_load(text))
    with setup.factory() as session, session.begin():
        set_up_election(session, manifest, setup.keys, NOW)
    return manifest


def test_a_draft_shows_what_to_pin_and_nothing_else(client: FlaskClient, setup: Setup) -> None:
    manifest = _draft(setup)
    page = client.get("/e/other").get_data(as_text=True)
    assert 'id="preparation"' in page
    assert _shown(page, "fingerprint") == manifest.fingerprint.hex()
    assert re.search(r'id="authority-key"><span class="notice">not pinned', page)
    assert (
        f"evote verify other-bundle.zip --fingerprint {manifest.fingerprint.hex()}</code>" in page
    )
    assert "compare them with the poll-card letter and the official report" in page
    assert 'href="/e/other/board"' not in page  # the nav offers no board or results yet
    downloaded = client.get("/e/other/manifest.json")
    assert downloaded.status_code == 200
    assert downloaded.mimetype == "application/json"
    assert downloaded.headers["Content-Disposition"] == "attachment; filename=other-manifest.json"
    assert downloaded.data == manifest.canonical()
    assert hashlib.sha256(downloaded.data).hexdigest() == manifest.fingerprint.hex()
    for hidden in ("/e/other/board", "/e/other/spoiled", "/e/other/spoiled.jsonl",
                   "/e/other/results", "/e/other/bundle.zip", "/e/other/login",
                   "/e/other/booth", "/api/e/other/booth", "/api/e/other/head"):  # fmt: skip
        assert client.get(hidden).status_code == 404, hidden
    index = client.get("/").get_data(as_text=True)
    assert re.search(r'href="/e/other">.*?</a></h2>\s*<p><strong class="tag">In preparation', index,
                     re.DOTALL)  # fmt: skip


def test_a_pinned_authority_key_is_shown_as_its_sha256(client: FlaskClient, setup: Setup) -> None:
    authority = bytes(nacl.signing.SigningKey.generate().verify_key)
    text = OTHER.replace("id: other", f"id: other\nauthority_key: {b64encode(authority)}")
    manifest = _draft(setup, text)
    digest = hashlib.sha256(authority).hexdigest()
    page = client.get("/e/other?lang=nl").get_data(as_text=True)
    assert _shown(page, "authority-key") == digest
    assert f"--fingerprint {manifest.fingerprint.hex()} --authority-key {digest}</code>" in page
    assert "Sleutel van de overheid (SHA-256)" in page
    assert "vergelijk ze met de oproepingsbrief en het officiële verslag" in page
    french = client.get("/e/other?lang=fr").get_data(as_text=True)
    assert "Empreinte du manifeste (SHA-256)" in french
    assert "<strong>En préparation</strong>" in french


def test_an_open_election_offers_its_manifest_too(client: FlaskClient, setup: Setup) -> None:
    page = client.get("/e/kortrijk-2019").get_data(as_text=True)
    assert _shown(page, "fingerprint") == setup.manifest.fingerprint.hex()
    assert 'id="preparation"' not in page
    assert client.get("/e/kortrijk-2019/manifest.json").data == setup.manifest.canonical()


def _spoil(app: Flask, setup: Setup, count: int) -> list[str]:
    """One real challenged ballot, stored ``count`` times under distinct tracking codes
    (the page reads what is stored; the ballot box checked it before storing it)."""
    credential = credential_for(app, setup, "An")
    ballot, secrets = encrypt_ballot(setup.manifest, setup.public_key, credential,
                                     {"car-free-sunday": "no"})  # fmt: skip
    record = canonical_json(spoiled_record(ballot, secrets)).decode()
    codes = [ballot.tracking_code] + [hashlib.sha256(b"%d" % i).hexdigest()
                                      for i in range(1, count)]  # fmt: skip
    rows = [{"election_id": "kortrijk-2019", "record": record, "tracking_code": code,
             "credential": credential.public_key.hex()} for code in codes]  # fmt: skip
    with setup.factory() as session, session.begin():
        session.execute(insert(schema.spoiled_ballots), rows)
    return codes


def test_spoiled_ballots_are_read_not_re_encrypted_and_come_a_page_at_a_time(
    app: Flask, client: FlaskClient, setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    codes = _spoil(app, setup, 120)

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("an anonymous request re-encrypts a spoiled ballot")

    monkeypatch.setattr("ballots.spoil.verify_spoiled", never)
    monkeypatch.setattr("ballots.spoil.encrypt_with", never)
    monkeypatch.setattr("evoting.crypto.elgamal.encrypt_with", never)
    first = client.get("/e/kortrijk-2019/spoiled").get_data(as_text=True)
    shown = re.findall(r'<strong class="code">([A-Z2-7-]+)</strong>', first)
    assert shown == [tracking_code_short(c) for c in reversed(codes[-50:])]  # newest first
    assert "120 opened ballot(s), newest first." in first
    assert "<dt>Should the city centre go car-free one Sunday a month?</dt><dd>No</dd>" in first
    assert 'href="?page=2">Older<' in first
    assert "Page 1 of 3" in first
    last = client.get("/e/kortrijk-2019/spoiled?page=3").get_data(as_text=True)
    assert re.findall(r'<strong class="code">([A-Z2-7-]+)</strong>', last) == [
        tracking_code_short(c) for c in reversed(codes[:20])]  # fmt: skip
    assert 'href="?page=2">Newer<' in last
    for odd in ("999", "-4", "abc", "1e9"):
        assert client.get(f"/e/kortrijk-2019/spoiled?page={odd}").status_code == 200
    found = client.get(f"/e/kortrijk-2019/spoiled?code={codes[0]}").get_data(as_text=True)
    assert re.findall(r'<strong class="code">([A-Z2-7-]+)</strong>', found) == [
        tracking_code_short(codes[0])]  # fmt: skip
    short = tracking_code_short(codes[7]).lower()
    by_short = client.get(f"/e/kortrijk-2019/spoiled?code={short}").get_data(as_text=True)
    assert tracking_code_short(codes[7]) in by_short
    none = client.get("/e/kortrijk-2019/spoiled?code=nothing-like-a-code").get_data(as_text=True)
    assert "No opened ballot has this tracking code." in none


def test_the_spoiled_download_holds_every_stored_record_in_order(
    app: Flask, client: FlaskClient, setup: Setup
) -> None:
    codes = _spoil(app, setup, 3)
    with client.get("/e/kortrijk-2019/spoiled.jsonl") as answer:
        lines = answer.get_data(as_text=True).splitlines()
        assert answer.mimetype == "application/x-ndjson"
    assert len(lines) == len(codes)
    assert json.loads(lines[0])["format"] == "EVOTING-V1-spoiled"


def test_the_board_finds_a_ballot_by_the_short_code_on_the_receipt(
    app: Flask, client: FlaskClient, setup: Setup
) -> None:
    from tests.web.test_api import API, ballot_bytes, post

    ballot = ballot_bytes(setup, credential_for(app, setup, "An"), "yes")
    status, receipt = post(app, f"{API}/cast", ballot)
    assert status == 200
    code = str(receipt["tracking_code"])
    for typed in (tracking_code_short(code), tracking_code_short(code).lower().replace("-", " "),
                  code.upper()):  # fmt: skip
        page = client.get("/e/kortrijk-2019/board", query_string={"code": typed})
        assert "Found: this ballot is on the board." in page.get_data(as_text=True), typed
    other = tracking_code_short("f" * 64)
    page = client.get("/e/kortrijk-2019/board", query_string={"code": other})
    assert "No ballot with this tracking code is on the board." in page.get_data(as_text=True)


def _fill_board(setup: Setup, count: int) -> list[str]:
    """``count`` board entries (stand-in ballots: the board page never reads them)."""
    from ballots import appender

    codes = [hashlib.sha256(b"entry %d" % n).hexdigest() for n in range(count)]
    with setup.factory() as session, session.begin():
        for n, code in enumerate(codes):
            appender.append(session, setup.election_id, "{}", code, f"{n:064x}")
    return codes


ENTRY_ROW = re.compile(r'<tr><td class="num">(\d+)</td><td class="code">([A-Z2-7-]+)</td>')


def test_the_board_page_shows_its_entries_a_page_at_a_time(
    client: FlaskClient, setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = client.get("/e/kortrijk-2019/board").get_data(as_text=True)
    assert "No ballot was cast yet." in empty
    assert 'rel="next"' not in empty
    codes = _fill_board(setup, 250)

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the board page reads the whole board")

    monkeypatch.setattr("ballots.board.entries", never)
    first = client.get("/e/kortrijk-2019/board").get_data(as_text=True)
    rows = ENTRY_ROW.findall(first)
    assert [int(p) for p, _ in rows] == list(range(1, 101))
    assert [s for _, s in rows] == [tracking_code_short(c) for c in codes[:100]]
    assert "Entries 1 to 100 of 250, in the order of the chain" in first
    assert 'rel="next" href="?after=100#entries"' in first
    assert 'href="?after=200#entries">Last<' in first
    assert 'rel="prev"' not in first
    middle = client.get("/e/kortrijk-2019/board?after=100").get_data(as_text=True)
    assert [int(p) for p, _ in ENTRY_ROW.findall(middle)] == list(range(101, 201))
    assert 'rel="prev" href="?after=0#entries"' in middle
    assert 'rel="next" href="?after=200#entries"' in middle
    last = client.get("/e/kortrijk-2019/board?after=200").get_data(as_text=True)
    assert [int(p) for p, _ in ENTRY_ROW.findall(last)] == list(range(201, 251))
    assert "Entries 201 to 250 of 250" in last
    assert 'rel="next"' not in last
    assert 'rel="prev" href="?after=100#entries"' in last
    odd = client.get("/e/kortrijk-2019/board?after=57").get_data(as_text=True)
    assert [int(p) for p, _ in ENTRY_ROW.findall(odd)] == list(range(58, 158))
    for bad in ("-5", "abc", "1e9", "", "٣", " 7", "0x10"):  # the first page, never a 500
        page = client.get("/e/kortrijk-2019/board", query_string={"after": bad})
        assert page.status_code == 200, bad
        assert ENTRY_ROW.findall(page.get_data(as_text=True))[0][0] == "1", bad
    for past in ("250", "251", "2147483648", "9" * 40, "9" * 5000):  # past the end
        assert client.get(f"/e/kortrijk-2019/board?after={past}").status_code == 404, past[:20]
    dutch = client.get("/e/kortrijk-2019/board?after=100&lang=nl").get_data(as_text=True)
    assert [int(p) for p, _ in ENTRY_ROW.findall(dutch)] == list(range(101, 201))


def test_the_board_page_finds_a_ballot_among_many_by_either_code(
    client: FlaskClient, setup: Setup
) -> None:
    codes = _fill_board(setup, 30)
    for typed in (codes[12], tracking_code_short(codes[12]).lower()):
        page = client.get("/e/kortrijk-2019/board", query_string={"code": typed})
        text = page.get_data(as_text=True)
        assert "Found: this ballot is on the board." in text, typed
        assert re.search(r"<dt>Place</dt><dd>13</dd>", text), typed
    for typed in (codes[12][:20], "not a code", tracking_code_short("0" * 64)):
        page = client.get("/e/kortrijk-2019/board", query_string={"code": typed})
        assert "No ballot with this tracking code is on the board." in page.get_data(as_text=True)


def test_the_api_finds_a_board_entry_by_code_prefix_or_short_code(
    client: FlaskClient, setup: Setup
) -> None:
    codes = _fill_board(setup, 30)
    short = tracking_code_short(codes[4])
    for typed in (codes[4], codes[4].upper(), codes[4][:16], short, short.lower(),
                  short.replace("-", "")):  # fmt: skip
        answer = client.get(f"/api/e/kortrijk-2019/board/{typed}")
        assert answer.status_code == 200, typed
        assert answer.get_json()["position"] == 5, typed
    for typed in (codes[4][:15], "zzzz", tracking_code_short("0" * 64)):
        assert client.get(f"/api/e/kortrijk-2019/board/{typed}").status_code == 404, typed
