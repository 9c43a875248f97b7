"""The binding rules of a referendum, exactly at their boundaries."""

from __future__ import annotations

from decimal import Decimal

import pytest

from evoting.election import ReferendumRules
from tally.rules import evaluate_referendum

KORTRIJK = ReferendumRules(min_participants=2000, min_margin_points=Decimal("2.5"),
                           min_turnout_percent=None)  # fmt: skip


@pytest.mark.parametrize(
    ("yes", "no", "blank", "binding", "outcome", "margin"),
    [
        (1025, 975, 0, True, "yes", "2.50"),  # exactly 2.5 points: binding
        (1024, 976, 0, False, "yes", "2.40"),
        (975, 1025, 0, True, "no", "2.50"),
        (1000, 999, 0, False, "yes", "0.05"),  # 1,999 participants
        (1000, 1000, 0, False, "tie", "0.00"),
        (1000, 951, 49, True, "yes", "2.51"),  # blanks count as participants, not in the margin
        (0, 0, 2500, False, "tie", None),
    ],
)
def test_kortrijk_boundaries(
    yes: int, no: int, blank: int, binding: bool, outcome: str, margin: str | None
) -> None:
    verdict = evaluate_referendum(KORTRIJK, yes, no, blank, eligible=60000)
    assert (verdict.binding, verdict.outcome) == (binding, outcome)
    assert verdict.to_json()["margin_points"] == margin
    assert verdict.participants == yes + no + blank


def test_the_reasons_name_the_failed_rules() -> None:
    verdict = evaluate_referendum(KORTRIJK, 1000, 999, 0, eligible=60000)
    assert verdict.reasons == [
        "1999 residents took part; at least 2000 are needed",
        "yes and no differ by 0.05 points, less than the 2.5 needed",
    ]


def test_optional_turnout_rule() -> None:
    rules = ReferendumRules(10, Decimal(0), Decimal("20"))
    assert evaluate_referendum(rules, 15, 5, 0, eligible=100).binding  # 20% exactly
    low = evaluate_referendum(rules, 15, 4, 0, eligible=100)
    assert not low.binding
    assert "turnout 19.00% of 100 eligible" in low.reasons[0]
