"""Range proof 0 ≤ v < 2^n by bit decomposition.

The prover encrypts each bit b_k of v as ``E_k`` with randomness r_k, chosen so
that ``Σ 2^k·r_k = r``: then ``Σ 2^k·E_k`` is exactly the ciphertext E of v, which
the verifier recomputes (Horner's rule: doublings and additions). Each E_k carries
a proof that it encrypts 0 or 1, with label ``u64(n) || u64(k) || E``, so a bit
proof is bound to its place in this range proof.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import _codec
from .disjunctive import DisjunctiveProof, prove_tagged, verify_tagged
from .elgamal import Ciphertext, encrypt_with
from .errors import InvalidEncoding, InvalidProof
from .group import Point, Scalar, u64
from .transcript import TAG_RANGE_BIT, Binding

MAX_BITS = 64
_BIT_VALUES = (0, 1)


@dataclass(frozen=True, slots=True)
class RangeProof:
    """Bit ciphertexts E_0 (least significant) to E_{n−1}, each with its 0/1 proof."""

    bits: tuple[Ciphertext, ...]
    bit_proofs: tuple[DisjunctiveProof, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "bits": [b.to_json() for b in self.bits],
            "bit_proofs": [p.to_json() for p in self.bit_proofs],
        }

    def without_commitments(self) -> RangeProof:
        """The V1 form of the same proof."""
        return RangeProof(self.bits, tuple(p.without_commitments() for p in self.bit_proofs))

    @classmethod
    def from_json(
        cls, value: object, what: str = "range proof", *, commitments: bool | None = None
    ) -> RangeProof:
        f = _codec.obj(value, {"bits", "bit_proofs"}, what)
        bits = _codec.array(f["bits"], f"{what}.bits")
        proofs = _codec.array(f["bit_proofs"], f"{what}.bit_proofs")
        if len(bits) != len(proofs) or not 0 < len(bits) <= MAX_BITS:
            raise InvalidEncoding(f"{what}: one proof per bit, 1 to {MAX_BITS} bits")
        return cls(
            tuple(Ciphertext.from_json(b, f"{what}.bits[{i}]") for i, b in enumerate(bits)),
            tuple(
                DisjunctiveProof.from_json(p, f"{what}.bit_proofs[{i}]", commitments=commitments)
                for i, p in enumerate(proofs)
            ),
        )


def _label(n: int, k: int, ct: Ciphertext) -> bytes:
    return u64(n) + u64(k) + ct.to_bytes()


def prove_range(
    public_key: Point, ct: Ciphertext, value: int, r: Scalar, n: int, binding: Binding
) -> RangeProof:
    """Prove that ``ct`` (randomness r) encrypts ``value`` with 0 ≤ value < 2^n."""
    if not 0 < n <= MAX_BITS:
        raise ValueError(f"1 to {MAX_BITS} bits")
    if not 0 <= value < 2**n:
        raise ValueError("cannot prove a value outside [0, 2^n)")
    rs = [Scalar.from_int(0)] + [Scalar.random() for _ in range(1, n)]
    r0 = r
    for k in range(1, n):
        r0 = r0 - Scalar.from_int(2**k) * rs[k]
    rs[0] = r0
    bits = tuple(encrypt_with(public_key, (value >> k) & 1, rs[k]) for k in range(n))
    proofs = tuple(
        prove_tagged(
            TAG_RANGE_BIT,
            public_key,
            bits[k],
            _BIT_VALUES,
            (value >> k) & 1,
            rs[k],
            binding,
            _label(n, k, ct),
        )
        for k in range(n)
    )
    return RangeProof(bits, proofs)


def verify_range(
    public_key: Point, ct: Ciphertext, n: int, proof: RangeProof, binding: Binding
) -> None:
    if not 0 < n <= MAX_BITS:
        raise ValueError(f"1 to {MAX_BITS} bits")
    if len(proof.bits) != n or len(proof.bit_proofs) != n:
        raise InvalidProof(f"range proof: expected {n} bits")
    # Horner: E_{n−1}, then doubled and added down to E_0.
    acc_a, acc_b = proof.bits[n - 1].alpha, proof.bits[n - 1].beta
    for k in range(n - 2, -1, -1):
        acc_a = acc_a + acc_a + proof.bits[k].alpha
        acc_b = acc_b + acc_b + proof.bits[k].beta
    if acc_a != ct.alpha or acc_b != ct.beta:
        raise InvalidProof("range proof: the bits do not add up to the ciphertext")
    for k in range(n):
        verify_tagged(
            TAG_RANGE_BIT,
            public_key,
            proof.bits[k],
            _BIT_VALUES,
            proof.bit_proofs[k],
            binding,
            _label(n, k, ct),
            f"range proof bit {k}",
        )
