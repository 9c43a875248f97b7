"""Exports for officials: ideas, reactions and screening decisions as CSV and XLSX, and the
process's results as a PDF summary (platform_officials_summary.py).

Admins, officials and observers. What is written about residents is their display
name, or "former participant" once the account is gone — never an e-mail address or
an account number. The text of a hidden idea or reaction is left out (its reason
is given): hiding it for personal data must not spread it in a spreadsheet. Every
text cell that a spreadsheet would run as a formula (starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return) starts with an apostrophe instead, as
audit/pabulib_export.py does (OWASP's advice on CSV injection); XLSX cells are also
written as strings, never formulas.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections import Counter
from collections.abc import Sequence

from flask import Blueprint, Response
from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # type: ignore[import-untyped]
from sqlalchemy import select
from sqlalchemy.orm import Session

from evoting import platform_schema as ps
from evoting.accounts import Official
from participation.fields import from_json, utc
from participation.processes import Process
from web.extensions import limiter, services
from web.i18n import current
from web.platform_officials_base import (
    EXPORT_LIMIT,
    PREFIX,
    display_names,
    needs,
    now,
    process_or_404,
)
from web.platform_officials_summary import shown_title, summary_pdf
from web.platform_officials_words import _

blueprint = Blueprint("platform_exports", __name__, url_prefix=PREFIX)

Cell = str | int | bool | None
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutral(value: Cell) -> Cell:
    """A text cell no spreadsheet runs as a formula; other cells as they are."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def _time(moment: datetime.datetime | None) -> str | None:
    return None if moment is None else utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def _author(names: dict[int, str], author_id: int | None, source: str = "online") -> str:
    if author_id is not None and author_id in names:
        return names[author_id]
    return "" if source == "paper" else _("former participant")


def _ideas(s: Session, process: Process) -> tuple[list[str], list[list[Cell]]]:
    i, c = ps.ideas, ps.idea_coauthors
    rows = s.execute(select(i).where(i.c.process_id == process.id).order_by(i.c.id)).all()
    sup = ps.supports
    s_counts = Counter(
        s.execute(select(sup.c.idea_id).where(sup.c.idea_id.in_([r.id for r in rows]))).scalars()
    )
    credited: dict[int, list[int]] = {}
    for idea_id, resident in s.execute(
        select(c.c.idea_id, c.c.resident_id).where(c.c.idea_id.in_([r.id for r in rows]))
    ):
        credited.setdefault(idea_id, []).append(resident)
    ids = {r.author_id for r in rows if r.author_id is not None}
    ids |= {x for v in credited.values() for x in v}
    names = display_names(s, ids)
    head = [
        "id",
        "source",
        "entered_by",
        "author",
        "co_authors",
        "language",
        "title",
        "text",
        "domain",
        "district",
        "address",
        "estimated_cost",
        "final_cost",
        "status",
        "merged_into",
        "supports",
        "created_at",
        "hidden_reason",
    ]
    out: list[list[Cell]] = []
    for r in rows:
        hidden = r.hidden_at is not None
        out.append(
            [
                r.id,
                r.source,
                r.entered_by,
                _author(names, r.author_id, r.source),
                "; ".join(names.get(x, _("former participant")) for x in credited.get(r.id, [])),
                r.language,
                None if hidden else r.title,
                None if hidden else r.text,
                r.domain,
                r.district,
                None if hidden else r.address,
                r.estimated_cost,
                r.final_cost,
                r.status,
                r.merged_into,
                s_counts.get(r.id, 0),
                _time(r.created_at),
                r.hidden_reason,
            ]
        )
    return head, out


def _reactions(s: Session, process: Process) -> tuple[list[str], list[list[Cell]]]:
    r, i = ps.reactions, ps.ideas
    rows = s.execute(
        select(r)
        .join(i, i.c.id == r.c.idea_id)
        .where(i.c.process_id == process.id)
        .order_by(r.c.id)
    ).all()
    names = display_names(s, {x.author_id for x in rows if x.author_id is not None})
    head = ["id", "idea", "reply_to", "author", "language", "text", "created_at", "hidden_reason"]
    return head, [
        [
            x.id,
            x.idea_id,
            x.parent_id,
            _author(names, x.author_id),
            x.language,
            None if x.hidden_at is not None else x.text,
            _time(x.created_at),
            x.hidden_reason,
        ]
        for x in rows
    ]


def _screenings(s: Session, process: Process) -> tuple[list[str], list[list[Cell]]]:
    t, i = ps.screenings, ps.ideas
    rows = s.execute(
        select(t, i.c.title, i.c.hidden_reason)
        .join(i, i.c.id == t.c.idea_id)
        .where(i.c.process_id == process.id)
        .order_by(t.c.id)
    ).all()
    languages = process.settings.languages
    head = [
        "id",
        "idea",
        "idea_title",
        "evaluator",
        "decided_at",
        "decision",
        "reason",
        "domain_ok",
        "cost_ok",
        "general_interest",
        "final_cost",
        *(f"public_reason_{lang}" for lang in languages),
        "notes_technical",
        "notes_legal",
        "notes_financial",
    ]
    out: list[list[Cell]] = []
    for x in rows:
        reason, notes = from_json(x.public_reason) or {}, from_json(x.notes) or {}
        out.append(
            [
                x.id,
                x.idea_id,
                shown_title(x.title, x.hidden_reason),
                x.evaluator,
                _time(x.decided_at),
                x.decision,
                x.reason_code,
                x.domain_ok,
                x.cost_ok,
                x.general_interest,
                x.final_cost,
                *(reason.get(lang) for lang in languages),
                notes.get("technical"),
                notes.get("legal"),
                notes.get("financial"),
            ]
        )
    return head, out


TABLES = {"ideas": _ideas, "reactions": _reactions, "screenings": _screenings}


def to_csv(head: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    """UTF-8 with a byte-order mark (so that spreadsheets read the accents), CRLF lines."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(head)
    for row in rows:
        writer.writerow(["" if v is None else neutral(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx_cell(value: Cell) -> Cell:
    shown = neutral(value)
    return ILLEGAL_CHARACTERS_RE.sub("", shown) if isinstance(shown, str) else shown


def to_xlsx(title: str, head: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append(list(head))
    for row in rows:
        sheet.append([_xlsx_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _download(data: bytes, mimetype: str, name: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@blueprint.get("/<process_id>/export/<any(ideas, reactions, screenings):kind>.<any(csv, xlsx):fmt>")
@limiter.limit(EXPORT_LIMIT)
@needs("export")
def table(process_id: str, kind: str, fmt: str, official: Official) -> Response:
    with services().factory() as s:
        process = process_or_404(s, process_id)
        head, rows = TABLES[kind](s, process)
    name = f"{process_id}-{kind}.{fmt}"
    if fmt == "csv":
        return _download(to_csv(head, rows), "text/csv; charset=utf-8", name)
    return _download(to_xlsx(kind, head, rows), XLSX, name)


@blueprint.get("/<process_id>/summary.pdf")
@limiter.limit(EXPORT_LIMIT)
@needs("export")
def summary(process_id: str, official: Official) -> Response:
    with services().factory() as s:
        process_or_404(s, process_id)
        data = summary_pdf(s, process_id, current(), now())
    return _download(data, "application/pdf", f"{process_id}-summary.pdf")
