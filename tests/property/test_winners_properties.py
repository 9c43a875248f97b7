"""Winner rules (tally/winners.py) on arbitrary instances: the invariants, and a reference.

The reference enumerates every order of the projects that the declared rules allow
(by score, then the tie rules, recomputed here from their definitions, with any
order among projects they leave tied) and runs a naive greedy or top on each: the
rule's winners are the reference's when all those orders agree, and it raises
`UnresolvedTie` exactly when they do not.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
from collections.abc import Iterator, Sequence

from hypothesis import given
from hypothesis import strategies as st

from tally.winners import Outcome, Project, Rule, UnresolvedTie, select

TIES = [(), ("lower_cost",), ("higher_cost",), ("lot",), ("lower_cost", "lot"),
        ("higher_cost", "lot")]  # fmt: skip
costs = st.one_of(st.sampled_from([0, 5, 10, 20, 30, 50]), st.integers(0, 120))


@st.composite
def instances(
    draw: st.DrawFn, max_projects: int = 8, max_score: int = 5
) -> tuple[list[Project], dict[str, int]]:
    ids = draw(st.lists(st.text(min_size=1, max_size=3), max_size=max_projects, unique=True))
    return (
        [Project(i, draw(costs)) for i in ids],
        {i: draw(st.integers(0, max_score)) for i in ids},
    )


@st.composite
def rules(draw: st.DrawFn, method: str | None = None) -> Rule:
    method = method or draw(st.sampled_from(["top", "greedy"]))
    ties = draw(st.sampled_from(TIES))
    seed = draw(st.text(min_size=1, max_size=8)) if "lot" in ties else None
    if method == "top":
        return Rule("top", draw(st.integers(1, 10)), None, ties, seed)
    return Rule("greedy", None, draw(st.integers(1, 250)), ties, seed)


def outcome_or_tie(
    projects: Sequence[Project], scores: dict[str, int], rule: Rule
) -> Outcome | UnresolvedTie:
    try:
        return select(projects, scores, rule)
    except UnresolvedTie as tie:
        return tie


# -- the reference ---------------------------------------------------------------


def reference_key(rule: Rule, project: Project) -> tuple[int | str, ...]:
    key: list[int | str] = []
    for tie in rule.ties:
        if tie == "lower_cost":
            key.append(project.cost)
        elif tie == "higher_cost":
            key.append(-project.cost)
        else:
            assert rule.seed is not None
            text = rule.seed.encode() + b"\0" + project.id.encode()
            key.append(hashlib.sha256(text).hexdigest())
    return tuple(key)


def allowed_orders(
    projects: Sequence[Project], scores: dict[str, int], rule: Rule
) -> Iterator[list[Project]]:
    """Every order by score then the declared tie rules, in any order where those tie."""

    def key(p: Project) -> tuple[object, ...]:
        return (-scores[p.id], reference_key(rule, p))

    groups = [list(g) for _, g in itertools.groupby(sorted(projects, key=key), key=key)]
    for choice in itertools.product(*(itertools.permutations(g) for g in groups)):
        yield [p for group in choice for p in group]


def naive(order: list[Project], rule: Rule) -> frozenset[str]:
    if rule.method == "top":
        assert rule.seats is not None
        return frozenset(p.id for p in order[: rule.seats])
    assert rule.budget is not None
    left, funded = rule.budget, set()
    for p in order:
        if p.cost <= left:
            funded.add(p.id)
            left -= p.cost
    return frozenset(funded)


@given(instances(max_projects=6, max_score=2), rules())
def test_the_rule_agrees_with_every_order_the_declared_rules_allow(
    instance: tuple[list[Project], dict[str, int]], rule: Rule
) -> None:
    projects, scores = instance
    possible = {naive(order, rule) for order in allowed_orders(projects, scores, rule)}
    result = outcome_or_tie(projects, scores, rule)
    if len(possible) == 1:
        assert isinstance(result, Outcome)
        assert set(result.winners) == next(iter(possible))
    else:
        assert isinstance(result, UnresolvedTie)
        assert all(scores[i] == result.score for i in result.projects)
        assert len(result.projects) >= 2
    if "lot" in rule.ties:
        assert len(possible) == 1  # the lot leaves nothing open


# -- invariants -------------------------------------------------------------------


@given(instances(), rules("greedy"))
def test_greedy_walks_the_budget_exactly(
    instance: tuple[list[Project], dict[str, int]], rule: Rule
) -> None:
    projects, scores = instance
    result = outcome_or_tie(projects, scores, rule)
    if isinstance(result, UnresolvedTie):
        return
    assert rule.budget is not None
    cost = {p.id: p.cost for p in projects}
    assert result.left is not None
    assert 0 <= result.spent <= rule.budget
    assert result.spent + result.left == rule.budget
    assert sum(cost[w] for w in result.winners) == result.spent
    remaining = rule.budget
    for d in result.explanation:
        assert d.remaining == remaining
        if d.status == "funded":
            assert d.cost <= remaining
            remaining -= d.cost
        elif d.status == "skipped":
            assert d.cost > remaining > 0
        else:
            assert d.status == "not_reached"
            assert d.cost > remaining == 0
    assert remaining == result.left
    # nothing left out would still fit
    assert all(d.cost > result.left for d in result.explanation if d.status != "funded")
    assert result.winners == tuple(d.project for d in result.explanation if d.status == "funded")


@given(instances(), rules("top"))
def test_top_elects_min_of_seats_and_projects(
    instance: tuple[list[Project], dict[str, int]], rule: Rule
) -> None:
    projects, scores = instance
    result = outcome_or_tie(projects, scores, rule)
    if isinstance(result, UnresolvedTie):
        assert "lot" not in rule.ties
        return
    assert rule.seats is not None
    assert len(result.winners) == min(rule.seats, len(projects))
    assert result.winners == result.order[: rule.seats]
    assert result.left is None
    assert result.spent == sum(p.cost for p in projects if p.id in result.winners)
    elected = [scores[w] for w in result.winners]
    others = [scores[i] for i in result.order if i not in result.winners]
    assert not others or min(elected) >= max(others)


@given(instances(), rules())
def test_the_order_and_the_explanation_are_consistent(
    instance: tuple[list[Project], dict[str, int]], rule: Rule
) -> None:
    projects, scores = instance
    result = outcome_or_tie(projects, scores, rule)
    if isinstance(result, UnresolvedTie):
        return
    assert sorted(result.order) == sorted(p.id for p in projects)
    assert [d.project for d in result.explanation] == list(result.order)
    assert [d.rank for d in result.explanation] == list(range(1, len(projects) + 1))
    ordered_scores = [scores[i] for i in result.order]
    assert ordered_scores == sorted(ordered_scores, reverse=True)
    for d in result.explanation:
        assert d.score == scores[d.project]
        tied = [i for i in result.order if i != d.project and scores[i] == d.score]
        assert [t.project for t in d.tie] == tied
        assert all(t.decided_by in (*rule.ties, "none") for t in d.tie)


def _plain(value: object) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return value is None or isinstance(value, str) or type(value) is int


@given(instances(), rules())
def test_to_json_has_only_integers_text_and_null(
    instance: tuple[list[Project], dict[str, int]], rule: Rule
) -> None:
    result = outcome_or_tie(*instance, rule)
    if isinstance(result, Outcome):
        document = result.to_json()
        assert _plain(document)
        assert json.loads(json.dumps(document)) == document


@given(instances(), rules(), st.randoms(use_true_random=False))
def test_the_outcome_does_not_depend_on_the_order_given(
    instance: tuple[list[Project], dict[str, int]], rule: Rule, shuffler: random.Random
) -> None:
    projects, scores = instance
    shuffled = list(reversed(projects))
    shuffler.shuffle(shuffled)
    scores_shuffled = {p.id: scores[p.id] for p in shuffled}
    a = outcome_or_tie(projects, scores, rule)
    b = outcome_or_tie(shuffled, scores_shuffled, rule)
    if isinstance(a, UnresolvedTie):
        assert isinstance(b, UnresolvedTie)
        assert (a.projects, a.score, str(a)) == (b.projects, b.score, str(b))
    else:
        assert a == b


@given(instances(), rules(), st.data())
def test_a_winner_with_a_higher_score_still_wins(
    instance: tuple[list[Project], dict[str, int]], rule: Rule, data: st.DataObject
) -> None:
    projects, scores = instance
    before = outcome_or_tie(projects, scores, rule)
    if isinstance(before, UnresolvedTie) or not before.winners:
        return
    winner = data.draw(st.sampled_from(before.winners))
    raised = {**scores, winner: scores[winner] + data.draw(st.integers(1, 3))}
    after = outcome_or_tie(projects, raised, rule)
    if isinstance(after, Outcome):
        assert winner in after.winners


@given(st.integers(1, 40), st.integers(1, 400_000), st.text(min_size=1, max_size=20))
def test_with_the_lot_there_is_always_an_outcome(n: int, budget: int, seed: str) -> None:
    projects = [Project(f"P{i:02}", 10_000 * (1 + i % 4)) for i in range(n)]
    scores = {p.id: 7 for p in projects}  # everyone tied, costs tied in fours
    for rule in (Rule("greedy", None, budget, ("lower_cost", "lot"), seed),
                 Rule("top", 1 + budget % n, None, ("lot",), seed)):  # fmt: skip
        outcome = select(projects, scores, rule)
        assert all(t.decided_by != "none" for d in outcome.explanation for t in d.tie)
