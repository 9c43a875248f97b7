"""What must hold before anyone decrypts: the request is the totals of a closed board.

Decrypting is the one step that could reveal a ballot: a "tally request" whose
ciphertexts are one ballot's, handed to k trustees, would decrypt that ballot. So
nobody takes the request on trust. A trustee, on their own machine, and the
officials, where partial decryptions are accepted, check against what the
ceremony pinned before the vote (``Pins``: the election fingerprint, the election
key K and the board key every trustee acknowledged, tally/ceremony.py):

1. the board's head is **final** (the vote has closed) and signed by the pinned
   board key, for this election;
2. the board chains from the genesis hash to that head, entry by entry;
3. the request's contests are exactly the manifest's, and its ciphertexts are
   the sum of the board's ballots per option, its ballot count the board's.

A trustee also checks every ballot's credential, signature and proofs
(`check_for_trustee`, tally/aggregate.py, as the verifier does); the officials,
who did so when they closed the vote, re-add the board's ciphertexts only
(`check_stored_request`), which costs a fraction of it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import nacl.signing

from ballots.chain import SignedHead, entry_hash, genesis_hash
from ballots.encoding import contests
from evoting.crypto.canonical import b64decode, canonical_json
from evoting.crypto.elgamal import Ciphertext
from evoting.crypto.errors import CanonicalEncodingError, CryptoError
from evoting.crypto.group import IDENTITY, Point
from evoting.election import Manifest
from tally.aggregate import Aggregate, Context, aggregate
from tally.ceremony import KeyShare
from tally.decrypt import tally_request


class NotTheTotals(Exception):
    """The request is not the totals of this election's closed board: nothing is decrypted."""


@dataclass(frozen=True, slots=True)
class Pins:
    """What the key ceremony fixed before the vote."""

    fingerprint: bytes
    election_key: Point
    board_key: bytes

    @classmethod
    def of_share(cls, share: KeyShare) -> Pins:
        return cls(share.keys.fingerprint, share.public_key, share.board_key)


@dataclass(frozen=True, slots=True)
class Checked:
    """A request that may be decrypted, and what the trustee is shown before doing so."""

    request: dict[str, object]
    election_id: str
    fingerprint: str  # lowercase hex
    ballots: int
    final_head: str


def check_head(head_json: object, pins: Pins) -> SignedHead:
    """The board's final head, signed by the pinned board key, for this election."""
    try:
        head = SignedHead.from_json(head_json)
        head.verify(nacl.signing.VerifyKey(pins.board_key))
    except (CryptoError, ValueError, TypeError) as exc:
        raise NotTheTotals(
            f"the board's head is not signed by this election's board key ({exc})"
        ) from exc
    if head.fingerprint != pins.fingerprint:
        raise NotTheTotals("the board's head is another election's")
    if not head.final:
        raise NotTheTotals("the board is not final: the vote has not closed")
    return head


def _compare(manifest: Manifest, expected: dict[str, object], given: object) -> None:
    """The request handed over must be exactly the one recomputed from the board."""
    if not isinstance(given, Mapping):
        raise NotTheTotals("the tally request is not a JSON object")
    labels = [c.get("label") if isinstance(c, Mapping) else None
              for c in given.get("contests") or []]  # fmt: skip
    if labels != [spec.label for spec in contests(manifest)]:
        raise NotTheTotals("the tally request's contests are not exactly the manifest's")
    if given.get("final_head") != expected["final_head"]:
        raise NotTheTotals("the tally request names another final head than the board's")
    if given.get("ballots") != expected["ballots"]:
        raise NotTheTotals(
            f"the tally request counts {given.get('ballots')!r} ballots; "
            f"the board holds {expected['ballots']}"
        )
    try:
        same = canonical_json(dict(given)) == canonical_json(expected)
    except (CanonicalEncodingError, TypeError, ValueError):
        same = False
    if not same:
        raise NotTheTotals("the tally request's ciphertexts are not the sum of the board's ballots")


def _checked(
    manifest: Manifest, head: SignedHead, added: Aggregate, given: object, *, empty: bool = False
) -> Checked:
    """``empty``: an empty board is accepted (the officials: nothing will be decrypted)."""
    if added.problems:
        more = f" (and {len(added.problems) - 1} more)" if len(added.problems) > 1 else ""
        raise NotTheTotals(f"the board does not check out: {added.problems[0]}{more}")
    if (added.ballots, added.head) != (head.position, head.entry_hash):
        raise NotTheTotals(
            f"the board ends at entry {added.ballots}, not at its final head (entry "
            f"{head.position})"
        )
    if added.ballots < 1 and not empty:
        raise NotTheTotals("the board holds no ballot: there is nothing to decrypt")
    expected = tally_request(manifest, added, head.to_json())
    if given is not None:
        _compare(manifest, expected, given)
    return Checked(expected, manifest.id, manifest.fingerprint.hex(), added.ballots,
                   head.entry_hash)  # fmt: skip


