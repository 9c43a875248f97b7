"""Paper boxes' totals: every malformed or inconsistent box is refused, and says which."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from evoting.crypto.contest import ContestShape, Weighted
from evoting.election import load_manifest
from tally.result import PaperError, _check_counts, build_result, check_paper

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
KORTRIJK = load_manifest(EXAMPLES / "kortrijk-2019.yaml")
BOX: dict[str, Any] = {"box": "Stadhuis", "ballots": 10, "contests": {"car-free-sunday": [6, 3, 1]}}


def test_a_good_box_is_added() -> None:
    result = build_result(KORTRIJK, {"car-free-sunday": [2, 1, 0]}, 3, [BOX], eligible=100)
    question = result["questions"][0]  # type: ignore[index]
    assert question["totals"] == {"yes": 8, "no": 4, "blank": 1}
    assert result["participants"] == {"online": 3, "paper": 10, "total": 13}


def _with(change: dict[str, Any]) -> dict[str, Any]:
    box = copy.deepcopy(BOX)
    box.update(change)
    return box


@pytest.mark.parametrize(
    ("paper", "message"),
    [
        ({"box": "x"}, "must be a list of boxes"),
        (["box"], "box 1: not an object"),
        ([_with({"box": ""})], 'box 1: "box" must name the box'),
        ([_with({"box": "x" * 65})], "1 to 64 printable characters"),
        ([_with({"box": "Sta\x00dhuis"})], "1 to 64 printable characters"),
        ([_with({"box": " Stadhuis"})], "without spaces around it"),
        ([_with({"box": "Cafe\u0301"})], "in composed form"),  # "Café" twice: one box
        ([BOX, BOX], "'Stadhuis': appears twice"),
        ([_with({"signed_by": "A"})], "unknown field 'signed_by'"),
        ([_with({"ballots": -1})], '"ballots" must be a whole number'),
        ([_with({"ballots": True})], '"ballots" must be a whole number'),
        ([_with({"ballots": "10"})], '"ballots" must be a whole number'),
        ([_with({"contests": [6, 3, 1]})], '"contests" must map'),
        ([_with({"contests": {}})], "'car-free-sunday' needs one count"),
        ([_with({"contests": {"car-free-sunday": [6, 4]}})], "for each of yes, no, blank"),
        ([_with({"contests": {"car-free-sunday": [7, 4, -1]}})], "needs one count"),
        ([_with({"contests": {"car-free-sunday": [6.0, 3, 1]}})], "needs one count"),
        ([_with({"contests": {"car-free-sunday": [6, 3, 1], "other": [1]}})], "'other' is not"),
        (
            [_with({"contests": {"car-free-sunday": [6, 3, 2]}})],
            "add up to 11, not to the box's",
        ),
    ],
)
def test_a_bad_box_is_refused_with_its_reason(paper: object, message: str) -> None:
    with pytest.raises(PaperError, match=message.replace("(", r"\(")):
        check_paper(KORTRIJK, paper)


def test_no_paper_is_no_box() -> None:
    assert check_paper(KORTRIJK, []) == []


def test_paper_cannot_exceed_the_residents_who_voted_on_paper() -> None:
    """3,000 invented paper ballots once flipped a referendum to binding: never again."""
    invented = _with({"ballots": 3000, "contests": {"car-free-sunday": [3000, 0, 0]}})
    with pytest.raises(PaperError, match="hold 3000 ballots, but only 12 residents"):
        check_paper(KORTRIJK, [invented], paper_voters=12)
    with pytest.raises(PaperError, match="hold 3000 ballots, but only 12 residents"):
        build_result(KORTRIJK, {"car-free-sunday": [2, 1, 0]}, 3, [invented], eligible=60000,
                     paper_voters=12)  # fmt: skip
    assert check_paper(KORTRIJK, [BOX], paper_voters=10) == [BOX]  # exactly as many: fine


def test_participants_cannot_exceed_the_eligible() -> None:
    with pytest.raises(PaperError, match="more than the 12 eligible residents"):
        build_result(KORTRIJK, {"car-free-sunday": [2, 1, 0]}, 3, [BOX], eligible=12)
    build_result(KORTRIJK, {"car-free-sunday": [2, 1, 0]}, 3, [BOX], eligible=13)


RUEIL = load_manifest(EXAMPLES / "rueil-2019.yaml")
POPERINGE = load_manifest(EXAMPLES / "poperinge.yaml")


def _grid(ballots: int, firsts: dict[int, int]) -> list[int]:
    """A points box's counts: every ballot ranks projects 0, 1, 2 of Rueil's 20 unless
    ``firsts`` moves some first ranks to other projects."""
    n = 20
    counts = [0] * (3 * n)
    for rank, project in enumerate((0, 1, 2)):
        counts[rank * n + project] = ballots
    for project, moved in firsts.items():
        counts[project] -= moved
        counts[project + 3] += moved
    return counts


def test_a_points_box_is_checked_rank_by_rank_and_project_by_project() -> None:
    good = {"box": "Hôtel de ville", "ballots": 10, "contests": {"projects": _grid(10, {0: 4})}}
    check_paper(RUEIL, [good])
    twice = _grid(10, {})
    twice[20 + 0] = 10  # every ballot ranks project 0 first and second
    twice[20 + 1] = 0
    with pytest.raises(PaperError, match="rank or project"):
        check_paper(RUEIL, [{**good, "contests": {"projects": twice}}])
    short = _grid(10, {})
    short[40 + 2] = 9  # a third rank missing on one ballot
    with pytest.raises(PaperError, match="'projects'"):
        check_paper(RUEIL, [{**good, "contests": {"projects": short}}])


def test_an_approval_box_holds_at_most_five_choices_a_ballot() -> None:
    counts = [0] * 50
    counts[:5] = [10] * 5
    check_paper(POPERINGE, [{"box": "B", "ballots": 10, "contests": {"shortlist": counts}}])
    counts[5] = 1  # 51 choices on 10 ballots of at most 5
    with pytest.raises(PaperError, match="add up to 51; 10 ballots give between 0 and 50"):
        check_paper(POPERINGE, [{"box": "B", "ballots": 10, "contests": {"shortlist": counts}}])
    counts[5], counts[0] = 0, 11  # more votes for one project than ballots
    with pytest.raises(PaperError, match="more than 10 ballots can give"):
        check_paper(POPERINGE, [{"box": "B", "ballots": 10, "contests": {"shortlist": counts}}])


def test_a_basket_box_holds_no_more_choices_than_baskets_can() -> None:
    """Projects of 60, 60 and 40 in a budget of 100: a basket holds at most two of them,
    and never both projects of 60."""
    shape = ContestShape(3, 1, 0, 3, weighted=Weighted((60, 60, 40), 0, 100))
    _check_counts("B", "basket", shape, [1, 0, 2], 2)  # {60, 40} and {40}
    with pytest.raises(PaperError, match="costs add up to 260; 2 ballots give between 0 and 200"):
        _check_counts("B", "basket", shape, [1, 2, 2], 2)
    with pytest.raises(PaperError, match="its choices add up to 3; 2 ballots give between 0 and 2"):
        _check_counts("B", "basket", ContestShape(2, 1, 0, 2, weighted=Weighted((60, 60), 0, 100)),
                      [2, 1], 2)  # fmt: skip
