"""Chaum-Pedersen proof of equal discrete logs: X = x·G and Y = x·B for one x.

Used for decryption shares: X is a trustee's verification key, B the ciphertext's
α and Y the share. Compact form ``(c, z)``; the verifier recomputes
``A = z·G − c·X`` and ``C = z·B − c·Y`` and checks
``c = H(TAG_CHAUM_PEDERSEN, fingerprint, context, X, B, Y, A, C)``.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import _codec
from .combine import lincombs
from .errors import InvalidProof
from .group import G, Point, Scalar, base_mul
from .transcript import TAG_CHAUM_PEDERSEN, Binding


@dataclass(frozen=True, slots=True)
class ChaumPedersenProof:
    """Challenge ``c`` and response ``z = w + c·x``."""

    challenge: Scalar
    response: Scalar

    def to_json(self) -> dict[str, str]:
        return {"challenge": _codec.enc(self.challenge), "response": _codec.enc(self.response)}

    @classmethod
    def from_json(cls, value: object, what: str = "proof") -> ChaumPedersenProof:
        f = _codec.obj(value, {"challenge", "response"}, what)
        return cls(
            _codec.scalar(f["challenge"], f"{what}.challenge"),
            _codec.scalar(f["response"], f"{what}.response"),
        )


def _challenge(binding: Binding, x_pub: Point, base: Point, y: Point, a: Point, c: Point) -> Scalar:
    return binding.challenge(
        TAG_CHAUM_PEDERSEN,
        x_pub.to_bytes(),
        base.to_bytes(),
        y.to_bytes(),
        a.to_bytes(),
        c.to_bytes(),
    )


def prove_equal_logs(
    secret: Scalar, public: Point, base: Point, result: Point, binding: Binding
) -> ChaumPedersenProof:
    """Prove ``public = secret·G`` and ``result = secret·base``."""
    w = Scalar.random()
    c = _challenge(binding, public, base, result, base_mul(w), base * w)
    return ChaumPedersenProof(c, w + c * secret)


def verify_equal_logs(
    public: Point, base: Point, result: Point, proof: ChaumPedersenProof, binding: Binding
) -> None:
    z, minus_c = proof.response, -proof.challenge
    a, c = lincombs([G, public, base, result], [[(z, 0), (minus_c, 1)], [(z, 2), (minus_c, 3)]])
    if _challenge(binding, public, base, result, a, c) != proof.challenge:
        raise InvalidProof("proof of equal discrete logarithms does not verify")
