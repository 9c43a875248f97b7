"""What a Pabulib file's votes become: one of our project questions, and each voter's answer.

`approval`, `ordinal` and `cumulative` read a parsed file's constraints and VOTES
and return the question's fields (evoting/projects.py), its text in nl, fr and en,
and one answer per voter in the formats of ballots/encoding.py, or refuse with the
reason and the line (audit/pabulib_import.py's docstring lists what maps to what).
`Amounts` reads costs and budgets: whole units, or cents if any has decimals.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from audit.pabulib import Document, PabulibError, Vote, number, printable, whole
from evoting.projects import MAX_BASKET, MAX_CELLS, MAX_COST, MAX_POINTS

LANGUAGES = ("nl", "fr", "en")

TEXTS = {
    "approval": {
        "nl": "Welke projecten steunt u? Kies er {low} tot {high}.",
        "fr": "Quels projets soutenez-vous ? Choisissez-en de {low} à {high}.",
        "en": "Which projects do you support? Choose {low} to {high}.",
    },
    "budget": {
        "nl": "Kies de projecten die u steunt; samen kosten ze hoogstens {budget}.",
        "fr": "Choisissez les projets que vous soutenez, pour {budget} au plus en tout.",
        "en": "Choose the projects you support, costing at most {budget} in all.",
    },
    "points": {
        "nl": "Rangschik {ranks} projecten naar voorkeur.",
        "fr": "Classez {ranks} projets par ordre de préférence.",
        "en": "Rank {ranks} projects in order of preference.",
    },
    "cumulative": {
        "nl": "Verdeel hoogstens {total} punten over de projecten, hoogstens {each} per project.",
        "fr": "Répartissez au plus {total} points entre les projets, {each} au plus par projet.",
        "en": "Spread at most {total} points over the projects, at most {each} per project.",
    },
}
UP_TO = {"nl": "hoogstens {ranks}", "fr": "au plus {ranks}", "en": "up to {ranks}"}


class Amounts:
    """Costs and the budget as whole units, or as cents if any has decimals."""

    def __init__(self, doc: Document) -> None:
        raw: list[tuple[str, str, int | None]] = [
            (r.get("cost"), f"the cost of project {printable(r.get('project_id'))!r}", r.line)
            for r in doc.projects
        ]
        raw += [
            (doc.meta[k], f"META {k}", doc.where(k))
            for k in ("budget", "min_sum_cost", "max_sum_cost")
            if doc.meta.get(k)
        ]
        for text, what, line in raw:
            if not text:
                raise PabulibError(f"{what} is missing", line)
        values = [(number(text, what, line), what, line) for text, what, line in raw]
        self.cents = any(v != v.to_integral_value() for v, _, _ in values)
        for value, what, line in values:
            if self.cents and value * 100 != (value * 100).to_integral_value():
                raise PabulibError(f"{what} has more than two decimals ({value})", line)
            if value * self.scale > MAX_COST:
                raise PabulibError(f"{what} is more than our limit ({MAX_COST} {self.unit})", line)

    @property
    def unit(self) -> str:
        return "cents" if self.cents else "units"

    @property
    def scale(self) -> int:
        return 100 if self.cents else 1

    def of(self, text: str, what: str, line: int | None) -> int:
        return int(number(text, what, line) * self.scale)

    def shown(self, amount: int) -> str:
        return f"{Decimal(amount) / 100:.2f}" if self.cents else str(amount)


def choices(vote: Vote, ids: dict[str, str]) -> list[str]:
    """The vote's project ids, ours, in its order: unknown or repeated ids are refused."""
    picked = [p.strip() for p in vote.vote.split(",") if p.strip()]  # "1,2," as pabutools
    out: list[str] = []
    for pid in picked:
        if pid not in ids:
            raise PabulibError(
                f"voter {printable(vote.voter)!r} votes for project "
                f"{printable(pid)!r}, which is not in PROJECTS",
                vote.line,
            )
        if ids[pid] in out:
            raise PabulibError(
                f"voter {printable(vote.voter)!r} chooses project {printable(pid)!r} twice",
                vote.line,
            )
        out.append(ids[pid])
    return out


