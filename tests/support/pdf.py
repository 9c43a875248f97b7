"""Read back what a PDF of ours shows: its text, where each piece of text sits, its filled
rectangles. Built on pypdf, so that the tests do not trust reportlab to read its own output.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from pypdf.generic import ContentStream
from reportlab.pdfbase.pdfmetrics import stringWidth


def texts(path: Path) -> list[str]:
    """Each page's text, no-break spaces as plain ones."""
    return [page.extract_text().replace("\u00a0", " ") for page in PdfReader(path).pages]


@dataclass(frozen=True)
class Placed:
    text: str
    x: float
    y: float
    width: float  # as the font's metrics measure it


def placed_text(path: Path, page: int) -> list[Placed]:
    """Every piece of text drawn on ``page`` with the position of its baseline's start."""
    found: list[Placed] = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        text = text.strip()
        if not text or font is None:
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        name = str(font.get("/BaseFont", "/Helvetica")).lstrip("/")
        found.append(Placed(text, x, y, stringWidth(text, name, size * tm[0] * cm[0])))

    PdfReader(path).pages[page].extract_text(visitor_text=visit)
    return found


def rectangles(
    path: Path, page: int, rgb: tuple[float, float, float]
) -> list[tuple[float, float, float, float]]:
    """The rectangles (x, y, width, height) filled in the colour ``rgb`` (0..1) on ``page``,
    in the order drawn (our pages draw them untransformed)."""
    reader = PdfReader(path)
    content = ContentStream(reader.pages[page].get_contents(), reader)
    colour: tuple[float, ...] = (0.0, 0.0, 0.0)
    saved: list[tuple[float, ...]] = []
    found = []
    for operands, operator in content.operations:
        if operator == b"rg":
            colour = tuple(float(v) for v in operands)
        elif operator == b"q":
            saved.append(colour)
        elif operator == b"Q" and saved:
            colour = saved.pop()
        elif operator == b"re" and all(
            abs(a - b) < 0.005 for a, b in zip(colour, rgb, strict=True)
        ):
            x, y, width, height = (float(v) for v in operands)
            found.append((x, y, width, height))
    return found


def filled_rectangles(path: Path, page: int, rgb: tuple[float, float, float]) -> int:
    """How many rectangles are filled in the colour ``rgb`` (0..1) on ``page``."""
    return len(rectangles(path, page, rgb))


def page_size(path: Path, page: int) -> tuple[float, float]:
    box = PdfReader(path).pages[page].mediabox
    return float(box.width), float(box.height)
