"""`evote report`: the official PDF of a result, made from the bundle alone.

One page per language of the manifest: the question, the voting period, eligible
residents, participants (online and on paper), turnout, the totals with a bar
chart, the rules' verdict in words (binding or advisory, and why), the bundle's
SHA-256 as text and as a QR code, the keys' fingerprints, and lines for the
officials' signatures. Rule explanations are composed here, per language, from
the structured checks in result.json.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

from reportlab.graphics import renderPDF
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from evoting.crypto.canonical import b64decode
from evoting.qr import draw_qr

TEXT: dict[str, dict[str, str]] = {
    "nl": {
        "title": "Officiële uitslag",
        "period": "Stemperiode: {opens} tot {closes}",
        "eligible": "Stemgerechtigden: {n}",
        "participants": "Deelnemers: {total} ({online} online, {paper} op papier)",
        "turnout": "Opkomst: {p}%",
        "binding": "De uitslag is BINDEND: {outcome}.",
        "advisory": "De uitslag is RAADGEVEND (niet bindend).",
        "outcome_yes": "ja",
        "outcome_no": "nee",
        "outcome_tie": "gelijkspel",
        "yes": "Ja",
        "no": "Nee",
        "blank": "Blanco",
        "agree": "Eens",
        "disagree": "Oneens",
        "no_opinion": "Geen mening",
        "min_participants": "Deelnemers: {actual}, vereist minstens {required}",
        "min_margin_points": (
            "Verschil tussen ja en nee: {actual} procentpunt, vereist minstens {required}"
        ),
        "min_turnout_percent": "Opkomst: {actual}%, vereist minstens {required}%",
        "no_tie": "Ja en nee staan gelijk: een gelijkspel beslist niets",
        "met": "voldaan",
        "not_met": "niet voldaan",
        "bundle": "Resultatenbundel (SHA-256):",
        "keys": "Sleutels (SHA-256 van de publieke sleutel):",
        "verify": "Controleer de bundel zelf met: evote verify bundle.zip",
        "signatures": "Handtekeningen van de verkiezingsambtenaren",
        "name": "Naam en handtekening",
    },
    "fr": {
        "title": "Résultat officiel",
        "period": "Période de vote : du {opens} au {closes}",
        "eligible": "Électeurs inscrits : {n}",
        "participants": "Participants : {total} ({online} en ligne, {paper} sur papier)",
        "turnout": "Participation : {p} %",
        "binding": "Le résultat est CONTRAIGNANT : {outcome}.",
        "advisory": "Le résultat est CONSULTATIF (non contraignant).",
        "outcome_yes": "oui",
        "outcome_no": "non",
        "outcome_tie": "égalité",
        "yes": "Oui",
        "no": "Non",
        "blank": "Blanc",
        "agree": "D'accord",
        "disagree": "Pas d'accord",
        "no_opinion": "Sans avis",
        "min_participants": "Participants : {actual}, au moins {required} requis",
        "min_margin_points": "Écart entre oui et non : {actual} points, au moins {required} requis",
        "min_turnout_percent": "Participation : {actual} %, au moins {required} % requis",
        "no_tie": "Oui et non sont à égalité : une égalité ne décide rien",
        "met": "rempli",
        "not_met": "non rempli",
        "bundle": "Paquet de résultats (SHA-256) :",
        "keys": "Clés (SHA-256 de la clé publique) :",
        "verify": "Vérifiez le paquet vous-même : evote verify bundle.zip",
        "signatures": "Signatures des responsables du scrutin",
        "name": "Nom et signature",
    },
    "en": {
        "title": "Official result",
        "period": "Voting period: {opens} to {closes}",
        "eligible": "Eligible residents: {n}",
        "participants": "Participants: {total} ({online} online, {paper} on paper)",
        "turnout": "Turnout: {p}%",
        "binding": "The result is BINDING: {outcome}.",
        "advisory": "The result is ADVISORY (not binding).",
        "outcome_yes": "yes",
        "outcome_no": "no",
        "outcome_tie": "tie",
        "yes": "Yes",
        "no": "No",
        "blank": "Blank",
        "agree": "Agree",
        "disagree": "Disagree",
        "no_opinion": "No opinion",
        "min_participants": "Participants: {actual}, at least {required} required",
        "min_margin_points": (
            "Difference between yes and no: {actual} points, at least {required} required"
        ),
        "min_turnout_percent": "Turnout: {actual}%, at least {required}% required",
        "no_tie": "Yes and no are tied: a tie decides nothing",
        "met": "met",
        "not_met": "not met",
        "bundle": "Result bundle (SHA-256):",
        "keys": "Keys (SHA-256 of the public key):",
        "verify": "Check the bundle yourself with: evote verify bundle.zip",
        "signatures": "Signatures of the election officials",
        "name": "Name and signature",
    },
}


class ReportError(Exception):
    """The bundle lacks what the report needs."""


def _members(data: bytes) -> dict[str, Any]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return {name: json.loads(archive.read(name)) for name in
                    ("manifest.json", "result.json", "keys.json")}  # fmt: skip
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ReportError(f"not a result bundle: {exc}") from exc


class _Page:
    """A cursor down an A4 page."""

    def __init__(self, canvas: Canvas) -> None:
        self.canvas = canvas
        self.left = 20 * mm
        self.width = A4[0] - 40 * mm
        self.y = A4[1] - 22 * mm

    def line(
        self, text: str, size: float = 10.5, font: str = "Helvetica", gap: float = 1.4
    ) -> None:
        self.canvas.setFont(font, size)
        words, current = text.split(), ""
        for word in words:
            trial = f"{current} {word}".strip()
            if self.canvas.stringWidth(trial, font, size) > self.width and current:
                self.canvas.drawString(self.left, self.y, current)
                self.y -= size * gap
                current = word
            else:
                current = trial
        self.canvas.drawString(self.left, self.y, current)
        self.y -= size * gap

    def space(self, amount: float) -> None:
        self.y -= amount


def _chart(page: _Page, labels: list[str], values: list[int]) -> None:
    height = 12 * mm * len(values) + 10 * mm
    drawing = Drawing(page.width, height)
    chart = HorizontalBarChart()
    chart.x, chart.y = int(30 * mm), int(5 * mm)
    chart.width, chart.height = int(page.width - 45 * mm), int(height - 10 * mm)
    chart.data = [values]
    chart.categoryAxis.categoryNames = labels
    chart.valueAxis.valueMin = 0
    top = max([*values, 1])
    chart.valueAxis.valueMax = top
    chart.valueAxis.valueStep = max(1, -(-top // 5))  # whole numbers of votes
    chart.bars[0].fillColor = HexColor("#2b6cb0")
    chart.barLabelFormat = "%d"
    chart.barLabels.nudge = 8
    drawing.add(chart)
    page.y -= height
    renderPDF.draw(drawing, page.canvas, page.left, page.y)
    page.space(4 * mm)


def _page(canvas: Canvas, lang: str, manifest: dict[str, Any], result: dict[str, Any],
          keys: dict[str, Any], bundle_sha256: str) -> None:  # fmt: skip
    t = TEXT[lang]
    page = _Page(canvas)
    page.line(f"{t['title']} — {manifest['title'][lang]}", 16, "Helvetica-Bold")
    page.space(2 * mm)
    opens, closes = manifest["window"]["opens"], manifest["window"]["closes"]
    page.line(t["period"].format(opens=_date(opens), closes=_date(closes)))
    page.line(t["eligible"].format(n=result["eligible"]))
    p = result["participants"]
    page.line(t["participants"].format(total=p["total"], online=p["online"], paper=p["paper"]))
    if result.get("turnout_percent") is not None:
        page.line(t["turnout"].format(p=result["turnout_percent"]))
    for question, q in zip(manifest["questions"], result["questions"], strict=True):
        page.space(4 * mm)
        page.line(question["text"][lang], 12, "Helvetica-Bold")
        if q["type"] == "referendum":
            options = list(q["totals"])
            _chart(page, [t.get(o, o) for o in options], [q["totals"][o] for o in options])
            if q["binding"]:
                page.line(t["binding"].format(outcome=t[f"outcome_{q['outcome']}"]), 11,
                          "Helvetica-Bold")  # fmt: skip
            else:
                page.line(t["advisory"], 11, "Helvetica-Bold")
            for check in q["checks"]:
                status = t["met"] if check["met"] else t["not_met"]
                page.line(f"• {t[check['rule']].format(**check)} — {status}", 9.5)
        else:
            for statement, s in zip(question["statements"], q["statements"], strict=True):
                counts = ", ".join(f"{t.get(o, o)} {n}" for o, n in s["totals"].items())
                page.line(f"• {statement['text'][lang]}: {counts}", 9.5)
    page.space(5 * mm)
    page.line(t["bundle"], 9.5, "Helvetica-Bold")
    page.line(bundle_sha256, 8.5, "Courier")
    size = 28 * mm
    draw_qr(canvas, bundle_sha256, page.left + page.width - size, page.y - size + 8 * mm, size)
    page.line(t["keys"], 9.5, "Helvetica-Bold")
    for name in ("election", "credential", "board", "operator"):
        digest = hashlib.sha256(b64decode(keys[name])).hexdigest()
        page.line(f"{name}: {digest[:32]}…", 8, "Courier")
    page.line(t["verify"], 9)
    page.y = min(page.y, 55 * mm)
    page.line(t["signatures"], 10, "Helvetica-Bold")
    for x in (page.left, page.left + page.width / 2 + 5 * mm):
        canvas.line(x, 25 * mm, x + page.width / 2 - 10 * mm, 25 * mm)
        canvas.setFont("Helvetica", 8)
        canvas.drawString(x, 21 * mm, t["name"])
    canvas.showPage()


def _date(iso: str) -> str:
    return f"{iso[8:10]}/{iso[5:7]}/{iso[0:4]} {iso[11:16]}"


def write_report(bundle: bytes, out: Path) -> int:
    """Write the report for ``bundle`` (its bytes) to ``out``; returns the number of pages."""
    members = _members(bundle)
    manifest, result, keys = members["manifest.json"], members["result.json"], members["keys.json"]
    digest = hashlib.sha256(bundle).hexdigest()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True)
    canvas.setTitle(f"{manifest['id']}: {TEXT['en']['title']}")
    for lang in manifest["languages"]:
        _page(canvas, lang, manifest, result, keys, digest)
    canvas.save()
    Path(out).write_bytes(buffer.getvalue())
    return len(manifest["languages"])
