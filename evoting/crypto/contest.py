"""One encrypted answer to one question: a ciphertext per option plus its proofs.

The shape of a valid answer is a `ContestShape`: each selection in
[0, max_per_selection] and their sum in [min_total, max_total]. A Kortrijk
referendum with a blank option is three options (yes, no, blank) with selections
in {0, 1} and sum exactly 1 (docs/protocol.md §6). Every proof's label carries
the question's identifier (and, for a selection, the option's index), and the
binding carries the election and the voter's credential key: no proof, and no
whole contest, can be moved to another question, ballot or election.

Two more kinds of constraint make the participatory-budget questions (§6.1):

* `Subset`: the selections at some indices sum to a value in [low, high] — the
  rows (one project per rank) and columns (one rank per project) of a points grid;
  proved like the sum, over those ciphertexts only, labelled
  ``lp(question) || lp("subset") || u64(j)``;
* `Weighted`: Σ wᵢ·selectionᵢ lies in [low, high] — a budget basket's costs. The
  weighted sum E = Σ wᵢ·Eᵢ is computed by anyone from the ciphertexts; two range
  proofs by bits (range_proof.py) show that E − low·G and high·G − E both encrypt
  values in [0, 2ⁿ), n the bit length of high − low, which (far below the group
  order) means low ≤ Σ wᵢ·selectionᵢ ≤ high.
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
from .group import IDENTITY, Point, Scalar, base_mul, lp, u64
from .range_proof import MAX_BITS, RangeProof, prove_range, verify_range
from .transcript import Binding

MAX_OPTIONS = 256
MAX_SUBSETS = 512  # a 5 × 50 points grid has 55: rows and columns


@dataclass(frozen=True, slots=True)
class Subset:
    """The selections at ``indices`` sum to a value in [low, high]."""

    indices: tuple[int, ...]
    low: int
    high: int


@dataclass(frozen=True, slots=True)
class Weighted:
    """Σ weights[i]·selection[i] lies in [low, high] (a budget basket's costs)."""

    weights: tuple[int, ...]
    low: int
    high: int

    @property
    def bits(self) -> int:
        """The range proofs' length: 2^bits > high − low."""
        return max(1, (self.high - self.low).bit_length())

    def value(self, selections: Sequence[int]) -> int:
        return sum(w * s for w, s in zip(self.weights, selections, strict=True))


@dataclass(frozen=True, slots=True)
class ContestShape:
    """How many options, and the bounds a valid answer keeps."""

    options: int
    max_per_selection: int = 1
    min_total: int = 1
    max_total: int = 1
    subsets: tuple[Subset, ...] = ()
    weighted: Weighted | None = None

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
        if len(self.subsets) > MAX_SUBSETS:
            raise ValueError(f"at most {MAX_SUBSETS} subsets")
        for s in self.subsets:
            if not s.indices or len(set(s.indices)) != len(s.indices) or any(
                    not 0 <= i < self.options for i in s.indices):  # fmt: skip
                raise ValueError("a subset names distinct options, at least one")
            if not 0 <= s.low <= s.high <= len(s.indices) * self.max_per_selection:
                raise ValueError("a subset's bounds: 0 ≤ low ≤ high ≤ its size × max")
            if s.high - s.low >= MAX_SET_SIZE:
                raise ValueError(f"a subset's sum can take at most {MAX_SET_SIZE} values")
        w = self.weighted
        if w is not None and (len(w.weights) != self.options or any(x < 0 for x in w.weights)
                              or not 0 <= w.low <= w.high or w.bits > MAX_BITS // 2):  # fmt: skip
            raise ValueError("weights: one per option, 0 or more; 0 ≤ low ≤ high < 2^32")

    @property
    def size(self) -> int:
        """What an encrypted contest's size grows with: its ciphertexts and the branches of
        its proofs (each about 180 bytes of canonical JSON with the V2 proofs' commitments,
        110 without; tests/unit/test_contest.py)."""
        units = self.options * (self.max_per_selection + 2) + self.max_total - self.min_total + 1
        units += sum(s.high - s.low + 1 for s in self.subsets)
        if self.weighted is not None:
            units += 2 * 3 * self.weighted.bits  # per bit: a ciphertext, a two-branch proof
        return units

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
        for j, subset in enumerate(self.subsets):
            if not subset.low <= sum(selections[i] for i in subset.indices) <= subset.high:
                raise ValueError(f"subset {j}: its selections sum to between {subset.low} and "
                                 f"{subset.high}")  # fmt: skip
        w = self.weighted
        if w is not None and not w.low <= w.value(selections) <= w.high:
            raise ValueError(f"the weighted sum is between {w.low} and {w.high}")


@dataclass(frozen=True, slots=True)
class EncryptedContest:
    ciphertexts: tuple[Ciphertext, ...]
    selection_proofs: tuple[DisjunctiveProof, ...]
    sum_proof: DisjunctiveProof
    subset_proofs: tuple[DisjunctiveProof, ...] = ()
    weighted_proofs: tuple[RangeProof, RangeProof] | None = None  # (low side, high side)

    def to_json(self) -> dict[str, object]:
        """The contest's wire form; the optional proofs appear only where the shape has them,
        so a referendum's contest is what it always was."""
        out: dict[str, object] = {
            "ciphertexts": [c.to_json() for c in self.ciphertexts],
            "selection_proofs": [p.to_json() for p in self.selection_proofs],
            "sum_proof": self.sum_proof.to_json(),
        }
        if self.subset_proofs:
            out["subset_proofs"] = [p.to_json() for p in self.subset_proofs]
        if self.weighted_proofs is not None:
            low, high = self.weighted_proofs
            out["weighted_proofs"] = {"low": low.to_json(), "high": high.to_json()}
        return out

    def without_commitments(self) -> EncryptedContest:
        """The V1 form of the same contest (its proofs without their commitments)."""
        weighted = None
        if self.weighted_proofs is not None:
            low, high = self.weighted_proofs
            weighted = (low.without_commitments(), high.without_commitments())
        return EncryptedContest(
            self.ciphertexts,
            tuple(p.without_commitments() for p in self.selection_proofs),
            self.sum_proof.without_commitments(),
            tuple(p.without_commitments() for p in self.subset_proofs),
            weighted,
        )

    @classmethod
    def from_json(
        cls, value: object, what: str = "contest", *, commitments: bool | None = None
    ) -> EncryptedContest:
        """``commitments``: True if every proof is in the V2 form (docs/protocol.md §5.6),
        False if none is, None for either."""
        f = _codec.obj(value, {"ciphertexts", "selection_proofs", "sum_proof"}, what,
                       optional={"subset_proofs", "weighted_proofs"})  # fmt: skip
        cts = _codec.array(f["ciphertexts"], f"{what}.ciphertexts")
        proofs = _codec.array(f["selection_proofs"], f"{what}.selection_proofs")
        if len(cts) != len(proofs) or not 0 < len(cts) <= MAX_OPTIONS:
            raise InvalidEncoding(f"{what}: one proof per ciphertext, 1 to {MAX_OPTIONS}")
        subsets = _codec.array(f["subset_proofs"], f"{what}.subset_proofs") if (
            "subset_proofs" in f) else []  # fmt: skip
        if "subset_proofs" in f and not 0 < len(subsets) <= MAX_SUBSETS:
            raise InvalidEncoding(f"{what}.subset_proofs: 1 to {MAX_SUBSETS} proofs")
        weighted = None
        if "weighted_proofs" in f:
            where = f"{what}.weighted_proofs"
            w = _codec.obj(f["weighted_proofs"], {"low", "high"}, where)
            weighted = (RangeProof.from_json(w["low"], f"{where}.low", commitments=commitments),
                        RangeProof.from_json(w["high"], f"{where}.high",
                                             commitments=commitments))  # fmt: skip
        return cls(
            tuple(Ciphertext.from_json(c, f"{what}.ciphertexts[{i}]") for i, c in enumerate(cts)),
            tuple(
                DisjunctiveProof.from_json(
                    p, f"{what}.selection_proofs[{i}]", commitments=commitments
                )
                for i, p in enumerate(proofs)
            ),
            DisjunctiveProof.from_json(
                f["sum_proof"], f"{what}.sum_proof", commitments=commitments
            ),
            tuple(
                DisjunctiveProof.from_json(p, f"{what}.subset_proofs[{j}]", commitments=commitments)
                for j, p in enumerate(subsets)
            ),
            weighted,
        )


def _labels(question: bytes, options: int) -> tuple[list[bytes], bytes]:
    """Selection i: ``lp(question) || u64(i)``; the sum: ``lp(question)``."""
    prefix = lp(question)
    return [prefix + u64(i) for i in range(options)], prefix


def _subset_label(question: bytes, j: int) -> bytes:
    return lp(question) + lp(b"subset") + u64(j)


def weighted_sides(weighted: Weighted, cts: Sequence[Ciphertext]) -> tuple[Ciphertext, Ciphertext]:
    """E − low·G and high·G − E for E = Σ wᵢ·Eᵢ: what the two range proofs are about."""
    alpha, beta = IDENTITY, IDENTITY
    for w, ct in zip(weighted.weights, cts, strict=True):
        if w:
            k = Scalar.from_int(w)
            alpha, beta = alpha + ct.alpha * k, beta + ct.beta * k
    low = base_mul(Scalar.from_int(weighted.low)) if weighted.low else IDENTITY
    high = base_mul(Scalar.from_int(weighted.high)) if weighted.high else IDENTITY
    return Ciphertext(alpha, beta - low), Ciphertext(-alpha, high - beta)


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
    subset_proofs = tuple(
        prove_sum_in_range(public_key, [cts[i] for i in s.indices], [rs[i] for i in s.indices],
                           sum(selections[i] for i in s.indices), s.low, s.high, binding,
                           _subset_label(question, j))
        for j, s in enumerate(shape.subsets)
    )  # fmt: skip
    weighted = None
    w = shape.weighted
    if w is not None:
        low_side, high_side = weighted_sides(w, cts)
        r = Scalar.from_int(0)
        for weight, ri in zip(w.weights, rs, strict=True):
            r = r + Scalar.from_int(weight) * ri
        value = w.value(selections)
        low_proof = prove_range(public_key, low_side, value - w.low, r, w.bits, binding)
        high_proof = prove_range(public_key, high_side, w.high - value, -r, w.bits, binding)
        weighted = (low_proof, high_proof)
    return EncryptedContest(cts, proofs, sum_proof, subset_proofs, weighted), rs


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
    if len(contest.subset_proofs) != len(shape.subsets):
        raise InvalidProof(f"expected {len(shape.subsets)} subset proofs")
    for j, (subset, proof) in enumerate(zip(shape.subsets, contest.subset_proofs, strict=True)):
        try:
            verify_sum_in_range(public_key, [contest.ciphertexts[i] for i in subset.indices],
                                subset.low, subset.high, proof, binding,
                                _subset_label(question, j))  # fmt: skip
        except InvalidProof as exc:
            raise InvalidProof(f"subset {j}: {exc}") from exc
    w = shape.weighted
    if (w is None) != (contest.weighted_proofs is None):
        raise InvalidProof("the weighted-sum proofs do not fit the question")
    if w is not None and contest.weighted_proofs is not None:
        low_side, high_side = weighted_sides(w, contest.ciphertexts)
        try:
            verify_range(public_key, low_side, w.bits, contest.weighted_proofs[0], binding)
            verify_range(public_key, high_side, w.bits, contest.weighted_proofs[1], binding)
        except InvalidProof as exc:
            raise InvalidProof(f"weighted sum: {exc}") from exc
