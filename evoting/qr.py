"""QR codes on a reportlab canvas, drawn as filled squares from segno's matrix.

reportlab's own QR widget costs about 160 ms a code in pure Python; segno encodes
in a few milliseconds, and squares are cheap to draw: poll cards for a city of
60,000 residents take minutes, not hours.
"""

from __future__ import annotations

import segno
from reportlab.pdfgen.canvas import Canvas


def draw_qr(canvas: Canvas, data: str, x: float, y: float, size: float) -> None:
    """A QR code (error correction M, quiet zone included) with its lower left at (x, y)."""
    # A fixed mask pattern: valid and scannable; choosing the "best" of eight costs 8x.
    code = segno.make(data, error="m", boost_error=False, mask=0, micro=False)
    matrix = code.matrix
    border = 4
    modules = len(matrix) + 2 * border
    step = size / modules
    canvas.saveState()
    canvas.setFillColorRGB(0, 0, 0)
    path = canvas.beginPath()
    for row, cells in enumerate(matrix):
        top = y + size - (row + border + 1) * step
        col = 0
        while col < len(cells):
            if not cells[col]:
                col += 1
                continue
            start = col
            while col < len(cells) and cells[col]:
                col += 1
            path.rect(x + (start + border) * step, top, (col - start) * step, step)  # one run
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()
