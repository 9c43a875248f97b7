"""Winner rules (tally/winners.py), on cases computed by hand."""

from __future__ import annotations

import dataclasses
import json

import pytest

from tally.ties import lot_draw
from tally.winners import (
    InvalidInput,
    InvalidRule,
    Outcome,
    Project,
    Rule,
    TiedWith,
    UnresolvedTie,
    select,
)

SEED = "Rueil 2024 public draw"

# A Rueil-like budget: 1535 ballots, each giving 3, 2 and 1 points (9210 points in
# all), 20 projects each within the 40,000 cap, 200,000 to spend.
RUEIL = [
    ("P01", 900, 40_000),
    ("P02", 850, 35_000),
    ("P03", 800, 30_000),
    ("P04", 760, 25_000),
    ("P05", 700, 38_000),
    ("P06", 650, 40_000),  # does not fit in the 32,000 left; cheaper later ones do
    ("P07", 600, 20_000),  # three tied at 600: lower cost puts P08 and P09 first,
    ("P08", 600, 18_000),  # and the lot orders those two: P09 first (its draw
    ("P09", 600, 18_000),  # starts 5005…, P08's 6318…)
    ("P10", 520, 12_000),
    ("P11", 450, 5_000),
    ("P12", 400, 2_000),  # takes the last 2,000
    ("P13", 380, 9_000),
    ("P14", 300, 15_000),
    ("P15", 250, 10_000),
    ("P16", 200, 7_000),
    ("P17", 150, 4_000),
    ("P18", 100, 30_000),
    ("P19", 0, 8_000),
    ("P20", 0, 1_000),
]
RUEIL_PROJECTS = [Project(i, cost) for i, _, cost in RUEIL]
RUEIL_SCORES = {i: score for i, score, _ in RUEIL}
RUEIL_RULE = Rule("greedy", None, 200_000, ("lower_cost", "lot"), SEED)


def greedy(budget: int, ties: tuple[str, ...] = (), seed: str | None = None) -> Rule:
    return Rule("greedy", None, budget, ties, seed)


def top(seats: int, ties: tuple[str, ...] = (), seed: str | None = None) -> Rule:
    return Rule("top", seats, None, ties, seed)


def instance(*rows: tuple[str, int, int]) -> tuple[list[Project], dict[str, int]]:
    """(id, score, cost) rows as the projects and the scores."""
    return [Project(i, c) for i, _, c in rows], {i: s for i, s, _ in rows}


def statuses(outcome: Outcome) -> dict[str, str]:
    return {d.project: d.status for d in outcome.explanation}


def test_rueil_points_budget() -> None:
    assert sum(RUEIL_SCORES.values()) == 6 * 1535
    outcome = select(RUEIL_PROJECTS, RUEIL_SCORES, RUEIL_RULE)
    assert outcome.winners == ("P01", "P02", "P03", "P04", "P05", "P09", "P10", "P12")
    assert (outcome.spent, outcome.left) == (200_000, 0)
    assert outcome.order == (
        *("P01", "P02", "P03", "P04", "P05", "P06", "P09", "P08", "P07", "P10"),
        *("P11", "P12", "P13", "P14", "P15", "P16", "P17", "P18", "P20", "P19"),
    )
    table = [(d.project, d.rank, d.status, d.remaining) for d in outcome.explanation]
    assert table == [
        ("P01", 1, "funded", 200_000),
        ("P02", 2, "funded", 160_000),
        ("P03", 3, "funded", 125_000),
        ("P04", 4, "funded", 95_000),
        ("P05", 5, "funded", 70_000),
        ("P06", 6, "skipped", 32_000),
        ("P09", 7, "funded", 32_000),
        ("P08", 8, "skipped", 14_000),
        ("P07", 9, "skipped", 14_000),
        ("P10", 10, "funded", 14_000),
        ("P11", 11, "skipped", 2_000),
        ("P12", 12, "funded", 2_000),
        ("P13", 13, "not_reached", 0),
        ("P14", 14, "not_reached", 0),
        ("P15", 15, "not_reached", 0),
        ("P16", 16, "not_reached", 0),
        ("P17", 17, "not_reached", 0),
        ("P18", 18, "not_reached", 0),
        ("P20", 19, "not_reached", 0),
        ("P19", 20, "not_reached", 0),
    ]
    by_id = {d.project: d for d in outcome.explanation}
    assert by_id["P09"].tie == (TiedWith("P08", "lot"), TiedWith("P07", "lower_cost"))
    assert by_id["P08"].tie == (TiedWith("P09", "lot"), TiedWith("P07", "lower_cost"))
    assert by_id["P07"].tie == (TiedWith("P09", "lower_cost"), TiedWith("P08", "lower_cost"))
    assert by_id["P20"].tie == (TiedWith("P19", "lower_cost"),)
    assert by_id["P01"].tie == ()
    assert by_id["P06"].reason == "skipped: ranked 6; it costs 40000 but only 32000 was left"
    assert by_id["P09"].reason == (
        "funded: ranked 7; it costs 18000 and 32000 was left, so 14000 remained; "
        "tied at score 600 with P08 (behind it by lot) and P07 (behind it by lower cost)"
    )
    assert by_id["P08"].reason == (
        "skipped: ranked 8; it costs 18000 but only 14000 was left; "
        "tied at score 600 with P09 (ahead of it by lot) and P07 (behind it by lower cost)"
    )
    assert by_id["P13"].reason == "not reached: ranked 13; the budget was spent before its turn"


