"""Our greedy and top rules against pabutools, the research reference (test only).

pabutools' ``greedy_utilitarian_welfare`` ranks projects by *total satisfaction
divided by cost* and funds each that fits. To make it rank by total score, as ours
does (and as Pabulib's "greedy", Rueil and Consul do), the satisfaction of a
project must be its score times its cost:

* approval ballots: ``Cost_Sat`` (a voter's satisfaction with a project is its cost
  if approved), so the density is the number of approvals. ``Cardinality_Sat``
  would divide the votes by the cost: a cost-aware rule, not ours;
* points and cumulative ballots: a satisfaction of points × cost (defined below,
  pabutools' ``Additive_Cardinal_Sat`` would again divide by the cost).

Costs are at least 1 here: pabutools gives a project that costs 0 a density of 0
rather than its score, so it would come last, not in its place by score (it is
funded either way; see `test_a_free_project_is_funded_by_both`).

Ties: without ties the tie-breaking plays no part. With ties, pabutools is given a
``TieBreakingRule`` whose key is our declared rules recomputed from their
definitions (cost, then SHA-256(seed || 0x00 || id)), and the selections must then
agree project for project, in order. ``top`` is pabutools' greedy with every cost
set to 1 and a budget of the number of seats.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tally.winners import Project, Rule, select
from tests.unit.test_winners import RUEIL_PROJECTS, RUEIL_RULE, RUEIL_SCORES, SEED

election: Any = pytest.importorskip("pabutools.election")
pabu_rules: Any = pytest.importorskip("pabutools.rules")
tiebreaking: Any = pytest.importorskip("pabutools.tiebreaking")


def _points_times_cost(
    instance: Any, profile: Any, ballot: Any, project: Any, precomputed: Any
) -> Any:
    return ballot.get(project, 0) * project.cost


class PointsTimesCostSat(election.AdditiveSatisfaction):  # type: ignore[misc]
    """Points × cost: the density pabutools' greedy divides out is then the points."""

    def __init__(self, instance: Any, profile: Any, ballot: Any) -> None:
        super().__init__(instance, profile, ballot, _points_times_cost)


def lot(seed: str, project_id: str) -> str:
    return hashlib.sha256(seed.encode() + b"\0" + project_id.encode()).hexdigest()


def our_tie_order(costs: dict[str, int], seed: str) -> Any:
    """pabutools' tie-breaking for our ("lower_cost", "lot") with ``seed``."""
    return tiebreaking.TieBreakingRule(
        lambda instance, profile, project: (costs[project.name], lot(seed, project.name))
    )


def pabutools_greedy(
    costs: dict[str, int],
    budget: int,
    ballots: list[Any],
    kind: str,
    tie_breaking: Any = None,
) -> list[str]:
    """pabutools' greedy on the projects, with approval sets or point dicts as ballots."""
    projects = {i: election.Project(i, c) for i, c in costs.items()}
    instance = election.Instance(projects.values(), budget_limit=budget)
    if kind == "approval":
        profile = election.ApprovalProfile(
            [election.ApprovalBallot({projects[i] for i in b}) for b in ballots],
            instance=instance,
        )
        sat_class = election.Cost_Sat
    else:
        profile = election.CumulativeProfile(
            [election.CumulativeBallot({projects[i]: v for i, v in b.items()}) for b in ballots],
            instance=instance,
        )
        sat_class = PointsTimesCostSat
    selected = pabu_rules.greedy_utilitarian_welfare(
        instance, profile, sat_class=sat_class, tie_breaking=tie_breaking
    )
    return [p.name for p in selected]


ids = st.lists(st.text(alphabet="abcdefghij", min_size=1, max_size=2), min_size=1, max_size=10,
               unique=True)  # fmt: skip


@given(ids, st.data())
def test_greedy_by_votes_matches_pabutools_without_ties(
    names: list[str], data: st.DataObject
) -> None:
    scores = dict(zip(names, data.draw(st.permutations(range(len(names)))), strict=True))
    costs = {i: data.draw(st.integers(1, 100)) for i in names}
    budget = data.draw(st.integers(1, sum(costs.values()) + 10))
    # voter v approves the projects with more than v votes: approvals == scores
    ballots = [{i for i in names if scores[i] > v} for v in range(max(scores.values()))]
    ours = select(
        [Project(i, costs[i]) for i in names], scores, Rule("greedy", None, budget, (), None)
    )
    assert pabutools_greedy(costs, budget, ballots, "approval") == list(ours.winners)


