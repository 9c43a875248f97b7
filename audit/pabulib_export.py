"""A verified result bundle as a Pabulib file, for the research community's tools.

`read_verified` runs the verifier (audit/verify.py) on the bundle first and refuses
a bundle that does not pass; it then reads the manifest and result.json from the
very bytes it verified (the file's SHA-256 must still be the verified one).
`to_pabulib` writes one project question of it in the Pabulib format:

* META: ``description`` (the manifest's, else its title), ``country`` (Belgium),
  ``unit`` (the municipality's name, given by the caller, else ``NIS <code>``),
  ``instance`` (the year the vote opened), ``num_projects``, ``num_votes`` (the
  participants, online and on paper), ``budget``, ``vote_type`` (approval and
  budget baskets → ``approval``, with ``max_sum_cost``/``min_sum_cost`` for a
  basket; points → ``ordinal``; cumulative → ``cumulative``), ``rule`` (greedy →
  ``greedy``; top N → ``unknown``, the format having no name for it, with the
  winners' cost as the budget), the dates, the ballot's limits, ``language``,
  ``currency``, ``fully_funded`` when the budget covers every project, a numbered
  ``comment`` and ``acknowledgments`` naming the bundle's SHA-256.
* PROJECTS: ``project_id``, ``cost``, ``votes`` (approval and baskets: the votes;
  points: how many ranked the project), ``score`` (points and cumulative: the
  points), ``name``, ``selected`` (1 for each winner of the bundle, else 0), in the
  order the winner rule considered them, so that a reader that sorts by score
  stably keeps our tie-breaking.
* VOTES: its header line and no vote. A secret ballot has no votes to export: the
  ballots were encrypted and only their totals were ever decrypted. The format
  requires the section (pabulib-checker reports a file without it as broken), and
  the checker, which recounts PROJECTS and ``num_votes`` from VOTES, then reports
  those counts as different from an empty VOTES: the comment says why.
  ``votes`` of a cumulative question (how many voters gave a project points) is
  not known from the encrypted totals either, and is left out.

Amounts in cents are written in units with two decimals. Pure: no database.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from audit.bundle import SIGNATURES
from audit.pabulib import dump
from audit.reader import Bundle, MemberError, UnreadableBundle
from audit.verify import Pins, verify_file
from evoting.crypto.errors import CanonicalEncodingError
from evoting.election import Manifest, ManifestError, Question, parse_manifest

VOTE_TYPES = {
    "approval": "approval",
    "budget": "approval",
    "points": "ordinal",
    "cumulative": "cumulative",
}
NO_VOTES = (
    "VOTES is empty: the ballots were secret, encrypted, and only their totals were ever "
    "decrypted, so no voter's vote exists to export; num_votes counts the participants "
    "(online and on paper), and the votes and scores in PROJECTS are the decrypted totals"
)


UNPINNED = Pins()


class ExportRefused(Exception):
    """The bundle cannot be exported (it does not verify, or holds no such question)."""


@dataclass(frozen=True, slots=True)
class Verified:
    """A bundle that passed the verifier: its manifest, its result and its SHA-256."""

    manifest: Manifest
    result: Mapping[str, Any]
    sha256: str
    pins: Pins = UNPINNED


def read_verified(
    path: Path,
    *,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    pins: Pins = UNPINNED,
) -> Verified:
    """Verify the bundle at ``path`` (every check of `evote verify`, with the auditor's
    ``pins`` if given), then read it."""
    try:
        report = verify_file(path, workers=workers, progress=progress, pins=pins)
    except UnreadableBundle as exc:
        raise ExportRefused(f"cannot read {path}: {exc}") from exc
    if not report.passed:
        count = len(report.failures)
        raise ExportRefused(
            f"{path} does not verify ({count} failure{'s' * (count > 1)}, "
            f"the first: {report.failures[0]}); see `evote verify {path}`"
        )
    try:
        with Path(path).open("rb") as f:
            if hashlib.file_digest(f, "sha256").hexdigest() != report.bundle_sha256:
                raise ExportRefused(f"{path} changed while it was being verified")
            f.seek(0)
            bundle = Bundle(f, required=(SIGNATURES, "manifest.json", "result.json"))
            manifest = parse_manifest(bundle.json("manifest.json"))
            result = bundle.json("result.json")
    except (OSError, UnreadableBundle, MemberError, CanonicalEncodingError, ManifestError) as exc:
        raise ExportRefused(f"cannot read {path} again after verifying it: {exc}") from exc
    if not isinstance(result, dict):
        raise ExportRefused(f"{path}: result.json is not an object")
    return Verified(manifest, result, report.bundle_sha256, pins)


def _question(verified: Verified, wanted: str | None) -> tuple[Question, Mapping[str, Any]]:
    questions = [q for q in verified.manifest.questions if q.vote is not None]
    if not questions:
        raise ExportRefused(
            "the bundle has no project question (approval, points, budget or cumulative) to export"
        )
    if wanted is None and len(questions) > 1:
        raise ExportRefused(
            "the bundle has several project questions; choose one with "
            "--question: " + ", ".join(q.id for q in questions)
        )
    q = questions[0] if wanted is None else next((q for q in questions if q.id == wanted), None)
    if q is None:
        raise ExportRefused(
            f"no project question {wanted!r}; the bundle has " + ", ".join(q.id for q in questions)
        )
    found = [r for r in verified.result.get("questions", []) if r.get("id") == q.id]
    if len(found) != 1 or not all(k in found[0] for k in ("totals", "winners", "order")):
        raise ExportRefused(f"result.json has no winners for question {q.id!r}")
    return q, found[0]


def _day(moment: datetime.datetime) -> str:
    return moment.strftime("%d.%m.%Y")


def _provenance(pins: Pins) -> str:
    if pins.fingerprint and pins.authority_key:
        return (f"which evote verify passed pinned to the fingerprint {pins.fingerprint} and "
                f"the authority key with SHA-256 {pins.authority_key}")  # fmt: skip
    if pins.fingerprint:
        return f"which evote verify passed pinned to the fingerprint {pins.fingerprint}"
    if pins.authority_key:
        return f"which evote verify passed pinned to the authority key {pins.authority_key}"
    return ("which evote verify found internally consistent (pinned to no published "
            "fingerprint or authority key)")  # fmt: skip


def _text(value: str) -> str:
    """Free text as a cell no spreadsheet runs as a formula (OWASP: a leading quote)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def to_pabulib(verified: Verified, question: str | None = None, unit: str | None = None) -> str:
    """The ``.pb`` text of one project question of a verified bundle (module docstring).
    ``question``: its id, needed when the bundle has several; ``unit``: the municipality."""
    try:
        return _pabulib(verified, question, unit)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:  # a result of another form
        raise ExportRefused(f"result.json is not as this version reads it ({exc!r})") from exc


