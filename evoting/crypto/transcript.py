"""Strong Fiat-Shamir: what every challenge of the protocol hashes.

A challenge is ``hash_to_scalar(tag, fingerprint, context, statement..., commitments...)``
(docs/protocol.md, "Transcripts"). The tag names the proof and the protocol
version; the fingerprint is the SHA-256 of the election manifest; the context
names who proves (the credential public key of a ballot, a trustee's index).
A proof therefore verifies only for the election, the prover and the statement
it was made for: copied into another ballot, it fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from .group import Scalar, hash_to_scalar

TAG_SCHNORR: Final = b"EVOTING-V1-schnorr"
TAG_CHAUM_PEDERSEN: Final = b"EVOTING-V1-chaum-pedersen"
TAG_IN_SET: Final = b"EVOTING-V1-in-set"
TAG_SUM_IN_RANGE: Final = b"EVOTING-V1-sum-in-range"
TAG_RANGE_BIT: Final = b"EVOTING-V1-range-bit"


@dataclass(frozen=True, slots=True)
class Binding:
    """The election fingerprint and the prover's context every proof is bound to."""

    fingerprint: bytes
    context: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.fingerprint, bytes) or len(self.fingerprint) != 32:
            raise ValueError("the election fingerprint is a 32-byte SHA-256 digest")
        if not isinstance(self.context, bytes):
            raise TypeError("the proof context is bytes")

    def challenge(self, tag: bytes, *parts: bytes) -> Scalar:
        return hash_to_scalar(tag, self.fingerprint, self.context, *parts)
