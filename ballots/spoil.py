"""Benaloh challenges: a ballot the voter spoils to check the device encrypted honestly.

(Pure: publishing a spoiled ballot is the ballot box's, ballots/cast.py.)

Before casting, the voter may challenge the ballot: the device reveals, per
contest, the selections and the randomness of each ciphertext. Anyone can then
re-encrypt and compare (`verify_spoiled`); the ballot is published as spoiled and
can never be cast (ballots/cast.py refuses its tracking code), and the device makes
a fresh ballot with new randomness.

A record holds exactly the fields below and each selection is below the group
order L, so a ballot has one valid record and nothing else rides along with it.

Record (canonical JSON)::

    {"format": "EVOTING-V1-spoiled", "ballot": {...},
     "contests": [{"label": ..., "selections": [0, 1, 0], "randomness": [b64, ...]}, ...]}
"""

from __future__ import annotations

from ballots.ballot import Ballot, BallotSecrets, check_fingerprint
from evoting.crypto.canonical import b64decode, b64encode
from evoting.crypto.elgamal import encrypt_with
from evoting.crypto.errors import CanonicalEncodingError, InvalidEncoding
from evoting.crypto.group import L, Point, Scalar
from evoting.election import Manifest

FORMAT = "EVOTING-V1-spoiled"


class SpoiledMismatch(Exception):
    """The revealed selections and randomness do not give the ballot's ciphertexts."""


def spoiled_record(ballot: Ballot, secrets: BallotSecrets) -> dict[str, object]:
    selections = dict(secrets.selections)
    return {
        "format": FORMAT,
        "ballot": ballot.to_json(),
        "contests": [
            {
                "label": label,
                "selections": list(selections[label]),
                "randomness": [b64encode(r.to_bytes()) for r in rs],
            }
            for label, rs in secrets.randomness
        ],
    }


def verify_spoiled(
    manifest: Manifest, election_key: Point, record: object
) -> tuple[Ballot, dict[str, list[int]]]:
    """Re-encrypt what was revealed; returns the ballot and its selections by contest."""
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise SpoiledMismatch("not a spoiled-ballot record")
    if set(record) != {"format", "ballot", "contests"}:
        raise SpoiledMismatch("a spoiled-ballot record has format, ballot and contests only")
    ballot = Ballot.from_json(record.get("ballot"))
    check_fingerprint(manifest, ballot)
    revealed = record.get("contests")
    if not isinstance(revealed, list) or len(revealed) != len(ballot.contests):
        raise SpoiledMismatch("one revealed contest per contest of the ballot")
    out: dict[str, list[int]] = {}
    for (label, contest), item in zip(ballot.contests, revealed, strict=True):
        try:
            if not isinstance(item, dict) or item.get("label") != label:
                raise SpoiledMismatch(f"{label}: the revealed contests are not in ballot order")
            if set(item) != {"label", "selections", "randomness"}:
                raise SpoiledMismatch(f"{label}: expected label, selections and randomness only")
            sels, rands = item.get("selections"), item.get("randomness")
            if not isinstance(sels, list) or not isinstance(rands, list):
                raise SpoiledMismatch(f"{label}: selections and randomness are lists")
            if not len(sels) == len(rands) == len(contest.ciphertexts):
                raise SpoiledMismatch(f"{label}: one selection and randomness per option")
            for i, (s, r, ct) in enumerate(zip(sels, rands, contest.ciphertexts, strict=True)):
                # Below L: s and s + L encrypt alike, so without the bound one ballot
                # would have many "valid" records showing absurd numbers.
                if isinstance(s, bool) or not isinstance(s, int) or not 0 <= s < L:
                    raise SpoiledMismatch(f"{label}: selection {i} is not a whole number below L")
                if encrypt_with(election_key, s, Scalar.from_bytes(b64decode(r))) != ct:
                    raise SpoiledMismatch(
                        f"{label}: option {i} does not encrypt what the device showed"
                    )
        except (InvalidEncoding, CanonicalEncodingError) as exc:
            raise SpoiledMismatch(f"{label}: {exc}") from exc
        out[label] = list(sels)
    return ballot, out
