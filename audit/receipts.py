"""Residents' receipts, checked against the final board (`evote verify --receipt FILE`).

A receipt is what the ballot box answered when a ballot was cast (ballots/cast.py
``Receipt.to_json``): the ballot's tracking code, its position on the board, and
the board's head right after it, signed with the board key::

    {"tracking_code": hex64, "position": P,
     "head": {"election": b64url(fingerprint), "position": Q, "head": hex64,
              "final": false, "signature": b64url}}

The booth's "save my receipt" file holds one (pretty-printed JSON) and
``evote cast --receipt-out`` writes one; a file may also hold many, one per line.

A receipt is good when its head is signed by the bundle's board key for this
election, and the final board is a continuation of the board that head signed:
entry Q of the final board has the head's hash (so nothing before it was dropped,
inserted or changed), Q is at most the final position, and the receipt's tracking
code is entry P. An operator who drops a ballot and re-chains the board (and
re-signs the final head) makes a bundle that is consistent on its own; only the
receipts given before the drop show it.

Receipt files are hostile input too: each is at most `MAX_FILE_BYTES`, each line
`MAX_LINE_BYTES`, all files together at most `MAX_RECEIPTS` receipts; JSON with
floats, duplicate keys or deep nesting is refused.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import nacl.signing

from audit.verdict import shown
from ballots.chain import SignedHead
from evoting.crypto.canonical import MAX_SAFE_INTEGER
from evoting.crypto.errors import CryptoError
from tally.aggregate import Aggregate

MAX_FILE_BYTES = 64 << 20  # a receipt is ~450 bytes: over 100,000 receipts per file (read
# line by line: memory holds one line at a time, and the receipts read)
MAX_LINE_BYTES = 64 << 10  # one receipt, even pretty-printed, is under 1 KiB
MAX_RECEIPTS = 100_000  # in all files together
_HEX64 = re.compile(r"[0-9a-f]{64}")
_FIELDS = frozenset({"tracking_code", "position", "head"})


@dataclass(frozen=True, slots=True)
class Claim:
    """One receipt as read (``problem`` says why it could not be read)."""

    where: str  # "FILE#N": the N-th receipt of FILE
    tracking_code: str = ""
    position: int = 0
    head: SignedHead | None = None
    problem: str = ""


def _strict(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise ValueError("a field appears twice")
    return out


def _no_number(text: str) -> Any:
    raise ValueError(f"{text[:20]} is not a whole number")


def _parse(data: bytes) -> Any:
    return json.loads(
        data.decode("utf-8"),
        object_pairs_hook=_strict,
        parse_float=_no_number,
        parse_constant=_no_number,
    )


def _claim(where: str, value: Any) -> Claim:
    if not isinstance(value, dict) or set(value) != _FIELDS:
        return Claim(where, problem="not a receipt: expected tracking_code, position and head")
    code, position = value["tracking_code"], value["position"]
    if not isinstance(code, str) or not _HEX64.fullmatch(code.lower()):
        return Claim(where, problem="tracking_code: expected 64 hexadecimal digits")
    if type(position) is not int or not 0 < position <= MAX_SAFE_INTEGER:
        return Claim(where, problem="position: expected a whole number from 1")
    try:
        head = SignedHead.from_json(value["head"])
    except CryptoError as exc:
        return Claim(where, problem=f"head: {exc}")
    if not _HEX64.fullmatch(head.entry_hash):
        return Claim(where, problem="head.head: expected 64 lowercase hexadecimal digits")
    return Claim(where, code.lower(), position, head)


def _one(where: str, data: bytes) -> Claim:
    try:
        return _claim(where, _parse(data))
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        return Claim(where, problem=f"not JSON ({exc})")


def _lines(f: BinaryIO) -> Iterator[bytes | None]:
    """Each non-blank line, or None for a line over `MAX_LINE_BYTES` (skipped unread)."""
    while line := f.readline(MAX_LINE_BYTES + 2):
        if len(line.rstrip(b"\n")) > MAX_LINE_BYTES:
            while line and not line.endswith(b"\n"):
                line = f.readline(MAX_LINE_BYTES)
            yield None
        elif line.strip():
            yield line


def _claims(name: str, f: BinaryIO) -> Iterator[Claim]:
    """A file's receipts: one JSON document (the booth's is pretty-printed), or JSON lines."""
    start = len(codecs.BOM_UTF8) if f.read(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8 else 0
    f.seek(start)
    head = f.read(MAX_LINE_BYTES + 1)
    first = next((line.strip() for line in head.split(b"\n") if line.strip()), b"")
    if len(head) <= MAX_LINE_BYTES and (b"\n" not in head.strip() or first in (b"{", b"[")):
        yield _one(f"{name}#1", head)
        return
    f.seek(start)
    for n, line in enumerate(_lines(f), start=1):
        where = f"{name}#{n}"
        if line is None:
            yield Claim(where, problem=f"longer than {MAX_LINE_BYTES} bytes: not a receipt")
        else:
            yield _one(where, line)


def read_receipts(paths: Sequence[Path]) -> list[Claim]:
    """Every receipt of every file, each read or with the reason it could not be. A file
    is read line by line; a line over its limit is skipped unread."""
    claims: list[Claim] = []
    for path in paths:
        name = shown(str(path), 200)
        try:
            with Path(path).open("rb") as f:
                if f.seek(0, 2) > MAX_FILE_BYTES:
                    claims.append(Claim(name, problem=f"larger than {MAX_FILE_BYTES} bytes"))
                    continue
                f.seek(0)
                if _add(claims, _claims(name, f), name):
                    break
        except OSError as exc:
            claims.append(Claim(name, problem=f"cannot read it ({exc.strerror})"))
    return claims


def _add(claims: list[Claim], found: Iterable[Claim], name: str) -> bool:
    """Append a file's receipts; True (and stop) once there are more than `MAX_RECEIPTS`."""
    for claim in found:
        if len(claims) >= MAX_RECEIPTS:
            more = f"more than {MAX_RECEIPTS} receipts in all: the rest are not checked"
            claims.append(Claim(name, problem=more))
            return True
        claims.append(claim)
    return False


