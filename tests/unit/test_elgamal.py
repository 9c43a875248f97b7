"""Exponential ElGamal and the baby-step giant-step table."""

from __future__ import annotations

import pytest

from evoting.crypto.elgamal import (
    Ciphertext,
    DiscreteLogTable,
    KeyPair,
    decrypt,
    encrypt,
    encrypt_with,
)
from evoting.crypto.errors import DecryptionError, InvalidEncoding
from evoting.crypto.group import IDENTITY, G, Scalar, base_mul


@pytest.fixture(scope="module")
def key() -> KeyPair:
    return KeyPair.generate()


@pytest.mark.parametrize("max_value", [0, 1, 2, 3, 4, 15, 16, 17, 99, 100, 1000])
def test_every_value_up_to_the_maximum_and_not_beyond(key: KeyPair, max_value: int) -> None:
    table = DiscreteLogTable(max_value)
    for m in sorted(
        v for v in {0, 1, max_value // 2, max_value - 1, max_value} if 0 <= v <= max_value
    ):
        assert table.log(base_mul(Scalar.from_int(m))) == m
    with pytest.raises(DecryptionError):
        table.log(base_mul(Scalar.from_int(max_value + 1)))


def test_large_table_decrypts_a_national_total(key: KeyPair) -> None:
    table = DiscreteLogTable(10_000_000)
    ct, _ = encrypt(key.public, 9_876_543)
    assert decrypt(key.secret, ct, table) == 9_876_543
    with pytest.raises(DecryptionError):
        table.log(G * Scalar.from_int(-1))


def test_table_is_read_only() -> None:
    table = DiscreteLogTable(10)
    with pytest.raises(AttributeError):
        table.max_value = 20


def test_encryption_is_randomised_and_explicit_randomness_reproduces(key: KeyPair) -> None:
    ct1, r1 = encrypt(key.public, 1)
    ct2, _ = encrypt(key.public, 1)
    assert ct1 != ct2
    assert encrypt_with(key.public, 1, r1) == ct1
    assert ct1.alpha == base_mul(r1)


def test_negative_messages_are_refused(key: KeyPair) -> None:
    with pytest.raises(ValueError, match="non-negative"):
        encrypt(key.public, -1)


def test_json_round_trip_and_validation(key: KeyPair) -> None:
    ct, _ = encrypt(key.public, 3)
    assert Ciphertext.from_json(ct.to_json()) == ct
    broken = ct.to_json() | {"alpha": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}
    with pytest.raises(InvalidEncoding, match=r"ciphertext\.alpha: the identity"):
        Ciphertext.from_json(broken)
    with pytest.raises(InvalidEncoding, match="unexpected fields"):
        Ciphertext.from_json(ct.to_json() | {"gamma": "x"})
    with pytest.raises(InvalidEncoding, match="JSON object"):
        Ciphertext.from_json([1, 2])
    with pytest.raises(InvalidEncoding, match="base64url"):
        Ciphertext.from_json(ct.to_json() | {"beta": 12})


def test_key_pair_repr_hides_the_secret(key: KeyPair) -> None:
    assert key.secret.to_bytes().hex() not in repr(key)
    assert key.public != IDENTITY
