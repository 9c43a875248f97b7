"""The project questions' contests: every valid answer proves and verifies, and a device
that encrypts an invalid one (a project ranked twice, a cell of 2, a basket over budget,
too many points) cannot make proofs the verifier accepts."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ballots.encoding import AnswerError, contests, selections
from evoting.crypto.contest import (
    ContestShape,
    EncryptedContest,
    Subset,
    Weighted,
    encrypt_contest,
    verify_contest,
)
from evoting.crypto.elgamal import KeyPair
from evoting.crypto.errors import InvalidProof
from evoting.crypto.transcript import Binding
from evoting.election import load_manifest, parse_manifest

pytestmark = pytest.mark.usefixtures("verification_path")  # libsodium and native

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
KEY = KeyPair.generate()
BINDING = Binding(b"\x01" * 32, b"\x02" * 32)


def _manifest(question: dict[str, Any]) -> Any:
    raw: dict[str, Any] = {
        "id": "pb", "languages": ["en"], "title": {"en": "PB"},
        "web_address": "https://example.be",
        "window": {"opens": "2026-01-01T08:00", "closes": "2026-01-10T20:00"},
        "eligibility": {"minimum_age": 16, "municipality": "34022"},
        "questions": [{"id": "q", "text": {"en": "Which?"}, **question}],
        "trustees": {"n": 1, "k": 1},
    }  # fmt: skip
    return parse_manifest(raw)


COSTS = {f"p{i}": c for i, c in enumerate((30, 50, 20, 70, 40))}
PROJECTS: list[dict[str, Any]] = [{"id": pid, "title": {"en": f"Project {pid}"}, "cost": c}
                                  for pid, c in COSTS.items()]  # fmt: skip
TOP2 = {"method": "top", "seats": 2, "ties": ["lot"], "seed": "draw"}
POINTS = _manifest({"type": "points", "points": [3, 2, 1], "projects": PROJECTS, "rule": TOP2})
GREEDY = {"method": "greedy", "budget": 100, "ties": ["lot"], "seed": "draw"}
BASKET = _manifest({"type": "budget", "budget": 100, "projects": PROJECTS, "rule": GREEDY})
CUMULATIVE = _manifest({"type": "cumulative", "max_total": 5, "max_per_option": 3,
                        "projects": PROJECTS, "rule": TOP2})  # fmt: skip
APPROVAL = _manifest({"type": "approval", "min_choices": 1, "max_choices": 3,
                      "projects": PROJECTS, "rule": TOP2})  # fmt: skip
IDS = [p["id"] for p in PROJECTS]


def _prove(manifest: Any, answer: object) -> tuple[EncryptedContest, ContestShape]:
    spec = contests(manifest)[0]
    chosen = selections(manifest, {"q": answer})["q"]
    contest, _ = encrypt_contest(KEY.public, chosen, spec.shape, BINDING, spec.label_bytes)
    return contest, spec.shape


def _check(manifest: Any, contest: EncryptedContest) -> None:
    spec = contests(manifest)[0]
    verify_contest(KEY.public, contest, spec.shape, BINDING, spec.label_bytes)


@given(st.permutations(IDS))
def test_every_ranking_proves_and_round_trips(order: list[str]) -> None:
    contest, _ = _prove(POINTS, order[:3])
    _check(POINTS, EncryptedContest.from_json(contest.to_json()))


@given(st.lists(st.sampled_from(IDS), unique=True))
def test_baskets_within_the_budget_prove_and_over_it_are_refused(basket: list[str]) -> None:
    cost = sum(COSTS[pid] for pid in basket)
    if cost > 100:
        with pytest.raises(AnswerError, match="more than the budget of 100"):
            selections(BASKET, {"q": basket})
        return
    contest, _ = _prove(BASKET, basket)
    _check(BASKET, EncryptedContest.from_json(contest.to_json()))


@given(st.dictionaries(st.sampled_from(IDS), st.integers(0, 4)))
def test_cumulative_points_within_bounds_prove(points: dict[str, int]) -> None:
    if sum(points.values()) > 5 or any(v > 3 for v in points.values()):
        with pytest.raises(AnswerError):
            selections(CUMULATIVE, {"q": points})
        return
    contest, _ = _prove(CUMULATIVE, points)
    _check(CUMULATIVE, contest)


def _forged(manifest: Any, chosen: list[int], **permissive: Any) -> EncryptedContest:
    """What a lying device makes: proofs for an invalid answer under a looser shape."""
    spec = contests(manifest)[0]
    shape = dataclasses.replace(spec.shape, **permissive)
    contest, _ = encrypt_contest(KEY.public, chosen, shape, BINDING, spec.label_bytes)
    return contest


def test_a_project_ranked_twice_is_refused() -> None:
    n = len(IDS)
    chosen = [0] * (3 * n)
    chosen[0] = chosen[n] = 1  # p0 first and second
    chosen[2 * n + 1] = 1
    spec = contests(POINTS)[0]
    loose = tuple(s if len(s.indices) == n else Subset(s.indices, 0, 2) for s in spec.shape.subsets)
    forged = _forged(POINTS, chosen, subsets=loose)
    with pytest.raises(InvalidProof, match="subset"):
        _check(POINTS, forged)


def test_a_cell_of_two_is_refused() -> None:
    chosen = [0] * (3 * len(IDS))
    chosen[0], chosen[len(IDS) + 1] = 2, 1  # a 2 where a cell is 0 or 1; the row sums fit
    spec = contests(POINTS)[0]
    loose = tuple(Subset(s.indices, 0, 2) for s in spec.shape.subsets)
    forged = _forged(POINTS, chosen, max_per_selection=2, min_total=0, max_total=6, subsets=loose)
    with pytest.raises(InvalidProof):
        _check(POINTS, forged)


def test_a_basket_over_budget_is_refused() -> None:
    chosen = [0, 1, 0, 1, 0]  # 50 + 70 = 120, over the budget of 100
    weighted = Weighted((30, 50, 20, 70, 40), 0, 127)  # the same 7 bits as the real [0, 100]
    forged = _forged(BASKET, chosen, weighted=weighted)
    with pytest.raises(InvalidProof, match="weighted sum"):
        _check(BASKET, forged)


def test_missing_or_extra_proofs_are_refused() -> None:
    contest, _ = _prove(BASKET, ["p0"])
    with pytest.raises(InvalidProof, match="weighted"):
        _check(BASKET, dataclasses.replace(contest, weighted_proofs=None))
    ranked, _ = _prove(POINTS, ["p0", "p1", "p2"])
    with pytest.raises(InvalidProof, match="subset proofs"):
        _check(POINTS, dataclasses.replace(ranked, subset_proofs=ranked.subset_proofs[:-1]))
    approved, _ = _prove(APPROVAL, ["p0"])
    with pytest.raises(InvalidProof):
        _check(APPROVAL, dataclasses.replace(approved, subset_proofs=ranked.subset_proofs[:1]))


def test_a_proof_moved_to_another_question_fails() -> None:
    contest, _ = _prove(POINTS, ["p0", "p1", "p2"])
    spec = contests(POINTS)[0]
    with pytest.raises(InvalidProof):
        verify_contest(KEY.public, contest, spec.shape, BINDING, b"another question")


def test_the_examples_encode_every_answer_kind() -> None:
    rueil = load_manifest(EXAMPLES / "rueil-2019.yaml")
    ids = [p.id for p in rueil.questions[0].vote.projects]  # type: ignore[union-attr]
    grid = selections(rueil, {"projects": ids[:3]})["projects"]
    assert len(grid) == 3 * len(ids)
    assert sum(grid) == 3
    with pytest.raises(AnswerError, match="rank 3 projects"):
        selections(rueil, {"projects": ids[:2]})
    with pytest.raises(AnswerError, match="chosen twice"):
        selections(rueil, {"projects": [ids[0], ids[0], ids[1]]})
    poperinge = load_manifest(EXAMPLES / "poperinge.yaml")
    pids = [p.id for p in poperinge.questions[0].vote.projects]  # type: ignore[union-attr]
    assert sum(selections(poperinge, {"shortlist": pids[:5]})["shortlist"]) == 5
    with pytest.raises(AnswerError, match="between 0 and 5"):
        selections(poperinge, {"shortlist": pids[:6]})
    assert selections(poperinge, {"shortlist": None})["shortlist"] == [0] * len(pids)


def test_the_booth_parameters_carry_every_constraint() -> None:
    """The device builds the same shape from the booth parameters as the ballot box."""
    from ballots.booth import booth_parameters
    from evoting.crypto.blind import BlindSigner

    signer = BlindSigner.generate()
    for manifest in (POINTS, BASKET, CUMULATIVE, APPROVAL):
        params: Any = booth_parameters(manifest, KEY.public, signer.public_key)
        (contest,) = params["contests"]
        shape = contests(manifest)[0].shape
        rebuilt = ContestShape(
            contest["shape"]["options"], contest["shape"]["max_per_selection"],
            contest["shape"]["min_total"], contest["shape"]["max_total"],
            tuple(Subset(tuple(s["indices"]), s["low"], s["high"])
                  for s in contest["shape"].get("subsets", [])),
            Weighted(tuple(contest["shape"]["weighted"]["weights"]),
                     contest["shape"]["weighted"]["low"], contest["shape"]["weighted"]["high"])
            if "weighted" in contest["shape"] else None,
        )  # fmt: skip
        assert rebuilt == shape
        assert contest["type"] == manifest.questions[0].type
