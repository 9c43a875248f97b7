"""Ed25519 signatures over canonical JSON, with a domain tag per purpose.

The signed message is ``lp(purpose) || canonical_json(payload)`` (docs/protocol.md,
"Signatures"), so a signature made for one purpose (a board head, say) never
verifies as another (an audit-log entry).
"""

from __future__ import annotations

import nacl.exceptions
import nacl.signing

from .canonical import JSONValue, canonical_json
from .errors import InvalidEncoding, InvalidSignature
from .group import lp

SIGNATURE_BYTES = 64


def signed_message(purpose: str, payload: JSONValue) -> bytes:
    if not purpose.startswith("EVOTING-V1-"):
        raise ValueError("signature purposes are tags starting with EVOTING-V1-")
    return lp(purpose.encode("ascii")) + canonical_json(payload)


def sign(key: nacl.signing.SigningKey, purpose: str, payload: JSONValue) -> bytes:
    """The 64-byte Ed25519 signature of ``payload`` for ``purpose``."""
    return bytes(key.sign(signed_message(purpose, payload)).signature)


def verify_key_from_bytes(data: bytes) -> nacl.signing.VerifyKey:
    if not isinstance(data, bytes) or len(data) != 32:
        raise InvalidEncoding("an Ed25519 public key is exactly 32 bytes")
    return nacl.signing.VerifyKey(data)


def verify(key: nacl.signing.VerifyKey, purpose: str, payload: JSONValue, signature: bytes) -> None:
    """Return if the signature holds, else raise `InvalidSignature`."""
    if not isinstance(signature, bytes) or len(signature) != SIGNATURE_BYTES:
        raise InvalidSignature("an Ed25519 signature is exactly 64 bytes")
    try:
        key.verify(signed_message(purpose, payload), signature)
    except nacl.exceptions.BadSignatureError as exc:
        raise InvalidSignature(f"signature does not verify for {purpose}") from exc
