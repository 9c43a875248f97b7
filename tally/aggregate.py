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

import contextlib
import hashlib
import json
import os
import re
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
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
Problem = tuple[int, int, str]  # (board entry, rank, text)
# Ranks: the order of one entry's problems, the same whichever process found them.
UNREADABLE, POSITION, CHAIN, HASH, TWICE, BALLOT, CREDENTIAL = range(7)
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
    """Filled by `finish`: by entry, and for one entry in the order it is read."""
    found: list[Problem] = field(default_factory=list)
    # Once-only checks need one entry per ballot (~100 bytes each, the only state that
    # grows with the board): codes as 32 raw bytes, a malformed code as its text.
    tracking_codes: set[bytes | str] = field(default_factory=set)
    recorded: dict[int, tuple[str, str]] = field(default_factory=dict)
    """Position → (tracking code, entry hash), for the positions asked for."""
    unlisted: int = 0  # problems beyond MAX_PROBLEMS

    def problem(self, entry: int, rank: int, text: str) -> None:
        self.found.append((entry, rank, text))
        if len(self.found) > 2 * MAX_PROBLEMS:
            self.unlisted += _trim(self.found)

    def finish(self) -> Aggregate:
        self.unlisted += _trim(self.found)
        self.problems = [text for _, _, text in self.found]
        if self.unlisted:
            self.problems.append(f"... and {self.unlisted} more problems")
        return self

    def was_cast(self, tracking_code: str) -> bool:
        return _code_key(tracking_code) in self.tracking_codes

    def ciphertexts(self, label: str) -> list[Ciphertext]:
        return [Ciphertext(a, b) for a, b in self.sums[label]]


def _trim(found: list[Problem]) -> int:
    """Keep the first `MAX_PROBLEMS` by entry and rank (a stable sort keeps the reading
    order within one); returns how many were dropped. Whichever process found them and
    in whichever order the chunks came back, the same problems are listed."""
    found.sort(key=lambda p: (p[0], p[1]))
    dropped = max(0, len(found) - MAX_PROBLEMS)
    del found[MAX_PROBLEMS:]
    return dropped


def _code_key(code: str) -> bytes | str:
    try:
        return bytes.fromhex(code) if len(code) == 64 else code
    except ValueError:
        return code


def empty_sums(manifest: Manifest) -> dict[str, list[tuple[Point, Point]]]:
    return {spec.label: [(IDENTITY, IDENTITY)] * len(spec.options) for spec in contests(manifest)}


def add_sums(into: dict[str, list[tuple[Point, Point]]],
             sums: dict[str, list[tuple[Point, Point]]]) -> None:  # fmt: skip
    for label, more in sums.items():
        into[label] = [
            (a1 + a2, b1 + b2) for (a1, b1), (a2, b2) in zip(into[label], more, strict=True)
        ]


@dataclass(frozen=True, slots=True)
class Checked:
    sums: dict[str, list[tuple[Point, Point]]]
    problems: list[Problem]
    credentials: list[tuple[int, bytes]]
    ballots: int  # in the chunk


_WORKER: tuple[Context, Manifest, Point, PublicKey] | None = None


def init_worker(context: Context) -> Manifest:
    """Read the context once per process (a pool's worker, or a cluster's, task after task)."""
    global _WORKER  # noqa: PLW0603 - per-process state of a pool or cluster worker
    if _WORKER is None or _WORKER[0] != context:
        _WORKER = (
            context,
            manifest_from_canonical(context.manifest),
            Point.from_bytes(context.election_key),
            PublicKey.from_der(context.credential_key),
        )
    return _WORKER[1]


def _verify(position: int, data: bytes, problems: list[Problem]) -> Ballot | None:
    """The ballot if it passes every check it can pass alone (in a batch: every check
    but the group equations its proofs put off); else None, with the problem."""
    assert _WORKER is not None
    _, manifest, election_key, credential_key = _WORKER
    where = f"board entry {position}"
    try:
        ballot = Ballot.from_bytes(data)
        verify_ballot(manifest, election_key, credential_key, ballot)
    except (BallotRejected, CryptoError) as exc:
        problems.append((position, BALLOT, f"{where}: the ballot is refused ({exc})"))
        return None
    except Exception as exc:  # a hostile ballot must not stop the count
        problems.append((position, BALLOT, f"{where}: the ballot is malformed "
                                           f"({type(exc).__name__}: {exc})"))  # fmt: skip
        return None
    return ballot


def check_chunk(chunk: list[tuple[int, str, str]]) -> Checked:
    """Verify ballots (position, canonical ballot JSON, claimed tracking code); add them up.

    The proofs' group equations of the whole chunk are checked at once (V2 ballots:
    evoting/crypto/batch.py); if they do not all hold, the ballots whose equations
    fail are found by halving and checked again alone, for the reason."""
    assert _WORKER is not None
    sums = empty_sums(_WORKER[1])
    problems: list[Problem] = []
    credentials: list[tuple[int, bytes]] = []
    accepted: list[tuple[int, bytes, Ballot]] = []
    batch = Batch()
    with deferring(batch):
        for position, ballot_json, claimed_code in chunk:
            data = ballot_json.encode("utf-8")
            where = f"board entry {position}"
            if hashlib.sha256(data).hexdigest() != claimed_code:
                problems.append((position, BALLOT, f"{where}: the tracking code is not the "
                                                   "ballot's"))  # fmt: skip
            if len(data) > MAX_BALLOT_BYTES:
                problems.append((position, BALLOT, f"{where}: the ballot is larger than the "
                                 f"ballot box accepts ({MAX_BALLOT_BYTES} bytes)"))  # fmt: skip
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
    return Checked(sums, problems, credentials, len(chunk))


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


