"""ristretto255 through libsodium: RFC 9496 vectors, validation, the identity rule."""

from __future__ import annotations

import hashlib
import pickle

import pytest

from evoting.crypto import _sodium
from evoting.crypto.errors import CryptoError, InvalidEncoding
from evoting.crypto.group import (
    IDENTITY,
    G,
    H,
    L,
    Point,
    Scalar,
    base_mul,
    hash_to_point,
    hash_to_scalar,
)
from tests.support import vectors

MULTIPLES = vectors.ristretto_multiples()


@pytest.mark.parametrize("k", range(16))
def test_small_multiples_of_the_generator(k: int) -> None:
    assert base_mul(Scalar.from_int(k)).to_bytes() == MULTIPLES[k]
    by_addition = IDENTITY
    for _ in range(k):
        by_addition = by_addition + G
    assert by_addition.to_bytes() == MULTIPLES[k]
    assert (G * Scalar.from_int(k)).to_bytes() == MULTIPLES[k]


@pytest.mark.parametrize("k", range(1, 16))
def test_valid_encodings_decode(k: int) -> None:
    assert Point.from_bytes(MULTIPLES[k]) == base_mul(Scalar.from_int(k))


@pytest.mark.parametrize(("encoding", "reason"), vectors.ristretto_invalid())
def test_rfc9496_invalid_encodings_are_rejected(encoding: bytes, reason: str) -> None:
    with pytest.raises(InvalidEncoding, match="canonical"):
        Point.from_bytes(encoding)


@pytest.mark.parametrize("vector", vectors.ristretto_from_uniform())
def test_rfc9496_from_uniform_bytes(vector: vectors.FromUniform) -> None:
    assert _sodium.from_hash(vector.input) == vector.output
    if vector.label is not None:
        assert hashlib.sha512(vector.label.encode()).digest() == vector.input
        assert hash_to_point(vector.label.encode()).to_bytes() == vector.output


def test_identity_is_refused_from_outside_but_handled_inside() -> None:
    with pytest.raises(InvalidEncoding, match="identity"):
        Point.from_bytes(bytes(32))
    zero = Scalar.from_int(0)
    assert base_mul(zero) is IDENTITY
    assert G * zero is IDENTITY
    assert (G - G).is_identity()
    assert IDENTITY + G == G
    assert IDENTITY * Scalar.from_int(7) == IDENTITY
    assert base_mul(Scalar.from_int(L)) is IDENTITY
    assert -IDENTITY == IDENTITY


@pytest.mark.parametrize(
    "data",
    [b"", bytes(31), bytes(33), "e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76"],
)
def test_points_of_the_wrong_type_or_length_are_refused(data: object) -> None:
    with pytest.raises(InvalidEncoding):
        Point.from_bytes(data)  # type: ignore[arg-type]


@pytest.mark.parametrize("k", [0, 1, 2, 15])
def test_bit_255_set_is_refused(k: int) -> None:
    # RFC 9496 4.3.1 rejects it; libsodium 1.0.18 masks it and would accept it
    # (for k = 0 that is a second encoding of the identity).
    encoded = bytearray(MULTIPLES[k])
    encoded[31] |= 0x80
    with pytest.raises(InvalidEncoding, match="canonical"):
        Point.from_bytes(bytes(encoded))


@pytest.mark.parametrize(
    "value", [L, L + 1, 2**255, 2**256 - 1], ids=["L", "L+1", "2^255", "2^256-1"]
)
def test_unreduced_scalars_are_refused(value: int) -> None:
    with pytest.raises(InvalidEncoding, match="reduced"):
        Scalar.from_bytes(value.to_bytes(32, "little"))


def test_scalar_edges_and_arithmetic() -> None:
    top = Scalar.from_bytes((L - 1).to_bytes(32, "little"))
    assert top == Scalar.from_int(-1)
    assert (top + Scalar.from_int(1)).is_zero()
    assert int(Scalar.from_int(5) * Scalar.from_int(7)) == 35
    assert int(Scalar.from_int(5) - Scalar.from_int(7)) == L - 2
    assert int(-Scalar.from_int(1)) == L - 1
    seven = Scalar.from_int(7)
    assert seven * seven.inverse() == Scalar.from_int(1)
    assert Scalar.reduce((2 * L + 3).to_bytes(64, "little")) == Scalar.from_int(3)
    with pytest.raises(CryptoError, match="inverse"):
        Scalar.from_int(0).inverse()
    with pytest.raises(InvalidEncoding):
        Scalar.from_bytes(bytes(31))
    with pytest.raises(InvalidEncoding):
        Scalar.reduce(bytes(32))


