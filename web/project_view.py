"""A project question (approval, points, budget basket, cumulative) on the public pages.

Before the vote (`before_vote`): the projects grouped by domain, each with its title in
the page's language, its cost and its description; how to vote, in words; the winner
rule and its tie rules, with the published seed of a lot. After the tally (`results`):
what result.json says of the question (tally/project_result.py, tally/winners.py), in
the rule's order — each project's rank, title, cost, votes or points (online and on
paper apart when there were paper ballots; for points, how many put it at each rank),
its share of the participants where result.json gives one, and what became of it and
why — with a column chart and the budget used. A ballot opened for checking (`opened`):
the revealed selections in the booth review's words — the chosen projects (a basket's
with their costs and total), each rank's project, each project's points.

The official report says the same things (audit/report_projects.py): its sentences
(the rule, the ballot, the budget used, each project's fate) and number forms
(audit/report_text.py: ``38.000 EUR``, ``38 000 EUR``, ``EUR 38,000``; decimal commas
in nl and fr) are used here as they are, so the site and the PDF never differ.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from audit.report_projects import WORDS, ballot_words, rule_words, status_words
from audit.report_text import NBSP, TEXT, integer, listing, money, ordinal, percent
from ballots.encoding import ContestSpec, cell
from evoting.election import Question
from evoting.projects import Project, ProjectVote, vote_json
from web import i18n

WON = ("funded", "elected")
COLLAPSE_OVER = 12
"""More projects than this: the election page folds each domain (or the whole list)."""
PLOT, TOP, AXIS = 120, 10, 18
"""The chart's plot height, the room above it and the room for the numbers below (px)."""


def _lang() -> str:
    return i18n.current()


def _fr(text: str) -> str:
    """French spacing held with no-break spaces (``; : ! ? »`` never start a line), which
    the report's sentences give before a colon only."""
    if _lang() != "fr":
        return text
    return re.sub(r" ([;:!?»])", NBSP + r"\1", text).replace("« ", "«" + NBSP)


def domain_name(domain: str) -> str:
    """A project's domain (a manifest id such as ``environment``) in words, the same on
    every page (the election page's groups, the booth's cards and filter): the usual ones
    in the page's language, any other as written, its dashes as spaces."""
    names = {
        "environment": _("Environment"),
        "mobility": _("Mobility"),
        "sport": _("Sport"),
        "culture": _("Culture"),
        "solidarity": _("Solidarity"),
        "digital": _("Digital"),
        "living": _("Living environment"),
        "education": _("Education"),
        "youth": _("Youth"),
        "health": _("Health"),
        "safety": _("Safety"),
        "nature": _("Nature"),
        "economy": _("Local economy"),
    }
    if domain in names:
        return str(names[domain])
    words = domain.replace("-", " ")  # an id of the manifest's own: readable as it is
    return words[:1].upper() + words[1:]


# Before the vote


@dataclass(frozen=True)
class Item:
    id: str
    title: str
    cost: str
    description: str | None


@dataclass(frozen=True)
class Group:
    domain: str | None
    name: str | None
    items: tuple[Item, ...]


@dataclass(frozen=True)
class BeforeVote:
    how: str
    rule: tuple[str, ...]
    cap: str | None
    groups: tuple[Group, ...]
    count: int
    folded: bool


def _item(p: Project, unit: str) -> Item:
    description = i18n.text(p.description) if p.description else None
    return Item(p.id, i18n.text(p.title), money(p.cost, _lang(), unit), description or None)


def how_to_vote(kind: str, vote: ProjectVote) -> str:
    """How a resident fills in the ballot, before the vote (present tense)."""
    lang = _lang()
    n = integer(len(vote.projects), lang)
    if kind == "points":
        values = {"ranks": integer(len(vote.points), lang),
                  "points": listing([integer(p, lang) for p in vote.points], lang)}  # fmt: skip
        text = (_("Rank up to %(ranks)s projects in order of preference, for %(points)s points.",
                  **values) if vote.fewer_ranks else
                _("Rank %(ranks)s projects in order of preference, for %(points)s points.",
                  **values))  # fmt: skip
    elif kind == "approval":
        low, high = integer(vote.min_choices, lang), integer(vote.max_choices, lang)
        if vote.min_choices == 0:
            text = _("Choose at most %(high)s of the %(n)s projects.", high=high, n=n)
        elif vote.min_choices == vote.max_choices:
            text = _("Choose exactly %(high)s of the %(n)s projects.", high=high, n=n)
        else:
            text = _("Choose between %(low)s and %(high)s of the %(n)s projects.", low=low,
                     high=high, n=n)  # fmt: skip
    elif kind == "budget":
        budget = money(vote.budget, lang, vote.cost_unit)
        if vote.min_spend:
            text = _("Choose projects whose costs add up to between %(low)s and %(budget)s.",
                     low=money(vote.min_spend, lang, vote.cost_unit), budget=budget)  # fmt: skip
        else:
            text = _("Choose projects whose costs add up to at most %(budget)s.", budget=budget)
    elif vote.max_per_option >= vote.max_total:
        text = _("Spread at most %(total)s points over the projects, as you like.",
                 total=integer(vote.max_total, lang))  # fmt: skip
    else:
        text = _("Spread at most %(total)s points over the projects, at most %(each)s on one "
                 "project.", total=integer(vote.max_total, lang),
                 each=integer(vote.max_per_option, lang))  # fmt: skip
    return _fr(str(text))


