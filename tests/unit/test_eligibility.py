"""Eligibility: age on the reference date, residency, exclusion."""

from __future__ import annotations

import datetime

import pytest

from identity.eligibility import (
    EligibilityRule,
    Ineligibility,
    Resident,
    age_on,
    birthday_reaching,
    is_eligible,
    reasons_not_eligible,
)

KORTRIJK = "34022"
RULE = EligibilityRule(16, KORTRIJK, datetime.date(2019, 5, 20))


def test_sixteenth_birthday_on_the_reference_date_is_eligible() -> None:
    assert is_eligible(RULE, Resident(datetime.date(2003, 5, 20), KORTRIJK))


def test_one_day_younger_is_not_and_is_told_when() -> None:
    reasons = reasons_not_eligible(RULE, Resident(datetime.date(2003, 5, 21), KORTRIJK))
    assert [r.code for r in reasons] == [Ineligibility.TOO_YOUNG]
    assert "you turn 16 on 21/05/2019, after the reference date 20/05/2019" in reasons[0].message


@pytest.mark.parametrize(
    ("day", "age"),
    [
        (datetime.date(2015, 2, 28), 14),  # 2015 has no 29 February: not yet 15
        (datetime.date(2015, 3, 1), 15),  # ... reached on 1 March
        (datetime.date(2016, 2, 28), 15),  # leap year: not before 29 February
        (datetime.date(2016, 2, 29), 16),
    ],
)
def test_born_on_29_february(day: datetime.date, age: int) -> None:
    assert age_on(datetime.date(2000, 2, 29), day) == age


def test_birthday_reaching_an_age_from_29_february() -> None:
    assert birthday_reaching(datetime.date(2000, 2, 29), 15) == datetime.date(2015, 3, 1)
    assert birthday_reaching(datetime.date(2000, 2, 29), 16) == datetime.date(2016, 2, 29)
    rule = EligibilityRule(15, KORTRIJK, datetime.date(2015, 2, 28))
    reasons = reasons_not_eligible(rule, Resident(datetime.date(2000, 2, 29), KORTRIJK))
    assert "you turn 15 on 01/03/2015" in reasons[0].message


def test_residency_and_exclusion_and_several_reasons() -> None:
    gent = Resident(datetime.date(1980, 1, 1), "44021")
    assert [r.code for r in reasons_not_eligible(RULE, gent)] == [Ineligibility.NOT_RESIDENT]
    excluded = Resident(datetime.date(1980, 1, 1), KORTRIJK, excluded=True)
    assert [r.code for r in reasons_not_eligible(RULE, excluded)] == [Ineligibility.EXCLUDED]
    everything = Resident(datetime.date(2010, 1, 1), "44021", excluded=True)
    assert [r.code for r in reasons_not_eligible(RULE, everything)] == [
        Ineligibility.TOO_YOUNG,
        Ineligibility.NOT_RESIDENT,
        Ineligibility.EXCLUDED,
    ]
