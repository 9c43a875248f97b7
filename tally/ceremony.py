"""The trustees' key ceremony, as files passed between the trustees and the officials.

Each trustee works on their own machine with `evote trustee ...` (docs/cli.md):

1. **keygen**: an Ed25519 signing key and an X25519 box key, sealed in the
   trustee's key file (passphrase), and a self-signed *public record*.
2. The officials add every record and hand out the **roster** (all n records).
3. **deal**: the trustee's dealer message (Feldman commitments, proof of
   knowledge, one share sealed to each trustee; evoting.crypto.threshold), signed.
4. The officials check and collect the n deals and hand them out.
5. **receive**: the trustee opens and checks the share from every qualified
   dealer, keeps its key share (a second key file) and signs an *acknowledgement*:
   the election key K, its own verification key and the election's **board key**
   (the Ed25519 key that signs the bulletin board's heads, published when the
   election was created), or its complaints. Pinning the board key here, before
   the vote, is what lets a trustee later refuse to decrypt anything but the
   totals of the board that key closed (tally/decrypt.py `check_request`).
6. The officials **finish**: every acknowledgement agrees on K and on the
   verification keys computed from the commitments; K becomes the election key.

A complaint names a dealer; the ceremony is then finished without that dealer
(``exclude``), every trustee receiving again from the remaining qualified dealers.

This module needs no database (the verifier uses it); the officials' side, which
stores what trustees send, is tally/officials.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import nacl.exceptions
import nacl.public
import nacl.signing

from evoting.crypto import signing
from evoting.crypto.canonical import b64decode, canonical_json, parse_canonical
from evoting.crypto.errors import CanonicalEncodingError, CryptoError, ShareVerificationError
from evoting.crypto.group import Point, Scalar, base_mul
from evoting.crypto.threshold import (
    CeremonyParameters,
    DealerMessage,
    check_dealer_message,
    combine_shares,
    deal,
    joint_public_key,
    receive_share,
    verification_key,
)
from evoting.election import Manifest

RECORD = "EVOTING-V1-trustee-record"
DEAL = "EVOTING-V1-dealer-message"
ACK = "EVOTING-V1-ceremony-ack"


class CeremonyError(Exception):
    """A ceremony step that cannot go on; the message says what and who."""


def params(manifest: Manifest) -> CeremonyParameters:
    return CeremonyParameters(manifest.trustees.n, manifest.trustees.k)


# --- the trustee's side (no database) ------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrusteeKeys:
    """What a trustee's key file holds: their index, names and secret keys."""

    fingerprint: bytes
    election_id: str
    index: int
    name: str
    signing_key: nacl.signing.SigningKey
    box_key: nacl.public.PrivateKey

    def __repr__(self) -> str:
        return f"TrusteeKeys({self.election_id}, trustee {self.index}, <secret>)"

    @classmethod
    def generate(cls, manifest: Manifest, index: int, name: str) -> TrusteeKeys:
        params(manifest).check_index(index)
        signing_key, box_key = nacl.signing.SigningKey.generate(), nacl.public.PrivateKey.generate()
        return cls(manifest.fingerprint, manifest.id, index, name, signing_key, box_key)

    def secret_bytes(self) -> bytes:
        return canonical_json(
            {
                "election": self.fingerprint,
                "election_id": self.election_id,
                "index": self.index,
                "name": self.name,
                "signing_key": bytes(self.signing_key),
                "box_key": bytes(self.box_key),
            }
        )

    @classmethod
    def from_secret_bytes(cls, data: bytes) -> TrusteeKeys:
        doc = parse_canonical(data)
        return cls(
            b64decode(doc["election"]),
            doc["election_id"],
            doc["index"],
            doc["name"],
            nacl.signing.SigningKey(b64decode(doc["signing_key"])),
            nacl.public.PrivateKey(b64decode(doc["box_key"])),
        )

    def public_record(self) -> dict[str, object]:
        """Self-signed: the election, the index, the name and both public keys."""
        return signing.sign_document(
            self.signing_key,
            RECORD,
            {
                "election": self.fingerprint,
                "trustee": self.index,
                "name": self.name,
                "verify_key": bytes(self.signing_key.verify_key),
                "box_key": bytes(self.box_key.public_key),
            },
        )


@dataclass(frozen=True, slots=True)
class RosterEntry:
    index: int
    name: str
    verify_key: bytes
    box_key: bytes
    record: dict[str, Any]


def read_record(record: object, fingerprint: bytes) -> RosterEntry:
    """Check a trustee's self-signed public record."""
    try:
        body, signer = signing.open_document(record, RECORD)
        if b64decode(body["election"]) != fingerprint:
            raise CeremonyError("a trustee record for another election")
        verify_key, box_key = b64decode(body["verify_key"]), b64decode(body["box_key"])
        if verify_key != signer or len(box_key) != 32:
            raise CeremonyError("a trustee record not signed by its own key")
        index, name = body["trustee"], body["name"]
        if not _whole(index):
            raise CeremonyError("a trustee record without a trustee number")
        if not isinstance(name, str) or not name.isprintable():
            raise CeremonyError("a trustee record whose name is not printable text")
        return RosterEntry(index, name, verify_key, box_key, dict(record))  # type: ignore[call-overload]
    except (KeyError, TypeError, CryptoError, CanonicalEncodingError) as exc:
        raise CeremonyError(f"bad trustee record: {exc}") from exc


