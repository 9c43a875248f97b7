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


def _median_us(fn: Callable[[], object], runs: int, batch: int = 50) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        for _ in range(batch):
            fn()
        samples.append((time.perf_counter_ns() - start) / batch / 1000)
    return statistics.median(samples)


def _median_ms(fn: Callable[[], object], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        fn()
        samples.append((time.perf_counter_ns() - start) / 1e6)
    return statistics.median(samples)


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


def _operation_costs_us(runs: int) -> dict[str, float]:
    k = Scalar.random().to_bytes()
    k2 = Scalar.random().to_bytes()
    p = (G * Scalar.random()).to_bytes()
    q = (G * Scalar.random()).to_bytes()
    wide = os.urandom(64)
    calls: dict[str, Callable[[], object]] = {
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
    return {name: _median_us(fn, runs) for name, fn in calls.items()}


def run_crypto_benchmark(runs: int = 300, quick: bool = False) -> dict[str, object]:
    key = KeyPair.generate()
    binding = Binding(os.urandom(32), os.urandom(32))
    costs = _operation_costs_us(runs=20 if quick else 200)

    def encrypt_once() -> EncryptedContest:
        return encrypt_contest(key.public, [0, 1, 0], REFERENDUM, binding)[0]

    wire = canonical_json(encrypt_once().to_json())

    def verify_once() -> None:
        contest = EncryptedContest.from_json(parse_canonical(wire))  # decode + validate points
        verify_contest(key.public, contest, REFERENDUM, binding)

    encrypt_ms = _median_ms(encrypt_once, runs)
    verify_ms = _median_ms(verify_once, runs)
    with _counting() as counts:
        verify_once()
    floor_ms = sum(costs[name] * n for name, n in counts.items()) / 1000

    ballots = 100 if quick else 1000
    contests = [
        encrypt_contest(key.public, [int(i % 3 == j) for j in range(3)], REFERENDUM, binding)[0]
        for i in range(ballots)
    ]

    def tally() -> list[int]:
        table = DiscreteLogTable(ballots)
        totals: list[Ciphertext] = list(contests[0].ciphertexts)
        for contest in contests[1:]:
            totals = [t + c for t, c in zip(totals, contest.ciphertexts, strict=True)]
        return [decrypt(key.secret, t, table) for t in totals]

    tally_ms = _median_ms(tally, 3 if quick else 7)
    assert tally() == [sum(1 for i in range(ballots) if i % 3 == j) for j in range(3)]

    return {
        "scalarmult_us": round(costs["scalarmult"], 2),
        "basemult_us": round(costs["scalarmult_base"], 2),
        "point_check_us": round(costs["is_valid_point"], 2),
        "point_add_us": round(costs["add"], 2),
        "encrypt_ballot_ms": round(encrypt_ms, 3),
        "verify_ballot_ms": round(verify_ms, 3),
        "verify_floor_ms": round(floor_ms, 3),
        "verify_over_floor": round(verify_ms / floor_ms, 3),
        "verify_operations": dict(sorted(counts.items())),
        f"tally_{ballots}_ms": round(tally_ms, 1),
        "ballot": "referendum yes/no/blank: 3 selections in {0,1}, sum exactly 1",
        "runs": runs,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "libsodium": ".".join(
                map(str, (pysodium.sodium_major, pysodium.sodium_minor, pysodium.sodium_patch))
            ),
            "processor": platform.machine(),
        },
    }
