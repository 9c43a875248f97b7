"""The official report's part for a project question (approval, points, budget basket,
cumulative: docs/manifest.md, "Participatory budgets and shortlist votes").

For each such question, in the page's language: the question, how a resident voted,
the rule in words (greedy within the budget, or the top N; the declared tie rules,
with the published seed of a lot), what was spent of the budget and what is left, a
column chart of every project's score in the order the rule considered them (the
winners in one colour, the others in another, with a legend), and a table in that
order: rank, title, cost, votes or points (online and paper apart where there were
paper ballots; for points, how many put the project at each rank), the share of
participants where it applies, and what became of it, in words, with the reason.
Everything comes from result.json (tally/project_result.py, tally/winners.py) and the
manifest's titles; nothing is recomputed but each channel's score.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from audit.report_layout import BLUE, GREY, LEFT, MUTED, TRACK, WIDTH, Pages
from audit.report_table import Column, Row, Run, table
from audit.report_text import NBSP, TEXT, integer, listing, money, ordinal, percent

WON = ("funded", "elected")
TIE_ORDER = ("lower_cost", "higher_cost", "lot")

WORDS: dict[str, dict[str, str]] = {
    "nl": {
        "rank": "Rang",
        "project": "Project",
        "cost": "Kost",
        "votes": "Stemmen",
        "points": "Punten",
        "share": "Aandeel",
        "result": "Uitslag",
        "funded": "Gefinancierd",
        "skipped": "Overgeslagen",
        "not_reached": "Niet bereikt",
        "elected": "Verkozen",
        "not_elected": "Niet verkozen",
        "not_funded": "Niet gefinancierd",
        "did_not_fit": "paste niet: nog {left} over",
        "spent_out": "het budget was op",
        "tie": "gelijke stand: {rules}",
        "tie_none": "gelijke stand zonder gevolg voor de uitslag",
        "lower_cost": "goedkoopste eerst",
        "higher_cost": "duurste eerst",
        "lot": "loting",
        "greedy": (
            "Regel: de projecten worden gefinancierd in volgorde van {score}, zolang het "
            "budget van {budget} het toelaat; een project dat niet meer past, wordt "
            "overgeslagen en het volgende komt aan de beurt."
        ),
        "top": "Regel: de {seats} projecten met de meeste {score} zijn verkozen.",
        "top_one": "Regel: het project met de meeste {score} is verkozen.",
        "ties": "Bij gelijke stand: {rules}.",
        "ties_none": "Bij gelijke stand: geen regel vastgelegd.",
        "then": ", daarna ",
        "by_lower_cost": "eerst het goedkoopste project",
        "by_higher_cost": "eerst het duurste project",
        "by_lot": "loting met de gepubliceerde tekst “{seed}”",
        "ballot_points": "Elke deelnemer rangschikte {ranks} projecten, voor {points} punten.",
        "up_to": "tot {high}",
        "ballot_approval": "Elke deelnemer koos {choice} van de {n} projecten.",
        "at_most": "hoogstens {high}",
        "between": "tussen {low} en {high}",
        "exactly": "precies {high}",
        "ballot_budget": "Elke deelnemer koos projecten die samen {choice} kosten.",
        "ballot_cumulative": (
            "Elke deelnemer verdeelde hoogstens {total} punten, hoogstens {each} per project."
        ),
        "used": "Budget: {spent} besteed van {budget}, {left} blijft over ({funded}).",
        "funded_one": "1 project gefinancierd",
        "funded_many": "{n} projecten gefinancierd",
        "elected_sum": "{n} projecten verkozen, samen {spent}.",
        "elected_sum_one": "1 project verkozen, {spent}.",
        "share_base": "Aandeel: deel van de {n} deelnemers dat het project koos.",
        "rank_base": "{ranks}: hoeveel deelnemers het project op die plaats zetten.",
        "chart_points": "Punten per project, genummerd zoals in de tabel",
        "chart_votes": "Stemmen per project, genummerd zoals in de tabel",
    },
    "fr": {
        "rank": "Rang",
        "project": "Projet",
        "cost": "Coût",
        "votes": "Voix",
        "points": "Points",
        "share": "Part",
        "result": "Résultat",
        "funded": "Financé",
        "skipped": "Écarté",
        "not_reached": "Non atteint",
        "elected": "Retenu",
        "not_elected": "Non retenu",
        "not_funded": "Non financé",
        "did_not_fit": "ne rentrait pas : il restait {left}",
        "spent_out": "le budget était épuisé",
        "tie": "égalité : {rules}",
        "tie_none": "égalité sans effet sur le résultat",
        "lower_cost": "moins cher d’abord",
        "higher_cost": "plus cher d’abord",
        "lot": "tirage au sort",
        "greedy": (
            "Règle : les projets sont financés par ordre de {score} tant que le budget de "
            "{budget} le permet ; un projet qui n’y rentre plus est écarté et le suivant "
            "est examiné."
        ),
        "top": "Règle : les {seats} projets ayant le plus de {score} sont retenus.",
        "top_one": "Règle : le projet ayant le plus de {score} est retenu.",
        "ties": "En cas d’égalité : {rules}.",
        "ties_none": "En cas d’égalité : aucune règle déclarée.",
        "then": ", puis ",
        "by_lower_cost": "d’abord le projet le moins cher",
        "by_higher_cost": "d’abord le projet le plus cher",
        "by_lot": "un tirage au sort calculé à partir du texte publié «"
        + NBSP
        + "{seed}"
        + NBSP
        + "»",
        "ballot_points": "Chaque participant a classé {ranks} projets, pour {points} points.",
        "up_to": "jusqu’à {high}",
        "ballot_approval": "Chaque participant a choisi {choice} des {n} projets.",
        "at_most": "au plus {high}",
        "between": "entre {low} et {high}",
        "exactly": "exactement {high}",
        "ballot_budget": "Chaque participant a choisi des projets coûtant ensemble {choice}.",
        "ballot_cumulative": (
            "Chaque participant a réparti au plus {total} points, au plus {each} par projet."
        ),
        "used": "Budget : {spent} utilisés sur {budget}, il reste {left} ({funded}).",
        "funded_one": "1 projet financé",
        "funded_many": "{n} projets financés",
        "elected_sum": "{n} projets retenus, pour un total de {spent}.",
        "elected_sum_one": "1 projet retenu, pour {spent}.",
        "share_base": "Part : part des {n} participants qui ont choisi le projet.",
        "rank_base": "{ranks} : combien de participants ont placé le projet à ce rang.",
        "chart_points": "Points par projet, numérotés comme dans le tableau",
        "chart_votes": "Voix par projet, numérotées comme dans le tableau",
    },
    "en": {
        "rank": "Rank",
        "project": "Project",
        "cost": "Cost",
        "votes": "Votes",
        "points": "Points",
        "share": "Share",
        "result": "Result",
        "funded": "Funded",
        "skipped": "Skipped",
        "not_reached": "Not reached",
        "elected": "Elected",
        "not_elected": "Not elected",
        "not_funded": "Not funded",
        "did_not_fit": "did not fit: {left} left",
        "spent_out": "the budget was spent",
        "tie": "tie decided by {rules}",
        "tie_none": "a tie that changes nothing",
        "lower_cost": "lower cost",
        "higher_cost": "higher cost",
        "lot": "lot",
        "greedy": (
            "Rule: projects are funded in order of {score} while the budget of {budget} "
            "allows; a project that no longer fits is skipped and the next one is considered."
        ),
        "top": "Rule: the {seats} projects with the most {score} are elected.",
        "top_one": "Rule: the project with the most {score} is elected.",
        "ties": "Ties: {rules}.",
        "ties_none": "Ties: no rule declared.",
        "then": ", then ",
        "by_lower_cost": "the cheaper project first",
        "by_higher_cost": "the more expensive project first",
        "by_lot": "a lot drawn from the published seed “{seed}”",
        "ballot_points": "Each participant ranked {ranks} projects, for {points} points.",
        "up_to": "up to {high}",
        "ballot_approval": "Each participant chose {choice} of the {n} projects.",
        "at_most": "at most {high}",
        "between": "between {low} and {high}",
        "exactly": "exactly {high}",
        "ballot_budget": "Each participant chose projects costing {choice} together.",
        "ballot_cumulative": (
            "Each participant spread at most {total} points, at most {each} on one project."
        ),
        "used": "Budget: {spent} spent of {budget}, {left} left ({funded}).",
        "funded_one": "1 project funded",
        "funded_many": "{n} projects funded",
        "elected_sum": "{n} projects elected, costing {spent} in all.",
        "elected_sum_one": "1 project elected, costing {spent}.",
        "share_base": "Share: the share of the {n} participants who chose the project.",
        "rank_base": "{ranks}: how many participants put the project at that rank.",
        "chart_points": "Points per project, numbered as in the table",
        "chart_votes": "Votes per project, numbered as in the table",
    },
}
# French puts a no-break space before a colon, so that the colon never starts a line.
WORDS["fr"] = {key: value.replace(" :", NBSP + ":") for key, value in WORDS["fr"].items()}


def _is_points(kind: str) -> bool:
    return kind in ("points", "cumulative")


def rule_words(rule: Mapping[str, Any], kind: str, unit: str, lang: str) -> list[str]:
    """The winner rule in words, and its tie rules: two sentences."""
    w = WORDS[lang]
    score = w["points"].lower() if _is_points(kind) else w["votes"].lower()
    if rule["method"] == "greedy":
        first = w["greedy"].format(score=score, budget=money(rule["budget"], lang, unit))
    elif rule["seats"] == 1:
        first = w["top_one"].format(score=score)
    else:
        first = w["top"].format(seats=integer(rule["seats"], lang), score=score)
    ties = [t for t in rule.get("ties") or [] if t in TIE_ORDER]
    if not ties:
        return [first, w["ties_none"]]
    phrases = [w[f"by_{t}"].format(seed=rule.get("seed") or "") for t in ties]
    return [first, w["ties"].format(rules=w["then"].join(phrases))]


def ballot_words(question: Mapping[str, Any], lang: str) -> str:
    """How a resident voted on the question."""
    w, kind = WORDS[lang], question["type"]
    unit = question.get("cost_unit", "EUR")
    if kind == "points":
        points = [integer(p, lang) for p in question["points"]]
        ranks = integer(len(points), lang)
        ranks = w["up_to"].format(high=ranks) if question.get("fewer_ranks") else ranks
        return w["ballot_points"].format(ranks=ranks, points=listing(points, lang))
    if kind in ("approval", "budget"):
        approval = kind == "approval"
        low = question.get("min_choices" if approval else "min_spend", 0)
        high = question["max_choices" if approval else "budget"]
        shape = "at_most" if low == 0 else ("exactly" if low == high else "between")
        low, high = ((integer(n, lang) if approval else money(n, lang, unit)) for n in (low, high))
        choice = w[shape].format(low=low, high=high)
        return w[f"ballot_{kind}"].format(choice=choice, n=integer(len(question["projects"]), lang))
    total = question["max_total"]
    each = question.get("max_per_option", total)
    return w["ballot_cumulative"].format(total=integer(total, lang), each=integer(each, lang))


def status_words(decision: Mapping[str, Any], unit: str, lang: str) -> tuple[str, list[str]]:
    """What became of a project, in words, and why: (``Skipped``, [``did not fit: …``])."""
    w = WORDS[lang]
    status = str(decision["status"])
    reasons = []
    if status == "skipped" and decision.get("remaining") is not None:
        reasons.append(w["did_not_fit"].format(left=money(decision["remaining"], lang, unit)))
    elif status == "not_reached":
        reasons.append(w["spent_out"])
    tie = decision.get("tie") or []
    if tie:
        deciding = {t.get("decided_by") for t in tie}
        rules = [w[r] for r in TIE_ORDER if r in deciding]
        reasons.append(w["tie"].format(rules=listing(rules, lang)) if rules else w["tie_none"])
    return w.get(status, status), reasons


def _score(kind: str, question: Mapping[str, Any], counts: Mapping[str, int], pid: str) -> int:
    """A project's score from one channel's counts (a points grid counts rank:project cells)."""
    if kind == "points":
        points = question["points"]
        return sum(p * int(counts.get(f"{r}:{pid}", 0)) for r, p in enumerate(points, start=1))
    return int(counts.get(pid, 0))


def _title(project: Mapping[str, Any] | None, pid: str, lang: str) -> str:
    titles = (project or {}).get("title") or {}
    return str(titles.get(lang) or next(iter(titles.values()), pid))


def _nice_step(top: int) -> int:
    """A gridline step (1, 2, 5 × 10ⁿ) giving at most five lines up to ``top``."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if top <= 5 * step * factor:
                return step * factor
        step *= 10


