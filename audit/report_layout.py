"""The official report's pages: header and footer on each, wrapped text, bars.

A `Pages` object is a cursor down the pages of one language's part of the report.
Every piece of text goes through `wrap`, which breaks at spaces (never at a
no-break space) and, for a word wider than the line (a hash, an address), between
characters: nothing is drawn past the margins. Whatever does not fit above the
footer goes onto a new page, which gets the header and the page number again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.colors import Color, HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

PAGE_WIDTH, PAGE_HEIGHT = A4
LEFT = 20 * mm
WIDTH = PAGE_WIDTH - 2 * LEFT
FOOTER = 18 * mm  # nothing of the body goes below this line

BLUE = HexColor("#2b6cb0")  # yes, agree
ORANGE = HexColor("#dd6b20")  # no, disagree (blue/orange: told apart by colour-blind readers)
GREY = HexColor("#a0aec0")  # blank, no opinion
TRACK = HexColor("#edf2f7")
INK = HexColor("#1a202c")
MUTED = HexColor("#4a5568")
NOTICE = HexColor("#fefcbf")
SHADE = HexColor("#f4f6f9")  # every other row of a long table
COLOURS = {"yes": BLUE, "agree": BLUE, "no": ORANGE, "disagree": ORANGE}

_BREAKS = re.compile(r"[ \t\r\n]+")  # not \u00a0: a no-break space holds its words together


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """``text`` in lines no wider than ``width``; over-long words are cut between characters."""
    lines: list[str] = []
    current = ""
    for word in (w for w in _BREAKS.split(text) if w):
        trial = f"{current} {word}" if current else word
        if stringWidth(trial, font, size) <= width:
            current = trial
            continue
        if current:
            lines.append(current)
        rest = word
        while stringWidth(rest, font, size) > width:
            cut = len(rest) - 1
            while cut > 1 and stringWidth(rest[:cut], font, size) > width:
                cut -= 1
            lines.append(rest[:cut])
            rest = rest[cut:]
        current = rest
    if current or not lines:
        lines.append(current)
    return lines


@dataclass(frozen=True)
class Header:
    """What the top of every page of one language says, and its page-number wording."""

    city: str
    election: str
    document: str
    date: str
    page: str  # "pagina {page} van {pages}"


class Pages:
    """A cursor down the pages of one language's part; counts its pages."""

    def __init__(self, canvas: Canvas, header: Header, total: int | None) -> None:
        self.canvas = canvas
        self.header = header
        self.total = total  # None in the first pass, which only counts the pages
        self.count = 0
        self.y = 0.0
        self._top = PAGE_HEIGHT - 14 * mm - self._header_height() - 9 * mm
        self._open = False

    # -- pages -------------------------------------------------------------------------

    def _header_lines(self) -> tuple[list[str], list[str]]:
        left = wrap(self.header.city, "Helvetica-Bold", 9.5, WIDTH * 0.64)
        left += wrap(self.header.election, "Helvetica", 9, WIDTH * 0.64)
        right = wrap(self.header.document, "Helvetica-Bold", 9.5, WIDTH * 0.32)
        right += wrap(self.header.date, "Helvetica", 9, WIDTH * 0.32)
        return left, right

    def _header_height(self) -> float:
        left, right = self._header_lines()
        return max(len(left), len(right)) * 12

    def start(self) -> None:
        """A new page: the header, the footer with its number, the cursor at the top."""
        self.count += 1
        self._open = True
        c = self.canvas
        c.setFillColor(INK)
        left, right = self._header_lines()
        y = PAGE_HEIGHT - 14 * mm
        for n, line in enumerate(left):
            c.setFont("Helvetica-Bold" if n == 0 else "Helvetica", 9.5 if n == 0 else 9)
            c.drawString(LEFT, y - n * 12, line)
        for n, line in enumerate(right):
            c.setFont("Helvetica-Bold" if n == 0 else "Helvetica", 9.5 if n == 0 else 9)
            c.drawRightString(LEFT + WIDTH, y - n * 12, line)
        rule = PAGE_HEIGHT - 14 * mm - self._header_height() + 4
        c.saveState()
        c.setStrokeColor(MUTED)
        c.setLineWidth(0.6)
        c.line(LEFT, rule, LEFT + WIDTH, rule)
        c.line(LEFT, FOOTER - 4 * mm, LEFT + WIDTH, FOOTER - 4 * mm)
        c.restoreState()
        total = "?" if self.total is None else str(self.total)
        c.setFont("Helvetica", 8.5)
        c.drawRightString(
            LEFT + WIDTH, FOOTER - 9 * mm, self.header.page.format(page=self.count, pages=total)
        )
        self.y = self._top

    def finish(self) -> None:
        if self._open:
            self.canvas.showPage()
            self._open = False

    def room(self) -> float:
        return self.y - FOOTER

    def ensure(self, height: float) -> bool:
        """Start a new page unless ``height`` still fits above the footer; True if it did."""
        if self._open and height <= self.room():
            return False
        self.finish()
        self.start()
        return True

    def space(self, amount: float) -> None:
        self.y -= amount

    # -- text --------------------------------------------------------------------------

    def paragraph(
        self,
        text: str,
        size: float = 10,
        font: str = "Helvetica",
        *,
        indent: float = 0,
        width: float | None = None,
        colour: Color = INK,
        leading: float = 1.35,
        keep: bool = False,
    ) -> None:
        """Wrapped text; with ``keep``, all its lines on one page."""
        width = (WIDTH - indent) if width is None else width
        lines = wrap(text, font, size, width)
        step = size * leading
        if keep:
            self.ensure(step * len(lines))
        for line in lines:
            self.ensure(step)
            self.canvas.setFillColor(colour)
            self.canvas.setFont(font, size)
            self.canvas.drawString(LEFT + indent, self.y - size, line)
            self.y -= step

    def facts(
        self,
        rows: Sequence[tuple[str, str]],
        label_width: float = 58 * mm,
        *,
        size: float = 10,
        label_font: str = "Helvetica-Bold",
        value_font: str = "Helvetica",
    ) -> None:
        """Label and value pairs in two columns, each wrapped in its column."""
        step = size * 1.35
        for label, value in rows:
            labels = wrap(label, label_font, size, label_width - 3 * mm)
            values = wrap(value, value_font, size, WIDTH - label_width)
            height = step * max(len(labels), len(values))
            self.ensure(height)
            self.canvas.setFillColor(INK)
            for column, font, lines in ((0, label_font, labels), (label_width, value_font, values)):
                self.canvas.setFont(font, size)
                for n, line in enumerate(lines):
                    self.canvas.drawString(LEFT + column, self.y - size - n * step, line)
            self.y -= height

    def notice(self, text: str, size: float = 10) -> None:
        """Text in a tinted box (the early-closure note)."""
        lines = wrap(text, "Helvetica-Bold", size, WIDTH - 8 * mm)
        height = len(lines) * size * 1.35 + 5 * mm
        self.ensure(height)
        c = self.canvas
        c.saveState()
        c.setFillColor(NOTICE)
        c.setStrokeColor(ORANGE)
        c.rect(LEFT, self.y - height, WIDTH, height, stroke=1, fill=1)
        c.restoreState()
        c.setFillColor(INK)
        c.setFont("Helvetica-Bold", size)
        for n, line in enumerate(lines):
            c.drawString(LEFT + 4 * mm, self.y - 2.5 * mm - size - n * size * 1.35, line)
        self.y -= height

    # -- charts ------------------------------------------------------------------------

    def bar(
        self, x: float, width: float, height: float, part: int, whole: int, colour: Color
    ) -> None:
        """A track of ``width`` with ``part``/``whole`` of it filled, beside a 10-point line."""
        c = self.canvas
        y = self.y - 1.8 - height  # level with the text's capitals
        c.setFillColor(TRACK)
        c.rect(x, y, width, height, stroke=0, fill=1)
        if whole > 0 and part > 0:
            c.setFillColor(colour)
            c.rect(x, y, width * part / whole, height, stroke=0, fill=1)

    def stacked(self, parts: Sequence[tuple[int, Color]], height: float = 4.5 * mm) -> None:
        """One bar across the page, split in proportion to ``parts``."""
        self.ensure(height + 2 * mm)
        c = self.canvas
        whole = sum(n for n, _ in parts)
        y = self.y - height
        c.setFillColor(TRACK)
        c.rect(LEFT, y, WIDTH, height, stroke=0, fill=1)
        x = LEFT
        for n, colour in parts:
            if whole > 0 and n > 0:
                c.setFillColor(colour)
                c.rect(x, y, WIDTH * n / whole, height, stroke=0, fill=1)
                x += WIDTH * n / whole
        self.y -= height + 2 * mm

    def swatches(
        self, items: Sequence[tuple[Color, str]], size: float = 9, *, compact: bool = False
    ) -> None:
        """Coloured squares with their text, side by side if they fit, else one a line;
        ``compact``: each as wide as its text (a legend), not an equal share of the width."""
        column = WIDTH / max(len(items), 1)
        side = size * 0.8
        widths = [stringWidth(text, "Helvetica", size) + side + 6 for _, text in items]
        fits = all(width <= column for width in widths)
        rows = [list(items)] if fits else [[item] for item in items]
        step = size * 1.45
        starts = [LEFT + n * column for n in range(len(items))]
        if compact and fits:
            starts = [LEFT + sum(widths[:n]) + n * 4 * mm for n in range(len(items))]
        for row in rows:
            lines = [
                wrap(text, "Helvetica", size, (column if fits else WIDTH) - side - 6)
                for _, text in row
            ]
            height = step * max(len(found) for found in lines)
            self.ensure(height)
            for n, ((colour, _), text_lines) in enumerate(zip(row, lines, strict=True)):
                x = starts[n] if fits else LEFT
                self.canvas.setFillColor(colour)
                self.canvas.rect(x, self.y - size, side, side, stroke=0, fill=1)
                self.canvas.setFillColor(INK)
                self.canvas.setFont("Helvetica", size)
                for k, line in enumerate(text_lines):
                    self.canvas.drawString(x + side + 4, self.y - size - k * step, line)
            self.y -= height

    def bar_table(self, heading: Sequence[str], rows: Sequence[BarRow]) -> None:
        """A table of counts, one row per answer, each with a bar of its share beside it.

        ``heading`` names the label column and each number column; the bar column
        takes the rest of the width.
        """
        label_width, number_width, gap = 34 * mm, 24 * mm, 5 * mm
        columns = len(heading) - 1
        bar_x = LEFT + label_width + columns * number_width + gap
        bar_width = LEFT + WIDTH - bar_x
        c = self.canvas

        def cells(texts: Sequence[str], font: str, size: float) -> list[list[str]]:
            widths = [label_width - 2 * mm] + [number_width - 2 * mm] * columns
            return [wrap(t, font, size, w) for t, w in zip(texts, widths, strict=True)]

        def draw(texts: Sequence[str], font: str, size: float, colour: Color) -> float:
            wrapped = cells(texts, font, size)
            step = size * 1.3
            height = step * max(len(lines) for lines in wrapped) + 1.4 * mm
            self.ensure(height)
            c.setFillColor(colour)
            c.setFont(font, size)
            for n, lines in enumerate(wrapped):
                for k, line in enumerate(lines):
                    y = self.y - size - k * step
                    if n == 0:
                        c.drawString(LEFT, y, line)
                    else:
                        c.drawRightString(LEFT + label_width + n * number_width, y, line)
            return height

        self.y -= draw(heading, "Helvetica", 8, MUTED)
        for row in rows:
            font = "Helvetica-Bold" if row.bold else "Helvetica"
            height = draw([row.label, *row.numbers], font, 10, INK)
            if row.colour is not None:
                self.bar(bar_x, bar_width, 8.5, row.part, row.whole, row.colour)
            self.y -= height


@dataclass(frozen=True)
class BarRow:
    label: str
    numbers: Sequence[str]
    part: int = 0
    whole: int = 0
    colour: Color | None = None  # no bar (a total row)
    bold: bool = False
