"""A process's results as a PDF summary, in the official's language.

One document: the process (title, level, phases with their dates), what residents did
(ideas online and on paper, reactions, supports), how the ideas were screened
(eligible, refused by reason), the vote made from the shortlist (its election and
fingerprint) and each project with its cost, result and latest follow-up, the
initiatives and the council's answers, and the head of the process log (its chain
checked). Pages, wrapping and tables are the official report's
(audit/report_layout.py, audit/report_table.py), numbers and amounts in its forms
(audit/report_text.py: ``38.000 EUR``, ``38 000 EUR``, ``EUR 38,000``). The summary
is drawn twice: first to count the pages for "page 2 of 3".
"""

from __future__ import annotations

import datetime
import io
from collections import Counter
from collections.abc import Mapping
from typing import Any

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from audit.report_layout import PAGE_HEIGHT, PAGE_WIDTH, WIDTH, Header, Pages
from audit.report_table import Column, Row, table
from audit.report_text import date, integer, money
from evoting import platform_schema as ps
from evoting.elections import ElectionError, get_election
from participation import log
from participation.errors import LogTampered
from participation.fields import ZONE, from_json
from participation.followup import updates
from participation.processes import Process, get_process
from web.platform_officials_words import (
    _,
    hide_reason_name,
    level_name,
    phase_name,
    refusal_name,
    status_name,
)


def shown_title(title: str, hidden_reason: str | None) -> str:
    """An idea's title, or, once it is hidden, the reason in words: hiding it (for
    personal data, say) must not leave it in an export, a summary or a list."""
    if hidden_reason is None:
        return title
    return _("Hidden: %(reason)s", reason=hide_reason_name(hidden_reason))


def _t(value: Mapping[str, str] | None, lang: str) -> str:
    if not value:
        return ""
    return value.get(lang) or next(iter(value.values()))


def _day(day: datetime.date, lang: str) -> str:
    return date(datetime.datetime.combine(day, datetime.time(12), tzinfo=ZONE), lang)


def _facts(s: Session, process: Process) -> dict[str, Any]:
    i, r, sup, t = ps.ideas, ps.reactions, ps.supports, ps.screenings
    in_process = select(i.c.id).where(i.c.process_id == process.id)
    statuses: Counter[str] = Counter()
    for status, n in s.execute(
        select(i.c.status, func.count()).where(i.c.process_id == process.id).group_by(i.c.status)
    ):
        statuses[str(status)] = int(n)
    paper = s.execute(
        select(func.count())
        .select_from(i)
        .where(i.c.process_id == process.id, i.c.source == "paper")
    ).scalar_one()
    reactions = s.execute(
        select(func.count()).select_from(r).where(r.c.idea_id.in_(in_process))
    ).scalar_one()
    supports = s.execute(
        select(func.count()).select_from(sup).where(sup.c.idea_id.in_(in_process))
    ).scalar_one()
    refused = Counter(
        s.execute(
            select(t.c.reason_code)
            .join(i, i.c.id == t.c.idea_id)
            .where(i.c.process_id == process.id, i.c.status == "refused", t.c.decision == "refused")
        ).scalars()
    )
    return {
        "statuses": statuses,
        "paper": int(paper),
        "reactions": int(reactions),
        "supports": int(supports),
        "refused": refused,
    }


def _projects(s: Session, process_id: str) -> list[Any]:
    i = ps.ideas
    return list(
        s.execute(
            select(i.c.id, i.c.title, i.c.project_title, i.c.final_cost, i.c.status)
            .where(
                i.c.process_id == process_id,
                i.c.status.in_(("shortlisted", "selected", "not-selected", "in-progress", "done")),
            )
            .order_by(i.c.id)
        ).all()
    )


def _initiatives(s: Session, process_id: str) -> list[Any]:
    a, i = ps.initiative_answers, ps.ideas
    return list(
        s.execute(
            select(a, i.c.title, i.c.hidden_reason)
            .join(i, i.c.id == a.c.idea_id)
            .where(i.c.process_id == process_id)
            .order_by(a.c.answer_due, a.c.idea_id)
        ).all()
    )


