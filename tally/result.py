"""The result: totals per question (online and on paper), turnout, and the rules' verdict.

Paper totals come per polling box, counted in the clear, entered and signed by
two officials (tally/paper.py); each box gives, per contest label, one count per
option. Paper ballots together never exceed the residents marked for paper, nor
participants the eligible residents. Participants of a question are the ballots
that answered it, blank included: every online ballot answers every contest once.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_EVEN, Decimal

from ballots.encoding import contests
from evoting.crypto.canonical import b64encode
from evoting.crypto.contest import ContestShape, Weighted
from evoting.election import Manifest
from tally.project_result import project_result
from tally.rules import evaluate_referendum


def _percent(part: int, whole: int) -> str | None:
    if whole <= 0:
        return None
    exact = Decimal(part * 100) / Decimal(whole)
    return str(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN))


MAX_BOX_NAME = 64


class PaperError(ValueError):
    """The paper boxes' totals are malformed or do not add up; says which box and why."""


class TooManyParticipants(PaperError):
    """More online and paper ballots together than eligible residents."""


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def check_paper(
    manifest: Manifest, paper: object, paper_voters: int | None = None
) -> list[Mapping[str, object]]:
    """Check the paper boxes against the manifest; returns them, or raises `PaperError`.

    Each box is ``{"box": name, "ballots": n, "contests": {label: [count per option]}}``
    (and, once entered, the two officials' ``signatures``, tally/paper.py) with every
    contest of the ballot, the options in manifest order (blank last where allowed),
    and each contest's counts adding up to the box's ballots: every paper ballot
    answers every question once, as an online ballot does. With ``paper_voters``
    (the residents marked for paper), the boxes together hold at most that many.
    """
    if not isinstance(paper, list):
        raise PaperError("the paper totals must be a list of boxes")
    specs = {spec.label: spec for spec in contests(manifest)}
    names: set[str] = set()
    total = 0
    for i, box in enumerate(paper, start=1):
        if not isinstance(box, Mapping):
            raise PaperError(f"box {i}: not an object")
        name = box.get("box")
        if not isinstance(name, str) or not name.strip():
            raise PaperError(f'box {i}: "box" must name the box')
        if (len(name) > MAX_BOX_NAME or not name.isprintable() or name != name.strip()
                or unicodedata.normalize("NFC", name) != name):  # fmt: skip
            raise PaperError(f"box {i}: a box's name is 1 to {MAX_BOX_NAME} printable characters, "
                             "without spaces around it, in composed form (NFC)")  # fmt: skip
        if name in names:
            raise PaperError(f"box {name!r}: appears twice")
        names.add(name)
        unknown = sorted(set(box) - {"box", "ballots", "contests", "signatures"})
        if unknown:
            raise PaperError(f"box {name!r}: unknown field {unknown[0]!r}")
        ballots = _count(box.get("ballots"))
        if ballots is None:
            raise PaperError(f'box {name!r}: "ballots" must be a whole number, 0 or more')
        counted = box.get("contests")
        if not isinstance(counted, Mapping):
            raise PaperError(f'box {name!r}: "contests" must map each contest to its counts')
        strangers = sorted(set(counted) - set(specs))
        if strangers:
            raise PaperError(f"box {name!r}: {strangers[0]!r} is not a contest of this election")
        for label, spec in specs.items():
            counts = counted.get(label)
            if (
                not isinstance(counts, list)
                or len(counts) != len(spec.options)
                or any(_count(c) is None for c in counts)
            ):
                raise PaperError(
                    f"box {name!r}: {label!r} needs one count (0 or more) for each of "
                    f"{', '.join(spec.options)}"
                )
            _check_counts(name, label, spec.shape, counts, ballots)
        total += ballots
    if paper_voters is not None and total > paper_voters:
        raise PaperError(
            f"the paper boxes hold {total} ballots, but only {paper_voters} residents were "
            "marked as voting on paper"
        )
    return list(paper)


