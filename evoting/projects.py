"""Participatory-budget and shortlist questions in the manifest: projects, the way they are
voted on, and the rule that picks the winners (docs/manifest.md).

Four question types vote on a list of projects:

* ``approval`` — choose between ``min_choices`` and ``max_choices`` projects
  (Poperinge: up to N of a shortlist of 50);
* ``points`` — rank ``len(points)`` projects for ``points`` (Rueil: ``[3, 2, 1]``);
  with ``fewer_ranks: true`` a voter may rank fewer;
* ``budget`` — a basket of projects whose costs add up to at most ``budget`` (and at
  least ``min_spend``): Decidim, Consul, Go Vocal;
* ``cumulative`` — spread at most ``max_total`` points, at most ``max_per_option``
  on one project (Toulouse).

Each project has an ``id``, a ``title`` per language, a ``cost`` (a whole number of
the question's ``cost_unit``: ``EUR`` for whole euros or ``cent``), an optional
``domain`` (an id, such as ``environment``) and an optional ``description``; a
``max_cost`` (the screening cap, Rueil's 40,000 EUR) refuses any project above it.
The ``rule`` says who wins: ``method: top`` with ``seats``, or ``method: greedy``
with a ``budget`` (tally/winners.py), with declared ``ties`` (``lower_cost``,
``higher_cost``, ``lot``; a ``lot`` needs a published ``seed``).

This module reads those fields with the manifest's reader (evoting/election.py),
which it is given: it imports nothing of the manifest at run time.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from evoting.crypto.contest import ContestShape, Subset, Weighted

if TYPE_CHECKING:
    from evoting.election import _Reader

PROJECT_TYPES = ("approval", "points", "budget", "cumulative")
COST_UNITS = ("EUR", "cent")
TIE_RULES = ("lower_cost", "higher_cost", "lot")
MAX_PROJECTS = 256  # one encrypted selection per project (per rank, for points): a contest's
MAX_CELLS = 256  # options are at most 256 (evoting/crypto/contest.py MAX_OPTIONS)
MAX_COST = 10**12  # a trillion units: far above any city's budget, in cents too
MAX_POINTS = 1_000  # a rank's points; a cumulative total stays below the proofs' 1,024 values
MAX_BASKET = 2**32 - 1  # a basket's budget is range-proved in 32 bits (4.29e9: cents too)
MAX_SEED = 200
_DOMAIN = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")

Text = Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Project:
    id: str
    title: Text
    cost: int
    domain: str | None = None
    description: Text | None = None


@dataclass(frozen=True, slots=True)
class WinnerRule:
    method: Literal["top", "greedy"]
    seats: int | None
    budget: int | None
    ties: tuple[str, ...]
    seed: str | None


@dataclass(frozen=True, slots=True)
class ProjectVote:
    """How a project question is voted on; only the type's own fields are meaningful."""

    projects: tuple[Project, ...]
    cost_unit: str
    max_cost: int | None
    rule: WinnerRule
    min_choices: int = 0  # approval
    max_choices: int = 0  # approval
    points: tuple[int, ...] = ()  # points: per rank, first rank first
    fewer_ranks: bool = False  # points
    budget: int = 0  # budget basket
    min_spend: int = 0  # budget basket
    max_total: int = 0  # cumulative
    max_per_option: int = 0  # cumulative

    def project(self, project_id: str) -> Project:
        for p in self.projects:
            if p.id == project_id:
                return p
        raise KeyError(project_id)


FIELDS = {
    "approval": {"min_choices", "max_choices"},
    "points": {"points", "fewer_ranks"},
    "budget": {"budget", "min_spend"},
    "cumulative": {"max_total", "max_per_option"},
}
REQUIRED = {"approval": {"max_choices"}, "points": {"points"}, "budget": {"budget"},
            "cumulative": {"max_total"}}  # fmt: skip
COMMON = {"projects", "cost_unit", "max_cost", "rule"}


