"""Encrypted answers to a question: the referendum ballot of the benchmark and its kin."""

from __future__ import annotations

from dataclasses import replace

import pytest

from evoting.crypto.canonical import canonical_json, parse_canonical
from evoting.crypto.contest import (
    ContestShape,
    EncryptedContest,
    Subset,
    Weighted,
    encrypt_contest,
    verify_contest,
)
from evoting.crypto.elgamal import DiscreteLogTable, KeyPair, decrypt, encrypt_with
from evoting.crypto.errors import InvalidEncoding, InvalidProof
from evoting.crypto.transcript import Binding

pytestmark = pytest.mark.usefixtures("verification_path")  # libsodium and native

KEY = KeyPair.generate()
REFERENDUM = ContestShape(options=3)  # yes / no / blank, exactly one
BINDING = Binding(bytes(range(32)), b"credential-key")
Q = b"car-free-sunday"


@pytest.mark.parametrize("answer", [[1, 0, 0], [0, 1, 0], [0, 0, 1]])
def test_referendum_answers_verify_and_decrypt(answer: list[int]) -> None:
    contest, rs = encrypt_contest(KEY.public, answer, REFERENDUM, BINDING, Q)
    verify_contest(KEY.public, contest, REFERENDUM, BINDING, Q)
    table = DiscreteLogTable(1)
    assert [decrypt(KEY.secret, c, table) for c in contest.ciphertexts] == answer
    # Benaloh: the randomness reproduces the ciphertexts.
    assert tuple(encrypt_with(KEY.public, a, r) for a, r in zip(answer, rs, strict=True)) == (
        contest.ciphertexts
    )


@pytest.mark.parametrize("answer", [[0, 0, 0], [1, 1, 0], [2, 0, 0], [1, 0], [1, 0, 0, 0]])
def test_invalid_answers_cannot_be_encrypted(answer: list[int]) -> None:
    with pytest.raises(ValueError, match=r"selections|between|choose"):
        encrypt_contest(KEY.public, answer, REFERENDUM, BINDING, Q)


def test_approval_with_bounds_and_points() -> None:
    approval = ContestShape(options=5, min_total=0, max_total=3)
    contest, _ = encrypt_contest(KEY.public, [1, 0, 1, 1, 0], approval, BINDING, Q)
    verify_contest(KEY.public, contest, approval, BINDING, Q)
    points = ContestShape(options=4, max_per_selection=3, min_total=0, max_total=6)
    contest, _ = encrypt_contest(KEY.public, [3, 0, 2, 1], points, BINDING, Q)
    verify_contest(KEY.public, contest, points, BINDING, Q)
    with pytest.raises(InvalidProof):
        verify_contest(KEY.public, contest, ContestShape(4, 3, 0, 5), BINDING, Q)


def test_tampered_contests_are_refused() -> None:
    contest, _ = encrypt_contest(KEY.public, [0, 1, 0], REFERENDUM, BINDING, Q)
    other, _ = encrypt_contest(KEY.public, [1, 0, 0], REFERENDUM, BINDING, Q)
    swapped_proofs = replace(
        contest,
        selection_proofs=(
            contest.selection_proofs[1],
            contest.selection_proofs[0],
            contest.selection_proofs[2],
        ),
        ciphertexts=(contest.ciphertexts[1], contest.ciphertexts[0], contest.ciphertexts[2]),
    )
    with pytest.raises(InvalidProof, match="selection 0"):
        verify_contest(KEY.public, swapped_proofs, REFERENDUM, BINDING, Q)
    mixed = replace(contest, sum_proof=other.sum_proof)
    with pytest.raises(InvalidProof, match="sum"):
        verify_contest(KEY.public, mixed, REFERENDUM, BINDING, Q)
    with pytest.raises(InvalidProof, match="selection 0"):
        verify_contest(KEY.public, contest, REFERENDUM, Binding(BINDING.fingerprint, b"other"), Q)
    with pytest.raises(InvalidProof, match="expected 4 encrypted selections"):
        verify_contest(KEY.public, contest, ContestShape(4, min_total=1, max_total=1), BINDING, Q)


