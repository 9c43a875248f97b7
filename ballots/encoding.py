"""How the manifest's questions become encrypted contests, and answers become selections.

Each question is one or more contests (docs/protocol.md §6), each with a label
that goes into every proof:

* **referendum** ``q``: one contest labelled ``q`` with options ``yes``, ``no``
  and, if the manifest allows it, ``blank``; exactly one is chosen.
* **consultation** ``q`` with statements ``s_1 … s_n``: one contest per statement,
  labelled ``q/s_i``, options ``agree``, ``disagree``, ``no_opinion``; exactly one.
* **approval** ``q``: one contest labelled ``q``, an option per project (its id),
  each 0 or 1, between ``min_choices`` and ``max_choices`` of them;
* **budget** ``q``: the same, any number of projects, and the chosen projects' costs
  add up to between ``min_spend`` and ``budget`` (a weighted sum, range-proved);
* **cumulative** ``q``: an option per project, each 0 to ``max_per_option`` points,
  at most ``max_total`` in all;
* **points** ``q`` with ranks r = 1 … R (``len(points)``) and projects p: one
  contest labelled ``q`` whose options are the cells ``r:p`` of an R × P grid,
  rank by rank; each cell 0 or 1, each rank's row sums to exactly 1 (at most 1
  with ``fewer_ranks``), each project's column to at most 1 (one rank per project).
  The decrypted totals say how many put each project at each rank; the points per
  project are computed from them in public.

An answer (the voter's plaintext, which never leaves the device) maps each
question id to: an option id; ``None`` for blank (a referendum's ``blank``, a
consultation's ``no_opinion`` everywhere, an empty choice where the question
allows none); for a consultation also a mapping statement id → option id, or a
list of option ids in statement order; for approval and budget a list of project
ids; for points a list of project ids in rank order (the first gets the most
points); for cumulative a mapping project id → points.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from evoting.crypto.contest import ContestShape
from evoting.election import Manifest, Question
from evoting.projects import contest_shape

REFERENDUM_OPTIONS = ("yes", "no")
BLANK = "blank"
CONSULTATION_OPTIONS = ("agree", "disagree", "no_opinion")


class AnswerError(ValueError):
    """An answer that does not fit the ballot (the device refuses to encrypt it)."""


@dataclass(frozen=True, slots=True)
class ContestSpec:
    """One encrypted contest of the ballot."""

    label: str
    question_id: str
    statement_id: str | None
    options: tuple[str, ...]
    shape: ContestShape

    @property
    def label_bytes(self) -> bytes:
        return self.label.encode("utf-8")


def cell(rank: int, project: str) -> str:
    """A points grid's option id: rank (1-based) and project."""
    return f"{rank}:{project}"


def _project_contest(q: Question) -> ContestSpec:
    vote = q.vote
    assert vote is not None
    ids = tuple(p.id for p in vote.projects)
    if q.type == "points":
        ids = tuple(cell(r + 1, pid) for r in range(len(vote.points)) for pid in ids)
    return ContestSpec(q.id, q.id, None, ids, contest_shape(q.type, vote))


def _question_contests(q: Question) -> list[ContestSpec]:
    if q.vote is not None:
        return [_project_contest(q)]
    if q.type == "referendum":
        options = REFERENDUM_OPTIONS + ((BLANK,) if q.blank_allowed else ())
        return [ContestSpec(q.id, q.id, None, options, ContestShape(len(options)))]
    return [
        ContestSpec(f"{q.id}/{s.id}", q.id, s.id, CONSULTATION_OPTIONS, ContestShape(3))
        for s in q.statements
    ]


def contests(manifest: Manifest) -> tuple[ContestSpec, ...]:
    """Every contest of the ballot, in manifest order."""
    return tuple(c for q in manifest.questions for c in _question_contests(q))


def largest_selection(manifest: Manifest) -> int:
    """The most one ballot can put in one option: 1, or a cumulative question's cap. A
    decrypted total is at most ballots times this (the range the tally searches)."""
    return max((c.shape.max_per_selection for c in contests(manifest)), default=1)


def _one_hot(spec: ContestSpec, option: str) -> list[int]:
    if option not in spec.options:
        raise AnswerError(f"{spec.label}: {option!r} is not one of {', '.join(spec.options)}")
    return [int(o == option) for o in spec.options]