def test_the_lot_is_sha256_of_seed_nul_id() -> None:
    # printf '%s\0%s' "Rueil 2024 public draw" P08 | sha256sum
    assert lot_draw(SEED, "P08").hex() == (
        "63181f37f48100fa179db35cd8c6072241e509a0e4391c573a20cee7163647d4"
    )
    assert lot_draw(SEED, "P09").hex() == (
        "5005385c7e7f872f2ae74e291090291ff5e18a02391e56ee82997b9b26cb324e"
    )
    assert lot_draw(SEED, "P07").hex().startswith("01a98c84")
    # with the lot alone, the three tied at 600 go in the order of their draws
    outcome = select(RUEIL_PROJECTS, RUEIL_SCORES, greedy(200_000, ("lot",), SEED))
    assert outcome.order[6:9] == ("P07", "P09", "P08")
    assert lot_draw("é", "x") == lot_draw("\u00e9", "x") != lot_draw("e\u0301", "x")


def test_a_different_seed_can_draw_the_other_project() -> None:
    seed = next(s for s in (f"seed {n}" for n in range(100))
                if lot_draw(s, "P08") < lot_draw(s, "P09"))  # fmt: skip
    outcome = select(RUEIL_PROJECTS, RUEIL_SCORES, greedy(200_000, ("lower_cost", "lot"), seed))
    assert "P08" in outcome.winners
    assert "P09" not in outcome.winners


def test_rueil_tie_at_the_boundary_without_lot_is_refused() -> None:
    # lower cost puts P07 last, but P08 and P09 cost the same: one of them fits
    with pytest.raises(UnresolvedTie) as caught:
        select(RUEIL_PROJECTS, RUEIL_SCORES, greedy(200_000, ("lower_cost",)))
    assert caught.value.projects == ("P08", "P09")
    assert caught.value.score == 600
    assert "with 32000 left, P08 and P09 each fit but not all together" in str(caught.value)
    with pytest.raises(UnresolvedTie) as caught:
        select(RUEIL_PROJECTS, RUEIL_SCORES, greedy(200_000))
    assert caught.value.projects == ("P07", "P08", "P09")
    assert "no tie rule is declared" in str(caught.value)


def test_a_project_that_does_not_fit_while_a_cheaper_later_one_does() -> None:
    projects, scores = instance(("a", 10, 60), ("b", 9, 50), ("c", 8, 30), ("d", 7, 10))
    outcome = select(projects, scores, greedy(100))
    assert outcome.winners == ("a", "c", "d")
    assert statuses(outcome) == {"a": "funded", "b": "skipped", "c": "funded", "d": "funded"}
    assert (outcome.spent, outcome.left) == (100, 0)


def test_all_projects_fit() -> None:
    projects, scores = instance(("a", 3, 10), ("b", 2, 20), ("c", 1, 30))
    outcome = select(projects, scores, greedy(100))
    assert outcome.winners == ("a", "b", "c")
    assert (outcome.spent, outcome.left) == (60, 40)
    assert [d.remaining for d in outcome.explanation] == [100, 90, 70]


def test_nothing_fits() -> None:
    projects, scores = instance(("a", 3, 110), ("b", 2, 120))
    outcome = select(projects, scores, greedy(100))
    assert outcome.winners == ()
    assert (outcome.spent, outcome.left) == (0, 100)
    assert statuses(outcome) == {"a": "skipped", "b": "skipped"}


def test_not_reached_means_nothing_was_left() -> None:
    projects, scores = instance(("a", 5, 60), ("b", 4, 41), ("c", 3, 40), ("d", 2, 1), ("e", 1, 0))
    outcome = select(projects, scores, greedy(100))
    # b does not fit in 40 (skipped), c takes the last 40, d is not reached, and e,
    # which costs nothing, always fits
    assert statuses(outcome) == {
        "a": "funded", "b": "skipped", "c": "funded", "d": "not_reached", "e": "funded",
    }  # fmt: skip
    assert [d.remaining for d in outcome.explanation] == [100, 40, 40, 0, 0]
    assert outcome.winners == ("a", "c", "e")


