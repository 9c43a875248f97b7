"""Every proof verifies for true statements and is rejected for anything else.

"Anything else": a value outside the set, an altered challenge or response, a
swapped ciphertext, another election fingerprint or prover context (a proof
copied into another ballot), another label.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from evoting.crypto.chaum_pedersen import prove_equal_logs, verify_equal_logs
from evoting.crypto.disjunctive import (
    DisjunctiveProof,
    prove_in_set,
    prove_sum_in_range,
    prove_tagged,
    verify_in_set,
    verify_sum_in_range,
    verify_tagged,
)
from evoting.crypto.elgamal import KeyPair, encrypt, encrypt_with
from evoting.crypto.errors import InvalidProof
from evoting.crypto.group import G, Scalar, base_mul, u64
from evoting.crypto.range_proof import RangeProof, prove_range, verify_range
from evoting.crypto.schnorr import SchnorrProof, prove_knowledge, verify_knowledge
from evoting.crypto.transcript import TAG_RANGE_BIT, Binding
from tests.property.strategies import bindings, nonzero_scalars, value_sets

pytestmark = pytest.mark.usefixtures("verification_path")  # libsodium and native

KEY = KeyPair.generate()
ONE = Scalar.from_int(1)


def _other(binding: Binding, fingerprint: bool) -> Binding:
    if fingerprint:
        flipped = bytes([binding.fingerprint[0] ^ 1]) + binding.fingerprint[1:]
        return Binding(flipped, binding.context)
    return Binding(binding.fingerprint, binding.context + b"x")


def _bump(values: tuple[Scalar, ...], i: int) -> tuple[Scalar, ...]:
    return (*values[:i], values[i] + ONE, *values[i + 1 :])


# --- Schnorr ---------------------------------------------------------------


@given(nonzero_scalars, bindings)
def test_schnorr_true_statement(x: Scalar, binding: Binding) -> None:
    verify_knowledge(base_mul(x), prove_knowledge(x, base_mul(x), binding), binding)


@given(nonzero_scalars, bindings, st.sampled_from(["c", "z", "key", "fingerprint", "context"]))
def test_schnorr_rejects_tampering(x: Scalar, binding: Binding, what: str) -> None:
    public = base_mul(x)
    proof = prove_knowledge(x, public, binding)
    if what == "c":
        proof = replace(proof, challenge=proof.challenge + ONE)
    elif what == "z":
        proof = replace(proof, response=proof.response + ONE)
    elif what == "key":
        public = public + G
    else:
        binding = _other(binding, what == "fingerprint")
    with pytest.raises(InvalidProof):
        verify_knowledge(public, proof, binding)


@given(nonzero_scalars, nonzero_scalars, bindings)
def test_schnorr_without_the_secret_fails(x: Scalar, wrong: Scalar, binding: Binding) -> None:
    assume(x != wrong)
    with pytest.raises(InvalidProof):
        verify_knowledge(base_mul(x), prove_knowledge(wrong, base_mul(x), binding), binding)


def test_schnorr_json_round_trip() -> None:
    binding = Binding(bytes(32), b"")
    x = Scalar.random()
    proof = prove_knowledge(x, base_mul(x), binding)
    assert SchnorrProof.from_json(proof.to_json()) == proof


# --- Chaum-Pedersen ----------------------------------------------------------


@given(nonzero_scalars, nonzero_scalars, bindings)
def test_chaum_pedersen_true_statement(x: Scalar, b: Scalar, binding: Binding) -> None:
    base = base_mul(b)
    proof = prove_equal_logs(x, base_mul(x), base, base * x, binding)
    verify_equal_logs(base_mul(x), base, base * x, proof, binding)


@given(
    nonzero_scalars,
    nonzero_scalars,
    bindings,
    st.sampled_from(["c", "z", "result", "base", "public", "fingerprint", "context"]),
)
def test_chaum_pedersen_rejects_tampering(
    x: Scalar, b: Scalar, binding: Binding, what: str
) -> None:
    public, base = base_mul(x), base_mul(b)
    result = base * x
    proof = prove_equal_logs(x, public, base, result, binding)
    if what == "c":
        proof = replace(proof, challenge=proof.challenge + ONE)
    elif what == "z":
        proof = replace(proof, response=proof.response + ONE)
    elif what == "result":
        result = result + G
    elif what == "base":
        base = base + G
    elif what == "public":
        public = public + G
    else:
        binding = _other(binding, what == "fingerprint")
    with pytest.raises(InvalidProof):
        verify_equal_logs(public, base, result, proof, binding)


@given(nonzero_scalars, nonzero_scalars, bindings)
def test_chaum_pedersen_unequal_logs_fail(x: Scalar, b: Scalar, binding: Binding) -> None:
    base = base_mul(b)
    wrong_result = base * (x + ONE)  # a decryption share made with another key
    proof = prove_equal_logs(x, base_mul(x), base, wrong_result, binding)
    with pytest.raises(InvalidProof):
        verify_equal_logs(base_mul(x), base, wrong_result, proof, binding)


# --- value in a set ---------------------------------------------------------------


@given(value_sets(), st.data(), bindings, st.binary(max_size=8))
def test_in_set_true_statement(
    values: list[int], data: st.DataObject, binding: Binding, label: bytes
) -> None:
    value = data.draw(st.sampled_from(values))
    ct, r = encrypt(KEY.public, value)
    proof = prove_in_set(KEY.public, ct, values, value, r, binding, label)
    verify_in_set(KEY.public, ct, values, proof, binding, label)
    assert DisjunctiveProof.from_json(proof.to_json()) == proof


@given(value_sets(), st.data(), bindings)
def test_in_set_rejects_a_value_outside_the_set(
    values: list[int], data: st.DataObject, binding: Binding
) -> None:
    outside = data.draw(st.integers(0, 60).filter(lambda v: v not in values))
    claimed = data.draw(st.sampled_from(values))
    ct, r = encrypt(KEY.public, outside)
    with pytest.raises(ValueError, match="outside the set"):
        prove_in_set(KEY.public, ct, values, outside, r, binding)
    # A prover that lies about the value cannot make the proof verify.
    forged = prove_in_set(KEY.public, ct, values, claimed, r, binding)
    with pytest.raises(InvalidProof):
        verify_in_set(KEY.public, ct, values, forged, binding)


@given(
    value_sets(),
    st.data(),
    bindings,
    st.sampled_from(["c", "z", "ciphertext", "swap", "fingerprint", "context", "label", "set"]),
)
def test_in_set_rejects_tampering(
    values: list[int], data: st.DataObject, binding: Binding, what: str
) -> None:
    value = data.draw(st.sampled_from(values))
    ct, r = encrypt(KEY.public, value)
    proof = prove_in_set(KEY.public, ct, values, value, r, binding, b"q1")
    label = b"q1"
    i = data.draw(st.integers(0, len(values) - 1))
    if what == "c":
        proof = replace(proof, challenges=_bump(proof.challenges, i))
    elif what == "z":
        proof = replace(proof, responses=_bump(proof.responses, i))
    elif what == "ciphertext":
        ct = replace(ct, beta=ct.beta + G)  # now encrypts value + 1 (or any other change)
    elif what == "swap":
        ct = encrypt(KEY.public, value)[0]  # the same vote, another ciphertext
    elif what == "label":
        label = b"q2"
    elif what == "set":
        values = [*values, max(values) + 1]
        proof = replace(
            proof,
            challenges=(*proof.challenges, ONE),
            responses=(*proof.responses, ONE),
        )
    else:
        binding = _other(binding, what == "fingerprint")
    with pytest.raises(InvalidProof):
        verify_in_set(KEY.public, ct, values, proof, binding, label)


def test_in_set_proof_copied_to_another_ballot_fails() -> None:
    fingerprint = bytes(range(32))
    alice, bob = Binding(fingerprint, b"alice-credential"), Binding(fingerprint, b"bob-credential")
    ct, r = encrypt(KEY.public, 1)
    proof = prove_in_set(KEY.public, ct, [0, 1], 1, r, alice)
    verify_in_set(KEY.public, ct, [0, 1], proof, alice)
    with pytest.raises(InvalidProof):
        verify_in_set(KEY.public, ct, [0, 1], proof, bob)


def test_in_set_proof_with_too_few_branches_fails() -> None:
    binding = Binding(bytes(32), b"")
    ct, r = encrypt(KEY.public, 1)
    proof = prove_in_set(KEY.public, ct, [0, 1], 1, r, binding)
    short = DisjunctiveProof(proof.challenges[:1], proof.responses[:1])
    with pytest.raises(InvalidProof, match="one branch per allowed value"):
        verify_in_set(KEY.public, ct, [0, 1], short, binding)


def test_proofs_do_not_cross_tags() -> None:
    # The same equations under another tag are another proof: an in-set proof is
    # not a sum proof, nor a range bit.
    binding = Binding(bytes(32), b"ctx")
    ct, r = encrypt(KEY.public, 1)
    proof = prove_in_set(KEY.public, ct, [0, 1], 1, r, binding)
    with pytest.raises(InvalidProof):
        verify_sum_in_range(KEY.public, [ct], 0, 1, proof, binding)
    with pytest.raises(InvalidProof):
        verify_tagged(TAG_RANGE_BIT, KEY.public, ct, [0, 1], proof, binding, b"", "bit")


# --- sum in range ---------------------------------------------------------------


@st.composite
def selections_and_bounds(draw: st.DrawFn) -> tuple[list[int], int, int]:
    selections = draw(st.lists(st.integers(0, 1), min_size=1, max_size=6))
    total = sum(selections)
    low = draw(st.integers(0, total))
    high = draw(st.integers(total, len(selections)))
    return selections, low, high


@given(selections_and_bounds(), bindings)
def test_sum_in_range_true_statement(case: tuple[list[int], int, int], binding: Binding) -> None:
    selections, low, high = case
    pairs = [encrypt(KEY.public, s) for s in selections]
    cts, rs = [c for c, _ in pairs], [r for _, r in pairs]
    proof = prove_sum_in_range(KEY.public, cts, rs, sum(selections), low, high, binding)
    verify_sum_in_range(KEY.public, cts, low, high, proof, binding)


@given(st.lists(st.integers(0, 1), min_size=2, max_size=6), bindings, st.data())
def test_sum_outside_the_range_fails(
    selections: list[int], binding: Binding, data: st.DataObject
) -> None:
    total = sum(selections)
    assume(total >= 1)
    high = data.draw(st.integers(0, total - 1))  # the voter chose more than allowed
    pairs = [encrypt(KEY.public, s) for s in selections]
    cts, rs = [c for c, _ in pairs], [r for _, r in pairs]
    forged = prove_sum_in_range(KEY.public, cts, rs, high, 0, high, binding)
    with pytest.raises(InvalidProof):
        verify_sum_in_range(KEY.public, cts, 0, high, forged, binding)


@given(bindings, st.sampled_from(["drop", "swap", "c", "context"]))
def test_sum_in_range_rejects_tampering(binding: Binding, what: str) -> None:
    pairs = [encrypt(KEY.public, s) for s in (0, 1, 0)]
    cts, rs = [c for c, _ in pairs], [r for _, r in pairs]
    proof = prove_sum_in_range(KEY.public, cts, rs, 1, 1, 1, binding)
    if what == "drop":
        cts = cts[:2]  # the dropped selection was 0, but the ciphertext sum changed
    elif what == "swap":
        cts = [*cts[:2], encrypt(KEY.public, 0)[0]]
    elif what == "c":
        proof = replace(proof, challenges=_bump(proof.challenges, 0))
    else:
        binding = _other(binding, fingerprint=False)
    with pytest.raises(InvalidProof):
        verify_sum_in_range(KEY.public, cts, 1, 1, proof, binding)


# --- range proof by bits ---------------------------------------------------------------


@given(st.integers(1, 12), st.data(), bindings)
def test_range_true_statement(n: int, data: st.DataObject, binding: Binding) -> None:
    value = data.draw(st.integers(0, 2**n - 1))
    ct, r = encrypt(KEY.public, value)
    proof = prove_range(KEY.public, ct, value, r, n, binding)
    verify_range(KEY.public, ct, n, proof, binding)
    assert RangeProof.from_json(proof.to_json()) == proof


@given(st.integers(1, 10), bindings)
def test_range_rejects_values_at_or_above_2_to_the_n(n: int, binding: Binding) -> None:
    ct, r = encrypt(KEY.public, 2**n)
    with pytest.raises(ValueError, match="outside"):
        prove_range(KEY.public, ct, 2**n, r, n, binding)
    # Proving the low n bits (a wrap-around) does not add up to the ciphertext.
    forged = prove_range(KEY.public, encrypt_with(KEY.public, 0, r), 0, r, n, binding)
    with pytest.raises(InvalidProof):
        verify_range(KEY.public, ct, n, forged, binding)


@given(st.integers(2, 8), st.data(), bindings, st.sampled_from(["bit", "order", "proof", "ctx"]))
def test_range_rejects_tampering(n: int, data: st.DataObject, binding: Binding, what: str) -> None:
    value = data.draw(st.integers(0, 2**n - 1))
    ct, r = encrypt(KEY.public, value)
    proof = prove_range(KEY.public, ct, value, r, n, binding)
    k = data.draw(st.integers(0, n - 1))
    if what == "bit":
        bits = list(proof.bits)
        bits[k] = replace(bits[k], beta=bits[k].beta + G)
        proof = replace(proof, bits=tuple(bits))
    elif what == "order":
        assume(proof.bits[0] != proof.bits[1])
        bits = list(proof.bits)
        bits[0], bits[1] = bits[1], bits[0]
        proof = replace(proof, bits=tuple(bits))
    elif what == "proof":
        bp = list(proof.bit_proofs)
        bp[k] = replace(bp[k], responses=_bump(bp[k].responses, 0))
        proof = replace(proof, bit_proofs=tuple(bp))
    else:
        binding = _other(binding, fingerprint=False)
    with pytest.raises(InvalidProof):
        verify_range(KEY.public, ct, n, proof, binding)


def test_range_bits_cannot_move_to_another_position_or_length() -> None:
    binding = Binding(bytes(32), b"ctx")
    ct, r = encrypt(KEY.public, 3)  # bits 1, 1, 0
    proof = prove_range(KEY.public, ct, 3, r, 3, binding)
    swapped = replace(
        proof, bit_proofs=(proof.bit_proofs[1], proof.bit_proofs[0], proof.bit_proofs[2])
    )
    swapped = replace(swapped, bits=(proof.bits[1], proof.bits[0], proof.bits[2]))
    # The sum no longer matches unless E_0 = E_1; the bit proofs name their position.
    with pytest.raises(InvalidProof):
        verify_range(KEY.public, ct, 3, swapped, binding)
    # The same bits as a 4-bit proof (with a zero top bit) fail: the labels carry n.
    zero, r_zero = encrypt(KEY.public, 0)
    longer = RangeProof(
        (*proof.bits, zero),
        (*proof.bit_proofs, prove_in_set(KEY.public, zero, [0, 1], 0, r_zero, binding)),
    )
    with pytest.raises(InvalidProof):
        verify_range(
            KEY.public,
            ct + zero + zero + zero + zero + zero + zero + zero + zero,
            4,
            longer,
            binding,
        )


def test_range_bit_that_is_not_a_bit_is_caught() -> None:
    # 5 < 2^2 is false, yet E_0 = Enc(3), E_1 = Enc(1) add up to Enc(3 + 2·1) = Enc(5).
    # The sum checks out; the lie is that E_0 is a bit, and its proof fails.
    binding = Binding(bytes(32), b"")
    r0, r1 = Scalar.random(), Scalar.random()
    e0, e1 = encrypt_with(KEY.public, 3, r0), encrypt_with(KEY.public, 1, r1)
    ct = e0 + e1 + e1

    def label(k: int) -> bytes:
        return u64(2) + u64(k) + ct.to_bytes()

    bogus = RangeProof(
        (e0, e1),
        (
            prove_tagged(TAG_RANGE_BIT, KEY.public, e0, [0, 1], 1, r0, binding, label(0)),
            prove_tagged(TAG_RANGE_BIT, KEY.public, e1, [0, 1], 1, r1, binding, label(1)),
        ),
    )
    with pytest.raises(InvalidProof, match="bit 0"):
        verify_range(KEY.public, ct, 2, bogus, binding)
