"""Make the small Pabulib files beside this module (README.md says what each holds).

Run ``.venv/bin/python -m tests.data.pabulib.generate`` (it needs pabutools, a test-only
package). Each file is synthetic, drawn with ``random.Random(seed)`` from the first
seed at or after `FIRST_SEED` whose scores are all different (so that no tie-breaking
plays a part) and whose greedy skips a project that does not fit for a cheaper one
after it. The ``selected`` column is pabutools' ``greedy_utilitarian_welfare`` in
its cost-unaware mode, the oracle: it ranks by satisfaction divided by cost, so the
satisfaction is the score times the cost (``Cost_Sat`` for approval, points × cost
for ordinal and cumulative ballots), and the density it ranks by is the score —
votes, or points — as Pabulib's "greedy" and ours rank.

`greedy_selected` is that oracle on a file's text; tests/unit/test_pabulib.py runs it
again on the committed files.
"""

from __future__ import annotations

import csv
import importlib
import io
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
FIRST_SEED = 2024


def greedy_selected(text: str) -> set[str]:
    """The project ids pabutools' greedy selects, ranking by votes or points (not per cost)."""
    election: Any = importlib.import_module("pabutools.election")
    reader: Any = importlib.import_module("pabutools.election.pabulib")
    rules: Any = importlib.import_module("pabutools.rules")
    instance, profile = reader.parse_pabulib_from_string(text)
    kind = instance.meta["vote_type"]
    ranks = int(instance.meta.get("max_length", len(instance)))

    def points_times_cost(inst: Any, prof: Any, ballot: Any, project: Any, pre: Any) -> Any:
        return ballot.get(project, 0) * project.cost

    def rank_points_times_cost(inst: Any, prof: Any, ballot: Any, project: Any, pre: Any) -> Any:
        if project not in ballot:
            return 0
        return (ranks - ballot.position(project)) * project.cost

    def satisfaction(func: Callable[..., Any]) -> type:
        class Sat(election.AdditiveSatisfaction):  # type: ignore[misc]
            def __init__(self, inst: Any, prof: Any, ballot: Any) -> None:
                super().__init__(inst, prof, ballot, func)

        return Sat

    sat: Any = {
        "approval": election.Cost_Sat,
        "cumulative": satisfaction(points_times_cost),
        "ordinal": satisfaction(rank_points_times_cost),
    }[kind]
    outcome = rules.greedy_utilitarian_welfare(instance, profile, sat_class=sat)
    return {str(p.name) for p in outcome}


@dataclass(frozen=True)
class Spec:
    name: str
    meta: list[tuple[str, str]]
    projects: list[tuple[str, str, str]]  # id, cost, name
    voters: int
    budget: Decimal


APPROVAL = Spec(
    "approval.pb",
    [
        ("description", "Synthetisch burgerbudget (testgegevens)"),
        ("country", "Belgium"),
        ("unit", "Testdorp"),
        ("instance", "2024"),
    ],
    [
        ("A-1", "12000", "Speeltuin aan het park"),
        ("A-2", "8000", "Fietsenstalling; station"),
        ("A-3", "15000", "Bomen in de Kerkstraat"),
        ("A-4", "5000", "Zitbanken langs de Leie"),
        ("A-5", "3000", "Drinkfontein op de markt"),
        ("A-6", "7000", "Bloemenweide"),
        ("A-7", "20000", "Ledverlichting in de steegjes"),
        ("A-8", "4000", "Petanquebaan"),
    ],
    40,
    Decimal(30000),
)
ORDINAL = Spec(
    "ordinal.pb",
    [
        ("description", "Synthetic ranked participatory budget (test data)"),
        ("country", "Belgium"),
        ("unit", "Testville"),
        ("instance", "2023"),
    ],
    [
        ("1", "40000", "Renovated sports hall"),
        ("2", "25000", "Skate park"),
        ("3", "30000", "Library reading garden"),
        ("4", "15000", "Safe crossings near schools"),
        ("5", "10000", "Community fridge"),
        ("6", "20000", "Outdoor fitness area"),
    ],
    24,
    Decimal(60000),
)
CUMULATIVE = Spec(
    "cumulative.pb",
    [
        ("description", "Budget participatif synthétique (données de test)"),
        ("country", "Belgium"),
        ("unit", "Testville"),
        ("instance", "2025"),
    ],
    [
        ("P1", "12500.50", "Jardin partagé"),
        ("P2", "8000.25", "Boîtes à livres"),
        ("P3", "20000", "Scène d'été"),
        ("P4", "5000.75", "Repair café"),
        ("P5", "9999.99", "Fresque murale"),
    ],
    20,
    Decimal("30000.00"),
)
DATES = {
    "approval.pb": ("04.03.2024", "18.03.2024"),
    "ordinal.pb": ("02.10.2023", "16.10.2023"),
    "cumulative.pb": ("10.02.2025", "24.02.2025"),
}


