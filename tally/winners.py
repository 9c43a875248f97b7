"""Winner rules for shortlist votes and participatory budgets: who wins, and why.

`select` is a pure function of the projects (id and cost, from the manifest), their
decrypted scores (votes for approval and budget baskets, points for points and
cumulative ballots) and the `Rule` the manifest declares. The tally and the
independent verifier both call it, and the result page shows its `Outcome`. All
arithmetic is on integers; nothing is random, nothing reads the clock.

**The order.** Projects are considered by score, highest first. Projects with equal
scores are ordered by the declared tie rules, in the order declared (tally/ties.py:
``lower_cost``, ``higher_cost``, ``lot``). Projects that have equal scores and that
no declared rule separates are listed by id (code-point order) *if the order between
them changes nothing*; if it would change who wins, `select` does not pick: it raises
`UnresolvedTie` naming them, and the officials must declare a rule that decides (for
example ``lot`` with a published seed). Precisely, for a run of such projects:

* ``top``: it straddles the last seat (some of them would be elected, not all);
* ``greedy``: with the amount left when their turn comes, the ones among them that
  fit on their own do not all fit together (then which are funded depends on who
  goes first; when they do all fit, every order funds the same ones and leaves the
  same amount, and only the ``remaining`` shown for each, and whether one that does
  not fit is ``skipped`` or ``not_reached``, follow the id order).

The property tests check this against every order the declared rules allow: the
winners are those of all of them, or `UnresolvedTie` when they differ.

**top** (``seats: N``): the N projects first in the order are ``elected``, the
others ``not_elected``. With N or fewer projects, all are elected. Costs play no
part except through a cost tie rule. `Outcome.spent` is the winners' total cost;
`Outcome.left` is ``None``: there is no budget, so nothing is left of one.

**greedy** (``budget: B``): the projects are taken in the order; each is ``funded``
if its cost is at most the amount left (``remaining``, before it), and that amount
goes down by its cost; otherwise it is not funded and the next one is tried
(Rueil, Consul, Pabulib's "greedy", pabutools' ``greedy_utilitarian_welfare`` with
``Cost_Sat``). A project that is not funded is:

* ``skipped`` if something was left at its turn (``remaining > 0``) but less than
  its cost: it did not fit, and a cheaper project after it may still be funded;
* ``not_reached`` if nothing was left at its turn (``remaining == 0``): the budget
  was spent to the last unit before it.

Every project is considered, including those with a score of zero: a project with
no votes is funded if it fits, as in Pabulib's and pabutools' greedy (for
comparability; a minimum score, if a city wants one, is a screening decision). A
project costing 0 always fits. ``spent + left == budget``, ``spent`` is the winners'
total cost, and at the end no project that was not funded costs ``left`` or less.

**The explanation** has one `Decision` per project, in the order: its score, cost,
``rank`` (1-based position in the order), status, ``remaining`` (greedy; ``None``
for top), ``tie`` (each project with the same score, in the order, with the rule
that decided between the two: ``lower_cost``, ``higher_cost``, ``lot``, or ``none``
when no declared rule separates them and the order changes nothing) and a
plain-language ``reason``. `Outcome.to_json` gives it as plain JSON (integers,
strings, lists, objects, ``null``; no floats) for the bundle's result.json.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeGuard

from tally.ties import (
    HIGHER_COST,
    IN_WORDS,
    LOT,
    LOWER_COST,
    TIE_RULES,
    UNDECIDED,
    deciding_rule,
    tie_key,
)

TOP = "top"
GREEDY = "greedy"
METHODS = (TOP, GREEDY)

ELECTED = "elected"
NOT_ELECTED = "not_elected"
FUNDED = "funded"
SKIPPED = "skipped"
NOT_REACHED = "not_reached"

__all__ = [
    "ELECTED",
    "FUNDED",
    "GREEDY",
    "NOT_ELECTED",
    "NOT_REACHED",
    "SKIPPED",
    "TOP",
    "Decision",
    "InvalidInput",
    "InvalidRule",
    "Outcome",
    "Project",
    "Rule",
    "TiedWith",
    "UnresolvedTie",
    "WinnerError",
    "select",
]


class WinnerError(ValueError):
    """The winners cannot be determined; the subclass and the message say why."""


class InvalidRule(WinnerError):
    """The rule is malformed: unknown method, missing seats or budget, bad tie rules."""


class InvalidInput(WinnerError):
    """The projects or scores are malformed: duplicate ids, a missing score, a negative number."""


class UnresolvedTie(WinnerError):
    """Projects are tied on score and on every declared tie rule, and the order between
    them would decide who wins: the officials must declare a rule that decides.

    ``projects``: their ids, in code-point order; ``score``: the score they share.
    """

    def __init__(self, projects: tuple[str, ...], score: int, message: str) -> None:
        super().__init__(message)
        self.projects = projects
        self.score = score


def _whole(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True, slots=True)
class Project:
    """A project (or shortlisted option) and its cost in whole currency units."""

    id: str
    cost: int

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise InvalidInput("a project's id is non-empty text")
        if not _whole(self.cost) or self.cost < 0:
            raise InvalidInput(f"project {self.id!r}: the cost is a whole number, 0 or more")


@dataclass(frozen=True, slots=True)
class Rule:
    """The winner rule the manifest declares.

    ``method``: ``"top"`` (needs ``seats``, a whole number ≥ 1, and no budget) or
    ``"greedy"`` (needs ``budget``, a whole number ≥ 1, and no seats). ``ties``: the
    tie rules, applied in order, each at most once, at most one of the two cost
    rules, ``"lot"`` last if present. ``seed``: the published text for ``"lot"``,
    required with it and refused without it.
    """

    method: str
    seats: int | None
    budget: int | None
    ties: tuple[str, ...]
    seed: str | None

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise InvalidRule(f'the method is "top" or "greedy", not {self.method!r}')
        if self.method == TOP:
            if not _whole(self.seats) or self.seats < 1:
                raise InvalidRule('"top" needs "seats", a whole number, 1 or more')
            if self.budget is not None:
                raise InvalidRule('"top" takes no budget: it elects by seats')
        else:
            if not _whole(self.budget) or self.budget < 1:
                raise InvalidRule('"greedy" needs "budget", a whole number, 1 or more')
            if self.seats is not None:
                raise InvalidRule('"greedy" takes no seats: it funds within the budget')
        if not isinstance(self.ties, tuple) or not all(isinstance(t, str) for t in self.ties):
            raise InvalidRule("the tie rules are a tuple of names")
        for rule in self.ties:
            if rule not in TIE_RULES:
                raise InvalidRule(f"unknown tie rule {rule!r}: use {', '.join(TIE_RULES)}")
        if len(set(self.ties)) != len(self.ties):
            raise InvalidRule("each tie rule is declared at most once")
        if LOWER_COST in self.ties and HIGHER_COST in self.ties:
            raise InvalidRule('"lower_cost" and "higher_cost" contradict each other')
        if LOT in self.ties and self.ties[-1] != LOT:
            raise InvalidRule('"lot" separates every tie, so it comes last')
        if LOT in self.ties:
            if not isinstance(self.seed, str) or not self.seed:
                raise InvalidRule('"lot" needs the published seed, a non-empty text')
        elif self.seed is not None:
            raise InvalidRule('a seed is only used by "lot": declare "lot" or give no seed')

    def to_json(self) -> dict[str, object]:
        return {
            "method": self.method,
            "seats": self.seats,
            "budget": self.budget,
            "ties": list(self.ties),
            "seed": self.seed,
        }


@dataclass(frozen=True, slots=True)
class TiedWith:
    """Another project with the same score, and the tie rule that decided between the two
    (``lower_cost``, ``higher_cost``, ``lot``, or ``none``: no declared rule separates
    them, and the order changes nothing)."""

    project: str
    decided_by: str


@dataclass(frozen=True, slots=True)
class Decision:
    """What became of one project, and why (one entry of `Outcome.explanation`)."""

    project: str
    score: int
    cost: int
    rank: int  # 1-based position in the order
    status: str  # elected, not_elected (top); funded, skipped, not_reached (greedy)
    remaining: int | None  # greedy: the amount left when it was considered; top: None
    tie: tuple[TiedWith, ...]  # the projects with the same score, in the order
    reason: str  # in plain words

    def to_json(self) -> dict[str, object]:
        return {
            "project": self.project,
            "score": self.score,
            "cost": self.cost,
            "rank": self.rank,
            "status": self.status,
            "remaining": self.remaining,
            "tie": [{"project": t.project, "decided_by": t.decided_by} for t in self.tie],
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class Outcome:
    """The winners and the explanation of every project.

    ``winners``: ids in selection order; ``spent``: the winners' total cost;
    ``left``: greedy, the budget not spent (``spent + left == budget``); top, ``None``;
    ``order``: every id in the order considered, after tie-breaking;
    ``explanation``: one `Decision` per project, in that order.
    """

    rule: Rule
    winners: tuple[str, ...]
    spent: int
    left: int | None
    order: tuple[str, ...]
    explanation: tuple[Decision, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "rule": self.rule.to_json(),
            "winners": list(self.winners),
            "spent": self.spent,
            "left": self.left,
            "order": list(self.order),
            "explanation": [d.to_json() for d in self.explanation],
        }


def _check_input(projects: Sequence[Project], scores: Mapping[str, int], rule: Rule) -> None:
    if not isinstance(rule, Rule):
        raise InvalidInput("the rule is a Rule")
    if not all(isinstance(p, Project) for p in projects):
        raise InvalidInput("the projects are Project values")
    ids = [p.id for p in projects]
    if len(set(ids)) != len(ids):
        twice = sorted({i for i in ids if ids.count(i) > 1})
        raise InvalidInput(f"project {twice[0]!r} appears twice")
    missing = sorted(set(ids) - set(scores))
    if missing:
        raise InvalidInput(f"project {missing[0]!r} has no score")
    unknown = sorted(str(k) for k in set(scores) - set(ids))
    if unknown:
        raise InvalidInput(f"a score is given for {unknown[0]!r}, which is not a project")
    for i in ids:
        if not _whole(scores[i]) or scores[i] < 0:
            raise InvalidInput(f"project {i!r}: the score is a whole number, 0 or more")


def _runs(keys: list[tuple[object, ...]]) -> list[tuple[int, int]]:
    """Positions [start, end) of each run of two or more equal keys in a sorted list."""
    runs = []
    start = 0
    for i in range(1, len(keys) + 1):
        if i == len(keys) or keys[i] != keys[start]:
            if i - start > 1:
                runs.append((start, i))
            start = i
    return runs


def _names(ids: Sequence[str]) -> str:
    return ", ".join(ids[:-1]) + " and " + ids[-1] if len(ids) > 1 else ids[0]


def _declared(rule: Rule) -> str:
    if not rule.ties:
        return "no tie rule is declared"
    return "no declared tie rule (" + ", ".join(rule.ties) + ") separates them"


def _tie_words(score: int, rank: int, tie: tuple[TiedWith, ...], ranks: Mapping[str, int]) -> str:
    parts = []
    for t in tie:
        if t.decided_by == UNDECIDED:
            how = "no declared rule separates them, and the order changes nothing: listed by id"
        else:
            side = "ahead of" if ranks[t.project] < rank else "behind"
            how = f"{side} it by {IN_WORDS[t.decided_by]}"
        parts.append(f"{t.project} ({how})")
    return f"; tied at score {score} with " + _names(parts)


def _top(
    ordered: list[Project], runs: list[tuple[int, int]], scores: Mapping[str, int], rule: Rule
) -> list[str]:
    """The status of each project in the order; raises `UnresolvedTie` at the last seat."""
    seats = rule.seats
    if seats is None:  # Rule refuses it; checked again for the type checker
        raise InvalidRule('"top" needs "seats"')
    for start, end in runs:
        if start < seats < end:
            tied = sorted(p.id for p in ordered[start:end])
            score = scores[tied[0]]
            raise UnresolvedTie(
                tuple(tied),
                score,
                f"{_names(tied)} are tied at score {score} for the last of the {seats} seats, "
                f"and {_declared(rule)}: declare a tie rule that decides "
                '(such as "lot" with a published seed)',
            )
    return [ELECTED if i < seats else NOT_ELECTED for i in range(len(ordered))]


def _greedy(
    ordered: list[Project], runs: list[tuple[int, int]], scores: Mapping[str, int], rule: Rule
) -> tuple[list[str], list[int], int]:
    """The status of each project in the order, the amount left at its turn, and the
    amount left at the end; raises `UnresolvedTie` when the order within a tie matters."""
    if rule.budget is None:  # Rule refuses it; checked again for the type checker
        raise InvalidRule('"greedy" needs "budget"')
    ends = dict(runs)
    remaining = rule.budget
    statuses: list[str] = []
    remainings: list[int] = []
    for i, p in enumerate(ordered):
        if i in ends:  # a run of projects no declared rule separates starts here
            fit = sorted(q.id for q in ordered[i : ends[i]] if q.cost <= remaining)
            if sum(q.cost for q in ordered[i : ends[i]] if q.id in fit) > remaining:
                tied = sorted(q.id for q in ordered[i : ends[i]])
                score = scores[p.id]
                raise UnresolvedTie(
                    tuple(tied),
                    score,
                    f"{_names(tied)} are tied at score {score}, and {_declared(rule)}; "
                    f"with {remaining} left, {_names(fit)} each fit but not all together, "
                    "so the order would decide which are funded: declare a tie rule that "
                    'decides (such as "lot" with a published seed)',
                )
        remainings.append(remaining)
        if p.cost <= remaining:
            statuses.append(FUNDED)
            remaining -= p.cost
        else:
            statuses.append(SKIPPED if remaining > 0 else NOT_REACHED)
    return statuses, remainings, remaining


def _reason(status: str, rank: int, cost: int, before: int | None, rule: Rule) -> str:
    if status == ELECTED:
        return f"elected: ranked {rank}, within the {rule.seats} seats"
    if status == NOT_ELECTED:
        return f"not elected: ranked {rank}, after the {rule.seats} seats"
    if status == FUNDED and before is not None:
        return (
            f"funded: ranked {rank}; it costs {cost} and {before} was left, "
            f"so {before - cost} remained"
        )
    if status == SKIPPED:
        return f"skipped: ranked {rank}; it costs {cost} but only {before} was left"
    return f"not reached: ranked {rank}; the budget was spent before its turn"


def select(projects: Sequence[Project], scores: Mapping[str, int], rule: Rule) -> Outcome:
    """Apply ``rule`` to the projects and their scores (see the module's docstring).

    Raises `InvalidInput` on malformed projects or scores, and `UnresolvedTie` when a
    tie that the declared rules leave open would decide who wins.
    """
    _check_input(projects, scores, rule)
    keys = {p.id: tie_key(rule.ties, rule.seed, p.id, p.cost) for p in projects}
    ordered = sorted(projects, key=lambda p: (-scores[p.id], keys[p.id], p.id))
    runs = _runs([(scores[p.id], keys[p.id]) for p in ordered])

    left: int | None
    if rule.method == TOP:
        statuses = _top(ordered, runs, scores, rule)
        remainings: list[int | None] = [None] * len(ordered)
        left = None
    else:
        statuses, amounts, left = _greedy(ordered, runs, scores, rule)
        remainings = list(amounts)

    ranks = {p.id: i for i, p in enumerate(ordered, start=1)}
    same_score: dict[int, list[str]] = {}
    for p in ordered:
        same_score.setdefault(scores[p.id], []).append(p.id)
    decisions = []
    for p, status, before in zip(ordered, statuses, remainings, strict=True):
        rank = ranks[p.id]
        tie = tuple(
            TiedWith(q, deciding_rule(rule.ties, keys[p.id], keys[q]))
            for q in same_score[scores[p.id]]
            if q != p.id
        )
        reason = _reason(status, rank, p.cost, before, rule)
        if tie:
            reason += _tie_words(scores[p.id], rank, tie, ranks)
        decisions.append(Decision(p.id, scores[p.id], p.cost, rank, status, before, tie, reason))

    return Outcome(
        rule=rule,
        winners=tuple(d.project for d in decisions if d.status in (ELECTED, FUNDED)),
        spent=sum(d.cost for d in decisions if d.status in (ELECTED, FUNDED)),
        left=left,
        order=tuple(p.id for p in ordered),
        explanation=tuple(decisions),
    )