def before_vote(question: Question) -> BeforeVote:
    """The election page's part for a project question (see the module's docstring)."""
    vote = question.vote
    assert vote is not None
    lang, unit = _lang(), vote.cost_unit
    rule = vote_json(question.type, vote)["rule"]
    assert isinstance(rule, dict)
    domains: dict[str | None, list[Item]] = {}
    for p in vote.projects:  # the manifest's order, within each domain in order of appearance
        domains.setdefault(p.domain, []).append(_item(p, unit))
    groups = [Group(d, domain_name(d), tuple(items)) for d, items in domains.items() if d]
    if None in domains:  # projects without a domain: last, as "Other projects" beside domains
        other = str(_("Other projects")) if groups else None
        groups.append(Group(None, other, tuple(domains[None])))
    cap = money(vote.max_cost, lang, unit) if vote.max_cost is not None else None
    sentences = tuple(_fr(t) for t in rule_words(rule, question.type, unit, lang))
    return BeforeVote(how_to_vote(question.type, vote), sentences, cap, tuple(groups),
                      len(vote.projects), len(vote.projects) > COLLAPSE_OVER)  # fmt: skip


# After the tally


@dataclass(frozen=True)
class Row:
    rank: int
    id: str
    title: str
    cost: str
    score: str
    online: str
    paper: str
    per_rank: tuple[str, ...]
    share: str | None
    status: str
    status_text: str
    reasons: tuple[str, ...]
    won: bool


@dataclass(frozen=True)
class Bar:
    n: int
    x: str  # per cent of the chart's width
    width: str
    cx: str  # the column's middle, per cent
    y: int  # px
    height: int
    won: bool
    label: str
    number: str | None  # "wide", "narrow", "both": on which screens its number is shown


@dataclass(frozen=True)
class Grid:
    y: int
    label: str


@dataclass
class Results:
    id: str
    kind: str
    greedy: bool
    ballot: str
    rule: tuple[str, ...]
    budget_line: str
    spent_percent: str | None  # greedy: the budget's share spent, for the bar
    score_heading: str
    rank_headings: tuple[str, ...]
    with_paper: bool
    with_share: bool
    rows: tuple[Row, ...]
    notes: tuple[str, ...]
    chart_caption: str
    legend: tuple[str, str]
    words: Mapping[str, str]
    bars: tuple[Bar, ...] = ()
    grid: tuple[Grid, ...] = ()
    gutter: str = "0"
    height: int = PLOT + TOP + AXIS


def _channel_score(kind: str, points: Sequence[int], counts: Mapping[str, Any], pid: str) -> int:
    """A project's score from one channel's counts (a points grid counts ``rank:project``)."""
    if kind == "points":
        return sum(p * int(counts.get(f"{r}:{pid}", 0)) for r, p in enumerate(points, start=1))
    return int(counts.get(pid, 0))


