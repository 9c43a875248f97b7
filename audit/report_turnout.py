"""The official report's turnout by age band and by district, from ``credentials.json``.

The figures are the registrar's (identity/issuance.py, small cells suppressed by
evoting/turnout.py): per cell the eligible residents and those who took part — took a
voting key or voted on paper, counted without a ballot ever being seen — or ``null``
where the cell is hidden so that nobody is singled out. They come after the results
and before the verification: a heading, the sentence saying what "took part" means
here, then per table (age band, district) a row per group with who may vote, who
took part and the turnout; "hidden" across the three where the cell is hidden, never
"fewer than N" (the cells hidden with a small one may be large); the total row (all
eligible residents: ``eligible``, and ``credentials_issued`` + ``paper_votes``); and
under a table with a hidden cell the sentence saying why, with ``min_cell``. A short
table is kept on one page; a long one (a city of many districts) flows over pages, its
headings again on each, no row split, the total row with the last. The words are the
results page's (web/turnout.py, _turnout.html), so the report and the site say
the same. A bundle without the tables (an older one, or tables left empty) shows none.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from audit.report_layout import MUTED, WIDTH, Pages, wrap
from audit.report_table import Column, Row, Run, table, table_height
from audit.report_text import TEXT, band_name, integer, percent, share
from evoting.election import DEFAULT_MIN_CELL

TABLES = {"turnout_by_age_band": "turnout_age", "turnout_by_district": "turnout_district"}
"""The tables of ``credentials.json``, each with the word heading its groups' column."""
SHORT = 150 * mm  # a table this tall or less (25 groups or so) is kept on one page


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _band_order(key: str) -> tuple[int, str]:
    found = re.match(r"\d+", key)
    return (int(found.group()) if found else 10_000, key)


def tables(credentials: Mapping[str, Any] | None) -> list[tuple[str, list[str]]]:
    """The tables ``credentials.json`` gives, by name, each with its groups in the order of
    the results page: age bands from the youngest, districts sorted."""
    found = []
    for name in TABLES:
        cells = (credentials or {}).get(name)
        if isinstance(cells, Mapping) and cells:
            keys = [str(k) for k in cells]
            found.append((name, sorted(keys, key=_band_order) if name == "turnout_by_age_band"
                          else sorted(keys)))  # fmt: skip
    return found


def _cell(cell: object) -> tuple[int, int] | None:
    """(eligible, took part), or None where the cell is hidden (or not a count)."""
    if not isinstance(cell, Mapping):
        return None
    eligible, took = _count(cell.get("eligible")), _count(cell.get("took_part"))
    return None if eligible is None or took is None else (eligible, took)


def _row(label: str, cell: tuple[int, int] | None, lang: str, *, shade: bool = False,
         total: bool = False) -> Row:  # fmt: skip
    """A group's row: its figures, or "hidden" across the three; the total in bold under a
    line."""
    if cell is None:
        hidden = [Run(TEXT[lang]["turnout_hidden"], muted=True)]
        return Row([[Run(label, bold=total)], hidden], shade=shade, span=(1, 3), total=total)
    eligible, took = cell
    ratio = share(took, eligible)
    numbers = [integer(eligible, lang), integer(took, lang),
               percent(ratio, lang) if ratio is not None else "–"]  # fmt: skip
    return Row([[Run(text, bold=total)] for text in (label, *numbers)], shade=shade, total=total)


def _columns(heading: str, lang: str) -> list[Column]:
    t = TEXT[lang]
    heads = (t["turnout_may_vote"], t["participants"], t["turnout"])
    numbers = [Column(h, max(30 * mm, stringWidth(h, "Helvetica", 7.5) + 4 * mm), True)
               for h in heads]  # fmt: skip
    return [Column(heading, WIDTH - sum(col.width for col in numbers)), *numbers]


def _needs(columns: list[Column], rows: list[Row], why: str) -> float:
    """The height to keep on one page before a table's caption: the caption, the table and
    the sentence under it if the table is short; else the caption and its first rows."""
    whole = 10.5 * 1.35 + 0.5 * mm + table_height(columns, rows)
    if why:
        whole += 1.5 * mm + len(wrap(why, "Helvetica", 8.5, WIDTH)) * 8.5 * 1.35
    return whole if whole < SHORT else 35 * mm


def render(
    pages: Pages,
    credentials: Mapping[str, Any] | None,
    lang: str,
    manifest_min_cell: object = None,
) -> None:
    """Turnout by age band and by district (see the module's docstring); nothing if the
    bundle's ``credentials.json`` has neither table."""
    found = tables(credentials)
    if not found or credentials is None:
        return
    t = TEXT[lang]
    min_cell = _count(credentials.get("min_cell")) or _count(manifest_min_cell)
    why = t["turnout_hidden_why"].format(n=integer(min_cell or DEFAULT_MIN_CELL, lang))
    eligible = _count(credentials.get("eligible"))
    issued, paper = _count(credentials.get("credentials_issued")), _count(
        credentials.get("paper_votes"))  # fmt: skip
    everyone = None  # the total row
    if eligible is not None and issued is not None and paper is not None:
        everyone = (eligible, issued + paper)
    laid = []
    for name, keys in found:
        cells: Mapping[str, Any] = credentials[name]
        rows = []
        for n, key in enumerate(keys):
            label = band_name(key, lang) if name == "turnout_by_age_band" else key
            rows.append(_row(label, _cell(cells[key]), lang, shade=n % 2 == 1))
        if everyone is not None:
            rows.append(_row(t["turnout_all"], everyone, lang, total=True))
        hidden = any(_cell(cells[key]) is None for key in keys)
        laid.append((t[name], _columns(t[TABLES[name]], lang), rows, why if hidden else ""))
    pages.space(5 * mm)
    intro = len(wrap(t["turnout_who"], "Helvetica", 10, WIDTH)) * 13.5 + 12 * 1.35 + 4 * mm
    pages.ensure(intro + _needs(*laid[0][1:]))  # the heading with the first table
    pages.paragraph(t["turnout_heading"], 12, "Helvetica-Bold", keep=True)
    pages.space(1 * mm)
    pages.paragraph(t["turnout_who"], 10)
    for caption, columns, rows, note in laid:
        pages.space(3 * mm)
        pages.ensure(_needs(columns, rows, note))
        pages.paragraph(caption, 10.5, "Helvetica-Bold", keep=True)
        pages.space(0.5 * mm)
        table(pages, columns, rows)
        if note:
            pages.space(1.5 * mm)
            pages.paragraph(note, 8.5, colour=MUTED, keep=True)
