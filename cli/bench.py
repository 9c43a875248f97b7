"""`evote bench crypto`: medians of the kernel's costs, and the floor they are held to.

``verification_path`` is the path this process verifies on: ``native`` (native/, the
Rust core) when it is installed, else ``libsodium``. ``verify_ballot_ms`` is always
the libsodium path and ``verify_ballot_native_ms`` the native one (None without it),
measured in the same rounds; ``native_speedup`` is the median of their per-round ratio.

``verify_floor_ms`` is what one ballot verification on libsodium would cost if Python
added nothing: each libsodium operation the verification performs (counted by wrapping
`evoting.crypto._sodium` during one real verification) times that operation's
median cost measured alone. ``verify_ballot_ms / verify_floor_ms`` is then the
price of the Python around libsodium.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pysodium

from cli.bench_batch import QUESTION, REFERENDUM, batch_figures
from evoting.crypto import _native, _sodium, combine
from evoting.crypto.canonical import canonical_json, parse_canonical
from evoting.crypto.contest import ContestShape, EncryptedContest, encrypt_contest, verify_contest
from evoting.crypto.elgamal import Ciphertext, DiscreteLogTable, KeyPair, decrypt
from evoting.crypto.group import G, Scalar
from evoting.crypto.transcript import Binding

_OPERATIONS = (
    "scalarmult",
    "scalarmult_base",
    "add",
    "sub",
    "is_valid_point",
    "scalar_add",
    "scalar_sub",
    "scalar_mul",
    "scalar_reduce",
)


def _batch_us(fn: Callable[[], object], batch: int) -> float:
    start = time.perf_counter_ns()
    for _ in range(batch):
        fn()
    return (time.perf_counter_ns() - start) / batch / 1000


@contextmanager
def _counting() -> Iterator[Counter[str]]:
    counts: Counter[str] = Counter()
    originals = {name: getattr(_sodium, name) for name in _OPERATIONS}

    def wrap(name: str, fn: Callable[..., bytes]) -> Callable[..., bytes]:
        def counted(*args: Any) -> bytes:
            counts[name] += 1
            return fn(*args)

        return counted

    for name, fn in originals.items():
        setattr(_sodium, name, wrap(name, fn))
    try:
        yield counts
    finally:
        for name, fn in originals.items():
            setattr(_sodium, name, fn)


def _operation_calls() -> dict[str, Callable[[], object]]:
    k = Scalar.random().to_bytes()
    k2 = Scalar.random().to_bytes()
    p = (G * Scalar.random()).to_bytes()
    q = (G * Scalar.random()).to_bytes()
    wide = os.urandom(64)
    return {
        "scalarmult": lambda: _sodium.scalarmult(k, p),
        "scalarmult_base": lambda: _sodium.scalarmult_base(k),
        "add": lambda: _sodium.add(p, q),
        "sub": lambda: _sodium.sub(p, q),
        "is_valid_point": lambda: _sodium.is_valid_point(p),
        "scalar_add": lambda: _sodium.scalar_add(k, k2),
        "scalar_sub": lambda: _sodium.scalar_sub(k, k2),
        "scalar_mul": lambda: _sodium.scalar_mul(k, k2),
        "scalar_reduce": lambda: _sodium.scalar_reduce(wide),
    }


def run_crypto_benchmark(runs: int = 300, quick: bool = False) -> dict[str, object]:
    """Medians over ``runs`` ballots, measured in interleaved rounds.

    Each round times every libsodium operation alone, then a batch of ballot
    encryptions and verifications, so that the floor and the verification it is
    compared with are measured under the same machine load; the ratio reported is
    the median of the per-round ratios.
    """
    key = KeyPair.generate()
    binding = Binding(os.urandom(32), os.urandom(32))

    def encrypt_once() -> EncryptedContest:
        return encrypt_contest(key.public, [0, 1, 0], REFERENDUM, binding, QUESTION)[0]

    # One by one, as a V1 ballot (no commitments): today's path, whose floor is counted.
    wire = canonical_json(encrypt_once().without_commitments().to_json())

    def verify_once() -> None:
        contest = EncryptedContest.from_json(parse_canonical(wire))  # decode + validate points
        verify_contest(key.public, contest, REFERENDUM, binding, QUESTION)

    native = _native.load() is not None
    with combine.using("libsodium"), _counting() as counts:
        verify_once()
    calls = _operation_calls()
    per_round = 10
    rounds = max(3, runs // per_round)
    costs: dict[str, list[float]] = {name: [] for name in calls}
    encrypt_ms: list[float] = []
    verify_ms: list[float] = []
    floor_ms: list[float] = []
    ratios: list[float] = []
    native_ms: list[float] = []
    speedups: list[float] = []
    for _ in range(rounds):
        for name, fn in calls.items():
            costs[name].append(_batch_us(fn, 20))
        floor = sum(costs[name][-1] * n for name, n in counts.items()) / 1000
        encrypt_ms.append(_batch_us(encrypt_once, per_round) / 1000)
        with combine.using("libsodium"):
            verify_ms.append(_batch_us(verify_once, per_round) / 1000)
        floor_ms.append(floor)
        ratios.append(verify_ms[-1] / floor)
        if native:
            with combine.using("native"):
                native_ms.append(_batch_us(verify_once, per_round) / 1000)
            speedups.append(verify_ms[-1] / native_ms[-1])
    median_cost = {name: statistics.median(values) for name, values in costs.items()}

    ballots = 100 if quick else 1000
    contests = [
        encrypt_contest(
            key.public, [int(i % 3 == j) for j in range(3)], REFERENDUM, binding, QUESTION
        )[0]
        for i in range(ballots)
    ]

    def tally() -> list[int]:
        table = DiscreteLogTable(ballots)
        totals: list[Ciphertext] = list(contests[0].ciphertexts)
        for contest in contests[1:]:
            totals = [t + c for t, c in zip(totals, contest.ciphertexts, strict=True)]
        return [decrypt(key.secret, t, table) for t in totals]

    tally_runs = []
    for _ in range(3 if quick else 7):
        start = time.perf_counter_ns()
        totals = tally()
        tally_runs.append((time.perf_counter_ns() - start) / 1e6)
    if totals != [sum(1 for i in range(ballots) if i % 3 == j) for j in range(3)]:
        raise RuntimeError("the benchmark tally came out wrong")

    return {
        "scalarmult_us": round(median_cost["scalarmult"], 2),
        "basemult_us": round(median_cost["scalarmult_base"], 2),
        "point_check_us": round(median_cost["is_valid_point"], 2),
        "point_add_us": round(median_cost["add"], 2),
        "encrypt_ballot_ms": round(statistics.median(encrypt_ms), 3),
        "verify_ballot_ms": round(statistics.median(verify_ms), 3),
        "verify_floor_ms": round(statistics.median(floor_ms), 3),
        "verify_over_floor": round(statistics.median(ratios), 3),
        "verify_operations": dict(sorted(counts.items())),
        "verification_path": combine.backend(),
        "verify_ballot_native_ms": round(statistics.median(native_ms), 3) if native else None,
        "native_speedup": round(statistics.median(speedups), 2) if native else None,
        f"tally_{ballots}_ms": round(statistics.median(tally_runs), 1),
        "ballot": "referendum yes/no/blank: 3 selections in {0,1}, sum exactly 1",
        "projects": _project_figures(key, binding, 3 if quick else 9),
        "batch": batch_figures(key, binding, encrypt_once, quick=quick),
        "runs": rounds * per_round,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "libsodium": f"{pysodium.sodium_major}.{pysodium.sodium_minor}.{pysodium.sodium_patch}",
            "processor": platform.machine(),
        },
    }


def _project_figures(key: KeyPair, binding: Binding, runs: int) -> dict[str, object]:
    """Encrypting and verifying the participatory-budget contests the issue names: a
    50-project approval ballot (up to 5), a 3 × 50 points grid, a 30-project basket
    (costs up to 40,000 within a 200,000 budget): medians of ``runs``."""
    from evoting.crypto.contest import ContestShape, Subset, Weighted

    n, ranks = 50, 3
    rows = tuple(Subset(tuple(range(r * n, (r + 1) * n)), 1, 1) for r in range(ranks))
    columns = tuple(Subset(tuple(r * n + p for r in range(ranks)), 0, 1) for p in range(n))
    costs = tuple(5_000 + (p * 7_919) % 35_000 for p in range(30))
    cases: dict[str, tuple[ContestShape, list[int]]] = {
        "approval_50": (ContestShape(n, 1, 0, 5), [int(p < 5) for p in range(n)]),
        "points_3x50": (ContestShape(ranks * n, 1, ranks, ranks, subsets=rows + columns),
                        [int(c in (0, n + 1, 2 * n + 2)) for c in range(ranks * n)]),
        "budget_30": (ContestShape(30, 1, 0, 30, weighted=Weighted(costs, 0, 200_000)),
                      [int(p in (0, 3, 7, 11)) for p in range(30)]),
    }  # fmt: skip
    out: dict[str, object] = {}
    for name, (shape, chosen) in cases.items():
        label = name.encode()
        encrypt_ms, verify_ms = [], []
        for _ in range(runs):
            start = time.perf_counter_ns()
            contest, _ = encrypt_contest(key.public, chosen, shape, binding, label)
            encrypt_ms.append((time.perf_counter_ns() - start) / 1e6)
            wire = canonical_json(contest.to_json())
            start = time.perf_counter_ns()
            decoded = EncryptedContest.from_json(parse_canonical(wire))
            verify_contest(key.public, decoded, shape, binding, label)
            verify_ms.append((time.perf_counter_ns() - start) / 1e6)
        out[name] = {"encrypt_ms": round(statistics.median(encrypt_ms), 1),
                     "verify_ms": round(statistics.median(verify_ms), 1),
                     "bytes": len(wire)}  # fmt: skip
    return out


# --- the tally and the verifier at scale --------------------------------------------------


@dataclass(frozen=True, slots=True)
class BallotMaker:
    manifest: bytes
    election_key: bytes
    credential_pem: bytes


_GENERATOR: tuple[Any, Any, Any] | None = None


def init_ballot_maker(spec: BallotMaker) -> None:
    global _GENERATOR  # noqa: PLW0603 - per-process state of a pool worker
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    from evoting.crypto.group import Point
    from evoting.election import manifest_from_canonical

    _GENERATOR = (
        manifest_from_canonical(spec.manifest),
        Point.from_bytes(spec.election_key),
        load_pem_private_key(spec.credential_pem, password=None),
    )


def make_synthetic_ballots(seeds: range) -> list[tuple[str, str]]:
    """Synthetic ballots: a fresh credential each (signed directly: a finalized blind
    signature is an ordinary RSASSA-PSS signature), a yes or a no."""
    import nacl.signing
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    from ballots.ballot import encrypt_ballot
    from evoting.crypto.credential import Credential, credential_message

    assert _GENERATOR is not None
    manifest, election_key, rsa_key = _GENERATOR
    pss = padding.PSS(padding.MGF1(hashes.SHA384()), 48)
    out = []
    for seed in seeds:
        signing_key = nacl.signing.SigningKey.generate()
        prefix = os.urandom(32)
        message = prefix + credential_message(manifest.fingerprint, bytes(signing_key.verify_key))
        credential = Credential(signing_key, prefix, rsa_key.sign(message, pss, hashes.SHA384()))
        answer = {"car-free-sunday": ("yes", "no")[seed % 2]}
        ballot, _ = encrypt_ballot(manifest, election_key, credential, answer)
        out.append((ballot.canonical().decode("utf-8"), ballot.tracking_code))
    return out


@dataclass
class SyntheticElection:
    """Everything a tally of a synthetic board needs, made without a database.

    ``share_files``: the trustees' key shares as `tally.ceremony.encode_share` writes
    them (what a cache stores); ``directory``: the cache entry, None when temporary;
    ``generation_s`` is the generation's time, also when read back from a cache.
    """

    manifest: Any
    board: Path
    context: Any
    share_files: list[bytes]
    ceremony_record: dict[str, object]
    board_key: Any
    head: Any
    generation_s: float
    cached: bool = False
    directory: Path | None = None
    generation_peak: dict[str, float] | None = None
    cache_check_s: float | None = None  # reading and checking the cache entry

    @property
    def shares(self) -> list[Any]:
        from tally.ceremony import decode_share

        return [decode_share(data) for data in self.share_files]


GENERATION_CHUNK = 200  # ballots per generation task


def synthetic_election(ballots: int, workers: int, directory: Path) -> SyntheticElection:
    """A Kortrijk referendum with three trustees (two of three decrypt) and a board of
    ``ballots`` yes/no ballots in ``directory / "board.jsonl"``, made on ``workers``
    processes (in this one when that is 1, or for a small board)."""
    import nacl.signing

    from ballots.chain import sign_head
    from evoting.crypto.blind import BlindSigner
    from evoting.election import load_manifest
    from tally import ceremony
    from tally.aggregate import Context

    examples = Path(__file__).resolve().parents[1] / "examples"
    manifest = load_manifest(examples / "kortrijk-2019.yaml")
    trustees = [ceremony.TrusteeKeys.generate(manifest, i, f"T{i}") for i in (1, 2, 3)]
    roster = ceremony.read_roster(manifest, [k.public_record() for k in trustees])
    deals = [ceremony.make_deal(k, manifest, roster) for k in trustees]
    board_key = nacl.signing.SigningKey.generate()  # pinned by the trustees, signs the head
    received = [
        ceremony.receive(k, manifest, roster, deals, bytes(board_key.verify_key)) for k in trustees
    ]
    share_files = []
    for k, r in zip(trustees, received, strict=True):
        assert r.share is not None
        share_files.append(ceremony.encode_share(k, r.share, r.acknowledgement))
    record: dict[str, object] = {
        "roster": [k.public_record() for k in trustees],
        "deals": deals,
        "acknowledgements": [r.acknowledgement for r in received],
    }
    election_key = ceremony.keys_from_record(manifest, record).public_key
    signer = BlindSigner.generate()
    spec = BallotMaker(manifest.canonical(), election_key.to_bytes(), signer.private_pem())
    path = directory / "board.jsonl"
    started = time.perf_counter()
    with _peak_memory() as memory:
        position, last = _write_board(path, spec, manifest.fingerprint, ballots, workers)
    return SyntheticElection(
        manifest=manifest,
        board=path,
        context=Context(manifest.canonical(), election_key.to_bytes(), signer.public_key.to_der()),
        share_files=share_files,
        ceremony_record=record,
        board_key=board_key,
        head=sign_head(board_key, manifest.fingerprint, position, last, final=True),
        generation_s=time.perf_counter() - started,
        generation_peak=memory,
    )


def _write_board(
    path: Path, spec: BallotMaker, fingerprint: bytes, ballots: int, workers: int
) -> tuple[int, str]:
    """Chain the generated ballots into ``path`` as they come; returns the head (position,
    entry hash). At most two tasks per worker are in flight, so memory stays flat."""
    from concurrent.futures import Future, ProcessPoolExecutor
    from multiprocessing import get_context

    from ballots.chain import BoardEntry, entry_hash, genesis_hash

    previous, position = genesis_hash(fingerprint), 0
    chunks = (range(i, min(i + GENERATION_CHUNK, ballots))
              for i in range(0, ballots, GENERATION_CHUNK))  # fmt: skip

    def write(made: list[tuple[str, str]]) -> None:
        nonlocal previous, position
        for ballot_json, code in made:
            position += 1
            digest = entry_hash(position, previous, code)
            entry = BoardEntry(position, ballot_json, code, "", previous, digest)
            board.write(canonical_json(entry.to_json()).decode() + "\n")
            previous = digest

    with path.open("w", encoding="utf-8") as board:
        if workers == 1 or ballots <= 2 * GENERATION_CHUNK:
            init_ballot_maker(spec)
            for chunk in chunks:
                write(make_synthetic_ballots(chunk))
            return position, previous
        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=get_context("spawn"),
            initializer=init_ballot_maker,
            initargs=(spec,),
        )
        with pool:
            pending: list[Future[list[tuple[str, str]]]] = []
            for chunk in chunks:
                pending.append(pool.submit(make_synthetic_ballots, chunk))
                if len(pending) >= 2 * workers:
                    write(pending.pop(0).result())
            for future in pending:
                write(future.result())
    return position, previous


def _election(
    ballots: int, workers: int, cache: Path | None, stack: ExitStack
) -> SyntheticElection:
    """From the cache (made there the first time), or made afresh in a temporary directory."""
    import tempfile

    if cache is not None:
        from cli.bench_cache import cached_election

        return cached_election(cache, ballots, workers)
    directory = stack.enter_context(tempfile.TemporaryDirectory(prefix="evote-bench-"))
    return synthetic_election(ballots, workers, Path(directory))


def _lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8") as f:
        yield from f


def _hwm_mb(pid: int | str) -> float:
    """A process's peak resident memory since it started its program (VmHWM)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