def read_vote(r: _Reader, kind: str, q: Mapping[str, Any], path: str) -> ProjectVote:
    """The project vote of question ``q`` (its mapping, already checked for unknown
    fields against `COMMON` and the type's `FIELDS`); every problem goes to ``r``."""
    for missing in sorted(REQUIRED[kind] - set(q)):
        r.fail(f"{path}.{missing}", "missing")
    unit = q.get("cost_unit", "EUR")
    if unit not in COST_UNITS:
        r.fail(f"{path}.cost_unit", f"expected one of {', '.join(COST_UNITS)}")
        unit = "EUR"
    max_cost = (
        r.integer(q["max_cost"], f"{path}.max_cost", 0, MAX_COST) if "max_cost" in q else None
    )
    projects = _projects(r, q.get("projects"), f"{path}.projects", max_cost)
    n = len(projects)
    rule = _rule(r, q.get("rule"), f"{path}.rule", n)
    if n and rule.seats is not None and rule.seats > n:
        r.fail(f"{path}.rule.seats", f"{rule.seats} seats for {n} projects")
    if kind == "approval":
        low = r.integer(q.get("min_choices", 0), f"{path}.min_choices", 0, MAX_PROJECTS)
        high = r.integer(q.get("max_choices", 1), f"{path}.max_choices", 1, MAX_PROJECTS)
        if n and not low <= high <= n:
            r.fail(f"{path}.max_choices", f"need min_choices ≤ max_choices ≤ {n} (the projects)")
        return ProjectVote(projects, unit, max_cost, rule, min_choices=low, max_choices=high)
    if kind == "points":
        points = _points(r, q.get("points"), f"{path}.points", n)
        fewer = q.get("fewer_ranks", False)
        if not isinstance(fewer, bool):
            r.fail(f"{path}.fewer_ranks", "expected true or false")
            fewer = False
        return ProjectVote(projects, unit, max_cost, rule, points=points, fewer_ranks=fewer)
    if kind == "budget":
        budget = r.integer(q.get("budget", 1), f"{path}.budget", 1, MAX_BASKET)
        spend = r.integer(q.get("min_spend", 0), f"{path}.min_spend", 0, MAX_BASKET)
        if spend > budget:
            r.fail(f"{path}.min_spend", "cannot be more than the budget")
        if n and spend > sum(p.cost for p in projects):
            r.fail(f"{path}.min_spend", f"{spend} is more than all the projects cost together: "
                                        "no basket could reach it")  # fmt: skip
        for i, p in enumerate(projects):
            if p.cost > budget:
                why = f"{p.cost} is more than the basket's budget of {budget}: no basket holds it"
                r.fail(f"{path}.projects[{i}].cost", why)
        return ProjectVote(projects, unit, max_cost, rule, budget=budget, min_spend=spend)
    total = r.integer(q.get("max_total", 1), f"{path}.max_total", 1, MAX_POINTS)
    each = r.integer(q.get("max_per_option", total), f"{path}.max_per_option", 1, MAX_POINTS)
    if each > total:
        r.fail(f"{path}.max_per_option", "cannot be more than max_total")
    if n and total > n * each:
        r.fail(f"{path}.max_total", f"{total} cannot be reached: {n} projects × max_per_option "
                                    f"{each} give at most {n * each}")  # fmt: skip
    return ProjectVote(projects, unit, max_cost, rule, max_total=total, max_per_option=each)


def _projects(r: _Reader, raw: object, path: str, cap: int | None) -> tuple[Project, ...]:
    out = []
    for i, item in enumerate(r.items(raw, path, "project", MAX_PROJECTS)):
        where = f"{path}[{i}]"
        p = r.mapping(item, where, {"id", "title", "cost", "domain", "description"},
                      {"id", "title", "cost"})  # fmt: skip
        if not p:
            continue
        cost = r.integer(p.get("cost", 0), f"{where}.cost", 0, MAX_COST)
        if cap is not None and cost > cap:
            r.fail(f"{where}.cost", f"{cost} is over the question's max_cost of {cap}")
        domain = p.get("domain")
        if domain is not None and (not isinstance(domain, str) or not _DOMAIN.fullmatch(domain)):
            r.fail(f"{where}.domain", "use 1-63 lowercase letters, digits and dashes")
            domain = None
        description = None
        if "description" in p:
            description = r.text(p["description"], f"{where}.description", 5_000)
        title = r.text(p.get("title"), f"{where}.title")
        out.append(Project(r.identifier(p.get("id"), f"{where}.id"), title, cost, domain,
                           description))  # fmt: skip
    r.unique([p.id for p in out], path, "project")
    return tuple(out)


def _points(r: _Reader, raw: object, path: str, projects: int) -> tuple[int, ...]:
    values = r.items(raw, path, "rank", MAX_PROJECTS)
    points = tuple(r.integer(v, f"{path}[{i}]", 1, MAX_POINTS) for i, v in enumerate(values))
    if any(a <= b for a, b in itertools.pairwise(points)):
        r.fail(path, "each rank gives fewer points than the rank before it, e.g. [3, 2, 1]")
    if projects and len(points) > projects:
        r.fail(path, f"more ranks than the {projects} projects")
    if len(points) * projects > MAX_CELLS:
        r.fail(path, f"ranks × projects is at most {MAX_CELLS}, not {len(points) * projects}")
    return points


