"""Turnout by age band and district: small cells hidden, and nothing the totals give away."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from evoting.turnout import problems, suppressed


def test_a_small_cell_is_hidden_with_the_next_smallest() -> None:
    cells = {"Centrum": (120, 60), "Heule": (80, 31), "Aalbeke": (30, 3), "Marke": (50, 22)}
    table = suppressed(cells, 10)
    assert table["Aalbeke"] is None  # 3 took part: under 10
    assert table["Marke"] is None  # hidden with it: the totals would give Aalbeke away
    assert table["Centrum"] == {"eligible": 120, "took_part": 60}
    assert list(table) == sorted(cells)


def test_a_cell_where_nearly_everyone_took_part_is_small_too() -> None:
    """12 of 12 names twelve voters as surely as 1 of 92 names one."""
    cells = {"Centrum": (120, 60), "Heule": (80, 31), "Aalbeke": (12, 12), "Marke": (50, 22)}
    table = suppressed(cells, 10)
    assert table["Aalbeke"] is None
    assert table["Marke"] is None


def test_hidden_cells_are_joined_until_their_sum_says_nothing() -> None:
    """Two hidden districts of 1 of 1 and 2 of 2: together 3 of 3, everyone took part, and
    the totals would tell. Cells are hidden until the group is not small."""
    cells = {"a": (1, 1), "b": (2, 2), "c": (40, 20), "d": (60, 30), "e": (100, 50)}
    table = suppressed(cells, 10)
    assert [k for k, v in table.items() if v is None] == ["a", "b", "c"]  # 23 of 43 took part
    assert list(problems(table_cells(table), 10, 203, 103)) == []


def test_nothing_small_nothing_hidden() -> None:
    assert suppressed({"a": (20, 10), "b": (30, 12)}, 10) == {
        "a": {"eligible": 20, "took_part": 10}, "b": {"eligible": 30, "took_part": 12}}  # fmt: skip


def table_cells(table: dict[str, dict[str, int] | None]) -> dict[str, tuple[int, int] | None]:
    return {k: None if v is None else (v["eligible"], v["took_part"]) for k, v in table.items()}


@given(st.dictionaries(st.text(min_size=1, max_size=5), st.tuples(st.integers(0, 40),
                                                                   st.integers(0, 40))),
       st.integers(1, 20))  # fmt: skip
def test_what_the_registrar_publishes_the_verifier_accepts(
    raw: dict[str, tuple[int, int]], min_cell: int
) -> None:
    cells = {k: (max(e, t), min(e, t)) for k, (e, t) in raw.items()}
    table = suppressed(cells, min_cell)
    eligible = sum(e for e, _ in cells.values())
    took = sum(t for _, t in cells.values())
    assert list(problems(table_cells(table), min_cell, eligible, took)) == []
    shown = [v for v in table.values() if v]
    assert all(min(v["took_part"], v["eligible"] - v["took_part"]) >= min_cell for v in shown)
    hidden = [k for k, v in table.items() if v is None]
    if hidden and shown:  # the hidden group, as anyone derives it from the totals
        group = [cells[k] for k in hidden]
        assert len(group) >= 2
        group_took = sum(t for _, t in group)
        assert min(group_took, sum(e for e, _ in group) - group_took) >= min_cell


def test_the_verifier_names_what_gives_residents_away() -> None:
    def found(cells: dict[str, tuple[int, int] | None], eligible: int, took: int) -> str:
        return " ".join(problems(cells, 10, eligible, took))

    assert "'a': a cell with fewer than 10" in found({"a": (12, 12), "b": (40, 20)}, 52, 32)
    assert "'a': 5 took part of 3 eligible" in found({"a": (3, 5)}, 3, 5)
    assert "give its hidden cells away: 3 of 3" in found({"a": None, "b": None,
                                                           "c": (40, 20)}, 43, 23)  # fmt: skip
    assert "one cell alone is hidden" in found({"a": None, "c": (40, 20)}, 80, 40)
    assert "more than the totals" in found({"a": (40, 20)}, 30, 20)
    assert "not to the totals 50 and 20" in found({"a": (40, 20)}, 50, 20)
    assert found({"a": None}, 3, 3) == ""  # the only cell: the totals show it anyway
