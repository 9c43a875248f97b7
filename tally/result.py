"""The result: totals per question (online and on paper), turnout, and the rules' verdict.

Paper totals come per polling box, counted in the clear and signed by two
officials (a later issue enters them); each box gives, per contest label, one
count per option. Participants of a question are the ballots that answered it,
blank included: every online ballot answers every contest once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_EVEN, Decimal

from ballots.encoding import contests
from evoting.crypto.canonical import b64encode
from evoting.election import Manifest
from tally.rules import evaluate_referendum


def _percent(part: int, whole: int) -> str | None:
    if whole <= 0:
        return None
    exact = Decimal(part * 100) / Decimal(whole)
    return str(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN))


def paper_by_label(paper: Sequence[Mapping[str, object]]) -> tuple[dict[str, list[int]], int]:
    """Sum the boxes' counts per contest label; also the number of paper ballots."""
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
) -> dict[str, object]:
    """The result document (the bundle's result.json), from decrypted and paper totals."""
    paper_totals, paper_ballots = paper_by_label(paper)
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
        if q.type == "referendum":
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