def _check_counts(
    box: str, label: str, shape: ContestShape, counts: list[int], ballots: int
) -> None:
    """A box's counts for one contest are what ``ballots`` valid answers can add up to:
    for a referendum exactly one answer each; for a project question each bound of the
    shape (choices, ranks, a basket's costs) times the number of ballots."""
    if shape.min_total == shape.max_total == 1:
        if sum(counts) != ballots:
            raise PaperError(f"box {box!r}: the counts for {label!r} add up to {sum(counts)}, "
                             f"not to the box's {ballots} ballots")  # fmt: skip
        return
    if any(c > ballots * shape.max_per_selection for c in counts):
        raise PaperError(f"box {box!r}: a count for {label!r} is more than {ballots} ballots "
                         "can give")  # fmt: skip
    bounds = [(sum(counts), shape.min_total, shape.max_total, "all its counts")]
    bounds += [(sum(counts[i] for i in s.indices), s.low, s.high, f"rank or project {j + 1}")
               for j, s in enumerate(shape.subsets)]  # fmt: skip
    if shape.weighted is not None:
        w = shape.weighted
        bounds.append((w.value(counts), w.low, w.high, "the chosen projects' costs"))
        bounds.append((sum(counts), 0, _largest_basket(w), "its choices"))
    for value, low, high, what in bounds:
        if not ballots * low <= value <= ballots * high:
            raise PaperError(f"box {box!r}: for {label!r}, {what} add up to {value}; "
                             f"{ballots} ballots give between {ballots * low} and "
                             f"{ballots * high}")  # fmt: skip


def _largest_basket(w: Weighted) -> int:
    """The most projects one basket can hold: the cheapest, while they fit. (Totals may
    pass every bound and still not split into valid baskets: with projects of 60, 50
    and 40 and a budget of 100, the first chosen twice and the second once on two
    ballots. Beyond these bounds the two officials' signatures vouch for the count.)"""
    spent = held = 0
    for cost in sorted(w.weights):
        if spent + cost > w.high:
            break
        spent, held = spent + cost, held + 1
    return held


def paper_by_label(paper: Sequence[Mapping[str, object]]) -> tuple[dict[str, list[int]], int]:
    """Sum the checked boxes' counts per contest label; also the number of paper ballots."""
    totals: dict[str, list[int]] = {}
    ballots = 0
    for box in paper:
        ballots += int(box["ballots"])  # type: ignore[call-overload]
        for label, counts in box["contests"].items():  # type: ignore[attr-defined]
            current = totals.setdefault(label, [0] * len(counts))
            totals[label] = [a + int(b) for a, b in zip(current, counts, strict=True)]
    return totals, ballots


def build_result(
    manifest: Manifest,
    online: Mapping[str, Sequence[int]],
    online_ballots: int,
    paper: Sequence[Mapping[str, object]],
    eligible: int,
    paper_voters: int | None = None,
) -> dict[str, object]:
    """The result document (the bundle's result.json), from decrypted and paper totals.

    Raises `PaperError` for paper boxes that `check_paper` refuses (with
    ``paper_voters``, more paper ballots than residents marked for paper), and for
    more participants than eligible residents.
    """
    paper_totals, paper_ballots = paper_by_label(check_paper(manifest, paper, paper_voters))
    if online_ballots + paper_ballots > eligible:
        raise TooManyParticipants(
            f"{online_ballots} online and {paper_ballots} paper ballots: more than the "
            f"{eligible} eligible residents"
        )
    specs = {spec.label: spec for spec in contests(manifest)}

    def counts(label: str) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
        options = specs[label].options
        on = list(online.get(label, [0] * len(options)))
        off = paper_totals.get(label, [0] * len(options))
        both = [a + b for a, b in zip(on, off, strict=True)]
        return (dict(zip(options, both, strict=True)), dict(zip(options, on, strict=True)),
                dict(zip(options, off, strict=True)))  # fmt: skip

    participants = online_ballots + paper_ballots
    questions: list[dict[str, object]] = []
    for q in manifest.questions:
        if q.vote is not None:
            total, on, off = counts(q.id)
            questions.append(project_result(q, total, on, off, participants))
        elif q.type == "referendum":
            total, on, off = counts(q.id)
            assert q.rules is not None
            verdict = evaluate_referendum(
                q.rules, total["yes"], total["no"], total.get("blank", 0), eligible
            )
            questions.append({"id": q.id, "type": q.type, "totals": total, "online": on,
                              "paper": off, **verdict.to_json()})  # fmt: skip
        else:
            statements = []
            for s in q.statements:
                total, on, off = counts(f"{q.id}/{s.id}")
                statements.append({"id": s.id, "totals": total, "online": on, "paper": off})
            questions.append({"id": q.id, "type": q.type, "statements": statements})
    return {
        "format": "EVOTING-V1-result",
        "election": manifest.id,
        "fingerprint": b64encode(manifest.fingerprint),
        "eligible": eligible,
        "participants": {"online": online_ballots, "paper": paper_ballots, "total": participants},
        "turnout_percent": _percent(participants, eligible),
        "questions": questions,
    }
