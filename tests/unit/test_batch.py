"""Batch verification (evoting/crypto/batch.py), on both verification paths: a batch
holds exactly when every proof in it holds; a failing batch names its bad items, and
the bad items checked alone say why."""

from __future__ import annotations

import dataclasses

import pytest

from evoting.crypto.batch import Batch, deferring
from evoting.crypto.contest import ContestShape, EncryptedContest, encrypt_contest, verify_contest
from evoting.crypto.disjunctive import DisjunctiveProof
from evoting.crypto.elgamal import KeyPair
from evoting.crypto.errors import InvalidProof
from evoting.crypto.group import Scalar
from evoting.crypto.transcript import Binding

pytestmark = pytest.mark.usefixtures("verification_path")  # libsodium and native

KEY = KeyPair.generate()
SHAPE = ContestShape(3)
BINDING = Binding(bytes(range(32)), b"credential")
Q = b"car-free-sunday"
ONE = Scalar.from_int(1)


def _contests(n: int) -> list[EncryptedContest]:
    return [encrypt_contest(KEY.public, [int(i % 3 == j) for j in range(3)], SHAPE, BINDING, Q)[0]
            for i in range(n)]  # fmt: skip


CONTESTS = _contests(12)


def _bump(contest: EncryptedContest, selection: int, by: Scalar) -> EncryptedContest:
    """The response of branch 0 moved by ``by``: the challenge still matches the
    commitments, so only the group equation ``z·G − c·α = A`` fails."""
    proof = contest.selection_proofs[selection]
    bumped = DisjunctiveProof(
        proof.challenges, (proof.responses[0] + by, *proof.responses[1:]), proof.commitments
    )
    proofs = list(contest.selection_proofs)
    proofs[selection] = bumped
    return dataclasses.replace(contest, selection_proofs=tuple(proofs))


def _batch(contests: list[EncryptedContest]) -> Batch:
    batch = Batch()
    with deferring(batch):
        for position, contest in enumerate(contests, start=1):
            batch.item(position)
            verify_contest(KEY.public, contest, SHAPE, BINDING, Q)  # the challenges, now
    return batch


def test_a_batch_of_good_proofs_holds() -> None:
    batch = _batch(CONTESTS)
    assert len(batch) == 12 * (3 * 2 * 2 + 2)  # 3 selections × 2 branches × 2, sum: 2
    assert batch.holds()
    assert batch.failing() == []
    assert Batch().holds()


def test_bad_proofs_are_found_and_then_named_alone() -> None:
    contests = list(CONTESTS)
    contests[3] = _bump(contests[3], 1, ONE)
    contests[10] = _bump(contests[10], 2, ONE)
    batch = _batch(contests)  # no error yet: the equations are put off
    assert not batch.holds()
    assert batch.failing() == [4, 11]
    for position, selection in ((4, 1), (11, 2)):
        with pytest.raises(InvalidProof, match=f"selection {selection}: value in set"):
            verify_contest(KEY.public, contests[position - 1], SHAPE, BINDING, Q)


def test_errors_that_cancel_out_do_not_pass() -> None:
    """Two ballots wrong by +G and −G: one shared weight would add them up to nothing;
    each equation has its own."""
    contests = list(CONTESTS[:4])
    contests[0] = _bump(contests[0], 0, ONE)
    contests[1] = _bump(contests[1], 0, -ONE)
    for _ in range(5):
        batch = _batch(contests)
        assert not batch.holds()
        assert batch.failing() == [1, 2]


def test_a_cancelled_item_leaves_the_batch() -> None:
    batch = Batch()
    with deferring(batch):
        batch.item("good")
        verify_contest(KEY.public, CONTESTS[0], SHAPE, BINDING, Q)
        batch.item("refused on its own")
        verify_contest(KEY.public, _bump(CONTESTS[1], 0, ONE), SHAPE, BINDING, Q)
        batch.cancel()
    assert batch.holds()


def test_a_challenge_that_does_not_match_fails_at_once_even_in_a_batch() -> None:
    proof = CONTESTS[0].sum_proof
    assert proof.commitments is not None
    moved = DisjunctiveProof(proof.challenges, proof.responses, proof.commitments[::-1])
    batch = Batch()
    with deferring(batch), pytest.raises(InvalidProof, match="sum"):
        verify_contest(KEY.public, dataclasses.replace(CONTESTS[0], sum_proof=moved), SHAPE,
                       BINDING, Q)  # fmt: skip


def test_version_1_proofs_in_a_batch_are_checked_at_once() -> None:
    old = _bump(CONTESTS[0], 0, ONE).without_commitments()
    batch = Batch()
    with deferring(batch), pytest.raises(InvalidProof, match="selection 0"):
        verify_contest(KEY.public, old, SHAPE, BINDING, Q)
    assert len(batch) == 0
    with deferring(batch):
        verify_contest(KEY.public, CONTESTS[0].without_commitments(), SHAPE, BINDING, Q)
    assert len(batch) == 0


def test_an_item_cut_short_is_cancelled_whole() -> None:
    """An exception in the middle of an item's equations (review): cancel drops what it
    had added, so the batch still holds."""
    batch = Batch()
    with deferring(batch):
        batch.item("good")
        verify_contest(KEY.public, CONTESTS[0], SHAPE, BINDING, Q)
    before = len(batch)
    batch.item("cut short")
    batch._scalars += bytes(64)  # half an equation's terms, as an error would leave them
    batch._indices += [0, 0]
    batch._starts.append(len(batch._indices) - 2)
    batch.cancel()
    assert len(batch) == before
    assert len(batch._indices) * 32 == len(batch._scalars)
    assert batch.holds()


def test_a_large_contest_s_sum_stays_one_point() -> None:
    """A small sum (a referendum's three options) enters the batch as its parts; a large
    one stays a point, so a term on it is one term, not one per option (a 256-option
    contest would otherwise hold 69 times the terms)."""
    small = _batch(CONTESTS[:1])
    # z·K, −c·(β₁, β₂, β₃), c·s·G, −B: the sum's parts (in the native table only)
    assert max(small._lengths) == (6 if small.native else 4)
    shape = ContestShape(12, min_total=0, max_total=12)
    wide = [encrypt_contest(KEY.public, [i % 2 for i in range(12)], shape, BINDING, Q)[0]]
    batch = Batch()
    with deferring(batch):
        batch.item(1)
        verify_contest(KEY.public, wide[0], shape, BINDING, Q)
    assert max(batch._lengths) <= 4
    assert batch.holds()
    bumped = dataclasses.replace(wide[0], sum_proof=DisjunctiveProof(
        wide[0].sum_proof.challenges,
        (wide[0].sum_proof.responses[0] + ONE, *wide[0].sum_proof.responses[1:]),
        wide[0].sum_proof.commitments,
    ))  # fmt: skip
    batch = Batch()
    with deferring(batch):
        batch.item(1)
        verify_contest(KEY.public, bumped, shape, BINDING, Q)
    assert not batch.holds()
    assert list(batch.failing()) == [1]
