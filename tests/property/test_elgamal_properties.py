"""Round trips and homomorphism of exponential ElGamal."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evoting.crypto.elgamal import DiscreteLogTable, KeyPair, decrypt, encrypt
from evoting.crypto.errors import DecryptionError
from evoting.crypto.group import IDENTITY, Scalar, base_mul

pytestmark = pytest.mark.usefixtures("verification_path")  # libsodium and native

KEY = KeyPair.generate()
TABLE = DiscreteLogTable(2_000)
messages = st.integers(min_value=0, max_value=1_000)


@given(messages)
def test_decrypt_inverts_encrypt(m: int) -> None:
    ct, _ = encrypt(KEY.public, m)
    assert decrypt(KEY.secret, ct, TABLE) == m


@given(messages, messages)
def test_sum_of_ciphertexts_encrypts_sum_of_messages(a: int, b: int) -> None:
    (ca, _), (cb, _) = encrypt(KEY.public, a), encrypt(KEY.public, b)
    assert decrypt(KEY.secret, ca + cb, TABLE) == a + b


@given(st.lists(st.integers(min_value=0, max_value=1), min_size=1, max_size=30))
def test_tally_of_many_ballots(bits: list[int]) -> None:
    cts = [encrypt(KEY.public, b)[0] for b in bits]
    total = cts[0]
    for ct in cts[1:]:
        total = total + ct
    assert decrypt(KEY.secret, total, TABLE) == sum(bits)


@given(messages)
def test_another_key_does_not_decrypt(m: int) -> None:
    other = KeyPair.generate()
    ct, _ = encrypt(KEY.public, m)
    # β − y·α = m·G + (x − y)·α: not m·G, and not any small multiple of G.
    assert ct.beta - ct.alpha * other.secret != base_mul(Scalar.from_int(m))
    with pytest.raises(DecryptionError):
        decrypt(other.secret, ct, TABLE)


def test_the_identity_is_not_a_public_key() -> None:
    with pytest.raises(ValueError, match="in the clear"):
        encrypt(IDENTITY, 1)