def read_roster(manifest: Manifest, records: Sequence[object]) -> list[RosterEntry]:
    """All n trustees' records, in trustee order, each checked."""
    entries = sorted((read_record(r, manifest.fingerprint) for r in records),
                     key=lambda e: e.index)  # fmt: skip
    if [e.index for e in entries] != list(range(1, manifest.trustees.n + 1)):
        raise CeremonyError(f"the roster needs exactly trustees 1 to {manifest.trustees.n}")
    return entries


def make_deal(
    keys: TrusteeKeys, manifest: Manifest, roster: Sequence[RosterEntry]
) -> dict[str, object]:
    """Round 1: this trustee's signed dealer message."""
    _check_me(keys, roster)
    recipients = [nacl.public.PublicKey(e.box_key) for e in roster]
    _, message = deal(keys.index, params(manifest), recipients, manifest.fingerprint)
    return signing.sign_document(
        keys.signing_key, DEAL, {"election": manifest.fingerprint, "message": message.to_json()}
    )


def _check_me(keys: TrusteeKeys, roster: Sequence[RosterEntry]) -> None:
    mine = [e for e in roster if e.index == keys.index]
    if not mine or mine[0].verify_key != bytes(keys.signing_key.verify_key):
        raise CeremonyError(f"the roster's trustee {keys.index} is not this key file")


def read_deal(document: object, manifest: Manifest, roster: Sequence[RosterEntry]) -> DealerMessage:
    """Check a deal: signed by its dealer, for this election, publicly valid."""
    try:
        body, signer = signing.open_document(document, DEAL)
        if b64decode(body["election"]) != manifest.fingerprint:
            raise CeremonyError("a dealer message for another election")
        message = DealerMessage.from_json(body["message"])
        if (
            not 1 <= message.dealer <= len(roster)
            or roster[message.dealer - 1].verify_key != signer
        ):
            raise CeremonyError(f"trustee {message.dealer}'s message is not signed by them")
        check_dealer_message(message, params(manifest), manifest.fingerprint)
        return message
    except (KeyError, CryptoError, CanonicalEncodingError) as exc:
        raise CeremonyError(f"bad dealer message: {exc}") from exc


@dataclass(frozen=True, slots=True)
class Received:
    """A trustee's result of round 2: its key share (if no complaint) and its signed ack."""

    share: Scalar | None
    acknowledgement: dict[str, object]


def receive(
    keys: TrusteeKeys,
    manifest: Manifest,
    roster: Sequence[RosterEntry],
    deals: Sequence[object],
    board_key: bytes,
    exclude: Sequence[int] = (),
) -> Received:
    """Round 2: open and check every qualified dealer's share for this trustee;
    acknowledge the election key and the election's ``board_key`` (32 bytes)."""
    _check_me(keys, roster)
    _check_board_key(board_key)
    messages = [read_deal(d, manifest, roster) for d in deals]
    qualified = [m for m in messages if m.dealer not in exclude]
    _check_dealers(manifest, qualified, exclude)
    shares: dict[int, Scalar] = {}
    complaints: list[dict[str, object]] = []
    for message in qualified:
        try:
            shares[message.dealer] = receive_share(
                message, keys.index, keys.box_key, params(manifest), manifest.fingerprint
            )
        except ShareVerificationError as exc:
            complaints.append({"dealer": exc.dealer, "reason": str(exc)})
    key = joint_public_key(qualified)
    body: dict[str, object] = {
        "election": manifest.fingerprint,
        "trustee": keys.index,
        "qualified": sorted(m.dealer for m in qualified),
        "public_key": key.to_bytes(),
        "board_key": board_key,
        "complaints": complaints,
    }
    share = None
    if not complaints:
        share = combine_shares(shares)
        body["verification_key"] = verification_key(qualified, keys.index).to_bytes()
    return Received(share, signing.sign_document(keys.signing_key, ACK, body))


def _whole(value: object) -> bool:
    """A whole number, not a boolean (JSON's true would pass as 1)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _check_board_key(board_key: bytes) -> None:
    try:
        nacl.signing.VerifyKey(board_key)
    except (TypeError, ValueError, nacl.exceptions.CryptoError) as exc:
        raise CeremonyError("the board key is not an Ed25519 public key (32 bytes)") from exc


def _check_dealers(manifest: Manifest, qualified: Sequence[DealerMessage],
                   exclude: Sequence[int]) -> None:  # fmt: skip
    dealers = sorted(m.dealer for m in qualified)
    expected = [i for i in range(1, manifest.trustees.n + 1) if i not in exclude]
    if dealers != expected:
        raise CeremonyError(f"expected one dealer message from each of trustees {expected}")
    if len(expected) < 1:
        raise CeremonyError("no qualified dealer is left")


def encode_share(keys: TrusteeKeys, share: Scalar, acknowledgement: dict[str, object]) -> bytes:
    """The trustee's key-share file content (sealed in a key file by the CLI)."""
    body, _ = signing.open_document(acknowledgement, ACK)
    return canonical_json(
        {
            "trustee": keys.secret_bytes(),
            "share": share.to_bytes(),
            "acknowledgement": acknowledgement,
            "qualified": body["qualified"],
        }
    )


