"""Schnorr proof of knowledge of a discrete log: "I know x with X = x·G".

Compact form ``(c, z)``: the verifier recomputes the commitment ``A = z·G − c·X``
and checks ``c = H(TAG_SCHNORR, fingerprint, context, X, A)``.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import _codec
from .combine import lincombs
from .errors import InvalidProof
from .group import G, Point, Scalar, base_mul
from .transcript import TAG_SCHNORR, Binding


@dataclass(frozen=True, slots=True)
class SchnorrProof:
    """Challenge ``c`` and response ``z = w + c·x``."""

    challenge: Scalar
    response: Scalar

    def to_json(self) -> dict[str, str]:
        return {"challenge": _codec.enc(self.challenge), "response": _codec.enc(self.response)}

    @classmethod
    def from_json(cls, value: object, what: str = "proof") -> SchnorrProof:
        f = _codec.obj(value, {"challenge", "response"}, what)
        return cls(
            _codec.scalar(f["challenge"], f"{what}.challenge"),
            _codec.scalar(f["response"], f"{what}.response"),
        )


def prove_knowledge(secret: Scalar, public: Point, binding: Binding) -> SchnorrProof:
    w = Scalar.random()
    c = binding.challenge(TAG_SCHNORR, public.to_bytes(), base_mul(w).to_bytes())
    return SchnorrProof(c, w + c * secret)


def verify_knowledge(public: Point, proof: SchnorrProof, binding: Binding) -> None:
    (commitment,) = lincombs([G, public], [[(proof.response, 0), (-proof.challenge, 1)]])
    if binding.challenge(TAG_SCHNORR, public.to_bytes(), commitment.to_bytes()) != proof.challenge:
        raise InvalidProof("proof of knowledge of the secret key does not verify")
