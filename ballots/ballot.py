"""The encrypted ballot: encrypted on the voter's device, checked by anyone.

Wire form (canonical JSON, docs/protocol.md §11)::

    {"format": "EVOTING-V2-ballot",
     "election": b64(fingerprint),
     "credential": {"public_key": b64, "prefix": b64, "signature": b64},
     "contests": [{"label": "car-free-sunday", "ciphertexts": [...],
                   "selection_proofs": [...], "sum_proof": {...}}, ...],
     "signature": b64(Ed25519 by the credential key over the ballot without "signature",
                      purpose EVOTING-V1-ballot)}

Version 2 (what the booth and `encrypt_ballot` make) has each proof carry its
commitments, so that a tally or a verifier can check the proofs of many ballots at
once (docs/protocol.md §5.6); version 1 ballots (``EVOTING-V1-ballot``, proofs
without them) are still accepted and verified one by one. The proofs' transcripts,
the signature's purpose and the tracking code's definition are the same in both.

Every proof is bound to the fingerprint and the credential public key (the
binding's context) and to its contest's label. The tracking code is the SHA-256 of
the canonical ballot.

Checks, in the ballot box's order, each with its own code (`BallotRejected.code`):
``schema``, ``fingerprint``, ``credential``, (``credential_used``, by the board),
``signature``, ``proof``. `verify_ballot` runs all but the board's.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

import nacl.exceptions
import nacl.signing

from ballots.encoding import ContestSpec, contests, selections
from evoting.crypto import read_together, signing
from evoting.crypto.blind import PublicKey
from evoting.crypto.canonical import b64decode, b64encode, canonical_json, parse_canonical
from evoting.crypto.contest import EncryptedContest, encrypt_contest, verify_contest
from evoting.crypto.credential import Credential, verify_credential
from evoting.crypto.errors import (
    CanonicalEncodingError,
    InvalidEncoding,
    InvalidProof,
    InvalidSignature,
)
from evoting.crypto.group import Point, Scalar
from evoting.crypto.transcript import Binding
from evoting.election import Manifest

FORMAT = "EVOTING-V2-ballot"
FORMATS = {"EVOTING-V1-ballot": 1, FORMAT: 2}
"""The ballot formats read, and their version: 2 carries the proofs' commitments."""
SIGNATURE_PURPOSE = "EVOTING-V1-ballot"
MAX_BALLOT_BYTES = 2 << 20
"""2 MiB: a ballot of the largest shape a manifest allows is about 1.3 MB (V2 proofs
carry their commitments: evoting/election.py, MAX_BALLOT_SIZE)."""