def _lengths(doc: Document, n: int) -> tuple[int | None, int | None]:
    low, high = doc.integer("min_length"), doc.integer("max_length")
    if high is not None and not 1 <= high <= n:
        raise PabulibError(
            f"max_length is not between 1 and the {n} projects", doc.where("max_length")
        )
    if low is not None and high is not None and low > high:
        raise PabulibError("min_length is more than max_length", doc.where("min_length"))
    return low, high


def _check_length(vote: Vote, size: int, low: int, high: int) -> None:
    if not low <= size <= high:
        raise PabulibError(
            f"voter {printable(vote.voter)!r} chooses {size} projects; the file "
            f"allows {low} to {high}",
            vote.line,
        )


@dataclass
class Mapped:
    """A project question of ours: its type, fields, text per language, answers."""

    kind: str
    fields: dict[str, Any]
    text: dict[str, str]
    ballots: list[object]


def approval(
    doc: Document, ids: dict[str, str], costs: dict[str, int], amounts: Amounts, notes: list[str]
) -> Mapped:
    n = len(ids)
    choose_one = doc.meta["vote_type"] == "choose-1"
    low, high = (1, 1) if choose_one else _lengths(doc, n)
    chosen = [choices(v, ids) for v in doc.votes]
    max_cost = (
        amounts.of(doc.meta["max_sum_cost"], "META max_sum_cost", doc.where("max_sum_cost"))
        if doc.meta.get("max_sum_cost")
        else None
    )
    min_cost = (
        amounts.of(doc.meta["min_sum_cost"], "META min_sum_cost", doc.where("min_sum_cost"))
        if doc.meta.get("min_sum_cost")
        else 0
    )
    total = sum(costs.values())
    if (max_cost is not None and max_cost < total) or min_cost > 0:
        if (low or 1) > 1 or (high or n) < n:
            raise PabulibError(
                "the file limits both how many projects a voter chooses "
                "(min_length, max_length) and what they cost (min_sum_cost, "
                "max_sum_cost); our basket ballots limit only the cost",
                doc.where("max_length") or doc.where("min_length"),
            )
        budget = total if max_cost is None or max_cost >= total else max_cost
        if not 1 <= budget <= MAX_BASKET:
            raise PabulibError(
                f"a basket's budget is 1 to {MAX_BASKET} (ours, proved in 32 bits), not {budget}",
                doc.where("max_sum_cost"),
            )
        if min_cost > budget:
            raise PabulibError("min_sum_cost is more than max_sum_cost", doc.where("min_sum_cost"))
        notes.append(
            "approval within a cost limit (max_sum_cost, min_sum_cost) is our budget basket"
        )
        shown = amounts.shown(budget)
        return Mapped(
            "budget",
            {"budget": budget, "min_spend": min_cost},
            _texts("budget", budget=shown),
            [c or None for c in chosen],
        )
    if low is None:
        low = 0 if any(not c for c in chosen) else 1
        if low == 0:
            notes.append(
                "min_choices is 0: the file declares no min_length and holds empty ballots"
            )
    high = n if high is None else high
    for vote, picked in zip(doc.votes, chosen, strict=True):
        _check_length(vote, len(picked), low, high)
    return Mapped(
        "approval",
        {"min_choices": low, "max_choices": high},
        _texts("approval", low=low, high=high),
        [c or None for c in chosen],
    )


