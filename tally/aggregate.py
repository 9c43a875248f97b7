"""Adding up the board: check every entry and ballot, sum the ciphertexts per option.

Works on board entries as JSON lines (``board.jsonl``, or rows read from the
database in order), so the tally and the independent verifier (audit/verify.py)
run the same checks without a database:

* the hash chain, entry by entry, from the genesis hash (in order, in this process);
* every ballot: schema, fingerprint, credential, signature, proofs — in chunks, on
  every core (a process pool), each chunk returning its own partial sums;
* each credential and each tracking code once only;
* the entry's tracking code is the ballot's.

Entries may come from a hostile bundle: each is an object of exactly its five
fields, the position a whole number (not a float, not a boolean), the others text;
a ballot larger than the ballot box accepts is refused unread; whatever else a
malformed ballot raises is that ballot's problem, not the end of the count. At most
`MAX_PROBLEMS` problems are listed, and the rest counted.

The board is streamed: memory holds a few chunks (each at most `CHUNK` ballots and
`CHUNK_BYTES` of ballot text), never the whole board. ``record``: positions whose
tracking code and entry hash to keep (`Aggregate.recorded`), so that receipts are
checked against the board in the same pass.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Collection, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context

from ballots.ballot import MAX_BALLOT_BYTES, Ballot, BallotRejected, verify_ballot
from ballots.chain import entry_hash, genesis_hash
from ballots.encoding import contests
from evoting.crypto.batch import Batch, deferring
from evoting.crypto.blind import PublicKey
from evoting.crypto.canonical import MAX_SAFE_INTEGER
from evoting.crypto.elgamal import Ciphertext
from evoting.crypto.errors import CryptoError
from evoting.crypto.group import IDENTITY, Point
from evoting.election import Manifest, manifest_from_canonical

CHUNK = 200  # ballots a worker checks per task: few enough to keep memory flat
CHUNK_BYTES = 8 << 20  # ... and at most this much ballot text (a ballot is up to 2 MiB)
MAX_PROBLEMS = 1000
_FIELDS = frozenset({"position", "ballot", "tracking_code", "previous", "entry_hash"})
MIN_CHUNK = 25
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
    # Once-only checks need one entry per ballot (~100 bytes each, the only state that
    # grows with the board): codes as 32 raw bytes, a malformed code as its text.
    tracking_codes: set[bytes | str] = field(default_factory=set)
    recorded: dict[int, tuple[str, str]] = field(default_factory=dict)
    """Position → (tracking code, entry hash), for the positions asked for."""
    unlisted: int = 0  # problems beyond MAX_PROBLEMS

    def problem(self, text: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text)
        else:
            self.unlisted += 1

    def was_cast(self, tracking_code: str) -> bool:
        return _code_key(tracking_code) in self.tracking_codes

    def ciphertexts(self, label: str) -> list[Ciphertext]:
        return [Ciphertext(a, b) for a, b in self.sums[label]]


def _code_key(code: str) -> bytes | str:
    try:
        return bytes.fromhex(code) if len(code) == 64 else code
    except ValueError:
        return code


def _empty(manifest: Manifest) -> dict[str, list[tuple[Point, Point]]]:
    return {spec.label: [(IDENTITY, IDENTITY)] * len(spec.options) for spec in contests(manifest)}


@dataclass(frozen=True, slots=True)
class _Checked:
    sums: dict[str, list[tuple[Point, Point]]]
    problems: list[str]
    credentials: list[tuple[int, bytes]]


_WORKER: tuple[Manifest, Point, PublicKey] | None = None


def _init_worker(context: Context) -> None:
    global _WORKER  # noqa: PLW0603 - per-process state of a pool worker
    _WORKER = (
        manifest_from_canonical(context.manifest),
        Point.from_bytes(context.election_key),
        PublicKey.from_der(context.credential_key),
    )


def _verify(position: int, data: bytes, problems: list[str]) -> Ballot | None:
    """The ballot if it passes every check it can pass alone (in a batch: every check
    but the group equations its proofs put off); else None, with the problem."""
    assert _WORKER is not None
    manifest, election_key, credential_key = _WORKER
    try:
        ballot = Ballot.from_bytes(data)
        verify_ballot(manifest, election_key, credential_key, ballot)
    except (BallotRejected, CryptoError) as exc:
        problems.append(f"board entry {position}: the ballot is refused ({exc})")
        return None
    except Exception as exc:  # a hostile ballot must not stop the count
        problems.append(f"board entry {position}: the ballot is malformed "
                        f"({type(exc).__name__}: {exc})")  # fmt: skip
        return None
    return ballot


def _check_chunk(chunk: list[tuple[int, str, str]]) -> _Checked:
    """Verify ballots (position, canonical ballot JSON, claimed tracking code); add them up.

    The proofs' group equations of the whole chunk are checked at once (V2 ballots:
    evoting/crypto/batch.py); if they do not all hold, the ballots whose equations
    fail are found by halving and checked again alone, for the reason."""
    assert _WORKER is not None
    manifest = _WORKER[0]
    sums = _empty(manifest)
    problems: list[str] = []
    credentials: list[tuple[int, bytes]] = []
    accepted: list[tuple[int, bytes, Ballot]] = []
    batch = Batch()
    with deferring(batch):
        for position, ballot_json, claimed_code in chunk:
            data = ballot_json.encode("utf-8")
            if hashlib.sha256(data).hexdigest() != claimed_code:
                problems.append(f"board entry {position}: the tracking code is not the ballot's")
            if len(data) > MAX_BALLOT_BYTES:
                problems.append(f"board entry {position}: the ballot is larger than the ballot "
                                f"box accepts ({MAX_BALLOT_BYTES} bytes)")  # fmt: skip
                continue
            batch.item(position)
            ballot = _verify(position, data, problems)
            if ballot is None:
                batch.cancel()
            else:
                accepted.append((position, data, ballot))
    if not batch.holds():
        failing = set(batch.failing())
        kept = []
        for position, data, ballot in accepted:
            if position not in failing or _verify(position, data, problems) is not None:
                kept.append((position, data, ballot))
        accepted = kept
    for position, _, ballot in accepted:
        credentials.append((position, ballot.credential_public_key))
        for label, contest in ballot.contests:
            sums[label] = [
                (a + ct.alpha, b + ct.beta)
                for (a, b), ct in zip(sums[label], contest.ciphertexts, strict=True)
            ]
    return _Checked(sums, problems, credentials)


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    entry = dict(pairs)
    if len(entry) != len(pairs):
        raise ValueError("a field appears twice")
    return entry


def _no_floats(text: str) -> object:
    raise ValueError(f"{text[:20]} is not a whole number")


_HEX64 = re.compile(r"[0-9a-f]{64}")


def _entry(line: str | bytes) -> tuple[int, str, str, str, str]:
    """(position, ballot, tracking code, previous hash, entry hash), or `ValueError`.

    A plain parse: the entry's hash and the worker's canonical check of the ballot
    cover its content; re-encoding each line here would cost the main process, which
    shares the cores with the workers, as much again.
    """
    text = line.decode("utf-8") if isinstance(line, bytes) else line
    entry = json.loads(text, object_pairs_hook=_no_duplicates, parse_float=_no_floats,
                       parse_constant=_no_floats)  # fmt: skip
    if not isinstance(entry, dict) or set(entry) != _FIELDS:
        raise ValueError("expected an object of position, ballot, tracking_code, previous "
                         "and entry_hash")  # fmt: skip
    position = entry["position"]
    if type(position) is not int or not 0 < position <= MAX_SAFE_INTEGER:
        raise ValueError("the position is not a whole number from 1")
    fields = [entry[k] for k in ("ballot", "tracking_code", "previous", "entry_hash")]
    if not all(isinstance(f, str) for f in fields):
        raise ValueError("ballot, tracking_code, previous and entry_hash are text")
    if not all(_HEX64.fullmatch(f) for f in fields[1:]):
        # What is kept per entry must stay small: a megabyte "tracking code" on every
        # line would fill the once-only set that every other check relies on.
        raise ValueError("tracking_code, previous and entry_hash are 64 lowercase hex digits")
    return position, *fields


def _chunks(
    lines: Iterable[str | bytes],
    fingerprint: bytes,
    aggregate: Aggregate,
    size: int,
    record: Collection[int],
) -> Iterator[list[tuple[int, str, str]]]:
    """Check the chain while reading (in order); yield ballots to verify, in chunks."""
    previous = genesis_hash(fingerprint)
    codes = aggregate.tracking_codes
    chunk: list[tuple[int, str, str]] = []
    chunk_bytes = 0
    expected = 1
    for line in lines:
        where = f"board entry {expected}"
        try:
            position, ballot_json, code, previous_hash, claimed = _entry(line)
        except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
            aggregate.problem(f"{where}: unreadable ({exc})")
            expected += 1
            continue
        if position != expected:
            aggregate.problem(f"{where}: has position {position} (dropped or reordered)")
        if previous_hash != previous:
            aggregate.problem(f"{where}: does not chain to the entry before it")
        if entry_hash(position, previous_hash, code) != claimed:
            aggregate.problem(f"{where}: its hash is wrong")
        key = _code_key(code)
        if key in codes:
            aggregate.problem(f"{where}: the same ballot is on the board twice")
        codes.add(key)
        if expected in record:
            aggregate.recorded[expected] = (code, claimed)
        previous = claimed
        expected += 1
        chunk.append((expected - 1, ballot_json, code))  # by reading order, not claimed position
        chunk_bytes += len(ballot_json)
        if len(chunk) >= size or chunk_bytes >= CHUNK_BYTES:
            yield chunk
            chunk, chunk_bytes = [], 0
    aggregate.ballots = expected - 1
    aggregate.head = previous
    if chunk:
        yield chunk


def _add(aggregate: Aggregate, checked: _Checked, credentials: dict[bytes, int]) -> None:
    for problem in checked.problems:
        aggregate.problem(problem)
    for position, credential in checked.credentials:
        first = credentials.setdefault(credential, position)
        if first != position:
            aggregate.problem(f"board entry {position}: its credential already cast entry {first}")
    for label, sums in checked.sums.items():
        aggregate.sums[label] = [
            (a1 + a2, b1 + b2)
            for (a1, b1), (a2, b2) in zip(aggregate.sums[label], sums, strict=True)
        ]


def _settle(
    result: Aggregate,
    checked: _Checked,
    credentials: dict[bytes, int],
    progress: Callable[[int], None] | None,
) -> None:
    _add(result, checked, credentials)
    if progress is not None:
        progress(len(checked.credentials) + len(checked.problems))


def aggregate(
    lines: Iterable[str | bytes],
    context: Context,
    *,
    workers: int | None = None,
    expected: int = 0,
    progress: Callable[[int], None] | None = None,
    record: Collection[int] = (),
) -> Aggregate:
    """Check the whole board and add it up. ``expected``: the size, if known (for the pool);
    ``progress`` is told how many more ballots were checked, chunk by chunk; ``record``:
    positions whose tracking code and entry hash to keep (`Aggregate.recorded`)."""
    result = _aggregate(lines, context, workers, expected, progress, frozenset(record))
    if result.unlisted:
        result.problems.append(f"... and {result.unlisted} more problems")
    return result


def _aggregate(
    lines: Iterable[str | bytes],
    context: Context,
    workers: int | None,
    expected: int,
    progress: Callable[[int], None] | None,
    record: Collection[int],
) -> Aggregate:
    manifest = manifest_from_canonical(context.manifest)
    result = Aggregate(_empty(manifest))
    workers = workers or os.cpu_count() or 1
    # A small board in 200-ballot chunks would leave a core idle at the end: at
    # least four chunks per worker when the size is known.
    size = max(MIN_CHUNK, min(CHUNK, -(-expected // (4 * workers)))) if expected else CHUNK
    chunks = _chunks(lines, manifest.fingerprint, result, size, record)
    credentials: dict[bytes, int] = {}
    if workers == 1 or 0 < expected < PARALLEL_FROM:
        _init_worker(context)
        for chunk in chunks:
            _add(result, _check_chunk(chunk), credentials)
            if progress is not None:
                progress(len(chunk))
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
                _settle(result, pending.pop(0).result(), credentials, progress)
        for future in pending:
            _settle(result, future.result(), credentials, progress)
    return result