def _draw(
    canvas: Canvas,
    s: Session,
    process: Process,
    lang: str,
    today: datetime.datetime,
    total: int | None,
) -> int:
    header = Header(
        _t(process.title, lang),
        level_name(process.level),
        _("Results summary"),
        date(today.astimezone(ZONE), lang),
        _("page %(page)s of %(pages)s", page="{page}", pages="{pages}"),
    )
    pages = Pages(canvas, header, total)
    pages.start()
    pages.paragraph(_t(process.title, lang), 16, "Helvetica-Bold")
    pages.space(2 * mm)
    pages.paragraph(_t(process.description, lang)[:2_000], 10)
    pages.space(4 * mm)
    f = _facts(s, process)
    ideas = sum(f["statuses"].values())
    rows = [(_("Participation level"), level_name(process.level))]
    for p in process.phases:
        end = _day(p.ends_on, lang) if p.ends_on else "…"
        rows.append((phase_name(p.kind), f"{_day(p.starts_on, lang)} – {end}"))
    rows += [
        (
            _("Ideas"),
            _(
                "%(n)s, of which %(paper)s on paper",
                n=integer(ideas, lang),
                paper=integer(f["paper"], lang),
            ),
        ),
        (_("Reactions"), integer(f["reactions"], lang)),
        (_("Supports"), integer(f["supports"], lang)),
        (
            _("Eligible after screening"),
            integer(
                sum(
                    f["statuses"][k]
                    for k in (
                        "eligible",
                        "shortlisted",
                        "selected",
                        "not-selected",
                        "in-progress",
                        "done",
                    )
                ),
                lang,
            ),
        ),
        (_("Refused after screening"), integer(f["statuses"]["refused"], lang)),
    ]
    if process.settings.cost_cap is not None:
        rows.append((_("Cost cap"), money(process.settings.cost_cap, lang)))
    pages.facts(rows)
    if f["refused"]:
        pages.space(3 * mm)
        pages.paragraph(_("Refused, by reason"), 12, "Helvetica-Bold")
        pages.facts([(refusal_name(k), integer(n, lang)) for k, n in sorted(f["refused"].items())])
    if process.election_id is not None:
        pages.space(4 * mm)
        pages.paragraph(_("The vote"), 12, "Helvetica-Bold")
        try:
            election = get_election(s, process.election_id)
            pages.facts(
                [(_("Election"), election.id), (_("Fingerprint"), election.fingerprint.hex())]
            )
        except ElectionError:
            pages.paragraph(process.election_id)
    projects = _projects(s, process.id)
    if projects:
        pages.space(4 * mm)
        pages.paragraph(_("Projects"), 12, "Helvetica-Bold")
        columns = [
            Column(_("Project"), WIDTH * 0.5),
            Column(_("Cost"), WIDTH * 0.2, True),
            Column(_("Result"), WIDTH * 0.3),
        ]
        lines = []
        for p in projects:
            news = [u for u in updates(s, p.id) if u.text]
            note = (
                ""
                if not news
                else (
                    f"{_day(news[-1].created_at.astimezone(ZONE).date(), lang)}"
                    f": {_t(news[-1].text, lang)}"
                )
            )
            title = _t(from_json(p.project_title), lang) or p.title
            cost = "" if p.final_cost is None else money(p.final_cost, lang)
            lines.append(Row([title, cost, status_name(p.status)], note=note))
        table(pages, columns, lines)
    initiatives = _initiatives(s, process.id)
    if initiatives:
        pages.space(4 * mm)
        pages.paragraph(_("Initiatives"), 12, "Helvetica-Bold")
        for a in initiatives:
            title = shown_title(a.title, a.hidden_reason)
            pages.paragraph(f"#{a.idea_id} {title}", 10, "Helvetica-Bold")
            if a.answer is None:
                pages.paragraph(_("Answer due by %(day)s.", day=_day(a.answer_due, lang)))
            else:
                pages.paragraph(_t(from_json(a.answer), lang))
    pages.space(4 * mm)
    try:
        head = log.verify_log(s, process.id)
        pages.facts(
            [
                (
                    _("Process log"),
                    _(
                        "%(n)s entries, chain checked; head %(head)s",
                        n=len(log.entries(s, process.id)),
                        head=head,
                    ),
                )
            ]
        )
    except LogTampered as exc:
        pages.paragraph(_("The process log does not check out at entry %(seq)s.", seq=exc.seq))
    pages.finish()
    return pages.count


def summary_pdf(s: Session, process_id: str, lang: str, today: datetime.datetime) -> bytes:
    """The summary of ``process_id`` in ``lang`` (nl, fr or en) as PDF bytes."""
    process = get_process(s, process_id)
    counted = _draw(
        Canvas(io.BytesIO(), pagesize=(PAGE_WIDTH, PAGE_HEIGHT)), s, process, lang, today, None
    )
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), invariant=True)
    canvas.setTitle(f"{process_id}: {_t(process.title, lang)}")
    _draw(canvas, s, process, lang, today, counted)
    canvas.save()
    return buffer.getvalue()