def ordinal(
    doc: Document, ids: dict[str, str], given: Sequence[int] | None, notes: list[str]
) -> Mapped:
    n = len(ids)
    low, high = _lengths(doc, n)
    chosen = [choices(v, ids) for v in doc.votes]
    ranks = high if high is not None else max((len(c) for c in chosen), default=1) or 1
    low = 1 if low is None else low
    if 1 < low < ranks:
        raise PabulibError(
            f"min_length {low}: our points ballots rank exactly {ranks} "
            f"projects, or any number up to {ranks}",
            doc.where("min_length"),
        )
    if ranks * n > MAX_CELLS:
        raise PabulibError(
            f"{ranks} ranks × {n} projects is more than our {MAX_CELLS} cells",
            doc.where("max_length"),
        )
    scoring = doc.meta.get("scoring_fn", "")
    if given is None:
        if scoring and scoring.lower() != "borda":
            raise PabulibError(
                f"scoring_fn {printable(scoring)!r}: give the points per rank with --points",
                doc.where("scoring_fn"),
            )
        points = list(range(ranks, 0, -1))
        notes.append(
            f"ordinal ballots score {', '.join(map(str, points))} points by rank "
            "(Borda, the format's default), however long the ballot"
        )
    else:
        points = list(given)
        if len(points) != ranks:
            raise PabulibError(
                f"--points gives {len(points)} ranks; the file's ballots rank up "
                f"to {ranks} projects"
            )
        if any(a <= b for a, b in itertools.pairwise(points)) or not all(
            1 <= p <= MAX_POINTS for p in points
        ):
            raise PabulibError(f"--points must decrease from rank to rank, each 1 to {MAX_POINTS}")
        notes.append(
            f"ordinal ballots score {', '.join(map(str, points))} points by rank, as "
            "asked (--points)"
        )
    fewer = low < ranks
    for vote, picked in zip(doc.votes, chosen, strict=True):
        _check_length(vote, len(picked), low if fewer else ranks, ranks)
    words = {lang: (UP_TO[lang] if fewer else "{ranks}").format(ranks=ranks) for lang in UP_TO}
    text = {lang: TEXTS["points"][lang].format(ranks=words[lang]) for lang in LANGUAGES}
    return Mapped(
        "points", {"points": points, "fewer_ranks": fewer}, text, [c or None for c in chosen]
    )


def cumulative(doc: Document, ids: dict[str, str]) -> Mapped:
    n = len(ids)
    for key in ("min_points", "min_sum_points"):
        if doc.meta.get(key) and number(doc.meta[key], f"META {key}", doc.where(key)) > 0:
            raise PabulibError(f"{key}: our cumulative ballots have no minimum", doc.where(key))
    low, high = _lengths(doc, n)
    if (low is not None and low > 1) or (high is not None and high < n):
        raise PabulibError(
            "our cumulative ballots do not limit how many projects get points "
            "(min_length, max_length)",
            doc.where("min_length") if low and low > 1 else doc.where("max_length"),
        )
    if not doc.meta.get("max_sum_points"):
        raise PabulibError("a cumulative file needs max_sum_points")
    total = whole(doc.meta["max_sum_points"], "META max_sum_points", doc.where("max_sum_points"))
    each = doc.integer("max_points") or total
    if not 1 <= each <= total <= MAX_POINTS:
        raise PabulibError(
            f"we need 1 ≤ max_points ≤ max_sum_points ≤ {MAX_POINTS}", doc.where("max_sum_points")
        )
    ballots: list[object] = []
    for vote in doc.votes:
        picked = choices(vote, ids)
        texts = [p.strip() for p in vote.points.split(",") if p.strip()]
        if len(texts) != len(picked):
            raise PabulibError(
                f"voter {printable(vote.voter)!r} lists {len(picked)} projects "
                f"and {len(texts)} points",
                vote.line,
            )
        given = {
            pid: whole(t, "a number of points", vote.line)
            for pid, t in zip(picked, texts, strict=True)
        }
        if any(p > each for p in given.values()) or sum(given.values()) > total:
            raise PabulibError(
                f"voter {printable(vote.voter)!r} gives more than {each} points "
                f"to a project or more than {total} in all",
                vote.line,
            )
        answer = {pid: p for pid, p in given.items() if p}
        ballots.append(answer or None)
    return Mapped(
        "cumulative",
        {"max_total": total, "max_per_option": each},
        _texts("cumulative", total=total, each=each),
        ballots,
    )


def _texts(kind: str, **values: object) -> dict[str, str]:
    return {lang: TEXTS[kind][lang].format(**values) for lang in LANGUAGES}
