"""Belgian national-register and bis numbers."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from identity.nrn import InvalidRegisterNumber, parse
from tests.support.nrn import make_number


@pytest.mark.parametrize(
    "written",
    [
        "85.07.14-123.30",
        "85071412330",
        "85 07 14 123 30",
        "85-07-14-123-30",
        " 85.07.14-123.30 ",
    ],
)
def test_every_usual_written_form(written: str) -> None:
    number = parse(written)
    assert number.digits == "85071412330"
    assert number.formatted() == "85.07.14-123.30"
    assert number.kind == "national"
    assert number.birth_date == datetime.date(1985, 7, 14)
    assert number.sex == "M"  # serial 123 is odd


def test_births_from_2000_on_use_the_2000_rule() -> None:
    digits = make_number(2004, 2, 29, 2)
    number = parse(digits)
    assert number.birth_date == datetime.date(2004, 2, 29)
    assert number.sex == "F"
    # The same 9 digits with the pre-2000 check digits are a 1904 birth.
    body = digits[:9]
    old = parse(body + f"{97 - int(body) % 97:02d}")
    assert old.birth_year == 1904


@pytest.mark.parametrize(("offset", "sex"), [(20, None), (40, "F")])
def test_bis_numbers(offset: int, sex: str | None) -> None:
    number = parse(make_number(1990, 5, 3, 998, bis_offset=offset))
    assert number.kind == "bis"
    assert number.birth_date == datetime.date(1990, 5, 3)
    assert number.sex == sex


def test_unknown_birth_date_parts() -> None:
    number = parse(make_number(1990, 0, 0, 5))
    assert (number.birth_year, number.birth_month, number.birth_day) == (1990, None, None)
    assert number.birth_date is None
    assert number.agrees_with(datetime.date(1990, 11, 3))
    assert not number.agrees_with(datetime.date(1991, 11, 3))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("85071412331", "check digits"),
        ("8507141233", "11 digits, this one has 10"),
        ("850714123300", "11 digits, this one has 12"),
        ("85O71412330", "only digits"),
        ("", "no register number was given"),
        (make_number(datetime.date.today().year + 1, 1, 1, 5), "check digits"),  # born next year
        (make_number(1990, 13, 1, 5), "impossible (month 13)"),
        (make_number(1990, 13, 1, 5, bis_offset=20), "impossible (month 33)"),
        (make_number(1990, 13, 1, 5, bis_offset=40), "impossible (month 53)"),
    ],
)
def test_rejections_say_why(text: str, reason: str) -> None:
    with pytest.raises(InvalidRegisterNumber) as caught:
        parse(text)
    assert reason in caught.value.reason


def test_repr_does_not_print_the_number() -> None:
    assert "85071412330" not in repr(parse("85071412330"))


@given(
    st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date.today()),
    st.integers(1, 997),
    st.sampled_from([0, 20, 40]),
)
def test_made_numbers_parse_back(birth: datetime.date, serial: int, offset: int) -> None:
    number = parse(make_number(birth.year, birth.month, birth.day, serial, bis_offset=offset))
    assert number.birth_date == birth
    assert number.kind == ("national" if offset == 0 else "bis")
    assert number.agrees_with(birth)