class BallotRejected(Exception):
    """A ballot that is refused; ``code`` names the failed check."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class Ballot:
    fingerprint: bytes
    credential_public_key: bytes
    credential_prefix: bytes
    credential_signature: bytes
    contests: tuple[tuple[str, EncryptedContest], ...]
    signature: bytes
    version: int = 2
    source: bytes | None = dataclasses.field(default=None, init=False, repr=False, compare=False)
    """The canonical bytes the ballot was read from (`from_bytes`), if so. Not copied by
    ``dataclasses.replace``: a changed ballot is written out again when it is checked."""

    def body_json(self) -> dict[str, object]:
        return {
            "format": FORMAT if self.version == 2 else "EVOTING-V1-ballot",
            "election": b64encode(self.fingerprint),
            "credential": {
                "public_key": b64encode(self.credential_public_key),
                "prefix": b64encode(self.credential_prefix),
                "signature": b64encode(self.credential_signature),
            },
            "contests": [{"label": label, **contest.to_json()} for label, contest in self.contests],
        }

    def to_json(self) -> dict[str, object]:
        return self.body_json() | {"signature": b64encode(self.signature)}

    def canonical(self) -> bytes:
        return canonical_json(self.to_json())

    @property
    def tracking_code(self) -> str:
        """SHA-256 of the canonical ballot, hex."""
        return hashlib.sha256(self.canonical()).hexdigest()

    @classmethod
    def from_bytes(cls, data: bytes) -> Ballot:
        """`from_json` of canonical JSON bytes (`BallotRejected("schema")` if they are not),
        remembering them: its signature is then checked over the bytes as sent."""
        return cls.from_document(read_document(data), data)

    @classmethod
    def from_document(cls, document: object, data: bytes) -> Ballot:
        """`from_bytes` for bytes already parsed (`read_document`) into ``document``."""
        ballot = cls.from_json(document)
        object.__setattr__(ballot, "source", data)
        return ballot

    @classmethod
    def from_json(cls, value: object) -> Ballot:
        """Decode (and validate every point and scalar); `BallotRejected("schema")` if malformed.

        The points are checked together at the end (`evoting.crypto.read_together`: one
        call of the native core), with the same verdict and error as one by one."""
        try:
            return read_together(lambda: cls._decode(value))
        except (InvalidEncoding, CanonicalEncodingError, TypeError) as exc:
            raise BallotRejected("schema", f"the ballot is malformed: {exc}") from exc

    @classmethod
    def _decode(cls, value: object) -> Ballot:
        version = FORMATS.get(str(value.get("format")), 0) if isinstance(value, dict) else 0
        if not isinstance(value, dict) or not version:
            raise InvalidEncoding(f"not an {FORMAT} (or EVOTING-V1-ballot)")
        if set(value) != {"format", "election", "credential", "contests", "signature"}:
            raise InvalidEncoding("unexpected or missing fields")
        credential = value["credential"]
        if not isinstance(credential, dict) or set(credential) != {
            "public_key", "prefix", "signature",
        }:  # fmt: skip
            raise InvalidEncoding("credential: expected public_key, prefix and signature")
        raw_contests = value["contests"]
        if not isinstance(raw_contests, list) or not 0 < len(raw_contests) <= 256:
            raise InvalidEncoding("contests: expected a list of 1 to 256 contests")
        decoded = []
        for i, c in enumerate(raw_contests):
            if not isinstance(c, dict) or not isinstance(c.get("label"), str):
                raise InvalidEncoding(f"contests[{i}]: expected a labelled contest")
            body = {k: v for k, v in c.items() if k != "label"}
            decoded.append((c["label"], EncryptedContest.from_json(
                body, f"contests[{i}]", commitments=version == 2)))  # fmt: skip
        public_key = b64decode(credential["public_key"])
        if len(public_key) != 32:
            raise InvalidEncoding("credential.public_key: 32 bytes")
        signature = b64decode(value["signature"])
        if len(signature) != signing.SIGNATURE_BYTES:
            raise InvalidEncoding("signature: 64 bytes")
        return cls(
            fingerprint=b64decode(value["election"]),
            credential_public_key=public_key,
            credential_prefix=b64decode(credential["prefix"]),
            credential_signature=b64decode(credential["signature"]),
            contests=tuple(decoded),
            signature=signature,
            version=version,
        )


def read_document(data: bytes) -> object:
    """The ballot's canonical JSON, parsed (no field decoded); `BallotRejected("schema")`."""
    try:
        return parse_canonical(data)
    except CanonicalEncodingError as exc:
        raise BallotRejected("schema", f"the ballot is not canonical JSON: {exc}") from exc


@dataclass(frozen=True, slots=True)
class BallotHead:
    """What a ballot's election and credential are checked on, read without its contests."""

    fingerprint: bytes
    credential_public_key: bytes
    credential_prefix: bytes
    credential_signature: bytes


def read_head(document: object) -> BallotHead | None:
    """The head of a parsed ballot, if its fields are well-formed; else None (reading the
    whole ballot then says what is wrong). A few small fields: the ballot box checks the
    election and the credential on them before it decodes the contests' points, up to
    2 MiB of them, for a sender it does not know yet."""
    if not isinstance(document, dict):
        return None
    credential = document.get("credential")
    if not isinstance(credential, dict) or set(credential) != {"public_key", "prefix", "signature"}:
        return None
    try:
        public_key = b64decode(credential["public_key"])
        head = BallotHead(
            b64decode(document["election"]),
            public_key,
            b64decode(credential["prefix"]),
            b64decode(credential["signature"]),
        )
    except (CanonicalEncodingError, KeyError):
        return None
    return head if len(public_key) == 32 else None


@dataclass(frozen=True, slots=True)
class BallotSecrets:
    """What the device keeps until it casts: the selections and their randomness.

    Revealed only if the voter challenges the ballot (Benaloh), which spoils it.
    """

    selections: tuple[tuple[str, tuple[int, ...]], ...]
    randomness: tuple[tuple[str, tuple[Scalar, ...]], ...]

    def __repr__(self) -> str:
        return "BallotSecrets(<secret>)"