def _step(top: int) -> int:
    """A gridline step (1, 2 or 5 × 10ⁿ) giving at most four lines up to ``top``."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if top <= 4 * step * factor:
                return step * factor
        step *= 10


def _every(count: int, width: int) -> int:
    """Number every k-th column so that two-digit numbers never touch, at ``width`` px."""
    return next(k for k in (1, 2, 5, 10, 20, 50, 100, 1000) if width / max(count, 1) * k >= 22)


def _chart(rows: Sequence[Row], scores: Sequence[int], unit_word: str) -> tuple[
        tuple[Bar, ...], tuple[Grid, ...], str]:  # fmt: skip
    """The columns in the table's order, the gridlines, and the gutter for their numbers
    (per cent of the width): x in per cent, so the chart takes the width it is given."""
    lang = _lang()
    top = max(scores, default=0)
    step = _step(max(top, 1))
    ceiling = step * -(-max(top, 1) // step)
    grid = tuple(Grid(TOP + round(PLOT * (1 - v / ceiling)), integer(v, lang))
                 for v in range(0, ceiling + 1, step))  # fmt: skip
    # The gridlines' numbers stand in a gutter left of the columns: wide enough for the
    # longest on a 328 px phone (about 7 px a character at 11 px).
    gutter = min(20.0, (7 * max(len(g.label) for g in grid) + 6) / 328 * 100)
    slot = (100 - gutter) / max(len(rows), 1)
    wide = _every(len(rows), round(680 * (100 - gutter) / 100))
    narrow = _every(len(rows), round(328 * (100 - gutter) / 100))
    bars = []
    for i, (row, score) in enumerate(zip(rows, scores, strict=True)):
        n = i + 1
        high = max(round(PLOT * score / ceiling), 1)  # a sliver for 0: still in colour
        on_wide, on_narrow = n % wide == 0 or n == 1, n % narrow == 0 or n == 1
        shown = ("both" if on_wide and on_narrow else "wide" if on_wide
                 else "narrow" if on_narrow else None)  # fmt: skip
        label = f"{n}. {row.title}: {row.score} {unit_word} – {row.status_text}"
        x = gutter + i * slot
        bars.append(Bar(n, f"{x + 0.15 * slot:.3f}", f"{0.7 * slot:.3f}", f"{x + 0.5 * slot:.3f}",
                        TOP + PLOT - high, high, row.won, label, shown))  # fmt: skip
    return tuple(bars), grid, f"{gutter:.3f}"


def results(question: Question, q: Mapping[str, Any], participants: Mapping[str, Any]) -> Results:
    """The results page's part for a project question: ``q`` is its entry of result.json."""
    vote = question.vote
    assert vote is not None
    lang, kind, unit = _lang(), str(q.get("type", question.type)), vote.cost_unit
    w = WORDS[lang]
    spec: dict[str, Any] = {"type": question.type, **vote_json(question.type, vote)}
    rule: Mapping[str, Any] = q.get("rule") or spec["rule"]
    greedy = rule.get("method") == "greedy"
    decisions: list[Mapping[str, Any]] = list(q.get("explanation") or [])
    won = [d for d in decisions if d.get("status") in WON]
    if greedy:
        count = (w["funded_one"] if len(won) == 1
                 else w["funded_many"].format(n=integer(len(won), lang)))  # fmt: skip
        line = w["used"].format(spent=money(int(q["spent"]), lang, unit), funded=count,
                                budget=money(int(rule["budget"]), lang, unit),
                                left=money(int(q["left"]), lang, unit))  # fmt: skip
        budget = int(rule["budget"])
        spent: str | None = f"{100 * int(q['spent']) / budget:.3f}" if budget else None
    else:
        key = "elected_sum_one" if len(won) == 1 else "elected_sum"
        line = w[key].format(n=integer(len(won), lang), spent=money(int(q["spent"]), lang, unit))
        spent = None
    points_kind = kind in ("points", "cumulative")
    ranks = len(vote.points) if kind == "points" else 0
    with_paper = int(participants.get("paper", 0) or 0) > 0
    with_share = kind in ("approval", "budget")
    online, paper = q.get("online") or {}, q.get("paper") or {}
    per_rank: Mapping[str, Sequence[int]] = q.get("per_rank") or {}
    shares: Mapping[str, str | None] = q.get("percent") or {}
    titles = {p.id: i18n.text(p.title) for p in vote.projects}
    rows = []
    for d in decisions:
        pid = str(d["project"])
        status_text, reasons = status_words(d, unit, lang)
        share = shares.get(pid)
        rows.append(Row(
            int(d["rank"]), pid, titles.get(pid, pid), money(int(d["cost"]), lang, unit),
            integer(int(d["score"]), lang),
            integer(_channel_score(kind, vote.points, online, pid), lang),
            integer(_channel_score(kind, vote.points, paper, pid), lang),
            tuple(integer(int(k), lang) for k in per_rank.get(pid, ())),
            percent(share, lang) if share is not None else None,
            str(d["status"]), status_text, tuple(_fr(r) for r in reasons), d["status"] in WON,
        ))  # fmt: skip
    notes = []
    total = integer(int(participants.get("total", 0) or 0), lang)
    if with_share:
        notes.append(w["share_base"].format(n=total))
    if ranks:
        named = listing([ordinal(r, lang) for r in range(1, ranks + 1)], lang)
        notes.append(w["rank_base"].format(ranks=named))
    score_word = w["points"] if points_kind else w["votes"]
    made = Results(
        id=str(q.get("id", question.id)), kind=kind, greedy=greedy,
        ballot=ballot_words(spec, lang), budget_line=_fr(line),
        rule=tuple(_fr(t) for t in rule_words(rule, kind, unit, lang)),
        spent_percent=spent, score_heading=score_word,
        rank_headings=tuple(ordinal(r, lang) for r in range(1, ranks + 1)),
        with_paper=with_paper, with_share=with_share, rows=tuple(rows), notes=tuple(notes),
        chart_caption=w["chart_points" if points_kind else "chart_votes"],
        legend=(w["funded" if greedy else "elected"], w["not_funded" if greedy else "not_elected"]),
        words={**w, "online": TEXT[lang]["online"], "paper": TEXT[lang]["paper"]},
    )  # fmt: skip
    scores = [int(d["score"]) for d in decisions]
    made.bars, made.grid, made.gutter = _chart(rows, scores, score_word.lower())
    return made


