"""Ed25519: RFC 8032 vectors through PyNaCl, and our domain-tagged signatures."""

from __future__ import annotations

import nacl.signing
import pytest

from evoting.crypto.errors import InvalidEncoding, InvalidSignature
from evoting.crypto.signing import sign, signed_message, verify, verify_key_from_bytes
from tests.support import vectors


@pytest.mark.parametrize("v", vectors.ed25519_rfc8032(), ids=lambda v: v.name)
def test_rfc8032_vectors(v: vectors.Ed25519Vector) -> None:
    key = nacl.signing.SigningKey(v.seed)
    assert bytes(key.verify_key) == v.public
    assert key.sign(v.message).signature == v.signature
    nacl.signing.VerifyKey(v.public).verify(v.message, v.signature)


PURPOSE = "EVOTING-V1-board-head"
PAYLOAD = {"position": 7, "head": b"\x01" * 32}


def test_sign_and_verify() -> None:
    key = nacl.signing.SigningKey.generate()
    signature = sign(key, PURPOSE, PAYLOAD)
    verify(key.verify_key, PURPOSE, PAYLOAD, signature)
    assert signed_message(PURPOSE, PAYLOAD).startswith(len(PURPOSE).to_bytes(8, "little"))


@pytest.mark.parametrize("what", ["purpose", "payload", "key", "signature"])
def test_anything_changed_fails(what: str) -> None:
    key = nacl.signing.SigningKey.generate()
    signature = sign(key, PURPOSE, PAYLOAD)
    purpose, payload, verify_key = PURPOSE, dict(PAYLOAD), key.verify_key
    if what == "purpose":
        purpose = "EVOTING-V1-audit-entry"
    elif what == "payload":
        payload["position"] = 8
    elif what == "key":
        verify_key = nacl.signing.SigningKey.generate().verify_key
    else:
        signature = bytes([signature[0] ^ 1]) + signature[1:]
    with pytest.raises(InvalidSignature):
        verify(verify_key, purpose, payload, signature)


def test_malformed_inputs() -> None:
    key = nacl.signing.SigningKey.generate()
    with pytest.raises(InvalidSignature, match="64 bytes"):
        verify(key.verify_key, PURPOSE, PAYLOAD, b"short")
    with pytest.raises(InvalidEncoding):
        verify_key_from_bytes(b"x" * 31)
    with pytest.raises(ValueError, match="EVOTING-V1-"):
        sign(key, "board-head", PAYLOAD)
