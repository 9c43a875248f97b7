"""Turnout by age band and by district, with small cells suppressed (pure).

From issuance and paper marks only (who took a credential or voted on paper, never
how): per cell, the eligible residents and those who took part. A cell whose
eligible or taking-part count is below the manifest's ``min_cell`` (default 10) is
published as ``null``, so that nobody is singled out ("the one resident of 92 in
Aalbeke voted"). Because the totals are published too, one suppressed cell could
be recomputed from the others: when a table has exactly one suppressed cell, the
next smallest cell is suppressed with it (secondary suppression).
"""

from __future__ import annotations

from collections.abc import Mapping


def suppressed(
    cells: Mapping[str, tuple[int, int]], min_cell: int
) -> dict[str, dict[str, int] | None]:
    """``cells``: key → (eligible, took part); the table to publish, keys sorted."""
    hidden = {key for key, (eligible, took) in cells.items() if min(eligible, took) < min_cell}
    if len(hidden) == 1:
        shown = sorted((cells[k][1], cells[k][0], k) for k in cells if k not in hidden)
        if shown:
            hidden.add(shown[0][2])
    return {key: None if key in hidden else {"eligible": cells[key][0], "took_part": cells[key][1]}
            for key in sorted(cells)}  # fmt: skip
