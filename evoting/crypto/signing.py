"""Ed25519 signatures over canonical JSON, with a domain tag per purpose.

The signed message is ``lp(purpose) || canonical_json(payload)`` (docs/protocol.md,
"Signatures"), so a signature made for one purpose (a board head, say) never
verifies as another (an audit-log entry).
"""

from __future__ import annotations

from typing import Any

import nacl.exceptions
import nacl.signing

from .canonical import JSONValue, b64decode, b64encode, canonical_json, parse_canonical
from .errors import CanonicalEncodingError, InvalidEncoding, InvalidSignature
from .group import lp

SIGNATURE_BYTES = 64


def signed_message(purpose: str, payload: JSONValue) -> bytes:
    return signed_bytes(purpose, canonical_json(payload))


def signed_bytes(purpose: str, canonical: bytes) -> bytes:
    """`signed_message` for a payload already in canonical form (``canonical``)."""
    if not purpose.startswith("EVOTING-V1-"):
        raise ValueError("signature purposes are tags starting with EVOTING-V1-")
    return lp(purpose.encode("ascii")) + canonical


def verify_bytes(
    key: nacl.signing.VerifyKey, purpose: str, message: bytes, signature: bytes
) -> None:
    """`verify` for a message made by `signed_bytes` (for ``purpose``)."""
    if not isinstance(signature, bytes) or len(signature) != SIGNATURE_BYTES:
        raise InvalidSignature("an Ed25519 signature is exactly 64 bytes")
    try:
        key.verify(message, signature)
    except nacl.exceptions.BadSignatureError as exc:
        raise InvalidSignature(f"signature does not verify for {purpose}") from exc


def sign(key: nacl.signing.SigningKey, purpose: str, payload: JSONValue) -> bytes:
    """The 64-byte Ed25519 signature of ``payload`` for ``purpose``."""
    return bytes(key.sign(signed_message(purpose, payload)).signature)


def verify_key_from_bytes(data: bytes) -> nacl.signing.VerifyKey:
    if not isinstance(data, bytes) or len(data) != 32:
        raise InvalidEncoding("an Ed25519 public key is exactly 32 bytes")
    return nacl.signing.VerifyKey(data)


def verify(key: nacl.signing.VerifyKey, purpose: str, payload: JSONValue, signature: bytes) -> None:
    """Return if the signature holds, else raise `InvalidSignature`."""
    verify_bytes(key, purpose, signed_message(purpose, payload), signature)


def sign_document(key: nacl.signing.SigningKey, purpose: str, body: JSONValue) -> dict[str, object]:
    """A self-describing signed document: ``{"purpose", "body", "signer", "signature"}``.

    The body is returned in its wire form (bytes as base64url text), exactly as a
    reader of the JSON will see it.
    """
    wire_body: object = parse_canonical(canonical_json(body))
    return {
        "purpose": purpose,
        "body": wire_body,
        "signer": b64encode(bytes(key.verify_key)),
        "signature": b64encode(sign(key, purpose, body)),
    }


def open_document(
    document: object, purpose: str, signer: bytes | None = None
) -> tuple[dict[str, Any], bytes]:
    """Check a signed document; returns its body and the signer's public key.

    With ``signer``, the document must be signed by exactly that key.
    """
    if not isinstance(document, dict) or set(document) != {
        "purpose", "body", "signer", "signature",
    }:  # fmt: skip
        raise InvalidEncoding("a signed document has purpose, body, signer and signature")
    if document["purpose"] != purpose:
        raise InvalidSignature(f"expected a {purpose} document, got {document['purpose']!r}")
    body = document["body"]
    if not isinstance(body, dict):
        raise InvalidEncoding("the body of a signed document is an object")
    try:
        key = b64decode(document["signer"])
        signature = b64decode(document["signature"])
    except CanonicalEncodingError as exc:
        raise InvalidEncoding(f"signed document: {exc}") from exc
    if signer is not None and key != signer:
        raise InvalidSignature(f"the {purpose} document is not signed by the expected key")
    verify(verify_key_from_bytes(key), purpose, body, signature)
    return body, key
