"""Adding up the board: check every entry and ballot, sum the ciphertexts per option.

Works on board entries as JSON lines (``board.jsonl``, or rows read from the
database in order), so the tally and the independent verifier (audit/verify.py)
run the same checks without a database:

* the hash chain, entry by entry, from the genesis hash (in order, in this process);
* every ballot: schema, fingerprint, credential, signature, proofs — in chunks, on
  every core (a process pool), each chunk returning its own partial sums;
* each credential and each tracking code once only;
* the entry's tracking code is the ballot's.

The board is streamed: memory holds a few chunks, never the whole board.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context

from ballots.ballot import Ballot, BallotRejected, verify_ballot
from ballots.chain import entry_hash, genesis_hash
from ballots.encoding import contests
from evoting.crypto.blind import PublicKey
from evoting.crypto.canonical import parse_canonical
from evoting.crypto.elgamal import Ciphertext
from evoting.crypto.errors import CanonicalEncodingError, CryptoError
from evoting.crypto.group import IDENTITY, Point
from evoting.election import Manifest, manifest_from_canonical

CHUNK = 200
PARALLEL_FROM = 400  # below this many ballots, one process is faster than a pool


@dataclass(frozen=True, slots=True)
class Context:
    """What checking a ballot needs, in a form that crosses process boundaries."""

    manifest: bytes  # canonical
    election_key: bytes
    credential_key: bytes  # DER


@dataclass
class Aggregate:
    """The sums per contest and option, and what was found on the way."""

    sums: dict[str, list[tuple[Point, Point]]]
    ballots: int = 0
    head: str = ""
    problems: list[str] = field(default_factory=list)
    tracking_codes: set[str] = field(default_factory=set)  # 64 hex digits a ballot

    def ciphertexts(self, label: str) -> list[Ciphertext]:
        return [Ciphertext(a, b) for a, b in self.sums[label]]


def _empty(manifest: Manifest) -> dict[str, list[tuple[Point, Point]]]:
    return {spec.label: [(IDENTITY, IDENTITY)] * len(spec.options) for spec in contests(manifest)}


@dataclass(frozen=True, slots=True)
class _Checked:
    sums: dict[str, list[tuple[Point, Point]]]
    problems: list[str]
    credentials: list[tuple[int, str]]


_WORKER: tuple[Manifest, Point, PublicKey] | None = None


def _init_worker(context: Context) -> None:
    global _WORKER  # noqa: PLW0603 - per-process state of a pool worker
    _WORKER = (
        manifest_from_canonical(context.manifest),
        Point.from_bytes(context.election_key),
        PublicKey.from_der(context.credential_key),
    )


def _check_chunk(chunk: list[tuple[int, str, str]]) -> _Checked:
    """Verify ballots (position, canonical ballot JSON, claimed tracking code); add them up."""
    assert _WORKER is not None
    manifest, election_key, credential_key = _WORKER
    sums = _empty(manifest)
    problems: list[str] = []
    credentials: list[tuple[int, str]] = []
    for position, ballot_json, claimed_code in chunk:
        data = ballot_json.encode("utf-8")
        if hashlib.sha256(data).hexdigest() != claimed_code:
            problems.append(f"board entry {position}: the tracking code is not the ballot's")
        try:
            ballot = Ballot.from_json(parse_canonical(data))
            verify_ballot(manifest, election_key, credential_key, ballot)
        except (BallotRejected, CryptoError) as exc:
            problems.append(f"board entry {position}: the ballot is refused ({exc})")
            continue
        credentials.append((position, ballot.credential_public_key.hex()))
        for label, contest in ballot.contests:
            sums[label] = [
                (a + ct.alpha, b + ct.beta)
                for (a, b), ct in zip(sums[label], contest.ciphertexts, strict=True)
            ]
    return _Checked(sums, problems, credentials)


def _chunks(
    lines: Iterable[str], fingerprint: bytes, aggregate: Aggregate
) -> Iterator[list[tuple[int, str, str]]]:
    """Check the chain while reading (in order); yield ballots to verify, in chunks."""
    previous = genesis_hash(fingerprint)
    codes = aggregate.tracking_codes
    chunk: list[tuple[int, str, str]] = []
    expected = 1
    for line in lines:
        where = f"board entry {expected}"
        try:
            entry = parse_canonical(line.strip().encode("utf-8"))
            position, ballot_json = entry["position"], entry["ballot"]
            code, previous_hash, claimed = (
                entry["tracking_code"],
                entry["previous"],
                entry["entry_hash"],
            )
        except (CanonicalEncodingError, KeyError, TypeError) as exc:
            aggregate.problems.append(f"{where}: unreadable ({exc})")
            expected += 1
            continue
        if position != expected:
            aggregate.problems.append(f"{where}: has position {position} (dropped or reordered)")
        if previous_hash != previous:
            aggregate.problems.append(f"{where}: does not chain to the entry before it")
        if not isinstance(code, str) or entry_hash(position, previous_hash, code) != claimed:
            aggregate.problems.append(f"{where}: its hash is wrong")
        if code in codes:
            aggregate.problems.append(f"{where}: the same ballot is on the board twice")
        codes.add(code)
        previous = claimed
        expected += 1
        if not isinstance(ballot_json, str):
            aggregate.problems.append(f"{where}: the ballot is not text")
            continue
        chunk.append((expected - 1, ballot_json, code))  # by reading order, not claimed position
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    aggregate.ballots = expected - 1
    aggregate.head = previous
    if chunk:
        yield chunk


def _add(aggregate: Aggregate, checked: _Checked, credentials: dict[str, int]) -> None:
    aggregate.problems += checked.problems
    for position, credential in checked.credentials:
        first = credentials.setdefault(credential, position)
        if first != position:
            aggregate.problems.append(
                f"board entry {position}: its credential already cast entry {first}"
            )
    for label, sums in checked.sums.items():
        aggregate.sums[label] = [
            (a1 + a2, b1 + b2)
            for (a1, b1), (a2, b2) in zip(aggregate.sums[label], sums, strict=True)
        ]


def aggregate(
    lines: Iterable[str], context: Context, *, workers: int | None = None, expected: int = 0
) -> Aggregate:
    """Check the whole board and add it up. ``expected``: the size, if known (for the pool)."""
    manifest = manifest_from_canonical(context.manifest)
    result = Aggregate(_empty(manifest))
    chunks = _chunks(lines, manifest.fingerprint, result)
    credentials: dict[str, int] = {}
    workers = workers or os.cpu_count() or 1
    if workers == 1 or 0 < expected < PARALLEL_FROM:
        _init_worker(context)
        for chunk in chunks:
            _add(result, _check_chunk(chunk), credentials)
        return result
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=get_context("spawn"),
        initializer=_init_worker,
        initargs=(context,),
    ) as pool:
        pending = []
        for chunk in chunks:
            pending.append(pool.submit(_check_chunk, chunk))
            if len(pending) >= 2 * workers:  # keep memory flat: a few chunks in flight
                _add(result, pending.pop(0).result(), credentials)
        for future in pending:
            _add(result, future.result(), credentials)
    return result
