"""Exponential ElGamal on ristretto255.

A message m (a small non-negative integer) under public key K is encrypted with
randomness r as ``(α, β) = (r·G, m·G + r·K)``. Ciphertexts add component-wise and
the sum encrypts the sum of the messages. Decryption gives ``m·G``; the small m is
found by baby-step giant-step in a `DiscreteLogTable`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NoReturn

from . import _codec
from .errors import DecryptionError
from .group import IDENTITY, G, Point, Scalar, base_mul


@dataclass(frozen=True, slots=True)
class KeyPair:
    """An ElGamal key pair: secret x and public key K = x·G."""

    secret: Scalar
    public: Point

    @classmethod
    def generate(cls) -> KeyPair:
        x = Scalar.random()
        return cls(x, base_mul(x))

    def __repr__(self) -> str:
        return f"KeyPair(public={self.public!r})"


@dataclass(frozen=True, slots=True)
class Ciphertext:
    """``(α, β)`` = (r·G, m·G + r·K); the protocol's ``alpha`` and ``beta``."""

    alpha: Point
    beta: Point

    def __add__(self, other: Ciphertext) -> Ciphertext:
        return Ciphertext(self.alpha + other.alpha, self.beta + other.beta)

    def to_bytes(self) -> bytes:
        return self.alpha.to_bytes() + self.beta.to_bytes()

    def to_json(self) -> dict[str, str]:
        return {"alpha": _codec.enc(self.alpha), "beta": _codec.enc(self.beta)}

    @classmethod
    def from_json(cls, value: object, what: str = "ciphertext") -> Ciphertext:
        fields = _codec.obj(value, {"alpha", "beta"}, what)
        return cls(
            _codec.point(fields["alpha"], f"{what}.alpha"),
            _codec.point(fields["beta"], f"{what}.beta"),
        )


def encrypt(public_key: Point, message: int) -> tuple[Ciphertext, Scalar]:
    """Encrypt a non-negative integer; returns the ciphertext and its randomness r.

    r is secret: the caller uses it for proofs (or a Benaloh challenge) and drops it.
    """
    r = Scalar.random()
    return encrypt_with(public_key, message, r), r


def encrypt_with(public_key: Point, message: int, r: Scalar) -> Ciphertext:
    """Encryption with given randomness (for proofs and for re-checking a challenge)."""
    if message < 0:
        raise ValueError("exponential ElGamal encrypts non-negative integers")
    if public_key.is_identity():
        raise ValueError("the identity is not a public key: it would encrypt in the clear")
    return Ciphertext(base_mul(r), base_mul(Scalar.from_int(message)) + public_key * r)


def decrypt_to_point(secret_key: Scalar, ciphertext: Ciphertext) -> Point:
    """m·G = β − x·α."""
    return ciphertext.beta - ciphertext.alpha * secret_key


class DiscreteLogTable:
    """Baby-step giant-step for m·G with 0 ≤ m ≤ max_value.

    The table holds ⌈√(max_value + 1)⌉ baby steps; build it once and reuse it for
    every decryption of a tally. It cannot be changed after construction.
    """

    __slots__ = ("_baby", "_giant", "_steps", "max_value")
    _baby: dict[bytes, int]
    _giant: Point
    _steps: int
    max_value: int

    def __init__(self, max_value: int) -> None:
        if max_value < 0:
            raise ValueError("max_value must be non-negative")
        steps = math.isqrt(max_value) + 1  # steps² > max_value
        baby: dict[bytes, int] = {}
        point = IDENTITY
        for j in range(steps):
            baby[point.to_bytes()] = j
            point = point + G
        object.__setattr__(self, "max_value", max_value)
        object.__setattr__(self, "_steps", steps)
        object.__setattr__(self, "_baby", baby)
        object.__setattr__(self, "_giant", base_mul(Scalar.from_int(steps)))  # steps·G

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError("DiscreteLogTable cannot be changed")

    def log(self, point: Point) -> int:
        """The m in [0, max_value] with m·G = point, else `DecryptionError`."""
        current = point
        for i in range(self._steps):
            j = self._baby.get(current.to_bytes())
            if j is not None:
                m = i * self._steps + j
                if m <= self.max_value:
                    return m
                break
            current = current - self._giant
        raise DecryptionError(f"the decrypted value is not in [0, {self.max_value}]")


def decrypt(secret_key: Scalar, ciphertext: Ciphertext, table: DiscreteLogTable) -> int:
    return table.log(decrypt_to_point(secret_key, ciphertext))
