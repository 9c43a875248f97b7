"""One encrypted answer to one question: a ciphertext per option plus its proofs.

The shape of a valid answer is a `ContestShape`: each selection in
[0, max_per_selection] and their sum in [min_total, max_total]. A Kortrijk
referendum with a blank option is three options (yes, no, blank) with selections
in {0, 1} and sum exactly 1 (docs/protocol.md §6). Every proof's label carries
the question's identifier (and, for a selection, the option's index), and the
binding carries the election and the voter's credential key: no proof, and no
whole contest, can be moved to another question, ballot or election.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from . import _codec
from .disjunctive import (
    MAX_SET_SIZE,
    DisjunctiveProof,
    prove_in_set,
    prove_sum_in_range,
    verify_in_set,
    verify_sum_in_range,
)
from .elgamal import Ciphertext, encrypt
from .errors import InvalidEncoding, InvalidProof
from .group import Point, Scalar, lp, u64
from .transcript import Binding

MAX_OPTIONS = 256


@dataclass(frozen=True, slots=True)
class ContestShape:
    """How many options, and the bounds a valid answer keeps."""

    options: int
    max_per_selection: int = 1
    min_total: int = 1
    max_total: int = 1

    def __post_init__(self) -> None:
        if not 0 < self.options <= MAX_OPTIONS:
            raise ValueError(f"a question has 1 to {MAX_OPTIONS} options")
        if self.max_per_selection < 1:
            raise ValueError("max_per_selection is at least 1")
        if not 0 <= self.min_total <= self.max_total <= self.options * self.max_per_selection:
            raise ValueError("need 0 ≤ min_total ≤ max_total ≤ options × max_per_selection")
        if (
            self.max_per_selection >= MAX_SET_SIZE
            or self.max_total - self.min_total >= MAX_SET_SIZE
        ):
            raise ValueError(f"a selection or the sum can take at most {MAX_SET_SIZE} values")

    @property
    def selection_values(self) -> range:
        return range(self.max_per_selection + 1)

    def check(self, selections: Sequence[int]) -> None:
        """A plain-language `ValueError` if the answer does not fit the shape."""
        if len(selections) != self.options:
            raise ValueError(f"expected {self.options} selections, got {len(selections)}")
        if any(not 0 <= s <= self.max_per_selection for s in selections):
            raise ValueError(f"each selection is between 0 and {self.max_per_selection}")
        if not self.min_total <= sum(selections) <= self.max_total:
            raise ValueError(f"choose between {self.min_total} and {self.max_total}")


@dataclass(frozen=True, slots=True)
class EncryptedContest:
    ciphertexts: tuple[Ciphertext, ...]
    selection_proofs: tuple[DisjunctiveProof, ...]
    sum_proof: DisjunctiveProof

    def to_json(self) -> dict[str, object]:
        return {
            "ciphertexts": [c.to_json() for c in self.ciphertexts],
            "selection_proofs": [p.to_json() for p in self.selection_proofs],
            "sum_proof": self.sum_proof.to_json(),
        }

    @classmethod
    def from_json(cls, value: object, what: str = "contest") -> EncryptedContest:
        f = _codec.obj(value, {"ciphertexts", "selection_proofs", "sum_proof"}, what)
        cts = _codec.array(f["ciphertexts"], f"{what}.ciphertexts")
        proofs = _codec.array(f["selection_proofs"], f"{what}.selection_proofs")
        if len(cts) != len(proofs) or not 0 < len(cts) <= MAX_OPTIONS:
            raise InvalidEncoding(f"{what}: one proof per ciphertext, 1 to {MAX_OPTIONS}")
        return cls(
            tuple(Ciphertext.from_json(c, f"{what}.ciphertexts[{i}]") for i, c in enumerate(cts)),
            tuple(
                DisjunctiveProof.from_json(p, f"{what}.selection_proofs[{i}]")
                for i, p in enumerate(proofs)
            ),
            DisjunctiveProof.from_json(f["sum_proof"], f"{what}.sum_proof"),
        )


def _labels(question: bytes, options: int) -> tuple[list[bytes], bytes]:
    """Selection i: ``lp(question) || u64(i)``; the sum: ``lp(question)``."""
    prefix = lp(question)
    return [prefix + u64(i) for i in range(options)], prefix


def encrypt_contest(
    public_key: Point,
    selections: Sequence[int],
    shape: ContestShape,
    binding: Binding,
    question: bytes,
) -> tuple[EncryptedContest, tuple[Scalar, ...]]:
    """Encrypt and prove an answer to ``question`` (its identifier, as bytes).

    Also returns the randomness, for a Benaloh challenge.
    """
    shape.check(selections)
    labels, sum_label = _labels(question, shape.options)
    encrypted = [encrypt(public_key, s) for s in selections]
    cts = tuple(ct for ct, _ in encrypted)
    rs = tuple(r for _, r in encrypted)
    values = shape.selection_values
    proofs = tuple(
        prove_in_set(public_key, cts[i], values, selections[i], rs[i], binding, labels[i])
        for i in range(shape.options)
    )
    sum_proof = prove_sum_in_range(
        public_key, cts, rs, sum(selections), shape.min_total, shape.max_total, binding, sum_label
    )
    return EncryptedContest(cts, proofs, sum_proof), rs


def verify_contest(
    public_key: Point,
    contest: EncryptedContest,
    shape: ContestShape,
    binding: Binding,
    question: bytes,
) -> None:
    """Raise `InvalidProof` unless every selection and the sum fit the shape."""
    if len(contest.ciphertexts) != shape.options or len(contest.selection_proofs) != shape.options:
        raise InvalidProof(f"expected {shape.options} encrypted selections")
    values = shape.selection_values
    labels, sum_label = _labels(question, shape.options)
    for i, (ct, proof) in enumerate(
        zip(contest.ciphertexts, contest.selection_proofs, strict=True)
    ):
        try:
            verify_in_set(public_key, ct, values, proof, binding, labels[i])
        except InvalidProof as exc:
            raise InvalidProof(f"selection {i}: {exc}") from exc
    verify_sum_in_range(
        public_key,
        contest.ciphertexts,
        shape.min_total,
        shape.max_total,
        contest.sum_proof,
        binding,
        sum_label,
    )
