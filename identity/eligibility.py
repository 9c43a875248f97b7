"""Who may vote: age on the reference date, residency, and not being excluded.

Age is counted in whole years on the manifest's reference date (by default the
day the vote opens): a person has reached age N on the day of their N-th
birthday. **29 February:** in a year without that day, the birthday is reached on
1 March (the day after 28 February), so a resident born on 29 February 2004 is
not yet 15 on 28 February 2019 and is 15 on 1 March 2019. Comparing (month, day)
pairs gives exactly this rule.

The reasons are told to a resident only after they have authenticated
(identity/providers.py): before that, nobody learns whether a number is in the
register.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from enum import Enum


class Ineligibility(Enum):
    TOO_YOUNG = "too_young"
    NOT_RESIDENT = "not_resident"
    EXCLUDED = "excluded"


@dataclass(frozen=True, slots=True)
class EligibilityRule:
    minimum_age: int
    municipality: str  # NIS code of the municipality that votes
    reference_date: datetime.date


@dataclass(frozen=True, slots=True)
class Resident:
    """What the register says about one person (nothing else is needed)."""

    birth_date: datetime.date
    municipality: str
    excluded: bool = False


@dataclass(frozen=True, slots=True)
class Reason:
    code: Ineligibility
    message: str


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    """Whole years between ``birth_date`` and ``day`` (see the 29 February rule above)."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def birthday_reaching(birth_date: datetime.date, age: int) -> datetime.date:
    """The day on which a person born on ``birth_date`` reaches ``age``."""
    year = birth_date.year + age
    try:
        return birth_date.replace(year=year)
    except ValueError:  # 29 February in a common year: reached on 1 March
        return datetime.date(year, 3, 1)


def reasons_not_eligible(rule: EligibilityRule, resident: Resident) -> tuple[Reason, ...]:
    """Every reason this resident may not vote, in plain words; empty if they may."""
    reasons = []
    if age_on(resident.birth_date, rule.reference_date) < rule.minimum_age:
        turns = birthday_reaching(resident.birth_date, rule.minimum_age)
        reasons.append(
            Reason(
                Ineligibility.TOO_YOUNG,
                f"you turn {rule.minimum_age} on {turns:%d/%m/%Y}, after the reference date "
                f"{rule.reference_date:%d/%m/%Y}",
            )
        )
    if resident.municipality != rule.municipality:
        reasons.append(
            Reason(
                Ineligibility.NOT_RESIDENT,
                "the population register does not list you as living in the municipality "
                "that holds this vote",
            )
        )
    if resident.excluded:
        reasons.append(
            Reason(Ineligibility.EXCLUDED, "the register marks you as excluded from voting")
        )
    return tuple(reasons)


def is_eligible(rule: EligibilityRule, resident: Resident) -> bool:
    return not reasons_not_eligible(rule, resident)
