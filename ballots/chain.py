"""The bulletin board's chain: entry hashes and signed heads (pure; ballots/board.py stores it).

Entry n holds its position, the ballot, the hash of entry n − 1 and its own hash

    entry_hash(n) = SHA-256(canonical_json({"ballot": tracking code, "position": n,
                                            "previous": entry_hash(n − 1)}))

starting from ``entry_hash(0) = SHA-256(canonical_json({"election": b64(fingerprint),
"format": "EVOTING-V1-board"}))``. A **head** is (position, entry hash, final),
signed by the board's Ed25519 key (purpose ``EVOTING-V1-board-head``): on every
receipt, and once more, final, when the vote closes. A dropped, changed or
reordered entry breaks the chain; a board cut short contradicts a signed head.

The board holds no identity data and no time.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import nacl.signing

from evoting.crypto import signing
from evoting.crypto.canonical import b64decode, b64encode, canonical_json
from evoting.crypto.errors import CanonicalEncodingError, InvalidEncoding

HEAD_PURPOSE = "EVOTING-V1-board-head"


def genesis_hash(fingerprint: bytes) -> str:
    return hashlib.sha256(
        canonical_json({"format": "EVOTING-V1-board", "election": fingerprint})
    ).hexdigest()


def entry_hash(position: int, previous_hash: str, tracking_code: str) -> str:
    return hashlib.sha256(
        canonical_json({"position": position, "previous": previous_hash, "ballot": tracking_code})
    ).hexdigest()


@dataclass(frozen=True, slots=True)
class SignedHead:
    fingerprint: bytes
    position: int
    entry_hash: str
    final: bool
    signature: bytes

    def payload(self) -> dict[str, object]:
        return {
            "election": self.fingerprint,
            "position": self.position,
            "head": self.entry_hash,
            "final": self.final,
        }

    def to_json(self) -> dict[str, object]:
        return {
            "election": b64encode(self.fingerprint),
            "position": self.position,
            "head": self.entry_hash,
            "final": self.final,
            "signature": b64encode(self.signature),
        }

    @classmethod
    def from_json(cls, value: object) -> SignedHead:
        try:
            if not isinstance(value, dict) or set(value) != {
                "election", "position", "head", "final", "signature",
            }:  # fmt: skip
                raise InvalidEncoding(
                    "a signed head has election, position, head, final, signature"
                )
            position, head, final = value["position"], value["head"], value["final"]
            if isinstance(position, bool) or not isinstance(position, int) or position < 0:
                raise InvalidEncoding("position: a whole number")
            if not isinstance(head, str) or len(head) != 64:
                raise InvalidEncoding("head: 64 hex digits")
            if not isinstance(final, bool):
                raise InvalidEncoding("final: true or false")
            return cls(b64decode(value["election"]), position, head, final,
                       b64decode(value["signature"]))  # fmt: skip
        except CanonicalEncodingError as exc:
            raise InvalidEncoding(f"signed head: {exc}") from exc

    def verify(self, board_key: nacl.signing.VerifyKey) -> None:
        """Raise `InvalidSignature` unless the board key signed this head."""
        signing.verify(board_key, HEAD_PURPOSE, self.payload(), self.signature)


def sign_head(
    key: nacl.signing.SigningKey, fingerprint: bytes, position: int, head: str, *, final: bool
) -> SignedHead:
    unsigned = SignedHead(fingerprint, position, head, final, b"")
    return SignedHead(fingerprint, position, head, final,
                      signing.sign(key, HEAD_PURPOSE, unsigned.payload()))  # fmt: skip


@dataclass(frozen=True, slots=True)
class BoardEntry:
    position: int
    ballot: str  # canonical JSON
    tracking_code: str
    credential: str
    previous_hash: str
    entry_hash: str

    def to_json(self) -> dict[str, object]:
        """One line of board.jsonl."""
        return {
            "position": self.position,
            "ballot": self.ballot,
            "tracking_code": self.tracking_code,
            "previous": self.previous_hash,
            "entry_hash": self.entry_hash,
        }
