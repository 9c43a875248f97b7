"""Checking and adding up the board on a Dask distributed cluster (`--scheduler`).

One machine checks a national board in well under an hour (docs/performance.md);
when that is not enough, the same checks fan out over a **Dask distributed**
cluster. The board is cut into ranges of consecutive entries; each worker reads its
own ranges (from the bundle, audit/ranges.py, or from the database,
tally/board_ranges.py: no ballot passes through this process) and returns what
`aggregate` keeps of them:

* the sums of its accepted ballots, its problems (the first `MAX_PROBLEMS`);
* each entry's tracking code and each accepted ballot's credential, in order, for
  the once-only checks, which need the whole board and run here;
* the hash the range's first readable entry says it chains to, and its last hash.

Here the ranges are joined in board order: where one range ends the next must
chain on, each code and credential is checked once across all, and the sums are
added. The problems are listed by entry (`Aggregate.finish`), so the report is the
one `aggregate` gives on one machine, word for word (tests/integration/test_cluster.py).

A range is any picklable object with ``first`` (the reading number of its first
line), ``count`` (its lines) and ``lines()``; its reader raises `RangeMismatch`
if it finds other data than the range describes (a worker with another copy of
the bundle at the same path).
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from ballots.chain import genesis_hash
from evoting.crypto.group import Point
from evoting.election import manifest_from_canonical
from tally.aggregate import (
    CHAIN,
    CHUNK,
    Aggregate,
    Chain,
    Context,
    Once,
    Problem,
    add_sums,
    check_chunk,
    chunks,
    empty_sums,
    init_worker,
)

MIN_RANGE = CHUNK  # entries: a range is at least one chunk (tests make it smaller)
RANGES_PER_THREAD = 3  # enough to balance the load; each bundle range inflates from the start
CONNECT_TIMEOUT_S = 30


class BoardRange(Protocol):
    @property
    def first(self) -> int: ...
    @property
    def count(self) -> int: ...
    def lines(self) -> Iterator[str | bytes]: ...


class RangeMismatch(Exception):
    """A worker read other data than the range describes."""


class ClusterError(Exception):
    """The cluster cannot be reached, or a task failed for a reason other than a ballot."""


@dataclass(frozen=True, slots=True)
class Part:
    """What a worker returns for one range."""

    sums: dict[str, list[tuple[Point, Point]]]
    found: list[Problem]
    unlisted: int
    codes: list[tuple[int, str]]
    credentials: list[tuple[int, bytes]]
    recorded: dict[int, tuple[str, str]]
    joins: tuple[int, str] | None  # (entry, the hash it says it chains to)
    last: str | None  # the last readable entry's hash
    lines: int


def check_range(context: Context, board_range: BoardRange, record: frozenset[int]) -> Part:
    """On a worker: read one range and check it as `aggregate` checks its chunks."""
    manifest = init_worker(context)
    part = Aggregate(empty_sums(manifest))
    codes: list[tuple[int, str]] = []
    credentials: list[tuple[int, bytes]] = []
    chain = Chain(board_range.first, None, part.problem)

    def seen(n: int, code: str, claimed: str) -> None:
        codes.append((n, code))
        if n in record:
            part.recorded[n] = (code, claimed)

    for chunk in chunks(board_range.lines(), chain, CHUNK, seen):
        checked = check_chunk(chunk)
        for problem in checked.problems:
            part.problem(*problem)
        credentials += checked.credentials
        add_sums(part.sums, checked.sums)
    lines = chain.next - board_range.first
    if lines != board_range.count:
        raise RangeMismatch(
            f"the range from entry {board_range.first} holds {lines} lines, not "
            f"{board_range.count}: another board than the one being checked"
        )
    part.finish()  # its first MAX_PROBLEMS by entry, the rest counted
    return Part(part.sums, part.found, part.unlisted, codes, credentials, part.recorded,
                chain.joins, chain.previous, lines)  # fmt: skip


class _Join:
    """The ranges' parts, joined in board order into one `Aggregate`."""

    def __init__(self, result: Aggregate, fingerprint: bytes) -> None:
        self.result = result
        self.previous = genesis_hash(fingerprint)
        self.once = Once(result, ())  # the workers keep the recorded entries
        result.head = self.previous  # an empty board ends at the genesis hash

    def add(self, part: Part) -> None:
        result = self.result
        if part.joins is not None:
            n, previous = part.joins
            if previous != self.previous:
                result.problem(n, CHAIN, f"board entry {n}: does not chain to the entry before it")
        if part.last is not None:
            self.previous = part.last
        result.unlisted += part.unlisted
        for problem in part.found:
            result.problem(*problem)
        for n, code in part.codes:
            self.once.code(n, code, "")
        result.recorded.update(part.recorded)
        for n, credential in part.credentials:
            self.once.credential(n, credential)
        add_sums(result.sums, part.sums)
        result.ballots += part.lines
        result.head = self.previous