def _pabulib(verified: Verified, question: str | None, unit: str | None) -> str:
    manifest = verified.manifest
    q, res = _question(verified, question)
    vote = q.vote
    assert vote is not None
    lang = manifest.languages[0]
    cents = vote.cost_unit == "cent"

    def amount(value: int) -> str:
        return f"{Decimal(value) / 100:.2f}" if cents else str(value)

    winners = set(res["winners"])
    spent = sum(p.cost for p in vote.projects if p.id in winners)
    budget = vote.rule.budget if vote.rule.method == "greedy" else spent
    assert budget is not None
    comments = [NO_VOTES]
    meta: list[tuple[str, str]] = [
        ("description", _text((manifest.description or manifest.title)[lang])),
        ("country", "Belgium"),
        ("unit", _text(unit or f"NIS {manifest.eligibility.municipality}")),
        ("instance", str(manifest.window.opens.year)),
        ("num_projects", str(len(vote.projects))),
        ("num_votes", str(int(verified.result["participants"]["total"]))),
        ("budget", amount(budget)),
        ("vote_type", VOTE_TYPES[q.type]),
        ("rule", "greedy" if vote.rule.method == "greedy" else "unknown"),
        ("date_begin", _day(manifest.window.opens)),
        ("date_end", _day(manifest.window.closes - datetime.timedelta(seconds=1))),
    ]
    if vote.rule.method == "top":
        comments.append(
            f"the {vote.rule.seats} projects with most votes won (top "
            f"{vote.rule.seats}); the format has no name for this rule, and budget "
            "is what the winners cost"
        )
    if q.type == "approval":
        meta += [("min_length", str(vote.min_choices)), ("max_length", str(vote.max_choices))]
    elif q.type == "budget":
        comments.append(
            "each ballot was a basket of projects costing at most max_sum_cost "
            "in all (a budget vote)"
        )
        if vote.min_spend:
            meta.append(("min_sum_cost", amount(vote.min_spend)))
        meta.append(("max_sum_cost", amount(vote.budget)))
    elif q.type == "points":
        ranks = len(vote.points)
        meta += [
            ("min_length", "1" if vote.fewer_ranks else str(ranks)),
            ("max_length", str(ranks)),
        ]
        comments.append(
            f"ranks score {', '.join(map(str, vote.points))} points (score); votes "
            "counts the ballots that rank the project"
        )
    else:
        if vote.max_per_option < vote.max_total:
            meta.append(("max_points", str(vote.max_per_option)))
        meta.append(("max_sum_points", str(vote.max_total)))
        comments.append(
            "votes (how many voters gave a project points) is not known from "
            "encrypted totals and is left out; score is the points"
        )
    if vote.rule.ties:
        comments.append(
            "projects tied on score were ordered by "
            + ", then ".join(vote.rule.ties)
            + (f" (seed {vote.rule.seed!r})" if vote.rule.seed else "")
            + "; PROJECTS lists them in that order"
        )
    paper = int(verified.result["participants"].get("paper", 0))
    if paper:
        comments.append(f"{paper} of the participants voted on paper")
    meta += [("language", lang), ("currency", "EUR")]
    if budget >= sum(p.cost for p in vote.projects):
        meta.append(("fully_funded", "1"))
    meta += [
        ("comment", " ".join(f"#{i}: {c}." for i, c in enumerate(comments, start=1))),
        (
            "acknowledgments",
            f"Exported by evote from the result bundle of election "
            f"{manifest.id} (sha256 {verified.sha256}), {_provenance(verified.pins)}.",
        ),
    ]

    totals = res["totals"]
    columns = ["project_id", "cost"]
    if q.type in ("approval", "budget", "points"):
        columns.append("votes")
    if q.type in ("points", "cumulative"):
        columns.append("score")
    columns += ["name", "selected"]
    by_id = {p.id: p for p in vote.projects}
    rows = []
    for pid in res["order"]:
        p = by_id[pid]
        row = [p.id, amount(p.cost)]
        if q.type == "points":
            row.append(str(sum(res["per_rank"][pid])))
        elif q.type != "cumulative":
            row.append(str(totals[pid]))
        if q.type in ("points", "cumulative"):
            row.append(str(totals[pid]))
        row += [_text(p.title[lang]), "1" if pid in winners else "0"]
        rows.append(row)
    votes = ["voter_id", "vote"] + (["points"] if q.type == "cumulative" else [])
    return dump(meta, columns, rows, votes)
