"""The group: ristretto255 (RFC 9496) of prime order L, through libsodium.

`Scalar` and `Point` are immutable and hold only canonical 32-byte encodings.
Bytes from outside become a `Point` or a `Scalar` only through `from_bytes`,
which validates them (see docs/protocol.md, "Group"):

* a point must be a canonical ristretto255 encoding: bit 255 clear (RFC 9496,
  section 4.3.1; libsodium 1.0.18 ignores that bit, so ``0x80`` in the last byte
  would give a second encoding of every element) and accepted by libsodium's
  ``crypto_core_ristretto255_is_valid_point``; **and it must not be the identity**:
  no public key, ciphertext component, commitment or decryption share of the
  protocol is the identity when honestly made, and accepting it would let a
  sender cancel terms or reveal a plaintext;
* a scalar must be the canonical little-endian encoding of an integer below L.

Inside the kernel the identity is an ordinary value (a zero scalar times a point,
or a sum that cancels gives `IDENTITY`); libsodium refuses to output it from a
scalar multiplication, so that case is mapped back to `IDENTITY` here.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Final, NoReturn

from . import _sodium
from ._rng import random_scalar_bytes
from .errors import CryptoError, InvalidEncoding

L: Final = 2**252 + 27742317777372353535851937790883648493
"""The prime order of ristretto255 (the ``ℓ`` of RFC 9496)."""

SCALAR_BYTES: Final = 32
POINT_BYTES: Final = 32
_ZERO32: Final = bytes(32)


def _new_scalar(encoded: bytes) -> Scalar:
    s = object.__new__(Scalar)
    object.__setattr__(s, "_b", encoded)
    return s


def _new_point(encoded: bytes) -> Point:
    p = object.__new__(Point)
    object.__setattr__(p, "_b", encoded)
    return p


class Scalar:
    """An integer modulo L. Arithmetic runs in libsodium (constant time)."""

    __slots__ = ("_b",)
    _b: bytes

    def __init__(self) -> None:
        raise TypeError("use Scalar.from_bytes, Scalar.from_int or Scalar.random")

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError("Scalar is immutable")

    @classmethod
    def from_bytes(cls, data: bytes) -> Scalar:
        """Decode a scalar received from outside: 32 bytes, little-endian, below L."""
        if not isinstance(data, bytes) or len(data) != SCALAR_BYTES:
            raise InvalidEncoding("a scalar is exactly 32 bytes")
        if int.from_bytes(data, "little") >= L:
            raise InvalidEncoding("scalar is not reduced modulo L")
        return _new_scalar(data)

    @classmethod
    def from_int(cls, n: int) -> Scalar:
        """The scalar n mod L (negative n allowed)."""
        return _new_scalar((n % L).to_bytes(SCALAR_BYTES, "little"))

    @classmethod
    def reduce(cls, wide: bytes) -> Scalar:
        """64 bytes read as a little-endian integer, reduced mod L."""
        if len(wide) != 64:
            raise InvalidEncoding("reduction takes exactly 64 bytes")
        return _new_scalar(_sodium.scalar_reduce(wide))

    @classmethod
    def random(cls) -> Scalar:
        """A uniformly random scalar from libsodium's generator."""
        return _new_scalar(random_scalar_bytes())

    def to_bytes(self) -> bytes:
        return self._b

    def __int__(self) -> int:
        return int.from_bytes(self._b, "little")

    def is_zero(self) -> bool:
        return hmac.compare_digest(self._b, _ZERO32)

    def __add__(self, other: Scalar) -> Scalar:
        return _new_scalar(_sodium.scalar_add(self._b, other._b))

    def __sub__(self, other: Scalar) -> Scalar:
        return _new_scalar(_sodium.scalar_sub(self._b, other._b))

    def __mul__(self, other: Scalar) -> Scalar:
        return _new_scalar(_sodium.scalar_mul(self._b, other._b))

    def __neg__(self) -> Scalar:
        return _new_scalar(_sodium.scalar_negate(self._b))

    def inverse(self) -> Scalar:
        if self.is_zero():
            raise CryptoError("zero has no inverse modulo L")
        return _new_scalar(_sodium.scalar_invert(self._b))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Scalar):
            return NotImplemented
        return hmac.compare_digest(self._b, other._b)

    def __hash__(self) -> int:
        return hash(self._b)

    def __repr__(self) -> str:
        return "Scalar(<not shown>)"  # scalars are often secrets: never print them

    def __reduce__(self) -> tuple[object, tuple[bytes]]:
        return (Scalar.from_bytes, (self._b,))