def tracking_code_short(tracking_code: str) -> str:
    """The first 80 bits of the tracking code as base32, in groups: ``ABCD-EFGH-JKLM-NOPQ``."""
    text = base64.b32encode(bytes.fromhex(tracking_code)[:10]).decode("ascii")
    return "-".join(text[i : i + 4] for i in range(0, 16, 4))


def encrypt_ballot(
    manifest: Manifest,
    election_key: Point,
    credential: Credential,
    answers: Mapping[str, object],
) -> tuple[Ballot, BallotSecrets]:
    """The voter's device: encrypt and prove every contest, sign with the credential."""
    by_label = selections(manifest, answers)
    binding = Binding(manifest.fingerprint, credential.public_key)
    encrypted: list[tuple[str, EncryptedContest]] = []
    randomness: list[tuple[str, tuple[Scalar, ...]]] = []
    for spec in contests(manifest):
        contest, rs = encrypt_contest(
            election_key, by_label[spec.label], spec.shape, binding, spec.label_bytes
        )
        encrypted.append((spec.label, contest))
        randomness.append((spec.label, rs))
    unsigned = Ballot(
        manifest.fingerprint,
        credential.public_key,
        credential.prefix,
        credential.signature,
        tuple(encrypted),
        b"",
    )
    signature = signing.sign(credential.signing_key, SIGNATURE_PURPOSE, unsigned.body_json())
    secrets = BallotSecrets(
        tuple((label, tuple(sel)) for label, sel in by_label.items()), tuple(randomness)
    )
    return dataclasses.replace(unsigned, signature=signature), secrets


def check_fingerprint(manifest: Manifest, ballot: Ballot | BallotHead) -> None:
    if ballot.fingerprint != manifest.fingerprint:
        raise BallotRejected("fingerprint", "the ballot is for another election")


def check_credential(
    manifest: Manifest, credential_key: PublicKey, ballot: Ballot | BallotHead
) -> None:
    try:
        verify_credential(
            credential_key,
            manifest.fingerprint,
            ballot.credential_public_key,
            ballot.credential_prefix,
            ballot.credential_signature,
        )
    except (InvalidSignature, InvalidEncoding) as exc:
        raise BallotRejected(
            "credential", "the credential was not issued for this election"
        ) from exc


def signed_body(ballot: Ballot) -> bytes:
    """The canonical ballot without its signature: what the credential key signed.

    For a ballot read by `Ballot.from_bytes`, its bytes spare writing it out again:
    "signature" is the last key of a canonical ballot, so the body is the bytes without
    their last member (checked, byte for byte; otherwise written out)."""
    source = ballot.source
    if source is not None:
        suffix = b',"signature":"' + b64encode(ballot.signature).encode("ascii") + b'"}'
        if source.endswith(suffix) and source.startswith(b'{"contests":'):
            return source[: -len(suffix)] + b"}"
    return canonical_json(ballot.body_json())


def check_signature(ballot: Ballot) -> None:
    try:
        key = nacl.signing.VerifyKey(ballot.credential_public_key)
        message = signing.signed_bytes(SIGNATURE_PURPOSE, signed_body(ballot))
        signing.verify_bytes(key, SIGNATURE_PURPOSE, message, ballot.signature)
    except (InvalidSignature, nacl.exceptions.CryptoError) as exc:
        raise BallotRejected("signature", "the ballot is not signed by its credential") from exc


def check_proofs(manifest: Manifest, election_key: Point, ballot: Ballot) -> None:
    specs: tuple[ContestSpec, ...] = contests(manifest)
    if [label for label, _ in ballot.contests] != [s.label for s in specs]:
        raise BallotRejected("schema", "the ballot's questions are not this election's")
    binding = Binding(manifest.fingerprint, ballot.credential_public_key)
    for spec, (_, contest) in zip(specs, ballot.contests, strict=True):
        try:
            verify_contest(election_key, contest, spec.shape, binding, spec.label_bytes)
        except InvalidProof as exc:
            raise BallotRejected("proof", f"{spec.label}: {exc}") from exc


def verify_ballot(
    manifest: Manifest,
    election_key: Point,
    credential_key: PublicKey,
    ballot: Ballot,
) -> None:
    """Every check a ballot can pass alone (not whether its credential was used before)."""
    check_fingerprint(manifest, ballot)
    check_credential(manifest, credential_key, ballot)
    check_signature(ballot)
    check_proofs(manifest, election_key, ballot)
