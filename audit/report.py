"""`evote report`: the official PDF of a result, made from the bundle alone.

One part per language of the manifest, each a document a city can publish on
its own: every page carries the municipality and the election in its header,
the date of the count, and "pagina 2 van 3" / "page 2 sur 3" / "page 2 of 3"
(numbered within its language). Each part gives the voting period, the actual
closing time from the audit log's "closed" entry (with a note when the vote was
closed before the manifest's closing time), eligible residents, participants
(online and on paper), turnout, then per question the counts with their
percentages and a bar for each (online and paper counts apart where there were
paper ballots), the referendum's verdict (binding or advisory, each rule met or
not, in words), for a consultation one split bar per statement, flowing
over as many pages as it needs, and for a project question (participatory
budget, shortlist) the rule in words, the budget used, a chart and a table of
every project with what became of it and why (`audit.report_projects`). Then
turnout by age band and by district, as the registrar counted it, hidden cells
explained (`audit.report_turnout`; none for a bundle without the tables). Last
come the election fingerprint, the authority key's hash, the bundle's SHA-256
as text and QR code, the other keys' hashes and lines for the officials'
signatures.

The wording and the numbers' form are in `audit.report_text`; the pages, the
wrapping and the bars in `audit.report_layout`, the tables in `audit.report_table`.
The report checks nothing: `evote verify` does.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab.lib.colors import Color
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from audit import report_projects, report_turnout
from audit.reader import Bundle, MemberError, UnreadableBundle
from audit.report_layout import (
    COLOURS,
    FOOTER,
    GREY,
    INK,
    LEFT,
    MUTED,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    WIDTH,
    BarRow,
    Header,
    Pages,
    wrap,
)
from audit.report_text import (
    TEXT,
    date,
    date_time,
    integer,
    moment,
    option_name,
    percent,
    rule_line,
    share,
    verdict,
)
from evoting.crypto.canonical import b64decode
from evoting.crypto.errors import CanonicalEncodingError
from evoting.qr import draw_qr

ORDER = ("yes", "no", "blank", "agree", "disagree", "no_opinion")  # as the results page
PROJECT_TYPES = ("approval", "points", "budget", "cumulative")


class ReportError(Exception):
    """The bundle lacks what the report needs."""


@dataclass(frozen=True)
class _Bundle:
    manifest: dict[str, Any]
    result: dict[str, Any]
    keys: dict[str, Any]
    fingerprint: str  # hex SHA-256 of manifest.json without its trailing newline
    authority: str | None  # hex SHA-256 of the authority's Ed25519 key; None if unsigned
    sha256: str  # of the whole bundle
    closed: datetime.datetime | None  # the audit log's "closed" entry
    early: bool
    tallied: datetime.datetime | None  # the audit log's "tallied" entry
    credentials: dict[str, Any] | None  # the registrar's counts, turnout tables included


def _read(data: bytes) -> _Bundle:
    """What the report prints, read with the verifier's bounded reader (a bundle from
    anywhere: every member within its limits, one copy of each, the log streamed)."""
    try:
        bundle = Bundle(io.BytesIO(data), required=("manifest.json", "result.json", "keys.json"))
        if bundle.problems:
            name, reason = bundle.problems[0]
            raise ReportError(f"not a result bundle: {name}: {reason}")
        manifest, result, keys = (bundle.json(n) for n in ("manifest.json", "result.json",
                                                              "keys.json"))  # fmt: skip
        # An unsigned bundle (the authority signs it offline) has no signatures.json yet.
        signatures = bundle.json("signatures.json") if bundle.present("signatures.json") else None
        credentials = (
            bundle.json("credentials.json") if bundle.present("credentials.json") else None
        )
        closed = tallied = None
        if bundle.present("audit-log.jsonl"):
            for line in bundle.lines("audit-log.jsonl"):
                body = json.loads(line).get("body", {})
                if body.get("action") == "closed" and closed is None:
                    closed = body
                elif body.get("action") == "tallied":
                    tallied = body
        authority = (
            hashlib.sha256(b64decode(signatures["authority"])).hexdigest() if signatures else None
        )
        return _Bundle(
            manifest=manifest,
            result=result,
            keys=keys,
            fingerprint=hashlib.sha256(bundle.read("manifest.json").rstrip(b"\n")).hexdigest(),
            authority=authority,
            sha256=hashlib.sha256(data).hexdigest(),
            closed=moment(closed["time"]) if closed else None,
            early=bool(closed and closed.get("details", {}).get("early") is True),
            tallied=moment(tallied["time"]) if tallied else None,
            credentials=credentials if isinstance(credentials, dict) else None,
        )
    except (UnreadableBundle, MemberError, CanonicalEncodingError, KeyError, ValueError,
            TypeError, AttributeError) as exc:  # fmt: skip
        raise ReportError(f"not a result bundle: {exc}") from exc


def _header(bundle: _Bundle, lang: str, city: Mapping[str, str] | None) -> Header:
    t = TEXT[lang]
    nis = str(bundle.manifest.get("eligibility", {}).get("municipality", ""))
    name = (city or {}).get(lang) or t["municipality"].format(nis=nis)
    when = bundle.tallied or bundle.closed or moment(bundle.manifest["window"]["closes"])
    return Header(name, bundle.manifest["title"][lang], t["title"], date(when, lang), t["page"])


def _facts(pages: Pages, bundle: _Bundle, lang: str) -> None:
    t, m, r = TEXT[lang], bundle.manifest, bundle.result
    pages.paragraph(t["title"], 18, "Helvetica-Bold", keep=True)
    pages.space(1 * mm)
    pages.paragraph(m["title"][lang], 15, "Helvetica-Bold", keep=True)
    if m.get("description", {}).get(lang):
        pages.paragraph(m["description"][lang], 10, "Helvetica-Oblique")
    pages.space(4 * mm)
    opens, closes = moment(m["window"]["opens"]), moment(m["window"]["closes"])
    p = r["participants"]
    rows = [
        (
            t["period"],
            t["period_value"].format(opens=date_time(opens, lang), closes=date_time(closes, lang)),
        ),
        (t["closed"], date_time(bundle.closed, lang) if bundle.closed else t["closed_unknown"]),
    ]
    if bundle.tallied:
        rows.append((t["tallied"], date_time(bundle.tallied, lang)))
    rows += [
        (t["eligible"], integer(r["eligible"], lang)),
        (
            t["participants"],
            t["participants_value"].format(
                total=integer(p["total"], lang),
                online=integer(p["online"], lang),
                paper=integer(p["paper"], lang),
            ),
        ),
    ]
    if r.get("turnout_percent") is not None:
        rows.append((t["turnout"], percent(r["turnout_percent"], lang)))
    pages.facts(rows)
    if bundle.early:
        pages.space(2 * mm)
        pages.notice(t["early"].format(planned=date_time(closes, lang)))


def _colour(option: str) -> Color:
    return COLOURS.get(option, GREY)


def _ordered(totals: Mapping[str, int]) -> list[str]:
    return [o for o in ORDER if o in totals] + [o for o in totals if o not in ORDER]


def _referendum(
    pages: Pages, question: Mapping[str, Any], q: Mapping[str, Any], lang: str, with_paper: bool
) -> None:
    t = TEXT[lang]
    totals: Mapping[str, int] = q["totals"]
    whole = sum(totals.values())
    heading = [
        t["answer"],
        *([t["online"], t["paper"]] if with_paper else []),
        t["votes"],
        t["share"],
    ]
    rows = []
    for option in _ordered(totals):
        n = totals[option]
        split = [integer(q["online"][option], lang), integer(q["paper"][option], lang)]
        pct = share(n, whole)
        rows.append(
            BarRow(
                option_name(option, lang),
                [
                    *(split if with_paper else []),
                    integer(n, lang),
                    percent(pct, lang) if pct else "–",
                ],
                n,
                whole,
                _colour(option),
            )
        )
    online, paper = sum(q["online"].values()), sum(q["paper"].values())
    total_split = [integer(online, lang), integer(paper, lang)] if with_paper else []
    everything = [*total_split, integer(whole, lang), percent("100.00", lang) if whole else "–"]
    rows.append(BarRow(t["total"], everything, bold=True))
    pages.ensure(60 * mm)  # the question, its table and its verdict start on one page
    pages.paragraph(question["text"][lang], 12, "Helvetica-Bold", keep=True)
    pages.space(2 * mm)
    pages.bar_table(heading, rows)
    pages.paragraph(t["base"].format(n=integer(whole, lang)), 8.5, colour=MUTED)
    pages.space(3 * mm)
    pages.paragraph(verdict(q, lang), 11.5, "Helvetica-Bold", keep=True)
    pages.paragraph(t["why"], 10)
    for check in q.get("checks", []):
        text, status = rule_line(check, lang)
        pages.paragraph(f"• {text} – {status}", 10, indent=3 * mm)


def _consultation(
    pages: Pages, question: Mapping[str, Any], q: Mapping[str, Any], lang: str, with_paper: bool
) -> None:
    t = TEXT[lang]
    options = _ordered(q["statements"][0]["totals"]) if q["statements"] else []
    pages.ensure(45 * mm)
    pages.paragraph(question["text"][lang], 12, "Helvetica-Bold", keep=True)
    pages.paragraph(t["statement_base"], 8.5, colour=MUTED)
    pages.space(1 * mm)
    pages.swatches([(_colour(o), option_name(o, lang)) for o in options])
    pages.space(2 * mm)
    for n, (statement, s) in enumerate(
        zip(question["statements"], q["statements"], strict=True), start=1
    ):
        totals: Mapping[str, int] = s["totals"]
        whole = sum(totals.values())
        text = f"{n}. {statement['text'][lang]}"
        lines = len(wrap(text, "Helvetica-Bold", 10, WIDTH))
        pages.ensure(lines * 13.5 + 20 * mm)  # a statement and its bar stay together
        pages.paragraph(text, 10, "Helvetica-Bold")
        pages.space(1 * mm)
        pages.stacked([(totals[o], _colour(o)) for o in _ordered(totals)])
        items = []
        for o in _ordered(totals):
            pct = share(totals[o], whole)
            shown = f"{integer(totals[o], lang)} ({percent(pct, lang)})" if pct else "0"
            items.append((_colour(o), f"{option_name(o, lang)} {shown}"))
        pages.swatches(items)
        if with_paper:
            split = "; ".join(
                f"{option_name(o, lang)}: "
                + t["split"].format(
                    online=integer(s["online"][o], lang), paper=integer(s["paper"][o], lang)
                )
                for o in _ordered(totals)
            )
            pages.paragraph(split, 8.5, colour=MUTED)
        pages.space(3 * mm)


def _verification(pages: Pages, bundle: _Bundle, lang: str) -> None:
    t = TEXT[lang]
    qr = 30 * mm
    pages.ensure(75 * mm)
    pages.paragraph(t["check"], 12, "Helvetica-Bold")
    pages.space(1 * mm)
    draw_qr(pages.canvas, bundle.sha256, LEFT + WIDTH - qr, pages.y - qr, qr)
    text = WIDTH - qr - 6 * mm  # the hashes beside the QR code
    for label, digest in (
        ("fingerprint", bundle.fingerprint),
        ("authority", bundle.authority or t["unsigned"]),
        ("bundle", bundle.sha256),
    ):
        pages.paragraph(t[label], 9.5, "Helvetica-Bold", width=text, keep=True)
        pages.paragraph(digest, 8.5, "Courier", width=text, keep=True)
        pages.space(1.5 * mm)
    pages.paragraph(t["keys"], 9.5, "Helvetica-Bold")
    pages.facts(
        [
            (t[f"key_{name}"], hashlib.sha256(b64decode(bundle.keys[name])).hexdigest())
            for name in ("election", "credential", "board", "operator")
            if name in bundle.keys
        ],
        size=8,
        label_font="Helvetica",
        value_font="Courier",
    )
    pages.space(2 * mm)
    pages.paragraph(t["verify"], 9.5, keep=True)
    command = ["evote verify bundle.zip", f"--fingerprint {bundle.fingerprint}"]
    if bundle.authority:
        command.append(f"--authority-key {bundle.authority}")
    for n, line in enumerate(command):  # as one would type it in a shell
        shown = line if n == len(command) - 1 else line + " \\"
        pages.paragraph(shown, 7.5, "Courier", indent=4 * mm if n else 0)


def _signatures(pages: Pages, lang: str) -> None:
    t = TEXT[lang]
    block = 24 * mm
    pages.ensure(block)
    pages.y = min(pages.y, FOOTER + block)  # at the foot of the last page
    pages.paragraph(t["signatures"], 10, "Helvetica-Bold")
    c, half = pages.canvas, WIDTH / 2
    line = FOOTER + 6 * mm
    c.setStrokeColor(INK)
    c.setLineWidth(0.8)
    for x in (LEFT, LEFT + half + 5 * mm):
        c.line(x, line, x + half - 10 * mm, line)
        c.setFont("Helvetica", 8)
        c.drawString(x, line - 3.5 * mm, t["name"])


def _render(
    canvas: Canvas,
    bundle: _Bundle,
    city: Mapping[str, str] | None,
    totals: Mapping[str, int] | None,
) -> dict[str, int]:
    """Draw every language's part; returns the number of pages of each."""
    counts: dict[str, int] = {}
    m, r = bundle.manifest, bundle.result
    with_paper = r["participants"]["paper"] > 0 or any(
        sum(q.get("paper", {}).values())
        for q in r["questions"]
        if q["type"] == "referendum" or q["type"] in PROJECT_TYPES
    )
    for lang in m["languages"]:
        pages = Pages(canvas, _header(bundle, lang, city), None if totals is None else totals[lang])
        pages.start()
        _facts(pages, bundle, lang)
        for question, q in zip(m["questions"], r["questions"], strict=True):
            pages.space(5 * mm)
            if q["type"] == "referendum":
                _referendum(pages, question, q, lang, with_paper)
            elif q["type"] in PROJECT_TYPES:
                report_projects.render(
                    pages, question, q, lang, with_paper, r["participants"]["total"]
                )
            else:
                _consultation(pages, question, q, lang, with_paper)
        report_turnout.render(pages, bundle.credentials, lang, m.get("min_cell"))
        pages.space(5 * mm)
        _verification(pages, bundle, lang)
        _signatures(pages, lang)
        pages.finish()
        counts[lang] = pages.count
    return counts


def write_report(bundle: bytes, out: Path, *, city: Mapping[str, str] | None = None) -> int:
    """Write the report for ``bundle`` (its bytes) to ``out``; returns the number of pages.

    ``city`` names the municipality per language (``{"nl": "Kortrijk", "fr":
    "Courtrai", ...}``); without it the header gives the manifest's NIS code.
    """
    facts = _read(bundle)
    languages = [lang for lang in facts.manifest.get("languages", []) if lang in TEXT]
    if not languages:
        raise ReportError("the manifest names no language the report is written in")
    facts = dataclasses.replace(facts, manifest={**facts.manifest, "languages": languages})
    try:
        counted = _render(
            Canvas(io.BytesIO(), pagesize=(PAGE_WIDTH, PAGE_HEIGHT)), facts, city, None
        )
        buffer = io.BytesIO()
        canvas = Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), invariant=True)
        canvas.setTitle(f"{facts.manifest['id']}: {TEXT['en']['title']}")
        _render(canvas, facts, city, counted)
        canvas.save()
    except (KeyError, TypeError, ValueError) as exc:
        raise ReportError(f"the bundle's result or manifest is incomplete: {exc!r}") from exc
    Path(out).write_bytes(buffer.getvalue())
    return sum(counted.values())