@contextmanager
def _peak_memory() -> Iterator[dict[str, float]]:
    """Peak resident memory of this process and of its largest child, over the block.

    ``getrusage`` would not do: it counts the benchmark's set-up, and a worker's
    figure would include its parent's memory at the moment it was forked. So the
    peak of this process is reset first (``/proc/self/clear_refs``), and a thread
    reads each worker's own peak while it runs.
    """
    peaks = {"main": 0.0, "largest_worker": 0.0}
    if not Path("/proc/self/clear_refs").exists():  # not Linux: the rough figures
        import resource

        yield peaks
        peaks["main"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        peaks["largest_worker"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        return
    import threading

    Path("/proc/self/clear_refs").write_text("5")
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.1):
            for children in Path("/proc/self/task").glob("*/children"):
                for pid in children.read_text().split():
                    with suppress(OSError):  # the worker has just exited
                        peaks["largest_worker"] = max(peaks["largest_worker"], _hwm_mb(pid))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield peaks
    finally:
        done.set()
        watcher.join()
        peaks["main"] = _hwm_mb("self")
        for key, value in peaks.items():
            peaks[key] = round(value, 1)


@contextmanager
def _cpu_seconds() -> Iterator[dict[str, float]]:
    """CPU seconds over the block: this process's, and its workers' (counted once each
    worker has exited, which the pools ensure before they return). On a shared machine
    this is steadier than the wall-clock time: it is what the work costs, whoever waits."""
    spent = {"main": 0.0, "workers": 0.0}
    before = os.times()
    yield spent
    after = os.times()
    spent["main"] = round(after.user + after.system - before.user - before.system, 1)
    spent["workers"] = round(after.children_user + after.children_system
                             - before.children_user - before.children_system, 1)  # fmt: skip


def _tally(
    election: SyntheticElection, workers: int, lines: Iterable[str] | None = None
) -> tuple[dict[str, object], list[Any], Any]:
    """What `evote tally` does to a closed board: check every entry and ballot, add up
    (`aggregate`, on ``workers`` processes), compare with the final head, and two of the
    three trustees decrypt. ``lines``: the board's entries (default: its JSONL file)."""
    from tally.aggregate import aggregate
    from tally.ceremony import keys_from_record, params
    from tally.decrypt import combine, decrypt_request, read_request, tally_request

    head = election.head
    source = _lines(election.board) if lines is None else lines
    added = aggregate(source, election.context, workers=workers, expected=head.position)
    if added.problems:
        raise RuntimeError(f"the synthetic board does not check: {added.problems[:3]}")
    if (added.ballots, added.head) != (head.position, head.entry_hash):
        raise RuntimeError("the board read back does not end at its final head")
    request = tally_request(election.manifest, added, head.to_json())
    partials = [decrypt_request(s, request) for s in election.shares[1:]]  # two of three
    established = keys_from_record(election.manifest, election.ceremony_record)
    totals = combine(read_request(request), partials, established.trustee_keys,
                     established.verification_keys, params(election.manifest))  # fmt: skip
    return {"request": request, "totals": totals, "ballots": added.ballots}, partials, added


class _Server:
    """The PostgreSQL server process serving the tally's reads, when it runs on this
    machine: its peak memory and the CPU it spent on the tally (it reads as one process)."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        self.cpu_before = self._cpu()

    def _cpu(self) -> float | None:
        if self.pid is None:
            return None
        try:  # utime and stime: the 14th and 15th fields, counted after the ")" of the name
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # another machine's server: not ours to read
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def figures(self) -> dict[str, object]:
        after = self._cpu()
        if self.pid is None or after is None or self.cpu_before is None:
            return {}
        with suppress(OSError):
            return {"database_backend_peak_rss_mb": round(_hwm_mb(self.pid), 1),
                    "database_backend_cpu_s": round(after - self.cpu_before, 1)}  # fmt: skip
        return {}


def _machine() -> dict[str, object]:
    return {"cpus": os.cpu_count(), "python": platform.python_version(),
            "load_average": [round(x, 2) for x in os.getloadavg()]}  # fmt: skip


def _generation(election: SyntheticElection) -> dict[str, object]:
    """How the synthetic election was had: made now, or taken from the cache."""
    out: dict[str, object] = {
        "generation_s": round(election.generation_s, 1),
        "cached": election.cached,
    }
    if election.generation_peak is not None:
        out["generation_peak_rss_mb"] = election.generation_peak
    if election.cache_check_s is not None:
        out["cache_check_s"] = round(election.cache_check_s, 1)
    return out


def run_tally_benchmark(
    ballots: int, workers: int | None = None, cache: Path | None = None, db: str | None = None
) -> dict[str, object]:
    """Check, add up and decrypt a board of ``ballots`` yes/no ballots, read from its
    JSONL file or, with ``db``, from that database's ``board_entries`` (loaded first,
    not timed) as `evote tally` reads it. ``cache``: where the synthetic election is
    kept between runs (`cli.bench_cache`)."""
    workers = workers or os.cpu_count() or 1
    extra: dict[str, object] = {"source": "file"}
    with ExitStack() as stack:
        election = _election(ballots, workers, cache, stack)
        lines: Iterable[str] | None = None
        backend: int | None = None
        if db is not None:
            from cli.bench_db import board_lines, load_board

            extra = load_board(db, election)
            lines, backend = stack.enter_context(board_lines(db, election.manifest.id))
        server = _Server(backend)
        with _peak_memory() as memory, _cpu_seconds() as cpu:
            started = time.perf_counter()
            outcome, partials, _ = _tally(election, workers, lines)
            seconds = time.perf_counter() - started
        extra |= server.figures()
    totals = outcome["totals"]["car-free-sunday"]  # type: ignore[index]
    if totals != [(ballots + 1) // 2, ballots // 2, 0]:
        raise RuntimeError(f"the benchmark's tally came out wrong: {totals}")
    if election.directory is not None:
        from cli.bench_cache import save_outcome

        save_outcome(election.directory, outcome, partials)
    return {
        "ballots": ballots,
        "workers": workers,
        "tally_s": round(seconds, 2),
        "ballots_verified_per_s": round(ballots / seconds, 1),
        "cpu_s": cpu,
        "cpu_ms_per_ballot": round(1000 * (cpu["main"] + cpu["workers"]) / ballots, 2),
        "peak_rss_mb": memory,
        **extra,
        **_generation(election),
        "machine": _machine(),
    }


def _outcome(election: SyntheticElection, workers: int) -> tuple[dict[str, Any], list[Any], bool]:
    """The tally request, partial decryptions and totals the bundle publishes: from the
    cache if an earlier run saved them, else computed (not timed) and saved there."""
    if election.directory is not None:
        from cli.bench_cache import load_outcome, save_outcome

        saved = load_outcome(election.directory)
        if saved is not None:
            return saved[0], saved[1], True
    outcome, partials, _ = _tally(election, workers)
    if election.directory is not None:
        save_outcome(election.directory, outcome, partials)
    return outcome, partials, False


def run_verify_benchmark(
    ballots: int,
    workers: int | None = None,
    cache: Path | None = None,
    scheduler: str | None = None,
) -> dict[str, object]:
    """Build a signed bundle around a synthetic board, then time `audit.verify` (on the
    Dask cluster of ``scheduler``, if given: the CPU figures are then this process's
    only, the workers' being the cluster's)."""
    import tempfile

    import nacl.signing

    from audit.bundle import json_member, write_bundle
    from audit.log import genesis, new_entry
    from audit.verify import verify_file
    from evoting.crypto.canonical import b64encode
    from tally.result import build_result

    workers = workers or os.cpu_count() or 1
    with ExitStack() as stack:
        election = _election(ballots, workers, cache, stack)
        outcome, partials, tally_cached = _outcome(election, workers)
        directory = stack.enter_context(tempfile.TemporaryDirectory(prefix="evote-bench-"))
        started = time.perf_counter()
        manifest = election.manifest
        operator = nacl.signing.SigningKey.generate()
        authority = nacl.signing.SigningKey.generate()
        created = manifest.window.opens
        entry = new_entry(manifest.fingerprint, 1, genesis(manifest.fingerprint),
                          "election-created", {}, operator, created)  # fmt: skip
        keys = {
            "election": b64encode(election.context.election_key),
            "credential": b64encode(election.context.credential_key),
            "board": b64encode(bytes(election.board_key.verify_key)),
            "operator": b64encode(bytes(operator.verify_key)),
        }
        result = build_result(manifest, outcome["totals"], ballots, [], ballots)
        contents = {
            "manifest.json": json_member(manifest.to_json()),
            "keys.json": json_member(keys),
            "trustees.json": json_member(election.ceremony_record),
            "credentials.json": json_member({"credentials_issued": ballots, "eligible": ballots}),
            "board.jsonl": lambda: (line.encode() for line in _lines(election.board)),
            "board-head.json": json_member(election.head.to_json()),
            "spoiled.jsonl": b"",
            "tally.json": json_member({"request": outcome["request"], "partials": partials}),
            "paper.json": json_member([]),
            "result.json": json_member(result),
            "audit-log.jsonl": canonical_json(entry) + b"\n",
        }
        bundle = Path(directory) / "bundle.zip"
        write_bundle(bundle, manifest.fingerprint, contents, authority)  # type: ignore[arg-type]
        bundle_s = time.perf_counter() - started
        with _peak_memory() as memory, _cpu_seconds() as cpu:
            started = time.perf_counter()
            report = verify_file(bundle, workers=workers, scheduler=scheduler)
            seconds = time.perf_counter() - started
        bundle_mb = bundle.stat().st_size / 1e6
    if not report.passed:
        raise RuntimeError(f"the benchmark's bundle does not verify: {report.failures[:3]}")
    return {
        "ballots": ballots,
        "workers": workers,
        "scheduler": scheduler is not None,
        "verify_s": round(seconds, 2),
        "ballots_verified_per_s": round(ballots / seconds, 1),
        "cpu_s": cpu,
        "cpu_ms_per_ballot": round(1000 * (cpu["main"] + cpu["workers"]) / ballots, 2),
        "peak_rss_mb": memory,
        "bundle_s": round(bundle_s, 1),
        "bundle_mb": round(bundle_mb, 1),
        "tally_cached": tally_cached,
        **_generation(election),
        "machine": _machine(),
    }


def run_board_benchmark(ballots: int, workers: int | None = None) -> dict[str, object]:
    """Side by side on one synthetic board: the officials' re-add before accepting
    partial decryptions (`sum_board`, no proofs) and a trustee's full check
    (`aggregate`, every proof, on every core)."""
    import tempfile

    from tally.aggregate import aggregate
    from tally.closed_board import sum_board

    workers = workers or os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="evote-bench-") as directory:
        election = synthetic_election(ballots, workers, Path(directory))
        lines = list(_lines(election.board))
        started = time.perf_counter()
        summed = sum_board(lines, election.manifest)
        re_add = time.perf_counter() - started
        started = time.perf_counter()
        checked = aggregate(lines, election.context, workers=workers, expected=len(lines))
        full = time.perf_counter() - started
    if summed.problems or checked.problems or summed.head != checked.head:
        raise RuntimeError("the synthetic board does not check out")
    return {
        "ballots": ballots,
        "workers": workers,
        "re_add_s": round(re_add, 3),
        "re_add_ms_per_ballot": round(1000 * re_add / ballots, 3),
        "full_check_s": round(full, 3),
        "full_check_ms_per_ballot": round(1000 * full / ballots, 3),
        "full_over_re_add": round(full / re_add, 1),
    }
