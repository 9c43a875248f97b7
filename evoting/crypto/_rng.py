"""Where the kernel's randomness comes from: libsodium, unless a test fixes it.

Randomness is an input, not an argument: no public function takes a nonce. The
kernel draws every secret scalar through `random_scalar_bytes`; tests and the
test-vector generator swap the source with `deterministic`, which is private and
must never be used outside them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from . import _sodium

_source: Callable[[], bytes] = _sodium.scalar_random


def random_scalar_bytes() -> bytes:
    """A uniformly random scalar in [0, L), canonical 32-byte little-endian."""
    return _source()


@contextmanager
def deterministic(seed: bytes) -> Iterator[list[bytes]]:
    """Replace the randomness by SHA-512(tag || seed || counter) reduced mod L (tests only).

    Yields the list of scalars drawn so far, in order, so that a test vector can
    publish the randomness a prover used.
    """
    global _source  # noqa: PLW0603 - the seam is a module-level source by design
    drawn: list[bytes] = []

    def draw() -> bytes:
        counter = len(drawn) + 1
        digest = hashlib.sha512(b"EVOTING-V1-test-rng" + seed + counter.to_bytes(8, "little"))
        drawn.append(_sodium.scalar_reduce(digest.digest()))
        return drawn[-1]

    previous = _source
    _source = draw
    try:
        yield drawn
    finally:
        _source = previous