def positions(claims: Iterable[Claim]) -> set[int]:
    """The board positions to record while the board is read."""
    out: set[int] = set()
    for claim in claims:
        if claim.head is not None:
            out.update((claim.position, claim.head.position))
    return out


def check(  # noqa: PLR0911 - one return per reason a receipt fails
    claim: Claim,
    fingerprint: bytes,
    board_key: nacl.signing.VerifyKey,
    final: SignedHead,
    board: Aggregate,
) -> str | None:
    """Why the receipt does not hold against the final board, or None if it does."""
    head = claim.head
    assert head is not None
    p, q = claim.position, head.position
    if head.fingerprint != fingerprint:
        return "its signed head is for another election"
    try:
        head.verify(board_key)
    except CryptoError:
        return (
            "its signed head is not signed by the bundle's board key (keys.json): a "
            "forged receipt, or the board key was replaced"
        )
    if p > q:
        return f"its position {p} is after its signed head's {q}: not what a ballot box gives"
    if q > final.position:
        return (
            f"the board was signed at entry {q} after this ballot, but the final board "
            f"ends at entry {final.position}: entries were dropped"
        )
    at_head, at_ballot = board.recorded.get(q), board.recorded.get(p)
    if at_head is None or at_ballot is None:
        return f"the final board's entry {p if at_ballot is None else q} could not be read"
    if at_head[1] != head.entry_hash:
        return (
            f"the final board is not the board this receipt's head signed: its entry {q} "
            "has another hash (entries before it were dropped, inserted or changed)"
        )
    if at_ballot[0] != claim.tracking_code:
        where = "elsewhere on the board" if board.was_cast(claim.tracking_code) else "not on it"
        return f"entry {p} of the final board is another ballot; this one is {where}"
    return None
