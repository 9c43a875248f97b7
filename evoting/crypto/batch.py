"""Batch verification: the group equations of many proofs, checked at once.

A proof that carries its commitments (ballot format V2, docs/protocol.md §5.6) is
checked in two parts: its challenge against the hash of the commitments it carries,
at once, and its group equations ``Σ sᵢ·Pᵢ = Q``, through `check`. Outside a batch
`check` computes each left-hand side and compares it with Q, exactly, on either
verification path. Inside ``with deferring(batch):`` it only adds the equations to
the batch, and `Batch.holds` later checks all of them with one random linear
combination (fresh 128-bit weights, one multi-scalar multiplication over the batch's
native table of points). `Batch.failing` bisects a batch that does not hold down to
the items (ballots) whose equations fail; the caller checks those again alone,
outside any batch, to say which proof failed and why.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Hashable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

from . import combine
from .combine import Combination
from .errors import CryptoError
from .group import Point, Scalar, _new_point

Equation = tuple[Combination, int]
"""``(terms, k)``: the terms' sum must be ``points[k]``."""

WEIGHT_BYTES = 16
"""Batch weights are uniform 128-bit integers: a false "all hold" has probability at
most 2⁻¹²⁸ per batch (docs/protocol.md, "Batch verification")."""
_MINUS_ONE_BYTES = Scalar.from_int(-1).to_bytes()
_SMALL_SUM = 4
"""A sum of at most this many points is written as its parts (a referendum's three
options: one point fewer to multiply); a larger one stays a point, or every term on
it would become one per part (a 256-option contest: 69 times the terms)."""
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
    """Equations of many items (ballots), each equation remembered with its item.

    On the native path the batch keeps its points decoded in a native table: the
    points read with `evoting.crypto.read_together` inside the batch are decoded once
    (`register`), when they are checked, and reused by the final multi-scalar
    multiplication. On the libsodium path each equation is checked exactly."""

    def __init__(self) -> None:
        core = combine.native_core()
        self._table = core.PointTable() if core is not None else None
        self._points: list[Point] = []  # the same points, for the exact checks
        self._index: dict[bytes, int] = {}
        self._scalars = bytearray()  # 32 bytes per term, the −1 of the right side included
        self._indices: list[int] = []
        self._lengths: list[int] = []
        self._starts: list[int] = []  # each equation's first term
        self._owners: list[Hashable] = []
        self._owner: Hashable = None
        self._start = (0, 0)  # the current item's first equation and first term
        self._parts: dict[int, list[int]] = {}
        """A sum's index (`sum_of`) → its parts' indices: a term on the sum is written as
        the same coefficient on each part, so the multi-scalar multiplication does not
        take the sum as a point of its own (it merges each point's coefficients)."""

    def __len__(self) -> int:
        return len(self._lengths)

    def item(self, owner: Hashable) -> None:
        """The equations added from now on are ``owner``'s (a board position)."""
        self._owner, self._start = owner, (len(self._lengths), len(self._indices))

    def cancel(self) -> None:
        """Drop the current item's equations (it failed a check of its own already),
        even one that an error cut short."""
        equation, term = self._start
        del self._scalars[32 * term :], self._indices[term:]
        del self._lengths[equation:], self._starts[equation:], self._owners[equation:]

    @property
    def native(self) -> bool:
        """Whether the batch keeps its points in a native table (`register`)."""
        return self._table is not None

    def register(self, encodings: list[bytes]) -> bool:
        """Points read from outside (canonical, not the identity, to be checked): decoded
        into the native table now, all or none; False if one is not a valid point."""
        if self._table is None:
            raise RuntimeError("a batch on the libsodium path has no table")
        start = len(self._table)
        if self._table.extend(b"".join(encodings), False) is not None:
            return False
        # A point met twice keeps its later index: both hold the same element.
        self._index.update(zip(encodings, itertools.count(start)))
        self._points.extend(map(_new_point, encodings))  # checked just now, by the table
        return True

    def sum_of(self, points: Sequence[Point]) -> Point | None:
        """The sum of ``points`` from the native table, if they are all in it (a sum of
        ciphertexts read in this batch: no decoding again), kept in the table for the
        equations that use it; else None."""
        if self._table is None:
            return None
        indices = [self._index.get(p.to_bytes()) for p in points]
        if any(i is None for i in indices):
            return None
        index = len(self._points)
        parts = [i for i in indices if i is not None]
        total = _new_point(self._table.sum(parts))
        self._points.append(total)  # the table appended it too: index is its place in both
        if self._index.setdefault(total.to_bytes(), index) == index and len(parts) <= _SMALL_SUM:
            self._parts[index] = parts
        return total

    def add(self, points: Sequence[Point], equations: Sequence[Equation]) -> None:
        local = [self._at(p) for p in points]
        scalars, indices, parts = self._scalars, self._indices, self._parts
        for terms, k in equations:
            first = len(indices)
            self._starts.append(first)
            for s, i in terms:
                at = local[i]
                if at in parts:
                    for part in parts[at]:
                        scalars += s.to_bytes()
                        indices.append(part)
                else:
                    scalars += s.to_bytes()
                    indices.append(at)
            scalars += _MINUS_ONE_BYTES  # the right side, last (`_exact` reads it so)
            indices.append(local[k])
            self._lengths.append(len(indices) - first)
            self._owners.append(self._owner)

    def _at(self, point: Point) -> int:
        key = point.to_bytes()
        found = self._index.get(key)
        if found is None:
            found = len(self._points)
            if self._table is not None and self._table.extend(key, True) is not None:
                raise CryptoError("a point of the batch is not a ristretto255 element")
            self._points.append(point)  # in step with the table
            self._index[key] = found
        return found

    def holds(self) -> bool:
        """Whether every equation holds (on the native path: except with probability
        at most 2⁻¹²⁸ over weights drawn now, after the batch is complete)."""
        return self._holds(range(len(self._lengths)))

    def _holds(self, which: Sequence[int]) -> bool:
        if not which:
            return True
        if self._table is None or combine.native_core() is None:
            return self._exact(which)
        if len(which) == len(self._lengths):
            scalars, indices, lengths = bytes(self._scalars), self._indices, self._lengths
        else:
            parts, indices, lengths = [], [], []
            for e in which:
                first, n = self._starts[e], self._lengths[e]
                parts.append(self._scalars[32 * first : 32 * (first + n)])
                indices += self._indices[first : first + n]
                lengths.append(n)
            scalars = b"".join(parts)
        weights = secrets.token_bytes(WEIGHT_BYTES * len(lengths))
        return self._table.all_identity(scalars, indices, lengths, weights)

    def _exact(self, which: Sequence[int]) -> bool:
        """Each equation alone: its terms but the last, compared with the last's point."""
        points = self._points
        for e in which:
            first, n = self._starts[e], self._lengths[e]
            terms = [(_scalar(self._scalars, first + t), self._indices[first + t])
                     for t in range(n - 1)]  # fmt: skip
            (total,) = combine.lincombs(points, [terms])
            if total != points[self._indices[first + n - 1]]:
                return False
        return True

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


def _scalar(data: bytearray, term: int) -> Scalar:
    return Scalar.from_bytes(bytes(data[32 * term : 32 * term + 32]))


def current() -> Batch | None:
    """The batch proof checks add to now, if any (`deferring`)."""
    return _current.get()