def _ballots(spec: Spec, rng: random.Random) -> list[tuple[list[str], list[int]]]:
    ids = [p[0] for p in spec.projects]
    weights = [rng.uniform(0.2, 3.0) for _ in ids]
    out: list[tuple[list[str], list[int]]] = []
    for _ in range(spec.voters):
        if spec is APPROVAL:
            size = rng.randint(1, 4)
            out.append((_weighted_sample(ids, weights, size, rng), []))
        elif spec is ORDINAL:
            out.append((_weighted_sample(ids, weights, 3, rng), []))
        else:
            given: dict[str, int] = {}
            for _ in range(rng.randint(1, 10)):
                pid = rng.choices(ids, weights)[0]
                if given.get(pid, 0) < 6:
                    given[pid] = given.get(pid, 0) + 1
            ranked = sorted(given.items(), key=lambda kv: (-kv[1], ids.index(kv[0])))
            out.append(([p for p, _ in ranked], [n for _, n in ranked]))
    return out


def _weighted_sample(
    ids: list[str], weights: list[float], size: int, rng: random.Random
) -> list[str]:
    chosen: list[str] = []
    while len(chosen) < size:
        pid = rng.choices(ids, weights)[0]
        if pid not in chosen:
            chosen.append(pid)
    return chosen


def _scores(
    spec: Spec, ballots: Sequence[tuple[list[str], list[int]]]
) -> tuple[dict[str, int], dict[str, int]]:
    votes = {p[0]: 0 for p in spec.projects}
    score = {p[0]: 0 for p in spec.projects}
    for vote, points in ballots:
        for rank, pid in enumerate(vote):
            votes[pid] += 1
            score[pid] += points[rank] if points else len(vote) - rank
    return votes, score


def _greedy(spec: Spec, score: dict[str, int]) -> tuple[set[str], bool]:
    """Greedy by score; and whether it skipped a project for a cheaper one after it."""
    left, chosen, skipped, skipped_then_funded = spec.budget, set(), False, False
    for pid, cost, _ in sorted(spec.projects, key=lambda p: -score[p[0]]):
        if Decimal(cost) <= left:
            chosen.add(pid)
            left -= Decimal(cost)
            skipped_then_funded |= skipped
        else:
            skipped = True
    return chosen, skipped_then_funded


def _text(
    spec: Spec, ballots: Sequence[tuple[list[str], list[int]]], selected: set[str] | None
) -> str:
    votes, score = _scores(spec, ballots)
    kind = spec.name.removesuffix(".pb")
    meta = [
        *spec.meta,
        ("num_projects", str(len(spec.projects))),
        ("num_votes", str(spec.voters)),
        ("budget", str(spec.budget)),
        ("vote_type", kind),
        ("rule", "greedy"),
        ("date_begin", DATES[spec.name][0]),
        ("date_end", DATES[spec.name][1]),
    ]
    if spec is APPROVAL:
        meta += [("min_length", "1"), ("max_length", "4"), ("language", "nl")]
    elif spec is ORDINAL:
        meta += [("max_length", "3")]
    else:
        meta += [("max_points", "6"), ("max_sum_points", "10"), ("language", "fr")]
    meta += [
        ("currency", "EUR"),
        ("experimental", "1"),
        (
            "comment",
            "#1: Synthetic data for evote's tests (tests/data/pabulib/generate.py); "
            "selected is pabutools' greedy by votes or points.",
        ),
    ]
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\n")
    w.writerows([["META"], ["key", "value"], *meta, ["PROJECTS"]])
    columns = ["project_id", "cost", "votes"] + ([] if spec is APPROVAL else ["score"])
    w.writerow([*columns, "name", "selected"])
    for pid, cost, name in spec.projects:
        row = [pid, cost, str(votes[pid])] + ([] if spec is APPROVAL else [str(score[pid])])
        w.writerow([*row, name, "" if selected is None else str(int(pid in selected))])
    w.writerow(["VOTES"])
    if spec is CUMULATIVE:
        w.writerow(["voter_id", "vote", "points"])
        w.writerows(
            [str(i), ",".join(v), ",".join(map(str, p))] for i, (v, p) in enumerate(ballots, 1)
        )
    else:
        w.writerow(["voter_id", "vote", "age", "sex"])
        rng = random.Random(len(ballots))
        w.writerows(
            [str(i), ",".join(v), str(rng.randint(16, 90)), rng.choice("MF")]
            for i, (v, _) in enumerate(ballots, 1)
        )
    return out.getvalue()


def make(spec: Spec) -> tuple[int, str]:
    seed = FIRST_SEED
    while True:
        ballots = _ballots(spec, random.Random(seed))
        _, score = _scores(spec, ballots)
        ours, interesting = _greedy(spec, score)
        if len(set(score.values())) == len(score) and interesting:
            break
        seed += 1
    selected = greedy_selected(_text(spec, ballots, None))
    assert selected == ours, (spec.name, selected, ours)
    return seed, _text(spec, ballots, selected)


def main() -> None:
    for spec in (APPROVAL, ORDINAL, CUMULATIVE):
        seed, text = make(spec)
        (HERE / spec.name).write_text(text, encoding="utf-8")
        print(f"{spec.name}: seed {seed}")


if __name__ == "__main__":
    main()