@dataclass(frozen=True, slots=True)
class KeyShare:
    """A trustee's key share, with what they acknowledged in the ceremony: the
    election key and the board key (what they will decrypt only the totals of)."""

    keys: TrusteeKeys
    share: Scalar
    verification_key: Point
    public_key: Point
    board_key: bytes

    def __repr__(self) -> str:
        return f"KeyShare(trustee {self.keys.index}, <secret>)"


def decode_share(data: bytes) -> KeyShare:
    try:
        doc = parse_canonical(data)
        keys = TrusteeKeys.from_secret_bytes(b64decode(doc["trustee"]))
        body, _ = signing.open_document(doc["acknowledgement"], ACK,
                                        bytes(keys.signing_key.verify_key))  # fmt: skip
        share = Scalar.from_bytes(b64decode(doc["share"]))
        vk = Point.from_bytes(b64decode(body["verification_key"]))
        public_key = Point.from_bytes(b64decode(body["public_key"]))
        board_key = b64decode(body["board_key"])
    except (KeyError, TypeError, CryptoError, CanonicalEncodingError) as exc:
        raise CeremonyError(f"not a key-share file: {exc}") from exc
    if base_mul(share) != vk:
        raise CeremonyError("the key share does not match its verification key")
    _check_board_key(board_key)
    return KeyShare(keys, share, vk, public_key, board_key)


@dataclass(frozen=True, slots=True)
class CeremonyKeys:
    """What the published ceremony establishes, recomputed from its documents alone."""

    public_key: Point
    verification_keys: dict[int, Point]
    trustee_keys: dict[int, bytes]  # Ed25519 public keys
    qualified: tuple[int, ...]
    board_key: bytes  # the board key every trustee acknowledged


def keys_from_record(manifest: Manifest, record: object) -> CeremonyKeys:
    """Re-check a ceremony record (trustees.json) and derive its keys; `CeremonyError` if bad
    (whatever the record holds: it may come from a hostile bundle)."""
    try:
        return _keys_from_record(manifest, record)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, CryptoError,
            CanonicalEncodingError) as exc:  # fmt: skip
        raise CeremonyError(f"the ceremony record is malformed: {exc}") from exc


def _keys_from_record(manifest: Manifest, record: Any) -> CeremonyKeys:
    trustees = read_roster(manifest, record["roster"])
    deals = [read_deal(d, manifest, trustees) for d in record["deals"]]
    acks = [signing.open_document(a, ACK) for a in record["acknowledgements"]]
    if len(acks) != manifest.trustees.n:
        raise CeremonyError(f"{len(acks)} acknowledgements; every trustee must acknowledge")
    for body, _ in acks:
        if not (_whole(body["trustee"]) and isinstance(body["complaints"], list)
                and isinstance(body["qualified"], list)
                and all(_whole(d) for d in body["qualified"])):  # fmt: skip
            raise CeremonyError("an acknowledgement whose fields are not of their types")
    qualified_sets = {tuple(body["qualified"]) for body, _ in acks}
    if len(qualified_sets) != 1:
        raise CeremonyError("the trustees acknowledged different sets of dealers")
    board_keys = {str(body.get("board_key")) for body, _ in acks}
    if len(board_keys) != 1:
        raise CeremonyError("the trustees acknowledged different board keys")
    board_key = b64decode(board_keys.pop())
    _check_board_key(board_key)
    qualified = qualified_sets.pop()
    chosen = [m for m in deals if m.dealer in qualified]
    if sorted(m.dealer for m in chosen) != list(qualified) or not qualified:
        raise CeremonyError("the acknowledged dealers' messages are not all in the record")
    key = joint_public_key(chosen)
    vkeys = {e.index: verification_key(chosen, e.index) for e in trustees}
    if sorted(body["trustee"] for body, _ in acks) != list(range(1, manifest.trustees.n + 1)):
        raise CeremonyError("the acknowledgements are not one from each trustee")
    for body, signer in acks:
        index = body["trustee"]
        if trustees[index - 1].verify_key != signer:
            raise CeremonyError(f"trustee {index}'s acknowledgement is not signed by them")
        if body["complaints"] or b64decode(body["public_key"]) != key.to_bytes():
            raise CeremonyError(f"trustee {index} did not acknowledge the election key")
        if b64decode(body["verification_key"]) != vkeys[index].to_bytes():
            raise CeremonyError(f"trustee {index}'s verification key does not match")
    return CeremonyKeys(key, vkeys, {e.index: e.verify_key for e in trustees}, qualified,
                        board_key)  # fmt: skip
