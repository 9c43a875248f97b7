"""Turnout tables that single nobody out: the registrar's suppression and its check (pure).

Turnout by age band and by district comes from issuance and paper marks only (who took
a credential or voted on paper, never how): per cell, the eligible residents and those
who took part. The registrar publishes it (identity/issuance.py) and the verifier
checks it (audit/checks.py); both use this module, so they agree on the rule.

**A cell is small** when fewer than ``min_cell`` residents took part, or fewer than
``min_cell`` did not: "3 of 3 in Aalbeke took part" names three voters as surely as
"1 of 92 took part" names one. A small cell is published as ``null``.

**The hidden group.** The table's totals are published, so the hidden cells' combined
figures are the totals minus the shown cells: that group must not be small either,
and must hold two cells at least (one hidden cell would be its own group). While it
does not, the shown cell with the fewest eligible residents is hidden too; at worst
the whole table is hidden, which says no more than the totals.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

Cell = tuple[int, int]  # (eligible, took part)


def small(eligible: int, took: int, min_cell: int) -> bool:
    return min(took, eligible - took) < min_cell


def suppressed(cells: Mapping[str, Cell], min_cell: int) -> dict[str, dict[str, int] | None]:
    """``cells``: key → (eligible, took part); the table to publish, keys sorted."""
    hidden = {key for key, (eligible, took) in cells.items() if small(eligible, took, min_cell)}
    candidates = sorted((cells[k][0], cells[k][1], k) for k in cells if k not in hidden)
    while hidden and candidates and _group_gives_away(cells, hidden, min_cell):
        hidden.add(candidates.pop(0)[2])
    return {key: None if key in hidden else {"eligible": cells[key][0], "took_part": cells[key][1]}
            for key in sorted(cells)}  # fmt: skip


def _group_gives_away(cells: Mapping[str, Cell], hidden: set[str], min_cell: int) -> bool:
    eligible = sum(cells[k][0] for k in hidden)
    took = sum(cells[k][1] for k in hidden)
    return len(hidden) < 2 or small(eligible, took, min_cell)


def problems(
    cells: Mapping[str, Cell | None], min_cell: int, eligible: int, took_part: int
) -> Iterator[str]:
    """What is wrong with a published table (None: a hidden cell), given the totals."""
    shown = {key: cell for key, cell in cells.items() if cell is not None}
    hidden = len(cells) - len(shown)
    for key, (cell_eligible, took) in shown.items():
        if took > cell_eligible:
            yield f"{key!r}: {took} took part of {cell_eligible} eligible"
        elif small(cell_eligible, took, min_cell):
            yield (f"{key!r}: a cell with fewer than {min_cell} taking part or staying away "
                   "is shown (it singles residents out)")  # fmt: skip
    if hidden == 1 and shown:  # a table's only cell is its totals, published anyway
        yield "one cell alone is hidden: the totals give it away"
    eligible_shown = sum(c[0] for c in shown.values())
    took_shown = sum(c[1] for c in shown.values())
    if eligible_shown > eligible or took_shown > took_part:
        yield "its cells add up to more than the totals"
    elif not hidden and cells and (eligible_shown, took_shown) != (eligible, took_part):
        yield (f"its cells add up to {eligible_shown} eligible and {took_shown} taking part, "
               f"not to the totals {eligible} and {took_part}")  # fmt: skip
    elif hidden > 1 and shown:  # all hidden says no more than the totals
        group_eligible, group_took = eligible - eligible_shown, took_part - took_shown
        if small(group_eligible, group_took, min_cell):
            yield (f"the totals give its hidden cells away: {group_took} of {group_eligible} "
                   "took part in them")  # fmt: skip
