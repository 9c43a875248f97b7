"""`evote bench crypto`: medians of the kernel's costs, and the floor they are held to.

``verify_floor_ms`` is what one ballot verification would cost if Python added
nothing: each libsodium operation the verification performs (counted by wrapping
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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pysodium

from evoting.crypto import _sodium
from evoting.crypto.canonical import canonical_json, parse_canonical
from evoting.crypto.contest import ContestShape, EncryptedContest, encrypt_contest, verify_contest
from evoting.crypto.elgamal import Ciphertext, DiscreteLogTable, KeyPair, decrypt
from evoting.crypto.group import G, Scalar
from evoting.crypto.transcript import Binding

REFERENDUM = ContestShape(options=3, max_per_selection=1, min_total=1, max_total=1)
"""yes / no / blank: three 0/1 selections, exactly one chosen."""
QUESTION = b"car-free-sunday"

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

    wire = canonical_json(encrypt_once().to_json())

    def verify_once() -> None:
        contest = EncryptedContest.from_json(parse_canonical(wire))  # decode + validate points
        verify_contest(key.public, contest, REFERENDUM, binding, QUESTION)

    with _counting() as counts:
        verify_once()
    calls = _operation_calls()
    per_round = 10
    rounds = max(3, runs // per_round)
    costs: dict[str, list[float]] = {name: [] for name in calls}
    encrypt_ms: list[float] = []
    verify_ms: list[float] = []
    floor_ms: list[float] = []
    ratios: list[float] = []
    for _ in range(rounds):
        for name, fn in calls.items():
            costs[name].append(_batch_us(fn, 20))
        floor = sum(costs[name][-1] * n for name, n in counts.items()) / 1000
        encrypt_ms.append(_batch_us(encrypt_once, per_round) / 1000)
        verify_ms.append(_batch_us(verify_once, per_round) / 1000)
        floor_ms.append(floor)
        ratios.append(verify_ms[-1] / floor)
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
        f"tally_{ballots}_ms": round(statistics.median(tally_runs), 1),
        "ballot": "referendum yes/no/blank: 3 selections in {0,1}, sum exactly 1",
        "runs": rounds * per_round,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "libsodium": f"{pysodium.sodium_major}.{pysodium.sodium_minor}.{pysodium.sodium_patch}",
            "processor": platform.machine(),
        },
    }
