"""A Pabulib instance as an election we can run: a manifest and one ballot per voter.

`import_file` turns a ``.pb`` file (audit/pabulib.py reads it) into the YAML of a
manifest with one project question (``projects``) and the ballots of its VOTES in
the answer formats of ballots/encoding.py, so that a real participatory budget can
be replayed through the whole encrypted pipeline (``evote simulate MANIFEST
--ballots BALLOTS``). It maps, or refuses with the reason and the line:

* ``vote_type``: ``approval`` → ``approval`` (``min_length``/``max_length`` →
  ``min_choices``/``max_choices``, the format's defaults 1 and every project; 0 if
  the file itself holds empty ballots and declares no ``min_length``); with a real
  ``max_sum_cost``/``min_sum_cost`` → ``budget`` (a basket: ``budget``/``min_spend``),
  refused if the number of projects is limited too; ``choose-1`` → ``approval`` of
  exactly one; ``ordinal`` → ``points``: k ranks (``max_length``, else the longest
  ballot) scoring k, k−1, …, 1 (the format's default, Borda) or ``points`` given,
  ``fewer_ranks`` unless ``min_length`` is k, refused for a ``min_length`` between
  (our ballots rank exactly k, or any number up to k) and when k × projects > 256;
  ``cumulative`` → ``cumulative`` (``max_sum_points`` → ``max_total``, ``max_points``
  → ``max_per_option``), refused with a minimum (``min_points``,
  ``min_sum_points``, ``min_length`` > 1) or a ``max_length``, which we cannot
  express; ``scoring`` (any score, possibly negative) is refused.
* ``rule``: ``greedy`` → our greedy with the file's budget. Every other rule is
  refused with the reason (Equal Shares needs each ballot, which the homomorphic
  tally never decrypts; ``greedy-no-skip`` stops where ours skips; a threshold,
  exclusions or a custom step are not ours), unless the caller asks for greedy
  anyway (``rule="greedy"``), which the manifest then says. Pabulib does not
  record how ties were broken: the manifest declares ``lower_cost`` then ``lot``.
* costs and the budget: whole numbers as they are (``cost_unit: EUR``, meaning one
  unit of the file's currency); with decimals, every amount in cents
  (``cost_unit: cent``); more than two decimals, negative or over our bounds:
  refused.
* project ids: lowercased, every run of other characters than a-z and 0-9 made a
  dash (``124-A`` → ``124-a``); two ids that become one are refused. Names: the
  ``name`` column (``Project <id>`` without one), in the file's ``language`` if it
  is nl, fr or en, else the same text in nl, fr and en.
* what the file does not hold and the simulation needs (the window when the file
  has no dates, a Belgian municipality, a minimum age, a web address, the
  trustees) is a placeholder, and the manifest's opening comment says which.

Every ballot is checked as the voting device would check it (ballots/encoding.py),
so the simulation accepts all of them; each refusal names the VOTES line.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import textwrap
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import yaml

from audit.pabulib import Document, PabulibError, parse, printable
from audit.pabulib_questions import LANGUAGES, Amounts, Mapped, approval, cumulative, ordinal
from ballots.encoding import AnswerError, selections
from evoting.election import MAX_LONG_TEXT, MAX_TEXT, MAX_TITLE, ManifestError, manifest_from_text

QUESTION = "projects"
PLACEHOLDER_MUNICIPALITY = "21004"  # Brussels: any Belgian NIS code would do
PLACEHOLDER_AGE = 16
PLACEHOLDER_ADDRESS = "https://pabulib.example.be"
TRUSTEES = {"n": 3, "k": 2}
TIES = ["lower_cost", "lot"]
_SLUG = re.compile(r"[^a-z0-9]+")
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})  # as evoting/election.py refuses

REFUSED_RULES = {
    "equalshares": "the Method of Equal Shares needs each ballot, and our tally decrypts "
    "only totals (it is planned with a verifiable shuffle)",
    "greedy-no-skip": "greedy-no-skip stops at the first project that does not fit; our "
    "greedy skips it and funds the next that fits",
    "greedy-threshold": "greedy-threshold funds only projects above a minimum score; our "
    "greedy has no threshold",
    "greedy-exclusive": "greedy-exclusive excludes projects by local rules the file does not hold",
    "greedy-custom": "greedy-custom follows a local rule described only in the file's comment",
    "unknown": "the file does not say which rule chose the winners",
}


@dataclass(frozen=True, slots=True)
class Imported:
    """The manifest's YAML, each voter's answer to `QUESTION` (VOTES order) and what the
    import decided that the file does not say (also the manifest's opening comment)."""

    manifest: str
    ballots: tuple[object, ...]
    vote_type: str  # ours: approval, budget, points or cumulative
    projects: int
    notes: tuple[str, ...]

    def ballots_jsonl(self) -> str:
        """One JSON object per line, as ``evote simulate --ballots`` reads them."""
        return "".join(json.dumps({QUESTION: b}, ensure_ascii=False) + "\n" for b in self.ballots)


def _plain(text: str, what: str, line: int | None, limit: int) -> str:
    if len(text) > limit:
        raise PabulibError(f"{what} is longer than {limit} characters", line)
    bad = next((c for c in text if unicodedata.category(c) in _INVISIBLE), None)
    if bad is not None:
        raise PabulibError(
            f"{what} contains a control or invisible character (U+{ord(bad):04X})", line
        )
    return text


def slug(text: str, limit: int = 63) -> str:
    """Lowercase letters, digits and single dashes, as our ids are ("" if none is left)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _SLUG.sub("-", folded.lower()).strip("-")[:limit].rstrip("-")


def election_id(name: str) -> str:
    """The manifest's id from the file's name (``poland_warszawa_2020_.pb``:
    ``poland-warszawa-2020``)."""
    return slug(PurePath(name).stem) or "pabulib"


def _window(doc: Document, notes: list[str]) -> dict[str, str]:
    def day(key: str, end: bool) -> datetime.date | None:
        text, line = doc.meta.get(key, ""), doc.where(key)
        if not text:
            return None
        try:
            if re.fullmatch(r"[0-9]{4}", text):
                found = datetime.date(int(text), 12, 31) if end else datetime.date(int(text), 1, 1)
            elif m := re.fullmatch(r"([0-9]{2})\.([0-9]{2})\.([0-9]{4})", text):
                found = datetime.date(int(m[3]), int(m[2]), int(m[1]))
            else:
                raise ValueError(text)
        except ValueError as exc:
            raise PabulibError(
                f"{key} is not a date DD.MM.YYYY or a year: {text[:40]!r}", line
            ) from exc
        if not 1950 <= found.year <= 2100:
            raise PabulibError(f"{key} is not between 1950 and 2100", line)
        return found

    begin, end = day("date_begin", False), day("date_end", True)
    if begin is None or end is None:
        year = doc.meta.get("instance", "")[:4]
        year = year if re.fullmatch(r"(19[5-9][0-9]|20[0-9][0-9])", year) else "2020"
        begin = begin or datetime.date(int(year), 1, 1)
        end = end or max(begin, datetime.date(int(year), 12, 31))
        notes.append("the window is a placeholder: the file has no date_begin or date_end")
    if end < begin:
        raise PabulibError("date_end is before date_begin", doc.where("date_end"))
    return {
        "opens": f"{begin.isoformat()}T08:00",
        "closes": f"{end.isoformat()}T20:00",
        "timezone": "Europe/Brussels",
    }


def _rule(doc: Document, forced: str | None, notes: list[str]) -> None:
    rule = doc.meta.get("rule", "")
    line = doc.where("rule")
    if not rule:
        raise PabulibError("META has no rule")
    if rule == "greedy" and "min_project_score_threshold" in doc.meta:
        raise PabulibError(
            "min_project_score_threshold: our greedy funds projects whatever their score",
            doc.where("min_project_score_threshold"),
        )
    if rule == "greedy":
        return
    if forced == "greedy":
        notes.append(
            f"the file's rule is {printable(rule)!r}; replayed with greedy, as asked "
            "(the winners may differ from the file's selected column)"
        )
        return
    base = rule.split("/")[0].removesuffix("-comparison")
    why = REFUSED_RULES.get(base, f"{printable(rule)!r} is not a rule we know")
    raise PabulibError(
        f"rule {printable(rule)}: {why}; give --rule greedy to replay the votes with greedy anyway",
        line,
    )


def _ids(doc: Document) -> dict[str, str]:
    ours: dict[str, str] = {}
    taken: dict[str, tuple[str, int]] = {}
    for row in doc.projects:
        pid = row.get("project_id")
        mine = slug(pid)
        if not mine:
            raise PabulibError(f"project id {printable(pid)!r} has no letter or digit", row.line)
        if mine in taken:
            other, line = taken[mine]
            raise PabulibError(
                f"project ids {printable(other)!r} (line {line}) and "
                f"{printable(pid)!r} both become {mine!r}",
                row.line,
            )
        taken[mine] = (pid, row.line)
        ours[pid] = mine
    return ours


def _languages(doc: Document, notes: list[str]) -> list[str]:
    language = doc.meta.get("language", "").lower()
    if language in LANGUAGES:
        return [language]
    said = f"in {printable(language)!r}" if language else "in a language the file does not name"
    notes.append(f"names and texts are {said}: the same text serves as nl, fr and en")
    return list(LANGUAGES)


def import_file(
    data: bytes, name: str, *, points: Sequence[int] | None = None, rule: str | None = None
) -> Imported:
    """The manifest and ballots of the ``.pb`` file ``data`` (named ``name``): see the
    module docstring. ``points``: per rank, for ordinal files; ``rule="greedy"``:
    replay with greedy whatever the file's rule. `PabulibError` says why not."""
    doc = parse(data)
    notes: list[str] = []
    vote_type = doc.meta.get("vote_type", "")
    if vote_type not in ("approval", "choose-1", "ordinal", "cumulative"):
        why = (
            "scoring ballots (any score per project, possibly negative) have no counterpart "
            "among our question types"
            if vote_type == "scoring"
            else f"vote_type {printable(vote_type)!r} is not approval, choose-1, ordinal, "
            "cumulative or scoring"
        )
        raise PabulibError(why if vote_type else "META has no vote_type", doc.where("vote_type"))
    if points is not None and vote_type != "ordinal":
        raise PabulibError("--points is for ordinal files; this one is " + vote_type)
    _rule(doc, rule, notes)
    if not doc.projects:
        raise PabulibError("PROJECTS lists no project")
    if not doc.votes:
        raise PabulibError("VOTES holds no vote: there is nothing to replay")
    for key, count in (("num_projects", len(doc.projects)), ("num_votes", len(doc.votes))):
        declared = doc.integer(key)
        if declared is not None and declared != count:
            raise PabulibError(f"{key} is {declared}, but the file holds {count}", doc.where(key))
    if not doc.meta.get("budget"):
        raise PabulibError("META has no budget")
    amounts = Amounts(doc)
    budget = amounts.of(doc.meta["budget"], "META budget", doc.where("budget"))
    if budget < 1:
        raise PabulibError("the budget is 0", doc.where("budget"))
    ids = _ids(doc)
    costs = {
        ids[r.get("project_id")]: amounts.of(r.get("cost"), "cost", r.line) for r in doc.projects
    }
    languages = _languages(doc, notes)
    if vote_type in ("approval", "choose-1"):
        question = approval(doc, ids, costs, amounts, notes)
    elif vote_type == "ordinal":
        question = ordinal(doc, ids, points, notes)
    else:
        question = cumulative(doc, ids)
    window = _window(doc, notes)
    manifest = _manifest(doc, name, languages, window, ids, costs, amounts, budget, question)
    header = _header(doc, name, data, ids, amounts, question.kind, notes)
    text = "".join(f"# {line}\n" for line in header) + yaml.safe_dump(
        manifest, sort_keys=False, allow_unicode=True, width=100
    )
    _check(text, name, doc, question)
    return Imported(text, tuple(question.ballots), question.kind, len(ids), tuple(notes))


def _manifest(
    doc: Document,
    name: str,
    languages: list[str],
    window: dict[str, str],
    ids: dict[str, str],
    costs: dict[str, int],
    amounts: Amounts,
    budget: int,
    question: Mapped,
) -> dict[str, Any]:
    unit = doc.meta.get("unit") or PurePath(name).stem
    title = " ".join(doc.meta[k] for k in ("unit", "subunit", "instance") if doc.meta.get(k))
    title = _plain(
        title or unit, "the title (META unit, subunit, instance)", doc.where("unit"), MAX_TITLE
    )
    projects = []
    for row in doc.projects:
        pid = row.get("project_id")
        label = row.get("name") or f"Project {pid}"
        label = _plain(label, f"the name of project {printable(pid)!r}", row.line, MAX_TEXT)
        projects.append(
            {"id": ids[pid], "title": dict.fromkeys(languages, label), "cost": costs[ids[pid]]}
        )
    texts = {lang: question.text[lang] for lang in languages}
    out: dict[str, Any] = {
        "id": election_id(name),
        "languages": languages,
        "title": dict.fromkeys(languages, title),
    }
    if doc.meta.get("description"):
        description = _plain(
            doc.meta["description"], "META description", doc.where("description"), MAX_LONG_TEXT
        )
        out["description"] = dict.fromkeys(languages, description)
    out |= {
        "web_address": PLACEHOLDER_ADDRESS,
        "window": window,
        "eligibility": {"minimum_age": PLACEHOLDER_AGE, "municipality": PLACEHOLDER_MUNICIPALITY},
        "questions": [
            {
                "id": QUESTION,
                "type": question.kind,
                "text": texts,
                **question.fields,
                "cost_unit": "cent" if amounts.cents else "EUR",
                "projects": projects,
                "rule": {
                    "method": "greedy",
                    "budget": budget,
                    "ties": TIES,
                    "seed": f"pabulib:{election_id(name)}",
                },
            }
        ],
        "trustees": TRUSTEES,
    }
    return out


def _header(
    doc: Document,
    name: str,
    data: bytes,
    ids: dict[str, str],
    amounts: Amounts,
    kind: str,
    notes: list[str],
) -> list[str]:
    """The manifest's opening comment, a paragraph per item."""
    currency = doc.meta.get("currency", "")
    rule = doc.meta.get("rule", "")
    paragraphs = [
        f"Imported from the Pabulib file {printable(PurePath(name).name)} "
        f"(sha256 {hashlib.sha256(data).hexdigest()}) by `evote pabulib import`.",
        f"Pabulib vote_type {printable(doc.meta.get('vote_type', ''))} is our {kind} question; "
        f"rule {printable(rule)} is "
        + ("our greedy" if rule == "greedy" else "replayed with our greedy, as asked")
        + " within the file's budget.",
        f"Costs and the budget are in {'cents' if amounts.cents else 'whole units'} of the "
        "file's currency"
        + (f" ({printable(currency, 10)})" if currency else "")
        + ": cost_unit has only the names EUR and cent.",
        "Pabulib does not record how ties were broken: here lower cost first, then a lot "
        "drawn from the seed.",
        f"Placeholders, not in the file: the municipality ({PLACEHOLDER_MUNICIPALITY}, "
        "Brussels; the simulation needs a Belgian NIS code), the minimum age "
        f"({PLACEHOLDER_AGE}), the web address and the trustees ({TRUSTEES['n']}, any "
        f"{TRUSTEES['k']} of whom decrypt).",
    ]
    paragraphs += [f"Note: {note}." for note in notes]
    renamed = [f"{printable(pid, 40)} → {ours}" for pid, ours in ids.items() if pid != ours]
    if renamed:
        more = f" and {len(renamed) - 20} more" if len(renamed) > 20 else ""
        paragraphs.append("Project ids made ours: " + ", ".join(renamed[:20]) + more + ".")
    return [line for p in paragraphs for line in textwrap.wrap(p, 96, break_on_hyphens=False)]


def _check(text: str, name: str, doc: Document, question: Mapped) -> None:
    """The manifest loads, and the voting device would encrypt every ballot."""
    try:
        manifest = manifest_from_text(text.encode("utf-8"), name)
    except ManifestError as exc:  # a bound this module missed: say which, plainly
        raise PabulibError(
            "the imported manifest is not valid: " + "; ".join(exc.problems)
        ) from exc
    for vote, answer in zip(doc.votes, question.ballots, strict=True):
        try:
            selections(manifest, {QUESTION: answer})
        except AnswerError as exc:
            raise PabulibError(f"voter {printable(vote.voter)!r}: {exc}", vote.line) from exc
