"""Belgian municipalities by NIS code (Statbel REFNIS), with the 2019 and 2025 mergers.

identity/data/municipalities.csv says where the list comes from; a code is known
on a day if it was in force that day.
"""

from __future__ import annotations

import csv
import datetime
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "municipalities.csv"


@dataclass(frozen=True, slots=True)
class Municipality:
    nis: str
    name_nl: str
    name_fr: str
    region: str  # flanders, wallonia or brussels
    valid_from: datetime.date | None
    valid_until: datetime.date | None

    def in_force(self, day: datetime.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )


def _date(text: str) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if text else None


@cache
def _all() -> dict[str, Municipality]:
    with DATA.open(encoding="utf-8", newline="") as f:
        return {
            row["nis"]: Municipality(
                row["nis"],
                row["name_nl"],
                row["name_fr"],
                row["region"],
                _date(row["valid_from"]),
                _date(row["valid_until"]),
            )
            for row in csv.DictReader(f)
        }


def municipality(nis: str, day: datetime.date) -> Municipality | None:
    """The municipality with this NIS code in force on ``day``, if any."""
    found = _all().get(nis)
    return found if found is not None and found.in_force(day) else None


def names(nis: str, day: datetime.date) -> dict[str, str] | None:
    """The municipality's name in nl, fr and en (for headers such as the official report).

    English uses the name of the region's language: Dutch in Flanders, French in
    Wallonia and in the Brussels region (NIS codes 21…), as English texts usually do.
    """
    found = municipality(nis, day)
    if found is None:
        return None
    english = found.name_nl if found.region == "flanders" else found.name_fr
    return {"nl": found.name_nl, "fr": found.name_fr, "en": english}
