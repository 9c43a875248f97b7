"""A project question's result: scores from the decrypted and paper counts, then the winners.

(Pure: the verifier recomputes it from the bundle.) The counts are per option of
the question's contest (ballots/encoding.py): per project for approval, budget and
cumulative questions; per cell ``rank:project`` for points. From them, in public:

* ``totals`` — the score of each project: its votes (approval, budget basket), its
  points (cumulative), or Σ points[r] × the residents who put it at rank r (points);
* ``per_rank`` (points) — how many put each project first, second, …;
* the winners by the manifest's rule (tally/winners.py), with ``winners``, ``spent``,
  ``left`` and an ``explanation`` per project.

Scores and amounts are exact integers; percentages are decimal strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Decimal

from ballots.encoding import cell
from evoting.election import Question
from tally.winners import Project, Rule, select


def _share(part: int, whole: int) -> str | None:
    if whole <= 0:
        return None
    exact = Decimal(part * 100) / Decimal(whole)
    return str(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN))


def project_result(
    q: Question,
    total: Mapping[str, int],
    online: Mapping[str, int],
    paper: Mapping[str, int],
    participants: int,
) -> dict[str, object]:
    """The question's part of result.json (counts per option: both channels, online, paper)."""
    vote = q.vote
    assert vote is not None
    ids = [p.id for p in vote.projects]
    out: dict[str, object] = {"id": q.id, "type": q.type, "counts": dict(total),
                              "online": dict(online), "paper": dict(paper)}  # fmt: skip
    if q.type == "points":
        per_rank = {pid: [total[cell(r + 1, pid)] for r in range(len(vote.points))]
                    for pid in ids}  # fmt: skip
        scores = {pid: sum(p * n for p, n in zip(vote.points, per_rank[pid], strict=True))
                  for pid in ids}  # fmt: skip
        out["per_rank"] = per_rank
    else:
        scores = {pid: total[pid] for pid in ids}
    out["totals"] = scores
    if q.type in ("approval", "budget"):  # the share of participants who chose each project
        out["percent"] = {pid: _share(scores[pid], participants) for pid in ids}
    rule = vote.rule
    outcome = select(
        [Project(p.id, p.cost) for p in vote.projects],
        scores,
        Rule(rule.method, rule.seats, rule.budget, rule.ties, rule.seed),
    )
    return out | outcome.to_json()