def chart(pages: Pages, bars: Sequence[tuple[int, bool]], caption: str, lang: str) -> None:
    """A column per project, in the table's order and numbered like it: winners in blue,
    the others in grey; the score above each column where there is room."""
    plot, axis, labels = 38 * mm, 11 * mm, 4 * mm
    pages.ensure(plot + labels + 12 * mm)
    pages.paragraph(caption, 9, "Helvetica-Bold", colour=MUTED, keep=True)
    pages.space(3 * mm)
    c = pages.canvas
    x0, width = LEFT + axis, WIDTH - axis
    base = pages.y - plot
    top = max((score for score, _ in bars), default=0)
    step = _nice_step(max(top, 1))
    ceiling = step * -(-max(top, 1) // step)
    c.saveState()
    c.setLineWidth(0.4)
    c.setFont("Helvetica", 7)
    for value in range(0, ceiling + 1, step):
        y = base + plot * value / ceiling
        c.setStrokeColor(TRACK if value else MUTED)
        c.line(x0, y, x0 + width, y)
        c.setFillColor(MUTED)
        c.drawRightString(x0 - 1.5 * mm, y - 2.4, integer(value, lang))
    c.restoreState()
    slot = width / max(len(bars), 1)
    every = next(k for k in (1, 2, 5, 10, 20, 50, 100, 1000)
                 if stringWidth(str(len(bars)), "Helvetica", 6.5) + 2 <= slot * k)  # fmt: skip
    for n, (score, won) in enumerate(bars, start=1):
        x = x0 + (n - 1) * slot
        c.setFillColor(BLUE if won else GREY)  # a sliver for a score of 0: still in colour
        high = max(plot * score / ceiling, 0.6)
        c.rect(x + slot * 0.14, base, slot * 0.72, high, stroke=0, fill=1)
        c.setFont("Helvetica", 6.5)
        shown = integer(score, lang)
        if stringWidth(shown, "Helvetica", 6.5) + 1 <= slot:
            c.setFillColor(MUTED)
            c.drawCentredString(x + slot / 2, base + high + 1.5, shown)
        if n % every == 0 or (n == 1 and every >= 5):
            c.setFillColor(MUTED)
            c.drawCentredString(x + slot / 2, base - labels + 1.2, str(n))
    pages.y = base - labels - 1.5 * mm


def _numeric(heading: str, width: float) -> Column:
    """A right-aligned column at least as wide as its heading on one line."""
    return Column(heading, max(width, stringWidth(heading, "Helvetica", 7.5) + 3 * mm), True)


def _columns(
    w: Mapping[str, str], kind: str, ranks: int, money_width: float, with_paper: bool,
    lang: str,
) -> tuple[list[Column], bool]:  # fmt: skip
    """The table's columns (the title's takes what the others leave) and whether the counts
    at each rank have columns of their own (else they go under the row)."""
    t = TEXT[lang]
    score = w["points"] if _is_points(kind) else w["votes"]
    head = [_numeric(w["rank"], 9 * mm), Column(w["project"], 0)]
    numbers = [_numeric(w["cost"], money_width)]
    if with_paper:
        numbers += [_numeric(t["online"], 13 * mm), _numeric(t["paper"], 13 * mm)]
    numbers.append(_numeric(score, 13 * mm))
    if kind in ("approval", "budget"):
        numbers.append(_numeric(w["share"], 16 * mm))
    by_rank = [_numeric(ordinal(r, lang), 8 * mm) for r in range(1, ranks + 1)]
    # The widest layout that leaves the titles 42 mm: the counts at each rank in columns
    # of their own if they fit, the result's column narrower if need be.
    choices = [(by_rank, 54 * mm), (by_rank, 46 * mm), ([], 54 * mm), ([], 46 * mm)]
    for extra, wide in [*choices, ([], 40 * mm)]:
        used = sum(col.width for col in head + numbers + extra) + wide
        if WIDTH - used >= 42 * mm or wide == 40 * mm:
            title = Column(w["project"], WIDTH - used)
            return [head[0], title, *numbers, *extra, Column(w["result"], wide)], bool(extra)
    raise AssertionError("unreachable")


def render(
    pages: Pages,
    question: Mapping[str, Any],
    q: Mapping[str, Any],
    lang: str,
    with_paper: bool,
    participants: int,
) -> None:
    """The question's part of the report (see the module's docstring)."""
    w, kind = WORDS[lang], str(q["type"])
    unit = str(question.get("cost_unit", "EUR"))
    rule = q.get("rule") or question["rule"]
    projects = {str(p["id"]): p for p in question.get("projects", [])}
    decisions: list[Mapping[str, Any]] = list(q["explanation"])
    ranks = len(question.get("points", [])) if kind == "points" else 0

    pages.ensure(70 * mm)  # the question, the rule and the budget start on one page
    pages.paragraph(question["text"][lang], 12, "Helvetica-Bold", keep=True)
    pages.space(1 * mm)
    pages.paragraph(ballot_words(question, lang), 10)
    for sentence in rule_words(rule, kind, unit, lang):
        pages.paragraph(sentence, 10)
    pages.space(2 * mm)
    won = [d for d in decisions if d["status"] in WON]
    spent = money(int(q["spent"]), lang, unit)
    if rule["method"] == "greedy":
        count = w["funded_one"] if len(won) == 1 else w["funded_many"].format(
            n=integer(len(won), lang))  # fmt: skip
        pages.paragraph(w["used"].format(spent=spent, budget=money(rule["budget"], lang, unit),
                                         left=money(int(q["left"]), lang, unit), funded=count),
                        10.5, "Helvetica-Bold", keep=True)  # fmt: skip
        pages.space(1 * mm)
        pages.stacked([(int(q["spent"]), BLUE), (int(q["left"]), TRACK)], height=3.5 * mm)
    else:
        key = "elected_sum_one" if len(won) == 1 else "elected_sum"
        pages.paragraph(w[key].format(n=integer(len(won), lang), spent=spent), 10.5,
                        "Helvetica-Bold", keep=True)  # fmt: skip
    pages.space(3 * mm)

    score_word = "chart_points" if _is_points(kind) else "chart_votes"
    chart(pages, [(int(d["score"]), d["status"] in WON) for d in decisions], w[score_word], lang)
    greedy = rule["method"] == "greedy"
    legend = [(BLUE, w["funded" if greedy else "elected"]),
              (GREY, w["not_funded" if greedy else "not_elected"])]  # fmt: skip
    pages.swatches(legend, compact=True)
    pages.space(4 * mm)

    costs = [money(int(d["cost"]), lang, unit) for d in decisions]
    widest = max([stringWidth(text, "Helvetica", 9) for text in costs] + [0])
    columns, rank_columns = _columns(w, kind, ranks, max(widest + 4 * mm, 16 * mm), with_paper,
                                     lang)  # fmt: skip
    online, paper = q.get("online") or {}, q.get("paper") or {}
    per_rank: Mapping[str, Sequence[int]] = q.get("per_rank") or {}
    shares: Mapping[str, str | None] = q.get("percent") or {}
    rows = []
    for n, (d, cost) in enumerate(zip(decisions, costs, strict=True)):
        pid = str(d["project"])
        cells: list[str | Sequence[Run]] = [integer(int(d["rank"]), lang),
                                            _title(projects.get(pid), pid, lang), cost]  # fmt: skip
        if with_paper:
            cells += [integer(_score(kind, question, online, pid), lang),
                      integer(_score(kind, question, paper, pid), lang)]  # fmt: skip
        cells.append(integer(int(d["score"]), lang))
        if kind in ("approval", "budget"):
            pct = shares.get(pid)
            cells.append(percent(pct, lang) if pct is not None else "–")
        counts = list(per_rank.get(pid, []))
        note = ""
        if rank_columns:
            cells += [integer(k, lang) for k in counts]
        elif counts:
            note = ", ".join(f"{integer(k, lang)} × {ordinal(r, lang)}"
                             for r, k in enumerate(counts, start=1))  # fmt: skip
        status, reasons = status_words(d, unit, lang)
        colour = BLUE if d["status"] in WON else GREY
        cells.append([Run(status, bold=True, swatch=colour),
                      *(Run(reason, muted=True, small=True) for reason in reasons)])  # fmt: skip
        rows.append(Row(cells, note=note, shade=n % 2 == 1))
    table(pages, columns, rows)
    pages.space(1.5 * mm)
    if kind in ("approval", "budget"):
        pages.paragraph(w["share_base"].format(n=integer(participants, lang)), 8.5,
                        colour=MUTED)  # fmt: skip
    if ranks:
        named = listing([ordinal(r, lang) for r in range(1, ranks + 1)], lang)
        pages.paragraph(w["rank_base"].format(ranks=named), 8.5, colour=MUTED)