def _rule(r: _Reader, raw: object, path: str, projects: int) -> WinnerRule:
    rule = r.mapping(raw, path, {"method", "seats", "budget", "ties", "seed"}, {"method"})
    method = rule.get("method")
    if method not in ("top", "greedy"):
        r.fail(f"{path}.method", "expected top (with seats) or greedy (with a budget)")
        method = "top"
    seats = budget = None
    if method == "top":
        seats = r.integer(rule.get("seats", 1), f"{path}.seats", 1, MAX_PROJECTS)
        if "seats" not in rule:
            r.fail(f"{path}.seats", "missing: how many projects win")
        if "budget" in rule:
            r.fail(f"{path}.budget", "not used by the top method")
    else:
        budget = r.integer(rule.get("budget", 1), f"{path}.budget", 1, MAX_COST)
        if "budget" not in rule:
            r.fail(f"{path}.budget", "missing: the amount to spend")
        if "seats" in rule:
            r.fail(f"{path}.seats", "not used by the greedy method")
    raw_ties = rule.get("ties", [])
    ties: list[str] = []
    if not isinstance(raw_ties, list) or any(t not in TIE_RULES for t in raw_ties) or len(
            set(raw_ties)) != len(raw_ties):  # fmt: skip
        r.fail(f"{path}.ties", f"expected a list of distinct rules from {', '.join(TIE_RULES)}")
    else:
        ties = list(raw_ties)
    seed = rule.get("seed")
    if seed is not None and (not isinstance(seed, str) or not seed.strip()
                             or not r.plain(seed, f"{path}.seed", MAX_SEED)):  # fmt: skip
        r.fail(f"{path}.seed", "expected the published text the lot is drawn from")
        seed = None
    if not ties or ties[-1] != "lot":
        # Without a lot last, two projects tied on score and cost could not be told
        # apart, and the tally could not finish: the rules must always decide.
        r.fail(f"{path}.ties", "end the tie rules with lot (e.g. [lower_cost, lot]), so that "
                               "every tie is decided")  # fmt: skip
    if "lot" in ties and seed is None:
        r.fail(f"{path}.seed", "a lot needs a seed, published before the vote")
    if seed is not None and "lot" not in ties:
        r.fail(f"{path}.seed", "a seed is used only by the lot tie rule")
    return WinnerRule(method, seats, budget, tuple(ties), seed)  # type: ignore[arg-type]


def contest_shape(kind: str, vote: ProjectVote) -> ContestShape:
    """What a valid answer to the question is, as the proofs state it: approval and
    budget one 0/1 selection per project (a basket's costs summed in range); cumulative
    at most ``max_per_option`` each and ``max_total`` in all; points a rank × project
    grid of 0/1 cells, rank-major, each rank row one project (or none, with
    ``fewer_ranks``) and each project column at most one rank."""
    n = len(vote.projects)
    if kind == "approval":
        return ContestShape(n, 1, vote.min_choices, vote.max_choices)
    if kind == "budget":
        weighted = Weighted(tuple(p.cost for p in vote.projects), vote.min_spend, vote.budget)
        return ContestShape(n, 1, 0, n, weighted=weighted)
    if kind == "cumulative":
        return ContestShape(n, vote.max_per_option, 0, vote.max_total)
    ranks = len(vote.points)
    rows = tuple(Subset(tuple(range(r * n, (r + 1) * n)), 0 if vote.fewer_ranks else 1, 1)
                 for r in range(ranks))  # fmt: skip
    columns = tuple(Subset(tuple(r * n + p for r in range(ranks)), 0, 1) for p in range(n))
    return ContestShape(ranks * n, 1, 0 if vote.fewer_ranks else ranks, ranks,
                        subsets=rows + columns)  # fmt: skip


def vote_json(kind: str, vote: ProjectVote) -> dict[str, object]:
    """The canonical fields of a project question (every default filled in)."""
    out: dict[str, object] = {
        "cost_unit": vote.cost_unit,
        "projects": [_project_json(p) for p in vote.projects],
        "rule": _rule_json(vote.rule),
    }
    if vote.max_cost is not None:
        out["max_cost"] = vote.max_cost
    if kind == "approval":
        out |= {"min_choices": vote.min_choices, "max_choices": vote.max_choices}
    elif kind == "points":
        out |= {"points": list(vote.points), "fewer_ranks": vote.fewer_ranks}
    elif kind == "budget":
        out |= {"budget": vote.budget, "min_spend": vote.min_spend}
    else:
        out |= {"max_total": vote.max_total, "max_per_option": vote.max_per_option}
    return out


def _project_json(p: Project) -> dict[str, object]:
    out: dict[str, object] = {"id": p.id, "title": dict(p.title), "cost": p.cost}
    if p.domain is not None:
        out["domain"] = p.domain
    if p.description is not None:
        out["description"] = dict(p.description)
    return out


def _rule_json(rule: WinnerRule) -> dict[str, object]:
    out: dict[str, object] = {"method": rule.method, "ties": list(rule.ties)}
    if rule.seats is not None:
        out["seats"] = rule.seats
    if rule.budget is not None:
        out["budget"] = rule.budget
    if rule.seed is not None:
        out["seed"] = rule.seed
    return out