class Point:
    """An element of ristretto255, held as its canonical 32-byte encoding."""

    __slots__ = ("_b",)
    _b: bytes

    def __init__(self) -> None:
        raise TypeError("use Point.from_bytes, base_mul or the group constants")

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError("Point is immutable")

    @classmethod
    def from_bytes(cls, data: bytes) -> Point:
        """Decode a point received from outside (canonical, valid, not the identity)."""
        if not isinstance(data, bytes) or len(data) != POINT_BYTES:
            raise InvalidEncoding("a group element is exactly 32 bytes")
        if data[31] & 0x80 or not _sodium.is_valid_point(data):
            raise InvalidEncoding("not a canonical ristretto255 encoding")
        if data == _ZERO32:
            raise InvalidEncoding("the identity element is not accepted here")
        return _new_point(data)

    def to_bytes(self) -> bytes:
        return self._b

    def is_identity(self) -> bool:
        return self._b == _ZERO32

    def __add__(self, other: Point) -> Point:
        return _new_point(_sodium.add(self._b, other._b))

    def __sub__(self, other: Point) -> Point:
        return _new_point(_sodium.sub(self._b, other._b))

    def __neg__(self) -> Point:
        return _new_point(_sodium.sub(_ZERO32, self._b))

    def __mul__(self, k: Scalar) -> Point:
        try:
            return _new_point(_sodium.scalarmult(k._b, self._b))
        except ValueError:
            # libsodium refuses to output the identity, which in a prime-order
            # group happens exactly for k = 0 or P = identity. Anything else is
            # a failure, not a result.
            if k.is_zero() or self.is_identity():
                return IDENTITY
            raise

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Point):
            return NotImplemented
        return self._b == other._b

    def __hash__(self) -> int:
        return hash(self._b)

    def __repr__(self) -> str:
        return f"Point({self._b.hex()})"

    def __reduce__(self) -> tuple[object, tuple[bytes]]:
        return (_unpickle_point, (self._b,))


def _unpickle_point(data: bytes) -> Point:
    """Pickled points (process pools) are re-validated; the identity is allowed."""
    return IDENTITY if data == _ZERO32 else Point.from_bytes(data)


def base_mul(k: Scalar) -> Point:
    """k·G for the standard generator G."""
    try:
        return _new_point(_sodium.scalarmult_base(k._b))
    except ValueError:
        if k.is_zero():  # the only k for which k·G is the identity
            return IDENTITY
        raise


def hash_to_point(data: bytes) -> Point:
    """RFC 9496 element derivation: ``from_hash(SHA-512(data))``."""
    return _new_point(_sodium.from_hash(hashlib.sha512(data).digest()))


def lp(data: bytes) -> bytes:
    """Length-prefix: 8-byte little-endian length, then the bytes."""
    return len(data).to_bytes(8, "little") + data


def u64(n: int) -> bytes:
    """A non-negative integer as 8 little-endian bytes (for transcripts)."""
    if not 0 <= n < 2**64:
        raise ValueError("transcript integers are in [0, 2^64)")
    return n.to_bytes(8, "little")


def hash_to_scalar(tag: bytes, *parts: bytes) -> Scalar:
    """SHA-512 over ``lp(tag) || lp(part_1) || ... || lp(part_n)``, reduced mod L."""
    h = hashlib.sha512(lp(tag))
    for part in parts:
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)
    # The digest is public (a challenge): reduced with Python's integers, which give
    # what libsodium's scalar_reduce gives (tests/unit/test_group.py), without its call.
    return _new_scalar((int.from_bytes(h.digest(), "little") % L).to_bytes(SCALAR_BYTES, "little"))


IDENTITY: Final = _new_point(_ZERO32)
G: Final = _new_point(_sodium.scalarmult_base(Scalar.from_int(1).to_bytes()))
"""The ristretto255 generator of RFC 9496."""
H: Final = hash_to_point(b"EVOTING-V1-generator-H")
"""A second generator whose discrete log to G nobody knows (docs/protocol.md)."""