class Chain:
    """Reads entries in order, numbered by reading order from ``first``: checks each
    position, the hash chain and each entry's hash.

    ``previous`` is the hash the first entry chains to; None for a range that starts
    inside the board (tally/cluster.py): the first readable entry's claim is then kept
    in `joins`, for whoever puts the ranges together to check.
    """

    def __init__(self, first: int, previous: str | None,
                 problem: Callable[[int, int, str], None]) -> None:  # fmt: skip
        self.next = first
        self.previous = previous
        self.joins: tuple[int, str] | None = None
        self._problem = problem

    def read(self, line: str | bytes) -> tuple[int, str, str, str] | None:
        """(entry, ballot JSON, tracking code, entry hash), or None if it is unreadable."""
        n = self.next
        self.next += 1
        where = f"board entry {n}"
        try:
            position, ballot_json, code, previous_hash, claimed = _entry(line)
        except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
            self._problem(n, UNREADABLE, f"{where}: unreadable ({exc})")
            return None
        if position != n:
            self._problem(n, POSITION, f"{where}: has position {position} "
                                       "(dropped or reordered)")  # fmt: skip
        if self.previous is None:
            self.joins = (n, previous_hash)
        elif previous_hash != self.previous:
            self._problem(n, CHAIN, f"{where}: does not chain to the entry before it")
        if entry_hash(position, previous_hash, code) != claimed:
            self._problem(n, HASH, f"{where}: its hash is wrong")
        self.previous = claimed
        return n, ballot_json, code, claimed


def chunks(
    lines: Iterable[str | bytes],
    chain: Chain,
    size: int,
    seen: Callable[[int, str, str], None],
) -> Iterator[list[tuple[int, str, str]]]:
    """Read the entries through ``chain``; tell ``seen(entry, code, entry hash)`` of each
    readable one; yield the ballots to verify, in chunks (by reading order)."""
    chunk: list[tuple[int, str, str]] = []
    chunk_bytes = 0
    for line in lines:
        read = chain.read(line)
        if read is None:
            continue
        n, ballot_json, code, claimed = read
        seen(n, code, claimed)
        chunk.append((n, ballot_json, code))
        chunk_bytes += len(ballot_json)
        if len(chunk) >= size or chunk_bytes >= CHUNK_BYTES:
            yield chunk
            chunk, chunk_bytes = [], 0
    if chunk:
        yield chunk


class Once:
    """The once-only checks, in reading order: each tracking code and each credential."""

    def __init__(self, result: Aggregate, record: Collection[int]) -> None:
        self.result = result
        self.record = record
        self.credentials: dict[bytes, int] = {}

    def code(self, n: int, code: str, claimed: str) -> None:
        key = _code_key(code)
        if key in self.result.tracking_codes:
            self.result.problem(n, TWICE, f"board entry {n}: the same ballot is on the board twice")
        self.result.tracking_codes.add(key)
        if n in self.record:
            self.result.recorded[n] = (code, claimed)

    def credential(self, n: int, credential: bytes) -> None:
        first = self.credentials.setdefault(credential, n)
        if first != n:
            self.result.problem(n, CREDENTIAL, f"board entry {n}: its credential already "
                                               f"cast entry {first}")  # fmt: skip


def _add(result: Aggregate, checked: Checked, once: Once) -> None:
    for problem in checked.problems:
        result.problem(*problem)
    for position, credential in checked.credentials:
        once.credential(position, credential)
    add_sums(result.sums, checked.sums)


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
    return _aggregate(lines, context, workers, expected, progress, frozenset(record)).finish()


def _aggregate(
    lines: Iterable[str | bytes],
    context: Context,
    workers: int | None,
    expected: int,
    progress: Callable[[int], None] | None,
    record: Collection[int],
) -> Aggregate:
    manifest = manifest_from_canonical(context.manifest)
    result = Aggregate(empty_sums(manifest))
    workers = workers or os.cpu_count() or 1
    # A small board in 200-ballot chunks would leave a core idle at the end: at
    # least four chunks per worker when the size is known.
    size = max(MIN_CHUNK, min(CHUNK, -(-expected // (4 * workers)))) if expected else CHUNK
    chain = Chain(1, genesis_hash(manifest.fingerprint), result.problem)
    once = Once(result, record)
    checked: Iterator[Checked]
    with contextlib.ExitStack() as stack:
        if workers == 1 or 0 < expected < PARALLEL_FROM:
            init_worker(context)
            checked = map(check_chunk, chunks(lines, chain, size, once.code))
        else:
            pool = stack.enter_context(ProcessPoolExecutor(
                max_workers=workers,
                mp_context=get_context("spawn"),
                initializer=init_worker,
                initargs=(context,),
            ))  # fmt: skip
            checked = _in_order(pool, chunks(lines, chain, size, once.code), 2 * workers)
        for part in checked:
            _add(result, part, once)
            if progress is not None:
                progress(part.ballots)
    result.ballots = chain.next - 1
    result.head = chain.previous or ""
    return result


def _in_order(pool: ProcessPoolExecutor, work: Iterable[list[tuple[int, str, str]]],
              ahead: int) -> Iterator[Checked]:  # fmt: skip
    """The pool's results in order, with at most ``ahead`` chunks in flight (memory stays flat)."""
    pending: deque[Future[Checked]] = deque()
    for chunk in work:
        pending.append(pool.submit(check_chunk, chunk))
        if len(pending) >= ahead:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()
