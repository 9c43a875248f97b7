"""Turnout by age band and district: small cells hidden, and never one alone."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from identity.turnout import suppressed


def test_a_small_cell_is_hidden_with_the_next_smallest() -> None:
    cells = {"Centrum": (120, 60), "Heule": (80, 31), "Aalbeke": (12, 3), "Marke": (50, 22)}
    table = suppressed(cells, 10)
    assert table["Aalbeke"] is None  # 3 took part: under 10
    assert table["Marke"] is None  # hidden with it: the totals would give Aalbeke away
    assert table["Centrum"] == {"eligible": 120, "took_part": 60}
    assert list(table) == sorted(cells)


def test_nothing_small_nothing_hidden() -> None:
    assert suppressed({"a": (10, 10), "b": (30, 12)}, 10) == {
        "a": {"eligible": 10, "took_part": 10}, "b": {"eligible": 30, "took_part": 12}}  # fmt: skip


@given(st.dictionaries(st.text(min_size=1, max_size=5), st.tuples(st.integers(0, 40),
                                                                   st.integers(0, 40))),
       st.integers(1, 20))  # fmt: skip
def test_no_shown_cell_is_small_and_no_hidden_cell_stands_alone(
    raw: dict[str, tuple[int, int]], min_cell: int
) -> None:
    cells = {k: (max(e, t), min(e, t)) for k, (e, t) in raw.items()}
    table = suppressed(cells, min_cell)
    hidden = [k for k, v in table.items() if v is None]
    assert all(min(v["eligible"], v["took_part"]) >= min_cell for v in table.values() if v)
    assert len(hidden) != 1 or len(cells) == 1
