"""Linear combinations of public points, for verifiers: ``Σ sᵢ·Pᵢ``.

Every proof check of the kernel recomputes commitments such as ``z·G − c·X``. They
go through `lincombs`, which runs them on the native core (``native/``, variable-time
multi-scalar multiplication in curve25519-dalek) when it is installed, and on
libsodium otherwise (`evoting.crypto._native`). The two give the same points, so the
same verdicts (tests/property/test_native_core.py).

Only public values may be combined here: the native core's running time depends on
the scalars. Proving and encryption use `group` directly (constant time).

A combination is a sequence of ``(scalar, index)`` terms, the index into ``points``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from . import _native
from .group import IDENTITY, G, Point, Scalar, _new_point, base_mul

G_INDEX = 0
"""Callers put G first in ``points`` by convention; libsodium then uses its fixed-base
table for the G terms (``base_mul``), as the kernel did before."""

Term = tuple[Scalar, int]
Combination = Sequence[Term]

_core: _native.Core | None = _native.load()


def native_core() -> _native.Core | None:
    """The native core if this process verifies on it now, else None."""
    return _core


def backend() -> str:
    """Which path verification takes in this process, for benchmarks and reports."""
    return "native" if _core is not None else "libsodium"


@contextmanager
def using(name: str) -> Iterator[None]:
    """Run the block on ``"native"`` or ``"libsodium"`` (tests and benchmarks compare
    the two in one process), worker processes started in it included (through
    ``EVOTING_NATIVE``). `RuntimeError` if the native core is not installed."""
    global _core  # noqa: PLW0603 - the process-wide choice of path, swapped for a block
    previous, environment = _core, os.environ.get(_native.DISABLE)
    if name == "native":
        os.environ.pop(_native.DISABLE, None)
        core = previous or _native.load()
        if core is None:
            _restore(environment)
            raise RuntimeError(
                "the native core (native/) is not installed, or is older than "
                "this code: ./dev builds it"
            )
        _core = core
    elif name == "libsodium":
        os.environ[_native.DISABLE] = "0"  # and the worker processes started meanwhile
        _core = None
    else:
        raise ValueError(f"unknown verification path {name!r}")
    try:
        yield
    finally:
        _core = previous
        _restore(environment)


def _restore(value: str | None) -> None:
    if value is None:
        os.environ.pop(_native.DISABLE, None)
    else:
        os.environ[_native.DISABLE] = value


def _shape(combos: Sequence[Combination]) -> tuple[bytes, list[int], list[int]]:
    scalars = b"".join(s.to_bytes() for combo in combos for s, _ in combo)
    indices = [i for combo in combos for _, i in combo]
    return scalars, indices, [len(combo) for combo in combos]


def _pure(points: Sequence[Point], combo: Combination) -> Point:
    total: Point | None = None
    for s, i in combo:
        term = base_mul(s) if i == G_INDEX and points[i] == G else points[i] * s
        total = term if total is None else total + term
    return IDENTITY if total is None else total


def lincombs(points: Sequence[Point], combos: Sequence[Combination]) -> list[Point]:
    """``Σ s·points[i]`` over each combination's terms, in order."""
    if _core is None:
        return [_pure(points, combo) for combo in combos]
    scalars, indices, lengths = _shape(combos)
    out = _core.lincombs(b"".join(p.to_bytes() for p in points), scalars, indices, lengths)
    return [_new_point(out[32 * k : 32 * k + 32]) for k in range(len(combos))]
