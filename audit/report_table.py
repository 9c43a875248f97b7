"""The official report's general table: wrapped cells under column headings, flowing
over pages.

A row never splits over two pages; on each page the table flows onto, its headings are
drawn again; a total row stays on the page of the row before it. A cell may span
several columns (centred across them), hold several runs of text (bold, muted, small,
a coloured square before it), and a row a note under it. Used for the projects of a
project question (`audit.report_projects`) and the turnout tables
(`audit.report_turnout`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.colors import Color
from reportlab.lib.units import mm

from audit.report_layout import INK, LEFT, MUTED, SHADE, WIDTH, Pages, wrap


@dataclass(frozen=True)
class Column:
    heading: str
    width: float
    numeric: bool = False  # right-aligned


@dataclass(frozen=True)
class Run:
    """A piece of a table cell, wrapped to its column; ``swatch``: a square before it."""

    text: str
    bold: bool = False
    muted: bool = False
    small: bool = False
    swatch: Color | None = None


@dataclass(frozen=True)
class Row:
    cells: Sequence[str | Sequence[Run]]
    note: str = ""  # small and muted, under the row, from the second column on
    shade: bool = False
    span: Sequence[int] = ()  # columns each cell takes, one each if empty; wider ones centred
    total: bool = False  # a line above it, and on the same page as the row before it


_PAD = 1.2 * mm


def _cell_lines(
    cell: str | Sequence[Run], width: float, size: float
) -> list[tuple[str, str, float, Color, Color | None]]:
    """The lines of a cell: text, font, size, colour, and a swatch for its first line."""
    runs = [Run(cell)] if isinstance(cell, str) else list(cell)
    lines: list[tuple[str, str, float, Color, Color | None]] = []
    indent = size * 0.8 + 3 if any(run.swatch is not None for run in runs) else 0
    for run in runs:
        font = "Helvetica-Bold" if run.bold else "Helvetica"
        points = size - 1 if run.small else size
        colour = MUTED if run.muted else INK
        for n, line in enumerate(wrap(run.text, font, points, width - indent)):
            lines.append((line, font, points, colour, run.swatch if n == 0 else None))
    return lines


@dataclass(frozen=True)
class _Laid:
    """A row wrapped to its columns: each cell's start, width, alignment and lines."""

    slots: list[tuple[float, float, str]]
    cells: list[list[tuple[str, str, float, Color, Color | None]]]
    note: list[str]
    note_height: float
    height: float


def _lay(columns: Sequence[Column], row: Row, size: float) -> _Laid:
    xs = [LEFT + sum(col.width for col in columns[:n]) for n in range(len(columns))]
    slots = []  # per cell: where it starts, its width, and right, left or centre
    at = 0
    for k in row.span or [1] * len(columns):
        align = "centre" if k > 1 else "right" if columns[at].numeric else "left"
        slots.append((xs[at], sum(col.width for col in columns[at : at + k]), align))
        at += k
    if at != len(columns):
        raise ValueError(f"a row spans {at} columns of {len(columns)}")
    cells = [_cell_lines(cell, width - 2 * _PAD, size)
             for cell, (_, width, _) in zip(row.cells, slots, strict=True)]  # fmt: skip
    note = wrap(row.note, "Helvetica", size - 1.5, WIDTH - columns[0].width - 2 * _PAD)
    note_height = len(note) * (size - 1.5) * 1.25 if row.note else 0
    height = max(sum(p * 1.25 for _, _, p, _, _ in lines) for lines in cells)
    return _Laid(slots, cells, note, note_height, height + note_height + 1.8 * mm)


def _head_height(columns: Sequence[Column]) -> float:
    heads = [wrap(col.heading, "Helvetica", 7.5, col.width - 2 * _PAD) for col in columns]
    return max(len(h) for h in heads) * 7.5 * 1.2 + 2 * mm


def table_height(columns: Sequence[Column], rows: Sequence[Row], size: float = 9) -> float:
    """How tall the table is on one page: to keep a short one whole."""
    return _head_height(columns) + sum(_lay(columns, row, size).height for row in rows)


def table(pages: Pages, columns: Sequence[Column], rows: Sequence[Row], size: float = 9) -> None:
    """Rows of wrapped cells under column headings; a row never splits over two pages, and
    the headings are drawn again at the top of each page the table flows onto. A total row
    goes onto the page of the row before it."""
    c = pages.canvas
    xs = [LEFT + sum(col.width for col in columns[:n]) for n in range(len(columns))]
    heads = [wrap(col.heading, "Helvetica", 7.5, col.width - 2 * _PAD) for col in columns]
    head_height = _head_height(columns)

    def heading() -> None:
        c.setFillColor(MUTED)
        c.setFont("Helvetica", 7.5)
        for x, col, lines in zip(xs, columns, heads, strict=True):
            for k, line in enumerate(lines):
                y = pages.y - 7.5 - k * 7.5 * 1.2
                if col.numeric:
                    c.drawRightString(x + col.width - _PAD, y, line)
                else:
                    c.drawString(x + _PAD, y, line)
        pages.y -= head_height
        c.saveState()
        c.setStrokeColor(MUTED)
        c.setLineWidth(0.5)
        c.line(LEFT, pages.y + 1 * mm, LEFT + WIDTH, pages.y + 1 * mm)
        c.restoreState()

    laid = [_lay(columns, row, size) for row in rows]
    for n, (row, lay) in enumerate(zip(rows, laid, strict=True)):
        slots, cells, note, note_height, height = (lay.slots, lay.cells, lay.note,
                                                   lay.note_height, lay.height)  # fmt: skip
        after = laid[n + 1].height if n + 1 < len(rows) and rows[n + 1].total else 0
        if pages.ensure(height + after + (head_height if n == 0 else 0)) or n == 0:
            heading()
        if row.shade:
            c.setFillColor(SHADE)
            c.rect(LEFT, pages.y - height, WIDTH, height, stroke=0, fill=1)
        if row.total:
            c.saveState()
            c.setStrokeColor(MUTED)
            c.setLineWidth(0.5)
            c.line(LEFT, pages.y, LEFT + WIDTH, pages.y)
            c.restoreState()
        top = pages.y - 0.9 * mm
        for (x, width, align), lines in zip(slots, cells, strict=True):
            y = top
            indent = size * 0.8 + 3 if any(line[4] is not None for line in lines) else 0
            for text, font, points, colour, swatch in lines:
                y -= points
                left = x + _PAD
                if swatch is not None:
                    c.setFillColor(swatch)
                    c.rect(left, y, size * 0.8, size * 0.8, stroke=0, fill=1)
                left += indent
                c.setFillColor(colour)
                c.setFont(font, points)
                if align == "right":
                    c.drawRightString(x + width - _PAD, y, text)
                elif align == "centre":
                    c.drawCentredString(x + width / 2, y, text)
                else:
                    c.drawString(left, y, text)
                y -= points * 0.25
        if row.note:
            y = pages.y - height + 0.9 * mm + note_height
            c.setFillColor(MUTED)
            c.setFont("Helvetica", size - 1.5)
            for line in note:
                y -= size - 1.5
                c.drawString(xs[1] + _PAD, y, line)
                y -= (size - 1.5) * 0.25
        pages.y -= height
