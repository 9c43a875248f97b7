"""`evote bench crypto`, batch figures: a chunk of referendum ballots' proofs checked
one by one on each path, and at once on the native core (docs/performance.md).

Every figure is per ballot and includes decoding the contest from its canonical
JSON (points validated), as the tally and the verifier do. Measured in interleaved
rounds, so that the paths are compared under the same machine load:

* ``v1_libsodium_us``: the V1 form (no commitments) one by one on libsodium, today's
  path before the native core;
* ``v1_native_us``: the same on the native core, one by one;
* ``v2_native_batch_us``: the V2 form (proofs with their commitments), each
  contest's points checked in one call (`evoting.crypto.read_together`), every
  challenge checked as it is read and the group equations of the whole chunk in one
  random linear combination (`evoting.crypto.batch`), as the tally and the verifier
  do;
* ``batch_speedup``: ``v1_libsodium_us / v2_native_batch_us``, the median of the
  per-round ratios.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from functools import partial

from evoting.crypto import _native, combine, read_together
from evoting.crypto.batch import Batch, deferring
from evoting.crypto.canonical import canonical_json, parse_canonical
from evoting.crypto.contest import ContestShape, EncryptedContest, verify_contest
from evoting.crypto.elgamal import KeyPair
from evoting.crypto.transcript import Binding

REFERENDUM = ContestShape(options=3, max_per_selection=1, min_total=1, max_total=1)
"""yes / no / blank: three 0/1 selections, exactly one chosen (the crypto benchmark's)."""
QUESTION = b"car-free-sunday"


def _v2_contest(doc: object) -> EncryptedContest:
    return EncryptedContest.from_json(doc, commitments=True)


def _per_ballot_us(fn: Callable[[list[bytes]], object], wires: list[bytes]) -> float:
    start = time.perf_counter_ns()
    fn(wires)
    return (time.perf_counter_ns() - start) / 1e3 / len(wires)


def batch_figures(
    key: KeyPair, binding: Binding, encrypt: Callable[[], EncryptedContest], *, quick: bool
) -> dict[str, object]:
    """Figures for chunks of 100 and 1,000 ballots (100 only with ``quick``)."""
    if _native.load() is None:
        return {"native": False}
    sizes = (100,) if quick else (100, 1000)
    contests = [encrypt() for _ in range(max(sizes))]
    v1 = [canonical_json(c.without_commitments().to_json()) for c in contests]
    v2 = [canonical_json(c.to_json()) for c in contests]

    def one_by_one(wires: list[bytes]) -> None:
        for wire in wires:
            contest = EncryptedContest.from_json(parse_canonical(wire))
            verify_contest(key.public, contest, REFERENDUM, binding, QUESTION)

    def batched(wires: list[bytes]) -> None:
        batch = Batch()
        with deferring(batch):
            for position, wire in enumerate(wires):
                batch.item(position)
                contest = read_together(partial(_v2_contest, parse_canonical(wire)))
                verify_contest(key.public, contest, REFERENDUM, binding, QUESTION)
        if not batch.holds():
            raise RuntimeError("the benchmark's batch did not verify")

    out: dict[str, object] = {"native": True, "ballot": "referendum yes/no/blank"}
    for size in sizes:
        rounds = 3 if quick else 5
        figures: dict[str, list[float]] = {"v1_libsodium_us": [], "v1_native_us": [],
                                           "v2_native_batch_us": [], "ratio": []}  # fmt: skip
        for _ in range(rounds):
            with combine.using("libsodium"):
                figures["v1_libsodium_us"].append(_per_ballot_us(one_by_one, v1[:size]))
            with combine.using("native"):
                figures["v1_native_us"].append(_per_ballot_us(one_by_one, v1[:size]))
                figures["v2_native_batch_us"].append(_per_ballot_us(batched, v2[:size]))
            figures["ratio"].append(figures["v1_libsodium_us"][-1]
                                    / figures["v2_native_batch_us"][-1])  # fmt: skip
        out[f"chunk_{size}"] = {
            "v1_libsodium_us": round(statistics.median(figures["v1_libsodium_us"]), 1),
            "v1_native_us": round(statistics.median(figures["v1_native_us"]), 1),
            "v2_native_batch_us": round(statistics.median(figures["v2_native_batch_us"]), 1),
            "batch_speedup": round(statistics.median(figures["ratio"]), 2),
            "bytes_v1": len(v1[0]),
            "bytes_v2": len(v2[0]),
        }
    return out