def test_zero_scores_are_funded_if_they_fit() -> None:
    # as in Pabulib's and pabutools' greedy: every project is considered
    projects, scores = instance(("a", 4, 50), ("b", 0, 30), ("c", 0, 40))
    outcome = select(projects, scores, greedy(100, ("higher_cost",)))
    assert outcome.order == ("a", "c", "b")
    assert outcome.winners == ("a", "c")
    assert statuses(outcome)["b"] == "skipped"
    nobody = select(projects, dict.fromkeys(scores, 0), greedy(100, ("lot",), "s"))
    assert nobody.spent == sum(p.cost for p in projects if p.id in nobody.winners)
    assert len(nobody.winners) == 2


def test_an_unresolved_tie_that_changes_nothing_is_listed_by_id() -> None:
    # both fit: every order funds both and leaves 10
    projects, scores = instance(("z", 5, 40), ("y", 5, 50), ("x", 1, 90))
    outcome = select(projects, scores, greedy(100))
    assert outcome.order == ("y", "z", "x")
    assert outcome.winners == ("y", "z")
    assert outcome.explanation[0].tie == (TiedWith("z", "none"),)
    assert "z (no declared rule separates them, and the order changes nothing: listed by id)" in (
        outcome.explanation[0].reason
    )
    # only one of them fits on its own: who is funded does not depend on the order
    projects, scores = instance(("a", 5, 10), ("b", 5, 20))
    assert select(projects, scores, greedy(10)).winners == ("a",)


def test_top_elects_the_highest_scores() -> None:
    projects, scores = instance(("a", 30, 5), ("b", 50, 9), ("c", 40, 1), ("d", 10, 2))
    outcome = select(projects, scores, top(2))
    assert outcome.winners == ("b", "c")
    assert (outcome.spent, outcome.left) == (10, None)
    assert statuses(outcome) == {
        "b": "elected", "c": "elected", "a": "not_elected", "d": "not_elected",
    }  # fmt: skip
    assert outcome.explanation[0].reason == "elected: ranked 1, within the 2 seats"
    assert outcome.explanation[2].reason == "not elected: ranked 3, after the 2 seats"
    assert all(d.remaining is None for d in outcome.explanation)


def test_seats_beyond_the_projects_elect_everyone() -> None:
    projects, scores = instance(("a", 0, 5), ("b", 0, 5), ("c", 3, 1))
    outcome = select(projects, scores, top(5))
    assert set(outcome.winners) == {"a", "b", "c"}
    assert outcome.winners[0] == "c"
    assert select(projects, scores, top(3)).winners == outcome.winners
    assert select([], {}, top(1)).winners == ()


@pytest.mark.parametrize(
    ("ties", "winners"),
    [(("lower_cost",), ("a", "c")), (("higher_cost",), ("a", "b")), (("lot",), ("a", "c"))],
)
def test_top_ties_at_the_last_seat(ties: tuple[str, ...], winners: tuple[str, ...]) -> None:
    projects, scores = instance(("a", 9, 1), ("b", 5, 30), ("c", 5, 20), ("d", 1, 1))
    assert lot_draw("x", "c") < lot_draw("x", "b")
    outcome = select(projects, scores, top(2, ties, "x" if "lot" in ties else None))
    assert outcome.winners == winners


def test_top_unresolved_tie_raises_and_names_the_projects() -> None:
    projects, scores = instance(("a", 9, 1), ("b", 5, 20), ("c", 5, 20), ("d", 5, 10))
    with pytest.raises(UnresolvedTie) as caught:
        select(projects, scores, top(3, ("lower_cost",)))  # a, then d; b and c for one seat
    assert caught.value.projects == ("b", "c")
    assert str(caught.value) == (
        "b and c are tied at score 5 for the last of the 3 seats, and no declared tie rule "
        '(lower_cost) separates them: declare a tie rule that decides (such as "lot" with a '
        "published seed)"
    )
    with pytest.raises(UnresolvedTie) as caught:
        select(projects, scores, top(2))
    assert caught.value.projects == ("b", "c", "d")
    # the same ties are harmless away from the boundary: listed by id
    assert select(projects, scores, top(2, ("lower_cost",))).winners == ("a", "d")
    everyone = select(projects, scores, top(4))
    assert everyone.winners == ("a", "b", "c", "d")
    assert everyone.explanation[1].tie == (TiedWith("c", "none"), TiedWith("d", "none"))


