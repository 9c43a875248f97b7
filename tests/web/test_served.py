"""A deployment served by the installed `evote serve`, from a directory of its own.

`evote demo` and `evote serve` default to relative paths (``./instance``,
``./evoting.sqlite3``); these tests run them that way, in a temporary working
directory, through a real socket: what the Flask test client cannot reproduce.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from audit.verify import verify_bundle
from ballots.ballot import encrypt_ballot
from cli.demo import OFFICIAL, PASSPHRASE, PASSWORD
from evoting.crypto.blind import PublicKey
from evoting.crypto.canonical import b64decode, b64encode
from evoting.crypto.credential import CredentialRequest
from evoting.crypto.group import Point
from evoting.election import load_manifest
from tests.web.real_server import Client, evote, served

ELECTION = "demo-kortrijk"
VOTER = re.compile(r"^  (\d\d\.\d\d\.\d\d-\d{3}\.\d\d)  (\S+)  .+ \(may vote\)$", re.MULTILINE)


def _vote(address: str, number: str, code: str, manifest_path: Path) -> dict[str, object]:
    """A resident logs in, gets a voting key and casts, as the booth does (in Python);
    the ballot box's receipt."""
    resident = Client(address)
    login = f"/e/{ELECTION}/login"
    resident.post_form(login, {"register_number": number, "code": code})
    found = re.search(r'data-ticket="([^"]+)"', resident.get(f"/e/{ELECTION}/booth").text)
    assert found is not None, "the login gave a ticket"
    params = json.loads(resident.get(f"/api/e/{ELECTION}/booth").body)
    manifest = load_manifest(manifest_path)
    key = PublicKey.from_der(b64decode(params["credential_key"]))
    request = CredentialRequest.start(key, manifest.fingerprint)
    asked = {"ticket": found.group(1), "blinded": b64encode(request.blinded_message)}
    signed = resident.post_json(f"/api/e/{ELECTION}/credential", json.dumps(asked).encode())
    assert signed.status == 200, signed.text
    credential = request.finish(key, b64decode(json.loads(signed.body)["blind_signature"]))
    election_key = Point.from_bytes(b64decode(params["election_key"]))
    ballot, _ = encrypt_ballot(manifest, election_key, credential, {"car-free-sunday": "yes"})
    cast = resident.post_json(f"/api/e/{ELECTION}/cast", ballot.canonical())
    assert cast.status == 200, cast.text
    receipt: dict[str, object] = json.loads(cast.body)
    return receipt


def test_the_published_bundle_and_report_download_from_a_server_run_in_its_directory(
    tmp_path: Path,
) -> None:
    printed = evote(tmp_path, "demo", "--dir", "demo", "--no-serve")
    number, code = VOTER.findall(printed)[0]
    relative = ("--db", "sqlite:///demo/evoting.sqlite3", "--instance", "demo/instance")
    with served(tmp_path, *relative) as address:
        receipt = _vote(address, number, code, tmp_path / "demo" / f"{ELECTION}.yaml")
        # saved as the booth saves it (booth.js receiptLink): the three fields, pretty-printed
        saved = {k: receipt[k] for k in ("tracking_code", "position", "head")}
        (tmp_path / "receipt.json").write_text(json.dumps(saved, indent=2), encoding="utf-8")

        official = Client(address)
        official.post_form("/officials/login", {"username": OFFICIAL, "password": PASSWORD})
        page = f"/officials/e/{ELECTION}"
        official.post_form(f"{page}/close", {"early": "1"}, form_on=page)
        board = official.get(f"{page}/board.zip")
        assert board.status == 200
        (tmp_path / "board.zip").write_bytes(board.body)
        for i in (1, 3):  # two of the three trustees, each with their own key-share file
            evote(tmp_path, "trustee", "decrypt", "--share", f"demo/trustees/trustee-{i}.share",
                  "--board", "board.zip", "--out", f"partial-{i}.json", "--yes",
                  extra={"EVOTING_PASSPHRASE": PASSPHRASE})  # fmt: skip
        files = [("partials", f"partial-{i}.json", (tmp_path / f"partial-{i}.json").read_bytes())
                 for i in (1, 3)]  # fmt: skip
        files.append(
            ("authority_key", "authority.key", (tmp_path / "demo/authority.key").read_bytes())
        )
        tallied = official.post_form(f"{page}/tally", {"passphrase": PASSPHRASE, "signing": "here"},
                                     form_on=page, files=files)  # fmt: skip
        assert "the bundle and the report are ready to publish" in tallied.text, tallied.text
        official.post_form(f"{page}/publish", {}, form_on=page)

        public = Client(address)
        assert "Download the result bundle" in public.get(f"/e/{ELECTION}/results").text
        bundle = public.get(f"/e/{ELECTION}/bundle.zip")
        assert bundle.status == 200, bundle.text
        assert bundle.headers["Content-Disposition"].endswith(f"{ELECTION}-bundle.zip")
        assert verify_bundle(bundle.body).passed
        (tmp_path / "bundle.zip").write_bytes(bundle.body)
        checked = evote(tmp_path, "verify", "bundle.zip", "--receipt", "receipt.json",
                        "--workers", "1")  # fmt: skip
        assert "PASS" in checked, checked
        assert "is on the final board at position 1" in checked, checked  # the receipt counted
        report = public.get(f"/e/{ELECTION}/report.pdf")
        assert report.status == 200
        assert report.body.startswith(b"%PDF")
