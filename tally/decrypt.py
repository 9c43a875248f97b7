"""Decrypting only the totals: the tally request, trustees' shares, their combination.

1. After the vote closes, the officials publish the **tally request**: the election,
   the board's final signed head, the number of ballots and, per contest and
   option, the sum of all ballots' ciphertexts.
2. Each trustee checks the request's election and runs `decrypt_request` on their
   own machine with their key share: for every ciphertext, ``D = x·α`` with a
   Chaum-Pedersen proof, signed with the trustee's key.
3. Any k of them are combined (`combine`): every signature and proof is checked
   against the ceremony's verification keys, then Lagrange interpolation and
   baby-step giant-step give each total. Nothing but the totals is decrypted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from evoting.crypto import signing
from evoting.crypto.canonical import b64decode, canonical_json, parse_canonical
from evoting.crypto.elgamal import Ciphertext, DiscreteLogTable
from evoting.crypto.errors import CanonicalEncodingError, CryptoError, InvalidProof
from evoting.crypto.group import Point
from evoting.crypto.threshold import (
    CeremonyParameters,
    PartialDecryption,
    combine_partials,
    partial_decrypt,
)
from evoting.election import Manifest
from tally.aggregate import Aggregate
from tally.ceremony import KeyShare

PARTIAL = "EVOTING-V1-partial-decryption"


class DecryptionRefused(Exception):
    """A request or a trustee's decryption that does not check out."""


def tally_request(
    manifest: Manifest, aggregate: Aggregate, final_head: Mapping[str, object]
) -> dict[str, object]:
    """What the trustees decrypt (published in the bundle's tally.json), in wire form."""
    request = {
        "format": "EVOTING-V1-tally-request",
        "election": manifest.fingerprint,
        "final_head": dict(final_head),
        "ballots": aggregate.ballots,
        "contests": [
            {"label": label, "ciphertexts": [c.to_json() for c in aggregate.ciphertexts(label)]}
            for label in aggregate.sums
        ],
    }
    wire: dict[str, object] = parse_canonical(canonical_json(request))
    return wire


def request_id(request: Mapping[str, object]) -> str:
    return hashlib.sha256(canonical_json(request)).hexdigest()


@dataclass(frozen=True, slots=True)
class Request:
    fingerprint: bytes
    ballots: int
    contests: tuple[tuple[str, tuple[Ciphertext, ...]], ...]
    id: str


def read_request(document: object) -> Request:
    try:
        if not isinstance(document, dict) or document.get("format") != "EVOTING-V1-tally-request":
            raise DecryptionRefused("not a tally request")
        contests = tuple(
            (str(c["label"]), tuple(Ciphertext.from_json(x) for x in c["ciphertexts"]))
            for c in document["contests"]
        )
        ballots = document["ballots"]
        if isinstance(ballots, bool) or not isinstance(ballots, int) or ballots < 1:
            raise DecryptionRefused("a tally request needs at least one ballot")
        return Request(b64decode(document["election"]), ballots, contests, request_id(document))
    except (KeyError, TypeError, CryptoError, CanonicalEncodingError) as exc:
        raise DecryptionRefused(f"not a valid tally request: {exc}") from exc


def decrypt_request(share: KeyShare, document: object) -> dict[str, object]:
    """A trustee's signed partial decryption of every ciphertext of the request."""
    request = read_request(document)
    if request.fingerprint != share.keys.fingerprint:
        raise DecryptionRefused("the tally request is for another election")
    shares = [
        [partial_decrypt(share.keys.index, share.share, ct, request.fingerprint).to_json()
         for ct in cts]
        for _, cts in request.contests
    ]  # fmt: skip
    return signing.sign_document(
        share.keys.signing_key,
        PARTIAL,
        {
            "election": request.fingerprint,
            "request": request.id,
            "trustee": share.keys.index,
            "shares": shares,
        },
    )


def read_partial(
    document: object, request: Request, trustee_keys: Mapping[int, bytes]
) -> tuple[int, list[list[PartialDecryption]]]:
    """Check who signed a partial decryption and for which request (not yet its proofs)."""
    try:
        body, signer = signing.open_document(document, PARTIAL)
        trustee = body["trustee"]
        if isinstance(trustee, bool) or not isinstance(trustee, int):
            raise DecryptionRefused("a partial decryption names no trustee number")
        if trustee_keys.get(trustee) != signer:
            raise DecryptionRefused(
                f"a decryption said to be trustee {trustee}'s is not signed by them"
            )
        if body["request"] != request.id or b64decode(body["election"]) != request.fingerprint:
            raise DecryptionRefused(f"trustee {trustee} decrypted another tally request")
        shares = [
            [PartialDecryption.from_json(p, f"trustee {trustee}'s share") for p in contest]
            for contest in body["shares"]
        ]
        if [len(c) for c in shares] != [len(cts) for _, cts in request.contests]:
            raise DecryptionRefused(f"trustee {trustee} did not decrypt every total")
        if any(p.trustee != trustee for c in shares for p in c):
            raise DecryptionRefused(f"trustee {trustee}'s file holds another trustee's shares")
        return trustee, shares
    except (KeyError, TypeError, CryptoError, CanonicalEncodingError) as exc:
        raise DecryptionRefused(f"not a valid partial decryption: {exc}") from exc


def combine(
    request: Request,
    partial_documents: Sequence[object],
    trustee_keys: Mapping[int, bytes],
    verification_keys: Mapping[int, Point],
    params: CeremonyParameters,
    per_ballot: int = 1,
) -> dict[str, list[int]]:
    """The decrypted totals per contest label; every proof checked. Each total is at most
    the request's ballots times ``per_ballot`` (ballots.encoding.largest_selection)."""
    by_trustee: dict[int, list[list[PartialDecryption]]] = {}
    for document in partial_documents:
        trustee, shares = read_partial(document, request, trustee_keys)
        if trustee in by_trustee:
            raise DecryptionRefused(f"two decryptions from trustee {trustee}")
        by_trustee[trustee] = shares
    table = DiscreteLogTable(request.ballots * per_ballot)
    totals: dict[str, list[int]] = {}
    for c, (label, cts) in enumerate(request.contests):
        totals[label] = []
        for o, ct in enumerate(cts):
            partials = [shares[c][o] for shares in by_trustee.values()]
            try:
                point = combine_partials(
                    ct, partials, verification_keys, params, request.fingerprint
                )
                totals[label].append(table.log(point))
            except (InvalidProof, CryptoError) as exc:
                raise DecryptionRefused(f"{label}, option {o + 1}: {exc}") from exc
    return totals


def trustee_keys_of(ceremony_record: Mapping[str, Any]) -> dict[int, bytes]:
    """Trustee number → Ed25519 public key, from the ceremony record's roster."""
    keys = {}
    for record in ceremony_record["roster"]:
        body = record["body"]
        keys[int(body["trustee"])] = b64decode(body["verify_key"])
    return keys
