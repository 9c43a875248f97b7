"""The voting credential: an Ed25519 key the election's registrar signed blind.

The voter's device makes the key pair. Its public key, bound to the election, is
the message

    M = "EVOTING-V1-credential" || fingerprint (32 bytes) || credential public key (32 bytes)

which the device blinds (`CredentialRequest`), the registrar signs blind, and the
device finalizes (evoting/crypto/blind.py, RFC 9474). The registrar sees only the
blinded message: when the credential later signs a ballot, nobody (the registrar
included) can tell to whom it was issued. Anyone with the election's RSA public
key checks a credential with `verify_credential`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import nacl.signing

from .blind import PREFIX_LEN, PublicKey, blind, finalize, prepare
from .canonical import b64decode, b64encode
from .errors import CanonicalEncodingError, InvalidEncoding, InvalidSignature

CREDENTIAL_TAG: Final = b"EVOTING-V1-credential"


def credential_message(fingerprint: bytes, credential_public_key: bytes) -> bytes:
    if len(fingerprint) != 32 or len(credential_public_key) != 32:
        raise InvalidEncoding("fingerprint and credential key are 32 bytes each")
    return CREDENTIAL_TAG + fingerprint + credential_public_key


@dataclass(frozen=True, slots=True)
class Credential:
    """A voter's credential: the Ed25519 key (secret) and the election's signature on it.

    ``prefix`` and ``signature`` travel with every ballot; anyone with the election's
    public key checks them with `verify_credential`.
    """

    signing_key: nacl.signing.SigningKey
    prefix: bytes
    signature: bytes

    @property
    def public_key(self) -> bytes:
        return bytes(self.signing_key.verify_key)

    def __repr__(self) -> str:
        return f"Credential(public_key={self.public_key.hex()[:16]}…, <secret>)"

    def to_json(self) -> dict[str, str]:
        """For the voter's own storage (a file or the browser): holds the secret key."""
        return {
            "format": "EVOTING-V1-credential",
            "secret_key": b64encode(bytes(self.signing_key)),
            "prefix": b64encode(self.prefix),
            "signature": b64encode(self.signature),
        }

    @classmethod
    def from_json(cls, value: object) -> Credential:
        if not isinstance(value, dict) or value.get("format") != "EVOTING-V1-credential":
            raise InvalidEncoding("not a credential")
        try:
            seed = b64decode(value["secret_key"])
            prefix, signature = b64decode(value["prefix"]), b64decode(value["signature"])
        except (KeyError, CanonicalEncodingError) as exc:
            raise InvalidEncoding(f"damaged credential: {exc}") from exc
        if len(seed) != 32 or len(prefix) != PREFIX_LEN:
            raise InvalidEncoding("damaged credential: wrong key or prefix length")
        return cls(nacl.signing.SigningKey(seed), prefix, signature)


def verify_credential(
    public_key: PublicKey,
    fingerprint: bytes,
    credential_public_key: bytes,
    prefix: bytes,
    signature: bytes,
) -> None:
    """Raise `InvalidSignature` unless this election's registrar signed this credential."""
    if len(prefix) != PREFIX_LEN:
        raise InvalidSignature("the credential prefix has the wrong length")
    public_key.verify(prefix + credential_message(fingerprint, credential_public_key), signature)


@dataclass(frozen=True, slots=True)
class CredentialRequest:
    """The voter's device between blinding and finalizing (holds secrets)."""

    signing_key: nacl.signing.SigningKey
    prepared_message: bytes
    blinded_message: bytes
    inverse: bytes

    def __repr__(self) -> str:
        return "CredentialRequest(<secret>)"

    @classmethod
    def start(cls, public_key: PublicKey, fingerprint: bytes) -> CredentialRequest:
        """Make the credential key, then prepare and blind its message."""
        signing_key = nacl.signing.SigningKey.generate()
        prepared = prepare(credential_message(fingerprint, bytes(signing_key.verify_key)))
        blinded, inverse = blind(public_key, prepared)
        return cls(signing_key, prepared, blinded, inverse)

    def finish(self, public_key: PublicKey, blind_signature: bytes) -> Credential:
        signature = finalize(public_key, self.prepared_message, blind_signature, self.inverse)
        return Credential(self.signing_key, self.prepared_message[:PREFIX_LEN], signature)