def test_a_contest_cannot_move_to_another_question() -> None:
    # Two questions of the same shape on one ballot: swapping the answers between
    # them must not verify (labels carry the question's identifier).
    first, _ = encrypt_contest(KEY.public, [1, 0, 0], REFERENDUM, BINDING, b"question-1")
    verify_contest(KEY.public, first, REFERENDUM, BINDING, b"question-1")
    with pytest.raises(InvalidProof, match="selection 0"):
        verify_contest(KEY.public, first, REFERENDUM, BINDING, b"question-2")
    # Length prefixes: ("ab", option 0) and ("a", ...) never collide.
    with pytest.raises(InvalidProof):
        verify_contest(KEY.public, first, REFERENDUM, BINDING, b"question-")


@pytest.mark.parametrize(
    "shape",
    [(3, 1024, 0, 1), (2000, 1, 0, 2000), (0, 1, 0, 0), (3, 0, 0, 0), (3, 1, 2, 1), (3, 1, 0, 4)],
)
def test_shapes_the_proofs_cannot_carry_are_refused(shape: tuple[int, int, int, int]) -> None:
    with pytest.raises(ValueError, match=r"options|at least|need|at most"):
        ContestShape(*shape)


def test_wire_form_round_trip_and_strict_decoding() -> None:
    contest, _ = encrypt_contest(KEY.public, [0, 0, 1], REFERENDUM, BINDING, Q)
    wire = canonical_json(contest.to_json())
    assert EncryptedContest.from_json(parse_canonical(wire)) == contest
    doc = contest.to_json()
    with pytest.raises(InvalidEncoding, match="one proof per ciphertext"):
        EncryptedContest.from_json(doc | {"selection_proofs": doc["selection_proofs"][:2]})  # type: ignore[index]
    cts = list(doc["ciphertexts"])  # type: ignore[call-overload]
    cts[1] = cts[1] | {"beta": "_" * 43}
    with pytest.raises(InvalidEncoding, match=r"ciphertexts\[1\]\.beta"):
        EncryptedContest.from_json(doc | {"ciphertexts": cts})


@pytest.mark.parametrize(
    ("shape", "answer"),
    [
        (REFERENDUM, [0, 1, 0]),
        (ContestShape(50, 1, 0, 5), [1] * 5 + [0] * 45),  # Poperinge
        (ContestShape(20, 8, 0, 40), [8, 8, 8, 8, 8] + [0] * 15),  # cumulative
        (ContestShape(3 * 8, 1, 3, 3, subsets=tuple(
            Subset(tuple(range(r * 8, r * 8 + 8)), 1, 1) for r in range(3)) + tuple(
            Subset((p, 8 + p, 16 + p), 0, 1) for p in range(8))),
         [1 if i in (0, 9, 18) else 0 for i in range(24)]),  # 3 ranks × 8 projects
        (ContestShape(12, 1, 0, 12, weighted=Weighted(tuple(range(1000, 13000, 1000)), 5000,
                                                      40000)), [1, 1, 1, 1] + [0] * 8),
    ],
    ids=["referendum", "approval", "cumulative", "points", "budget"],
)  # fmt: skip
def test_a_contests_size_is_what_the_manifest_bounds(
    shape: ContestShape, answer: list[int]
) -> None:
    """evoting/election.py bounds a ballot by ContestShape.size at about 180 bytes a unit:
    the canonical JSON of real contests stays within 150 to 200 bytes a unit (V2, with
    the proofs' commitments), 80 to 120 in the V1 form."""
    contest, _ = encrypt_contest(KEY.public, answer, shape, BINDING, Q)
    size = len(canonical_json(contest.to_json()))
    assert 150 * shape.size <= size <= 200 * shape.size, (size, shape.size)
    size = len(canonical_json(contest.without_commitments().to_json()))
    assert 80 * shape.size <= size <= 120 * shape.size, (size, shape.size)
