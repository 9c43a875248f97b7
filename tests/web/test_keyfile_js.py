"""The booth's key-file reader, under Node, with key files made by the Python kernel.

A resident who received the voting key in one browser loads the saved file in
another (web/static/booth/keyfile.js). The file comes from their disk: a
hostile one (huge, not JSON, of another election, tampered) is refused before the
booth uses it, with the kind of refusal the page words; a good one, in the booth's
own form or as `evote credential obtain` writes it, is accepted as the credential.
"""

from __future__ import annotations

import base64
import json
import subprocess
from typing import Any

import pytest

from ballots.booth import booth_parameters
from evoting.crypto.blind import BlindSigner, PublicKey
from evoting.crypto.canonical import b64decode, b64encode
from evoting.crypto.credential import Credential, CredentialRequest, verify_credential
from evoting.crypto.elgamal import KeyPair
from evoting.election import Manifest, load_manifest
from tests.web.test_booth_js import EXAMPLES, ROOT, _node

ELECTION = "kortrijk-2019"


def _credential(signer: BlindSigner, manifest: Manifest) -> Credential:
    request = CredentialRequest.start(signer.public_key, manifest.fingerprint)
    return request.finish(signer.public_key, signer.blind_sign(request.blinded_message))


def _read(params: dict[str, Any], files: dict[str, dict[str, Any]]) -> dict[str, Any]:
    document = {"params": params, "election": ELECTION, "files": files}
    run = subprocess.run(
        [_node(), "tests/web/keyfile-driver.mjs"], cwd=ROOT, input=json.dumps(document),
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    answer: dict[str, Any] = json.loads(run.stdout)
    return answer


def _changed(value: dict[str, str], field: str, flip: int = 0) -> dict[str, str]:
    raw = bytearray(b64decode(value[field]))
    raw[flip] ^= 1
    return {**value, field: b64encode(bytes(raw))}


@pytest.fixture(scope="module")
def outcome() -> dict[str, Any]:
    kortrijk = load_manifest(EXAMPLES / "kortrijk-2019.yaml")
    bevraging = load_manifest(EXAMPLES / "grote-bevraging.yaml")
    signer, other_signer = BlindSigner.generate(), BlindSigner.generate()
    params = booth_parameters(kortrijk, KeyPair.generate().public, signer.public_key)
    mine = _credential(signer, kortrijk).to_json()
    same_registrar_other_vote = _credential(signer, bevraging).to_json()
    other_registrar = _credential(other_signer, kortrijk).to_json()
    another_key = _credential(signer, kortrijk).to_json()
    text = json.dumps
    files: dict[str, dict[str, Any]] = {
        # good: as `evote credential obtain` writes it, and as the booth saves it
        "python": {"text": text(mine)},
        "booth": {"text": json.dumps({**mine, "election": ELECTION}, indent=2)},
        # another election's
        "named-other": {"text": text({**same_registrar_other_vote, "election": "grote-bevraging"})},
        "other-vote": {"text": text(same_registrar_other_vote)},
        "other-registrar": {"text": text(other_registrar)},
        "named-mine-but-other": {"text": text({**same_registrar_other_vote, "election": ELECTION})},
        # tampered
        "signature-flipped": {"text": text(_changed(mine, "signature", 100))},
        "prefix-flipped": {"text": text(_changed(mine, "prefix"))},
        "secret-flipped": {"text": text(_changed(mine, "secret_key"))},
        "someone-elses-signature": {"text": text({**mine, "signature": another_key["signature"]})},
        "short-signature": {"text": text({**mine, "signature": mine["signature"][:-4]})},
        "long-signature": {"text": text({**mine, "signature": mine["signature"] + "AAAA"})},
        "short-secret": {"text": text({**mine, "secret_key": mine["secret_key"][:-2]})},
        "padded-base64": {"text": text({**mine, "prefix": mine["prefix"] + "="})},
        "number-secret": {"text": text({**mine, "secret_key": 7})},
        "no-signature": {"text": text({k: v for k, v in mine.items() if k != "signature"})},
        "other-format": {"text": text({**mine, "format": "EVOTING-V2-credential"})},
        "inherited-format": {"text": '{"__proto__": {"format": "EVOTING-V1-credential"}}'},
        # not a key file at all
        "empty": {"text": ""},
        "not-json": {"text": "This is my voting key, honest."},
        "binary": {"base64": base64.b64encode(bytes(range(256))).decode()},
        "array": {"text": text([mine])},
        "null": {"text": "null"},
        "string": {"text": text(text(mine))},
        "nested": {"text": "[" * 8000 + "]" * 8000},
        "receipt": {"text": text({"tracking_code": "00" * 32, "position": 1, "head": {}})},
        "huge": {"size": 50 * 1024 * 1024, "unreadable": True},
        "just-too-big": {"text": json.dumps({**mine, "padding": "x" * 17000})},
    }
    found = _read(params, files)
    found["_mine"] = mine
    found["_params"] = params
    return found


def test_a_good_key_file_is_accepted_as_its_credential(outcome: dict[str, Any]) -> None:
    mine = outcome["_mine"]
    for name in ("python", "booth"):
        assert outcome[name] == {"credential": mine}, name  # nothing else carried over
    params = outcome["_params"]
    credential = Credential.from_json(outcome["booth"]["credential"])
    verify_credential(PublicKey.from_der(b64decode(params["credential_key"])),
                      b64decode(params["fingerprint"]), credential.public_key,
                      credential.prefix, credential.signature)  # fmt: skip


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("named-other", "other-election"),
        ("other-vote", "invalid"),
        ("other-registrar", "invalid"),
        ("named-mine-but-other", "invalid"),
        ("signature-flipped", "invalid"),
        ("prefix-flipped", "invalid"),
        ("secret-flipped", "invalid"),
        ("someone-elses-signature", "invalid"),
        ("short-signature", "invalid"),
        ("long-signature", "invalid"),
        ("short-secret", "not-key"),
        ("padded-base64", "not-key"),
        ("number-secret", "not-key"),
        ("no-signature", "not-key"),
        ("other-format", "not-key"),
        ("inherited-format", "not-key"),
        ("empty", "not-key"),
        ("not-json", "not-key"),
        ("binary", "not-key"),
        ("array", "not-key"),
        ("null", "not-key"),
        ("string", "not-key"),
        ("nested", "not-key"),
        ("receipt", "not-key"),
        ("huge", "not-key"),
        ("just-too-big", "not-key"),
    ],
)
def test_a_hostile_key_file_is_refused_by_kind(
    outcome: dict[str, Any], name: str, kind: str
) -> None:
    assert outcome[name] == {"kind": kind, "read": False}, name


def test_a_huge_file_is_refused_before_it_is_read(outcome: dict[str, Any]) -> None:
    assert outcome["huge"] == {"kind": "not-key", "read": False}