def selections(manifest: Manifest, answers: Mapping[str, object]) -> dict[str, list[int]]:
    """The 0/1 selections of every contest (by label) for a voter's answers."""
    known = {q.id for q in manifest.questions}
    unknown = sorted(set(answers) - known)
    if unknown:
        raise AnswerError(f"no question {unknown[0]!r} on this ballot")
    out: dict[str, list[int]] = {}
    for q in manifest.questions:
        answer = answers.get(q.id)
        specs = _question_contests(q)
        if q.vote is not None:
            out[q.id] = _project_selections(q, specs[0], answer)
            continue
        if q.type == "referendum":
            spec = specs[0]
            if answer is None:
                if not q.blank_allowed:
                    raise AnswerError(f"{q.id}: a blank vote is not allowed; choose yes or no")
                answer = BLANK
            if not isinstance(answer, str):
                raise AnswerError(f"{q.id}: the answer is one option id")
            out[spec.label] = _one_hot(spec, answer)
            continue
        per_statement = _statement_answers(q, specs, answer)
        for spec in specs:
            out[spec.label] = _one_hot(spec, per_statement[spec.statement_id or ""])
    return out


def _statement_answers(q: Question, specs: Sequence[ContestSpec], answer: object) -> dict[str, str]:
    ids = [s.statement_id or "" for s in specs]
    if answer is None:
        return dict.fromkeys(ids, "no_opinion")
    if isinstance(answer, list):
        if len(answer) != len(ids) or not all(isinstance(a, str) for a in answer):
            raise AnswerError(f"{q.id}: give one answer per statement ({len(ids)})")
        return dict(zip(ids, answer, strict=True))
    if isinstance(answer, Mapping):
        extra = sorted(set(answer) - set(ids))
        if extra:
            raise AnswerError(f"{q.id}: no statement {extra[0]!r}")
        given = {k: v if v is not None else "no_opinion" for k, v in answer.items()}
        if not all(isinstance(v, str) for v in given.values()):
            raise AnswerError(f"{q.id}: each statement's answer is one option id")
        return {i: str(given.get(i, "no_opinion")) for i in ids}
    raise AnswerError(f"{q.id}: answer with a list or a mapping of statement answers")


def _project_selections(q: Question, spec: ContestSpec, answer: object) -> list[int]:
    """The selections of a project question's answer; `AnswerError` says what is wrong."""
    vote = q.vote
    assert vote is not None
    ids = [p.id for p in vote.projects]
    if q.type == "cumulative":
        given = {} if answer is None else answer
        if not isinstance(given, Mapping) or not all(isinstance(v, int) and not isinstance(
                v, bool) for v in given.values()):  # fmt: skip
            raise AnswerError(f'{q.id}: give the points per project, e.g. {{"{ids[0]}": 2}}')
        strangers = sorted(set(given) - set(ids))
        if strangers:
            raise AnswerError(f"{q.id}: there is no project {strangers[0]!r}")
        chosen = [int(given.get(pid, 0)) for pid in ids]
    else:
        picked = [] if answer is None else answer
        if not isinstance(picked, list) or not all(isinstance(p, str) for p in picked):
            raise AnswerError(f"{q.id}: give a list of project ids")
        strangers = sorted(set(picked) - set(ids))
        if strangers:
            raise AnswerError(f"{q.id}: there is no project {strangers[0]!r}")
        if len(set(picked)) != len(picked):
            raise AnswerError(f"{q.id}: a project is chosen twice")
        if q.type == "points":
            ranks = len(vote.points)
            if len(picked) > ranks or (len(picked) < ranks and not vote.fewer_ranks):
                raise AnswerError(f"{q.id}: rank {ranks} projects" + (
                    " or fewer" if vote.fewer_ranks else ""))  # fmt: skip
            at = {pid: r for r, pid in enumerate(picked)}
            chosen = [int(at.get(pid) == r) for r in range(ranks) for pid in ids]
        else:
            chosen = [int(pid in picked) for pid in ids]
    try:
        spec.shape.check(chosen)
    except ValueError as exc:
        raise AnswerError(f"{q.id}: {_why(q, exc)}") from exc
    return chosen


def _why(q: Question, exc: ValueError) -> str:
    vote = q.vote
    assert vote is not None
    if q.type == "approval":
        return f"choose between {vote.min_choices} and {vote.max_choices} projects"
    if q.type == "budget":
        return f"the chosen projects cost more than the budget of {vote.budget} " \
               f"(or less than {vote.min_spend})"  # fmt: skip
    if q.type == "cumulative":
        return f"at most {vote.max_per_option} points a project and {vote.max_total} in all"
    return str(exc)
