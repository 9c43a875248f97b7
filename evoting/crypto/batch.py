"""Batch verification: the group equations of many proofs, checked at once.

A proof that carries its commitments (ballot format V2, docs/protocol.md §5.6) is
checked in two parts: its challenge against the hash of the commitments it carries,
at once, and its group equations ``Σ sᵢ·Pᵢ = Q``, through `check`. Outside a batch
`check` computes each left-hand side and compares it with Q, exactly, on either
verification path. Inside ``with deferring(batch):`` it only adds the equations to
the batch, and `Batch.holds` later checks all of them with one random linear
combination (`combine.all_identity`: fresh 128-bit weights, one multi-scalar
multiplication). `Batch.failing` bisects a batch that does not hold down to the
items (ballots) whose equations fail; the caller checks those again alone, outside
any batch, to say which proof failed and why.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

from . import combine
from .combine import Combination
from .group import Point, Scalar

Equation = tuple[Combination, int]
"""``(terms, k)``: the terms' sum must be ``points[k]``."""

_MINUS_ONE = Scalar.from_int(-1)
_current: ContextVar[Batch | None] = ContextVar("evoting_batch", default=None)


def check(points: Sequence[Point], equations: Sequence[Equation]) -> bool:
    """Whether every equation holds; inside `deferring`, added to the batch (True)."""
    batch = _current.get()
    if batch is not None:
        batch.add(points, equations)
        return True
    sums = combine.lincombs(points, [terms for terms, _ in equations])
    return all(s == points[k] for s, (_, k) in zip(sums, equations, strict=True))


@contextmanager
def deferring(batch: Batch) -> Iterator[Batch]:
    """Proof checks in this block add their group equations to ``batch``."""
    token = _current.set(batch)
    try:
        yield batch
    finally:
        _current.reset(token)


class Batch:
    """Equations of many items (ballots), each equation remembered with its item."""

    def __init__(self) -> None:
        self._points: list[Point] = []
        self._index: dict[bytes, int] = {}
        self._equations: list[tuple[list[tuple[Scalar, int]], int]] = []
        self._owners: list[Hashable] = []
        self._owner: Hashable = None
        self._start = 0

    def __len__(self) -> int:
        return len(self._equations)

    def item(self, owner: Hashable) -> None:
        """The equations added from now on are ``owner``'s (a board position)."""
        self._owner, self._start = owner, len(self._equations)

    def cancel(self) -> None:
        """Drop the current item's equations (it failed a check of its own already)."""
        del self._equations[self._start :], self._owners[self._start :]

    def add(self, points: Sequence[Point], equations: Sequence[Equation]) -> None:
        local = [self._at(p) for p in points]
        for terms, k in equations:
            self._equations.append(([(s, local[i]) for s, i in terms], local[k]))
            self._owners.append(self._owner)

    def _at(self, point: Point) -> int:
        key = point.to_bytes()
        found = self._index.get(key)
        if found is None:
            found = self._index[key] = len(self._points)
            self._points.append(point)
        return found

    def holds(self) -> bool:
        """Whether every equation holds (on the native path: except with probability
        at most 2⁻¹²⁸ over weights drawn now, after the batch is complete)."""
        return self._holds(range(len(self._equations)))

    def _holds(self, which: Sequence[int]) -> bool:
        if not which:
            return True
        used: dict[int, int] = {}
        points: list[Point] = []

        def at(i: int) -> int:
            if i not in used:
                used[i] = len(points)
                points.append(self._points[i])
            return used[i]

        chosen = [self._equations[e] for e in which]
        remapped: list[Equation] = [([(s, at(i)) for s, i in terms], at(k)) for terms, k in chosen]
        if combine.backend() == "libsodium":  # no batch gain: each equation, exactly
            sums = combine.lincombs(points, [terms for terms, _ in remapped])
            return all(s == points[k] for s, (_, k) in zip(sums, remapped, strict=True))
        return combine.all_identity(points, [[*terms, (_MINUS_ONE, k)] for terms, k in remapped])

    def failing(self) -> list[Hashable]:
        """The items with an equation that does not hold, in the order they were added:
        found by halving (a batch of one bad item among n costs about 2·log₂ n checks
        of shrinking halves)."""
        groups: dict[Hashable, list[int]] = {}
        for e, owner in enumerate(self._owners):
            groups.setdefault(owner, []).append(e)

        def search(owners: list[Hashable]) -> list[Hashable]:
            if self._holds([e for o in owners for e in groups[o]]):
                return []
            if len(owners) == 1:
                return owners
            middle = len(owners) // 2
            return search(owners[:middle]) + search(owners[middle:])

        return search(list(groups))
