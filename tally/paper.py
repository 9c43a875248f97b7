"""Paper boxes: totals counted in the clear, entered by two officials who both sign.

(Pure: the verifier uses it. Entering boxes in the database is tally/paper_entry.py.)

A box's totals are ``{"box": name, "ballots": n, "contests": {label: [count per
option]}}`` (tally/result.py `check_paper` checks their shape against the
manifest). Two different officials enter each box, the second without seeing the
first's numbers; each signs the same **box statement**

    {"election": b64(fingerprint), "box": name, "ballots": n, "contests": {...}}

with their own Ed25519 key (purpose ``EVOTING-V1-paper-box``). The published box
(paper.json) carries both signatures::

    {"box": ..., "ballots": ..., "contests": {...},
     "signatures": [{"official": "an", "key": b64, "signature": b64}, {...}]}

and each signing key is listed in the audit log (action ``official-key``, details
``{"official": name, "key": b64}``) before the official's first entry, so the
verifier checks who signed against the log, not against the bundle's word.

Paper cannot exceed the people who voted on paper: the boxes' ballots together
are at most the residents marked for paper in the register (tally/result.py
`check_paper`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import nacl.signing

from evoting.crypto import signing
from evoting.crypto.canonical import JSONValue, b64decode, b64encode
from evoting.crypto.errors import CanonicalEncodingError, CryptoError

PURPOSE = "EVOTING-V1-paper-box"
OFFICIAL_KEY_ACTION = "official-key"
SIGNERS = 2


class PaperSignatureError(ValueError):
    """A box whose signatures do not show two different, listed officials; says which."""


def statement(fingerprint: bytes, box: Mapping[str, Any]) -> dict[str, JSONValue]:
    """What each official signs for a box: its totals, for this election."""
    return {
        "election": fingerprint,
        "box": box["box"],
        "ballots": box["ballots"],
        "contests": {label: list(counts) for label, counts in box["contests"].items()},
    }


def sign_box(
    key: nacl.signing.SigningKey, official: str, fingerprint: bytes, box: Mapping[str, Any]
) -> dict[str, str]:
    """One official's signature of a box, as paper.json carries it."""
    return {
        "official": official,
        "key": b64encode(bytes(key.verify_key)),
        "signature": b64encode(signing.sign(key, PURPOSE, statement(fingerprint, box))),
    }


def totals_of(box: Mapping[str, Any]) -> dict[str, Any]:
    """The box without its signatures (what `tally.result.check_paper` reads)."""
    return {k: box[k] for k in ("box", "ballots", "contests") if k in box}


def official_keys(log_bodies: Iterable[Mapping[str, Any]]) -> dict[bytes, str]:
    """The officials' signing keys the audit log lists: key → official's name."""
    keys: dict[bytes, str] = {}
    for body in log_bodies:
        if body.get("action") != OFFICIAL_KEY_ACTION:
            continue
        details = body.get("details")
        try:
            if isinstance(details, Mapping) and isinstance(details.get("official"), str):
                keys[b64decode(details["key"])] = details["official"]
        except (CanonicalEncodingError, TypeError):
            continue
    return keys


def check_signatures(
    fingerprint: bytes, boxes: Sequence[object], listed: Mapping[bytes, str]
) -> None:
    """Every box signed by two different officials whose keys the audit log lists;
    raises `PaperSignatureError` naming the first box that is not."""
    for i, box in enumerate(boxes, start=1):
        name = box.get("box") if isinstance(box, Mapping) else None
        where = f"box {name!r}" if isinstance(name, str) else f"box {i}"
        if not isinstance(box, Mapping):
            raise PaperSignatureError(f"{where}: not an object")
        signatures = box.get("signatures")
        if not isinstance(signatures, list) or len(signatures) != SIGNERS:
            raise PaperSignatureError(f"{where}: needs the signatures of two officials")
        seen: set[bytes] = set()
        for entry in signatures:
            try:
                if not isinstance(entry, Mapping):
                    raise TypeError("not an object")
                key = b64decode(entry["key"])
                who = entry["official"]
                signature = b64decode(entry["signature"])
                signed = statement(fingerprint, box)
                signing.verify(signing.verify_key_from_bytes(key), PURPOSE, signed, signature)
            except (KeyError, TypeError, AttributeError, CanonicalEncodingError,
                    CryptoError) as exc:  # fmt: skip
                raise PaperSignatureError(f"{where}: a signature does not verify ({exc})") from exc
            if key not in listed:
                raise PaperSignatureError(
                    f"{where}: signed by a key the audit log lists for no official"
                )
            if listed[key] != who:
                raise PaperSignatureError(
                    f"{where}: the key the log lists for {listed[key]!r} signed as {who!r}"
                )
            seen.add(key)
        if len(seen) != SIGNERS or len({listed[k] for k in seen}) != SIGNERS:
            raise PaperSignatureError(f"{where}: both signatures are by the same official")