@given(ids, st.data())
def test_greedy_by_votes_matches_pabutools_with_ties(names: list[str], data: st.DataObject) -> None:
    ballots = data.draw(st.lists(st.sets(st.sampled_from(names)), max_size=8))
    scores = {i: sum(i in b for b in ballots) for i in names}
    costs = {i: data.draw(st.sampled_from([10, 20, 30, 45])) for i in names}
    budget = data.draw(st.integers(1, 150))
    seed = data.draw(st.text(min_size=1, max_size=10))
    rule = Rule("greedy", None, budget, ("lower_cost", "lot"), seed)
    ours = select([Project(i, costs[i]) for i in names], scores, rule)
    theirs = pabutools_greedy(costs, budget, ballots, "approval", our_tie_order(costs, seed))
    assert theirs == list(ours.winners)


@given(ids, st.data())
def test_greedy_by_points_matches_pabutools(names: list[str], data: st.DataObject) -> None:
    # Rueil-style ballots: up to three projects, given 3, 2 and 1 points
    ranked = data.draw(st.lists(st.permutations(names).map(lambda p: p[:3]), max_size=10))
    ballots = [{i: 3 - r for r, i in enumerate(b)} for b in ranked]
    scores = {i: sum(b.get(i, 0) for b in ballots) for i in names}
    costs = {i: data.draw(st.integers(1, 60)) for i in names}
    budget = data.draw(st.integers(1, 200))
    seed = data.draw(st.text(min_size=1, max_size=10))
    rule = Rule("greedy", None, budget, ("lower_cost", "lot"), seed)
    ours = select([Project(i, costs[i]) for i in names], scores, rule)
    theirs = pabutools_greedy(costs, budget, ballots, "points", our_tie_order(costs, seed))
    assert theirs == list(ours.winners)


@given(ids, st.data())
def test_top_matches_pabutools_greedy_with_unit_costs(
    names: list[str], data: st.DataObject
) -> None:
    ballots = data.draw(st.lists(st.sets(st.sampled_from(names)), max_size=8))
    scores = {i: sum(i in b for b in ballots) for i in names}
    costs = {i: data.draw(st.sampled_from([10, 20, 30])) for i in names}
    seats = data.draw(st.integers(1, len(names) + 2))
    seed = data.draw(st.text(min_size=1, max_size=10))
    ours = select([Project(i, costs[i]) for i in names], scores,
                  Rule("top", seats, None, ("lower_cost", "lot"), seed))  # fmt: skip
    theirs = pabutools_greedy(dict.fromkeys(names, 1), seats, ballots, "approval",
                              our_tie_order(costs, seed))  # fmt: skip
    assert theirs == list(ours.winners)


def test_rueil_matches_pabutools() -> None:
    costs = {p.id: p.cost for p in RUEIL_PROJECTS}
    # the greedy depends on the totals only: one cumulative ballot carrying them all
    theirs = pabutools_greedy(costs, 200_000, [RUEIL_SCORES], "points", our_tie_order(costs, SEED))
    assert theirs == list(select(RUEIL_PROJECTS, RUEIL_SCORES, RUEIL_RULE).winners)


def test_a_free_project_is_funded_by_both() -> None:
    costs = {"a": 60, "b": 50, "free": 0, "c": 40}
    scores = {"a": 3, "b": 2, "free": 4, "c": 1}
    ballots = [{i for i in costs if scores[i] > v} for v in range(4)]
    ours = select([Project(i, c) for i, c in costs.items()], scores,
                  Rule("greedy", None, 100, (), None))  # fmt: skip
    theirs = pabutools_greedy(costs, 100, ballots, "approval")
    assert ours.winners == ("free", "a", "c")
    assert theirs == ["a", "c", "free"]  # the same projects; pabutools takes the free one last