class Cluster:
    """A connection to a Dask distributed scheduler (``tcp://host:8786``)."""

    def __init__(self, client: Any) -> None:
        self.client = client  # a distributed.Client (the package has no type hints)

    def threads(self) -> int:
        threads: dict[str, int] = self.client.nthreads()
        return max(1, sum(threads.values()))

    def everywhere(self, task: Callable[..., object], *args: object) -> None:
        """Run ``task(*args)`` on every worker now; `ClusterError` if one cannot."""
        try:
            self.client.run(task, *args)
        except Exception as exc:
            raise ClusterError(f"{type(exc).__name__}: {exc}") from exc

    def parts(self) -> int:
        """How many ranges to cut a board into: a few per thread."""
        return RANGES_PER_THREAD * self.threads()

    def range_size(self, expected: int) -> int:
        """Entries per range for a board of about ``expected``: a few ranges per thread."""
        ranges = RANGES_PER_THREAD * self.threads()
        return max(MIN_RANGE, -(-expected // ranges))

    def aggregate(
        self,
        ranges: Iterable[BoardRange],
        context: Context,
        *,
        progress: Callable[[int], None] | None = None,
        record: Collection[int] = (),
    ) -> Aggregate:
        """`aggregate` of the ranges (consecutive, from the board's first entry), checked on
        the cluster and joined here. ``progress`` is told how many entries each range had."""
        manifest = manifest_from_canonical(context.manifest)
        result = Aggregate(empty_sums(manifest))
        join = _Join(result, manifest.fingerprint)
        wanted = frozenset(record)
        as_completed = _distributed().as_completed
        futures: list[Any] = []
        try:
            shared = _wrapped(self.client.scatter, context, broadcast=True, hash=False)
            for r in ranges:  # submitted as the caller cuts them; its own errors pass as they are
                futures.append(_wrapped(self.client.submit, check_range, shared, r,
                                        _within(wanted, r), pure=False))  # fmt: skip
            index = {future.key: i for i, future in enumerate(futures)}
            done: dict[int, Part] = {}
            joined = 0
            try:
                for future in as_completed(futures, loop=self.client.loop):
                    part = future.result()
                    done[index[future.key]] = part
                    if progress is not None:
                        progress(part.lines)
                    while joined in done:
                        join.add(done.pop(joined))
                        joined += 1
            except Exception as exc:  # a worker lost, a bundle that differs, the network ...
                raise ClusterError(f"{type(exc).__name__}: {exc}") from exc
        finally:
            for future in futures:
                future.release()
        return result.finish()


def _wrapped(call: Callable[..., Any], *args: object, **options: object) -> Any:
    try:
        return call(*args, **options)
    except Exception as exc:
        raise ClusterError(f"{type(exc).__name__}: {exc}") from exc


def _within(record: frozenset[int], board_range: BoardRange) -> frozenset[int]:
    last = board_range.first + board_range.count
    return frozenset(n for n in record if board_range.first <= n < last)


def _distributed() -> Any:
    """The distributed package, imported when a cluster is asked for (it is large)."""
    try:
        return importlib.import_module("distributed")
    except ImportError as exc:  # pragma: no cover - a dependency
        raise ClusterError("the distributed package is not installed") from exc


@contextlib.contextmanager
def connect(address: str) -> Iterator[Cluster]:
    """The cluster at ``address``; `ClusterError` if it cannot be reached."""
    distributed = _distributed()
    try:
        client = distributed.Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc
    with client:
        yield Cluster(client)