def _keys(keys_json: object, pins: Pins) -> bytes:
    """keys.json agrees with the pins; returns the credential key (DER)."""
    try:
        if not isinstance(keys_json, Mapping):
            raise TypeError("not a JSON object")
        election_key = b64decode(keys_json["election"])
        board_key = b64decode(keys_json["board"])
        credential = b64decode(keys_json["credential"])
    except (KeyError, TypeError, CanonicalEncodingError) as exc:
        raise NotTheTotals(f"keys.json is unreadable ({exc})") from exc
    if election_key != pins.election_key.to_bytes():
        raise NotTheTotals("keys.json's election key is not the one the ceremony made")
    if board_key != pins.board_key:
        raise NotTheTotals("keys.json's board key is not the one the trustees pinned")
    return credential


def check_for_trustee(
    share: KeyShare,
    manifest: Manifest,
    keys_json: object,
    head_json: object,
    board_lines: Iterable[str],
    request: object | None = None,
    *,
    workers: int | None = None,
) -> Checked:
    """Everything a trustee checks before decrypting (module docstring); `NotTheTotals`
    if anything fails. ``request``: the one the officials handed over, if any (it must
    equal the one recomputed here, which is what gets decrypted)."""
    pins = Pins.of_share(share)
    if manifest.fingerprint != pins.fingerprint:
        raise NotTheTotals("the board is for another election than your key share")
    credential = _keys(keys_json, pins)
    head = check_head(head_json, pins)
    context = Context(manifest.canonical(), pins.election_key.to_bytes(), credential)
    try:
        added = aggregate(board_lines, context, workers=workers, expected=head.position)
    except (CryptoError, ValueError) as exc:
        raise NotTheTotals(f"the board cannot be read ({exc})") from exc
    return _checked(manifest, head, added, request)


def sum_board(lines: Iterable[str], manifest: Manifest) -> Aggregate:
    """Re-chain the board and add up its ciphertexts, without checking proofs (the
    officials checked them at the close); problems are collected, not raised."""
    added = Aggregate({s.label: [(IDENTITY, IDENTITY)] * len(s.options)
                       for s in contests(manifest)})  # fmt: skip
    previous = genesis_hash(manifest.fingerprint)
    for n, line in enumerate(lines, start=1):
        try:
            entry: Any = json.loads(line)
            code = entry["tracking_code"]
            if entry["position"] != n or entry["previous"] != previous:
                added.problems.append(f"board entry {n}: does not chain")
            if entry_hash(n, previous, code) != entry["entry_hash"]:
                added.problems.append(f"board entry {n}: its hash is wrong")
            ballot_text = entry["ballot"]
            if hashlib.sha256(ballot_text.encode()).hexdigest() != code:
                added.problems.append(f"board entry {n}: the tracking code is not the ballot's")
            for c in json.loads(ballot_text)["contests"]:
                label = c["label"]
                cts = [Ciphertext.from_json(x) for x in c["ciphertexts"]]
                sums = zip(added.sums[label], cts, strict=True)
                added.sums[label] = [(a + ct.alpha, b + ct.beta) for (a, b), ct in sums]
            previous = entry["entry_hash"]
        except (ValueError, KeyError, TypeError, AttributeError, CryptoError) as exc:
            added.problems.append(f"board entry {n}: unreadable ({exc})")
        added.ballots = n
    added.head = previous
    return added


def check_stored_request(
    manifest: Manifest, pins: Pins, request: Mapping[str, Any], board_lines: Iterable[str]
) -> Checked:
    """The officials' check before accepting partial decryptions of ``request`` (and before
    taking an empty board's totals as zeros: whether it is empty is the board's to say)."""
    return check_stored_totals(manifest, pins, request, sum_board(board_lines, manifest))


def check_stored_totals(
    manifest: Manifest, pins: Pins, request: Mapping[str, Any], added: Aggregate
) -> Checked:
    """`check_stored_request` on a board already added up (on a cluster, every ballot
    checked again: tally/service.py)."""
    head = check_head(request.get("final_head"), pins)
    return _checked(manifest, head, added, request, empty=True)
