"""The authority signs the result bundle on its own machine: the server never holds its key.

The server writes the unsigned bundle; `evote authority sign` verifies it and
writes signatures.json; attaching that gives a bundle that verifies, with the
very bytes a one-step signed bundle has. A signature for other members, by
another key than the pinned one, or over a changed member is refused.
"""

from __future__ import annotations

import dataclasses
import zipfile
from pathlib import Path

import nacl.signing
import pytest

from audit.bundle import (
    MEMBERS,
    SignatureRefused,
    attach_signature,
    json_member,
    member_hashes,
    signature_document,
    write_bundle,
    write_unsigned,
)
from audit.verify import verify_file
from evoting.crypto.keyfile import write_key_file
from evoting.election import load_manifest
from tests.integration.test_cli_identity import Invoker
from tests.integration.test_cli_referendum import run_to_the_close

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PASSPHRASE = "correct horse battery staple"  # as run_to_the_close sets it


def _contents(authority: bytes | None) -> tuple[bytes, dict[str, bytes]]:
    manifest = load_manifest(EXAMPLES / "kortrijk-2019.yaml")
    if authority is not None:
        manifest = dataclasses.replace(manifest, authority_key=authority)
    contents = {name: json_member({"member": name}) for name in MEMBERS}
    contents["manifest.json"] = json_member(manifest.to_json())
    return manifest.fingerprint, contents


def test_attaching_the_signature_gives_the_one_step_bundles_bytes(tmp_path: Path) -> None:
    key = nacl.signing.SigningKey.generate()
    fingerprint, contents = _contents(bytes(key.verify_key))
    write_bundle(tmp_path / "direct.zip", fingerprint, contents, key)
    write_unsigned(tmp_path / "unsigned.zip", contents)
    with zipfile.ZipFile(tmp_path / "unsigned.zip") as z:
        assert "signatures.json" not in z.namelist()
    got_fingerprint, hashes = member_hashes(tmp_path / "unsigned.zip")
    assert got_fingerprint == fingerprint
    document = signature_document(fingerprint, hashes, key)
    attach_signature(tmp_path / "unsigned.zip", document, tmp_path / "attached.zip")
    assert (tmp_path / "attached.zip").read_bytes() == (tmp_path / "direct.zip").read_bytes()


def test_a_signature_that_does_not_sign_this_bundle_is_refused(tmp_path: Path) -> None:
    key, mallory = nacl.signing.SigningKey.generate(), nacl.signing.SigningKey.generate()
    fingerprint, contents = _contents(bytes(key.verify_key))
    unsigned = tmp_path / "unsigned.zip"
    write_unsigned(unsigned, contents)
    _, hashes = member_hashes(unsigned)
    cases = {
        "signed by another key than the manifest's": signature_document(fingerprint, hashes,
                                                                          mallory),
        "signs other members": signature_document(
            fingerprint, {**hashes, "result.json": "0" * 64}, key),
        "does not verify": {**signature_document(fingerprint, hashes, key),
                            "signature": signature_document(b"x" * 32, hashes, key)["signature"]},
        "not a signatures.json": {"authority": 7},
    }  # fmt: skip
    for reason, document in cases.items():
        with pytest.raises(SignatureRefused, match=reason.split(" ")[0]):
            attach_signature(unsigned, document, tmp_path / "out.zip")
        assert not (tmp_path / "out.zip").exists()
    with zipfile.ZipFile(tmp_path / "extra.zip", "w") as z:
        for name in (*MEMBERS, "notes.txt"):
            z.writestr(name, b"{}")
    with pytest.raises(SignatureRefused, match="not an unsigned bundle"):
        member_hashes(tmp_path / "extra.zip")


def test_the_authority_signs_on_its_own_machine_only_what_verifies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real election: the officials tally --unsigned; the authority signs; attach; PASS."""
    run = Invoker(tmp_path)
    run_to_the_close(run, tmp_path, monkeypatch)
    key_file = str(tmp_path / "authority.key")
    partials = [str(tmp_path / f"partial{i}.json") for i in (2, 3)]
    unsigned, signatures, bundle = (tmp_path / n for n in ("u.zip", "sig.json", "b.zip"))
    tallied = run("tally", "kortrijk-2019", *partials, "--unsigned", "--out", str(unsigned))
    assert tallied.exit_code == 0, tallied.output
    assert "evote authority sign" in tallied.output
    asked = run("authority", "sign", str(unsigned), "--key", key_file, "--out", str(signatures),
                input="n\n")  # fmt: skip
    assert asked.exit_code == 1
    assert "the unsigned bundle verifies" in asked.output
    assert not signatures.exists()
    wrong = run("authority", "sign", str(unsigned), "--key", key_file, "--out", str(signatures),
                "--fingerprint", "ab" * 32, "--yes")  # fmt: skip
    assert wrong.exit_code == 1
    assert "not the pinned" in wrong.output
    assert not signatures.exists()
    signed = run("authority", "sign", str(unsigned), "--key", key_file, "--out", str(signatures),
                 "--yes")  # fmt: skip
    assert signed.exit_code == 0, signed.output
    for shown in ("election key  ", "board key     ", "car-free-sunday: {'blank': 1, 'no': 1, "
                  "'yes': 2} → yes (advisory)"):  # fmt: skip
        assert shown in signed.output, signed.output
    attached = run("authority", "attach", str(unsigned), str(signatures), "--out", str(bundle))
    assert attached.exit_code == 0, attached.output
    assert verify_file(bundle).passed
    other = tmp_path / "other.key"
    write_key_file(other, "authority", bytes(nacl.signing.SigningKey.generate()), PASSPHRASE,
                   strength="interactive")  # fmt: skip
    refused = run("authority", "sign", str(unsigned), "--key", str(other), "--out",
                  str(tmp_path / "other.json"), "--yes")  # fmt: skip
    assert refused.exit_code == 1
    assert "refused, not signed" in refused.output
    assert "another key than the manifest's authority key" in refused.output
    assert not (tmp_path / "other.json").exists()
