"""The browser booth's JavaScript, run under Node: it speaks the protocol the server checks.

`tests/js/protocol.test.mjs` checks it against docs/protocol.md's vectors; here a
ballot it makes (credential by RFC 9474 blind signature, encryption, proofs,
signature) is checked by the Python kernel, and a tampered one is refused.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ballots.ballot import Ballot, BallotRejected, tracking_code_short, verify_ballot
from ballots.booth import booth_parameters
from ballots.spoil import verify_spoiled
from evoting.crypto.blind import BlindSigner
from evoting.crypto.canonical import b64decode, b64encode
from evoting.crypto.elgamal import DiscreteLogTable, KeyPair, decrypt
from evoting.election import Manifest, load_manifest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
NODE = shutil.which("node")


def _node() -> str:
    if NODE is None:
        pytest.fail("Node.js is needed for the booth's tests (./dev test installs it)")
    return NODE


def test_the_protocol_module_matches_the_test_vectors() -> None:
    run = subprocess.run(
        [_node(), "--test", "tests/js/protocol.test.mjs"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "# fail 0" in run.stdout


def test_the_vendored_bundle_is_what_the_pinned_packages_build() -> None:
    if shutil.which("npm") is None:
        pytest.fail("npm is needed to rebuild the booth's vendored bundle (./dev test installs it)")
    run = subprocess.run(
        ["bash", "booth-vendor/build.sh", "--check"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]


@pytest.fixture(scope="module")
def signer() -> BlindSigner:
    return BlindSigner.generate()


def _booth(
    manifest: Manifest, key: KeyPair, signer: BlindSigner, selections: dict[str, list[int]]
) -> dict[str, Any]:
    """One voter's device: blind, get it signed, finalize, encrypt, prove, sign."""
    params = booth_parameters(manifest, key.public, signer.public_key)
    driver = subprocess.Popen(
        [_node(), "tests/js/booth-driver.mjs"], cwd=ROOT, text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert driver.stdin is not None
    assert driver.stdout is not None
    driver.stdin.write(json.dumps({"params": params, "selections": selections}) + "\n")
    driver.stdin.flush()
    blinded = b64decode(json.loads(driver.stdout.readline())["blinded"])
    answer = {"blind_signature": b64encode(signer.blind_sign(blinded))}
    out, err = driver.communicate(json.dumps(answer) + "\n", timeout=120)
    assert driver.returncode == 0, err
    made: dict[str, Any] = json.loads(out)
    return made


@pytest.mark.parametrize(
    ("example", "selections"),
    [
        ("kortrijk-2019.yaml", {"car-free-sunday": [0, 1, 0]}),
        ("grote-bevraging.yaml", None),
    ],
)
def test_a_ballot_made_in_javascript_verifies_in_python(
    signer: BlindSigner, example: str, selections: dict[str, list[int]] | None
) -> None:
    from ballots.encoding import contests

    manifest = load_manifest(EXAMPLES / example)
    if selections is None:  # every statement: agree, disagree, no opinion in turn
        selections = {
            spec.label: [int(i % 3 == j) for j in range(3)]
            for i, spec in enumerate(contests(manifest))
        }
    key = KeyPair.generate()
    made = _booth(manifest, key, signer, selections)

    ballot = Ballot.from_json(made["ballot"])
    assert ballot.canonical().decode() == made["canonical"]  # one canonical form, both sides
    assert made["tracking_code"] == hashlib.sha256(ballot.canonical()).hexdigest()
    assert made["short"] == tracking_code_short(made["tracking_code"])
    verify_ballot(manifest, key.public, signer.public_key, ballot)
    table = DiscreteLogTable(1)
    for label, contest in ballot.contests:
        assert [decrypt(key.secret, ct, table) for ct in contest.ciphertexts] == selections[label]
    spoiled_ballot, revealed = verify_spoiled(manifest, key.public, made["spoiled"])
    assert spoiled_ballot == ballot
    assert revealed == selections


def _tampered(made: dict[str, Any], how: str) -> dict[str, Any]:
    """The ballot changed as ``how`` says, re-signed by its credential (but for "signature")."""
    import nacl.signing

    from evoting.crypto import signing

    changed: dict[str, Any] = json.loads(json.dumps(made["ballot"]))
    contest = changed["contests"][0]
    if how == "swap-ciphertexts":
        cts = contest["ciphertexts"]
        cts[0], cts[1] = cts[1], cts[0]
    elif how == "swap-challenges":
        proof = contest["selection_proofs"][0]
        proof["challenges"].reverse()
    elif how == "other-credential":
        changed["credential"]["public_key"] = b64encode(bytes(range(32)))
    if how != "signature":
        body = {k: v for k, v in changed.items() if k != "signature"}
        key = nacl.signing.SigningKey(b64decode(made["credential"]["secret_key"]))
        changed["signature"] = b64encode(signing.sign(key, "EVOTING-V1-ballot", body))
    else:
        changed["signature"] = b64encode(bytes(64))
    return changed


@pytest.mark.parametrize(
    ("how", "code"),
    [
        ("swap-ciphertexts", "proof"),
        ("swap-challenges", "proof"),
        ("signature", "signature"),
        ("other-credential", "credential"),
    ],
)
def test_a_tampered_javascript_ballot_is_refused(signer: BlindSigner, how: str, code: str) -> None:
    manifest = load_manifest(EXAMPLES / "kortrijk-2019.yaml")
    key = KeyPair.generate()
    made = _booth(manifest, key, signer, {"car-free-sunday": [1, 0, 0]})
    tampered = Ballot.from_json(_tampered(made, how))
    with pytest.raises(BallotRejected) as refused:
        verify_ballot(manifest, key.public, signer.public_key, tampered)
    assert refused.value.code == code
