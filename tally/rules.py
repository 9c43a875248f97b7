"""The rules that make a referendum binding, evaluated exactly.

Kortrijk's rules: the result binds only if at least ``min_participants`` took
part **and** yes and no differ by at least ``min_margin_points`` percentage points
of yes + no (blank votes count as participants but not in the margin); optionally
also ``min_turnout_percent`` of the eligible residents. Otherwise it is advisory.

Every comparison is done on integers and fractions, never floats: 1,025 yes and
975 no differ by exactly 2.5 points, which meets a 2.5-point rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

from evoting.election import ReferendumRules


@dataclass(frozen=True, slots=True)
class RuleCheck:
    rule: str  # min_participants, min_margin_points, min_turnout_percent
    required: str
    actual: str
    met: bool
    explanation: str


@dataclass(frozen=True, slots=True)
class ReferendumOutcome:
    yes: int
    no: int
    blank: int
    participants: int
    outcome: str  # "yes", "no" or "tie"
    binding: bool
    margin_points: Fraction | None
    checks: tuple[RuleCheck, ...]

    @property
    def reasons(self) -> list[str]:
        """In plain words: why the result is binding or advisory."""
        if self.binding:
            return ["every rule is met: " + "; ".join(c.explanation for c in self.checks)]
        return [c.explanation for c in self.checks if not c.met]

    def to_json(self) -> dict[str, object]:
        return {
            "outcome": self.outcome,
            "binding": self.binding,
            "participants": self.participants,
            "margin_points": _points(self.margin_points),
            "checks": [
                {
                    "rule": c.rule,
                    "required": c.required,
                    "actual": c.actual,
                    "met": c.met,
                    "explanation": c.explanation,
                }
                for c in self.checks
            ],
            "reasons": self.reasons,
        }


def _points(value: Fraction | None, places: int = 2) -> str | None:
    """A fraction of a percent as a decimal string, rounded half-even to ``places``."""
    if value is None:
        return None
    quantum = Decimal(1).scaleb(-places)
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return str(exact.quantize(quantum, rounding=ROUND_HALF_EVEN))


def evaluate_referendum(
    rules: ReferendumRules, yes: int, no: int, blank: int, eligible: int
) -> ReferendumOutcome:
    participants = yes + no + blank
    outcome = "yes" if yes > no else "no" if no > yes else "tie"
    checks = [
        RuleCheck(
            "min_participants",
            str(rules.min_participants),
            str(participants),
            participants >= rules.min_participants,
            f"{participants} residents took part; at least {rules.min_participants} are needed"
            if participants < rules.min_participants
            else f"{participants} residents took part (at least {rules.min_participants} needed)",
        )
    ]
    margin: Fraction | None = None
    required_margin = Fraction(rules.min_margin_points)
    if yes + no == 0:
        checks.append(RuleCheck("min_margin_points", str(rules.min_margin_points), "none",
                                False, "nobody voted yes or no"))  # fmt: skip
    else:
        margin = Fraction(abs(yes - no) * 100, yes + no)
        met = margin >= required_margin
        shown, needed = _points(margin), rules.min_margin_points
        checks.append(
            RuleCheck(
                "min_margin_points",
                str(needed),
                str(shown),
                met,
                f"yes and no differ by {shown} points (at least {needed} needed)"
                if met
                else f"yes and no differ by {shown} points, less than the {needed} needed",
            )
        )
    if rules.min_turnout_percent is not None:
        required = Fraction(rules.min_turnout_percent)
        turnout = Fraction(participants * 100, eligible) if eligible else Fraction(0)
        met = eligible > 0 and turnout >= required
        checks.append(
            RuleCheck(
                "min_turnout_percent",
                str(rules.min_turnout_percent),
                str(_points(turnout)),
                met,
                f"turnout {_points(turnout)}% of {eligible} eligible; "
                f"{rules.min_turnout_percent}% needed",
            )
        )
    if outcome == "tie":
        checks.append(RuleCheck("no_tie", "yes ≠ no", f"{yes} = {no}", False,
                                "yes and no are tied: a tie decides nothing"))  # fmt: skip
    binding = all(c.met for c in checks)
    return ReferendumOutcome(yes, no, blank, participants, outcome, binding, margin, tuple(checks))
