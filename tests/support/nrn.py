"""Make valid Belgian register numbers for tests (the check-digit rule, written out)."""

from __future__ import annotations


def make_number(year: int, month: int, day: int, serial: int, *, bis_offset: int = 0) -> str:
    """11 digits for a birth date and serial; ``bis_offset`` 20 or 40 for bis numbers.

    Check digits: 97 − (the 9 digits mod 97); for births from 2000 on, a 2 is put
    in front of the 9 digits first.
    """
    body = f"{year % 100:02d}{month + bis_offset:02d}{day:02d}{serial:03d}"
    value = int(("2" if year >= 2000 else "") + body)
    return f"{body}{97 - value % 97:02d}"