# A ballot opened for checking


@dataclass(frozen=True)
class Opened:
    """What an opened ballot holds for a project question, as the booth's review says it
    (static/booth/projects.js, `lines`): a summary where the type has one (how many
    chosen, the basket's total against the budget, the points given) and one line per
    project or rank, or one line saying that nothing was chosen."""

    summary: str | None
    lines: tuple[str, ...]


def revealed_selections(spec: ContestSpec, revealed: object) -> list[int] | None:
    """A contest's revealed selections if they are an answer its ballot can hold (one
    whole number per option, within the contest's shape: ballots/encoding.py), else
    None: the page then says so and shows them as they were revealed."""
    if not isinstance(revealed, list) or not all(
            isinstance(s, int) and not isinstance(s, bool) for s in revealed):  # fmt: skip
        return None
    try:
        spec.shape.check(revealed)
    except ValueError:
        return None
    return list(revealed)


def _pair(label: str, value: str) -> str:
    return _fr(str(_("%(label)s: %(value)s", label=label, value=value)))


def rank_label(rank: int, points: int) -> str:
    """``1st choice (3 points)``: a rank of a points ballot, as the booth names it."""
    return str(ngettext("%(rank)s choice (%(num)s point)", "%(rank)s choice (%(num)s points)",
                        points, rank=ordinal(rank, _lang())))  # fmt: skip


def opened(question: Question, spec: ContestSpec, chosen: Sequence[int]) -> Opened:
    """The words of a project question's selections that `revealed_selections` accepted:
    ``spec`` is its contest (options the project ids, or the cells ``r:p`` of a points
    grid, rank by rank), read back by option id."""
    vote = question.vote
    assert vote is not None
    lang, unit = _lang(), vote.cost_unit
    at = dict(zip(spec.options, chosen, strict=True))
    titles = {p.id: i18n.text(p.title) for p in vote.projects}
    if question.type == "points":
        ranked = [next((p.id for p in vote.projects if at[cell(r, p.id)] == 1), None)
                  for r in range(1, len(vote.points) + 1)]  # fmt: skip
        if not any(ranked):
            return Opened(None, (str(_("No project ranked")),))
        return Opened(None, tuple(_pair(rank_label(r, points), titles[pid] if pid else "–")
                                  for r, (points, pid) in enumerate(
                                      zip(vote.points, ranked, strict=True), start=1)))  # fmt: skip
    if question.type == "cumulative":
        given = [(p, at[p.id]) for p in vote.projects if at[p.id] > 0]
        summary = _fr(str(_("Points given: %(given)s of %(total)s",
                            given=integer(sum(n for _p, n in given), lang),
                            total=integer(vote.max_total, lang))))  # fmt: skip
        lines = tuple(_pair(titles[p.id], str(ngettext("%(num)s point", "%(num)s points", n)))
                      for p, n in given)  # fmt: skip
        return Opened(summary, lines or (str(_("No points given")),))
    picked = [p for p in vote.projects if at[p.id] == 1]
    if question.type == "budget":
        total = money(sum(p.cost for p in picked), lang, unit)
        summary = _fr(str(ngettext("Basket: %(num)s project, %(total)s of %(budget)s",
                                   "Basket: %(num)s projects, %(total)s of %(budget)s",
                                   len(picked), total=total,
                                   budget=money(vote.budget, lang, unit))))  # fmt: skip
        lines = tuple(str(_("%(title)s – %(cost)s", title=titles[p.id],
                            cost=money(p.cost, lang, unit))) for p in picked)  # fmt: skip
        return Opened(summary, lines or (str(_("No project in the basket")),))
    summary = _fr(str(_("Chosen: %(n)s of at most %(max)s", n=integer(len(picked), lang),
                        max=integer(vote.max_choices, lang))))  # fmt: skip
    return Opened(summary, tuple(titles[p.id] for p in picked) or (str(_("No project chosen")),))
