"""Belgian national-register numbers and bis numbers, through python-stdnum.

A register number is 11 digits: birth date YYMMDD, a 3-digit serial (odd for men,
even for women) and 2 check digits. The check digits are 97 − (first 9 digits
mod 97); for people born in 2000 or later a 2 is put in front of the 9 digits
first (the "2000+ rule"), which is how the century is known. Bis numbers, given
to people not in the population register, add 20 to the month (sex unknown) or
40 (sex known). A birth date that was not known when the number was issued is
written with month 00 (and day 00, or 000001 for a wholly unknown date): then
the number carries only the parts it has.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Literal

from stdnum import exceptions as stdnum_errors
from stdnum.be import bis, nn


class InvalidRegisterNumber(ValueError):
    """A register number that cannot be right; ``reason`` says why, in plain words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class RegisterNumber:
    """A valid national-register or bis number, normalised to 11 digits."""

    digits: str
    kind: Literal["national", "bis"]
    birth_year: int | None
    birth_month: int | None
    birth_day: int | None
    sex: Literal["M", "F"] | None

    @property
    def birth_date(self) -> datetime.date | None:
        """The full birth date, or None if the number does not carry all of it."""
        if self.birth_year and self.birth_month and self.birth_day:
            return datetime.date(self.birth_year, self.birth_month, self.birth_day)
        return None

    def agrees_with(self, date: datetime.date) -> bool:
        """Whether ``date`` fits every part of the birth date the number carries."""
        return all(
            known is None or known == actual
            for known, actual in (
                (self.birth_year, date.year),
                (self.birth_month, date.month),
                (self.birth_day, date.day),
            )
        )

    def formatted(self) -> str:
        """The usual written form, ``85.07.14-123.30``."""
        return str(nn.format(self.digits))

    def __repr__(self) -> str:  # a register number is personal data: never print it whole
        return f"RegisterNumber({self.kind}, ******{self.digits[6:9]}**)"


def parse(text: str) -> RegisterNumber:
    """Parse any usual written form (``85.07.14-123.30``, ``85071412330``, with
    spaces, dots or dashes) or raise `InvalidRegisterNumber` saying why."""
    if not isinstance(text, str):
        raise InvalidRegisterNumber("a register number is text")
    digits = nn.compact(text)
    if not digits:
        raise InvalidRegisterNumber("no register number was given")
    if not digits.isdigit():
        raise InvalidRegisterNumber("a register number has only digits (and . - or spaces)")
    if len(digits) != 11:
        raise InvalidRegisterNumber(f"a register number has 11 digits, this one has {len(digits)}")
    month_field = int(digits[2:4])
    module = nn if month_field <= 12 else bis
    try:
        module.validate(digits)
    except stdnum_errors.InvalidChecksum as exc:
        raise InvalidRegisterNumber(
            "the check digits do not match the rest of the number (a typing error?)"
        ) from exc
    except stdnum_errors.InvalidComponent as exc:
        raise InvalidRegisterNumber(
            f"the birth date in the number is impossible (month {month_field:02d})"
        ) from exc
    except stdnum_errors.ValidationError as exc:
        raise InvalidRegisterNumber("this is not a valid register number") from exc
    full_date = module.get_birth_date(digits)
    sex = module.get_gender(digits)
    return RegisterNumber(
        digits=digits,
        kind="national" if module is nn else "bis",
        birth_year=module.get_birth_year(digits),
        birth_month=module.get_birth_month(digits),
        birth_day=full_date.day if full_date else None,
        sex=sex if sex in ("M", "F") else None,
    )


def make_number(birth: datetime.date, serial: int, *, bis_offset: int = 0) -> str:
    """The 11 digits for a birth date and a 3-digit serial (synthetic registers, demos).

    Check digits: 97 − (the first 9 digits mod 97), with a 2 in front of the 9
    digits for births from 2000 on. ``bis_offset`` is 20 or 40 for bis numbers.
    """
    if not 1 <= serial <= 998:
        raise ValueError("the serial is 1 to 998")
    body = f"{birth.year % 100:02d}{birth.month + bis_offset:02d}{birth.day:02d}{serial:03d}"
    value = int(("2" if birth.year >= 2000 else "") + body)
    return f"{body}{97 - value % 97:02d}"