def test_to_json_is_plain() -> None:
    projects, scores = instance(("a", 2, 70), ("b", 2, 40), ("c", 1, 60))
    outcome = select(projects, scores, greedy(100, ("lower_cost",)))
    assert outcome.to_json() == {
        "rule": {"method": "greedy", "seats": None, "budget": 100, "ties": ["lower_cost"],
                 "seed": None},
        "winners": ["b", "c"],
        "spent": 100,
        "left": 0,
        "order": ["b", "a", "c"],
        "explanation": [
            {"project": "b", "score": 2, "cost": 40, "rank": 1, "status": "funded",
             "remaining": 100, "tie": [{"project": "a", "decided_by": "lower_cost"}],
             "reason": "funded: ranked 1; it costs 40 and 100 was left, so 60 remained; "
                       "tied at score 2 with a (behind it by lower cost)"},
            {"project": "a", "score": 2, "cost": 70, "rank": 2, "status": "skipped",
             "remaining": 60, "tie": [{"project": "b", "decided_by": "lower_cost"}],
             "reason": "skipped: ranked 2; it costs 70 but only 60 was left; "
                       "tied at score 2 with b (ahead of it by lower cost)"},
            {"project": "c", "score": 1, "cost": 60, "rank": 3, "status": "funded",
             "remaining": 60, "tie": [],
             "reason": "funded: ranked 3; it costs 60 and 60 was left, so 0 remained"},
        ],
    }  # fmt: skip
    assert json.loads(json.dumps(outcome.to_json())) == outcome.to_json()
    big = select(RUEIL_PROJECTS, RUEIL_SCORES, RUEIL_RULE).to_json()
    assert "." not in json.dumps(big)  # no float anywhere
    assert big["rule"] == {"method": "greedy", "seats": None, "budget": 200_000,
                           "ties": ["lower_cost", "lot"], "seed": SEED}  # fmt: skip


def test_outcomes_are_frozen() -> None:
    outcome = select(*instance(("a", 1, 1)), top(1))
    with pytest.raises(dataclasses.FrozenInstanceError):
        outcome.winners = ()  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        outcome.explanation[0].status = "funded"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("best", 1, None, (), None), "the method is"),
        (("top", None, None, (), None), '"top" needs "seats"'),
        (("top", 0, None, (), None), '"top" needs "seats"'),
        (("top", True, None, (), None), '"top" needs "seats"'),
        (("top", 2, 100, (), None), "takes no budget"),
        (("greedy", None, None, (), None), '"greedy" needs "budget"'),
        (("greedy", None, 0, (), None), '"greedy" needs "budget"'),
        (("greedy", None, 1.5, (), None), '"greedy" needs "budget"'),
        (("greedy", 3, 100, (), None), "takes no seats"),
        (("greedy", None, 100, ["lot"], "s"), "a tuple of names"),
        (("greedy", None, 100, ("cheapest",), None), "unknown tie rule"),
        (("greedy", None, 100, ("lower_cost", "lower_cost"), None), "at most once"),
        (("greedy", None, 100, ("lower_cost", "higher_cost"), None), "contradict"),
        (("greedy", None, 100, ("lot", "lower_cost"), "s"), "comes last"),
        (("greedy", None, 100, ("lot",), None), "needs the published seed"),
        (("greedy", None, 100, ("lot",), ""), "needs the published seed"),
        (("greedy", None, 100, ("lower_cost",), "s"), "only used by"),
    ],
)
def test_malformed_rules_are_refused(args: tuple[object, ...], message: str) -> None:
    with pytest.raises(InvalidRule, match=message):
        Rule(*args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("projects", "scores", "message"),
    [
        ([Project("a", 1), Project("a", 2)], {"a": 1}, "'a' appears twice"),
        ([Project("a", 1)], {}, "'a' has no score"),
        ([Project("a", 1)], {"a": 1, "b": 2}, "'b', which is not a project"),
        ([Project("a", 1)], {"a": -1}, "the score is a whole number"),
        ([Project("a", 1)], {"a": True}, "the score is a whole number"),
        ([Project("a", 1)], {"a": 1.0}, "the score is a whole number"),
    ],
)
def test_malformed_input_is_refused(
    projects: list[Project], scores: dict[str, int], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        select(projects, scores, top(1))


@pytest.mark.parametrize(("pid", "cost"), [("", 1), ("a", -1), ("a", 1.0), ("a", False)])
def test_malformed_projects_are_refused(pid: str, cost: int) -> None:
    with pytest.raises(InvalidInput):
        Project(pid, cost)
