"""Who takes part, by age band or by district, with small cells suppressed.

Only verified accounts have an age band and a district (residents_schema), so the
tables describe verified residents; unverified accounts are counted in the totals
only. For a process, by age band or district:

* ``accounts`` — verified accounts per cell: a plain count, hidden below
  ``min_cell``, and while the hidden cells together are fewer than ``min_cell`` or
  one cell alone (the total would give them away) the smallest shown cell is
  hidden too;
* ``proposed`` / ``supported`` — per cell, the verified accounts and those that
  proposed an idea (supported one) in the process, suppressed exactly as the
  election's turnout tables are (evoting/turnout.py: a cell is hidden when fewer
  than ``min_cell`` took part *or* stayed away, and the hidden group is checked
  against the totals).

Voting turnout by age band and district is the election's own table
(identity/issuance.py, published in the bundle): the vote's credential and the
account are never linked, so it cannot be joined here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from evoting import platform_schema as ps
from evoting.election import DEFAULT_MIN_CELL
from evoting.residents_schema import residents
from evoting.turnout import Cell, suppressed
from participation.errors import InvalidInput

DIMENSIONS = ("age_band", "district")


@dataclass(frozen=True, slots=True)
class Demographics:
    by: str
    min_cell: int
    accounts_total: int
    verified_total: int
    accounts: dict[str, int | None]
    proposed: dict[str, dict[str, int] | None]
    supported: dict[str, dict[str, int] | None]


def suppress_counts(counts: Mapping[str, int], min_cell: int) -> dict[str, int | None]:
    """Plain counts with small cells hidden (see the module docstring)."""
    hidden = {k for k, n in counts.items() if n < min_cell}
    shown = sorted((n, k) for k, n in counts.items() if k not in hidden)
    while hidden and shown and (len(hidden) < 2 or sum(counts[k] for k in hidden) < min_cell):
        hidden.add(shown.pop(0)[1])
    return {k: None if k in hidden else counts[k] for k in sorted(counts)}


def participation(
    session: Session, process_id: str, by: str, *, min_cell: int = DEFAULT_MIN_CELL
) -> Demographics:
    if by not in DIMENSIONS:
        raise InvalidInput("by", "unknown", ", ".join(DIMENSIONS))
    key = residents.c[by]
    verified = residents.c.verified_at.is_not(None)
    rows = session.execute(select(key, func.count()).where(verified).group_by(key))
    accounts: dict[str, int] = {str(k): int(n) for k, n in rows}
    i, s = ps.ideas, ps.supports
    proposers = select(i.c.author_id).where(i.c.process_id == process_id,
                                            i.c.author_id.is_not(None))  # fmt: skip
    supporters = (select(s.c.resident_id).join(i, i.c.id == s.c.idea_id)
                  .where(i.c.process_id == process_id))  # fmt: skip

    def active(ids: Select[Any]) -> dict[str, int]:
        found = session.execute(select(key, func.count()).where(
            verified, residents.c.id.in_(ids)).group_by(key))  # fmt: skip
        return {str(k): int(n) for k, n in found}

    def table(took: Mapping[str, int]) -> dict[str, dict[str, int] | None]:
        cells: dict[str, Cell] = {k: (n, took.get(k, 0)) for k, n in accounts.items()}
        return suppressed(cells, min_cell)

    total = session.execute(select(func.count()).select_from(residents)).scalar_one()
    return Demographics(
        by, min_cell, int(total), sum(accounts.values()), suppress_counts(accounts, min_cell),
        table(active(proposers)), table(active(supporters)),
    )  # fmt: skip
