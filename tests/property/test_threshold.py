"""The k-of-n key ceremony and threshold decryption."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import nacl.public
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evoting.crypto.elgamal import DiscreteLogTable, encrypt
from evoting.crypto.errors import (
    InvalidEncoding,
    InvalidProof,
    NotEnoughShares,
    ShareVerificationError,
)
from evoting.crypto.group import G, Point, Scalar, base_mul
from evoting.crypto.threshold import (
    CeremonyParameters,
    DealerMessage,
    PartialDecryption,
    Polynomial,
    check_dealer_message,
    combine_partials,
    combine_shares,
    deal,
    joint_public_key,
    lagrange_at_zero,
    partial_decrypt,
    receive_share,
    resolve_complaint,
    verification_key,
)

pytestmark = pytest.mark.usefixtures("verification_path")  # libsodium and native

FINGERPRINT = bytes(range(32))
TABLE = DiscreteLogTable(100)


@dataclass
class Ceremony:
    params: CeremonyParameters
    boxes: list[nacl.public.PrivateKey]
    polynomials: list[Polynomial]
    messages: list[DealerMessage]
    key_shares: dict[int, Scalar]
    public_key: Point


def run_ceremony(n: int, k: int) -> Ceremony:
    params = CeremonyParameters(n, k)
    boxes = [nacl.public.PrivateKey.generate() for _ in range(n)]
    publics = [b.public_key for b in boxes]
    dealt = [deal(i, params, publics, FINGERPRINT) for i in range(1, n + 1)]
    messages = [m for _, m in dealt]
    key_shares = {
        idx: combine_shares(
            {m.dealer: receive_share(m, idx, boxes[idx - 1], params, FINGERPRINT) for m in messages}
        )
        for idx in range(1, n + 1)
    }
    return Ceremony(
        params, boxes, [p for p, _ in dealt], messages, key_shares, joint_public_key(messages)
    )


@pytest.fixture(scope="module")
def ceremony() -> Ceremony:
    return run_ceremony(5, 3)


def test_key_shares_match_public_verification_keys(ceremony: Ceremony) -> None:
    for idx, share in ceremony.key_shares.items():
        assert base_mul(share) == verification_key(ceremony.messages, idx)
    secret = sum((p.constant for p in ceremony.polynomials[1:]), ceremony.polynomials[0].constant)
    assert base_mul(secret) == ceremony.public_key


def test_every_k_subset_decrypts_and_k_minus_1_cannot(ceremony: Ceremony) -> None:
    ct, _ = encrypt(ceremony.public_key, 42)
    vkeys = {i: verification_key(ceremony.messages, i) for i in range(1, 6)}
    partials = {i: partial_decrypt(i, ceremony.key_shares[i], ct, FINGERPRINT) for i in range(1, 6)}
    for subset in itertools.combinations(range(1, 6), 3):
        m_point = combine_partials(
            ct, [partials[i] for i in subset], vkeys, ceremony.params, FINGERPRINT
        )
        assert TABLE.log(m_point) == 42
    for size in (4, 5):  # more than k gives the same answer
        m_point = combine_partials(
            ct, [partials[i] for i in range(1, size + 1)], vkeys, ceremony.params, FINGERPRINT
        )
        assert TABLE.log(m_point) == 42
    for pair in itertools.combinations(range(1, 6), 2):
        with pytest.raises(NotEnoughShares, match="3 are needed"):
            combine_partials(ct, [partials[i] for i in pair], vkeys, ceremony.params, FINGERPRINT)


def test_interpolating_k_minus_1_shares_does_not_give_the_key(ceremony: Ceremony) -> None:
    # Fails if the polynomials had degree k − 2 (an off-by-one in the threshold).
    shares = {i: ceremony.key_shares[i] for i in (1, 2)}
    guess = Scalar.from_int(0)
    for i, s in shares.items():
        guess = guess + s * lagrange_at_zero(i, list(shares))
    assert base_mul(guess) != ceremony.public_key


@given(st.integers(1, 5).flatmap(lambda n: st.tuples(st.just(n), st.integers(1, n))))
@settings(max_examples=10)
def test_ceremonies_of_every_shape(shape: tuple[int, int]) -> None:
    n, k = shape
    c = run_ceremony(n, k)
    ct, _ = encrypt(c.public_key, 7)
    vkeys = {i: verification_key(c.messages, i) for i in range(1, n + 1)}
    chosen = list(range(n - k + 1, n + 1))  # the last k trustees
    partials = [partial_decrypt(i, c.key_shares[i], ct, FINGERPRINT) for i in chosen]
    assert TABLE.log(combine_partials(ct, partials, vkeys, c.params, FINGERPRINT)) == 7


def test_a_tampered_share_is_detected_and_its_dealer_named(ceremony: Ceremony) -> None:
    params = ceremony.params
    dealer = ceremony.messages[1]  # trustee 2
    recipient = 4
    forged_share = ceremony.polynomials[1].evaluate(recipient) + Scalar.from_int(1)
    from evoting.crypto.threshold import _share_plaintext

    sealed = nacl.public.SealedBox(ceremony.boxes[recipient - 1].public_key).encrypt(
        _share_plaintext(FINGERPRINT, 2, recipient, forged_share)
    )
    shares = list(dealer.encrypted_shares)
    shares[recipient - 1] = sealed
    bad = replace(dealer, encrypted_shares=tuple(shares))
    with pytest.raises(ShareVerificationError) as caught:
        receive_share(bad, recipient, ceremony.boxes[recipient - 1], params, FINGERPRINT)
    assert (caught.value.dealer, caught.value.recipient) == (2, 4)
    assert "trustee 2's share for trustee 4 does not match" in str(caught.value)
    # The dealer answers by revealing the share: the true one clears it, the forged one convicts.
    true_share = ceremony.polynomials[1].evaluate(recipient)
    resolve_complaint(dealer, recipient, true_share, params, FINGERPRINT)
    with pytest.raises(ShareVerificationError, match="trustee 2's share for trustee 4"):
        resolve_complaint(dealer, recipient, forged_share, params, FINGERPRINT)
    with pytest.raises(InvalidProof, match="complaint from trustee 6"):
        resolve_complaint(dealer, 6, true_share, params, FINGERPRINT)


def test_a_share_sent_to_the_wrong_trustee_is_refused(ceremony: Ceremony) -> None:
    dealer = ceremony.messages[0]
    shares = list(dealer.encrypted_shares)
    # Trustee 3's share, re-sealed to trustee 2 (a dealer giving two trustees one share).
    plain = nacl.public.SealedBox(ceremony.boxes[2]).decrypt(shares[2])
    shares[1] = nacl.public.SealedBox(ceremony.boxes[1].public_key).encrypt(plain)
    bad = replace(dealer, encrypted_shares=tuple(shares))
    with pytest.raises(ShareVerificationError, match="trustee 1's share for trustee 2 is not"):
        receive_share(bad, 2, ceremony.boxes[1], ceremony.params, FINGERPRINT)
    with pytest.raises(ShareVerificationError, match="cannot be opened"):
        receive_share(dealer, 2, ceremony.boxes[0], ceremony.params, FINGERPRINT)


def test_dealer_message_public_checks(ceremony: Ceremony) -> None:
    msg = ceremony.messages[2]
    check_dealer_message(msg, ceremony.params, FINGERPRINT)
    assert DealerMessage.from_json(msg.to_json()) == msg
    with pytest.raises(InvalidProof, match="trustee 3"):
        check_dealer_message(msg, ceremony.params, bytes(32))  # another election
    with pytest.raises(InvalidProof, match="trustee 3"):
        check_dealer_message(
            replace(msg, dealer=3, proof=ceremony.messages[0].proof), ceremony.params, FINGERPRINT
        )
    with pytest.raises(InvalidProof, match="commitments"):
        check_dealer_message(
            replace(msg, commitments=msg.commitments[:2]), ceremony.params, FINGERPRINT
        )
    with pytest.raises(InvalidProof, match="shares"):
        check_dealer_message(
            replace(msg, encrypted_shares=msg.encrypted_shares[:4]), ceremony.params, FINGERPRINT
        )
    # A rogue key: trustee 3 publishes C_30 = G − (everyone else's), without knowing its log.
    others = ceremony.messages[0].commitments[0]
    rogue = replace(msg, commitments=(G - others, *msg.commitments[1:]))
    with pytest.raises(InvalidProof):
        check_dealer_message(rogue, ceremony.params, FINGERPRINT)
    with pytest.raises(InvalidProof, match="dealer message from trustee 6"):
        check_dealer_message(replace(msg, dealer=6), ceremony.params, FINGERPRINT)
    bad_json = msg.to_json() | {"commitments": ["AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"]}
    with pytest.raises(InvalidEncoding, match="identity"):
        DealerMessage.from_json(bad_json)


def test_wrong_or_duplicated_decryption_shares_are_refused(ceremony: Ceremony) -> None:
    ct, _ = encrypt(ceremony.public_key, 5)
    vkeys = {i: verification_key(ceremony.messages, i) for i in range(1, 6)}
    good = [partial_decrypt(i, ceremony.key_shares[i], ct, FINGERPRINT) for i in (1, 2, 3)]
    cheat = partial_decrypt(2, ceremony.key_shares[2] + Scalar.from_int(1), ct, FINGERPRINT)
    with pytest.raises(InvalidProof, match="trustee 2's decryption share"):
        combine_partials(ct, [good[0], cheat, good[2]], vkeys, ceremony.params, FINGERPRINT)
    with pytest.raises(InvalidProof, match="two decryption shares from trustee 1"):
        combine_partials(ct, [good[0], good[0], good[1]], vkeys, ceremony.params, FINGERPRINT)
    stolen = replace(good[0], trustee=4)  # trustee 1's share presented as trustee 4's
    with pytest.raises(InvalidProof, match="trustee 4"):
        combine_partials(ct, [stolen, good[1], good[2]], vkeys, ceremony.params, FINGERPRINT)
    other_ct, _ = encrypt(ceremony.public_key, 5)
    with pytest.raises(InvalidProof):
        combine_partials(other_ct, good, vkeys, ceremony.params, FINGERPRINT)
    assert PartialDecryption.from_json(good[0].to_json()) == good[0]
    with pytest.raises(InvalidProof, match="trustee 9, but trustees are 1 to 5"):
        combine_partials(
            ct, [replace(good[0], trustee=9), *good[1:]], vkeys, ceremony.params, FINGERPRINT
        )


def test_the_election_key_needs_distinct_dealers_and_cannot_vanish(ceremony: Ceremony) -> None:
    with pytest.raises(InvalidProof, match="no qualified dealer"):
        joint_public_key([])
    with pytest.raises(InvalidProof, match="appears twice"):
        joint_public_key([ceremony.messages[0], ceremony.messages[0]])
    with pytest.raises(InvalidProof, match="appears twice"):
        verification_key([ceremony.messages[1], ceremony.messages[1]], 1)
    first = ceremony.messages[0]
    cancelling = replace(ceremony.messages[1], commitments=(-first.commitments[0],))
    with pytest.raises(InvalidProof, match="add up to the identity"):
        joint_public_key([first, cancelling])


def test_oversized_messages_are_refused_before_decoding(ceremony: Ceremony) -> None:
    doc = ceremony.messages[0].to_json()
    huge = doc | {"commitments": ["not even base64"] * 100_000}
    with pytest.raises(InvalidEncoding, match="more than 64 items"):
        DealerMessage.from_json(huge)
    partial = partial_decrypt(
        1, ceremony.key_shares[1], encrypt(ceremony.public_key, 1)[0], FINGERPRINT
    ).to_json()
    with pytest.raises(InvalidEncoding, match="from 1 to 64"):
        PartialDecryption.from_json(partial | {"trustee": 2**64})
    with pytest.raises(InvalidEncoding, match="from 1 to 64"):
        PartialDecryption.from_json(partial | {"trustee": True})


@pytest.mark.parametrize(("n", "k"), [(0, 0), (3, 0), (2, 3), (65, 2)])
def test_ceremony_parameters_are_checked(n: int, k: int) -> None:
    with pytest.raises(ValueError, match="k ≤ n"):
        CeremonyParameters(n, k)