def test_scalars_and_points_are_immutable_and_hide_secrets() -> None:
    s = Scalar.random()
    with pytest.raises(AttributeError):
        s._b = bytes(32)
    with pytest.raises(AttributeError):
        G._b = bytes(32)
    with pytest.raises(TypeError):
        Scalar()
    with pytest.raises(TypeError):
        Point()
    assert s.to_bytes().hex() not in repr(s)


def test_pickled_points_and_scalars_are_revalidated() -> None:
    assert pickle.loads(pickle.dumps(G)) == G
    assert pickle.loads(pickle.dumps(IDENTITY)) == IDENTITY
    s = Scalar.random()
    assert pickle.loads(pickle.dumps(s)) == s
    bad_point = G.to_bytes()[:31] + bytes([G.to_bytes()[31] | 0x80])
    with pytest.raises(InvalidEncoding):
        pickle.loads(pickle.dumps(G).replace(G.to_bytes(), bad_point))
    with pytest.raises(InvalidEncoding):
        pickle.loads(pickle.dumps(s).replace(s.to_bytes(), L.to_bytes(32, "little")))


def test_a_libsodium_failure_is_not_mistaken_for_the_identity(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def failing(*_: bytes) -> bytes:
        raise ValueError("libsodium failed")

    monkeypatch.setattr(_sodium, "scalarmult", failing)
    monkeypatch.setattr(_sodium, "scalarmult_base", failing)
    assert G * Scalar.from_int(0) is IDENTITY  # the legitimate case still maps
    with pytest.raises(ValueError, match="libsodium failed"):
        G * Scalar.from_int(5)
    with pytest.raises(ValueError, match="libsodium failed"):
        base_mul(Scalar.from_int(5))


def test_second_generator_is_the_documented_hash() -> None:
    expected = hashlib.sha512(b"EVOTING-V1-generator-H").digest()
    assert H.to_bytes() == _sodium.from_hash(expected)
    assert H.to_bytes().hex() == "44ecc6eb5938ed84ea1121acef0ee8981305d8144f872d83fc36ee3411441b0d"
    assert H != G
    assert not H.is_identity()


def test_hash_to_scalar_is_length_prefixed() -> None:
    # Moving a byte between two parts must change the hash (no ambiguity).
    assert hash_to_scalar(b"t", b"ab", b"c") != hash_to_scalar(b"t", b"a", b"bc")
    assert hash_to_scalar(b"t", b"ab") != hash_to_scalar(b"u", b"ab")
    prefix = (1).to_bytes(8, "little") + b"t" + (2).to_bytes(8, "little") + b"ab"
    assert hash_to_scalar(b"t", b"ab") == Scalar.reduce(hashlib.sha512(prefix).digest())


def test_hash_to_scalar_reduces_as_libsodium_does() -> None:
    """group.hash_to_scalar reduces the SHA-512 digest with Python integers; libsodium's
    crypto_core_ristretto255_scalar_reduce gives the same scalar, including for the
    digests at the edges of the 512-bit range."""
    import hashlib
    import os

    from evoting.crypto import _sodium
    from evoting.crypto.group import L, hash_to_scalar, lp

    for wide in (bytes(64), b"\xff" * 64, L.to_bytes(64, "little"), (L - 1).to_bytes(64, "little"),
                 *(os.urandom(64) for _ in range(200))):  # fmt: skip
        assert (int.from_bytes(wide, "little") % L).to_bytes(32, "little") == (
            _sodium.scalar_reduce(wide)
        )
    digest = hashlib.sha512(lp(b"tag") + lp(b"part")).digest()
    assert hash_to_scalar(b"tag", b"part").to_bytes() == _sodium.scalar_reduce(digest)
